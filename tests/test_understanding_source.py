"""The one source of what Rekindle understands: templates, overlays, the generated Alexa models."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intents.understanding import IntentMatcher, SourceError, Template, TemplateError
from intents.understanding import templates as tpl
from intents.understanding.alexa_model import (
    MAX_SAMPLE_CHARACTERS,
    MAX_SAMPLES_PER_INTENT,
    MAX_SLOT_VALUE_CHARACTERS,
    MAX_SLOT_VALUES,
    interaction_model,
)
from intents.understanding.generate import stale
from intents.understanding.matcher import TABLE_LIMIT
from intents.understanding.source import build_language, hassil_source, language, locales
from interaction_models import MODEL_DIR
from interaction_models import locales as model_locales

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ["en-AU", "en-CA", "en-GB", "en-IN", "en-US"]


def phrases(text: str, rules: dict[str, str] | None = None) -> list[str]:
    return Template("X", text, tpl.parse(text, rules)).expansions()


# ----- the template syntax ----------------------------------------------------------------------------------

def test_alternatives_optional_words_and_permutations_expand() -> None:
    got = phrases("give (me|us) another [one|question] [please]")
    assert len(got) == len(set(got)) == 12
    assert set(got) == {f"give {who} another{what}{end}" for who in ("me", "us")
                        for what in (" one", " question", "") for end in (" please", "")}
    assert got[0] == "give me another one please"  # in the order written
    assert phrases("(slowly; together)") == ["slowly together", "together slowly"]
    assert phrases("we're {mood}") == ["we're {mood}"]
    assert phrases("call us <names>", {"names": "{name:first} and {name:second}"}) == ["call us {first} and {second}"]


@pytest.mark.parametrize("bad, says", [
    ("give (me|us another", "missing ')'"),
    ("give me) another", "unmatched ')'"),
    ("light(er)", "whole words"),
    ("we're {mood", "unexpected"),
    ("call us <names>", "no expansion rule"),
    ("(a|b; c)", "mixes"),
])
def test_a_malformed_template_is_named_with_what_is_wrong(bad: str, says: str) -> None:
    with pytest.raises(TemplateError, match=says.replace("(", r"\(").replace(")", r"\)")):
        tpl.parse(bad)


def test_a_rule_that_refers_to_itself_is_refused() -> None:
    with pytest.raises(TemplateError, match="itself"):
        tpl.parse("<loop>", {"loop": "again <loop>"})


def test_a_large_template_gives_alexa_a_covering_few_samples() -> None:
    text = "[can we|could we|please] (have|get|hear) (another|a different|a new) (one|question) [please|now]"
    template = Template("X", text, tpl.parse(text))
    every, samples = template.expansions(), template.samples()
    assert len(every) == 4 * 3 * 3 * 2 * 3 and len(samples) < 10
    assert set(samples) <= set(every)
    used = {w for s in samples for w in s.split()}
    assert tpl.words(template.tree) <= used  # every alternative word is in some sample
    assert any(s.startswith(("have", "get", "hear")) for s in samples)  # optional groups both ways
    small = Template("X", "(start|begin) [tonight's] ritual", tpl.parse("(start|begin) [tonight's] ritual"))
    assert small.samples() == small.expansions()


# ----- the source files and what is generated from them -----------------------------------------------------

def test_every_locale_has_an_overlay_and_a_generated_model() -> None:
    assert locales() == LOCALES == sorted(model_locales())


def test_regenerating_the_models_changes_nothing() -> None:
    assert stale() == [], "the models are not what the source generates: run script/generate-models"


def test_the_generator_script_checks_and_names_a_stale_model(tmp_path: Path) -> None:
    done = subprocess.run([str(ROOT / "script" / "generate-models"), "--check"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("locale", LOCALES)
def test_the_models_stay_within_alexas_limits(locale: str) -> None:
    model = interaction_model(language(locale))["interactionModel"]["languageModel"]
    for intent in model["intents"]:
        assert len(intent["samples"]) <= MAX_SAMPLES_PER_INTENT, intent["name"]
        assert all(len(s) <= MAX_SAMPLE_CHARACTERS for s in intent["samples"])
    names = [v["name"] for t in model["types"] for v in t["values"]]
    forms = [f for name in names for f in [name["value"], *name.get("synonyms", [])]]
    assert len(forms) <= MAX_SLOT_VALUES
    assert all(0 < len(f) <= MAX_SLOT_VALUE_CHARACTERS for f in forms)


@pytest.mark.parametrize("locale", LOCALES)
def test_hassil_reads_the_source_and_finds_the_same_phrases(locale: str) -> None:
    """hassil, Home Assistant's own parser, is the anchor: our templates mean what they mean to it."""
    hassil = pytest.importorskip("hassil")
    from hassil.sample import sample_intents

    source = copy.deepcopy(hassil_source(locale))
    for body in source["lists"].values():  # a few values per list keep the comparison small
        body["values"] = body["values"][:3]
    theirs: dict[str, set[str]] = {}
    for intent, text in sample_intents(hassil.Intents.from_dict(source)):
        spelled = " ".join(source["spellings"].get(w, w) for w in text.lower().split())
        theirs.setdefault(intent, set()).add(spelled)
    ours = build_language(locale, source)
    for spec in ours.intents:
        mine = set(spec.expansions())
        for slot, list_name in spec.slots.items():
            forms = ours.lists[list_name].forms()
            mine = {p.replace("{" + slot + "}", f) for p in mine for f in forms}
        assert {p.lower() for p in mine} == theirs.get(spec.name, set()), spec.name


