"""The turn: what a conversation needs from outside, what a turn returns, and the helpers actions share.

A :class:`Conversation` runs the dialogue table (:mod:`intents.dialogue.table`) for one evening's ritual:
each turn looks up the (phase, command) row and runs the action it names, from the actions it is given
(:mod:`intents.dialogue.interpreter` merges those of :mod:`intents.dialogue.actions`). What is said comes
from ``content/phrases.yaml`` and the content library (:mod:`intents.dialogue.steps`). Every command has an
answer in every phase; none raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..commands import Command
from ..content import ContentLibrary
from ..content.phrases import Phrases
from ..household import CompletedRitual, Preferences, StepRecord
from ..planning import CHECK_IN_EVERY, Planner, TonightPlan
from ..replies import Listening, Reply, ReplyBuilder
from ..window import Floor, Left, MicrophoneWindow
from .state import SessionState, Stage, phase_of
from .steps import BREATH, StepVoice
from .table import DialogueTable, Phase, PhaseSpec

CHECK_IN = "check_in"  # the phrases of the check-in (check_in, check_in_yes, ...)
REFLECTION_PAUSE = 1.5

@dataclass
class Context:
    """What a turn needs from outside the state: content, words, names and plans."""

    content: ContentLibrary
    phrases: Phrases
    planner: Planner
    preferences: Preferences
    make_plan: Callable[[str | None, str | None], TonightPlan]  # (ritual id, mood) -> tonight's plan
    recently_used: Mapping[str, Any]
    nights_before: int  # distinct nights with a completed ritual, tonight included if one is done
    now: datetime
    front: str
    night: date | None = None
    done_tonight: bool = False  # a ritual was already completed tonight
    window: MicrophoneWindow | None = None  # a front whose microphone closes after a few seconds (Alexa)
    check_in: bool = False  # tonight's opening asks how the couple arrives (planning.check_in_due)
    history: Sequence[CompletedRitual] = ()  # the rituals the household completed (what "the usual" is)


@dataclass
class Outcome:
    """A turn's result: the reply, the new state, and what to persist."""

    reply: Reply
    state: SessionState
    completed: CompletedRitual | None = None
    progress: bool = False  # the state is mid-ritual and worth keeping for later tonight
    clear_progress: bool = False


Action = Callable[["Conversation", SessionState, Command, str], Outcome]
"""What a table row runs: the conversation, the state, the command heard and the row's phrase ("" if none)."""


