"""The guided session: runs the dialogue table (``dialogue.yaml``) for one evening's ritual.

Each turn looks up the (phase, command) row and runs its action. Actions are the small verbs the
table names: those about offers and saying things are here, the rest in :mod:`intents.moves` (moving
through a ritual), :mod:`intents.consent` (touch) and :mod:`intents.settings_by_voice` (depth, names,
length). What is said comes from ``content/phrases.yaml`` and the content library (:mod:`intents.steps`).
Every command has an answer in every phase; none raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from .commands import Command, CommandKind
from .content import ContentLibrary
from .dialogue import DialogueTable, Phase, PhaseSpec, Window, default_dialogue
from .phrases import Phrases, spoken
from .replies import Listening, Reply, ReplyBuilder, Speech
from .selection import CHECK_IN_EVERY, QUESTION_ONLY, TOUCH_ONLY, Planner, TonightPlan
from .session_state import SessionState, Stage, phase_of
from .steps import BREATH, StepVoice
from .store import CompletedRitual, Preferences, StepRecord
from .window import Left, MicrophoneWindow

CHECK_IN = "check_in"  # the phrases of the check-in (check_in, check_in_yes, ...)
REFLECTION_PAUSE = 1.5

__all__ = ["Context", "Conversation", "Outcome", "SessionState", "Stage"]


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
    check_in: bool = False  # tonight's opening asks how the couple arrives (selection.check_in_due)


@dataclass
class Outcome:
    """A turn's result: the reply, the new state, and what to persist."""

    reply: Reply
    state: SessionState
    completed: CompletedRitual | None = None
    progress: bool = False  # the state is mid-ritual and worth keeping for later tonight
    clear_progress: bool = False


Action = Callable[["Conversation", SessionState, Command, str], Outcome]
ACTIONS: dict[str, Action] = {}


def action(name: str) -> Callable[[Action], Action]:
    """Register a method as the action the dialogue table calls ``name``."""
    def register(func: Action) -> Action:
        ACTIONS[name] = func
        return func
    return register


