"""The guided session: every command in every reachable state, state round trips, resuming."""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from store_helpers import load_preferences, record_ritual, rituals_kept, save_preferences

from intents import Command, CommandKind, Preferences, Rekindle, SqliteStore
from intents.dialogue import SessionState
from intents.engine import Turn
from intents.replies import Pause, Speech

NOW = datetime(2026, 11, 25, 21, 30, tzinfo=timezone.utc)
ALL = [Command(k) for k in CommandKind] + [
    Command(CommandKind.SET_NAMES, names=("Sam", "Robin")),
    Command(CommandKind.SET_LENGTH, minutes=20),
]


def engine_for(tmp_path: Path, ritual: str, names: bool = False) -> Rekindle:
    store = SqliteStore(tmp_path / "session.db")
    if names:
        save_preferences(store, "h", Preferences(names=("Sam", "Robin")))
    return Rekindle(store, clock=lambda: NOW, ritual=ritual)


def key(state: dict[str, Any]) -> tuple[Any, ...]:
    return (state["stage"], state["step"], state["part"], state["plan"]["ritual_id"])


def reachable(engine: Rekindle, limit: int = 400,
              on_turn: Callable[[tuple[Any, ...], Command, Turn], None] | None = None,
              ) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Breadth-first walk over every command from the opening. ``on_turn`` sees every command's turn in every
    state found, those found when the limit was reached included (each state and command once: walking the
    states again to check them doubled the suite's costliest file)."""
    first = engine.handle("h", Command(CommandKind.OPEN)).state
    seen = {key(first): first}
    queue = deque([first])

    def turns(state: dict[str, Any]) -> Iterator[Turn]:
        for command in ALL:
            turn = engine.handle("h", command, state)
            if on_turn is not None:
                on_turn(key(state), command, turn)
            yield turn

    while queue and len(seen) < limit:
        for turn in turns(queue.popleft()):
            if key(turn.state) not in seen:
                seen[key(turn.state)] = turn.state
                queue.append(turn.state)
    if on_turn is not None:
        for state in queue:
            deque(turns(state), maxlen=0)
    return seen


def check_reply_rules(reply: Any, context: str) -> None:
    assert reply.text.strip(), f"{context}: empty reply"
    assert all(len(s.text) <= 300 for s in reply.segments if isinstance(s, Speech)), context
    assert all(0 < s.seconds <= 600 for s in reply.segments if isinstance(s, Pause)), context
    if reply.end_session:
        assert not reply.listen and not reply.reprompt, context
        assert not reply.text.rstrip().endswith("?"), f"{context}: asks a question and then closes"
    else:
        assert reply.listen and reply.reprompt.strip(), f"{context}: open session without a reprompt"


@pytest.mark.parametrize("ritual", ["appreciation-exchange", "touch-and-breathe", "just-a-question"])
@pytest.mark.parametrize("names", [False, True])
def test_every_command_in_every_reachable_state(tmp_path: Path, ritual: str, names: bool) -> None:
    engine = engine_for(tmp_path, ritual, names)
    checked: list[tuple[Any, ...]] = []

    def check(state_key: tuple[Any, ...], command: Command, turn: Turn) -> None:
        check_reply_rules(turn.reply, f"{state_key} + {command.kind.value}")
        encoded = json.dumps(turn.state)
        assert len(encoded) < 4096
        assert SessionState.from_dict(json.loads(encoded)).to_dict() == turn.state
        checked.append(state_key)

    states = reachable(engine, on_turn=check)
    stages = {k[0] for k in states}
    assert {"offer", "step", "paused", "finished", "declined"} <= stages
    step_kinds = {states[k]["plan"]["steps"][k[1]]["kind"] for k in states if k[0] == "step"}
    assert step_kinds & {"question", "touch"}
    assert Counter(checked) == dict.fromkeys(states, len(ALL))  # every command in every state, once


@pytest.mark.parametrize("ritual", ["appreciation-exchange", "touch-and-breathe"])
def test_no_dead_ends(tmp_path: Path, ritual: str) -> None:
    engine = engine_for(tmp_path, ritual)
    for state_key, state in reachable(engine).items():
        current = state
        for _ in range(40):
            if current["stage"] == "finished":
                break
            kind = {"paused": CommandKind.RESUME, "declined": CommandKind.YES,
                    "offer": CommandKind.YES, "resume_offer": CommandKind.YES}.get(current["stage"],
                                                                                  CommandKind.NEXT)
            current = engine.handle("h", Command(kind), current).state
        assert current["stage"] == "finished", f"stuck from {state_key}"


def test_unknown_command_gets_a_helpful_reply(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "appreciation-exchange")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.UNKNOWN), state)
    assert "didn't catch" in turn.reply.text
    assert "Shall we begin" in turn.reply.text
    assert not turn.reply.end_session


