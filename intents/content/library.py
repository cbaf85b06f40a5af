"""The content library's types: connection questions, touch prompts, ritual templates and the words they use.

Content is data (the YAML files in this folder); :mod:`.loader` reads and checks it into these types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).parent
"""Where the bundled content files are: beside this module."""


class ContentError(ValueError):
    """A content file is malformed; the message names the file and the entry."""


class Depth(int, Enum):
    LIGHT = 1
    DEEPER = 2
    DEEPEST = 3

    @classmethod
    def parse(cls, value: str) -> Depth:
        return cls[value.strip().upper()]


class Pillar(str, Enum):
    EMOTIONAL_INTELLIGENCE = "emotional_intelligence"
    SEXUAL_FITNESS = "sexual_fitness"


THEMES = (
    "appreciation",
    "needs_and_love_languages",
    "memories",
    "dreams",
    "stress_and_support",
    "physical_closeness",
    "intimacy_needs",
    "repair",
)
TOUCH_KINDS = (
    "holding_hands",
    "hug",
    "forehead",
    "kiss",
    "cuddle",
    "hand_rub",
    "shoulder_rub",
    "slow_dance",
    "breathing",
    "back_to_back",
    "face_touch",
    "other",
)
STEP_KINDS = ("narration", "question", "task", "touch", "reflection", "closing")
"""A question is answered by each partner in turn; a task is done by the two together."""
CADENCES = ("nightly", "weekly", "on_request")
TOUCH_SECONDS = (15, 300)
TONES = ("light", "calm", "warm", "tender")
GENTLE_TONES = ("light", "calm")
"""Tones that never reach the deepest questions."""
PRESUMED_STATES = ("hard_day", "distant_week", "tension")
"""States a ritual may assume about the couple's night; such a ritual is only offered when fitting."""
MOODS = ("light", "tired", "tense", "rough_day", "distant", "reconnect", "repair")
"""How a couple arrives (check-in answers) or what they ask for; rituals declare which they fit."""
REVIEWED_PAIRS = "reviewed_pairs.yaml"
MIN_WORDINGS = 3
"""Wordings every ritual line has (its introduction, narration, tasks, reflections, closing, own questions)."""
WEEKLY_WORDINGS = 5
"""A weekly ritual comes four or five times in a month: one more wording than that keeps any from coming back
within four weeks."""
WEEKLY_POOL = 8
"""A weekly ritual's tasks and own questions are a small pool, to last a season (thirteen weeks) with each
heard once or twice."""
RECALL_NIGHTS = 60
"""A recall looks back at most this far: the nights a household keeps in detail (intents.household)."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads the library seven times faster


def read_yaml(path: Path) -> Any:
    """A YAML file's data (safe loading only). Raises OSError or yaml.YAMLError."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


@dataclass(frozen=True)
class Question:
    id: str
    depth: Depth
    theme: str
    pillar: Pillar
    text: str


@dataclass(frozen=True)
class TouchPrompt:
    id: str
    kind: str
    seconds: int
    invite: str
    start: str
    end: str
    halfway: str = ""
    """Said in the middle of the timer, where one gives and then the two swap."""


@dataclass(frozen=True)
class Recall:
    """Words a step says instead when the couple did one of ``after`` a few nights before: a ritual recalls what
    they did, in general terms, never what they said (nothing they say is stored)."""

    after: tuple[str, ...]
    nights: tuple[int, int]
    """How long ago, in nights, the latest of ``after`` was done: from the first to the second, both included."""
    wordings: tuple[str, ...]

    def applies(self, nights_ago: int | None) -> bool:
        return nights_ago is not None and self.nights[0] <= nights_ago <= self.nights[1]


@dataclass(frozen=True)
class StepTemplate:
    """One step of a ritual template; fields apply by ``kind``.

    ``wordings`` are the step's own line (a narration, task, reflection or closing, or a question's prompt) in
    each of its wordings; the first is its first telling, said the first time a couple meets the ritual.
    """

    kind: str
    wordings: tuple[str, ...] = ()
    theme: str | None = None
    touch_kind: str | None = None
    seconds: int = 0
    recall: Recall | None = None

    @property
    def text(self) -> str:
        """The first wording of a narration, task, reflection or closing ("" for questions and touch)."""
        return self.wordings[0] if self.wordings and self.kind != "question" else ""

    @property
    def prompt(self) -> str | None:
        """The first wording of a question the ritual asks itself (None for a library question)."""
        return self.wordings[0] if self.wordings and self.kind == "question" else None

    @property
    def all_wordings(self) -> tuple[str, ...]:
        """Every wording, the recalling ones included."""
        return self.wordings + (self.recall.wordings if self.recall else ())


@dataclass(frozen=True)
class RitualTemplate:
    id: str
    title: str
    pillars: tuple[Pillar, ...]
    minutes: int
    cadence: str
    needs_touch: bool
    steps: tuple[StepTemplate, ...]
    tone: str = "warm"
    depth_range: tuple[Depth, Depth] = (Depth.LIGHT, Depth.DEEPEST)
    presumes: str | None = None
    """A state the ritual assumes (a hard day, a distant week, tension): never chosen at random."""
    fits: tuple[str, ...] = ()
    """Moods the ritual suits when a couple says how they are or asks for something."""
    avoid: tuple[str, ...] = ()
    """Library questions that would echo the ritual's own prompts."""
    kinds: tuple[str, ...] = ()
    """What a couple may call it when they ask for it ("something playful"): ids of :class:`RitualKind`."""

    @property
    def has_touch(self) -> bool:
        return any(s.kind == "touch" for s in self.steps)

    @property
    def asks_library_questions(self) -> bool:
        return any(s.kind == "question" and not s.prompt for s in self.steps)

    def fixed_texts(self) -> tuple[str, ...]:
        """What the ritual itself says in all its wordings, beside the library questions and touch prompts."""
        return tuple(w for s in self.steps for w in s.all_wordings)


@dataclass(frozen=True)
class RitualKind:
    """A kind of ritual a couple can ask for by name, and how Rekindle says it back."""

    id: str
    said: str
    only: str | None = None  # a step kind its rituals ask nothing but ("touch")
    without: str | None = None  # a step kind its rituals never hold


@dataclass(frozen=True)
class ContentLibrary:
    """All content, indexed by id."""

    questions: Mapping[str, Question]
    touch_prompts: Mapping[str, TouchPrompt]
    rituals: Mapping[str, RitualTemplate]
    kinds: Mapping[str, RitualKind] = dataclasses.field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Sizes of the library, as printed by ``rekindle content --json``."""
        by_depth = {d.name.lower(): 0 for d in Depth}
        for q in self.questions.values():
            by_depth[q.depth.name.lower()] += 1
        return {
            "questions": len(self.questions),
            "touch_prompts": len(self.touch_prompts),
            "rituals": len(self.rituals),
            "nightly_rituals": sum(r.cadence == "nightly" for r in self.rituals.values()),
            "weekly_rituals": sum(r.cadence == "weekly" for r in self.rituals.values()),
            **{f"questions_{k}": v for k, v in by_depth.items()},
        }


def wordings_needed(ritual: RitualTemplate, step: StepTemplate) -> int:
    """How many wordings a ritual's line needs: :data:`MIN_WORDINGS`, or for a weekly ritual
    :data:`WEEKLY_WORDINGS` (:data:`WEEKLY_POOL` for its tasks and own questions)."""
    if ritual.cadence != "weekly":
        return MIN_WORDINGS
    return WEEKLY_POOL if step.kind in ("task", "question") else WEEKLY_WORDINGS
