"""What a couple asks of tonight, and the ritual that fits it.

A request for the night ("something short", "just touch", "we're exhausted, something quick", "a
different one") is a :class:`Wish`: a length, a kind (``rituals.yaml``, ``kinds``), a mood and a depth,
each optional, as ids from the lists a couple's words resolve to, never their words. It holds for tonight
only; what a couple wants for good is a stored preference, changed only by lasting words.

:func:`choose` finds the ritual that fits a wish. When nothing fits everything asked, it keeps what
matters most (a mood over a kind, a kind over a length) and says what it could not meet, so the reply
can say so honestly and offer the nearest fit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from enum import Enum
from typing import Any

from .content import MOODS, ContentLibrary, Depth, RitualTemplate
from .household import LENGTH_CHOICES, CompletedRitual
from .planning.plan import seeded_random
from .planning.rules import by_freshness, length_fits

DEPTHS = ("light", "deeper")
USUAL_AFTER = 2  # a ritual done on at least this many recent nights can be "the usual one"


@dataclass(frozen=True)
class Wish:
    """What a couple asked of tonight; every field optional."""

    minutes: int | None = None
    kind: str | None = None
    mood: str | None = None
    depth: str | None = None  # "light" (nothing deep tonight) or "deeper"

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def and_then(self, later: Wish) -> Wish:
        """This wish with what was asked ``later`` said over it ("something short", then "something playful"
        is short and playful)."""
        return replace(self, **{f.name: getattr(later, f.name) for f in fields(later)
                                if getattr(later, f.name) is not None})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Wish:
        """A wish from a state; a value of the wrong kind is dropped, never trusted."""
        data = data or {}
        minutes = data.get("minutes")
        texts = {k: data.get(k) for k in ("kind", "mood", "depth")}
        return cls(
            minutes=minutes if type(minutes) is int and 0 < minutes <= 240 else None,
            kind=texts["kind"] if isinstance(texts["kind"], str) and len(texts["kind"]) <= 40 else None,
            mood=texts["mood"] if texts["mood"] in MOODS else None,
            depth=texts["depth"] if texts["depth"] in DEPTHS else None,
        )


class Shortfall(str, Enum):
    """What a choice could not meet of a wish (the reply says so, then offers the nearest fit)."""

    NONE = ""
    LENGTH = "length"  # nothing of that kind or mood comes at that length
    KIND = "kind"  # no ritual of that kind fits the mood
    TOUCH_RESTING = "touch_resting"  # the kind needs touch, and touch rests tonight
    NO_OTHER = "no_other"  # every ritual that fits has been offered already tonight
    NO_USUAL = "no_usual"  # the couple has no usual ritual yet


@dataclass(frozen=True)
class Choice:
    ritual: RitualTemplate
    shortfall: Shortfall = Shortfall.NONE


@dataclass(frozen=True)
class Evening:
    """What a choice needs to know about the household tonight."""

    household: str
    night: date
    touch_on: bool
    preferred_minutes: int
    history: Sequence[CompletedRitual] = ()

    def last_done(self) -> dict[str, date]:
        return {r.ritual_id: r.night for r in sorted(self.history, key=lambda r: r.night) if r.night < self.night}


def fits_length(ritual: RitualTemplate, minutes: int) -> bool:
    """Whether a ritual fits a length asked for: the lengths Rekindle offers (5, 10, 20) as the preferences
    do; any other number of minutes as at most that (give or take a minute), and not much shorter."""
    if minutes in LENGTH_CHOICES or minutes > max(LENGTH_CHOICES):
        return length_fits(ritual, minutes)
    return minutes * 0.6 <= ritual.minutes <= minutes + 1


def asked_for(ritual: RitualTemplate, wish: Wish) -> bool:
    """Whether a ritual may be offered for this wish: one that presumes a hard day or a distant week only for a
    mood it fits, one offered only on request (just a question, just a touch) only when its kind is asked for."""
    if ritual.presumes is not None and wish.mood not in ritual.fits:
        return False
    return ritual.cadence != "on_request" or (wish.kind is not None and wish.kind in ritual.kinds)


def choose(content: ContentLibrary, wish: Wish, evening: Evening, avoid: Collection[str] = (),
           surprise: bool = False) -> Choice:
    """The ritual that fits ``wish`` best tonight, not one of ``avoid`` (offered already) while another fits.

    Without a length asked, the couple's preferred length is a preference, not a rule (a surprise ignores it).
    Among equals the freshest is likelier, as for tonight's own plan.
    """
    rituals = usable(content, wish, evening)
    pool, shortfall = by_kind(content, wish, evening, rituals)
    if not pool:  # nothing at all (a mood whose rituals all need touch, on a night without): any usable one
        pool = [r for r in content.rituals.values() if asked_for(r, Wish()) and not r.needs_touch]
    minutes = wish.minutes or (None if surprise else evening.preferred_minutes)
    if minutes is not None:
        pool, missed = by_length(pool, minutes, asked=wish.minutes is not None, avoid=avoid)
        shortfall = shortfall or (Shortfall.LENGTH if missed else Shortfall.NONE)
    fresh = [r for r in pool if r.id not in avoid]
    if not fresh:
        shortfall = shortfall or (Shortfall.NO_OTHER if avoid else Shortfall.NONE)
        fresh = pool
    rng = seeded_random(evening.household, evening.night.isoformat(), "wish", sorted(wish.to_dict().items()),
                        len(avoid), surprise)
    return Choice(by_freshness(rng, fresh, evening.night, evening.last_done()), shortfall)


def usable(content: ContentLibrary, wish: Wish, evening: Evening) -> list[RitualTemplate]:
    """The rituals that may be offered for ``wish`` tonight: asked for, fitting its mood and depth, and with
    touch only on a night touch may be offered."""
    rituals = [r for r in sorted(content.rituals.values(), key=lambda r: r.id) if asked_for(r, wish)]
    if wish.mood:
        rituals = [r for r in rituals if wish.mood in r.fits]
    if wish.depth == "light":
        rituals = [r for r in rituals if r.depth_range[0] <= Depth.LIGHT] or rituals
    elif wish.depth == "deeper":
        rituals = [r for r in rituals if r.depth_range[1] >= Depth.DEEPER] or rituals
    if not evening.touch_on:
        rituals = [r for r in rituals if not r.needs_touch]
    return rituals


def by_kind(content: ContentLibrary, wish: Wish, evening: Evening,
            rituals: list[RitualTemplate]) -> tuple[list[RitualTemplate], Shortfall]:
    """The rituals of the kind asked for (the nightly ones when none is), or the nearest and why not."""
    nightly = [r for r in rituals if r.cadence == "nightly"] or rituals  # weekly ones when asked for by kind
    if not wish.kind:
        return nightly, Shortfall.NONE
    pool = [r for r in rituals if wish.kind in r.kinds]
    if pool:
        return pool, Shortfall.NONE
    needs_touch = any(wish.kind in r.kinds for r in content.rituals.values() if r.needs_touch)
    if not evening.touch_on and needs_touch:
        return [r for r in nightly if not r.has_touch], Shortfall.TOUCH_RESTING
    return nightly, Shortfall.KIND


def by_length(pool: list[RitualTemplate], minutes: int, asked: bool,
              avoid: Collection[str]) -> tuple[list[RitualTemplate], bool]:
    """The rituals of ``pool`` that fit ``minutes``, else the nearest in length; True when none fitted and the
    length was ``asked`` for. A length only preferred gives way to offering the same ritual again."""
    fitting = [r for r in pool if fits_length(r, minutes)]
    missed = not fitting
    if missed:
        nearest = min(abs(r.minutes - minutes) for r in pool)
        fitting = [r for r in pool if abs(r.minutes - minutes) == nearest]
    if not asked:
        fitting = [r for r in fitting if r.id not in avoid] or [r for r in pool if r.id not in avoid] or fitting
    return fitting, missed and asked


def usual(history: Sequence[CompletedRitual], content: ContentLibrary) -> RitualTemplate | None:
    """The ritual a couple has done most in their recent nights (the latest on a tie), if any is done often
    enough to be called usual."""
    counts = Counter(r.ritual_id for r in history if r.ritual_id in content.rituals
                     and content.rituals[r.ritual_id].cadence != "on_request")
    if not counts:
        return None
    latest = {r.ritual_id: r.night for r in history}
    best = max(counts, key=lambda i: (counts[i], latest[i], i))
    return content.rituals[best] if counts[best] >= USUAL_AFTER else None
