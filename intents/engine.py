"""The shared brain: one call per turn, used by every front end.

    engine = Rekindle(store)
    turn = engine.handle("home", Command.of("open"), state=None)
    speak(turn.reply); state = turn.state   # carry the state to the next turn
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .commands import Command, CommandKind
from .content import ContentLibrary, default_content
from .content.phrases import Phrases, default_phrases
from .dialogue import Context, Outcome, SessionState, Stage, conversation, default_dialogue, leave
from .household import CompletedRitual, Household, HouseholdChange, HouseholdStore, Preferences, Progress
from .planning import QUESTION_ONLY, TOUCH_ONLY, Planner, TonightPlan, check_in_due, night_of
from .replies import Reply
from .window import Left, MicrophoneWindow

log = logging.getLogger("rekindle.engine")


def local_now() -> datetime:
    return datetime.now().astimezone()


@dataclass(frozen=True)
class Tonight:
    """Where tonight stands: the ritual a conversation opened now would offer, resume or close with.

    ``status`` is ``offered`` (not begun), ``paused`` or ``underway`` (left midway; ``step`` is the next one,
    counted from 1), or ``done``.
    """

    plan: TonightPlan
    status: str
    step: int = 0


@dataclass(frozen=True)
class Turn:
    """The reply to speak and the state to carry to the next turn."""

    reply: Reply
    state: dict[str, Any]
    completed: CompletedRitual | None = None


class Rekindle:
    """Runs guided rituals for households, persisting through a :class:`HouseholdStore`."""

    def __init__(
        self,
        store: HouseholdStore,
        content: ContentLibrary | None = None,
        phrases: Phrases | None = None,
        clock: Callable[[], datetime] = local_now,
        front: str = "text",
        ritual: str | None = None,
    ) -> None:
        self.store = store
        self.content = content or default_content()
        self.phrases = phrases or default_phrases()
        self.planner = Planner(self.content)
        self.clock = clock
        self.front = front
        if ritual is not None and ritual not in self.content.rituals:
            known = ", ".join(sorted(self.content.rituals))
            raise ValueError(f"No ritual called {ritual!r}. Known rituals: {known}")
        self.ritual = ritual

    def tonight(self, household: str, night: date | None = None) -> TonightPlan:
        """Tonight's ritual for a household (deterministic for household, night and past history)."""
        night = night or night_of(self.clock())
        return self._plan(household, night, self.store.load(household), None)

    def tonight_status(self, household: str, night: date | None = None) -> Tonight:
        """What a conversation opened now would find: a ritual left midway tonight, the one done tonight, or the
        planned one (``tonight`` is the planner's choice alone)."""
        night = night or night_of(self.clock())
        record = self.store.load(household)
        saved = self._restore(household, night, None, Command(CommandKind.OPEN), record)
        if saved is not None and saved.stage in (Stage.STEP, Stage.PAUSED, Stage.RESUME_OFFER):
            return Tonight(saved.plan, "paused" if saved.stage is Stage.PAUSED else "underway", saved.step + 1)
        plan, done = self._tonights(household, night, record, record.preferences)
        return Tonight(plan, "done" if done else "offered")

    def _tonights(self, household: str, night: date, record: Household,
                  preferences: Preferences) -> tuple[TonightPlan, bool]:
        """Tonight's ritual and whether it was done: the one done tonight, if any (one chosen for a mood is not
        the planned one), else the planned one."""
        done = [r.ritual_id for r in record.rituals if r.night == night and (
            r.ritual_id == self.ritual or (self.ritual is None and r.ritual_id not in (QUESTION_ONLY, TOUCH_ONLY)))]
        plan = self._plan(household, night, record, None, preferences)
        if done and done[-1] != plan.ritual_id:
            plan = self._plan(household, night, record, done[-1], preferences)
        return plan, bool(done)

    def _plan(self, household: str, night: date, record: Household, ritual_id: str | None,
              preferences: Preferences | None = None, mood: str | None = None) -> TonightPlan:
        """Tonight's plan; a mood chooses among the rituals that fit it, even over a ritual asked for by name."""
        prefs = record.preferences if preferences is None else preferences
        return self.planner.plan(household, night, prefs, record.rituals, ritual_id or (None if mood else self.ritual),
                                 mood, nights_before=record.nights_before(night))

    def handle(self, household: str, command: Command, state: Mapping[str, Any] | None = None,
               window: MicrophoneWindow | None = None) -> Turn:
        """Apply one command. ``state`` is what the previous turn returned (None to begin).

        OPEN starts a conversation: it resumes a ritual left midway tonight if
        the store has one. A state from an earlier night, or one that cannot be
        read, is replaced by a fresh offer rather than failing. ``window`` describes
        a front whose microphone closes a few seconds after each reply (Alexa).
        """
        now = self.clock()
        night = night_of(now)
        record = self.store.load(household)  # the turn's one read
        session = self._restore(household, night, state, command, record)
        ctx = Context(
            content=self.content,
            phrases=self.phrases.for_night(night.toordinal()).for_window(window),
            planner=self.planner,
            preferences=record.preferences,
            make_plan=lambda ritual_id, mood: self._plan(household, night, record, ritual_id, ctx.preferences, mood),
            recently_used=self.planner.recently_used(record.rituals, night),
            nights_before=record.tally.nights_together,
            now=now,
            front=self.front,
            night=night,
            done_tonight=any(r.night == night for r in record.rituals),
            window=window,
            check_in=self.ritual is None and check_in_due(night, record.nights_before(night), max(
                (r.night for r in record.rituals if r.night < night), default=None)),
            history=record.rituals,
        )
        if session is None:
            plan, done = self._tonights(household, night, record, ctx.preferences)
            session = SessionState.new(plan, Stage.FINISHED if done else Stage.OFFER)
        talk = conversation(ctx)
        outcome = talk.open(session) if command.kind is CommandKind.OPEN else talk.handle(session, command)
        self._persist(household, night, outcome, record, ctx.preferences)
        log.debug("turn household=%s command=%s stage=%s step=%s", household, command.kind.value,
                  outcome.state.stage.value, outcome.state.step)
        return Turn(outcome.reply, outcome.state.to_dict(), outcome.completed)

    def leave(self, household: str, state: Mapping[str, Any] | None, how: Left) -> None:
        """A conversation ended without a reply of Rekindle's (its microphone closed unanswered, or the
        couple ended it): keep how it was left with tonight's progress, for the welcome back."""
        if not state:
            return
        night = night_of(self.clock())
        record = self.store.load(household)
        session = self._restore(household, night, state, Command(CommandKind.UNKNOWN), record)
        if session is not None and leave(session, how, default_dialogue()):
            self._persist(household, night, Outcome(Reply(()), session, progress=True), record, record.preferences)
            log.debug("left household=%s how=%s", household, session.left.value if session.left else "")

    def _restore(
        self, household: str, night: date, state: Mapping[str, Any] | None, command: Command, record: Household
    ) -> SessionState | None:
        # A new conversation prefers tonight's saved progress; a running one its own state.
        candidates: list[Mapping[str, Any] | None] = [state]
        if command.kind is CommandKind.OPEN or not state:
            saved = record.progress_for(night)
            candidates = [saved, state] if command.kind is CommandKind.OPEN else [state, saved]
        for candidate in candidates:
            if not candidate:
                continue
            try:
                session = SessionState.from_dict(candidate)
            except (KeyError, ValueError, TypeError, AttributeError, OverflowError):
                log.info("ignoring unreadable session state")
                continue
            if session.plan.household != household or session.plan.night != night:
                continue
            if not self._plan_is_known(session.plan):
                continue
            return session
        return None

    def _plan_is_known(self, plan: TonightPlan) -> bool:
        """A state naming content this library no longer has, or not shaped like its ritual, is not resumable."""
        template = self.content.rituals.get(plan.ritual_id)
        if template is None:
            return False
        kinds = [s.kind for s in template.steps]
        if [s.kind for s in plan.steps] not in (kinds, [k for k in kinds if k != "touch"]):  # touch may be off
            return False
        for step in plan.steps:
            if (step.kind == "touch" and not step.touch_id) or (step.kind == "question" and not (
                    step.question_id or step.text)):
                return False
            if step.question_id and step.question_id not in self.content.questions:
                return False
            if step.touch_id and step.touch_id not in self.content.touch_prompts:
                return False
        return True

    def _persist(self, household: str, night: date, outcome: Outcome, record: Household,
                 preferences: Preferences) -> None:
        """The turn's one write (none when nothing changed)."""
        keep = outcome.completed is None and outcome.progress and outcome.state.stage in (
            Stage.STEP, Stage.PAUSED, Stage.RESUME_OFFER)
        change = HouseholdChange(
            preferences=preferences if preferences != record.preferences else None,
            completed=outcome.completed,
            progress=Progress(night, outcome.state.to_dict()) if keep else None,
            clear_progress=outcome.clear_progress and record.progress is not None,
        )
        if change:
            self.store.save(household, change, base=record)
