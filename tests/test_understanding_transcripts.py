"""The matcher reads open transcripts: cases as data in tests/understanding/transcripts.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from intents.understanding import IntentMatcher, SpokenForms
from intents.understanding.spoken import MOST_FILLERS

CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).parent / "understanding" / "transcripts.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["match"], ids=lambda c: c["heard"])
def test_transcript_is_understood(matcher: IntentMatcher, case: dict[str, Any]) -> None:
    match = matcher.match(case["heard"])
    assert (match.intent if match else None) == case["intent"]
    if match is not None and "slots" in case:
        assert {k: v.lower() for k, v in match.slots.items()} == case["slots"]


@pytest.mark.parametrize("case", CASES["near_miss"], ids=lambda c: c["heard"])
def test_near_miss(matcher: IntentMatcher, case: dict[str, Any]) -> None:
    assert matcher.match(case["heard"]) is None or case["intent"] is None
    found = matcher.near_miss(case["heard"])
    assert (found.intent if found else None) == case["intent"]


def test_near_miss_is_limited_to_the_intents_asked_for(matcher: IntentMatcher) -> None:
    assert matcher.near_miss("Bause.", intents={"AMAZON.StopIntent"}) is None


def test_fillers_never_leave_nothing() -> None:
    forms = SpokenForms.from_dict({"leading_fillers": ["okay"], "trailing_fillers": ["please"]})
    assert forms.without_fillers("okay") == "okay"
    assert forms.without_fillers("okay next please") == "next"


def test_a_line_of_thousands_of_fillers_gives_a_few_forms_and_no_intent(matcher: IntentMatcher) -> None:
    """Every pair of ends was a form, each a copy of the line: 20,000 "and"s took seconds and gigabytes."""
    forms = SpokenForms.from_dict({"leading_fillers": ["um"], "trailing_fillers": ["please"]})
    ums = forms.strippings("um " * 3000 + "next" + " please" * 3000)
    assert len(ums) == (MOST_FILLERS + 1) ** 2 and ums[0].count("um") == 3000 and ums[-1].count("um") == 3000 - 8
    assert forms.without_fillers("um " * MOST_FILLERS + "next" + " please" * MOST_FILLERS) == "next"
    assert matcher.match("and " * 20_000) is None
    assert matcher.match("um " * 3 + "next please") is not None


def test_fillers_come_off_the_fewest_first_and_are_spelled_like_transcripts() -> None:
    forms = SpokenForms.from_dict({"contractions": {"let's": "let us"}, "leading_fillers": ["let's", "okay"],
                                   "trailing_fillers": ["now", "here"]})
    assert forms.strippings("okay let us stop here now") == [
        "okay let us stop here now", "okay let us stop here", "let us stop here now", "okay let us stop",
        "let us stop here", "let us stop", "stop here now", "stop here", "stop"]
