"""Saying things again or on request: the prompt, a reminder of where the couple is, help, how much is left,
and what Rekindle did not catch."""

from __future__ import annotations

from ...commands import Command
from ...replies import ReplyBuilder
from ...window import OVERHEARD_FLOORS
from ..state import SessionState, Stage, phase_of
from ..table import Phase
from ..turn import Action, Conversation, Outcome


def prompt(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    b = ReplyBuilder().say(conv.say(phrase) if phrase else "")
    if state.stage is Stage.STEP and phase_of(state) not in (Phase.NAMES_ASKED, Phase.NAMES_CHECK):
        if phase_of(state) is Phase.QUESTION_SECOND:  # the question itself again, then whose turn it is
            b.say(conv.voice.question_text(state.current))
        conv.step_prompt(state, b)
        return conv.reply(b, state)
    return conv.remind(state, "")


def remind(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    return conv.remind(state, phrase)


def note(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    return conv.reply(ReplyBuilder().say(conv.say(phrase, title=state.plan.title)), state)


def unknown(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    """Words that are no command. Where a floor is held, they are partners still talking when Alexa's window
    opened: the floor is held again without a word (a few times, then the session ends with the way back).
    Beginning a conversation after the last was left midway, they are welcomed back where the couple was
    (the step said again, or still paused), and nothing moves on."""
    if conv.came_back is not None:
        b = ReplyBuilder().say(conv.say(conv.table.welcome_back[conv.came_back].welcome, title=state.plan.title))
        if state.stage is Stage.STEP:
            conv.step_prompt(state, b)
        return conv.reply(b, state)
    if conv.floor(conv.table.spec(phase_of(state))):
        if conv.overheard >= OVERHEARD_FLOORS:
            return conv.close(state, ReplyBuilder())
        state.overheard = conv.overheard + 1
        conv.quiet = True
        return conv.reply(ReplyBuilder(), state)
    return conv.remind(state, "unknown")


def give_help(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    key = conv.table.spec(phase_of(state)).help
    conv.helped = True  # help ends with a question, so it keeps listening
    return conv.reply(ReplyBuilder().say(conv.reprompt(state, key)), state)


def time_left(conv: Conversation, state: SessionState, command: Command, phrase: str) -> Outcome:
    steps = len(state.plan.steps)
    if state.mid_ritual:
        remaining = steps - state.step
        minutes_left = max(1, round(state.plan.minutes * remaining / steps))
        text = conv.say("time_left", step=state.step + 1, steps=steps, title=state.plan.title,
                        minutes_left=minutes_left)
    else:
        text = conv.say("time_left_offer", title=state.plan.title, steps=steps, minutes=state.plan.minutes)
    return conv.reply(ReplyBuilder().say(text, conv.where(state)), state)


ACTIONS: dict[str, Action] = {
    "prompt": prompt,
    "remind": remind,
    "note": note,
    "unknown": unknown,
    "help": give_help,
    "time_left": time_left,
}
