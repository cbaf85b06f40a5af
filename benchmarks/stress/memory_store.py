"""A dict-backed household store, so fuzzing exercises the engine rather than SQLite's disk."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from intents.store import CompletedRitual, Preferences


class MemoryStore:
    """:class:`~intents.store.HouseholdStore` in memory. ``progress`` may be seeded with anything."""

    def __init__(self) -> None:
        self.preferences: dict[str, Preferences] = {}
        self.rituals: dict[str, tuple[str, CompletedRitual]] = {}
        self.progress: dict[str, tuple[date, Any]] = {}

    def load_preferences(self, household: str) -> Preferences:
        return self.preferences.get(household, Preferences())

    def save_preferences(self, household: str, preferences: Preferences) -> None:
        self.preferences[household] = preferences

    def record_ritual(self, household: str, ritual: CompletedRitual) -> bool:
        self.progress.pop(household, None)
        if ritual.session_id in self.rituals:
            return False
        self.rituals[ritual.session_id] = (household, ritual)
        return True

    def history(self, household: str) -> list[CompletedRitual]:
        mine = [r for h, r in self.rituals.values() if h == household]
        return sorted(mine, key=lambda r: (r.completed_at, r.session_id))

    def save_progress(self, household: str, night: date, state: Mapping[str, Any]) -> None:
        self.progress[household] = (night, copy.deepcopy(dict(state)))

    def load_progress(self, household: str, night: date) -> dict[str, Any] | None:
        saved = self.progress.get(household)
        if saved is None or saved[0] != night:
            return None
        data = copy.deepcopy(saved[1])
        return data if isinstance(data, dict) else None  # as SqliteStore: only a JSON object is a state

    def clear_progress(self, household: str) -> None:
        self.progress.pop(household, None)

    def households(self) -> list[str]:
        return sorted({*self.preferences, *self.progress, *(h for h, _ in self.rituals.values())})

    def forget(self, household: str | None = None) -> None:
        for table in (self.preferences, self.progress):
            for key in [k for k in table if household is None or k == household]:
                del table[key]
        self.rituals = {k: v for k, v in self.rituals.items() if household is not None and v[0] != household}

    def close(self) -> None:
        pass
