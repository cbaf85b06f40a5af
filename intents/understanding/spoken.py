"""How transcripts spell what people say, and how far apart two spellings are.

Samples and what was heard are both spelled out the same way before they are compared
(``interaction_models/spoken_forms.json``): "We are done." is "we're done", "10 minutes" is "ten minutes",
fillers around a command are dropped ("okay so, next please").
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SLOT_REF = re.compile(r"\{(\w+)\}")
# Fillers taken off each end of a phrase at most: more than anyone says around a command, and few enough that a
# line of thousands of fillers costs as little as a short one (every pair of ends was a form: 20,000 "and"s
# took 7 s and 2.5 GB).
MOST_FILLERS = 8


@dataclass(frozen=True)
class SpokenForms:
    """How transcripts spell things (``interaction_models/spoken_forms.json``)."""

    contractions: Mapping[str, str] = field(default_factory=dict)
    numbers: Mapping[str, str] = field(default_factory=dict)
    misheard: Mapping[str, str] = field(default_factory=dict)  # whole phrases, spelled out, as meant
    leading_fillers: tuple[tuple[str, ...], ...] = ()
    trailing_fillers: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpokenForms:
        words = cls({str(k): str(v) for k, v in data.get("contractions", {}).items()},
                    {str(k): str(v) for k, v in data.get("numbers", {}).items()})

        def phrases(key: str) -> tuple[tuple[str, ...], ...]:
            # Spelled out like what they are compared with: "let's" is "let us" in a transcript.
            found = {tuple(words.spell_out(normalise(str(p))).split()) for p in data.get(key, [])}
            return tuple(sorted((p for p in found if p), key=lambda p: (-len(p), p)))

        misheard = {words.spell_out(normalise(str(k))): words.spell_out(normalise(str(v)))
                    for k, v in data.get("misheard", {}).items()}
        return cls(words.contractions, words.numbers, misheard, phrases("leading_fillers"),
                   phrases("trailing_fillers"))

    @classmethod
    def default(cls) -> SpokenForms:
        from interaction_models import spoken_forms

        return cls.from_dict(spoken_forms())

    def spell_out(self, text: str) -> str:
        """``text`` (normalised) with contractions and numbers spelled out and misheard phrases as meant."""
        out = " ".join(self.contractions.get(w) or self.numbers.get(w) or w for w in text.split())
        for heard, meant in self.misheard.items():
            out = re.sub(rf"(?<![a-z']){re.escape(heard)}(?![a-z'])", meant, out)
        return out

    def without_fillers(self, text: str) -> str:
        """``text`` without filler phrases at its start and end ("okay so next please" -> "next")."""
        return self.strippings(text)[-1]

    def strippings(self, text: str) -> list[str]:
        """``text`` with ever more fillers taken off its start and end, the least taken first, ``text``
        itself first and the bare phrase last ("let us stop for now": "stop for now", "let us stop",
        "stop"), so that a filler which is part of a command ("we are done for now") is kept when the
        command is found before it is reached. At most ``MOST_FILLERS`` come off each end."""
        leading = [text.split()]
        while len(leading) <= MOST_FILLERS and (
                shorter := self._strip(leading[-1], self.leading_fillers, front=True)) is not None:
            leading.append(shorter)
        forms: dict[str, int] = {}
        for words in leading:
            current: list[str] | None = words
            for _ in range(MOST_FILLERS + 1):
                if current is None:
                    break
                forms.setdefault(" ".join(current), len(current))
                current = self._strip(current, self.trailing_fillers, front=False)
        return sorted(forms, key=lambda form: -forms[form])

    @staticmethod
    def _strip(words: list[str], fillers: tuple[tuple[str, ...], ...], front: bool) -> list[str] | None:
        for filler in fillers:
            n = len(filler)
            if len(words) > n and tuple(words[:n] if front else words[-n:]) == filler:
                return words[n:] if front else words[:-n]
        return None

def normalise(text: str) -> str:
    """Lower-case words with apostrophes kept and other punctuation dropped."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


def normalise_sample(sample: str) -> str:
    """Normalise a sample while keeping its ``{slot}`` references."""
    pieces = re.split(r"(\{\w+\})", sample)
    return " ".join(p if SLOT_REF.fullmatch(p) else normalise(p) for p in pieces if p.strip()).strip()


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance between two sequences (strings: letters; lists: tokens)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
