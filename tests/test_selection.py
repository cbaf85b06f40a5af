"""Choosing tonight's ritual: determinism, no repeats, preferences, gently rising depth."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from intents import CompletedRitual, Depth, Planner, Preferences, Rekindle, SqliteStore, StepRecord
from intents.content import default_content
from intents.selection import TonightPlan, consecutive_nights, night_of, target_depth

CONTENT = default_content()
START = date(2026, 1, 5)


def completed(plan: TonightPlan, n: int = 0) -> CompletedRitual:
    return CompletedRitual(
        session_id=f"{plan.household}-{plan.night}-{n}",
        ritual_id=plan.ritual_id,
        night=plan.night,
        completed_at=datetime.combine(plan.night, datetime.min.time(), timezone.utc) + timedelta(hours=22),
        front="test",
        steps=tuple(StepRecord(s.kind, s.content_id) for s in plan.steps),
    )


def simulate(nights: int, prefs: Preferences, household: str = "sim") -> list[TonightPlan]:
    planner = Planner(CONTENT)
    history: list[CompletedRitual] = []
    plans = []
    for i in range(nights):
        plan = planner.plan(household, START + timedelta(days=i), prefs, history)
        plans.append(plan)
        history.append(completed(plan))
    return plans


def test_same_household_and_night_give_the_same_plan() -> None:
    planner = Planner(CONTENT)
    a = planner.plan("home", START, Preferences(), [])
    b = Planner(CONTENT).plan("home", START, Preferences(), [])
    assert a == b
    assert TonightPlan.from_dict(json.loads(json.dumps(a.to_dict()))) == a


def test_plans_vary_across_nights_and_households() -> None:
    rituals = {p.ritual_id for p in simulate(14, Preferences())}
    assert len(rituals) >= 4
    first_nights = {Planner(CONTENT).plan(f"h{i}", START, Preferences(), []).ritual_id for i in range(20)}
    assert len(first_nights) >= 3


def test_tonight_is_the_same_in_another_process(tmp_path: Path) -> None:
    env_store = f"sqlite:///{tmp_path / 'shared.db'}"
    cmd = [sys.executable, "-m", "rekindle", "tonight", "--json", "--date", "2026-12-01"]
    env = {**__import__("os").environ, "REKINDLE_STORE": env_store}
    first = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    second = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    assert first == second
    store = SqliteStore(tmp_path / "shared.db")
    here = Rekindle(store).tonight("home", date(2026, 12, 1))
    assert json.loads(first) == here.to_dict()


def test_no_question_or_touch_repeats_within_30_days() -> None:
    plans = simulate(30, Preferences(minutes=20))
    used: list[str] = [cid for p in plans for s in p.steps if (cid := s.content_id)]
    questions = [c for c in used if c in CONTENT.questions]
    assert len(questions) >= 40, "the simulation should use plenty of questions"
    assert len(questions) <= len(CONTENT.questions)
    assert len(set(questions)) == len(questions), "a question repeated while unused ones remained"
    touches = [c for c in used if c in CONTENT.touch_prompts]
    unique_touch_budget = len(CONTENT.touch_prompts)
    assert len(set(touches[:unique_touch_budget])) == len(touches[:unique_touch_budget])


def test_repeats_only_after_the_library_is_used_up() -> None:
    plans = simulate(60, Preferences(minutes=20))
    questions = [s.question_id for p in plans for s in p.steps if s.question_id]
    first_repeat = next(i for i, q in enumerate(questions) if q in questions[:i])
    # within any 30-night window, repeats appear only once every question has been used
    assert first_repeat >= len(CONTENT.questions) or len(set(questions[:first_repeat])) == first_repeat


def test_length_preference_is_honoured() -> None:
    for minutes, low, high in ((5, 0, 7), (10, 8, 14), (20, 15, 99)):
        for plan in simulate(21, Preferences(minutes=minutes), household=f"len{minutes}"):
            assert low <= plan.minutes <= high, (minutes, plan.ritual_id, plan.minutes)


def test_touch_off_means_no_touch_steps() -> None:
    for plan in simulate(40, Preferences(touch=False), household="no-touch"):
        assert all(s.kind != "touch" for s in plan.steps)
        assert not CONTENT.rituals[plan.ritual_id].needs_touch


def test_depth_ceiling_is_honoured() -> None:
    for plan in simulate(20, Preferences(depth_ceiling=Depth.LIGHT), household="light"):
        for s in plan.steps:
            if s.question_id:
                assert CONTENT.questions[s.question_id].depth is Depth.LIGHT


def test_depth_rises_gently_with_consecutive_nights() -> None:
    plans = simulate(8, Preferences(minutes=20), household="rising")
    depths = [p.depth for p in plans]
    assert depths[0] is Depth.LIGHT
    assert depths == sorted(depths), "depth should never drop while nights continue"
    assert Depth.DEEPER in depths and depths[-1] is Depth.DEEPEST
    assert target_depth(10, Depth.DEEPER) is Depth.DEEPER


def test_a_break_lowers_depth_without_erasing_nights_together() -> None:
    planner = Planner(CONTENT)
    history = [completed(p) for p in simulate(6, Preferences(), household="gap")]
    after_gap = START + timedelta(days=10)
    assert consecutive_nights(history, after_gap) == 0
    plan = planner.plan("gap", after_gap, Preferences(), history)
    assert plan.depth is Depth.LIGHT
    assert plan.first_speaker == 6 % 2


def test_first_speaker_alternates_night_to_night() -> None:
    plans = simulate(6, Preferences(), household="turns")
    assert [p.first_speaker for p in plans] == [0, 1, 0, 1, 0, 1]


def test_weekly_ritual_offered_on_sunday_when_due() -> None:
    plans = simulate(14, Preferences(minutes=20), household="weekly")
    sundays = [p for p in plans if p.night.weekday() == 6]
    assert sundays and all(CONTENT.rituals[p.ritual_id].cadence == "weekly" for p in sundays)


def test_plan_ignores_what_happened_tonight() -> None:
    planner = Planner(CONTENT)
    plan = planner.plan("same-night", START, Preferences(), [])
    again = planner.plan("same-night", START, Preferences(), [completed(plan)])
    assert again == plan


def test_night_rolls_over_at_four_in_the_morning() -> None:
    assert night_of(datetime(2026, 3, 2, 0, 30)) == date(2026, 3, 1)
    assert night_of(datetime(2026, 3, 2, 4, 30)) == date(2026, 3, 2)
