"""Moving through a ritual: the next step or turn, back, a different question, a pause, who begins."""

from __future__ import annotations

from dataclasses import replace

from ...commands import Command
from ...planning import seeded_random
from ...replies import ReplyBuilder
from ..state import SessionState, Stage
from ..turn import Action, Conversation, Outcome


def advance(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    return conv.next_step(state, ReplyBuilder().say(conv.say(phrase) if phrase else ""))


def next_turn(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.part = 1
    b = ReplyBuilder()
    conv.step_prompt(state, b)
    return conv.reply(b, state)


def skip_step(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    key = "touch_passed" if state.current.kind == "touch" and state.part == 0 else "step_skipped"
    if state.current.kind != "touch" or state.part == 0:
        state.skipped = tuple(sorted({*state.skipped, state.step}))
    return conv.next_step(state, ReplyBuilder().say(conv.say(key)))


def pass_touch(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    return skip_step(conv, state, command, phrase)


def back(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    b = ReplyBuilder()
    if state.part > 0:
        state.part = 0
    else:
        previous = [i for i in range(state.step) if state.plan.steps[i].kind in ("question", "touch", "task")]
        if not previous:
            b.say(conv.say("no_earlier_step"))
            conv.step_prompt(state, b)
            return conv.reply(b, state)
        state.step, state.part, state.extra_seconds = previous[-1], 0, 0
        state.skipped = tuple(i for i in state.skipped if i < state.step)
    state.touch_asked_again = False
    b.say(conv.say("went_back"))
    conv.step_prompt(state, b)
    return conv.reply(b, state)


def different_question(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    step = state.current
    shown = conv.not_again(state)
    rng = seeded_random(state.plan.household, state.plan.night, state.step, len(state.swapped))
    question = conv.ctx.planner.pick_question(rng, step.theme, state.plan.depth, conv.ctx.recently_used, shown,
                                              conv.ctx.preferences.depth_ceiling)
    if step.question_id:
        state.swapped = (*state.swapped, step.question_id)
    state.plan = state.plan.with_step(state.step, replace(step, question_id=question.id, text=""))
    state.part = 0
    b = ReplyBuilder().say(conv.say("different_question"))
    conv.step_prompt(state, b)
    return conv.reply(b, state)


def pause(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.stage = Stage.PAUSED
    return conv.reply(ReplyBuilder().say(conv.say("paused")), state)


def swap_turns(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.turns_swapped = tuple(sorted(set(state.turns_swapped) ^ {state.step}))
    state.order_unknown = tuple(i for i in state.order_unknown if i != state.step)
    return conv.reply(ReplyBuilder().say(conv.voice.swapped_line(state)), state)


def go_first(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.order_unknown = tuple(sorted({*state.order_unknown, state.step}))
    return conv.reply(ReplyBuilder().say(conv.say("go_first_ack")), state)


ACTIONS: dict[str, Action] = {
    "advance": advance,
    "next_turn": next_turn,
    "skip_step": skip_step,
    "pass_touch": pass_touch,
    "back": back,
    "different_question": different_question,
    "pause": pause,
    "swap_turns": swap_turns,
    "go_first": go_first,
}