def test_malformed_state_is_replaced_not_fatal(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "appreciation-exchange")
    for bad in ({"v": 1}, {"v": 99, "plan": {}}, {"v": 1, "sid": "x", "stage": "nope", "plan": "x"},
                {"v": 2, "sid": "x", "stage": "step", "step": 99, "plan": engine.tonight("h").to_dict()},
                {"v": 2, "sid": "x", "stage": "step", "step": 0, "part": 7, "plan": engine.tonight("h").to_dict()},
                {"v": 2, "sid": "x", "stage": "step", "step": 0, "turns_swapped": [40],
                 "plan": engine.tonight("h").to_dict()},
                {"v": 2, "sid": "x" * 100_000, "stage": "step", "step": 0, "plan": engine.tonight("h").to_dict()}):
        turn = engine.handle("h", Command(CommandKind.NEXT), bad)
        assert turn.state["stage"] == "step" and turn.state["v"] == 2 and turn.state["sid"] != "x"


def test_a_state_saved_by_the_previous_version_still_resumes(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "appreciation-exchange")
    old = {"v": 1, "sid": "old", "stage": "step", "plan": engine.tonight("h").to_dict(), "step": 1, "part": 1,
           "extra": 0, "skipped": [], "swapped": [], "pending_names": []}
    turn = engine.handle("h", Command(CommandKind.NEXT), old)
    assert turn.state["v"] == 2 and turn.state["step"] == 2 and turn.state["sid"] == "old"
    ended = {**old, "stage": "ended", "step": 0, "part": 0}
    assert engine.handle("h", Command(CommandKind.YES), ended).state["stage"] == "step"


def test_ritual_left_midway_resumes_later_tonight(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "appreciation-exchange")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    for kind in (CommandKind.YES, CommandKind.NEXT, CommandKind.NEXT):
        state = engine.handle("h", Command(kind), state).state
    assert state["step"] == 2
    stop = engine.handle("h", Command(CommandKind.STOP), state)
    assert stop.reply.end_session
    # later, in a new conversation (and a new engine over the same file)
    later = Rekindle(SqliteStore(tmp_path / "session.db"), clock=lambda: NOW.replace(hour=23),
                     ritual="appreciation-exchange")
    opened = later.handle("h", Command(CommandKind.OPEN))
    assert "step 3 of 6" in opened.reply.text and "carry on" in opened.reply.text
    resumed = later.handle("h", Command(CommandKind.YES), opened.state)
    assert resumed.state["step"] == 2 and resumed.state["stage"] == "step"
    assert "Tell your partner one thing" in resumed.reply.text


def test_progress_from_an_earlier_night_is_not_offered(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "appreciation-exchange")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    state = engine.handle("h", Command(CommandKind.YES), state).state
    engine.handle("h", Command(CommandKind.STOP), state)
    tomorrow = Rekindle(SqliteStore(tmp_path / "session.db"),
                        clock=lambda: NOW.replace(day=26), ritual="appreciation-exchange")
    opened = tomorrow.handle("h", Command(CommandKind.OPEN))
    assert "Appreciation exchange" in opened.reply.text and opened.state["stage"] == "offer"


def test_completion_is_recorded_once_with_skips(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "touch-and-breathe")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = None
    for kind in (CommandKind.YES, CommandKind.NO, CommandKind.YES, CommandKind.NEXT):
        turn = engine.handle("h", Command(kind), state)
        state = turn.state
    assert turn is not None and turn.reply.end_session and turn.completed
    history = rituals_kept(engine.store, "h")
    assert len(history) == 1
    assert [s.skipped for s in history[0].steps] == [False, True, False, False]
    # replaying the final command with the old state does not record twice
    assert record_ritual(engine.store, "h", turn.completed) is False
    assert len(rituals_kept(engine.store, "h")) == 1


