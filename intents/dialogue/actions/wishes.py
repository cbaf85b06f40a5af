"""Requests for the night: a length, a kind, a mood or a depth asked for, another ritual, a surprise, the usual.

Each is for tonight only (the state carries it, as ids): the ritual that fits is offered in one sentence that
says what was asked ("Something short tonight, then: ..."), and consent stays literal, since an offer begins
nothing until the couple says yes. What cannot be met is said honestly, with the nearest fit. Only lasting
words change a stored setting (:func:`set_depth`; the length's is ``settings.set_length``).
"""

from __future__ import annotations

from dataclasses import replace

from ...commands import Command
from ...content import Depth
from ...replies import ReplyBuilder
from ...wishes import Choice, Evening, Shortfall, Wish, choose, usual
from ..state import MAX_OFFERED, SessionState, Stage
from ..turn import Action, Conversation, Outcome
from .settings import go_deeper, keep_light, question_depth, repick_questions

SHORT_UP_TO = 7  # minutes: a wish this long or shorter is said back as "something short"
LONG_FROM = 15


def fit_wish(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Tonight's ritual chosen again for what the couple asked, on top of what they asked before tonight."""
    asked = Wish(command.minutes, command.ritual_kind, command.mood, command.depth)
    if not asked:
        return conv.remind(state, "wish_unclear")
    wish = state.wish.and_then(asked)
    return offer_choice(conv, state, wish, choose(conv.ctx.content, wish, evening(conv, state)), asked)


def another_ritual(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """A different ritual from those offered tonight, still fitting what was asked tonight."""
    wish = state.wish
    choice = choose(conv.ctx.content, wish, evening(conv, state), avoid=offered(state))
    if choice.shortfall is Shortfall.NO_OTHER and wish.kind:  # the only one of its kind: another kind
        wider = replace(wish, kind=None)
        other = choose(conv.ctx.content, wider, evening(conv, state), avoid=offered(state))
        if other.shortfall is Shortfall.NONE:
            return offer_choice(conv, state, wider, other, None, "wish_another_kind")
    return offer_choice(conv, state, wish, choice, None,
                        "wish_same" if choice.shortfall is Shortfall.NO_OTHER else "wish_another")


def surprise_us(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Rekindle chooses any kind, not one offered tonight; a length or a mood said tonight still counts (a tired
    couple who asked for something short and then "surprise us" want a short surprise)."""
    wish = Wish(state.wish.minutes, mood=state.wish.mood)
    choice = choose(conv.ctx.content, wish, evening(conv, state), avoid=offered(state), surprise=True)
    return offer_choice(conv, state, wish, choice, None, "wish_surprise")


def usual_ritual(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """The ritual the couple has done most lately; without one yet, the nearest thing and why."""
    ritual = usual(conv.ctx.history, conv.ctx.content)
    if ritual is None:
        choice = choose(conv.ctx.content, state.wish, evening(conv, state))
        return offer_choice(conv, state, state.wish, Choice(choice.ritual, Shortfall.NO_USUAL), None, "wish_same")
    return offer_choice(conv, state, Wish(), Choice(ritual), None, "wish_usual")


def light_tonight(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """"Keep it light", "an easier one": tonight's questions, not the stored setting."""
    return depth_tonight(conv, state, command, "light")


def deeper_tonight(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """"Go deeper", "a harder question": tonight's questions, not the stored setting."""
    return depth_tonight(conv, state, command, "deeper")


def depth_tonight(conv: Conversation, state: SessionState, command: Command, depth: str) -> Outcome:
    """Outside a ritual, tonight's ritual chosen again at that depth; inside one, the questions still to come
    (and the one being asked, before anyone has answered it) chosen again."""
    if not state.mid_ritual:
        return fit_wish(conv, state, Command(command.kind, depth=depth), "")
    state.wish = state.wish.and_then(Wish(depth=depth))
    now = state.current.kind == "question" and state.part == 0 and bool(state.current.question_id)
    target = Depth.LIGHT if depth == "light" else Depth(min(Depth.DEEPEST, max(state.plan.depth, Depth.DEEPER)))
    if now and depth == "deeper":
        target = Depth(min(Depth.DEEPEST, question_depth(conv, state, state.step) + 1))
    repick_questions(conv, state, target, include_current=now)
    if now and state.stage is Stage.STEP:
        b = ReplyBuilder().say(conv.say("keep_light_swap" if depth == "light" else "go_deeper_swap"))
        conv.step_prompt(state, b)
        return conv.reply(b, state)
    # The ritual's own question (rituals.yaml, prompt) is its heart and has no lighter twin: said so, not promised.
    own = state.current.kind == "question" and state.part == 0 and not state.current.question_id
    if depth == "light":
        return conv.remind(state, "keep_light_own" if own else "keep_light_tonight")
    return conv.remind(state, "go_deeper_tonight")


def set_depth(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Lasting words about depth ("from now on keep it light"): the stored setting, said to last."""
    if command.depth == "deeper":
        return go_deeper(conv, state, command, phrase)
    return keep_light(conv, state, command, phrase)


def evening(conv: Conversation, state: SessionState) -> Evening:
    night = conv.ctx.night or state.plan.night
    prefs = conv.ctx.preferences
    return Evening(state.plan.household, night, prefs.touch_on(night), prefs.minutes, conv.ctx.history)


def offered(state: SessionState) -> tuple[str, ...]:
    """The rituals offered tonight, the one on offer now included."""
    return tuple(dict.fromkeys((*state.offered, state.plan.ritual_id)))[-MAX_OFFERED:]


def offer_choice(conv: Conversation, state: SessionState, wish: Wish, choice: Choice, asked: Wish | None,
                 key: str = "wish_offer") -> Outcome:
    """Offer ``choice`` for tonight, saying what was asked and what could not be met."""
    fresh = SessionState.new(conv.ctx.make_plan(choice.ritual.id, wish.mood))
    fresh.mood, fresh.wish, fresh.offered = wish.mood or "", wish, offered(state)
    if wish.depth == "light":
        repick_questions(conv, fresh, Depth.LIGHT, include_current=True)
    elif wish.depth == "deeper":
        repick_questions(conv, fresh, max(fresh.plan.depth, Depth.DEEPER), include_current=True)
    b = ReplyBuilder()
    words = asked_words(conv, asked) if asked is not None else ""
    if asked is not None and asked.mood and words:
        b.say(conv.say(f"heard_{asked.mood}"))
    if choice.shortfall is not Shortfall.NONE:
        b.say(conv.say(f"wish_{choice.shortfall.value}"))
    values = {"title": fresh.plan.title, "minutes": fresh.plan.minutes}
    if words:
        b.say(conv.say("wish_offer", asked=words, **values))
    else:  # a mood alone is answered in that mood's words; another ritual, a surprise, the usual in their own
        b.say(conv.say(f"mood_{asked.mood}" if asked is not None and asked.mood else key, **values))
    return conv.reply(b, fresh, progress=False, clear_progress=state.stage is Stage.RESUME_OFFER)


def asked_words(conv: Conversation, wish: Wish) -> str:
    """What was asked, said back in a few words ("Something playful and short"); "" for a mood alone."""
    kind = conv.ctx.content.kinds.get(wish.kind or "")
    parts: list[str] = [kind.said] if kind else []
    if wish.minutes is not None and SHORT_UP_TO < wish.minutes < LONG_FROM:  # "10 minutes", "Just talk for 10 minutes"
        parts = [f"{parts.pop()} for {wish.minutes} minutes" if parts else f"{wish.minutes} minutes"]
    elif wish.minutes is not None:
        length = "short" if wish.minutes <= SHORT_UP_TO else "longer"
        parts.append(length if parts else f"something {length}")
    if wish.depth:
        parts.append(wish.depth if parts else f"something {wish.depth}")
    if not parts:
        return ""
    said = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return said[0].upper() + said[1:]


ACTIONS: dict[str, Action] = {
    "fit_wish": fit_wish,
    "another_ritual": another_ritual,
    "surprise_us": surprise_us,
    "usual_ritual": usual_ritual,
    "set_depth": set_depth,
    "light_tonight": light_tonight,
    "deeper_tonight": deeper_tonight,
}
