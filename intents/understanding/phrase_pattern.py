"""A template's phrase as a regular expression: for a slot that takes any words (a name), and for a
template whose slots would fill the matcher's table with thousands of phrases."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .spoken import SLOT_REF

OPEN_WORDS = r"[a-z'][a-z']*(?: [a-z'][a-z']*)?"  # an open slot: one or two words


@dataclass(frozen=True)
class PhrasePattern:
    """One phrase of a template (``sample``, slots as ``{slot}``) as a regular expression over spelled-out
    text; ``literal_words`` counts its words that are not slots, so the more specific phrase wins."""

    intent: str
    sample: str
    template: str
    regex: re.Pattern[str]
    groups: Mapping[str, str]  # regex group -> slot
    literal_words: int

    def slots(self, found: re.Match[str], forms: Callable[[str], Mapping[str, str] | None]) -> dict[str, str]:
        """The slot values ``found`` holds: a closed slot's canonical value, an open slot's words."""
        values: dict[str, str] = {}
        for group, spoken in found.groupdict().items():
            if spoken is None:
                continue
            slot = self.groups[group]
            known = forms(slot)
            values[slot] = known[spoken] if known is not None and spoken in known else spoken
        return values


def compile_phrase(intent: str, sample: str, template: str, tokens: Sequence[str], literal_words: int,
                   spell: Callable[[str], str], forms: Callable[[str], Mapping[str, str] | None]) -> PhrasePattern:
    """``tokens`` (a normalised sample's words) as a pattern: each word spelled out, each slot a group of
    its forms (longest first), or any one or two words where ``forms`` has none for it."""
    parts: list[str] = []
    groups: dict[str, str] = {}
    for token in tokens:
        ref = SLOT_REF.fullmatch(token)
        if not ref:
            parts.append(re.escape(spell(token)))
            continue
        group = f"g{len(groups)}"
        groups[group] = ref.group(1)
        known = forms(ref.group(1))
        if known is None:
            parts.append(f"(?P<{group}>{OPEN_WORDS})")
        else:
            parts.append(f"(?P<{group}>" + "|".join(re.escape(f) for f in sorted(known, key=len, reverse=True)) + ")")
    return PhrasePattern(intent, sample, template, re.compile("^" + " ".join(parts) + "$"), groups, literal_words)
