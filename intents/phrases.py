"""Rekindle's own words around the content, read from ``content/phrases.yaml``.

A phrase marks each option it offers in square brackets ("Say [yes] to begin"). The brackets are not
spoken (:func:`spoken`); :func:`offered` lists the options, so tests can check that every option
Rekindle offers is one it understands. A key ending in ``_window`` is said instead of its base key on a
front whose microphone closes a few seconds after it speaks (:class:`~intents.window.MicrophoneWindow`),
where a bare "say next" would no longer be heard; ``{invocation}`` is that front's name for Rekindle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .content import CONTENT_DIR, ContentError, _Reader, load_forbidden
from .replies import OPTION
from .window import MicrophoneWindow

PLACEHOLDER = re.compile(r"\{(\w+)\}")
UNMARKED_SAY = re.compile(r"\bsay (?!\[)(?!,|:|that\b|for example\b|it\b|so\b)", re.IGNORECASE)
SAMPLE_VALUES = {
    "title": "Gratitude before sleep",
    "minutes": "ten",
    "minutes_left": "five",
    "step": "two",
    "steps": "five",
    "nights": "twelve",
    "first": "Sam",
    "second": "Alex",
    "question": "What made you smile today?",
    "invite": "If you both like, hold hands.",
    "length": "a minute",
    "count": "two",
    "invocation": "nightly ritual",
}
WINDOW_SUFFIX = "_window"


def spoken(text: str) -> str:
    """A phrase as it is said: option brackets removed."""
    return OPTION.sub(lambda m: m.group(1), text)


def offered(text: str) -> tuple[str, ...]:
    """The options a phrase offers (its bracketed words), in order."""
    return tuple(m.group(1) for m in OPTION.finditer(text))


@dataclass(frozen=True)
class Phrases:
    """Keyed phrase variants. ``say`` fills placeholders."""

    table: Mapping[str, tuple[str, ...]]
    variant: int = 0
    window: MicrophoneWindow | None = None

    def for_night(self, number: int) -> Phrases:
        """The same table choosing variants for one night, so a night's wording stays steady."""
        return Phrases(self.table, number, self.window)

    def for_window(self, window: MicrophoneWindow | None) -> Phrases:
        """The same table for a front whose microphone closes (None: one that keeps listening)."""
        return Phrases(self.table, self.variant, window)

    def say(self, key: str, **values: object) -> str:
        if self.window is not None:
            key = key + WINDOW_SUFFIX if key + WINDOW_SUFFIX in self.table else key
            values = {"invocation": self.window.name, **values}
        options = self.table[key]
        template = options[self.variant % len(options)]
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)


def load_phrases(path: Path = CONTENT_DIR / "phrases.yaml") -> Phrases:
    """Load and lint the phrase table (placeholders are filled with samples for the lint)."""
    reader = _Reader(path, load_forbidden(path.parent))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: expected a mapping of phrase keys")
    table: dict[str, tuple[str, ...]] = {}
    for key, variants in data.items():
        if not isinstance(variants, list) or not variants:
            raise reader.fail(str(key), "needs a list of at least one phrase")
        for text in variants:
            unknown = set(PLACEHOLDER.findall(str(text))) - SAMPLE_VALUES.keys()
            if unknown:
                raise reader.fail(str(key), f"unknown placeholder(s) {sorted(unknown)}")
            if str(text).count("[") != str(text).count("]") or UNMARKED_SAY.search(str(text)):
                raise reader.fail(str(key), "an option Rekindle offers after 'say' goes in [brackets]")
            reader.text(str(key), "phrase", spoken(PLACEHOLDER.sub(lambda m: SAMPLE_VALUES[m.group(1)], str(text))))
        table[str(key)] = tuple(" ".join(str(v).split()) for v in variants)
    lone = [k for k in table if k.endswith(WINDOW_SUFFIX) and k.removesuffix(WINDOW_SUFFIX) not in table]
    if lone:
        raise reader.fail(lone[0], "is said instead of a phrase that does not exist")
    return Phrases(table)


@lru_cache(maxsize=1)
def default_phrases() -> Phrases:
    return load_phrases()
