"""The guided session: a state machine for one evening's ritual.

Every command has an answer in every stage; none raises. The state is a small
JSON-able dict so Alexa session attributes or the laptop loop can carry it,
and the store can keep it to resume later the same evening.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from .commands import Command, CommandKind
from .content import ContentLibrary
from .phrases import Phrases
from .replies import CueKind, Reply, ReplyBuilder
from .selection import QUESTION_ONLY, TOUCH_ONLY, PlannedStep, Planner, TonightPlan, seeded_random
from .store import CompletedRitual, Preferences, StepRecord

STATE_VERSION = 1
MORE_TIME_SECONDS = 30
REFLECTION_PAUSE = 1.5
BREATH = 1.0


class Stage(str, Enum):
    OFFER = "offer"  # tonight's ritual offered, awaiting yes
    RESUME_OFFER = "resume_offer"  # a ritual left midway tonight, offered to continue
    DECLINED = "declined"  # the couple said no to the offer
    STEP = "step"  # inside the ritual
    PAUSED = "paused"
    FINISHED = "finished"  # ritual complete tonight
    ENDED = "ended"  # conversation closed


@dataclass
class SessionState:
    """Where a couple is in tonight's ritual."""

    session_id: str
    stage: Stage
    plan: TonightPlan
    step: int = 0
    part: int = 0
    extra_seconds: int = 0
    skipped: tuple[int, ...] = ()
    swapped: tuple[str, ...] = ()
    pending_names: tuple[str, ...] = ()  # heard, said back, not saved until the couple says yes

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "sid": self.session_id,
            "stage": self.stage.value,
            "plan": self.plan.to_dict(),
            "step": self.step,
            "part": self.part,
            "extra": self.extra_seconds,
            "skipped": list(self.skipped),
            "swapped": list(self.swapped),
            "pending_names": list(self.pending_names),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionState:
        """Rebuild a state; raises ValueError/KeyError/TypeError on anything malformed."""
        if int(data.get("v", 0)) != STATE_VERSION:
            raise ValueError("state version")
        plan = TonightPlan.from_dict(data["plan"])
        step = int(data.get("step", 0))
        if not 0 <= step < len(plan.steps):
            raise ValueError("step out of range")
        return cls(
            session_id=str(data["sid"]),
            stage=Stage(data["stage"]),
            plan=plan,
            step=step,
            part=int(data.get("part", 0)),
            extra_seconds=int(data.get("extra", 0)),
            skipped=tuple(int(i) for i in data.get("skipped", ())),
            swapped=tuple(str(i) for i in data.get("swapped", ())),
            pending_names=_pending_names(data.get("pending_names", ())),
        )

    @classmethod
    def new(cls, plan: TonightPlan, stage: Stage = Stage.OFFER) -> SessionState:
        return cls(session_id=uuid.uuid4().hex, stage=stage, plan=plan)

    @property
    def current(self) -> PlannedStep:
        return self.plan.steps[self.step]


def _pending_names(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) not in (0, 2) or not all(isinstance(n, str) and n for n in raw):
        raise ValueError("pending names")
    return tuple(raw)


@dataclass
class Context:
    """What a turn needs from outside the state: content, words, names and plans."""

    content: ContentLibrary
    phrases: Phrases
    planner: Planner
    preferences: Preferences
    make_plan: Callable[[str | None], TonightPlan]
    recently_used: Mapping[str, Any]
    nights_before: int
    now: datetime
    front: str


@dataclass
class Outcome:
    """A turn's result: the reply, the new state, and what to persist."""

    reply: Reply
    state: SessionState
    completed: CompletedRitual | None = None
    preferences: Preferences | None = None
    progress: bool = False  # the state is mid-ritual and worth keeping for later tonight
    clear_progress: bool = False


