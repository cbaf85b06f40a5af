"""What Rekindle understands, written once and read by both fronts.

The source is hassil-style sentence templates and lists in ``interaction_models/`` (:mod:`.source`,
parsed by :mod:`.templates`). From it come the five Alexa interaction models (:mod:`.alexa_model`,
written by ``script/generate-models``), the laptop's matcher (:class:`IntentMatcher`), and the meaning
of each intent to the engine (:mod:`.intent_map`).
"""

from .intent_map import (
    INTENT_COMMANDS,
    LENGTH_SLOT,
    MOOD_SLOT,
    NAME_SLOT_TYPE,
    NAME_SLOTS,
    command_for_intent,
    parse_minutes,
    parse_mood,
)
from .matcher import (
    NEAR_MISS_RATIO,
    OPEN_SLOT_TYPES,
    SLOT_REF,
    IntentMatcher,
    Match,
    SlotType,
    SpokenForms,
    edit_distance,
    normalise,
    normalise_sample,
)
from .source import IntentSpec, Language, SlotList, SlotValue, SourceError, language
from .templates import Template, TemplateError

__all__ = [
    "INTENT_COMMANDS",
    "LENGTH_SLOT",
    "MOOD_SLOT",
    "NAME_SLOTS",
    "NAME_SLOT_TYPE",
    "NEAR_MISS_RATIO",
    "OPEN_SLOT_TYPES",
    "SLOT_REF",
    "IntentMatcher",
    "IntentSpec",
    "Language",
    "Match",
    "SlotList",
    "SlotType",
    "SlotValue",
    "SourceError",
    "SpokenForms",
    "Template",
    "TemplateError",
    "command_for_intent",
    "edit_distance",
    "language",
    "normalise",
    "normalise_sample",
    "parse_minutes",
    "parse_mood",
]
