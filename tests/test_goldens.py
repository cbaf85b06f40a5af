"""Every golden transcript (tests/golden/*.yaml) through every front: engine, text mode, Lambda, signed
HTTP and the laptop's voice loop (a perfect recogniser that keeps the loop's limits; real speech through
it is in test_voice_goldens.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fronts import EngineFront, Front, LambdaFront, TextFront, VoiceLoopFront, WebFront
from golden_transcripts import Golden, load_goldens
from test_alexa_helpers import make_pki

from intents.understanding import IntentMatcher

GOLDENS = load_goldens()
FRONTS = ("engine", "text", "lambda", "http", "voice loop")


@pytest.fixture(scope="module", params=FRONTS)
def front(request: pytest.FixtureRequest, matcher: IntentMatcher) -> Front:
    """One front, made once per module (the HTTP front's certificates and the recogniser's grammars)."""
    if request.param == "engine":
        return EngineFront()
    if request.param == "text":
        return TextFront(matcher)
    if request.param == "lambda":
        return LambdaFront()
    if request.param == "http":
        return WebFront(make_pki())
    from voice_fixtures import PerfectRecogniser

    return VoiceLoopFront(PerfectRecogniser(matcher), matcher)


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.name for g in GOLDENS])
def test_golden(front: Front, golden: Golden, tmp_path: Path) -> None:
    front.play(golden, tmp_path)


def test_every_front_is_run() -> None:
    """The fronts a couple can use are the fronts the goldens run through."""
    made = {EngineFront.name, TextFront.name, LambdaFront.name, WebFront.name, VoiceLoopFront.name}
    assert made == set(FRONTS)
