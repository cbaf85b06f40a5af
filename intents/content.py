"""The content library: connection questions, touch prompts and ritual templates.

Content is data (YAML files beside this module); this module only reads and
checks it. Every problem is reported as a :class:`ContentError` naming the
file and the entry, so a writer can fix it without reading code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).with_name("content")
MAX_UTTERANCE = 300
SPEAKABLE = re.compile(r"^[A-Za-z0-9 .,?!'\-:;]+$")


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
STEP_KINDS = ("narration", "question", "touch", "reflection", "closing")
CADENCES = ("nightly", "weekly", "on_request")
TOUCH_SECONDS = (15, 300)


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


@dataclass(frozen=True)
class StepTemplate:
    """One step of a ritual template; fields apply by ``kind``."""

    kind: str
    text: str = ""
    theme: str | None = None
    prompt: str | None = None
    touch_kind: str | None = None
    seconds: int = 0


@dataclass(frozen=True)
class RitualTemplate:
    id: str
    title: str
    pillars: tuple[Pillar, ...]
    minutes: int
    cadence: str
    needs_touch: bool
    steps: tuple[StepTemplate, ...]

    @property
    def has_touch(self) -> bool:
        return any(s.kind == "touch" for s in self.steps)


@dataclass(frozen=True)
class ContentLibrary:
    """All content, indexed by id."""

    questions: Mapping[str, Question]
    touch_prompts: Mapping[str, TouchPrompt]
    rituals: Mapping[str, RitualTemplate]

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


class _Reader:
    """Reads one file's entries, raising errors that name file and entry."""

    def __init__(self, path: Path, forbidden: Iterable[str]) -> None:
        self.path = path
        self.forbidden = [re.compile(rf"\b{re.escape(w)}\b", re.IGNORECASE) for w in forbidden]

    def fail(self, entry: str, problem: str) -> ContentError:
        return ContentError(f"{self.path.name}: entry {entry!r}: {problem}")

    def entries(self, key: str) -> list[dict[str, Any]]:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ContentError(f"{self.path.name}: cannot read: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise ContentError(f"{self.path.name}: expected a top-level list '{key}'")
        items = data[key]
        seen: set[str] = set()
        for index, item in enumerate(items):
            label = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
            if not isinstance(item, dict):
                raise self.fail(label, "is not a mapping")
            ident = item.get("id")
            if not isinstance(ident, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", ident):
                raise self.fail(label, "needs an id of lowercase letters, digits and dashes")
            if ident in seen:
                raise self.fail(ident, "duplicate id")
            seen.add(ident)
        return list(items)

    def text(self, entry: str, field: str, value: Any, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(entry, f"'{field}' must be non-empty text")
        text: str = " ".join(value.split())
        if len(text) > MAX_UTTERANCE:
            raise self.fail(entry, f"'{field}' is {len(text)} characters; the limit is {MAX_UTTERANCE}")
        if not SPEAKABLE.match(text):
            bad = sorted({c for c in text if not SPEAKABLE.match(c)})
            raise self.fail(entry, f"'{field}' has characters a speech engine would read aloud: {bad}")
        for pattern in self.forbidden:
            if pattern.search(text):
                raise self.fail(entry, f"'{field}' uses forbidden word {pattern.pattern[2:-2]!r}")
        return text

    def choice(self, entry: str, field: str, value: Any, options: Iterable[str]) -> str:
        options = tuple(options)
        if value not in options:
            raise self.fail(entry, f"'{field}' is {value!r}; expected one of {', '.join(options)}")
        return str(value)

    def number(self, entry: str, field: str, value: Any, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(entry, f"'{field}' must be a whole number from {low} to {high}, got {value!r}")
        return value


def load_forbidden(directory: Path = CONTENT_DIR) -> tuple[str, ...]:
    """The forbidden-vocabulary list (explicit, medical and gendered words)."""
    data = yaml.safe_load((directory / "forbidden.yaml").read_text(encoding="utf-8"))
    words: list[str] = []
    for group in data.values():
        words.extend(str(w) for w in group)
    return tuple(words)


def load_content(directory: Path = CONTENT_DIR) -> ContentLibrary:
    """Load and validate every content file in ``directory``."""
    forbidden = load_forbidden(directory)
    questions = _load_questions(_Reader(directory / "questions.yaml", forbidden))
    touches = _load_touches(_Reader(directory / "touch_prompts.yaml", forbidden))
    rituals = _load_rituals(_Reader(directory / "rituals.yaml", forbidden), touches)
    return ContentLibrary(questions, touches, rituals)


@lru_cache(maxsize=1)
def default_content() -> ContentLibrary:
    """The bundled library, loaded once per process."""
    return load_content()


def _load_questions(r: _Reader) -> dict[str, Question]:
    out: dict[str, Question] = {}
    for item in r.entries("questions"):
        i = item["id"]
        depth = r.choice(i, "depth", item.get("depth"), (d.name.lower() for d in Depth))
        out[i] = Question(
            id=i,
            depth=Depth.parse(depth),
            theme=r.choice(i, "theme", item.get("theme"), THEMES),
            pillar=Pillar(r.choice(i, "pillar", item.get("pillar"), (p.value for p in Pillar))),
            text=r.text(i, "text", item.get("text")),
        )
    return out


def _load_touches(r: _Reader) -> dict[str, TouchPrompt]:
    out: dict[str, TouchPrompt] = {}
    for item in r.entries("touch_prompts"):
        i = item["id"]
        out[i] = TouchPrompt(
            id=i,
            kind=r.choice(i, "kind", item.get("kind"), TOUCH_KINDS),
            seconds=r.number(i, "seconds", item.get("seconds"), *TOUCH_SECONDS),
            invite=r.text(i, "invite", item.get("invite")),
            start=r.text(i, "start", item.get("start")),
            end=r.text(i, "end", item.get("end")),
        )
    return out


def _load_rituals(r: _Reader, touches: Mapping[str, TouchPrompt]) -> dict[str, RitualTemplate]:
    touch_kinds = {t.kind for t in touches.values()}
    out: dict[str, RitualTemplate] = {}
    for item in r.entries("rituals"):
        i = item["id"]
        pillars = item.get("pillars")
        if not isinstance(pillars, list) or not pillars:
            raise r.fail(i, "'pillars' must be a non-empty list")
        steps_raw = item.get("steps")
        if not isinstance(steps_raw, list) or len(steps_raw) < 2:
            raise r.fail(i, "'steps' must list at least two steps")
        steps = tuple(_load_step(r, f"{i} step {n + 1}", s, touch_kinds) for n, s in enumerate(steps_raw))
        if steps[-1].kind != "closing":
            raise r.fail(i, "the last step must be a closing")
        out[i] = RitualTemplate(
            id=i,
            title=r.text(i, "title", item.get("title")),
            pillars=tuple(Pillar(r.choice(i, "pillars", p, (x.value for x in Pillar))) for p in pillars),
            minutes=r.number(i, "minutes", item.get("minutes"), 2, 30),
            cadence=r.choice(i, "cadence", item.get("cadence", "nightly"), CADENCES),
            needs_touch=bool(item.get("needs_touch", False)),
            steps=steps,
        )
    return out


def _load_step(r: _Reader, entry: str, raw: Any, touch_kinds: set[str]) -> StepTemplate:
    if not isinstance(raw, dict):
        raise r.fail(entry, "is not a mapping")
    kind = r.choice(entry, "kind", raw.get("kind"), STEP_KINDS)
    if kind == "question":
        theme, prompt = raw.get("theme"), raw.get("prompt")
        if theme is not None and prompt is not None:
            raise r.fail(entry, "a question step has either 'theme' or 'prompt', not both")
        return StepTemplate(
            kind,
            theme=r.choice(entry, "theme", theme, THEMES) if theme is not None else None,
            prompt=r.text(entry, "prompt", prompt) if prompt is not None else None,
        )
    if kind == "touch":
        touch_kind = raw.get("touch_kind")
        if touch_kind is not None and touch_kind not in touch_kinds:
            raise r.fail(entry, f"no touch prompt has kind {touch_kind!r}")
        return StepTemplate(kind, touch_kind=touch_kind)
    return StepTemplate(
        kind,
        text=r.text(entry, "text", raw.get("text")),
        seconds=r.number(entry, "seconds", raw.get("seconds", 0), 0, 120),
    )
