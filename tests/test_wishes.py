"""Choosing tonight's ritual for what a couple asks (intents.wishes): fits, nearest fits, reachability."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from intents.content import default_content
from intents.household import CompletedRitual, StepRecord
from intents.planning.rules import length_fits
from intents.wishes import Evening, Shortfall, Wish, choose, usual

LIB = default_content()
NIGHT = date(2027, 3, 10)
EVENING = Evening("wishes", NIGHT, touch_on=True, preferred_minutes=10)


def done(ritual: str, night: date) -> CompletedRitual:
    moment = datetime(night.year, night.month, night.day, 21, tzinfo=timezone.utc)
    return CompletedRitual(f"{ritual}-{night}", ritual, night, moment, "text", (StepRecord("closing"),))


def cycle(wish: Wish, evening: Evening = EVENING, turns: int = 12) -> list[str]:
    """The rituals offered as a couple keeps asking for another one."""
    offered: list[str] = []
    for _ in range(turns):
        offered.append(choose(LIB, wish, evening, offered).ritual.id)
    return offered


@pytest.mark.parametrize("minutes", [5, 10, 20])
def test_a_length_asked_for_is_met(minutes: int) -> None:
    for ritual in cycle(Wish(minutes=minutes), turns=4):
        assert length_fits(LIB.rituals[ritual], minutes)


@pytest.mark.parametrize("kind", sorted(LIB.kinds))
def test_every_kind_asked_for_is_met(kind: str) -> None:
    choice = choose(LIB, Wish(kind=kind), EVENING)
    assert kind in choice.ritual.kinds and choice.shortfall is Shortfall.NONE


@pytest.mark.parametrize("mood", ["tired", "tense", "rough_day", "distant", "light"])
def test_a_mood_with_a_length_fits_both_or_says_what_it_could_not_meet(mood: str) -> None:
    choice = choose(LIB, Wish(minutes=5, mood=mood), EVENING)
    assert mood in choice.ritual.fits
    assert length_fits(choice.ritual, 5) or choice.shortfall is Shortfall.LENGTH


def test_a_kind_that_does_not_come_at_that_length_is_the_nearest_and_says_so() -> None:
    choice = choose(LIB, Wish(minutes=5, kind="memories"), EVENING)
    assert "memories" in choice.ritual.kinds and choice.ritual.minutes == 10
    assert choice.shortfall is Shortfall.LENGTH


def test_touch_asked_for_on_a_night_touch_rests_gets_something_without_touch() -> None:
    resting = Evening("wishes", NIGHT, touch_on=False, preferred_minutes=10)
    choice = choose(LIB, Wish(kind="touch"), resting)
    assert choice.shortfall is Shortfall.TOUCH_RESTING and not choice.ritual.has_touch


def test_rituals_that_presume_a_hard_night_need_the_mood() -> None:
    presuming = {r.id for r in LIB.rituals.values() if r.presumes}
    for wish in (Wish(), Wish(minutes=5), Wish(kind="closeness"), Wish(minutes=20, kind="check_in")):
        assert not set(cycle(wish)) & presuming, wish


def test_every_ritual_can_be_reached_by_asking() -> None:
    """By a kind it is (and its length), then "another one" until it comes; those that presume a hard day,
    a distant week or tension with a mood they fit as well."""
    for ritual in LIB.rituals.values():
        reached = False
        for kind in ritual.kinds or [None]:
            for mood in [None, *ritual.fits] if ritual.presumes else [None]:
                minutes = 5 if ritual.minutes <= 7 else 10 if ritual.minutes < 15 else 20
                wish = Wish(minutes=minutes, kind=kind, mood=mood)
                reached = reached or ritual.id in cycle(wish, turns=6)
        assert reached, ritual.id


def test_another_one_never_offers_the_same_ritual_twice_while_others_fit() -> None:
    offered = cycle(Wish(minutes=5), turns=5)
    assert len(set(offered)) == len(offered)
    everything = cycle(Wish(kind="date_plan"), turns=3)
    assert choose(LIB, Wish(kind="date_plan"), EVENING, everything).shortfall is Shortfall.NO_OTHER


def test_the_usual_one_is_the_one_done_most() -> None:
    history = [done("memory-lane", date(2027, 3, d)) for d in (2, 5, 8)] + [done("tiny-date", date(2027, 3, 9))]
    assert (found := usual(history, LIB)) is not None and found.id == "memory-lane"
    assert usual(history[-1:], LIB) is None  # once is not usual yet


def test_a_wish_from_a_state_trusts_nothing_it_cannot_read() -> None:
    assert Wish.from_dict({"minutes": "lots", "mood": "furious", "depth": 3, "kind": ["x"]}) == Wish()
    wish = Wish(minutes=5, kind="playful")
    assert Wish.from_dict(wish.to_dict()) == wish
    assert Wish(minutes=5).and_then(Wish(kind="playful")) == wish
