"""What a couple sets by voice and Rekindle keeps: depth, names (said back first), length."""

from __future__ import annotations

from dataclasses import replace

from ...commands import Command
from ...content import Depth
from ...planning import seeded_random
from ...replies import ReplyBuilder
from ..state import SessionState, Stage
from ..turn import Action, Conversation, Outcome


def keep_light(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    conv.set_preferences(replace(conv.ctx.preferences, depth_ceiling=Depth.LIGHT))
    if not state.mid_ritual:
        return conv.replan_if_offer(state, "keep_light_done")
    swap_now = (state.stage is Stage.STEP and state.current.kind == "question" and state.part == 0
                and question_depth(conv, state, state.step) > Depth.LIGHT)
    repick_questions(conv, state, Depth.LIGHT, include_current=swap_now)
    if swap_now:
        b = ReplyBuilder().say(conv.say("keep_light_swap"))
        conv.step_prompt(state, b)
        return conv.reply(b, state)
    return conv.remind(state, "keep_light_done")


def go_deeper(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    conv.set_preferences(replace(conv.ctx.preferences, depth_ceiling=Depth.DEEPEST))
    if not state.mid_ritual:
        return conv.replan_if_offer(state, "go_deeper_done")
    deeper = Depth(min(Depth.DEEPEST, state.plan.depth + 1))
    repick_questions(conv, state, deeper, include_current=False)
    return conv.remind(state, "go_deeper_done")


def question_depth(conv: Conversation, state: SessionState, index: int) -> Depth:
    question = conv.ctx.content.questions.get(state.plan.steps[index].question_id or "")
    return question.depth if question else Depth.LIGHT


def repick_questions(conv: Conversation, state: SessionState, depth: Depth, include_current: bool) -> None:
    """Choose tonight's remaining library questions again at ``depth``."""
    start = state.step if include_current else state.step + 1
    shown = conv.not_again(state)
    plan = replace(state.plan, depth=depth)
    for index in range(start, len(plan.steps)):
        step = plan.steps[index]
        if step.kind != "question" or not step.question_id:
            continue
        rng = seeded_random(plan.household, plan.night, index, "depth", depth.name)
        question = conv.ctx.planner.pick_question(rng, step.theme, depth, conv.ctx.recently_used, shown,
                                                  conv.ctx.preferences.depth_ceiling)
        shown.add(question.id)
        plan = plan.with_step(index, replace(step, question_id=question.id))
    state.plan = plan


def names_heard(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Names said on purpose are said back before they are kept: a misheard name would otherwise
    greet the couple every night, and names are what speech recognition gets wrong most."""
    names = tuple(n for n in command.names if n)[:2]
    if len(names) == 2 and names[0].lower() != names[1].lower():
        state.pending_names, state.asking_names = names, False
        return conv.reply(ReplyBuilder().say(conv.say("names_check", first=names[0], second=names[1])), state)
    state.pending_names, state.asking_names = (), True
    b = ReplyBuilder().say(conv.say("names_unclear") if names else "", conv.say("names_ask"))
    return conv.reply(b, state)


def names_keep(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    first, second = state.pending_names
    conv.set_preferences(replace(conv.ctx.preferences, names=(first, second)))
    state.pending_names = ()
    b = ReplyBuilder().say(conv.say("names_saved", first=first, second=second), conv.where(state))
    return conv.reply(b, state)


def names_drop(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.pending_names, state.asking_names = (), False
    return conv.reply(ReplyBuilder().say(conv.say("names_dropped"), conv.where(state)), state)


def set_length(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    if command.minutes is None or command.minutes <= 0:
        key = "length_later" if state.mid_ritual else "length_missing"
        return conv.reply(ReplyBuilder().say(conv.say(key), conv.where(state)), state)
    conv.set_preferences(conv.ctx.preferences.with_length(command.minutes))
    saved = conv.say("length_saved", minutes=conv.ctx.preferences.minutes)
    if state.stage in (Stage.OFFER, Stage.DECLINED):
        return conv.replan(state, saved)
    return conv.reply(ReplyBuilder().say(saved, conv.where(state)), state)


ACTIONS: dict[str, Action] = {
    "names_heard": names_heard,
    "names_keep": names_keep,
    "names_drop": names_drop,
    "set_length": set_length,
}