class Conversation:
    """Applies one command to a state. Pure apart from the clock and ids passed in."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.p = ctx.phrases

    def say(self, key: str, **values: object) -> str:
        return self.p.say(key, **values)

    # ----- entry point -------------------------------------------------
    def handle(self, state: SessionState, command: Command) -> Outcome:
        outcome = self._handle(state, command)
        if not outcome.reply.free_talk and self._together(outcome.state):
            outcome.reply = replace(outcome.reply, free_talk=True)
        return outcome

    @staticmethod
    def _together(state: SessionState) -> bool:
        """Whether the couple is likely talking to each other rather than to Rekindle: paused (until they
        say resume), or lingering after a touch moment (until next or more time). Like an answer to a
        question, what they murmur then should not act, and Rekindle should not answer every sentence."""
        if state.stage is Stage.PAUSED:
            return True
        return state.stage is Stage.STEP and state.current.kind == "touch" and state.part == 1

    def _handle(self, state: SessionState, command: Command) -> Outcome:
        kind = command.kind
        if state.pending_names:
            answered = self._confirm_names(state, command)
            if answered is not None:
                return answered
        if kind is CommandKind.SET_NAMES:
            return self._set_names(state, command)
        if kind is CommandKind.SET_LENGTH:
            return self._set_length(state, command)
        handler = {
            Stage.OFFER: self._offer,
            Stage.RESUME_OFFER: self._resume_offer,
            Stage.DECLINED: self._declined,
            Stage.STEP: self._in_step,
            Stage.PAUSED: self._paused,
            Stage.FINISHED: self._finished,
            Stage.ENDED: self._finished,
        }[state.stage]
        return handler(state, command)

    # ----- opening -----------------------------------------------------
    def open(self, state: SessionState) -> Outcome:
        """Greeting for a new conversation, given tonight's state."""
        if state.stage in (Stage.STEP, Stage.PAUSED):
            state.stage = Stage.RESUME_OFFER
            b = ReplyBuilder().say(self.say("resume_offer", title=state.plan.title, step=state.step + 1,
                                            steps=len(state.plan.steps)))
            return Outcome(b.build(self.say("offer_reprompt")), state)
        if state.stage is Stage.FINISHED:
            return Outcome(ReplyBuilder().say(self.say("welcome_back_done")).build(self.say("offer_reprompt")),
                           state)
        state.stage = Stage.OFFER
        return Outcome(self._offer_reply(state), state)

    def _offer_reply(self, state: SessionState, prefix: str = "") -> Reply:
        b = ReplyBuilder().say(prefix)
        b.say(self.say("welcome", title=state.plan.title, minutes=state.plan.minutes))
        return b.build(self.say("offer_reprompt"))

    def _offer(self, state: SessionState, command: Command) -> Outcome:
        k = command.kind
        if k in (CommandKind.START, CommandKind.YES, CommandKind.NEXT, CommandKind.RESUME,
                 CommandKind.START_OVER, CommandKind.OPEN):
            if k is CommandKind.OPEN:
                return Outcome(self._offer_reply(state), state)
            return self._begin(state, self.say("begin", title=state.plan.title))
        if k in (CommandKind.QUESTION, CommandKind.DIFFERENT_QUESTION):
            return self._mini(state, "question")
        if k is CommandKind.TOUCH:
            return self._mini(state, "touch")
        if k in (CommandKind.NO, CommandKind.SKIP):
            state.stage = Stage.DECLINED
            return Outcome(ReplyBuilder().say(self.say("declined")).build(self.say("declined_reprompt")), state)
        if k is CommandKind.STOP:
            return self._goodbye(state)
        if k is CommandKind.HOW_MUCH_LEFT:
            text = self.say("time_left_offer", title=state.plan.title, steps=len(state.plan.steps),
                            minutes=state.plan.minutes)
            return Outcome(self._offer_reply(state, text), state)
        if k is CommandKind.MORE_TIME:
            return Outcome(self._offer_reply(state, self.say("more_time_none")), state)
        if k is CommandKind.BACK:
            return Outcome(self._offer_reply(state, self.say("no_earlier_step")), state)
        if k is CommandKind.PAUSE:
            b = ReplyBuilder().say(self.say("offer_paused"))
            return Outcome(b.build(self.say("offer_reprompt")), state)
        if k is CommandKind.HELP:
            return Outcome(ReplyBuilder().say(self.say("help_offer")).build(self.say("offer_reprompt")), state)
        if k is CommandKind.REPEAT:
            return Outcome(self._offer_reply(state), state)
        return Outcome(self._offer_reply(state, self.say("unknown")), state)

    def _resume_offer(self, state: SessionState, command: Command) -> Outcome:
        k = command.kind
        if k in (CommandKind.YES, CommandKind.RESUME, CommandKind.NEXT, CommandKind.START):
            state.stage = Stage.STEP
            return self._enter(state, self.say("resumed", title=state.plan.title))
        if k is CommandKind.START_OVER:
            return self._restart(state)
        if k in (CommandKind.NO, CommandKind.SKIP):
            state.stage = Stage.DECLINED
            return Outcome(ReplyBuilder().say(self.say("declined")).build(self.say("declined_reprompt")), state)
        if k is CommandKind.STOP:
            return self._goodbye(state)
        if k in (CommandKind.QUESTION, CommandKind.DIFFERENT_QUESTION):
            return self._mini(state, "question")
        if k is CommandKind.TOUCH:
            return self._mini(state, "touch")
        # Anything else leaves the resume offer standing, with a word about the request.
        prefix = {
            CommandKind.HELP: self.say("help_paused"),
            CommandKind.UNKNOWN: self.say("unknown"),
            CommandKind.HOW_MUCH_LEFT: self._time_left_text(state),
            CommandKind.MORE_TIME: self.say("more_time_none"),
        }.get(k, "")
        reopened = self.open(replace(state, stage=Stage.PAUSED))
        b = ReplyBuilder().say(prefix, reopened.reply.text)
        return Outcome(b.build(self.say("offer_reprompt")), reopened.state, progress=True)

    def _declined(self, state: SessionState, command: Command) -> Outcome:
        k = command.kind
        if k in (CommandKind.NO, CommandKind.STOP, CommandKind.SKIP):
            return self._goodbye(state)
        if k in (CommandKind.YES, CommandKind.START, CommandKind.NEXT, CommandKind.RESUME,
                 CommandKind.START_OVER, CommandKind.REPEAT, CommandKind.OPEN, CommandKind.BACK):
            state.stage = Stage.OFFER
            if k in (CommandKind.REPEAT, CommandKind.OPEN, CommandKind.BACK):
                return Outcome(self._offer_reply(state), state)
            return self._begin(state, self.say("begin", title=state.plan.title))
        state.stage = Stage.OFFER
        outcome = self._offer(state, command)
        if outcome.state.stage is Stage.OFFER and k is not CommandKind.HOW_MUCH_LEFT:
            outcome.state.stage = Stage.DECLINED
            text = self.say("help_offer") if k is CommandKind.HELP else self.say("declined")
            prefix = self.say("unknown") if k is CommandKind.UNKNOWN else ""
            outcome.reply = ReplyBuilder().say(prefix, text).build(self.say("declined_reprompt"))
        return outcome

    def _mini(self, state: SessionState, which: str) -> Outcome:
        ritual_id = QUESTION_ONLY if which == "question" else TOUCH_ONLY
        if which == "touch" and not self.ctx.preferences.touch:
            ritual_id = QUESTION_ONLY
        fresh = SessionState.new(self.ctx.make_plan(ritual_id), Stage.STEP)
        return self._enter(fresh, "")

    def _begin(self, state: SessionState, intro: str) -> Outcome:
        state.stage = Stage.STEP
        state.step, state.part, state.extra_seconds = 0, 0, 0
        state.skipped = ()
        return self._enter(state, intro)

    def _restart(self, state: SessionState) -> Outcome:
        fresh = SessionState.new(state.plan, Stage.STEP)
        return self._enter(fresh, self.say("start_over", title=state.plan.title))

    def _goodbye(self, state: SessionState) -> Outcome:
        mid = state.stage in (Stage.STEP, Stage.PAUSED, Stage.RESUME_OFFER)
        key = "stopped_midway" if mid else "goodbye"
        if mid:
            state.stage = Stage.PAUSED
        else:
            state.stage = Stage.FINISHED if state.stage is Stage.FINISHED else Stage.ENDED
        reply = ReplyBuilder().say(self.say(key)).build("", end_session=True)
        return Outcome(reply, state, progress=mid)

    # ----- inside the ritual -------------------------------------------
    def _names(self, state: SessionState) -> tuple[str, str] | None:
        names = self.ctx.preferences.names
        if len(names) != 2:
            return None
        first = state.plan.first_speaker % 2
        return names[first], names[1 - first]

    def _step_prompt(self, state: SessionState, b: ReplyBuilder) -> str:
        """Speak the current step's prompt into ``b``; return the reprompt."""
        step = state.current
        if step.kind == "question":
            text = self._question_text(step)
            names = self._names(state)
            if state.part == 0:
                b.say(self.say("question_intro")).pause(BREATH).say(text).pause(BREATH)
                b.say(self.say("question_first_named", first=names[0]) if names
                      else self.say("question_first_anon"))
            else:
                b.say(self.say("question_second_intro_named", first=names[0], second=names[1]) if names
                      else self.say("question_second_intro_anon"))
                b.pause(BREATH).say(text).pause(BREATH).say(self.say("question_second_end"))
            return self.say("question_reprompt")
        if step.kind == "touch":
            touch = self.ctx.content.touch_prompts[step.touch_id or ""]
            if state.part == 0:
                b.say(touch.invite).pause(BREATH).say(self.say("touch_offer"))
                return self.say("touch_offer_reprompt")
            b.say(self.say("touch_after"))
            return self.say("touch_after")
        b.say(step.text)
        return self.say("help_step")

    def _card(self, state: SessionState) -> str:
        """Short text for a screen or the Alexa app: the question, or the touch invitation."""
        step = state.current
        if step.kind == "question":
            return self._question_text(step)
        if step.kind == "touch":
            return self.ctx.content.touch_prompts[step.touch_id or ""].invite
        return step.text

    def _question_text(self, step: PlannedStep) -> str:
        if step.question_id:
            return self.ctx.content.questions[step.question_id].text
        return step.text

    def _enter(self, state: SessionState, intro: str) -> Outcome:
        """Speak from the current step onwards, chaining steps that need no answer."""
        b = ReplyBuilder().say(intro)
        while True:
            step = state.current
            if step.kind in ("question", "touch"):
                reprompt = self._step_prompt(state, b)
                reply = b.build(reprompt, card=self._card(state), title=state.plan.title)
                if step.kind == "question":
                    reply = replace(reply, free_talk=True)
                return Outcome(reply, state, progress=True)
            b.say(step.text)
            if step.kind == "closing":
                return self._complete(state, b)
            b.pause(step.seconds or REFLECTION_PAUSE, timer=step.kind == "reflection" and step.seconds > 0)
            state.step += 1
            state.part = 0

    def _advance(self, state: SessionState, intro: str = "") -> Outcome:
        state.step += 1
        state.part = 0
        state.extra_seconds = 0
        return self._enter(state, intro)

    def _complete(self, state: SessionState, b: ReplyBuilder) -> Outcome:
        state.stage = Stage.FINISHED
        nights = self.ctx.nights_before + 1
        b.pause(BREATH)
        if self.ctx.nights_before == 0:
            b.say(self.say("finished_first"))
        else:
            b.say(self.say("finished_after", nights=nights))
        steps = tuple(
            StepRecord(s.kind, s.content_id, i in state.skipped)
            for i, s in enumerate(state.plan.steps)
        )
        completed = CompletedRitual(
            session_id=state.session_id,
            ritual_id=state.plan.ritual_id,
            night=state.plan.night,
            completed_at=self.ctx.now,
            front=self.ctx.front,
            steps=steps,
        )
        reply = b.build("", card=self.say("finished_card", title=state.plan.title), end_session=True,
                        title=state.plan.title)
        return Outcome(reply, state, completed=completed, clear_progress=True)

    def _start_touch(self, state: SessionState, seconds: int, intro: str = "") -> Outcome:
        touch = self.ctx.content.touch_prompts[state.current.touch_id or ""]
        b = ReplyBuilder().say(intro)
        if state.part == 0:
            b.say(touch.start)
        b.pause(BREATH).cue(CueKind.TOUCH_START).pause(seconds, timer=True).cue(CueKind.TOUCH_END)
        b.say(touch.end).pause(BREATH).say(self.say("touch_after"))
        state.part = 1
        return Outcome(b.build(self.say("touch_after")), state, progress=True)

    def _in_step(self, state: SessionState, command: Command) -> Outcome:
        k, step = command.kind, state.current
        if k in (CommandKind.NEXT, CommandKind.YES):
            if step.kind == "touch" and state.part == 0:
                return self._start_touch(state, step.seconds)
            if step.kind == "question" and state.part == 0:
                state.part = 1
                return self._reprompt(state, "")
            if k is CommandKind.YES and step.kind == "question":
                return self._reprompt(state, self.say("yes_in_question"), speak_prompt=False,
                                      add_reprompt=False)
            return self._advance(state)
        if k is CommandKind.NO:
            if step.kind == "touch" and state.part == 0:
                return self._skip(state)
            return self._reprompt(state, "", speak_prompt=False, fallback=self.say("help_step"))
        if k is CommandKind.SKIP:
            return self._skip(state)
        if k is CommandKind.REPEAT:
            return self._reprompt(state, "")
        if k is CommandKind.BACK:
            return self._back(state)
        if k is CommandKind.PAUSE:
            state.stage = Stage.PAUSED
            reply = ReplyBuilder().say(self.say("paused")).build(self.say("paused_reprompt"))
            return Outcome(reply, state, progress=True)
        if k is CommandKind.RESUME:
            return self._reprompt(state, self.say("not_paused"))
        if k is CommandKind.START_OVER:
            return self._restart(state)
        if k is CommandKind.MORE_TIME:
            if step.kind == "touch" and state.part == 1:
                state.extra_seconds += MORE_TIME_SECONDS
                return self._start_touch(state, MORE_TIME_SECONDS, self.say("more_time_touch"))
            if step.kind == "touch":
                return self._reprompt(state, self.say("more_time_none"), speak_prompt=False,
                                      fallback=self.say("touch_offer_reprompt"))
            return self._reprompt(state, self.say("more_time_talk"), speak_prompt=False,
                                  add_reprompt=False)
        if k is CommandKind.DIFFERENT_QUESTION:
            return self._different_question(state)
        if k is CommandKind.HOW_MUCH_LEFT:
            return self._reprompt(state, self._time_left_text(state), speak_prompt=False)
        if k is CommandKind.HELP:
            key = "help_touch" if step.kind == "touch" else "help_step"
            return self._reprompt(state, self.say(key), speak_prompt=False, add_reprompt=False)
        if k is CommandKind.STOP:
            return self._goodbye(state)
        if k in (CommandKind.START, CommandKind.OPEN):
            return self._reprompt(state, self.say("already_running", title=state.plan.title))
        if k in (CommandKind.QUESTION, CommandKind.TOUCH):
            return self._reprompt(state, self.say("mid_ritual_other", title=state.plan.title),
                                  speak_prompt=False)
        return self._reprompt(state, self.say("unknown"), speak_prompt=False)

    def _reprompt(self, state: SessionState, intro: str, speak_prompt: bool = True,
                  fallback: str = "", add_reprompt: bool = True) -> Outcome:
        """Answer with ``intro`` and then the step's prompt, or a short instruction."""
        b = ReplyBuilder().say(intro)
        if speak_prompt:
            reprompt = self._step_prompt(state, b)
        else:
            reprompt = self._current_reprompt(state)
            if add_reprompt:
                b.say(fallback or reprompt)
        reply = b.build(reprompt, card=self._card(state), title=state.plan.title)
        if state.current.kind == "question":
            reply = replace(reply, free_talk=True)
        return Outcome(reply, state, progress=True)

    def _current_reprompt(self, state: SessionState) -> str:
        step = state.current
        if step.kind == "question":
            return self.say("question_reprompt")
        if step.kind == "touch":
            return self.say("touch_offer_reprompt" if state.part == 0 else "touch_after")
        return self.say("help_step")

    def _skip(self, state: SessionState) -> Outcome:
        key = "touch_skipped" if state.current.kind == "touch" else "step_skipped"
        state.skipped = tuple(sorted(set(state.skipped) | {state.step}))
        return self._advance(state, self.say(key))

    def _back(self, state: SessionState) -> Outcome:
        if state.part > 0:
            state.part = 0
            return self._reprompt(state, self.say("went_back"))
        previous = [i for i in range(state.step) if state.plan.steps[i].kind in ("question", "touch")]
        if not previous:
            return self._reprompt(state, self.say("no_earlier_step"))
        state.step, state.part, state.extra_seconds = previous[-1], 0, 0
        state.skipped = tuple(i for i in state.skipped if i < state.step)
        return self._reprompt(state, self.say("went_back"))

    def _different_question(self, state: SessionState) -> Outcome:
        step = state.current
        if step.kind != "question":
            return self._reprompt(state, self.say("different_not_question"), speak_prompt=False)
        shown = set(state.swapped) | {s.question_id for s in state.plan.steps if s.question_id}
        rng = seeded_random(state.plan.household, state.plan.night, state.step, len(state.swapped))
        question = self.ctx.planner.pick_question(rng, step.theme, state.plan.depth,
                                                  self.ctx.recently_used, shown,
                                                  self.ctx.preferences.depth_ceiling)
        if step.question_id:
            state.swapped = (*state.swapped, step.question_id)
        state.plan = state.plan.with_step(state.step, replace(step, question_id=question.id, text=""))
        state.part = 0
        return self._reprompt(state, self.say("different_question"))

    def _time_left_text(self, state: SessionState) -> str:
        steps = len(state.plan.steps)
        remaining = steps - state.step
        minutes_left = max(1, round(state.plan.minutes * remaining / steps))
        return self.say("time_left", step=state.step + 1, steps=steps, title=state.plan.title,
                        minutes_left=minutes_left)

    # ----- paused, finished ---------------------------------------------
    def _paused(self, state: SessionState, command: Command) -> Outcome:
        k = command.kind
        if k in (CommandKind.RESUME, CommandKind.NEXT, CommandKind.YES, CommandKind.START,
                 CommandKind.OPEN, CommandKind.REPEAT):
            state.stage = Stage.STEP
            return self._reprompt(state, self.say("resumed", title=state.plan.title))
        if k is CommandKind.START_OVER:
            return self._restart(state)
        if k is CommandKind.STOP:
            return self._goodbye(state)
        if k is CommandKind.HOW_MUCH_LEFT:
            b = ReplyBuilder().say(self._time_left_text(state), self.say("paused_reprompt"))
            return Outcome(b.build(self.say("paused_reprompt")), state, progress=True)
        key = "help_paused" if k is CommandKind.HELP else "paused_reprompt"
        reply = ReplyBuilder().say(self.say(key)).build(self.say("paused_reprompt"))
        return Outcome(reply, state, progress=True)

    def _finished(self, state: SessionState, command: Command) -> Outcome:
        k = command.kind
        if k in (CommandKind.START_OVER, CommandKind.START):
            return self._restart(state)
        if k in (CommandKind.QUESTION, CommandKind.DIFFERENT_QUESTION):
            return self._mini(state, "question")
        if k is CommandKind.TOUCH:
            return self._mini(state, "touch")
        if k in (CommandKind.STOP, CommandKind.NO):
            return self._goodbye(state)
        if k is CommandKind.HELP:
            return Outcome(ReplyBuilder().say(self.say("help_offer")).build(self.say("finished_idle")), state)
        prefix = self.say("unknown") if k is CommandKind.UNKNOWN else ""
        reply = ReplyBuilder().say(prefix, self.say("finished_idle")).build(self.say("finished_idle"))
        return Outcome(reply, state)

    # ----- preferences ---------------------------------------------------
    def _set_names(self, state: SessionState, command: Command) -> Outcome:
        if state.stage is Stage.STEP and state.current.kind == "question":
            # The couple is answering each other: "we are tired and hopeful" is an answer, not two names,
            # and nothing said now is kept.
            return self._reprompt(state, self.say("names_not_now"), speak_prompt=False, add_reprompt=False)
        names = tuple(n for n in command.names if n)[:2]
        prompt, progress = self._where_we_are(state)
        if len(names) < 2 or names[0].lower() == names[1].lower():
            b = ReplyBuilder().say(self.say("names_missing"), prompt)
            return Outcome(b.build(prompt), state, progress=progress)
        # Names are said back before they are kept: a misheard name would otherwise greet the couple
        # every night, and names are what speech recognition gets wrong most.
        state.pending_names = names
        b = ReplyBuilder().say(self.say("names_check", first=names[0], second=names[1]))
        return Outcome(b.build(self.say("names_check_reprompt", first=names[0], second=names[1])), state,
                       progress=progress)

    def _confirm_names(self, state: SessionState, command: Command) -> Outcome | None:
        """The answer to "did I hear your names right?": yes keeps them, no drops them; any other
        command drops them too and acts as usual (returns None)."""
        names = state.pending_names
        state.pending_names = ()
        if command.kind not in (CommandKind.YES, CommandKind.NO):
            return None
        prompt, progress = self._where_we_are(state)
        if command.kind is CommandKind.NO:
            return Outcome(ReplyBuilder().say(self.say("names_dropped"), prompt).build(prompt), state,
                           progress=progress)
        prefs = replace(self.ctx.preferences, names=names)
        self.ctx.preferences = prefs
        b = ReplyBuilder().say(self.say("names_saved", first=names[0], second=names[1]), prompt)
        return Outcome(b.build(prompt), state, preferences=prefs, progress=progress)

    def _set_length(self, state: SessionState, command: Command) -> Outcome:
        if command.minutes is None or command.minutes <= 0:
            prompt, progress = self._where_we_are(state)
            b = ReplyBuilder().say(self.say("length_missing"), prompt)
            return Outcome(b.build(prompt), state, progress=progress)
        prefs = self.ctx.preferences.with_length(command.minutes)
        self.ctx.preferences = prefs
        saved = self.say("length_saved", minutes=prefs.minutes)
        if state.stage in (Stage.OFFER, Stage.DECLINED, Stage.ENDED):
            state = SessionState.new(self.ctx.make_plan(None))
            return Outcome(self._offer_reply(state, saved), state, preferences=prefs)
        prompt, progress = self._where_we_are(state)
        b = ReplyBuilder().say(saved, prompt)
        return Outcome(b.build(prompt), state, preferences=prefs, progress=progress)

    def _where_we_are(self, state: SessionState) -> tuple[str, bool]:
        """After a side request: the prompt that says where the couple is, and whether that is mid-ritual."""
        if state.stage is Stage.STEP:
            return self._current_reprompt(state), True
        if state.stage is Stage.PAUSED:
            return self.say("paused_reprompt"), True
        if state.stage is Stage.FINISHED:
            return self.say("finished_idle"), False
        if state.stage is Stage.DECLINED:
            return self.say("declined_reprompt"), False
        return self.say("offer_reprompt"), state.stage is Stage.RESUME_OFFER
