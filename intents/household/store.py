"""The household store port: what Rekindle remembers about a couple.

It remembers rituals completed (and each step's content id and whether it
was skipped), preferences, and a ritual left midway tonight, bounded as
:mod:`intents.household.bounded` describes. It never holds audio or anything partners
say to each other.
"""

from __future__ import annotations

from typing import Any, Protocol

from .bounded import KEPT, Household, HouseholdChange


class StoreError(RuntimeError):
    """The store cannot be used; the message says which file or table and what to do."""


class HouseholdStore(Protocol):
    """Persistence for one or many households. Implementations: SQLite (:mod:`.sqlite`), DynamoDB (:mod:`.dynamodb`).

    A turn calls :meth:`load` once and :meth:`save` at most once.
    """

    def load(self, household: str) -> Household:
        """The household's bounded record (an empty one if nothing is stored)."""
        ...

    def save(self, household: str, change: HouseholdChange, base: Household | None = None) -> Household:
        """Apply ``change`` and return the record as stored.

        ``base`` is the record this turn loaded: a store may apply the change to
        it instead of reading again, as long as it notices a write made since.
        """
        ...

    def households(self) -> list[str]: ...

    def forget(self, household: str | None = None) -> None:
        """Delete one household's data, or every household's when None."""
        ...

    def close(self) -> None: ...


def export_household(store: HouseholdStore, household: str) -> dict[str, Any]:
    """Everything stored for a household as JSON-able data, saying what is kept in detail."""
    record = store.load(household)
    progress = record.progress
    return {
        "household": household,
        "kept": KEPT,
        "preferences": record.preferences.to_dict(),
        "nights_together": record.tally.nights_together,
        "counters": {k: v for k, v in record.tally.to_dict().items() if k != "nights_together"},
        "rituals": [r.to_dict() for r in record.rituals],
        "progress": {"night": progress.night.isoformat(), "state": dict(progress.state)} if progress else None,
    }
