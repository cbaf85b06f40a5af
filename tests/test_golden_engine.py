"""Golden transcripts straight through the engine (intent names -> commands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_transcripts import Golden, load_goldens

from intents import Rekindle, SqliteStore, command_for_intent
from intents.commands import Command, CommandKind

GOLDENS = load_goldens()


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.name for g in GOLDENS])
def test_golden_through_engine(golden: Golden, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "golden.db")
    golden.seed(store)
    engine = Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual)
    state = None
    for index, turn in golden.shared_turns():
        if turn.is_open:
            command = Command(CommandKind.OPEN)
            state = None
        else:
            assert turn.intent
            command = command_for_intent(turn.intent, turn.slots)
        result = engine.handle(golden.household, command, state)
        golden.check(index, result.reply.text, result.reply.end_session)
        state = result.state
