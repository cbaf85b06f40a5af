"""Rekindle's platform-neutral core: content, ritual selection, the guided session and the household store.

Front ends (the Alexa skill, the laptop voice loop, text mode) call
:class:`Rekindle.handle` with a :class:`Command` and speak the :class:`Reply`.
This package imports no voice or web platform library.
"""

from .commands import Command, CommandKind
from .content import ContentError, ContentLibrary, Depth, Pillar, default_content, load_content
from .engine import Rekindle, Turn
from .household import (
    CompletedRitual,
    Household,
    HouseholdChange,
    HouseholdStore,
    Preferences,
    SqliteStore,
    StepRecord,
    StoreError,
)
from .planning import Planner, TonightPlan, night_of
from .replies import Cue, CueKind, Listening, Pause, Reply, Segment, Speech
from .understanding import INTENT_COMMANDS, command_for_intent
from .window import Left, MicrophoneWindow

__all__ = [
    "INTENT_COMMANDS",
    "Command",
    "CommandKind",
    "CompletedRitual",
    "ContentError",
    "ContentLibrary",
    "Cue",
    "CueKind",
    "Depth",
    "Household",
    "HouseholdChange",
    "HouseholdStore",
    "Left",
    "Listening",
    "MicrophoneWindow",
    "Pause",
    "Pillar",
    "Planner",
    "Preferences",
    "Rekindle",
    "Reply",
    "Segment",
    "Speech",
    "SqliteStore",
    "StepRecord",
    "StoreError",
    "TonightPlan",
    "Turn",
    "command_for_intent",
    "default_content",
    "load_content",
    "night_of",
]
