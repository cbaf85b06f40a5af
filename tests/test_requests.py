"""Requests for the night (issue 25): understood from the one source, answered by the engine for tonight only,
and the same on the Lambda handler. Real SQLite stores, the real matcher and the real Alexa handler."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from built_once import matcher_for

from benchmarks import requests_bench as bench
from intents import Rekindle, SqliteStore
from intents.commands import Command, CommandKind
from intents.dialogue import Phase, SessionState, phase_of
from intents.household import export_household
from intents.understanding import command_for_intent

NOW = datetime(2027, 3, 10, 21, 0, tzinfo=timezone.utc)


def heard(text: str) -> Command:
    match = matcher_for("en-US").match(text)
    assert match is not None, text
    return command_for_intent(match.intent, match.slots)


@pytest.mark.parametrize(("text", "kind", "field", "value"), [
    ("could we do something quick tonight", CommandKind.WISH, "minutes", 5),
    ("we have plenty of time tonight", CommandKind.WISH, "minutes", 20),
    ("we only have ten minutes tonight", CommandKind.WISH, "minutes", 10),
    ("we'd like to reminisce tonight", CommandKind.WISH, "ritual_kind", "memories"),
    ("just cuddles tonight", CommandKind.WISH, "ritual_kind", "touch"),
    ("so sleepy tonight, something quick", CommandKind.WISH, "mood", "tired"),
    ("nothing too heavy tonight", CommandKind.WISH, "depth", "light"),
    ("we want to plan a date night", CommandKind.WISH, "ritual_kind", "date_plan"),  # the planning, not the date
    ("something playful and long", CommandKind.WISH, "minutes", 20),
    ("pretty good, we'd like something fun", CommandKind.WISH, "mood", "light"),  # the check-in's answer
    ("fine, and we've got plenty of time", CommandKind.WISH, "minutes", 20),
    ("set the length to twenty minutes", CommandKind.SET_LENGTH, "minutes", 20),
    ("from now on keep the questions gentle", CommandKind.DEPTH_SETTING, "depth", "light"),
])
def test_requests_are_understood_with_their_ids(text: str, kind: CommandKind, field: str, value: object) -> None:
    command = heard(text)
    assert command.kind is kind and getattr(command, field) == value


@pytest.mark.parametrize(("text", "kind"), [("not this one", CommandKind.ANOTHER_RITUAL),
                                            ("you decide for us", CommandKind.SURPRISE),
                                            ("the one we always do", CommandKind.USUAL_RITUAL)])
def test_changes_are_understood(text: str, kind: CommandKind) -> None:
    assert heard(text).kind is kind


def offer(tmp_path: Path, touch: bool = True) -> tuple[Rekindle, dict[str, object]]:
    engine = Rekindle(SqliteStore(tmp_path / "r.db"), clock=lambda: NOW)
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    if not touch:
        state = engine.handle("h", Command(CommandKind.TOUCH_OFF), state).state
    return engine, state


@pytest.mark.parametrize("text", ["something short tonight", "make it five minutes", "we have plenty of time tonight",
                                  "nothing too heavy tonight", "keep it light tonight", "we'd like to dance",
                                  "not this one", "surprise us", "we're so tired, something quick"])
def test_a_request_about_tonight_changes_no_stored_setting(tmp_path: Path, text: str) -> None:
    engine, state = offer(tmp_path)
    before = export_household(engine.store, "h")["preferences"]
    turn = engine.handle("h", heard(text), state)
    assert export_household(engine.store, "h")["preferences"] == before
    assert "from now on" not in turn.reply.text and "didn't catch" not in turn.reply.text
    assert SessionState.from_dict(turn.state).stage.value == "offer"


def test_a_kind_asked_for_is_offered_and_said_back_and_only_yes_begins_it(tmp_path: Path) -> None:
    engine, state = offer(tmp_path)
    turn = engine.handle("h", heard("just hugs tonight"), state)
    offered = SessionState.from_dict(turn.state)
    assert "touch" in engine.content.rituals[offered.plan.ritual_id].kinds
    assert turn.reply.text.startswith("Just touch tonight") and offered.plan.title in turn.reply.text
    assert phase_of(offered) is Phase.OFFER
    begun = SessionState.from_dict(engine.handle("h", Command(CommandKind.YES), turn.state).state)
    assert begun.plan.ritual_id == offered.plan.ritual_id and begun.mid_ritual


def test_another_one_is_another_and_the_wish_holds(tmp_path: Path) -> None:
    engine, state = offer(tmp_path)
    state = engine.handle("h", heard("something short tonight"), state).state
    seen = [SessionState.from_dict(state).plan.ritual_id]
    for _ in range(2):
        state = engine.handle("h", heard("not this one"), state).state
        plan = SessionState.from_dict(state).plan
        assert plan.ritual_id not in seen and plan.minutes <= 7
        seen.append(plan.ritual_id)


def test_touch_asked_while_touch_is_off_gets_an_honest_nearest_fit(tmp_path: Path) -> None:
    engine, state = offer(tmp_path, touch=False)
    turn = engine.handle("h", heard("only touch tonight"), state)
    plan = SessionState.from_dict(turn.state).plan
    assert "Touch is resting tonight" in turn.reply.text
    assert all(step.kind != "touch" for step in plan.steps)


def test_lasting_words_change_the_setting_and_say_so(tmp_path: Path) -> None:
    engine, state = offer(tmp_path)
    turn = engine.handle("h", heard("we always want short ones"), state)
    assert export_household(engine.store, "h")["preferences"]["minutes"] == 5
    assert "from now on" in turn.reply.text


# A few requests at the offer, through text mode and the Lambda handler (all of them: benchmarks/requests_bench.py).
REQUESTS, PLACES = bench.load_requests()
SAMPLED = ("could we do a quick one tonight", "a hug and that's it tonight", "so sleepy tonight, something quick",
           "what else have you got", "we always want short ones")  # length, kind, mood, change, lasting
AT_THE_OFFER = [r for r in REQUESTS if r.say in SAMPLED]


@pytest.fixture(scope="module")
def fronts() -> dict[str, object]:
    from interaction_models import language_model

    matcher = matcher_for("en-US")
    understanding = bench.AlexaUnderstanding(matcher, {"interactionModel": {"languageModel": language_model("en-US")}})
    return {"text": lambda engine: bench.TextFront(engine, matcher),
            "lambda": lambda engine: bench.LambdaFront(engine, understanding)}


@pytest.mark.parametrize("front", ["text", "lambda"])
@pytest.mark.parametrize("request_", AT_THE_OFFER, ids=lambda r: r.say[:40])
def test_requests_at_the_offer_have_their_effect_on_both_fronts(fronts: dict[str, object], front: str,
                                                                 request_: bench.Request) -> None:
    result = bench.play(request_, PLACES, fronts[front])  # type: ignore[arg-type]
    assert result.ok, (request_.say, result.why, result.reply)



# ----- during a ritual -------------------------------------------------------------------------------------
def begun(tmp_path: Path, ritual: str) -> tuple[Rekindle, dict[str, object]]:
    engine = Rekindle(SqliteStore(tmp_path / "m.db"), clock=lambda: NOW, ritual=ritual)
    state = engine.handle("h", Command(CommandKind.OPEN)).state
    return engine, engine.handle("h", Command(CommandKind.YES), state).state


def walk(engine: Rekindle, state: dict[str, object]) -> list[SessionState]:
    """The states the couple passes through saying next (no to a touch moment) until the ritual closes."""
    seen = []
    for _ in range(30):
        session = SessionState.from_dict(state)
        seen.append(session)
        if session.stage.value == "finished":
            break
        kind = CommandKind.NO if phase_of(session) in (Phase.TOUCH_INVITE, Phase.TOUCH_ASK_AGAIN) else CommandKind.NEXT
        state = engine.handle("h", Command(kind), state).state
    return seen


def test_finishing_after_this_step_closes_the_ritual_after_it(tmp_path: Path) -> None:
    engine, state = begun(tmp_path, "appreciation-exchange")
    here = SessionState.from_dict(state).step
    turn = engine.handle("h", heard("let's wrap up after this question"), state)
    assert "last step tonight" in turn.reply.text
    after = walk(engine, turn.state)
    assert after[-1].stage.value == "finished"
    assert all(s.step == here for s in after[:-1])


def test_a_different_ritual_mid_way_is_offered_and_only_yes_switches(tmp_path: Path) -> None:
    engine, state = begun(tmp_path, "appreciation-exchange")
    offer_turn = engine.handle("h", heard("we'd like to change rituals"), state)
    offered = SessionState.from_dict(offer_turn.state)
    assert phase_of(offered) is Phase.SWITCH_OFFER and offered.plan.ritual_id == "appreciation-exchange"
    kept = SessionState.from_dict(engine.handle("h", Command(CommandKind.NO), offer_turn.state).state)
    assert kept.plan.ritual_id == "appreciation-exchange" and phase_of(kept) is Phase.QUESTION_FIRST
    switched = SessionState.from_dict(engine.handle("h", Command(CommandKind.YES), offer_turn.state).state)
    assert switched.plan.ritual_id == offered.switch_to and switched.mid_ritual


def test_touch_left_out_mid_way_comes_no_more_tonight(tmp_path: Path) -> None:
    engine, state = begun(tmp_path, "slow-closeness")
    before = export_household(engine.store, "h")["preferences"]
    turn = engine.handle("h", heard("leave the hugs for another night"), state)
    assert all(phase_of(s) is not Phase.TOUCH_INVITE for s in walk(engine, turn.state))
    assert {k: v for k, v in export_household(engine.store, "h")["preferences"].items()
            if k != "no_touch_night"} == {k: v for k, v in before.items() if k != "no_touch_night"}


def test_the_new_state_survives_the_round_trip(tmp_path: Path) -> None:
    engine, state = begun(tmp_path, "appreciation-exchange")
    state = engine.handle("h", heard("this can be the last one tonight"), state).state
    state = engine.handle("h", heard("can we do a different ritual"), state).state
    session = SessionState.from_dict(state)
    assert SessionState.from_dict(session.to_dict()) == session and session.end_after == 1 and session.switch_to


def test_an_easier_question_at_the_rituals_own_says_it_stays_and_how_to_pass_it(tmp_path: Path) -> None:
    engine, state = begun(tmp_path, "appreciation-exchange")
    state = engine.handle("h", Command(CommandKind.NEXT), state).state
    state = engine.handle("h", Command(CommandKind.NEXT), state).state  # to step 2: the ritual's own question
    here = SessionState.from_dict(state)
    assert here.current.kind == "question" and not here.current.question_id and here.part == 0
    turn = engine.handle("h", heard("an easier question please"), state)
    after = SessionState.from_dict(turn.state)
    assert "belongs to the ritual" in turn.reply.text and "skip" in turn.reply.text
    assert "keep things light tonight" not in turn.reply.text  # nothing promised for this one
    assert (after.step, after.part, after.wish.depth) == (here.step, 0, "light")


def test_a_surprise_keeps_the_length_asked_tonight_and_a_length_is_said_back_once(tmp_path: Path) -> None:
    engine, state = offer(tmp_path)
    state = engine.handle("h", heard("we're exhausted, something short"), state).state
    for _ in range(3):  # each surprise another ritual, every one of them short
        turn = engine.handle("h", heard("surprise us"), state)
        state = turn.state
        assert SessionState.from_dict(state).plan.minutes <= 7, turn.reply.text
    ten = engine.handle("h", heard("make it ten minutes"), turn.state).reply.text
    assert ten.startswith("10 minutes tonight") or ten.startswith("10 minutes it is"), ten
    assert "something about" not in ten.lower()


def test_the_usual_before_there_is_one_is_not_called_another(tmp_path: Path) -> None:
    engine, state = offer(tmp_path)
    text = engine.handle("h", heard("our usual one please"), state).reply.text
    assert text.startswith("You don't have a usual ritual yet") and "another" not in text
