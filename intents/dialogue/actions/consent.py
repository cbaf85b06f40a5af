"""Touch, asked and answered: a touch moment starts only on a clear yes; no, not tonight and touch
off are kept."""

from __future__ import annotations

from dataclasses import replace

from ...commands import Command
from ...household import Preferences
from ...replies import ReplyBuilder
from ..state import SessionState, Stage
from ..turn import Action, Conversation, Outcome

MORE_TIME_SECONDS = 30


def start_touch(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    b = ReplyBuilder()
    conv.voice.touch_moment(state, state.current.seconds, b, first=True)
    state.part, state.touch_asked_again = 1, False
    return conv.reply(b, state)


def ask_touch_again(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.touch_asked_again = True
    return conv.reply(ReplyBuilder().say(conv.say("touch_again")), state)


def more_time(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    state.extra_seconds += MORE_TIME_SECONDS
    b = ReplyBuilder().say(conv.say("more_time_touch"))
    conv.voice.touch_moment(state, MORE_TIME_SECONDS, b, first=False)
    return conv.reply(b, state)


def no_touch_tonight(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    night = conv.ctx.night or state.plan.night
    return touch_rests(conv, state, replace(conv.ctx.preferences, no_touch_night=night), "no_touch_tonight_done")


def touch_off(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    return touch_rests(conv, state, replace(conv.ctx.preferences, touch=False), "touch_off_done")


def touch_rests(conv: Conversation, state: SessionState, prefs: Preferences, key: str) -> Outcome:
    """No more touch moments: every touch step still ahead tonight is left out."""
    conv.set_preferences(prefs)
    if not state.mid_ritual:
        return conv.replan_if_offer(state, key)
    ahead = {i for i, s in enumerate(state.plan.steps) if s.kind == "touch" and (
        i > state.step or (i == state.step and state.part == 0))}
    state.skipped = tuple(sorted(set(state.skipped) | ahead))
    if state.stage is Stage.STEP and state.current.kind == "touch" and state.part == 0:
        return conv.next_step(state, ReplyBuilder().say(conv.say(key)))
    return conv.remind(state, key)


def touch_on(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    conv.set_preferences(replace(conv.ctx.preferences, touch=True, no_touch_night=None))
    if not state.mid_ritual:
        return conv.replan_if_offer(state, "touch_on_done")
    return conv.remind(state, "touch_on_later")


ACTIONS: dict[str, Action] = {
    "start_touch": start_touch,
    "ask_touch_again": ask_touch_again,
    "more_time": more_time,
    "no_touch_tonight": no_touch_tonight,
    "touch_off": touch_off,
    "touch_on": touch_on,
}
