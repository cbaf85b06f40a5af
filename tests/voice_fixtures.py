"""Helpers shared by the voice tests: skipping when a real part is missing, and a golden runner."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest
from golden_transcripts import Golden

from intents import Preferences, Rekindle, SqliteStore, command_for_intent
from intents.commands import Command, CommandKind
from intents.understanding import Match

needs_voice = pytest.mark.skipif(
    importlib.util.find_spec("pocketsphinx") is None, reason="voice extras not installed (pip install '.[voice]')")


def run_golden(golden: Golden, db_path: object, hear: Callable[[str, bool], Match | None]) -> list[str | None]:
    """Run a golden transcript, turning each ``say`` into an intent with ``hear(text, free_talk)``.

    Returns the intents heard; checks every reply against the transcript.
    """
    store = SqliteStore(db_path)  # type: ignore[arg-type]
    if golden.preferences:
        store.save_preferences(golden.household, Preferences.from_dict(golden.preferences))
    engine = Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual, front="laptop")
    state = None
    free_talk = False
    heard: list[str | None] = []
    for index, turn in enumerate(golden.turns):
        if turn.is_open:
            command, state = Command(CommandKind.OPEN), None
        else:
            assert turn.say is not None
            match = hear(turn.say, free_talk)
            heard.append(match.intent if match else None)
            expected = None if turn.intent == "AMAZON.FallbackIntent" else turn.intent
            got = match.intent if match else None
            assert got == expected, f"{golden.name} turn {index + 1} {turn.say!r}: heard {got}, want {expected}"
            if match is None:
                command = Command(CommandKind.UNKNOWN)
            else:
                for slot, value in turn.slots.items():
                    assert str(match.slots.get(slot, "")).lower() == value.lower(), (golden.name, index, match)
                command = command_for_intent(match.intent, match.slots)
        result = engine.handle(golden.household, command, state)
        golden.check(index, result.reply.text, result.reply.end_session)
        state, free_talk = result.state, result.reply.free_talk
    store.close()
    return heard