@pytest.mark.parametrize("locale", LOCALES)
def test_no_phrase_is_claimed_by_two_intents_equally(locale: str, matcher_for: Callable[[str], IntentMatcher]) -> None:
    assert matcher_for(locale).conflicts == []


def test_large_templates_as_expressions_mean_what_their_filled_phrases_mean() -> None:
    """A template too large for the table is matched by an expression; every phrase it stands for must still
    mean what the table of every phrase (each template filled out, the most literal words winning) says."""
    matcher = IntentMatcher.for_locale("en-US")
    table, _ = matcher.every_phrase()
    assert len(table) > 2 * len(matcher._phrases)  # the large templates are there, and were left out
    differ = [(text, want, got) for text, want in sorted(table.items())[::3]
              if (got := matcher.match(text)) is None
              or (got.intent, dict(got.slots)) != (want.intent, dict(want.slots))]
    assert differ == []


def test_a_large_template_wins_or_loses_by_literal_words_as_the_table_would() -> None:
    colours = ["red", "blue", "green", "gold", "grey", "pink", "teal", "plum", "rose", "sand", "jade", "navy",
               "ruby", "mint", "lime"]
    sizes = ["big", "small", "tall", "short", "wide", "thin", "long", "deep", "high", "low", "huge", "tiny",
             "fat", "slim", "vast"]

    def values(names: list[str]) -> list[dict[str, Any]]:
        return [{"name": {"value": n}} for n in names]

    model = {"invocationName": "test", "types": [
        {"name": "COLOUR", "values": values(colours)}, {"name": "SIZE", "values": values(sizes)},
        {"name": "WHOLE", "values": values(["we want red big now", "red small please"])}],
        "intents": [
        {"name": "LargeIntent", "slots": [{"name": "c", "type": "COLOUR"}, {"name": "s", "type": "SIZE"}],
         "samples": ["we want {c} {s} now", "{c} {s} please"]},
        {"name": "WholeIntent", "slots": [{"name": "w", "type": "WHOLE"}], "samples": ["{w}"]},
        {"name": "PleaseIntent", "slots": [], "samples": ["red tall please"]}]}
    matcher = IntentMatcher.from_model(model)
    assert len(colours) * len(sizes) > TABLE_LIMIT and matcher._large  # the test's template is a large one
    got = {text: m.intent if (m := matcher.match(text)) else None
           for text in ("we want red big now", "red small please", "red tall please", "navy tiny please")}
    assert got == {"we want red big now": "LargeIntent",  # three literal words against none
                   "red small please": "LargeIntent",  # one against none
                   "red tall please": "PleaseIntent",  # three against one
                   "navy tiny please": "LargeIntent"}
    assert dict(matcher.match("we want jade slim now").slots) == {"c": "jade", "s": "slim"}  # type: ignore[union-attr]


