"""Golden transcripts straight through the engine (intent names -> commands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_transcripts import Golden, load_goldens

from intents import Rekindle, SqliteStore, command_for_intent
from intents.commands import Command, CommandKind
from intents.content.phrases import Phrases, default_phrases

GOLDENS = load_goldens()
VARIANTS = max(len(v) for v in default_phrases().table.values())


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.name for g in GOLDENS])
def test_golden_through_engine(golden: Golden, tmp_path: Path) -> None:
    run(golden, tmp_path, None)


@pytest.mark.parametrize("variant", range(VARIANTS))
@pytest.mark.parametrize("golden", GOLDENS, ids=[g.name for g in GOLDENS])
def test_golden_holds_for_every_phrase_variant(golden: Golden, variant: int, tmp_path: Path) -> None:
    """A golden expects what every night says, not one night's wording (phrases pinned to each variant)."""
    run(golden, tmp_path, default_phrases().pinned(variant))


def run(golden: Golden, tmp_path: Path, phrases: Phrases | None) -> None:
    store = SqliteStore(tmp_path / "golden.db")
    golden.seed(store)
    engine = Rekindle(store, phrases=phrases, clock=lambda: golden.now, ritual=golden.ritual)
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
