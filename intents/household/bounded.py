"""The bounded household record: recent detail plus counters that never reset.

Every store keeps the same record, so it stays small however long a couple
uses Rekindle: completed rituals of the last :data:`DETAIL_NIGHTS` nights in
detail (at most :data:`DETAIL_RITUALS` of them, the newest), which is all the
planner needs (content used in the last 30 days, weekly rituals due, nights in
a row), and a :class:`Tally` of everything ever completed. A turn reads one
:class:`Household` snapshot and writes one :class:`HouseholdChange`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .records import CompletedRitual, Preferences, StepRecord

DETAIL_NIGHTS = 60
DETAIL_RITUALS = 120
KEPT = (f"Completed rituals of the last {DETAIL_NIGHTS} nights are kept in detail (at most {DETAIL_RITUALS}); "
        "older ones only in the counters, which never reset.")


@dataclass(frozen=True)
class Tally:
    """Counters over every ritual ever completed; pruning detail never lowers them.

    ``pruned_through`` is the latest night whose detail was let go: a ritual
    recorded later for that night or an earlier one cannot be told apart from
    the nights already counted, so it adds to ``rituals_completed`` only.
    """

    nights_together: int = 0
    rituals_completed: int = 0
    first_night: date | None = None
    pruned_through: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "nights_together": self.nights_together,
            "rituals_completed": self.rituals_completed,
            "first_night": self.first_night.isoformat() if self.first_night else None,
            "pruned_through": self.pruned_through.isoformat() if self.pruned_through else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tally:
        def day(key: str) -> date | None:
            value = data.get(key)
            return date.fromisoformat(str(value)) if value else None

        return cls(int(data.get("nights_together", 0)), int(data.get("rituals_completed", 0)),
                   day("first_night"), day("pruned_through"))


@dataclass(frozen=True)
class Progress:
    """A ritual left midway: the session state to resume on the same night."""

    night: date
    state: Mapping[str, Any]


@dataclass(frozen=True)
class HouseholdChange:
    """What one turn writes. A completed ritual also clears the night's progress."""

    preferences: Preferences | None = None
    completed: CompletedRitual | None = None
    progress: Progress | None = None
    clear_progress: bool = False

    def __bool__(self) -> bool:
        return bool(self.preferences or self.completed or self.progress or self.clear_progress)


@lru_cache(maxsize=4096)
def step_record(kind: str, content_id: str | None, skipped: bool) -> StepRecord:
    """A shared, immutable :class:`StepRecord`: the same few hundred recur in every stored household,
    and building them anew dominated the time to read one."""
    return StepRecord(kind, content_id, skipped)


def _order(ritual: CompletedRitual) -> tuple[date, str, str]:
    # The night first: a ritual finished after midnight still belongs to its evening.
    return ritual.night, ritual.completed_at.isoformat(), ritual.session_id


@dataclass(frozen=True)
class Household:
    """One household as a turn sees it: read once, changed once.

    ``rituals`` is the recent detail, oldest first. ``revision`` counts the
    writes of this record; stores that write without reading again (DynamoDB)
    use it to notice another device's write in between (0: never written in
    this format).
    """

    preferences: Preferences = field(default_factory=Preferences)
    rituals: tuple[CompletedRitual, ...] = ()
    tally: Tally = field(default_factory=Tally)
    progress: Progress | None = None
    revision: int = 0

    @property
    def nights_together(self) -> int:
        return self.tally.nights_together

    def nights_before(self, night: date) -> int:
        """Nights together before ``night``: what first-speaker alternation and the closing count use."""
        later = {r.night for r in self.rituals if r.night >= night}
        return max(0, self.tally.nights_together - len(later))

    def progress_for(self, night: date) -> dict[str, Any] | None:
        """Tonight's saved session state, if the saved one is from ``night``."""
        if self.progress is None or self.progress.night != night:
            return None
        return dict(self.progress.state)

    def has_session(self, session_id: str) -> bool:
        return any(r.session_id == session_id for r in self.rituals)

    def apply(self, change: HouseholdChange) -> Household:
        """The record after ``change``, pruned to its bounds; a session already kept is not counted twice."""
        household = self
        if change.preferences is not None:
            household = replace(household, preferences=change.preferences)
        if change.completed is not None:
            household = replace(household._with_ritual(change.completed), progress=None)
        if change.progress is not None:
            household = replace(household, progress=change.progress)
        elif change.clear_progress:
            household = replace(household, progress=None)
        return household

    def _with_ritual(self, ritual: CompletedRitual) -> Household:
        if self.has_session(ritual.session_id):
            return self
        tally = self.tally
        pruned = tally.pruned_through
        new_night = ritual.night not in {r.night for r in self.rituals} and (pruned is None or ritual.night > pruned)
        tally = replace(
            tally,
            nights_together=tally.nights_together + new_night,
            rituals_completed=tally.rituals_completed + 1,
            first_night=min(tally.first_night or ritual.night, ritual.night),
        )
        rituals = (*self.rituals, ritual)
        if len(rituals) > 1 and _order(rituals[-2]) > _order(ritual):
            rituals = tuple(sorted(rituals, key=_order))
        return replace(self, tally=tally)._pruned(rituals)

    def _pruned(self, rituals: tuple[CompletedRitual, ...]) -> Household:
        horizon = rituals[-1].night - timedelta(days=DETAIL_NIGHTS) if rituals else date.min
        keep_from = next((i for i, r in enumerate(rituals) if r.night > horizon), len(rituals))
        keep_from = max(keep_from, len(rituals) - DETAIL_RITUALS)
        if keep_from == 0:
            return replace(self, rituals=rituals)
        dropped = rituals[keep_from - 1].night
        through = max(self.tally.pruned_through or dropped, dropped)
        return replace(self, rituals=rituals[keep_from:], tally=replace(self.tally, pruned_through=through))

    @classmethod
    def from_history(cls, preferences: Preferences, history: Iterable[CompletedRitual],
                     progress: Progress | None = None) -> Household:
        """The bounded record of a full history (how stores written before the bound are upgraded)."""
        household = cls(preferences=preferences)
        for ritual in sorted(history, key=_order):
            household = household._with_ritual(ritual)
        return replace(household, progress=progress)