class Conversation:
    """Applies one command to a state. Pure apart from the clock and ids passed in."""

    def __init__(self, ctx: Context, table: DialogueTable, actions: Mapping[str, Action]) -> None:
        self.ctx = ctx
        self.table = table
        self.actions = actions
        self.voice = StepVoice(ctx.content, ctx.phrases, ctx.preferences.names, ctx.nights_before,
                               floors=ctx.window is not None)
        self.helped = False  # this turn's reply is help, which ends with a question
        self.quiet = False  # this turn's reply holds the floor again without a word (talk overheard)
        self.came_back: Left | None = None  # this turn begins a conversation after the last was left midway
        self.overheard = 0  # floors held again in a row for overheard talk, before this turn

    def say(self, key: str, **values: object) -> str:
        if key.startswith(CHECK_IN):  # the n-th check-in and its answers: each check-in in the next words
            return self.ctx.phrases.say_in_turn(key, self.ctx.nights_before // CHECK_IN_EVERY, **values)
        return self.ctx.phrases.say(key, **values)

    # ----- running the table ------------------------------------------------
    def handle(self, state: SessionState, command: Command) -> Outcome:
        """Run the table's row for the state's phase and ``command``."""
        self.helped = self.quiet = False
        self.came_back = state.left if phase_of(state) is Phase.RETURNING else None
        self.overheard, state.overheard = state.overheard, 0  # counted on only while nothing else is heard
        return self.act(state, command)

    def act(self, state: SessionState, command: Command) -> Outcome:
        """Run the row for ``command`` in the state's phase (an action may hand on to another)."""
        rule = self.table.rule(phase_of(state), command.kind)
        if rule is None:  # a question about names, or a welcome back, met with something else: act as usual
            state.pending_names, state.asking_names, state.left, state.switch_to = (), False, None, ""
            rule = self.table.rule(phase_of(state), command.kind)
        assert rule is not None
        return self.actions[rule.action](self, state, command, rule.phrase)

    def open(self, state: SessionState) -> Outcome:
        """The greeting of a new conversation, given tonight's state."""
        state.pending_names, state.asking_names = (), False
        if state.mid_ritual or state.stage is Stage.RESUME_OFFER:
            state.stage = Stage.RESUME_OFFER
            key = self.table.welcome_back[state.left].offer if state.left else "resume_offer"
            text = self.say(key, title=state.plan.title, step=state.step + 1, steps=len(state.plan.steps))
            return self.reply(ReplyBuilder().say(text), state, progress=True)
        if state.stage is Stage.FINISHED:
            return self.reply(ReplyBuilder().say(self.touch_choice("welcome_back_done")), state)
        state.stage = Stage.OFFER
        if (self.ctx.check_in and self.ctx.content.rituals[state.plan.ritual_id].cadence == "nightly"
                and not state.plan.longer and self.ctx.preferences.longer_declined != self.ctx.night):
            state.stage = Stage.CHECK_IN
            return self.reply(ReplyBuilder().say(self.say("check_in")), state)
        return self.reply(ReplyBuilder().say(self.offer_text(state, "welcome")), state)

    def reply(self, b: ReplyBuilder, state: SessionState, end: bool = False, **persist: Any) -> Outcome:
        """Finish a reply: the phase's reprompt and listening, the step's card, what to persist.

        Where the couple talks and the front's microphone closes after a few seconds, the reply holds the
        floor: it says how to go on while it lasts, then keeps the phase's quiet, ended by a soft cue; its
        reprompt names next, more time and the way back.
        """
        phase = phase_of(state)
        spec = self.table.spec(phase)
        floor = None if end else self.floor(spec)
        if floor:
            if not self.quiet:
                b.say(self.reprompt(state, floor.opens))
            b.hold_floor(floor.seconds)
        in_step = state.stage is Stage.STEP
        card = self.voice.card(state) if in_step else ""
        reply = b.build(self.reprompt(state, self.reprompt_key(spec)), card=card, end_session=end,
                        title=state.plan.title if in_step else "Rekindle")
        if not end:
            reply = replace(reply, listening=spec.listening)
        persist.setdefault("progress", state.mid_ritual)
        return Outcome(reply, state, **persist)

    def floor(self, spec: PhaseSpec) -> Floor | None:
        """The floor this turn's reply holds: where the couple talks on a front whose microphone closes, unless
        the reply is help (which ends with a question, so Alexa's window follows it)."""
        if self.ctx.window is None or self.helped:
            return None
        return spec.floor

    def reprompt_key(self, spec: PhaseSpec) -> str:
        """The phrase said when nothing is heard: after a held floor, next, more time and the way back."""
        return spec.floor.ends if self.ctx.window is not None and spec.floor else spec.reprompt

    def close(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        """End the conversation while the couple talks, saying how to come back; tonight's progress says why."""
        b.say(self.reprompt(state, self.table.spec(phase_of(state)).come_back))
        state.left = Left.PAUSED if state.stage is Stage.PAUSED else Left.WAITING
        return self.reply(b, state, end=True, progress=True)

    def step_prompt(self, state: SessionState, b: ReplyBuilder, intro: bool = False) -> None:
        """The step's whole prompt."""
        self.voice.prompt(state, b, intro=intro)

    def reprompt(self, state: SessionState, key: str) -> str:
        """The phrase ``key`` filled with tonight's title and names, worded for this step."""
        names = state.pending_names or (self.voice.pair(state) if state.stage is Stage.STEP else None)
        first, second = (names[0], names[1]) if names and len(names) == 2 else ("", "")
        nth = self.voice.nth(state) if state.stage is Stage.STEP else 0  # each question's come-back its own words
        return self.ctx.phrases.say_nth(key, nth, title=state.plan.title, first=first, second=second)

    # ----- offers ------------------------------------------------------------
    def offer_text(self, state: SessionState, key: str) -> str:
        """An offer phrase filled with tonight's ritual; a longer evening is offered in words of its own, with the
        couple's usual length as the alternative."""
        if state.plan.longer:
            key = "longer_welcome" if key == "welcome" else "longer_offer"
        return self.say(key, title=state.plan.title, minutes=state.plan.minutes, usual=self.ctx.preferences.minutes)

    def touch_choice(self, key: str) -> str:
        """A phrase that offers a touch moment only on a night touch may be offered."""
        night = self.ctx.night
        touch = night is None or self.ctx.preferences.touch_on(night)
        return self.say(f"{key}_touch" if touch else key)

    def replan(self, state: SessionState, said: str) -> Outcome:
        """Preferences changed at an offer: tonight's plan follows them, and the offer is made again."""
        fresh = SessionState.new(self.ctx.make_plan(None, state.mood or None))
        fresh.mood = state.mood
        b = ReplyBuilder().say(said, self.offer_text(fresh, "offer_again"))
        return self.reply(b, fresh)

    def remind(self, state: SessionState, phrase: str) -> Outcome:
        """Say ``phrase`` (if any), then the reprompt that says where the couple is."""
        text = self.say(phrase, title=state.plan.title) if phrase else ""
        return self.reply(ReplyBuilder().say(text, self.where(state)), state)

    # ----- walking through the ritual ---------------------------------------------
    def enter(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        """Speak from the current step onwards, chaining steps that need no answer."""
        while True:
            step = state.current
            if step.kind == "closing":
                return self.complete(state, b)
            if (step.kind == "touch" and self.touch_resting()) or 0 <= state.end_after < state.step:
                state.skipped = tuple(sorted({*state.skipped, state.step}))
            elif step.kind in ("question", "touch", "task"):
                state.touch_asked_again = False
                self.step_prompt(state, b, intro=True)
                return self.reply(b, state)
            else:
                b.say(step.text).pause(step.seconds or REFLECTION_PAUSE,
                                       timer=step.kind == "reflection" and step.seconds > 0)
            state.step, state.part, state.extra_seconds = state.step + 1, 0, 0

    def touch_resting(self) -> bool:
        """Whether touch moments rest tonight (turned off, or "no touch tonight")."""
        night = self.ctx.night
        return night is not None and not self.ctx.preferences.touch_on(night)

    def next_step(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        """This step is done: speak on from the next one."""
        state.step, state.part, state.extra_seconds = state.step + 1, 0, 0
        return self.enter(state, b)

    def replan_if_offer(self, state: SessionState, key: str) -> Outcome:
        """A preference said outside a ritual: at the offer tonight's plan follows it; elsewhere it is noted."""
        if state.stage is Stage.OFFER:
            return self.replan(state, self.say(key))
        return self.remind(state, key)

    def not_again(self, state: SessionState) -> set[str]:
        """Questions not to choose for tonight's steps: those asked or swapped out, and those that echo
        what the ritual itself already says."""
        template = self.ctx.content.rituals.get(state.plan.ritual_id)
        twins = self.ctx.planner.twins_of(template) if template else frozenset()
        return set(state.swapped) | {s.question_id for s in state.plan.steps if s.question_id} | twins

    def where(self, state: SessionState) -> str:
        """After a side request: the reprompt that says where the couple is (a held floor says it itself)."""
        spec = self.table.spec(phase_of(state))
        return "" if self.floor(spec) else self.reprompt(state, self.reprompt_key(spec))

    def set_preferences(self, prefs: Preferences) -> None:
        """Change the household's preferences; the engine stores them after the turn."""
        self.ctx.preferences = prefs
        self.voice = replace(self.voice, names=prefs.names)

    # ----- the close ------------------------------------------------------------------
    def complete(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        """The ritual's close, and the completed ritual to record."""
        state.stage = Stage.FINISHED
        nights = None if self.ctx.done_tonight else self.ctx.nights_before + 1
        b.pause(BREATH)
        self.voice.closing(state, b, nights)
        steps = tuple(StepRecord(s.kind, s.content_id, i in state.skipped) for i, s in enumerate(state.plan.steps))
        completed = CompletedRitual(session_id=state.session_id, ritual_id=state.plan.ritual_id,
                                    night=state.plan.night, completed_at=self.ctx.now, front=self.ctx.front,
                                    steps=steps)
        b_card = self.say("finished_card", title=state.plan.title)
        reply = b.build("", card=b_card, end_session=True, title=state.plan.title)
        return Outcome(reply, state, completed=completed, clear_progress=True)


def leave(state: SessionState, how: Left, table: DialogueTable) -> bool:
    """Note how a conversation that ended without Rekindle closing it was left (the front's microphone
    closed unanswered, or the couple ended it); True when the state is worth keeping for tonight.

    A microphone that closed where the couple talks had said how to come back in its reprompt, so that
    counts as waiting for them; a resume offer left unanswered keeps the reason it was made for.
    """
    if not (state.mid_ritual or state.stage is Stage.RESUME_OFFER):
        return False
    if state.left is None:
        listening = table.spec(phase_of(state)).listening
        if how is Left.TIMED_OUT and listening is Listening.FREE_TALK:
            how = Left.PAUSED if state.stage is Stage.PAUSED else Left.WAITING
        state.left = how
    return True