def test_set_length_replans_the_offer(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "len.db")
    engine = Rekindle(store, clock=lambda: NOW)
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.SET_LENGTH, minutes=5), state)
    assert "about 5 minutes from now on" in turn.reply.text and "Tonight's ritual is now" in turn.reply.text
    assert "Good evening" not in turn.reply.text and "Hello" not in turn.reply.text
    assert turn.state["plan"]["minutes"] <= 7
    assert load_preferences(store, "h").minutes == 5


def test_a_paused_couple_is_talking_freely(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "touch-and-breathe")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    touch = engine.handle("h", Command(CommandKind.YES), state)
    assert not touch.reply.free_talk  # a touch step waits for yes or skip
    paused = engine.handle("h", Command(CommandKind.PAUSE), touch.state)
    assert paused.reply.free_talk
    asked = engine.handle("h", Command(CommandKind.HOW_MUCH_LEFT), paused.state)
    assert "paused" in asked.reply.text.lower() and asked.reply.free_talk
    resumed = engine.handle("h", Command(CommandKind.RESUME), asked.state)
    assert resumed.state["stage"] == "step" and not resumed.reply.free_talk


def test_a_couple_lingering_after_a_touch_is_talking_freely(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "just-a-touch")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    offer = engine.handle("h", Command(CommandKind.YES), state)
    assert "or no to pass" in offer.reply.text and not offer.reply.free_talk  # awaits yes or no
    after = engine.handle("h", Command(CommandKind.YES), offer.state)
    assert "Say more time" in after.reply.text and after.reply.free_talk
    longer = engine.handle("h", Command(CommandKind.MORE_TIME), after.state)
    assert longer.reply.free_talk
    asked = engine.handle("h", Command(CommandKind.HELP), longer.state)
    assert asked.reply.free_talk and asked.state["stage"] == "step"
    back = engine.handle("h", Command(CommandKind.BACK), asked.state)
    assert "or no to pass" in back.reply.text and not back.reply.free_talk


def test_names_are_kept_only_when_confirmed(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "just-a-question")
    store = engine.store
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    heard = engine.handle("h", Command(CommandKind.SET_NAMES, names=("Li", "Noah")), state)
    assert "I heard Li and Noah" in heard.reply.text and load_preferences(store, "h").names == ()
    assert SessionState.from_dict(json.loads(json.dumps(heard.state))).pending_names == ("Li", "Noah")
    # Misheard, said again: the new names replace the old, still unsaved.
    again = engine.handle("h", Command(CommandKind.SET_NAMES, names=("Eli", "Noah")), heard.state)
    assert "I heard Eli and Noah" in again.reply.text and load_preferences(store, "h").names == ()
    # Any other command drops them and acts as usual: help is help, and a later yes begins the ritual.
    helped = engine.handle("h", Command(CommandKind.HELP), again.state)
    assert "Shall I call you Eli and Noah" in helped.reply.text
    ignored = engine.handle("h", Command(CommandKind.REPEAT), helped.state)
    assert "Shall I call you Eli and Noah" in ignored.reply.text and load_preferences(store, "h").names == ()
    offer = engine.handle("h", Command(CommandKind.HOW_MUCH_LEFT), ignored.state)
    assert "takes about" in offer.reply.text and SessionState.from_dict(offer.state).pending_names == ()
    begun = engine.handle("h", Command(CommandKind.YES), offer.state)
    assert begun.state["stage"] == "step" and load_preferences(store, "h").names == ()
    assert SessionState.from_dict(begun.state).pending_names == ()


def test_malformed_pending_names_are_rejected_like_any_bad_state(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "just-a-question")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    for bad in (["Sam"], "Sam and Robin", ["Sam", 3], ["", "Robin"]):
        with pytest.raises(ValueError):
            SessionState.from_dict({**state, "pending_names": bad})


def test_names_are_used_and_alternate(tmp_path: Path) -> None:
    engine = engine_for(tmp_path, "just-a-question")
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    turn = engine.handle("h", Command(CommandKind.SET_NAMES, names=("Sam", "Robin")), state)
    assert "I heard Sam and Robin" in turn.reply.text
    turn = engine.handle("h", Command(CommandKind.YES), turn.state)
    assert "Thank you, Sam and Robin" in turn.reply.text
    turn = engine.handle("h", Command(CommandKind.YES), turn.state)
    assert "Sam, you" in turn.reply.text
    turn = engine.handle("h", Command(CommandKind.NEXT), turn.state)
    assert "Thank you, Sam" in turn.reply.text and "Robin" in turn.reply.text
