"""Tonight's plan as data: the ritual chosen and each step with its content, small and JSON-able, carried in
the session state; and the two things every choice rests on: which evening a moment belongs to, and a
random generator fixed by what it is for."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..content import Depth

NIGHT_ROLLOVER_HOUR = 4  # half past midnight still belongs to the evening before
MAX_STEP_SECONDS = 600


def night_of(moment: datetime) -> date:
    """The evening a moment belongs to."""
    return (moment - timedelta(hours=NIGHT_ROLLOVER_HOUR)).date()


@dataclass(frozen=True)
class PlannedStep:
    """A concrete step: the template step with its content chosen."""

    kind: str
    text: str = ""
    question_id: str | None = None
    touch_id: str | None = None
    seconds: int = 0
    theme: str | None = None
    line_id: str | None = None
    """Which wording of the ritual's own line ``text`` is (:func:`intents.line_choice.line_id`)."""

    @property
    def content_id(self) -> str | None:
        """What the completed ritual records for this step: its question, touch prompt or wording."""
        return self.question_id or self.touch_id or self.line_id

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that are set, to keep session state small."""
        out: dict[str, Any] = {"kind": self.kind}
        for name in ("text", "question_id", "touch_id", "seconds", "theme", "line_id"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedStep:
        """Rebuild a step; raises TypeError/ValueError unless every field has its type."""
        step = cls(**data)
        optional = (step.question_id, step.touch_id, step.theme, step.line_id)
        if not isinstance(step.kind, str) or not isinstance(step.text, str) or not all(
                o is None or isinstance(o, str) for o in optional):
            raise TypeError("step field of the wrong type")
        if type(step.seconds) is not int or not 0 <= step.seconds <= MAX_STEP_SECONDS:
            raise ValueError("step seconds out of range")
        return step


@dataclass(frozen=True)
class TonightPlan:
    """Tonight's ritual with its content chosen."""

    household: str
    night: date
    ritual_id: str
    title: str
    minutes: int
    depth: Depth
    first_speaker: int
    steps: tuple[PlannedStep, ...]
    longer: bool = False
    """A longer evening than the couple's usual, offered with their usual length as the alternative."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "household": self.household,
            "night": self.night.isoformat(),
            "ritual_id": self.ritual_id,
            "title": self.title,
            "minutes": self.minutes,
            "depth": self.depth.name.lower(),
            "first_speaker": self.first_speaker,
            "steps": [s.to_dict() for s in self.steps],
            **({"longer": True} if self.longer else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TonightPlan:
        return cls(
            household=str(data["household"]),
            night=date.fromisoformat(str(data["night"])),
            ritual_id=str(data["ritual_id"]),
            title=str(data["title"]),
            minutes=int(data["minutes"]),
            depth=Depth.parse(str(data["depth"])),
            first_speaker=int(data["first_speaker"]) % 2,
            steps=tuple(PlannedStep.from_dict(s) for s in data["steps"]),
            longer=data.get("longer") is True,
        )

    def with_step(self, index: int, step: PlannedStep) -> TonightPlan:
        steps = list(self.steps)
        steps[index] = step
        return TonightPlan(self.household, self.night, self.ritual_id, self.title, self.minutes,
                           self.depth, self.first_speaker, tuple(steps), self.longer)


def seeded_random(*parts: object) -> random.Random:
    """A random generator fixed by its parts (stable across processes and machines).

    Any str hashes, even one with lone surrogates (an id decoded from odd JSON or bytes).
    """
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8", "surrogatepass")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
