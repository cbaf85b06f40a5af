"""Rules about how content is worded, shared by the content lint and the planner.

Rekindle speaks as a guide to two people, so its own lines never use a
partner's first person; a touch invitation carries no opt-out of its own (the
engine adds one); and no two lines should be near copies of each other.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

from .library import read_yaml

STOPWORDS_FILE = Path(__file__).with_name("stopwords.yaml")

FIRST_PERSON = re.compile(
    r"\b(i'm|i'd|i've|i'll|i|myself|mine|me|my|we're|we'd|we've|we'll|we|ourselves|ours|our|us)\b",
    re.IGNORECASE,
)
# A quotation: a framing verb, then a colon, then the words the partners would say, to the sentence end.
QUOTATION = re.compile(
    r"\b(?:ask each other|ask your partner|tell each other|tell your partner|say|saying)\b[^.?!:]*:[^.?!]*[.?!]?",
    re.IGNORECASE,
)
OPT_OUTS = re.compile(
    r"\b(?:skip|skipping|say no|pass|opt out|either of you can|always (?:fine|okay|ok|welcome|an option)"
    r"|completely fine|perfectly fine)\b",
    re.IGNORECASE,
)
SKIP = re.compile(r"\bskip\b", re.IGNORECASE)
SWAP = re.compile(r"\b(?:swap|change places|take turns|the other of you)\b", re.IGNORECASE)
WHO_ACTS = re.compile(
    r"\b(?:each other|each other's|one of you|both|together|take turns|side by side|the two of you)\b",
    re.IGNORECASE,
)

JOINT = re.compile(r"^(?:together|pick|choose|decide|agree|plan|make)\b", re.IGNORECASE)
"""How an instruction to the two together begins: such a line is a task, not a question each answers."""

NEAR_DUPLICATE = 0.4
"""Jaccard similarity of content words at or above which two lines count as near copies."""

TWIN = 0.34
"""Similarity at or above which a library question repeats a ritual's own prompt."""

WORD = re.compile(r"[a-z']+")


def first_person(text: str) -> list[str]:
    """First-person words in ``text`` outside a framed quotation ("Ask each other: ...")."""
    unquoted = QUOTATION.sub(" ", text)
    return [m.group(0) for m in FIRST_PERSON.finditer(unquoted)]


def opt_outs(text: str) -> list[str]:
    """Phrases that offer a way out; the engine adds the one opt-out every touch invitation gets."""
    return [m.group(0) for m in OPT_OUTS.finditer(text)]


def _stem(word: str) -> str:
    word = word.strip("'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words too common, or too much part of every invitation, to make two lines alike."""
    words = read_yaml(STOPWORDS_FILE)["stopwords"]
    if not all(isinstance(w, str) for w in words):  # YAML reads a bare no or on as a boolean
        raise ValueError(f"{STOPWORDS_FILE.name}: quote every word that is not plain text: {words!r}")
    return frozenset(words)


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """The words that carry meaning, lightly stemmed (``hugs`` and ``hug`` are one word)."""
    skip = stopwords()
    return frozenset(_stem(w) for w in WORD.findall(text.lower()) if w not in skip and len(w) > 1)


def similarity(a: str, b: str) -> float:
    """Word-overlap (Jaccard) similarity of two lines' content words, from 0 to 1."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


@dataclass(frozen=True)
class Line:
    """A line of content to compare: where it lives, and what it says."""

    where: str
    text: str


def near_duplicates(lines: Sequence[Line], threshold: float = NEAR_DUPLICATE) -> list[tuple[Line, Line, float]]:
    """Pairs of lines at or above ``threshold``, most similar first.

    Only lines sharing a word can be alike, so each line is compared with those found through an index of
    words (shared words counted at C speed) rather than with every other line: the library has hundreds of
    ritual wordings, and this runs every time content loads.
    """
    words = [content_words(line.text) for line in lines]
    having: dict[str, list[int]] = defaultdict(list)
    pairs = []
    for j, mine in enumerate(words):
        for i, shared in Counter(chain.from_iterable(having[w] for w in mine)).items():
            score = shared / (len(words[i]) + len(mine) - shared)
            if score >= threshold:
                pairs.append((lines[i], lines[j], score))
        for w in mine:
            having[w].append(j)
    return sorted(pairs, key=lambda p: -p[2])


def pair_key(a: str, b: str) -> tuple[str, str]:
    """An order-free key for a reviewed pair of line locations."""
    first, second = sorted((a, b))
    return first, second


def twins(text: str, candidates: Iterable[tuple[str, str]], threshold: float = TWIN) -> set[str]:
    """Ids of candidate ``(id, text)`` lines that say much the same as ``text``."""
    return {ident for ident, other in candidates if similarity(text, other) >= threshold}
