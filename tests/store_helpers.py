"""One-call conveniences over a household store, for tests only.

The production port (:class:`~intents.household.store.HouseholdStore`) has what the engine and the adapters
use: a turn loads once and saves once. Tests often want one fact set up or read back; these functions do it
through that same port, so they work with every store (SQLite, DynamoDB, the stress tests' memory store).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from intents.household import CompletedRitual, HouseholdChange, HouseholdStore, Preferences, Progress


def load_preferences(store: HouseholdStore, household: str) -> Preferences:
    return store.load(household).preferences


def save_preferences(store: HouseholdStore, household: str, preferences: Preferences) -> None:
    store.save(household, HouseholdChange(preferences=preferences))


def record_ritual(store: HouseholdStore, household: str, ritual: CompletedRitual) -> bool:
    """Store a completed ritual; False if this session is already kept."""
    before = store.load(household)
    after = store.save(household, HouseholdChange(completed=ritual), before)
    return after.tally.rituals_completed > before.tally.rituals_completed


def rituals_kept(store: HouseholdStore, household: str) -> list[CompletedRitual]:
    """The rituals kept in detail, oldest first."""
    return list(store.load(household).rituals)


def save_progress(store: HouseholdStore, household: str, night: date, state: Mapping[str, Any]) -> None:
    store.save(household, HouseholdChange(progress=Progress(night, dict(state))))


def load_progress(store: HouseholdStore, household: str, night: date) -> dict[str, Any] | None:
    return store.load(household).progress_for(night)


def clear_progress(store: HouseholdStore, household: str) -> None:
    store.save(household, HouseholdChange(clear_progress=True))
