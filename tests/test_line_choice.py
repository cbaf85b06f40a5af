"""Which wording of a ritual's own line is said: the first telling first, then none heard in the last four weeks
while another is left, the same for a household and night, and a recall only when the couple did what it recalls."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from intents import CompletedRitual, Planner, Preferences, StepRecord
from intents.content import RECALL_NIGHTS, Recall, StepTemplate, default_content
from intents.household import DETAIL_NIGHTS
from intents.line_choice import WORDING_WINDOW_NIGHTS, choose_line, line_id
from intents.planning import TonightPlan

NIGHT = date(2027, 3, 10)
STEP = StepTemplate("narration", wordings=("first", "second", "third", "fourth"))
CONTENT = default_content()
PLANNER = Planner(CONTENT)


def heard(*pairs: tuple[int, int]) -> dict[str, date]:
    """Wording ``k`` (from 0) of the test line last heard ``n`` nights before tonight, for each ``(k, n)``."""
    return {line_id("r", 0, k): NIGHT - timedelta(days=n) for k, n in pairs}


def chosen(said: dict[str, date], draw: float = 0.5, step: StepTemplate = STEP,
           done: dict[str, date] | None = None) -> str:
    line = choose_line(NIGHT, "r", 0, step, said, done or {}, draw)
    assert line is not None
    return line.text


def test_the_first_telling_comes_first() -> None:
    assert {chosen({}, draw) for draw in (0.0, 0.5, 0.99)} == {"first"}
    assert choose_line(NIGHT, "r", 0, StepTemplate("touch"), {}, {}, 0.5) is None


def test_a_wording_heard_in_the_last_four_weeks_waits_while_another_is_left() -> None:
    # never heard beats heard long ago, which beats heard lately
    assert {chosen(heard((0, 3)), d) for d in (0.0, 0.4, 0.9)} == {"second", "third", "fourth"}
    assert {chosen(heard((0, 3), (1, 40), (2, 5)), d) for d in (0.0, 0.9)} == {"fourth"}
    assert {chosen(heard((0, 3), (1, 40), (2, 5), (3, 9)), d) for d in (0.0, 0.9)} == {"second"}
    assert chosen(heard((0, 3), (1, WORDING_WINDOW_NIGHTS), (2, 5), (3, 9))) == "second"  # all lately: the oldest


def test_recall_words_when_the_couple_did_what_they_recall() -> None:
    step = StepTemplate("narration", wordings=("plain one", "plain two", "plain three"),
                        recall=Recall(("tiny-date",), (5, 10), ("recall one", "recall two", "recall three")))
    assert chosen({}, step=step, done={"tiny-date": NIGHT - timedelta(days=7)}) == "recall one"
    assert chosen({}, step=step, done={"tiny-date": NIGHT - timedelta(days=4)}) == "plain one"
    assert chosen({}, step=step, done={"tiny-date": NIGHT - timedelta(days=11)}) == "plain one"
    assert chosen({}, step=step, done={"memory-lane": NIGHT - timedelta(days=7)}) == "plain one"
    line = choose_line(NIGHT, "r", 0, step, {"r:1:r1": NIGHT - timedelta(days=7)},
                       {"tiny-date": NIGHT - timedelta(days=7)}, 0.0)
    assert line is not None and line.line_id == "r:1:r2"
    assert RECALL_NIGHTS == DETAIL_NIGHTS  # a recall looks back no further than every household keeps


def done(plan: TonightPlan) -> CompletedRitual:
    moment = datetime.combine(plan.night, datetime.min.time(), timezone.utc) + timedelta(hours=21)
    return CompletedRitual(f"{plan.household}-{plan.night}", plan.ritual_id, plan.night, moment, "text",
                           tuple(StepRecord(s.kind, s.content_id) for s in plan.steps))


def test_a_ritual_done_night_after_night_is_told_in_new_words_until_they_run_out() -> None:
    history: list[CompletedRitual] = []
    narrations, closings = [], []
    for n in range(4):
        plan = PLANNER.plan("h", NIGHT + timedelta(days=n), Preferences(), history, ritual_id="appreciation-exchange")
        narrations.append(plan.steps[0].line_id)
        closings.append(plan.steps[-1].text)
        history.append(done(plan))
    template = CONTENT.rituals["appreciation-exchange"]
    assert narrations[0] == "appreciation-exchange:1:1" and closings[0] == template.steps[-1].wordings[0]
    assert len(set(narrations[:3])) == 3 and len(set(closings[:3])) == 3  # three wordings, three nights
    assert narrations[3] == narrations[0]  # then the one heard longest ago
    # what the completed ritual records: the wording's id, as for questions and touch prompts
    assert history[0].steps[0] == StepRecord("narration", "appreciation-exchange:1:1")


def test_the_choice_is_fixed_for_a_household_and_night_and_differs_between_households() -> None:
    first = PLANNER.plan("a", NIGHT, Preferences(), [], ritual_id="memory-lane")
    history = [done(first)]
    later = NIGHT + timedelta(days=1)
    again = [PLANNER.plan("a", later, Preferences(), history, ritual_id="memory-lane") for _ in range(2)]
    assert again[0] == again[1]
    households = {PLANNER.plan(h, later, Preferences(), [done(PLANNER.plan(h, NIGHT, Preferences(), [],
                                                                           ritual_id="memory-lane"))],
                               ritual_id="memory-lane").steps[0].text for h in "abcdefghij"}
    assert len(households) == 2  # the two wordings not yet heard, each chosen by some household


def test_a_ritual_recalls_what_the_couple_did_a_week_before_never_what_they_said() -> None:
    sunday = date(2027, 3, 7)
    planned = PLANNER.plan("h", sunday, Preferences(), [], ritual_id="weekly-date-night-planning")
    asked = [s for s in planned.steps if s.kind == "question" and s.line_id]
    assert asked and "planned an evening" not in asked[0].text
    week_later = PLANNER.plan("h", sunday + timedelta(days=7), Preferences(), [done(planned)],
                              ritual_id="weekly-date-night-planning")
    recalled = [s for s in week_later.steps if s.line_id and ":r" in s.line_id]
    assert [s.text for s in recalled] == [
        "Last week you planned an evening together. Did it happen, and what was the best part, "
        "or what got in the way?"]
    month_later = PLANNER.plan("h", sunday + timedelta(days=28), Preferences(), [done(planned)],
                               ritual_id="weekly-date-night-planning")
    assert not [s for s in month_later.steps if s.line_id and ":r" in s.line_id]
