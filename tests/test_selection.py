"""Choosing tonight's ritual: determinism, no repeats, preferences, depth that rises then breathes, moods."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
from store_helpers import record_ritual, save_preferences

from intents import CompletedRitual, Depth, Planner, Preferences, Rekindle, SqliteStore, StepRecord
from intents.content import GENTLE_TONES, MOODS, ContentLibrary, default_content, wording
from intents.planning import TonightPlan, night_of
from intents.planning.planner import DEPTH_WINDOW_NIGHTS, MAX_DEEPEST_NIGHTS, consecutive_nights, target_depth
from intents.planning.rules import LENGTHS, LONGER_DAY, LONGER_EVERY_NIGHTS, SHORT_DAYS, setting_of

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
    shown = json.loads(first)
    assert shown.pop("status") == "offered"
    for step in shown["steps"]:  # the command adds a library question's words to its id
        if "question_id" in step:
            assert step.pop("text") == CONTENT.questions[step["question_id"]].text
    assert shown == here.to_dict()


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
    """The couple's length, except a short night now and then on a weeknight and a longer evening offered
    (never simply chosen) on a Saturday, each one step from it."""
    for minutes in (5, 10, 20):
        plans = simulate(42, Preferences(minutes=minutes), household=f"len{minutes}")
        settings = [(setting_of(CONTENT.rituals[p.ritual_id]), p) for p in plans]
        assert sum(s == minutes for s, _ in settings) >= 30, minutes
        for setting, plan in settings:
            if setting > minutes:
                assert plan.longer and plan.night.weekday() == LONGER_DAY, (minutes, plan.ritual_id)
            elif setting < minutes:
                assert not plan.longer and plan.night.weekday() in SHORT_DAYS, (minutes, plan.ritual_id)
            assert LENGTHS.index(minutes) - 1 <= LENGTHS.index(setting) <= LENGTHS.index(minutes) + 1


def test_a_longer_evening_is_offered_now_and_then_and_a_no_holds_for_a_fortnight() -> None:
    planner = Planner(CONTENT)
    plans = simulate(42, Preferences(), household="weekends")
    longer = [p for p in plans if p.longer]
    assert len(longer) >= 2 and all(b.night - a.night >= timedelta(days=LONGER_EVERY_NIGHTS)
                                    for a, b in pairwise(longer))
    night, history = longer[0].night, [completed(p) for p in plans if p.night < longer[0].night]
    usual = planner.plan("weekends", night, Preferences(longer_declined=night), history)
    assert not usual.longer and setting_of(CONTENT.rituals[usual.ritual_id]) == 10
    week_later = [completed(p) for p in simulate(7, Preferences(longer_declined=night), household="weekends")]
    assert not any(p.longer for p in simulate(14, Preferences(longer_declined=START + timedelta(days=5)),
                                              household="weekends")), week_later


def test_short_nights_come_about_once_a_week_and_the_library_unfolds() -> None:
    plans = simulate(60, Preferences(), household="unfolds")
    short = [p for p in plans if setting_of(CONTENT.rituals[p.ritual_id]) == 5]
    assert 4 <= len(short) <= 9 and all(b.night - a.night >= timedelta(days=7) for a, b in pairwise(short))
    assert len({p.ritual_id for p in plans}) >= 18
    first = [p.ritual_id for p in plans[:14] if CONTENT.rituals[p.ritual_id].cadence == "nightly"
             and setting_of(CONTENT.rituals[p.ritual_id]) == 10]
    assert len(set(first)) == len(first), "a ritual came back while others of its length were still unmet"


def test_touch_off_means_no_touch_steps() -> None:
    for plan in simulate(40, Preferences(touch=False), household="no-touch"):
        assert all(s.kind != "touch" for s in plan.steps)
        assert not CONTENT.rituals[plan.ritual_id].needs_touch


def test_depth_ceiling_is_honoured() -> None:
    for plan in simulate(20, Preferences(depth_ceiling=Depth.LIGHT), household="light"):
        for s in plan.steps:
            if s.question_id:
                assert CONTENT.questions[s.question_id].depth is Depth.LIGHT


def test_depth_rises_gently_then_breathes() -> None:
    for household in ("rising-a", "rising-b", "rising-c"):
        plans = simulate(28, Preferences(minutes=20), household=household)
        depths = [p.depth for p in plans]
        assert depths[:2] == [Depth.LIGHT, Depth.LIGHT], household
        assert max(depths[2:4]) is Depth.DEEPER, household
        assert Depth.DEEPEST in depths[4:] and Depth.LIGHT in depths[4:], "the depth should breathe"
        assert not any(a is b is Depth.DEEPEST for a, b in pairwise(depths)), "deepest twice running"
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


def asked_depth(plan: TonightPlan) -> Depth | None:
    asked = [CONTENT.questions[s.question_id].depth for s in plan.steps if s.question_id]
    return max(asked) if asked else None


@pytest.mark.parametrize("minutes", [5, 10, 20])
def test_28_nights_of_tonight_fit_the_night_and_breathe(tmp_path: Path, minutes: int) -> None:
    """``rekindle tonight`` night after night, each ritual completed, as the CLI and both fronts plan it."""
    store = SqliteStore(tmp_path / "nights.db")
    save_preferences(store, "home", Preferences(minutes=minutes))
    engine = Rekindle(store)
    plans = []
    for i in range(DEPTH_WINDOW_NIGHTS * 2):
        plan = engine.tonight("home", START + timedelta(days=i))
        plans.append(plan)
        record_ritual(store, "home", completed(plan))
    for plan in plans:
        template = CONTENT.rituals[plan.ritual_id]
        assert template.presumes is None, f"{plan.night}: {plan.ritual_id} presumes a state nobody mentioned"
        assert template.cadence != "on_request"
        assert plan.depth <= template.depth_range[1]
        if template.tone in GENTLE_TONES:
            assert asked_depth(plan) is not Depth.DEEPEST, f"a deepest question in {plan.ritual_id}"
        fixed = template.fixed_texts()
        for step in plan.steps:
            if step.question_id:
                question = CONTENT.questions[step.question_id]
                assert question.depth <= plan.depth
                assert step.question_id not in template.avoid
                assert all(wording.similarity(question.text, t) < wording.TWIN for t in fixed), (
                    f"{plan.ritual_id} is followed by its own twin {step.question_id}")
    for start in range(len(plans) - DEPTH_WINDOW_NIGHTS + 1):
        window = plans[start:start + DEPTH_WINDOW_NIGHTS]
        assert sum(p.depth is Depth.DEEPEST for p in window) <= MAX_DEEPEST_NIGHTS
        assert sum(asked_depth(p) is Depth.DEEPEST for p in window) <= MAX_DEEPEST_NIGHTS
    assert any(p.depth is Depth.DEEPEST for p in plans), "deep nights should still come"
    assert all(a.ritual_id != b.ritual_id for a, b in pairwise(plans)), "the same ritual two nights running"


def followers(order: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for a, b in pairwise(order):
        out.setdefault(a, set()).add(b)
    return out


def test_at_five_minutes_the_order_is_not_a_fixed_cycle() -> None:
    for household in ("cycle-a", "cycle-b"):
        order = [p.ritual_id for p in simulate(42, Preferences(minutes=5), household=household)]
        assert any(len(after) > 1 for after in followers(order).values()), order
        assert len(set(order)) >= 5
    # even with only four short rituals, as the library once had
    four = ("end-of-day-check-in", "gratitude-before-sleep", "tonights-connection-question", "touch-and-breathe")
    small = ContentLibrary(CONTENT.questions, CONTENT.touch_prompts, {r: CONTENT.rituals[r] for r in four})
    planner, history, order = Planner(small), [], []
    for i in range(42):
        plan = planner.plan("four", START + timedelta(days=i), Preferences(minutes=5), history)
        order.append(plan.ritual_id)
        history.append(completed(plan))
    assert any(len(after) > 1 for after in followers(order).values()), order


@pytest.mark.parametrize("mood", MOODS)
@pytest.mark.parametrize("minutes", [5, 10, 20])
def test_a_stated_mood_chooses_a_ritual_that_fits(mood: str, minutes: int) -> None:
    planner = Planner(CONTENT)
    history = [completed(p) for p in simulate(10, Preferences(minutes=minutes), household="moody")]
    night = START + timedelta(days=10)
    plan = planner.plan("moody", night, Preferences(minutes=minutes), history, mood=mood)
    assert mood in CONTENT.rituals[plan.ritual_id].fits
    assert plan == planner.plan("moody", night, Preferences(minutes=minutes), history, mood=mood)
    if mood == "tired":
        assert plan.depth is Depth.LIGHT
    no_touch = planner.plan("moody", night, Preferences(minutes=minutes, touch=False), history, mood=mood)
    assert not CONTENT.rituals[no_touch.ritual_id].needs_touch


def test_requests_reach_the_rituals_that_presume_a_state() -> None:
    planner = Planner(CONTENT)
    for minutes in (5, 10, 20):
        prefs = Preferences(minutes=minutes)
        assert CONTENT.rituals[planner.plan("ask", START, prefs, [], mood="rough_day").ritual_id].presumes in (
            "hard_day", None)
        assert planner.plan("ask", START, prefs, [], mood="repair").ritual_id == "gentle-repair"
        distant = planner.plan("ask", START, prefs, [], mood="distant")
        assert CONTENT.rituals[distant.ritual_id].presumes == "distant_week"
    short = planner.plan("ask", START, Preferences(minutes=5), [], mood="rough_day")
    assert short.ritual_id == "soft-landing"
    comforts = {planner.plan(f"ask{i}", START, Preferences(minutes=10), [], mood="rough_day").ritual_id
                for i in range(12)}
    assert "comfort-after-a-hard-day" in comforts
    with pytest.raises(ValueError, match="No mood called 'grumpy'"):
        planner.plan("ask", START, Preferences(), [], mood="grumpy")


def test_tasks_are_planned_for_the_two_together() -> None:
    plan = Planner(CONTENT).plan("tasks", START, Preferences(), [], ritual_id="weekly-date-night-planning")
    tasks = [s for s in plan.steps if s.kind == "task"]
    assert tasks and all(s.text and not s.question_id for s in tasks)
    assert TonightPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_a_question_of_any_theme_never_reaches_for_old_hurts() -> None:
    planner = Planner(CONTENT)
    for i in range(60):
        rng = __import__("random").Random(i)
        q = planner.pick_question(rng, None, Depth.DEEPEST, {})
        assert q.theme != "repair"
        assert planner.pick_question(rng, "memories", Depth.DEEPER, {}).depth <= Depth.DEEPER


def test_no_more_than_half_of_four_weeks_at_the_deepest_level() -> None:
    planner = Planner(CONTENT)
    deepest = next(q for q in CONTENT.questions.values() if q.depth is Depth.DEEPEST)
    light = next(q for q in CONTENT.questions.values() if q.depth is Depth.LIGHT)
    night = START + timedelta(days=DEPTH_WINDOW_NIGHTS - 1)

    def history(deep_nights: int) -> list[CompletedRitual]:
        """The 27 nights before ``night``, in a row; the first ``deep_nights`` of them went deepest."""
        return [CompletedRitual(f"d{i}", "just-a-question", START + timedelta(days=i),
                                datetime(2026, 1, 1, tzinfo=timezone.utc), "test",
                                (StepRecord("question", (deepest if i < deep_nights else light).id),))
                for i in range(DEPTH_WINDOW_NIGHTS - 1)]

    full, room = history(MAX_DEEPEST_NIGHTS), history(MAX_DEEPEST_NIGHTS - 1)
    assert sum(d is Depth.DEEPEST for d in planner.night_depths(full).values()) == MAX_DEEPEST_NIGHTS
    assert Depth.DEEPEST in {planner.depth_for(f"h{i}", night, room, Depth.DEEPEST) for i in range(40)}
    assert Depth.DEEPEST not in {planner.depth_for(f"h{i}", night, full, Depth.DEEPEST) for i in range(40)}


def test_a_soft_filter_yields_and_a_hard_one_never_does() -> None:
    from intents.planning.facts import Filter, narrowed

    def even(n: int, _: None) -> bool:
        return n % 2 == 0

    def big(n: int, _: None) -> bool:
        return n > 10

    assert narrowed([1, 2, 3, 4], [Filter(even), Filter(big)], None) == [2, 4]  # nothing is big: it yields
    assert narrowed([1, 2, 3, 4], [Filter(even), Filter(big, hard=True)], None) == []
    assert narrowed([1, 2, 3, 4], [Filter(even, at_least=3)], None) == [1, 2, 3, 4]


def test_every_planning_rule_says_why() -> None:
    """Each rule the planner runs is one small function with a docstring saying why it is there."""
    from intents.planning import rules

    lists = [value for name, value in vars(rules).items() if name.isupper() and isinstance(value, tuple)
             and value and callable(getattr(value[0], "keep", value[0]))]
    functions = {getattr(item, "keep", item) for group in lists for item in group}
    assert len(functions) >= 15
    for function in functions:
        assert function.__module__ == rules.__name__ and (function.__doc__ or "").strip(), function
