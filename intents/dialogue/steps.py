"""What a ritual step says: its prompt, a touch moment with its timer, and the close of a ritual.

The conversation decides *when* a step speaks (:mod:`intents.dialogue.turn`); this module decides *what* it
says, from the content library and Rekindle's phrases.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content import ContentLibrary, Depth, TouchPrompt
from ..content.phrases import Phrases
from ..planning import PlannedStep
from ..replies import CueKind, ReplyBuilder
from .state import SessionState

BREATH = 1.0
LANDING_PAUSE = 4.0
MILESTONES = frozenset({1, 7, 14, 30, 50, 100, 150, 200, 250, 300, 365, 500, 730, 1000})
TEACH_SWAP_NIGHTS = 3  # "say swap" is taught on the first question of a couple's first three nights
TEACH_NEXT_NIGHTS = 7  # "say next" is taught on every question and task for a week, then on the night's first
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass(frozen=True)
class StepVoice:
    """Speaks steps for one conversation: content, phrases and the couple's names."""

    content: ContentLibrary
    phrases: Phrases
    names: tuple[str, ...]
    nights_before: int = 0  # nights together before tonight: teaching fades once a couple knows the way
    floors: bool = False  # the front holds a floor where the couple talks, whose opening line says how to go on

    def say(self, key: str, **values: object) -> str:
        return self.phrases.say(key, **values)

    def said(self, state: SessionState, key: str, **values: object) -> str:
        """A step's phrase, worded differently for each step of its kind tonight (the second touch moment's
        invitation is not the first one's), and the same again when the step is repeated."""
        return self.phrases.say_nth(key, self.nth(state), **values)

    @staticmethod
    def nth(state: SessionState) -> int:
        """How many steps of the current step's kind come before it tonight."""
        kind = state.current.kind
        return sum(1 for s in state.plan.steps[:state.step] if s.kind == kind)

    def _teaches_next(self, state: SessionState) -> bool:
        if self.floors:  # the floor's opening line teaches it, every time
            return False
        return self.nights_before < TEACH_NEXT_NIGHTS or self.nth(state) == 0

    # ----- names and turns ------------------------------------------------
    def pair(self, state: SessionState) -> tuple[str, str] | None:
        """The names of who answers first and second on the current question, if known."""
        if len(self.names) != 2 or state.step in state.order_unknown:
            return None
        first = state.first_speaker()
        return self.names[first], self.names[1 - first]

    # ----- prompts ----------------------------------------------------------
    def prompt(self, state: SessionState, b: ReplyBuilder, intro: bool = False) -> None:
        """Speak the current step's whole prompt into ``b``; ``intro`` when the step is new ("Next question")."""
        step = state.current
        if step.kind == "question":
            if state.part == 0:
                self._question_first(state, b, intro)
            else:
                b.say(self._second_turn(state))
        elif step.kind == "touch":
            if state.part > 0:
                b.say(self.said(state, "touch_after"))
            elif state.touch_asked_again:
                b.say(self.say("touch_again"))
            else:
                b.say(self.touch(step).invite).pause(BREATH).say(self.said(state, "touch_offer"))
        else:
            if intro and (state.step == 0 or state.plan.steps[state.step - 1].kind != "task"):
                b.say(self.said(state, "task_intro")).pause(BREATH)
            b.say(step.text).pause(BREATH).say(self.said(state, "task_teach") if self._teaches_next(state) else "")

    def _question_first(self, state: SessionState, b: ReplyBuilder, intro: bool) -> None:
        number = state.question_number()
        if intro:
            key = "question_intro_first" if number == 0 else "question_intro_next"
            b.say(self.said(state, "question_intro_single" if state.plan.ritual_id.startswith("just-") else key))
            b.pause(BREATH)
        b.say(self.question_text(state.current)).pause(BREATH)
        b.say(self.turn_line(state), self.said(state, "teach_next") if self._teaches_next(state) else "")
        if number == 0 and self.pair(state) and self.nights_before < TEACH_SWAP_NIGHTS:
            b.say(self.say("teach_swap"))

    def turn_line(self, state: SessionState) -> str:
        return self._named(state, "question_first_named", "question_first_anon")

    def swapped_line(self, state: SessionState) -> str:
        return self._named(state, "swapped_named", "swapped_anon")

    def _second_turn(self, state: SessionState) -> str:
        return self._named(state, "question_second_named", "question_second_anon")

    def _named(self, state: SessionState, named: str, anon: str) -> str:
        """The phrase with the partners' names in this question's order, or without names if not known."""
        pair = self.pair(state)
        return self.said(state, named, first=pair[0], second=pair[1]) if pair else self.said(state, anon)

    def question_text(self, step: PlannedStep) -> str:
        if step.question_id:
            return self.content.questions[step.question_id].text
        return step.text

    def card(self, state: SessionState) -> str:
        """Short text for a screen or the Alexa app: the question, task or touch invitation."""
        step = state.current
        if step.kind == "question":
            return self.question_text(step)
        if step.kind == "touch":
            return self.touch(step).invite
        return step.text

    def touch(self, step: PlannedStep) -> TouchPrompt:
        return self.content.touch_prompts[step.touch_id or ""]

    # ----- a touch moment ----------------------------------------------------
    def touch_moment(self, state: SessionState, seconds: int, b: ReplyBuilder, first: bool) -> None:
        """The timed moment: how long, a chime, the silence (a swap cue halfway if the prompt has one), a
        chime, the prompt's ending, and the invitation to linger."""
        touch = self.touch(state.current)
        if first:
            b.say(touch.start, self.said(state, "touch_length", length=self.duration(seconds)))
        b.pause(BREATH).cue(CueKind.TOUCH_START)
        halfway = touch.halfway if first else ""
        if halfway:
            b.pause(seconds / 2, timer=True).say(halfway).pause(seconds / 2, timer=True)
        else:
            b.pause(seconds, timer=True)
        b.cue(CueKind.TOUCH_END).say(touch.end).pause(BREATH).say(self.said(state, "touch_after"))

    def duration(self, seconds: int) -> str:
        """A touch moment's length in words ("half a minute", "two minutes")."""
        if seconds < 45:
            return self.say("duration_half_minute")
        if seconds < 75:
            return self.say("duration_minute")
        if seconds < 105:
            return self.say("duration_minute_and_half")
        minutes = round(seconds / 60)
        return self.say("duration_minutes", count=NUMBER_WORDS[minutes] if minutes < len(NUMBER_WORDS) else minutes)

    # ----- the close -----------------------------------------------------------
    def closing(self, state: SessionState, b: ReplyBuilder, nights: int | None) -> None:
        """Land a heavy last question, mark a milestone, then the ritual's own closing words, said last.

        ``nights``: the nights shared with Rekindle counting tonight, when tonight is a new one.
        """
        if self._ends_heavy(state):
            b.say(self.say("landing")).pause(LANDING_PAUSE)
        if nights == 1:
            b.say(self.say("milestone_first"))
        elif nights in MILESTONES:
            b.say(self.say("milestone", nights=nights))
        b.say(state.current.text)

    def _ends_heavy(self, state: SessionState) -> bool:
        """Whether the step before the closing is a question that asked a lot (deepest, or repair)."""
        before = state.plan.steps[state.step - 1] if state.step > 0 else None
        if before is None or before.kind != "question" or state.step - 1 in state.skipped:
            return False
        question = self.content.questions.get(before.question_id or "")
        return question is not None and (question.depth is Depth.DEEPEST or question.theme == "repair")
