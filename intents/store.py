"""The household store port: what Rekindle remembers about a couple.

It remembers rituals completed (and each step's content id and whether it
was skipped), preferences, and a ritual left midway tonight. It never holds
audio or anything partners say to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

from .content import Depth

LENGTH_CHOICES = (5, 10, 20)


class StoreError(RuntimeError):
    """The store cannot be used; the message says which file or table and what to do."""


@dataclass(frozen=True)
class Preferences:
    """A household's settings. ``names`` holds zero or two partner names; ``no_touch_night`` is a night
    the couple asked for no touch ("no touch tonight"), remembered on every device until it is over."""

    names: tuple[str, ...] = ()
    minutes: int = 10
    depth_ceiling: Depth = Depth.DEEPEST
    touch: bool = True
    no_touch_night: date | None = None

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


class HouseholdStore(Protocol):
    """Persistence for one or many households. Implementations: SQLite (here), DynamoDB (skill/)."""

    def load_preferences(self, household: str) -> Preferences: ...

    def save_preferences(self, household: str, preferences: Preferences) -> None: ...

    def record_ritual(self, household: str, ritual: CompletedRitual) -> bool:
        """Store a completed ritual; returns False if this session was already recorded."""
        ...

    def history(self, household: str) -> list[CompletedRitual]:
        """Completed rituals, oldest first."""
        ...

    def save_progress(self, household: str, night: date, state: Mapping[str, Any]) -> None: ...

    def load_progress(self, household: str, night: date) -> dict[str, Any] | None: ...

    def clear_progress(self, household: str) -> None: ...

    def households(self) -> list[str]: ...

    def forget(self, household: str | None = None) -> None:
        """Delete one household's data, or every household's when None."""
        ...

    def close(self) -> None: ...


def nights_together(history: list[CompletedRitual]) -> int:
    """Distinct nights with a completed ritual. It only ever grows: no streak to lose."""
    return len({r.night for r in history})


def export_household(store: HouseholdStore, household: str) -> dict[str, Any]:
    """Everything stored for a household as JSON-able data."""
    history = store.history(household)
    return {
        "household": household,
        "preferences": store.load_preferences(household).to_dict(),
        "nights_together": nights_together(history),
        "rituals": [r.to_dict() for r in history],
    }
