"""The check-in at the offer and requests that fit the night: when Rekindle asks how a couple arrives, what
each answer leads to, and "we had a rough day" understood and acted on at every offer, on both fronts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from store_helpers import record_ritual, save_preferences

from intents import Command, CommandKind, Preferences, Rekindle, SqliteStore
from intents.content import MOODS, default_content
from intents.dialogue import Phase, SessionState, phase_of
from intents.household import CompletedRitual, StepRecord
from intents.planning import check_in_due
from intents.understanding import IntentMatcher, command_for_intent
from interaction_models import locales

NOW = datetime(2026, 12, 3, 21, 0, tzinfo=timezone.utc)  # a Thursday
CONTENT = default_content()


def past(night: date, ritual: str = "gratitude-before-sleep") -> CompletedRitual:
    moment = datetime(night.year, night.month, night.day, 21, tzinfo=timezone.utc)
    return CompletedRitual(f"s{night.isoformat()}{ritual}", ritual, night, moment, "text", (StepRecord("closing"),))


def engine(tmp_path: Path, nights_before: int = 2, ritual: str | None = None, minutes: int = 10,
           now: datetime = NOW) -> Rekindle:
    store = SqliteStore(tmp_path / "c.db")
    save_preferences(store, "h", Preferences(minutes=minutes))
    for n in range(1, nights_before + 1):
        record_ritual(store, "h", past(now.date() - timedelta(days=n)))
    return Rekindle(store, clock=lambda: now, ritual=ritual)


def phase(state: dict[str, Any]) -> Phase:
    return phase_of(SessionState.from_dict(state))


def mood(name: str | None) -> Command:
    return Command(CommandKind.MOOD, mood=name)


# ----- when it is asked -----------------------------------------------------------------------------------

def test_asked_from_the_third_night_on_every_third_night_and_after_nights_away() -> None:
    night, yesterday = NOW.date(), NOW.date() - timedelta(days=1)
    in_a_row = [check_in_due(night, n, yesterday if n else None) for n in range(10)]
    assert in_a_row == [False, False, True, False, False, True, False, False, True, False]
    assert check_in_due(night, 4, night - timedelta(days=5))  # four nights, then four nights away
    assert not check_in_due(night, 4, yesterday) and not check_in_due(night, 4, night - timedelta(days=3))
    assert not check_in_due(night, 1, night - timedelta(days=9))  # one night only: still learning the way
    assert check_in_due(night, 70, None)  # back after so long that no night is kept in detail
    assert sum(check_in_due(night, n, yesterday) for n in range(28)) == 9  # nine check-ins in four weeks


def test_the_opening_asks_only_when_due(tmp_path: Path) -> None:
    asked = engine(tmp_path / "a", nights_before=2).handle("h", Command(CommandKind.OPEN))
    assert phase(asked.state) is Phase.CHECK_IN
    assert "how are you" in asked.reply.text.lower() and asked.reply.text.endswith("?")
    assert {"light", "tired", "tense"} <= set(asked.reply.offers)
    assert "Shall we begin" not in asked.reply.text
    for quiet in (engine(tmp_path / "b", nights_before=3), engine(tmp_path / "c", nights_before=2, ritual="tiny-date")):
        assert phase(quiet.handle("h", Command(CommandKind.OPEN)).state) is Phase.OFFER


def test_not_asked_on_a_weekly_ritual_night(tmp_path: Path) -> None:
    sunday = datetime(2026, 12, 6, 21, 0, tzinfo=timezone.utc)
    weekly = engine(tmp_path, nights_before=2, now=sunday)
    plan = weekly.tonight("h")
    assert CONTENT.rituals[plan.ritual_id].cadence == "weekly"
    assert phase(weekly.handle("h", Command(CommandKind.OPEN)).state) is Phase.OFFER


# ----- what the answers lead to ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", MOODS)
@pytest.mark.parametrize("minutes", [5, 10, 20])
def test_each_answer_leads_to_a_ritual_that_fits(tmp_path: Path, name: str, minutes: int) -> None:
    talk = engine(tmp_path, minutes=minutes)
    opened = talk.handle("h", Command(CommandKind.OPEN))
    offered = talk.handle("h", mood(name), opened.state)
    ritual = CONTENT.rituals[offered.state["plan"]["ritual_id"]]
    assert name in ritual.fits and offered.state["mood"] == name
    assert phase(offered.state) is Phase.OFFER
    assert ritual.title in offered.reply.text and offered.reply.text.endswith("Shall we begin?")
    begun = talk.handle("h", Command(CommandKind.YES), offered.state)
    assert begun.state["stage"] == "step" and begun.state["plan"]["ritual_id"] == ritual.id


def test_yes_no_and_next_at_the_check_in_offer_the_planned_ritual_each_in_its_own_words(tmp_path: Path) -> None:
    talk = engine(tmp_path)
    opened = talk.handle("h", Command(CommandKind.OPEN))
    planned = talk.tonight("h")
    said = {}
    for kind in (CommandKind.YES, CommandKind.NO, CommandKind.NEXT):
        turn = talk.handle("h", Command(kind), opened.state)
        assert phase(turn.state) is Phase.OFFER and turn.state["plan"]["ritual_id"] == planned.ritual_id
        assert planned.title in turn.reply.text and "didn't catch" not in turn.reply.text
        said[kind] = turn.reply.text
    assert said[CommandKind.YES] != said[CommandKind.NO]
    unplaced = talk.handle("h", mood(None), opened.state)  # "we're hungry": thanked, and offered tonight's ritual
    assert phase(unplaced.state) is Phase.OFFER and planned.title in unplaced.reply.text
    started = talk.handle("h", Command(CommandKind.START), opened.state)  # "start tonight's ritual": no detour
    assert started.state["stage"] == "step" and started.state["plan"]["ritual_id"] == planned.ritual_id


# ----- requests that fit the night ---------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["offer", "declined", "finished"])
def test_a_rough_day_said_at_any_offer_chooses_comfort(tmp_path: Path, where: str) -> None:
    talk = engine(tmp_path, nights_before=0, ritual="appreciation-exchange")
    state = talk.handle("h", Command(CommandKind.OPEN)).state
    if where == "declined":
        state = talk.handle("h", Command(CommandKind.NO), state).state
    if where == "finished":
        turn = talk.handle("h", Command(CommandKind.YES), state)
        while not turn.reply.end_session:
            turn = talk.handle("h", Command(CommandKind.NO if phase(turn.state) is Phase.TOUCH_INVITE
                                            else CommandKind.NEXT), turn.state)
        state = talk.handle("h", Command(CommandKind.OPEN)).state
    assert phase(state).value == where
    turn = talk.handle("h", mood("rough_day"), state)
    ritual = CONTENT.rituals[turn.state["plan"]["ritual_id"]]
    assert ritual.presumes == "hard_day" or "rough_day" in ritual.fits
    assert "sorry the day was hard" in turn.reply.text and phase(turn.state) is Phase.OFFER


def test_the_mood_outlasts_a_change_of_preferences_at_the_offer(tmp_path: Path) -> None:
    talk = engine(tmp_path, nights_before=0)
    state = talk.handle("h", mood("distant"), talk.handle("h", Command(CommandKind.OPEN)).state).state
    for command in (Command(CommandKind.TOUCH_OFF), Command(CommandKind.SET_LENGTH, minutes=20)):
        state = talk.handle("h", command, state).state
        assert "distant" in CONTENT.rituals[state["plan"]["ritual_id"]].fits and state["mood"] == "distant"


def test_a_mood_mid_ritual_is_heard_kindly_and_changes_nothing(tmp_path: Path) -> None:
    talk = engine(tmp_path, nights_before=0, ritual="appreciation-exchange")
    begun = talk.handle("h", Command(CommandKind.YES), talk.handle("h", Command(CommandKind.OPEN)).state)
    turn = talk.handle("h", mood("tense"), begun.state)
    assert turn.state["plan"] == begun.state["plan"] and turn.state["step"] == begun.state["step"]
    assert "Thank you for telling me" in turn.reply.text and {"pause", "stop"} <= set(turn.reply.offers)


def test_a_ritual_done_for_a_mood_is_tonights_ritual_when_the_couple_comes_back(tmp_path: Path) -> None:
    talk = engine(tmp_path, nights_before=0)
    turn = talk.handle("h", mood("rough_day"), talk.handle("h", Command(CommandKind.OPEN)).state)
    chosen = turn.state["plan"]["ritual_id"]
    turn = talk.handle("h", Command(CommandKind.YES), turn.state)
    while not turn.reply.end_session:
        turn = talk.handle("h", Command(CommandKind.NEXT if phase(turn.state) is not Phase.TOUCH_INVITE
                                        else CommandKind.YES), turn.state)
    back = talk.handle("h", Command(CommandKind.OPEN))
    assert phase(back.state) is Phase.FINISHED and back.state["plan"]["ritual_id"] == chosen
    assert "already shared tonight's ritual" in back.reply.text


def test_rituals_for_tension_or_distance_say_how_to_pause_or_stop_kindly() -> None:
    for ritual in CONTENT.rituals.values():
        if ritual.presumes == "tension":
            spoken = " ".join(s.text for s in ritual.steps).lower()
            assert "pause" in spoken and "stop" in spoken and "someone you both trust" in spoken, ritual.id


# ----- understood on both fronts ---------------------------------------------------------------------------

@pytest.mark.parametrize("locale", locales())
@pytest.mark.parametrize(("said", "meant"), [
    ("we had a rough day", "rough_day"), ("we've had a long day", "rough_day"), ("we've been distant", "distant"),
    ("we need to reconnect", "reconnect"), ("we need to make up", "repair"), ("we had a fight", "repair"),
    ("tired", "tired"), ("we're exhausted", "tired"), ("a bit tense", "tense"), ("we're stressed out", "tense"),
    ("light", "light"), ("pretty relaxed", "light")])
def test_what_couples_say_is_understood_in_every_locale(locale: str, said: str, meant: str,
                                                         matcher_for: Callable[[str], IntentMatcher]) -> None:
    match = matcher_for(locale).match(said)
    assert match is not None and match.intent == "NightMoodIntent", (said, match)
    assert command_for_intent(match.intent, match.slots) == mood(meant)


def test_alexa_slot_values_are_read_as_moods() -> None:
    assert command_for_intent("NightMoodIntent", {"mood": "rough_day"}) == mood("rough_day")  # resolved id
    assert command_for_intent("NightMoodIntent", {"mood": "rough day"}) == mood("rough_day")  # as heard
    assert command_for_intent("NightMoodIntent", {"mood": "hungry"}) == mood(None)


def test_each_check_in_is_worded_differently_from_the_last_ones(tmp_path: Path) -> None:
    """The check-in comes every third night; its words follow the count of check-ins, not the night."""
    lines = []
    for n, nights in enumerate((2, 5, 8, 11)):
        now = NOW + timedelta(weeks=n)  # Thursdays: never a weekly ritual's night
        lines.append(engine(tmp_path / str(n), nights_before=nights, now=now).handle(
            "h", Command(CommandKind.OPEN)).reply.text)
    assert len(set(lines)) == 4 and all("arriving" in line for line in lines), lines
