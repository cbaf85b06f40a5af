"""What Rekindle remembers about a couple, and the stores that keep it.

- :mod:`.records`: settings (:class:`Preferences`) and completed rituals with their steps;
- :mod:`.bounded`: the bounded :class:`Household` a turn reads once, and the :class:`HouseholdChange` it writes;
- :mod:`.store`: the port every store implements (:class:`HouseholdStore`), and the export of one household;
- :mod:`.sqlite` and :mod:`.dynamodb`: the two stores, side by side (DynamoDB imports boto3 only when opened);
- :mod:`.url`: which store ``REKINDLE_STORE`` names, and opening it.
"""

from .bounded import DETAIL_NIGHTS, DETAIL_RITUALS, KEPT, Household, HouseholdChange, Progress, Tally
from .records import LENGTH_CHOICES, CompletedRitual, Preferences, StepRecord, nights_together
from .sqlite import SqliteStore
from .store import HouseholdStore, StoreError, export_household

__all__ = [
    "DETAIL_NIGHTS",
    "DETAIL_RITUALS",
    "KEPT",
    "LENGTH_CHOICES",
    "CompletedRitual",
    "Household",
    "HouseholdChange",
    "HouseholdStore",
    "Preferences",
    "Progress",
    "SqliteStore",
    "StepRecord",
    "StoreError",
    "Tally",
    "export_household",
    "nights_together",
]
