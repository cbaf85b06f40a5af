"""Offers and their answers: tonight's ritual offered, begun, resumed or declined, something smaller instead,
a ritual fitted to how the couple arrives, and goodbye."""

from __future__ import annotations

from dataclasses import replace

from ...commands import Command, CommandKind
from ...planning import QUESTION_ONLY, TOUCH_ONLY
from ...replies import ReplyBuilder
from ...window import Left
from ..state import SessionState, Stage
from ..turn import Action, Conversation, Outcome


def offer(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.stage = Stage.OFFER
    return conv.reply(ReplyBuilder().say(conv.offer_text(state, phrase or "offer_again")), state)


def fit_mood(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Tonight's ritual chosen again for how the couple says they arrive; a mood Rekindle cannot place
    answers the check-in with tonight's planned ritual, and elsewhere changes nothing."""
    mood = command.mood
    if mood is None:
        if state.stage is Stage.CHECK_IN:
            return offer(conv, state, command, "check_in_other")
        return conv.remind(state, "mood_unclear")
    try:
        plan = conv.ctx.make_plan(None, mood)
    except ValueError:  # no ritual fits this mood with tonight's preferences: keep the one planned
        return offer(conv, state, command, "check_in_other")
    fresh = SessionState.new(plan)
    fresh.mood = mood
    return conv.reply(ReplyBuilder().say(conv.offer_text(fresh, f"mood_{mood}")), fresh)


def begin(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.stage, state.step, state.part, state.extra_seconds, state.skipped = Stage.STEP, 0, 0, 0, ()
    return conv.enter(state, ReplyBuilder().say(conv.say("begin", title=state.plan.title)))


def resume(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Carry on where the couple was, welcomed back for how they left. Coming back to a conversation
    Rekindle closed while they talked means they are ready: it does what ``next`` does there."""
    greeted = state.stage is Stage.RESUME_OFFER  # the offer has welcomed them back already
    left, state.left, state.stage = state.left, None, Stage.STEP
    key = "carry_on" if greeted else conv.table.welcome_back[left].welcome if left else "resumed"
    if left is Left.WAITING:
        outcome = conv.act(state, Command(CommandKind.NEXT))
        again = conv.ctx.phrases.say_nth(key, state.step * 2 + state.part, title=state.plan.title)
        return _prefaced(outcome, "" if greeted else again)  # each return of the night in its own words
    return conv.enter(state, ReplyBuilder().say(conv.say(key, title=state.plan.title)))


def restart(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    fresh = SessionState.new(state.plan, Stage.STEP)
    return conv.enter(fresh, ReplyBuilder().say(conv.say("start_over", title=state.plan.title)))


def mini_question(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    return _mini(conv, QUESTION_ONLY, ReplyBuilder())


def mini_touch(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    if conv.ctx.night is not None and not conv.ctx.preferences.touch_on(conv.ctx.night):
        return _mini(conv, QUESTION_ONLY, ReplyBuilder().say(conv.say("mini_touch_off")))
    return _mini(conv, TOUCH_ONLY, ReplyBuilder())


def _mini(conv: Conversation, ritual_id: str, b: ReplyBuilder) -> Outcome:
    return conv.enter(SessionState.new(conv.ctx.make_plan(ritual_id, None), Stage.STEP), b)


def usual_length(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """A longer evening turned down: one of the couple's usual length is offered instead, and the no is kept
    (every device offers the usual length for the rest of the night, and no longer one for a while)."""
    night = conv.ctx.night or state.plan.night
    conv.set_preferences(replace(conv.ctx.preferences, longer_declined=night))
    fresh = SessionState.new(conv.ctx.make_plan(None, None))
    return conv.reply(ReplyBuilder().say(conv.offer_text(fresh, "usual_length")), fresh)


def decline(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.stage = Stage.DECLINED
    return conv.reply(ReplyBuilder().say(conv.touch_choice("declined")), state, progress=False)


def goodbye(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    mid = state.mid_ritual or state.stage is Stage.RESUME_OFFER
    if mid:
        state.stage, state.left = Stage.PAUSED, Left.STOPPED
    elif state.stage is not Stage.FINISHED:
        state.stage = Stage.OFFER
    b = ReplyBuilder().say(conv.say("stopped_midway" if mid else "goodbye"))
    return conv.reply(b, state, end=True, progress=mid)


def _prefaced(outcome: Outcome, text: str) -> Outcome:
    """The outcome with ``text`` said first."""
    if text:
        first = ReplyBuilder().say(text)
        reply = outcome.reply
        outcome.reply = replace(reply, segments=(*first.segments, *reply.segments),
                                offers=tuple(dict.fromkeys((*first.offers, *reply.offers))))
    return outcome


ACTIONS: dict[str, Action] = {
    "offer": offer,
    "fit_mood": fit_mood,
    "begin": begin,
    "resume": resume,
    "restart": restart,
    "mini_question": mini_question,
    "mini_touch": mini_touch,
    "decline": decline,
    "usual_length": usual_length,
    "goodbye": goodbye,
}
