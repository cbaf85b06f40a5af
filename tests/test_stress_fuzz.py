"""Fuzzing the core in the fast suite: the same targets ``python -m benchmarks.stress fuzz`` runs long."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from store_helpers import save_preferences

from benchmarks.stress import strategies
from benchmarks.stress.fuzz import TARGETS, Target, check_turn, make_engine, run_commands
from intents import Command, CommandKind
from intents.dialogue import SessionState

NOW = datetime(2026, 11, 25, 21, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("name, examples", [("engine", 150), ("state", 150), ("matcher", 300)])
def test_fuzz_target(name: str, examples: int) -> None:
    TARGETS[name].test(examples)()


def test_a_failing_target_fails() -> None:
    """The harness reports a broken check rather than swallowing it."""
    def broken(moment: datetime, ritual: str | None, data: Any) -> None:
        raise AssertionError("planted")

    with pytest.raises(AssertionError, match="planted"):
        Target("planted", broken, TARGETS["state"].strategies).test(5)()


def real_state(ritual: str = "appreciation-exchange", *kinds: CommandKind) -> tuple[Any, dict[str, Any]]:
    engine = make_engine(NOW, ritual)
    return engine, run_commands(engine, "home", [Command(k) for k in (CommandKind.YES, *kinds)])


def broken_step(state: dict[str, Any], index: int, **change: Any) -> dict[str, Any]:
    bad = json.loads(json.dumps(state))
    bad["plan"]["steps"][index].update(change)
    return bad


@pytest.mark.parametrize("change", [
    {"kind": False},  # was accepted, then dropped by to_dict: the returned state did not load again
    {"seconds": {"x": 1}},  # was accepted, then compared with a number mid-reply
    {"text": 7},  # was accepted, then .strip() on an int
    {"question_id": ["q"]},  # unhashable id crashed the content lookup
    {"kind": "touch", "touch_id": None},  # not the ritual's shape
    {"question_id": None},  # a question with no words
])
def test_broken_plan_step_gives_a_fresh_offer(change: dict[str, Any]) -> None:
    engine, state = real_state()
    bad = broken_step(state, 1, **change)
    for command in (Command(CommandKind.NEXT), Command(CommandKind.OPEN)):
        turn = engine.handle("home", command, bad)
        check_turn(turn)
        assert turn.state["sid"] != state["sid"]


def test_plan_without_its_closing_is_not_resumed() -> None:
    engine, state = real_state()
    bad = json.loads(json.dumps(state))
    bad["plan"]["steps"] = bad["plan"]["steps"][:2]
    bad["step"] = 1
    turn = engine.handle("home", Command(CommandKind.SKIP), bad)
    check_turn(turn)
    assert turn.state["sid"] != state["sid"]


@pytest.mark.parametrize("field, value", [("step", float("inf")), ("part", float("-inf"))])
def test_infinite_numbers_in_state_are_ignored(field: str, value: float) -> None:
    engine, state = real_state()
    turn = engine.handle("home", Command(CommandKind.NEXT), {**state, field: value})
    check_turn(turn)


def test_a_resumable_state_with_touch_turned_off_still_resumes() -> None:
    """The shape check allows a plan made without its touch steps."""
    from intents import Preferences

    engine = make_engine(NOW, "slow-closeness")
    save_preferences(engine.store, "home", Preferences(touch=False))
    state = run_commands(engine, "home", [Command(CommandKind.YES)])
    kinds = [s["kind"] for s in state["plan"]["steps"]]
    assert "touch" not in kinds and state["stage"] == "step"
    turn = engine.handle("home", Command(CommandKind.REPEAT), state)
    assert turn.state["sid"] == state["sid"]


def test_household_id_with_a_lone_surrogate() -> None:
    """Ids decoded from odd JSON or undecodable bytes may hold lone surrogates; the planner hashed them."""
    engine = make_engine(NOW, None)
    state = run_commands(engine, "\udcff", [Command(CommandKind.YES), Command(CommandKind.NEXT)])
    assert SessionState.from_dict(state).plan.household == "\udcff"


@pytest.mark.parametrize("text", ["and " * 20_000, "a" * 100_000, "\x00" * 1000, "\ud800 next", "NEXT!!!",
                                  "um please next please"])
def test_matcher_takes_any_text(text: str) -> None:
    match = strategies.matcher().match(text)
    assert match is None or match.intent in strategies.matcher().intents
