"""Lint for the interaction models (no offline validator exists), and the skill's coverage of them."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from intents.commands import CommandKind
from intents.understanding import INTENT_COMMANDS, NAME_SLOT_TYPE, NAME_SLOTS, IntentMatcher, normalise_sample
from interaction_models import MODEL_DIR, language_model, locales
from skill.handlers import HANDLED_INTENTS

LOCALES = ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"]
REQUIRED_BUILT_INS = {"AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
                      "AMAZON.NavigateHomeIntent"}
GUIDED_BUILT_INS = {"AMAZON.NextIntent", "AMAZON.PreviousIntent", "AMAZON.RepeatIntent",
                    "AMAZON.StartOverIntent", "AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.YesIntent",
                    "AMAZON.NoIntent"}
INVOCATION_FORBIDDEN = {"alexa", "echo", "amazon", "skill", "app", "open", "ask", "launch"}
SAMPLE_SHAPE = re.compile(r"^(?:[a-z'.]+|\{\w+\})(?: (?:[a-z'.]+|\{\w+\}))*$")
SLOT_REF = re.compile(r"\{(\w+)\}")


def intents_of(locale: str) -> list[dict[str, Any]]:
    return list(language_model(locale)["intents"])


def custom(locale: str) -> list[dict[str, Any]]:
    return [i for i in intents_of(locale) if not i["name"].startswith("AMAZON.")]


def test_all_five_english_locales_have_a_model() -> None:
    assert sorted(locales()) == sorted(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name_rules(locale: str) -> None:
    name = language_model(locale)["invocationName"]
    assert name == "nightly ritual"
    assert re.fullmatch(r"[a-z][a-z' .]*[a-z.]", name)
    assert len(name.split()) >= 2
    assert not set(name.split()) & INVOCATION_FORBIDDEN


@pytest.mark.parametrize("locale", LOCALES)
def test_required_and_guided_built_ins_present(locale: str) -> None:
    names = {i["name"] for i in intents_of(locale)}
    assert names >= REQUIRED_BUILT_INS | GUIDED_BUILT_INS


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_shares_the_same_intents_and_slots(locale: str) -> None:
    def shape(loc: str) -> dict[str, list[tuple[str, str]]]:
        return {i["name"]: [(s["name"], s["type"]) for s in i.get("slots", [])] for i in intents_of(loc)}

    assert shape(locale) == shape("en-US")


@pytest.mark.parametrize("locale", LOCALES)
def test_custom_intents_have_at_least_fifteen_distinct_samples(locale: str) -> None:
    for intent in custom(locale):
        samples = [normalise_sample(s) for s in intent["samples"]]
        assert len(set(samples)) >= 15, intent["name"]
        assert len(samples) == len(set(samples)), f"{intent['name']} repeats a sample"


@pytest.mark.parametrize("locale", LOCALES)
def test_sample_shape(locale: str) -> None:
    for intent in intents_of(locale):
        for sample in intent.get("samples", []):
            assert SAMPLE_SHAPE.match(sample), f"{intent['name']}: {sample!r} (lower-case words, no digits)"
            assert len(sample) <= 200


@pytest.mark.parametrize("locale", LOCALES)
def test_no_utterance_is_claimed_by_two_intents(locale: str) -> None:
    owners: dict[str, set[str]] = {}
    for intent in intents_of(locale):
        for sample in intent.get("samples", []):
            owners.setdefault(normalise_sample(sample), set()).add(intent["name"])
    assert {s: o for s, o in owners.items() if len(o) > 1} == {}
    lm = language_model(locale)
    matcher = IntentMatcher(lm)
    few = [{**t, "values": t["values"] if len(t["values"]) <= 10 else t["values"][::7]} for t in lm["types"]]
    few_values = IntentMatcher({**lm, "types": few})
    stolen = []
    for intent in intents_of(locale):
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            for text in few_values.expand(sample, types):
                match = matcher.match(text)
                if match is None or match.intent != intent["name"]:
                    stolen.append((intent["name"], text, match and match.intent))
    assert stolen == []


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_references_and_types(locale: str) -> None:
    lm = language_model(locale)
    custom_types = {t["name"] for t in lm.get("types", [])}
    for intent in lm["intents"]:
        declared = {s["name"]: s["type"] for s in intent.get("slots", [])}
        used: set[str] = set()
        for sample in intent.get("samples", []):
            refs = set(SLOT_REF.findall(sample))
            assert refs <= declared.keys(), f"{intent['name']}: {sample!r} names an undeclared slot"
            used |= refs
        assert used == set(declared), f"{intent['name']}: slots never used in a sample"
        for slot_type in declared.values():
            assert slot_type in custom_types or slot_type.startswith("AMAZON."), slot_type


@pytest.mark.parametrize("locale", LOCALES)
def test_slot_type_values_are_unique(locale: str) -> None:
    for slot_type in language_model(locale).get("types", []):
        assert slot_type["values"], slot_type["name"]
        spoken = Counter(f.lower() for v in slot_type["values"]
                         for f in [v["name"]["value"], *v["name"].get("synonyms", [])])
        assert [s for s, n in spoken.items() if n > 1] == [], slot_type["name"]
        ids = [v["id"] for v in slot_type["values"] if "id" in v]
        assert len(ids) == len(set(ids))


def test_model_intents_and_skill_handlers_match_exactly() -> None:
    for locale in LOCALES:
        assert {i["name"] for i in intents_of(locale)} == set(HANDLED_INTENTS)


def test_only_fallback_means_unknown() -> None:
    for name in HANDLED_INTENTS:
        meaning = INTENT_COMMANDS[name]
        assert (meaning is CommandKind.UNKNOWN) == (name == "AMAZON.FallbackIntent"), name


def test_models_are_kept_in_one_place_only() -> None:
    root = MODEL_DIR.parent
    tracked = subprocess.run(["git", "ls-files", "*.json"], cwd=root, capture_output=True, text=True,
                             check=False).stdout.split()
    elsewhere = [p for p in tracked if Path(p).parent.name != MODEL_DIR.name
                 and '"interactionModel"' in (root / p).read_text(encoding="utf-8", errors="replace")]
    assert elsewhere == []


@pytest.mark.parametrize("locale", LOCALES)
def test_names_are_amazon_first_names_extended_with_the_laptops_list(locale: str) -> None:
    """Alexa resolves any first name (AMAZON.FirstName); the model extends the built-in type with the names a
    grammar-bound laptop recogniser can hear, and keeps no custom type that no slot uses."""
    lm = language_model(locale)
    naming = [i for i in lm["intents"] if {s["name"] for s in i.get("slots", [])} == set(NAME_SLOTS)]
    assert {i["name"] for i in naming} == {"SetPartnerNamesIntent", "PartnerNamesIntent"}
    assert {s["type"] for i in naming for s in i["slots"]} == {NAME_SLOT_TYPE}
    [extension] = [t for t in lm["types"] if t["name"] == NAME_SLOT_TYPE]
    assert len(extension["values"]) >= 50
    used = {s["type"] for i in lm["intents"] for s in i.get("slots", [])}
    assert {t["name"] for t in lm["types"]} <= used
