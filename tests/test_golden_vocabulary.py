"""Each golden utterance means its intent to the interaction-model matcher, so every front agrees."""

from __future__ import annotations

import pytest
from built_once import matcher_for
from golden_transcripts import GoldenTurn, load_goldens

TURNS = [(g.name, i, said) for g in load_goldens() for i, t in enumerate(g.turns)
         for said in (t, t.alexa) if said is not None and said.say is not None and (said is t or said.say != t.say)]


@pytest.mark.parametrize(("name", "index", "turn"), TURNS, ids=[f"{n}-{i + 1}" for n, i, _ in TURNS])
def test_golden_utterance_matches_its_intent(name: str, index: int, turn: GoldenTurn) -> None:
    assert turn.say is not None
    match = matcher_for("en-US").match(turn.say)
    if turn.intent == "AMAZON.FallbackIntent":
        assert match is None, f"{name}: {turn.say!r} should not match any intent"
        return
    assert match is not None, f"{name}: {turn.say!r} matched nothing"
    assert match.intent == turn.intent
    assert dict(match.slots) == turn.slots
