"""What Rekindle says: the content library (questions, touch prompts, rituals), its phrases, and the lints
that keep both in the guide's voice. The words are data, in the YAML files of this folder.

- :mod:`.library`: the types (:class:`Question`, :class:`TouchPrompt`, :class:`RitualTemplate`…) and their words;
- :mod:`.loader`: reading and checking the files (:mod:`.reader` one file's entries, :mod:`.rituals` the
  rituals); :mod:`.lints`: the near-duplicate lint;
- :mod:`.phrases`: Rekindle's own lines, in several wordings chosen per night;
- :mod:`.wording`: what the lints look for (first person, opt-outs, word overlap).
"""

from .library import (
    CONTENT_DIR,
    GENTLE_TONES,
    MIN_WORDINGS,
    MOODS,
    RECALL_NIGHTS,
    THEMES,
    WEEKLY_POOL,
    ContentError,
    ContentLibrary,
    Depth,
    Pillar,
    Question,
    Recall,
    RitualKind,
    RitualTemplate,
    StepTemplate,
    TouchPrompt,
    wordings_needed,
)
from .lints import load_reviewed_pairs, near_duplicate_groups
from .loader import default_content, load_content, load_forbidden
from .phrases import Phrases, default_phrases, load_phrases
from .reader import MAX_UTTERANCE

__all__ = [
    "CONTENT_DIR",
    "GENTLE_TONES",
    "MAX_UTTERANCE",
    "MIN_WORDINGS",
    "MOODS",
    "RECALL_NIGHTS",
    "THEMES",
    "WEEKLY_POOL",
    "ContentError",
    "ContentLibrary",
    "Depth",
    "Phrases",
    "Pillar",
    "Question",
    "Recall",
    "RitualKind",
    "RitualTemplate",
    "StepTemplate",
    "TouchPrompt",
    "default_content",
    "default_phrases",
    "load_content",
    "load_forbidden",
    "load_phrases",
    "load_reviewed_pairs",
    "near_duplicate_groups",
    "wordings_needed",
]
