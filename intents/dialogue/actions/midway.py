"""Requests during a ritual: finish after this step, tonight's questions lighter or deeper, and a different
ritual asked for mid-way, which is offered (switch to it, carry on, or stop) rather than begun unasked.

Every reply says what happens next; nothing here changes a stored setting.
"""

from __future__ import annotations

from ...commands import Command, CommandKind
from ...replies import ReplyBuilder
from ...wishes import Choice, Shortfall, Wish, choose, usual
from ..state import SessionState, Stage
from ..turn import Action, Conversation, Outcome
from .offers import begin
from .wishes import depth_tonight, evening, offered


def end_after_step(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """The ritual closes once this step is done: nothing after it is asked or offered."""
    state.end_after = state.step
    return conv.remind(state, "last_step_paused" if state.stage is Stage.PAUSED else "last_step")


def wish_midway(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """A request for the night said mid-way: a depth shapes tonight's questions; anything else is a
    different ritual, offered."""
    asked = Wish(command.minutes, command.ritual_kind, command.mood, command.depth)
    if asked.depth and not (asked.minutes or asked.kind or asked.mood):
        return depth_tonight(conv, state, command, asked.depth)
    if not asked:
        return conv.remind(state, "mid_ritual_other")
    wish = state.wish.and_then(asked)
    return propose(conv, state, wish, choose(conv.ctx.content, wish, evening(conv, state), avoid=offered(state)))


def another_midway(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Another ritual, a surprise or the usual one asked for mid-way: offered, with the way to carry on."""
    content, tonight = conv.ctx.content, evening(conv, state)
    if command.kind is CommandKind.USUAL_RITUAL:
        ritual = usual(conv.ctx.history, content)
        if ritual is not None and ritual.id != state.plan.ritual_id:
            return propose(conv, state, Wish(), Choice(ritual))
    surprise = command.kind is CommandKind.SURPRISE
    wish = Wish(mood=state.wish.mood) if surprise else state.wish
    return propose(conv, state, wish, choose(content, wish, tonight, avoid=offered(state), surprise=surprise))


def propose(conv: Conversation, state: SessionState, wish: Wish, choice: Choice) -> Outcome:
    if choice.ritual.id == state.plan.ritual_id:  # nothing else fits: say so, and carry on
        return conv.remind(state, "switch_none")
    state.switch_to, state.wish = choice.ritual.id, wish
    b = ReplyBuilder()
    if choice.shortfall not in (Shortfall.NONE, Shortfall.NO_OTHER):
        b.say(conv.say(f"wish_{choice.shortfall.value}"))
    b.say(conv.say("switch_offer", title=choice.ritual.title, minutes=choice.ritual.minutes))
    return conv.reply(b, state)


def switch_ritual(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Yes to the ritual offered mid-way: it begins; the one left is not kept for later tonight."""
    ritual = conv.ctx.content.rituals.get(state.switch_to)
    if ritual is None:
        return switch_keep(conv, state, command, phrase)
    fresh = SessionState.new(conv.ctx.make_plan(ritual.id, state.wish.mood or None))
    fresh.mood, fresh.wish = state.wish.mood or "", state.wish
    fresh.offered = offered(state)
    return begin(conv, fresh, command, "")


def switch_keep(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """No to the ritual offered mid-way: carry on where the couple was, saying where that is."""
    state.switch_to = ""
    return conv.remind(state, "switch_kept")


ACTIONS: dict[str, Action] = {
    "end_after_step": end_after_step,
    "wish_midway": wish_midway,
    "another_midway": another_midway,
    "switch_ritual": switch_ritual,
    "switch_keep": switch_keep,
}