class Conversation:
    """Applies one command to a state. Pure apart from the clock and ids passed in."""

    def __init__(self, ctx: Context, table: DialogueTable | None = None) -> None:
        self.ctx = ctx
        self.table = table or default_dialogue()
        self.voice = StepVoice(ctx.content, ctx.phrases, ctx.preferences.names, ctx.nights_before)
        self.asked = False  # this turn's reply asks a question step's question (see Window.AFTER_PROMPT)
        self.helped = False  # this turn's reply is help, which ends with a question

    def say(self, key: str, **values: object) -> str:
        if key.startswith(CHECK_IN):  # the n-th check-in and its answers: each check-in in the next words
            return self.ctx.phrases.say_in_turn(key, self.ctx.nights_before // CHECK_IN_EVERY, **values)
        return self.ctx.phrases.say(key, **values)

    # ----- the interpreter --------------------------------------------------
    def handle(self, state: SessionState, command: Command) -> Outcome:
        """Run the table's row for the state's phase and ``command``."""
        self.asked = self.helped = False
        return self.act(state, command)

    def act(self, state: SessionState, command: Command) -> Outcome:
        """Run the row for ``command`` in the state's phase (an action may hand on to another)."""
        rule = self.table.rule(phase_of(state), command.kind)
        if rule is None:  # a question about names, or a welcome back, met with something else: act as usual
            state.pending_names, state.asking_names, state.left = (), False, None
            rule = self.table.rule(phase_of(state), command.kind)
        assert rule is not None
        return ACTIONS[rule.action](self, state, command, rule.phrase)

    def open(self, state: SessionState) -> Outcome:
        """The greeting of a new conversation, given tonight's state."""
        state.pending_names, state.asking_names = (), False
        if state.mid_ritual or state.stage is Stage.RESUME_OFFER:
            state.stage = Stage.RESUME_OFFER
            key = self.table.welcome_back[state.left].offer if state.left else "resume_offer"
            text = self.say(key, title=state.plan.title, step=state.step + 1, steps=len(state.plan.steps))
            return self.reply(ReplyBuilder().say(text), state, progress=True)
        if state.stage is Stage.FINISHED:
            return self.reply(ReplyBuilder().say(self._touch_choice("welcome_back_done")), state)
        state.stage = Stage.OFFER
        if self.ctx.check_in and self.ctx.content.rituals[state.plan.ritual_id].cadence == "nightly":
            state.stage = Stage.CHECK_IN
            return self.reply(ReplyBuilder().say(self.say("check_in")), state)
        return self.reply(ReplyBuilder().say(self.offer_text(state, "welcome")), state)

    def reply(self, b: ReplyBuilder, state: SessionState, end: bool = False, **persist: Any) -> Outcome:
        """Finish a reply: the phase's reprompt and listening, the step's card, what to persist.

        Where the couple talks and the front's microphone closes after a few seconds, the conversation
        closes here on purpose, saying how to come back, and tonight's progress remembers why.
        """
        phase = phase_of(state)
        spec = self.table.spec(phase)
        if not end and self.closes(spec):
            come_back = self.reprompt(state, spec.come_back)
            if not b.segments or b.segments[-1] != Speech(spoken(come_back)):
                b.say(come_back)
            state.left = Left.PAUSED if state.stage is Stage.PAUSED else Left.WAITING
            end, persist["progress"] = True, True
        in_step = state.stage is Stage.STEP
        card = self.voice.card(state) if in_step else ""
        reply = b.build(self.reprompt(state, self.reprompt_key(spec)), card=card, end_session=end,
                        title=state.plan.title if in_step else "Rekindle")
        if not end:
            reply = replace(reply, listening=spec.listening)
        persist.setdefault("progress", state.mid_ritual)
        return Outcome(reply, state, **persist)

    def closes(self, spec: PhaseSpec) -> bool:
        """Whether this reply ends the conversation on purpose: the couple talks, and the microphone closes."""
        if self.ctx.window is None or spec.listening is not Listening.FREE_TALK:
            return False
        return not self.helped and not (self.asked and spec.window is Window.AFTER_PROMPT)

    def reprompt_key(self, spec: PhaseSpec) -> str:
        """The phrase said when nothing is heard: on a closing microphone where the couple talks, how to come back."""
        return spec.come_back if self.ctx.window is not None and spec.come_back else spec.reprompt

    def step_prompt(self, state: SessionState, b: ReplyBuilder, intro: bool = False) -> None:
        """The step's whole prompt; a question just asked keeps a closing microphone's few seconds."""
        self.voice.prompt(state, b, intro=intro)
        if state.current.kind == "question" and state.part == 0:
            self.asked = True

    def reprompt(self, state: SessionState, key: str) -> str:
        """The phrase ``key`` filled with tonight's title and names, worded for this step."""
        names = state.pending_names or (self.voice.pair(state) if state.stage is Stage.STEP else None)
        first, second = (names[0], names[1]) if names and len(names) == 2 else ("", "")
        nth = self.voice.nth(state) if state.stage is Stage.STEP else 0  # each question's come-back its own words
        return self.ctx.phrases.say_nth(key, nth, title=state.plan.title, first=first, second=second)

    # ----- offers ------------------------------------------------------------
    def offer_text(self, state: SessionState, key: str) -> str:
        """An offer phrase filled with tonight's ritual."""
        return self.say(key, title=state.plan.title, minutes=state.plan.minutes)

    def _touch_choice(self, key: str) -> str:
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

    @action("offer")
    def _offer(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage = Stage.OFFER
        return self.reply(ReplyBuilder().say(self.offer_text(state, phrase or "offer_again")), state)

    @action("fit_mood")
    def _fit_mood(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        """Tonight's ritual chosen again for how the couple says they arrive; a mood Rekindle cannot place
        answers the check-in with tonight's planned ritual, and elsewhere changes nothing."""
        mood = command.mood
        if mood is None:
            if state.stage is Stage.CHECK_IN:
                return self._offer(state, command, "check_in_other")
            return self.remind(state, command, "mood_unclear")
        try:
            plan = self.ctx.make_plan(None, mood)
        except ValueError:  # no ritual fits this mood with tonight's preferences: keep the one planned
            return self._offer(state, command, "check_in_other")
        fresh = SessionState.new(plan)
        fresh.mood = mood
        return self.reply(ReplyBuilder().say(self.offer_text(fresh, f"mood_{mood}")), fresh)

    @action("begin")
    def _begin(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage, state.step, state.part, state.extra_seconds, state.skipped = Stage.STEP, 0, 0, 0, ()
        return self.enter(state, ReplyBuilder().say(self.say("begin", title=state.plan.title)))

    @action("resume")
    def _resume(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        """Carry on where the couple was, welcomed back for how they left. Coming back to a conversation
        Rekindle closed while they talked means they are ready: it does what ``next`` does there."""
        greeted = state.stage is Stage.RESUME_OFFER  # the offer has welcomed them back already
        left, state.left, state.stage = state.left, None, Stage.STEP
        key = "carry_on" if greeted else self.table.welcome_back[left].welcome if left else "resumed"
        if left is Left.WAITING:
            outcome = self.act(state, Command(CommandKind.NEXT))
            again = self.ctx.phrases.say_nth(key, state.step * 2 + state.part, title=state.plan.title)
            return _prefaced(outcome, "" if greeted else again)  # each return of the night in its own words
        return self.enter(state, ReplyBuilder().say(self.say(key, title=state.plan.title)))

    @action("restart")
    def _restart(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        fresh = SessionState.new(state.plan, Stage.STEP)
        return self.enter(fresh, ReplyBuilder().say(self.say("start_over", title=state.plan.title)))

    @action("mini_question")
    def _mini_question(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self._mini(QUESTION_ONLY, ReplyBuilder())

    @action("mini_touch")
    def _mini_touch(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        if self.ctx.night is not None and not self.ctx.preferences.touch_on(self.ctx.night):
            return self._mini(QUESTION_ONLY, ReplyBuilder().say(self.say("mini_touch_off")))
        return self._mini(TOUCH_ONLY, ReplyBuilder())

    def _mini(self, ritual_id: str, b: ReplyBuilder) -> Outcome:
        return self.enter(SessionState.new(self.ctx.make_plan(ritual_id, None), Stage.STEP), b)

    @action("decline")
    def _decline(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        state.stage = Stage.DECLINED
        return self.reply(ReplyBuilder().say(self._touch_choice("declined")), state, progress=False)

    @action("goodbye")
    def _goodbye(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        mid = state.mid_ritual or state.stage is Stage.RESUME_OFFER
        if mid:
            state.stage, state.left = Stage.PAUSED, Left.STOPPED
        elif state.stage is not Stage.FINISHED:
            state.stage = Stage.OFFER
        b = ReplyBuilder().say(self.say("stopped_midway" if mid else "goodbye"))
        return self.reply(b, state, end=True, progress=mid)

    # ----- saying things ------------------------------------------------------
    @action("prompt")
    def _prompt(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        b = ReplyBuilder().say(self.say(phrase) if phrase else "")
        phase = phase_of(state)
        if state.stage is Stage.STEP and phase not in (Phase.NAMES_ASKED, Phase.NAMES_CHECK):
            self.step_prompt(state, b)
            return self.reply(b, state)
        return self.remind(state, command, "")

    @action("remind")
    def remind(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        spec = self.table.spec(phase_of(state))
        text = self.say(phrase, title=state.plan.title) if phrase else ""
        return self.reply(ReplyBuilder().say(text, self.reprompt(state, self.reprompt_key(spec))), state)

    @action("note")
    def _note(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        return self.reply(ReplyBuilder().say(self.say(phrase, title=state.plan.title)), state)

    @action("unknown")
    def _unknown(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        if self.closes(self.table.spec(phase_of(state))):  # partners talking to each other, overheard
            return self.reply(ReplyBuilder(), state)
        return self.remind(state, command, "unknown")

    @action("help")
    def _help(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        key = self.table.spec(phase_of(state)).help
        self.helped = True  # help ends with a question, so it keeps listening
        return self.reply(ReplyBuilder().say(self.reprompt(state, key)), state)

    @action("time_left")
    def _time_left(self, state: SessionState, command: Command, phrase: str) -> Outcome:
        steps = len(state.plan.steps)
        if state.mid_ritual:
            remaining = steps - state.step
            minutes_left = max(1, round(state.plan.minutes * remaining / steps))
            text = self.say("time_left", step=state.step + 1, steps=steps, title=state.plan.title,
                            minutes_left=minutes_left)
        else:
            text = self.say("time_left_offer", title=state.plan.title, steps=steps, minutes=state.plan.minutes)
        return self.reply(ReplyBuilder().say(text, self.where(state)), state)

    # ----- walking through the ritual ---------------------------------------------
    def enter(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        """Speak from the current step onwards, chaining steps that need no answer."""
        while True:
            step = state.current
            if step.kind == "closing":
                return self.complete(state, b)
            if step.kind == "touch" and self.touch_resting():
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
        return self.remind(state, Command(CommandKind.UNKNOWN), key)

    def not_again(self, state: SessionState) -> set[str]:
        """Questions not to choose for tonight's steps: those asked or swapped out, and those that echo
        what the ritual itself already says."""
        template = self.ctx.content.rituals.get(state.plan.ritual_id)
        twins = self.ctx.planner.twins_of(template) if template else frozenset()
        return set(state.swapped) | {s.question_id for s in state.plan.steps if s.question_id} | twins

    def where(self, state: SessionState) -> str:
        """After a side request: the reprompt that says where the couple is."""
        return self.reprompt(state, self.reprompt_key(self.table.spec(phase_of(state))))

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


def _prefaced(outcome: Outcome, text: str) -> Outcome:
    """The outcome with ``text`` said first."""
    if text:
        first = ReplyBuilder().say(text)
        reply = outcome.reply
        outcome.reply = replace(reply, segments=(*first.segments, *reply.segments),
                                offers=tuple(dict.fromkeys((*first.offers, *reply.offers))))
    return outcome


def leave(state: SessionState, how: Left, table: DialogueTable | None = None) -> bool:
    """Note how a conversation that ended without Rekindle closing it was left (the front's microphone
    closed unanswered, or the couple ended it); True when the state is worth keeping for tonight.

    A microphone that closed where the couple talks had said how to come back in its reprompt, so that
    counts as waiting for them; a resume offer left unanswered keeps the reason it was made for.
    """
    if not (state.mid_ritual or state.stage is Stage.RESUME_OFFER):
        return False
    if state.left is None:
        listening = (table or default_dialogue()).spec(phase_of(state)).listening
        if how is Left.TIMED_OUT and listening is Listening.FREE_TALK:
            how = Left.PAUSED if state.stage is Stage.PAUSED else Left.WAITING
        state.left = how
    return True


# The actions that live in their own modules register themselves when imported.
from . import consent, moves, settings_by_voice  # noqa: E402, F401
