"""The bounded household record: counters match the whole history, detail stays within its bounds,
and the planner chooses exactly as it would from the whole history."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from benchmarks.store_bench import simulate
from intents import Planner, Preferences, default_content
from intents.household import (
    DETAIL_NIGHTS,
    DETAIL_RITUALS,
    CompletedRitual,
    Household,
    HouseholdChange,
    Progress,
    StepRecord,
    nights_together,
)

FIRST = date(2026, 1, 1)


def ritual(session: str, night: date, minute: int = 0) -> CompletedRitual:
    return CompletedRitual(session, "just-a-question", night,
                           datetime(night.year, night.month, night.day, 21, minute, tzinfo=timezone.utc), "text",
                           (StepRecord("question", "q-appreciation-light-01"),))


def irregular_history(nights: int, seed: int = 3) -> list[CompletedRitual]:
    """Some nights skipped, some with two rituals, in the order they were completed."""
    rng = random.Random(seed)
    history = []
    for n in range(nights):
        if rng.random() < 0.25:
            continue
        for k in range(1 + (rng.random() < 0.15)):
            history.append(ritual(f"s{n}-{k}", FIRST + timedelta(days=n), minute=k))
    return history


def test_counters_match_the_whole_history_and_detail_stays_within_its_bounds() -> None:
    history = irregular_history(500)
    record = Household()
    for done in history:
        record = record.apply(HouseholdChange(completed=done))
        assert len(record.rituals) <= DETAIL_RITUALS
    newest = history[-1].night
    assert record.tally.nights_together == nights_together(history)
    assert record.tally.rituals_completed == len(history)
    assert record.tally.first_night == history[0].night
    assert record.rituals == tuple(r for r in history if r.night > newest - timedelta(days=DETAIL_NIGHTS))
    assert Household.from_history(Preferences(), reversed(history)) == record


def test_a_session_already_kept_is_not_counted_again_and_completing_clears_progress() -> None:
    night = FIRST
    record = Household().apply(HouseholdChange(progress=Progress(night, {"step": 1})))
    assert record.progress_for(night) == {"step": 1} and record.progress_for(night + timedelta(days=1)) is None
    once = record.apply(HouseholdChange(completed=ritual("s1", night)))
    twice = once.apply(HouseholdChange(completed=ritual("s1", night)))
    assert once.progress is None
    assert twice.tally == once.tally and twice.rituals == once.rituals
    assert (once.tally.nights_together, once.tally.rituals_completed) == (1, 1)


def test_many_rituals_in_one_night_keep_the_newest_and_count_one_night() -> None:
    record = Household()
    for k in range(DETAIL_RITUALS + 10):
        record = record.apply(HouseholdChange(completed=ritual(f"s{k:03d}", FIRST, minute=k % 60)))
    assert len(record.rituals) == DETAIL_RITUALS
    assert (record.tally.nights_together, record.tally.rituals_completed) == (1, DETAIL_RITUALS + 10)
    assert record.tally.pruned_through == FIRST
    later = record.apply(HouseholdChange(completed=ritual("late", FIRST, minute=59)))
    assert later.tally.nights_together == 1


def test_a_ritual_for_a_night_whose_detail_was_let_go_counts_as_a_ritual_only() -> None:
    record = Household.from_history(Preferences(), [ritual(f"s{n}", FIRST + timedelta(days=n)) for n in range(100)])
    assert record.tally.pruned_through == FIRST + timedelta(days=99 - DETAIL_NIGHTS)
    late = record.apply(HouseholdChange(completed=ritual("late", FIRST + timedelta(days=5))))
    assert (late.tally.nights_together, late.tally.rituals_completed) == (100, 101)
    assert late.rituals == record.rituals  # older than the detail kept


def test_nights_before_tonight_ignore_tonight_and_later() -> None:
    record = Household.from_history(Preferences(), [ritual(f"s{n}", FIRST + timedelta(days=n)) for n in range(100)])
    tonight = FIRST + timedelta(days=99)
    assert record.nights_before(tonight + timedelta(days=1)) == 100
    assert record.nights_before(tonight) == 99
    again = record.apply(HouseholdChange(completed=ritual("again", tonight, minute=30)))
    assert again.nights_before(tonight) == 99 and again.tally.nights_together == 100


def test_the_planner_chooses_alike_from_the_bounded_record_and_the_whole_history() -> None:
    """Four times the detail window, with gaps: tonight's plan and the month's used content are the same."""
    content = default_content()
    planner = Planner(content)
    prefs = Preferences(names=("Kai", "Noor"))
    rng = random.Random(11)
    history: list[CompletedRitual] = []
    record = Household(preferences=prefs)
    nights = [FIRST + timedelta(days=n) for n in range(DETAIL_NIGHTS * 4) if rng.random() < 0.85]
    for night, done in zip(nights, simulate("home", len(nights), content=content, preferences=prefs), strict=True):
        full = planner.plan("home", night, prefs, history)
        bounded = planner.plan("home", night, prefs, record.rituals, nights_before=record.nights_before(night))
        assert bounded == full, night
        assert planner.recently_used(record.rituals, night) == planner.recently_used(history, night)
        done = CompletedRitual(done.session_id, full.ritual_id, night, done.completed_at, done.front,
                               tuple(StepRecord(s.kind, s.content_id) for s in full.steps))
        history.append(done)
        record = record.apply(HouseholdChange(completed=done))
    assert record.tally.nights_together == len(nights) == nights_together(history)