def test_overlays_only_add_and_respell() -> None:
    us, gb = language("en-US"), language("en-GB")
    for intent in us.intents:
        assert set(intent.expansions()) - {"something cozy"} <= set(gb.intent(intent.name).expansions())
    assert "something cosy" in gb.intent("TouchPromptIntent").expansions()
    assert "something cozy" not in gb.intent("TouchPromptIntent").expansions()
    assert IntentMatcher.for_locale("en-GB").match("give this one a miss").intent == "SkipIntent"  # type: ignore[union-attr]
    assert IntentMatcher.for_locale("en-US").match("give this one a miss") is None


def _with_overlay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, overlay: str) -> None:
    (tmp_path / "sentences").symlink_to(MODEL_DIR / "sentences")
    (tmp_path / "locales").mkdir()
    (tmp_path / "locales" / "en-XX.yaml").write_text(overlay, encoding="utf-8")
    monkeypatch.setattr("intents.understanding.source.source_dir", lambda: tmp_path)
    hassil_source.cache_clear()


@pytest.mark.parametrize("overlay, says", [
    ("intents: {}\n", "names its invocation"),
    ("invocation: nightly ritual\nintents:\n  NoSuchIntent: [hello]\n", "NoSuchIntent"),
    ("invocation: nightly ritual\nlists:\n  colour: {values: [red]}\n", "colour"),
    ("invocation: nightly ritual\nintents:\n  SkipIntent: ['skip (this']\n", "missing ')'"),
])
def test_a_bad_overlay_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, overlay: str, says: str) -> None:
    _with_overlay(monkeypatch, tmp_path, overlay)
    try:
        with pytest.raises(SourceError, match=says.replace("(", r"\(").replace(")", r"\)")):
            build_language("en-XX", hassil_source("en-XX"))
    finally:
        hassil_source.cache_clear()


def test_a_template_naming_an_unknown_list_is_refused() -> None:
    source: dict[str, Any] = {"intents": {"X": {"data": [{"sentences": ["we're {colour}"]}]}}, "lists": {}}
    with pytest.raises(SourceError, match="colour"):
        build_language("en-XX", source)


def test_a_list_without_its_alexa_type_is_refused() -> None:
    source: dict[str, Any] = {"intents": {}, "lists": {"colour": {"values": ["red"]}}}
    with pytest.raises(SourceError, match="type"):
        build_language("en-XX", source)


def test_the_generated_json_is_what_alexa_reads() -> None:
    """Round trip: the committed en-US model read back as a source gives the same samples and values."""
    committed = json.loads((MODEL_DIR / "en-US.json").read_text(encoding="utf-8"))
    generated = interaction_model(language("en-US"))
    assert committed == generated
    lm = committed["interactionModel"]["languageModel"]
    minutes = next(t for t in lm["types"] if t["name"] == "RITUAL_LENGTH")
    assert minutes["values"][0] == {"id": "5", "name": {"value": "five", "synonyms": ["5", "short", "quick",
                                                                                        "five minute"]}}
    assert sys.getsizeof(json.dumps(committed)) < 400_000


def test_a_length_in_words_is_read_from_the_length_list_of_every_locale() -> None:
    from intents.understanding import parse_minutes, source
    from intents.understanding.intent_map import LENGTH_LIST

    forms = source.list_forms(LENGTH_LIST)
    assert {form: parse_minutes(form) for form in forms} == {form: int(v) for form, v in forms.items()}
    assert parse_minutes("short") == parse_minutes("brief") == 5  # "brief" is en-GB's, from its overlay
    assert parse_minutes("Twenty minutes") == 20 and parse_minutes("15") == 15
    assert parse_minutes("forever") is None and parse_minutes("") is None


def test_the_moods_understood_are_the_moods_the_content_knows() -> None:
    from intents.content import MOODS
    from intents.understanding import source

    for locale in source.locales():
        ids = {value.id for value in source.language(locale).lists["mood"].values}
        assert ids == set(MOODS), locale
