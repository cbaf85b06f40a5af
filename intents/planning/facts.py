"""What the rules look at, and how the planner runs them: the facts of tonight's evening (:class:`Evening`) and of
a step's ask (:class:`Ask`), filters that narrow candidates, and weights that multiply. The rules themselves are
in :mod:`.rules`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Generic, TypeVar

from ..content import RECALL_NIGHTS, Depth, RitualTemplate
from ..household import Preferences

Candidate = TypeVar("Candidate")
Facts = TypeVar("Facts")


@dataclass(frozen=True)
class Evening:
    """What the ritual rules look at: the night, the couple's preferences, how deep tonight may go, and when
    each ritual was last done."""

    night: date
    preferences: Preferences
    depth: Depth
    last_done: Mapping[str, date]
    mood: str | None = None
    lengths: Mapping[date, int] = field(default_factory=dict)
    """The length setting (5, 10 or 20) of the ritual done on each earlier night."""
    run: int = 0
    """Nights in a row with a ritual, ending last night."""
    minutes: int = 0
    """Tonight's length when the rules change it (:func:`tonights_length`); 0: the couple's own."""

    def nights_since(self, ritual: RitualTemplate) -> int:
        """Nights since the ritual was last done; one more than the nights a household keeps in detail if it
        was not done in them, so a plan is the same from the bounded record as from the whole history."""
        return min((self.night - self.last_done.get(ritual.id, date.min)).days, RECALL_NIGHTS + 1)

    @property
    def length(self) -> int:
        """The length tonight's ritual fits: the couple's, or the one the rules chose for tonight."""
        return self.minutes or self.preferences.minutes

    def lengths_since(self, nights: int) -> list[int]:
        """The length settings of the rituals done in the last ``nights`` nights."""
        return [n for d, n in self.lengths.items() if self.night - timedelta(days=nights) <= d < self.night]


@dataclass(frozen=True)
class Ask:
    """What the question and touch rules look at: what the step asks for, how deep it may go, what was used
    lately (content id -> last night) and what tonight already holds."""

    theme: str | None
    depth: Depth
    recent: Mapping[str, date]
    exclude: frozenset[str]
    touch_kind: str | None = None


@dataclass(frozen=True)
class Filter(Generic[Candidate, Facts]):
    """A rule that keeps some candidates. Soft unless ``hard``: it yields when fewer than ``at_least`` remain."""

    keep: Callable[[Candidate, Facts], bool]
    hard: bool = False
    at_least: int = 1


def narrowed(candidates: Sequence[Candidate], filters: Iterable[Filter[Candidate, Facts]],
             facts: Facts) -> list[Candidate]:
    """The candidates each filter keeps in turn (a soft filter that would leave too few is passed over)."""
    pool = list(candidates)
    for rule in filters:
        kept = [c for c in pool if rule.keep(c, facts)]
        if rule.hard or len(kept) >= rule.at_least:
            pool = kept
    return pool


def weight(candidate: Candidate, weights: Iterable[Callable[[Candidate, Facts], int]], facts: Facts) -> int:
    """The product of every weight rule for one candidate."""
    total = 1
    for rule in weights:
        total *= rule(candidate, facts)
    return total
