"""Rekindle's own words around the content, read from ``content/phrases.yaml``.

A phrase marks each option it offers in square brackets ("Say [yes] to begin"). The brackets are not
spoken (:func:`spoken`); :func:`offered` lists the options, so tests can check that every option
Rekindle offers is one it understands. A key ending in ``_window`` is said instead of its base key on a
front whose microphone closes a few seconds after it speaks (:class:`~intents.window.MicrophoneWindow`),
where a bare "say next" would no longer be heard; ``{invocation}`` is that front's name for Rekindle.

A phrase may have variants. Each night says each phrase one way (:func:`variant_index`): the nights
go in blocks as long as the phrase has variants, each block says every variant once in its own
shuffled order, and no variant is said two nights running. With :data:`NIGHTLY_VARIANTS` variants
or more, no line is the same on more than a third of any 28 nights in a row (a phrase with three
would repeat one on ten of them), and each phrase shuffles on its own, so nights never fall into a
cycle of matching greetings, intros and goodnights.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

from ..replies import OPTION
from ..window import MicrophoneWindow
from .library import CONTENT_DIR, ContentError, read_yaml
from .loader import load_forbidden
from .reader import _Reader

NIGHTLY_VARIANTS = 4
"""Variants a line heard most nights needs: fewer cannot keep any line to a third of 28 nights."""
PLACEHOLDER = re.compile(r"\{(\w+)\}")
UNMARKED_SAY = re.compile(r"\bsay (?!\[)(?!,|:|that\b|for example\b|it\b|so\b)", re.IGNORECASE)
SAMPLE_VALUES = {
    "title": "Gratitude before sleep",
    "minutes": "ten",
    "usual": "ten",
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
    "asked": "Something short",
}
WINDOW_SUFFIX = "_window"


def spoken(text: str) -> str:
    """A phrase as it is said: option brackets removed."""
    return OPTION.sub(lambda m: m.group(1), text)


def offered(text: str) -> tuple[str, ...]:
    """The options a phrase offers (its bracketed words), in order."""
    return tuple(m.group(1) for m in OPTION.finditer(text))


def variant_index(key: str, night: int, count: int) -> int:
    """Which of ``count`` variants phrase ``key`` says on night number ``night`` (see the module docs)."""
    if count <= 1:
        return 0
    if count == 2:
        return (night + _seed(key, "")) % 2
    block, position = divmod(night, count)
    order = _order(key, block, count)
    if order[0] == _order(key, block - 1, count)[-1]:  # the last night of the block before said it
        order[0], order[1] = order[1], order[0]
    return order[position]


def _seed(key: str, block: object) -> int:
    return int.from_bytes(hashlib.sha256(f"{key}|{block}".encode()).digest()[:8], "big")


def _order(key: str, block: int, count: int) -> list[int]:
    return random.Random(_seed(key, block)).sample(range(count), count)


@dataclass(frozen=True)
class Phrases:
    """Keyed phrase variants. ``say`` fills placeholders.

    ``variant`` is the night's number (:meth:`for_night`); a table :meth:`pinned` to a variant says that
    variant of every phrase instead, on every night, so tests can hear each one.
    """

    table: Mapping[str, tuple[str, ...]]
    variant: int = 0
    window: MicrophoneWindow | None = None
    pinned_variant: bool = False

    def for_night(self, number: int) -> Phrases:
        """The same table choosing variants for one night, so a night's wording stays steady."""
        return self if self.pinned_variant else replace(self, variant=number)

    def for_window(self, window: MicrophoneWindow | None) -> Phrases:
        """The same table for a front whose microphone closes (None: one that keeps listening)."""
        return replace(self, window=window)

    def pinned(self, variant: int) -> Phrases:
        """The same table saying variant ``variant`` (modulo each phrase's count) of every phrase, every night."""
        return replace(self, variant=variant, pinned_variant=True)

    def index(self, key: str, occurrence: int = 0) -> int:
        """Which variant of ``key`` is said tonight. ``occurrence`` moves on to the next variant for a phrase
        said again later the same night (the next question's intro), so a night does not repeat itself."""
        count = len(self.table[key])
        chosen = self.variant if self.pinned_variant else variant_index(key, self.variant, count)
        return (chosen + occurrence) % count

    def say(self, key: str, **values: object) -> str:
        """The phrase ``key`` as said tonight, placeholders filled from ``values``."""
        return self.say_nth(key, 0, **values)

    def say_in_turn(self, key: str, turn: int, **values: object) -> str:
        """Variant ``turn`` (modulo the count) of a phrase said on occasions counted elsewhere, such as the
        n-th check-in, which comes every third night and would otherwise fall on the same variant's nights."""
        return self._fill(key, lambda key: self.variant if self.pinned_variant else turn, values)

    def say_nth(self, key: str, occurrence: int, **values: object) -> str:
        """Like :meth:`say`, for the ``occurrence``-th time tonight (see :meth:`index`)."""
        return self._fill(key, lambda key: self.index(key, occurrence), values)

    def _fill(self, key: str, choose: Callable[[str], int], values: dict[str, object]) -> str:
        if self.window is not None:
            key = key + WINDOW_SUFFIX if key + WINDOW_SUFFIX in self.table else key
            values = {"invocation": self.window.name, **values}
        options = self.table[key]
        template = options[choose(key) % len(options)]
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)


def load_phrases(path: Path = CONTENT_DIR / "phrases.yaml") -> Phrases:
    """Load and lint the phrase table (placeholders are filled with samples for the lint)."""
    reader = _Reader(path, load_forbidden(path.parent))
    try:
        data = read_yaml(path)
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
