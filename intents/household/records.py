"""What Rekindle records about a couple: their settings, and each ritual they finished with its steps.

Plain, frozen, JSON-able data; :mod:`intents.household.bounded` keeps them in a bounded record and
:mod:`intents.household.store` is the port that persists it. Nothing here holds audio or anything partners
say to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from ..content import Depth

LENGTH_CHOICES = (5, 10, 20)


@dataclass(frozen=True)
class Preferences:
    """A household's settings. ``names`` holds zero or two partner names; ``no_touch_night`` is a night
    the couple asked for no touch ("no touch tonight"), remembered on every device until it is over."""

    names: tuple[str, ...] = ()
    minutes: int = 10
    depth_ceiling: Depth = Depth.DEEPEST
    touch: bool = True
    no_touch_night: date | None = None
    longer_declined: date | None = None
    """The last night the couple said no to a longer evening offered (intents.planning.rules.longer_offered)."""

    def touch_on(self, night: date) -> bool:
        """Whether touch moments may be offered on ``night``."""
        return self.touch and self.no_touch_night != night

    def with_length(self, minutes: int) -> Preferences:
        """Snap a requested length to the nearest offered one (5, 10 or 20)."""
        nearest = min(LENGTH_CHOICES, key=lambda c: (abs(c - minutes), c))
        return replace(self, minutes=nearest)

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "minutes": self.minutes,
            "depth_ceiling": self.depth_ceiling.name.lower(),
            "touch": self.touch,
            **({"no_touch_night": self.no_touch_night.isoformat()} if self.no_touch_night else {}),
            **({"longer_declined": self.longer_declined.isoformat()} if self.longer_declined else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preferences:
        default = cls()
        return cls(
            names=tuple(str(n) for n in data.get("names", ()))[:2],
            minutes=int(data.get("minutes", default.minutes)),
            depth_ceiling=Depth.parse(str(data.get("depth_ceiling", default.depth_ceiling.name))),
            touch=bool(data.get("touch", default.touch)),
            no_touch_night=date.fromisoformat(str(data["no_touch_night"])) if data.get("no_touch_night") else None,
            longer_declined=date.fromisoformat(str(data["longer_declined"])) if data.get("longer_declined") else None,
        )


@dataclass(frozen=True)
class StepRecord:
    """One step of a completed ritual: its kind, the content used, and whether it was skipped."""

    kind: str
    content_id: str | None = None
    skipped: bool = False


@dataclass(frozen=True)
class CompletedRitual:
    """A ritual a couple finished. ``session_id`` makes recording idempotent."""

    session_id: str
    ritual_id: str
    night: date
    completed_at: datetime
    front: str
    steps: tuple[StepRecord, ...] = field(default_factory=tuple)

    @property
    def content_ids(self) -> tuple[str, ...]:
        return tuple(s.content_id for s in self.steps if s.content_id and not s.skipped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "ritual_id": self.ritual_id,
            "night": self.night.isoformat(),
            "completed_at": self.completed_at.isoformat(),
            "front": self.front,
            "steps": [
                {"kind": s.kind, "content_id": s.content_id, "skipped": s.skipped} for s in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CompletedRitual:
        return cls(
            session_id=str(data["session_id"]),
            ritual_id=str(data["ritual_id"]),
            night=date.fromisoformat(str(data["night"])),
            completed_at=datetime.fromisoformat(str(data["completed_at"])),
            front=str(data.get("front", "")),
            steps=tuple(
                StepRecord(str(s["kind"]), s.get("content_id"), bool(s.get("skipped", False)))
                for s in data.get("steps", ())
            ),
        )


def nights_together(history: list[CompletedRitual]) -> int:
    """Distinct nights with a completed ritual in ``history`` (a stored household's count is its tally)."""
    return len({r.night for r in history})
