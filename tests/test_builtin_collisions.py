"""No interaction-model sample is one of Amazon's built-in phrases for a different intent.

Alexa resolves a built-in phrase to its built-in intent even when a custom intent lists
the same words, so such a sample fires unpredictably: "skip" at a touch invitation could
reach AMAZON.NextIntent and start the touch it meant to decline. The built-in phrases are
kept as data in ``tests/builtin_phrases/en.yaml`` (Amazon's English lists); every English
locale is checked against them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from intents.understanding import language
from interaction_models import language_model, locales

PHRASES = Path(__file__).parent / "builtin_phrases" / "en.yaml"


def normalise(text: str) -> str:
    """Lower case, punctuation other than apostrophes dropped, single spaces."""
    return " ".join(re.sub(r"[^\w\s'{}]", " ", text.lower()).split())


@lru_cache(maxsize=1)
def builtin_phrases() -> dict[str, frozenset[str]]:
    """Built-in intent name -> the phrases Amazon resolves to it."""
    data = yaml.safe_load(PHRASES.read_text(encoding="utf-8"))
    return {intent: frozenset(normalise(p) for p in block.splitlines() if p.strip())
            for intent, block in data.items()}


def owners(phrase: str) -> set[str]:
    return {intent for intent, phrases in builtin_phrases().items() if phrase in phrases}


def collisions(model: dict[str, Any]) -> list[str]:
    """Every sample of a language model that is a built-in phrase of another intent, one line each."""
    found = []
    for intent in model["intents"]:
        for sample in intent.get("samples", []):
            clash = owners(normalise(sample)) - {intent["name"]}
            found += [f'{intent["name"]}: "{sample}" is a built-in phrase of {other}' for other in sorted(clash)]
    return found


def test_the_phrase_list_is_amazons_and_whole() -> None:
    phrases = builtin_phrases()
    assert {"AMAZON.NextIntent", "AMAZON.ResumeIntent", "AMAZON.StopIntent", "AMAZON.RepeatIntent",
            "AMAZON.PauseIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"} <= set(phrases)
    assert {"skip", "skip this one", "move past this"} <= phrases["AMAZON.NextIntent"]
    assert {"keep going", "continue"} <= phrases["AMAZON.ResumeIntent"]
    assert sum(len(p) for p in phrases.values()) > 2500


def test_the_check_catches_a_colliding_sample() -> None:
    model = {"intents": [{"name": "SkipIntent", "samples": ["Skip it!", "not tonight"]},
                         {"name": "AMAZON.NextIntent", "samples": ["next"]}]}
    assert collisions(model) == ['SkipIntent: "Skip it!" is a built-in phrase of AMAZON.NextIntent']


@pytest.mark.parametrize("locale", locales())
def test_no_sample_is_a_builtin_phrase_of_another_intent(locale: str) -> None:
    found = collisions(language_model(locale))
    assert not found, f"{locale}: {len(found)} collisions:\n" + "\n".join(found)


@pytest.mark.parametrize("locale", locales())
def test_no_phrase_of_the_source_is_a_builtin_phrase_of_another_intent(locale: str) -> None:
    """Alexa gets a covering few of a large template's phrases; the laptop understands them all, so every
    phrase the source stands for is checked, not only the samples."""
    source = language(locale)
    model = {"intents": [{"name": i.name, "samples": i.expansions()} for i in source.intents]}
    found = collisions(model)
    assert not found, f"{locale}: {len(found)} collisions:\n" + "\n".join(found)
