"""Where a couple is in tonight's ritual: a small JSON-able state, and the dialogue phase it is in.

Alexa session attributes and the laptop loop carry the state between turns, and the store keeps it
to resume later the same evening. A state written by an older Rekindle is read where it can be.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..content import MOODS
from ..planning import PlannedStep, TonightPlan
from ..window import OVERHEARD_FLOORS, Left
from ..wishes import Wish
from .table import Phase

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_SESSION_ID = 64  # ours are 32 hex digits; a longer one comes from a damaged or forged state
MAX_OFFERED = 40  # rituals offered in one night; more comes from a damaged or forged state


class Stage(str, Enum):
    OFFER = "offer"  # tonight's ritual offered, awaiting yes
    CHECK_IN = "check_in"  # asked how the couple arrives tonight, before choosing the ritual
    RESUME_OFFER = "resume_offer"  # a ritual left midway tonight, offered to continue
    DECLINED = "declined"  # the couple said no to the offer
    STEP = "step"  # inside the ritual
    PAUSED = "paused"
    FINISHED = "finished"  # ritual complete tonight


OLD_STAGES = {"ended": Stage.OFFER}  # version 1 had a stage for a conversation closed before beginning


@dataclass
class SessionState:
    """Where a couple is in tonight's ritual.

    ``part`` is 0 or 1 within a step: the second partner's answer, or lingering after a touch moment.
    ``turns_swapped`` lists question steps where the couple swapped who begins; ``order_unknown`` those
    where one of them said "I'll go first" (Rekindle cannot tell who, so it stops naming them there).
    ``left`` says how the last conversation was left midway, kept with tonight's progress until the couple
    comes back (:class:`~intents.window.Left`). ``overheard`` counts floors held again in a row for talk that
    reached Alexa's window (:data:`~intents.window.OVERHEARD_FLOORS`). ``wish`` is what the couple asked of
    tonight (ids, never their words; it holds for tonight only) and ``offered`` the rituals offered tonight
    before this one, so that "another one" is another.
    """

    session_id: str
    stage: Stage
    plan: TonightPlan
    step: int = 0
    part: int = 0
    extra_seconds: int = 0
    skipped: tuple[int, ...] = ()
    swapped: tuple[str, ...] = ()  # question ids replaced by "different question"
    pending_names: tuple[str, ...] = ()  # heard, said back, not saved until the couple says yes
    asking_names: bool = False
    touch_asked_again: bool = False
    turns_swapped: tuple[int, ...] = ()
    order_unknown: tuple[int, ...] = ()
    left: Left | None = None
    mood: str = ""  # how the couple said they arrive tonight: the plan fits it, and keeps fitting it
    overheard: int = 0
    wish: Wish = field(default_factory=Wish)
    offered: tuple[str, ...] = ()
    switch_to: str = ""  # a ritual offered instead of this one, mid-way: yes switches, no carries on
    end_after: int = -1  # the couple asked to finish after this step: steps after it are left out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
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
        optional = {"asking_names": self.asking_names, "asked_again": self.touch_asked_again,
                    "turns_swapped": list(self.turns_swapped), "order_unknown": list(self.order_unknown),
                    "left": self.left.value if self.left else None, "mood": self.mood,
                    "overheard": self.overheard, "wish": self.wish.to_dict(), "offered": list(self.offered),
                    "switch_to": self.switch_to, "end_after": self.end_after + 1}
        out.update({k: v for k, v in optional.items() if v})
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionState:
        """Rebuild a state; raises ValueError/KeyError/TypeError on anything malformed."""
        if int(data.get("v", 0)) not in READABLE_VERSIONS:
            raise ValueError("state version")
        plan = TonightPlan.from_dict(data["plan"])
        step = int(data.get("step", 0))
        if not 0 <= step < len(plan.steps):
            raise ValueError("step out of range")
        raw_stage = str(data["stage"])
        session_id = str(data["sid"])
        if not 0 < len(session_id) <= MAX_SESSION_ID:
            raise ValueError("session id length")
        return cls(
            session_id=session_id,
            stage=OLD_STAGES.get(raw_stage) or Stage(raw_stage),
            plan=plan,
            step=step,
            part=_part(data.get("part", 0)),
            extra_seconds=int(data.get("extra", 0)),
            skipped=_indexes(data.get("skipped", ()), len(plan.steps)),
            swapped=tuple(str(i) for i in data.get("swapped", ())),
            pending_names=_pending_names(data.get("pending_names", [])),
            asking_names=data.get("asking_names", False) is True,
            touch_asked_again=data.get("asked_again", False) is True,
            turns_swapped=_indexes(data.get("turns_swapped", ()), len(plan.steps)),
            order_unknown=_indexes(data.get("order_unknown", ()), len(plan.steps)),
            left=Left(data["left"]) if data.get("left") else None,
            mood=_mood(data.get("mood", "")),
            overheard=_overheard(data.get("overheard", 0)),
            wish=Wish.from_dict(data.get("wish") if isinstance(data.get("wish"), Mapping) else None),
            offered=_offered(data.get("offered", ())),
            switch_to=_ritual_id(data.get("switch_to", "")),
            end_after=_indexes([data["end_after"] - 1], len(plan.steps))[0] if data.get("end_after") else -1,
        )

    @classmethod
    def new(cls, plan: TonightPlan, stage: Stage = Stage.OFFER) -> SessionState:
        return cls(session_id=uuid.uuid4().hex, stage=stage, plan=plan)

    @property
    def current(self) -> PlannedStep:
        return self.plan.steps[self.step]

    @property
    def mid_ritual(self) -> bool:
        """Inside a ritual (a step or paused in one), where progress is worth keeping for later tonight."""
        return self.stage in (Stage.STEP, Stage.PAUSED)

    def question_number(self, index: int | None = None) -> int:
        """How many question steps come before step ``index`` (default: the current one) tonight."""
        index = self.step if index is None else index
        return sum(1 for s in self.plan.steps[:index] if s.kind == "question")

    def first_speaker(self) -> int:
        """Which partner (0 or 1, in the order their names were given) begins the current question.

        Alternates per question within a night as well as across nights; a swap turns it round.
        """
        first = self.plan.first_speaker + self.question_number()
        return (first + (self.step in self.turns_swapped)) % 2


def phase_of(state: SessionState) -> Phase:
    """The dialogue phase a state is in."""
    if state.pending_names:
        return Phase.NAMES_CHECK
    if state.switch_to and state.mid_ritual:
        return Phase.SWITCH_OFFER
    if state.asking_names:
        return Phase.NAMES_ASKED
    if state.left and state.mid_ritual:
        return Phase.RETURNING
    if state.stage is Stage.OFFER and state.plan.longer:
        return Phase.LONGER_OFFER
    if state.stage is not Stage.STEP:
        return _STAGE_PHASES[state.stage]
    kind = state.current.kind
    if kind == "question":
        return Phase.QUESTION_FIRST if state.part == 0 else Phase.QUESTION_SECOND
    if kind == "touch":
        if state.part > 0:
            return Phase.TOUCH_AFTER
        return Phase.TOUCH_ASK_AGAIN if state.touch_asked_again else Phase.TOUCH_INVITE
    return Phase.TASK


_STAGE_PHASES = {
    Stage.OFFER: Phase.OFFER,
    Stage.CHECK_IN: Phase.CHECK_IN,
    Stage.RESUME_OFFER: Phase.RESUME_OFFER,
    Stage.DECLINED: Phase.DECLINED,
    Stage.FINISHED: Phase.FINISHED,
    Stage.PAUSED: Phase.PAUSED,
}


def _part(raw: object) -> int:
    if not isinstance(raw, int | str):
        raise TypeError("part")
    part = int(raw)
    if part not in (0, 1):
        raise ValueError("part")
    return part


def _indexes(raw: object, size: int) -> tuple[int, ...]:
    if not isinstance(raw, list | tuple):
        raise TypeError("indexes")
    values = tuple(sorted({int(i) for i in raw}))
    if any(not 0 <= i < size for i in values):
        raise ValueError("index out of range")
    return values


def _pending_names(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) not in (0, 2) or not all(isinstance(n, str) and n for n in raw):
        raise ValueError("pending names")
    return tuple(raw)


def _overheard(raw: object) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= OVERHEARD_FLOORS:
        raise ValueError("overheard")
    return raw


def _offered(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or len(raw) > MAX_OFFERED or not all(
            isinstance(i, str) and 0 < len(i) <= MAX_SESSION_ID for i in raw):
        raise ValueError("offered")
    return tuple(raw)


def _ritual_id(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) > MAX_SESSION_ID:
        raise ValueError("ritual id")
    return raw


def _mood(raw: object) -> str:
    if raw != "" and raw not in MOODS:
        raise ValueError("mood")
    return str(raw)
