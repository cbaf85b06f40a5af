"""A dict-backed household store, so fuzzing exercises the engine rather than SQLite's disk."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from typing import Any

from intents.household.bounded import Household, HouseholdChange, Progress


class MemoryStore:
    """:class:`~intents.household.store.HouseholdStore` in memory. ``progress`` may be seeded with anything."""

    def __init__(self) -> None:
        self.records: dict[str, Household] = {}
        self.progress: dict[str, tuple[date, Any]] = {}

    def load(self, household: str) -> Household:
        record = self.records.get(household, Household())
        saved = self.progress.get(household)
        state = copy.deepcopy(saved[1]) if saved else None
        # as SqliteStore: only a JSON object is a state
        progress = Progress(saved[0], state) if saved and isinstance(state, dict) else None
        return replace(record, progress=progress)

    def save(self, household: str, change: HouseholdChange, base: Household | None = None) -> Household:
        record = self.load(household).apply(change)
        self.records[household] = replace(record, progress=None)
        if record.progress is None:
            self.progress.pop(household, None)
        else:
            self.progress[household] = (record.progress.night, copy.deepcopy(dict(record.progress.state)))
        return record

    def households(self) -> list[str]:
        return sorted({*self.records, *self.progress})

    def forget(self, household: str | None = None) -> None:
        for table in (self.records, self.progress):
            for key in [k for k in table if household is None or k == household]:
                del table[key]

    def close(self) -> None:
        pass
