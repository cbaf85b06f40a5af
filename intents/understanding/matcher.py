"""Understanding typed or transcribed phrases with the templates Alexa's models are generated from.

Every phrase a template stands for, with its slots filled from their lists, goes into one table, so a
phrase is understood by one look-up; a template whose slots multiply it into more than
:data:`TABLE_LIMIT` phrases ("{mood} and we'd like {kind}": thousands) becomes a regular expression
instead, as does one with an open slot (a name: any words): the table stays small enough to build at
every start, and a template that says more words than the table's phrase still wins over it. What the
Alexa skill understands, the laptop understands, from the same source (:mod:`.source`); a bare Alexa
model works too (:meth:`from_model`).

It reads what speech recognition really writes (:mod:`.spoken`): contractions and numbers spelled out on
both sides, fillers around a command dropped ("okay so, next please"), and :meth:`IntentMatcher.near_miss`
finds the command a slightly misspelt transcript stands for ("Bause." for "pause").
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import templates as tpl
from .alexa_model import language_from_model
from .phrase_pattern import PhrasePattern, compile_phrase
from .source import Language, SlotList
from .spoken import SLOT_REF, SpokenForms, edit_distance, normalise, normalise_sample

OPEN_SLOT_TYPES = {"AMAZON.FirstName"}
# A near miss may differ from a sample by at most this share of the sample's letters (one letter in
# five: "bause" for "pause", "heart over" for "start over"); "well done" for "all done" is further.
NEAR_MISS_RATIO = 0.2
# Filling every slot of "{mood} and we'd like {kind}" made 17,000 of the table's 37,000 phrases and half a
# second of CPU at every start; as expressions, the few such templates are matched in microseconds.
TABLE_LIMIT = 200

__all__ = ["NEAR_MISS_RATIO", "OPEN_SLOT_TYPES", "SLOT_REF", "TABLE_LIMIT", "IntentMatcher", "Match", "SlotType",
           "SpokenForms", "edit_distance", "normalise", "normalise_sample"]


@dataclass(frozen=True)
class SlotType:
    """A slot type's spoken forms (spelled out) mapped to canonical values."""

    name: str
    forms: Mapping[str, str]  # normalised spoken form -> canonical value
    open: bool = False


@dataclass(frozen=True)
class Match:
    """A phrase understood as an intent with slot values; ``sample`` is the phrase of the template it
    matched, slots as ``{slot}`` ("give us another question", "we're {mood}"); ``template`` the template
    as written in the source."""

    intent: str
    slots: Mapping[str, str] = field(default_factory=dict)
    sample: str = ""
    template: str = ""


@dataclass
class _Filled:
    """A template's phrase with its slots to fill: ``words`` spelled out, None where a slot goes."""

    words: list[str | None]
    slots: list[str]
    literal: int
    match: Match
    choices: list[list[tuple[str, str]]]  # per slot: (spoken form, canonical value)

    def into(self, table: dict[str, tuple[int, Match]], conflicts: list[tuple[str, str, str]]) -> None:
        """Every way of filling the slots into ``table``; where a phrase has more literal words it wins, and
        two intents' phrases with as many are a conflict (the first kept)."""
        at = [i for i, word in enumerate(self.words) if word is None]
        words = list(self.words)
        for filling in itertools.product(*self.choices):
            for i, (spoken, _) in zip(at, filling, strict=True):
                words[i] = spoken
            text = " ".join(w or "" for w in words)
            held = table.get(text)
            if held is None or held[0] < self.literal:
                slots = {name: canonical for name, (_, canonical) in zip(self.slots, filling, strict=True)}
                table[text] = (self.literal, Match(self.match.intent, slots, self.match.sample, self.match.template))
            elif held[0] == self.literal and held[1].intent != self.match.intent:
                conflicts.append((text, held[1].intent, self.match.intent))


class IntentMatcher:
    """Matches phrases to intents using a locale's templates (or an Alexa model's samples)."""

    def __init__(self, language: Language | Mapping[str, Any], spoken: SpokenForms | None = None) -> None:
        self.spoken = spoken if spoken is not None else SpokenForms.default()
        self.language = language if isinstance(language, Language) else language_from_model(language)
        lang = self.language
        self._spelled: dict[str, str] = {}
        self.types = {lst.type_name: self._slot_type(lst) for lst in lang.lists.values()}
        self.intents: list[str] = [i.name for i in lang.intents]
        # intent -> the samples Alexa's model gets, in order (a covering few of a large template's phrases)
        self.samples: dict[str, list[str]] = {i.name: i.samples() for i in lang.intents}
        self.slot_types: dict[str, dict[str, str]] = {i.name: lang.slot_types(i.name) for i in lang.intents}
        self._phrases: dict[str, tuple[int, Match]] = {}  # spelled-out phrase -> (literal words, match)
        self._conflicts: list[tuple[str, str, str]] = []  # (phrase, intent kept, intent refused)
        self._open: list[PhrasePattern] = []
        self._large: list[PhrasePattern] = []  # closed slots, too many phrases for the table
        self._filled: list[_Filled] = []
        for intent in lang.intents:
            for template in intent.templates:
                self._add(template, lang)
        self._open.sort(key=lambda p: -p.literal_words)
        self._large.sort(key=lambda p: -p.literal_words)
        self._open_samples = {(p.intent, p.sample) for p in self._open}
        # Samples without slots, spelled out, for near misses (first sample wins a tie of texts).
        self._plain: dict[str, Match] = {}
        for intent in lang.intents:
            for sample in self.samples[intent.name]:
                if not SLOT_REF.search(sample):
                    self._plain.setdefault(self._spell(normalise(sample)), Match(intent.name, {}, sample))

    @classmethod
    def for_locale(cls, locale: str = "en-US") -> IntentMatcher:
        """The matcher of a locale's source (``interaction_models/sentences`` and its overlay)."""
        from .source import language

        return cls(language(locale))

    @classmethod
    def from_model(cls, language_model: Mapping[str, Any]) -> IntentMatcher:
        """A matcher whose templates are an Alexa ``languageModel``'s samples."""
        return cls(language_from_model(language_model))

    def _spell(self, text: str) -> str:
        spelled = self._spelled.get(text)
        if spelled is None:
            spelled = self._spelled[text] = self.spoken.spell_out(text)
        return spelled

    def _slot_type(self, slot_list: SlotList) -> SlotType:
        forms = {self._spell(normalise(form)): canonical for form, canonical in slot_list.forms().items()}
        return SlotType(slot_list.type_name, forms, open=slot_list.open or slot_list.type_name in OPEN_SLOT_TYPES)

    def _is_open(self, type_name: str) -> bool:
        slot_type = self.types.get(type_name)
        return slot_type is None or slot_type.open or not slot_type.forms

    def _add(self, template: tpl.Template, lang: Language) -> None:
        slot_types = lang.slot_types(template.intent)
        for phrase in template.expansions():
            tokens = normalise_sample(phrase).split()
            refs = [m.group(1) for t in tokens if (m := SLOT_REF.fullmatch(t))]
            literal = sum(len(self._spell(t).split()) for t in tokens if not SLOT_REF.fullmatch(t))
            if any(self._is_open(slot_types.get(r, "")) for r in refs):
                self._open.append(self._compile(template, phrase, tokens, slot_types, literal))
                continue
            choices = [list(self.types[slot_types[r]].forms.items()) for r in refs]
            filled = _Filled([None if SLOT_REF.fullmatch(t) else self._spell(t) for t in tokens], refs, literal,
                             Match(template.intent, {}, phrase, template.text), choices)
            if math.prod(len(c) for c in choices) > TABLE_LIMIT:
                self._large.append(self._compile(template, phrase, tokens, slot_types, literal))
                self._filled.append(filled)
            else:
                filled.into(self._phrases, self._conflicts)

    @property
    def conflicts(self) -> list[tuple[str, str, str]]:
        """Phrases two intents' templates both stand for with as many literal words: (phrase, intent
        kept, intent refused). The large templates are filled out for this (slow: for checks, not starts)."""
        return self.every_phrase()[1]

    def every_phrase(self) -> tuple[dict[str, Match], list[tuple[str, str, str]]]:
        """Every phrase without an open slot and what it means, the large templates filled out as the table
        would hold them, and the conflicts found meanwhile (for checks: slow)."""
        table, found = dict(self._phrases), list(self._conflicts)
        for filled in self._filled:
            filled.into(table, found)
        return {text: match for text, (_, match) in table.items()}, found

    def _compile(self, template: tpl.Template, phrase: str, tokens: list[str], slot_types: Mapping[str, str],
                 literal: int) -> PhrasePattern:
        def forms(slot: str) -> Mapping[str, str] | None:
            type_name = slot_types.get(slot, "")
            return None if self._is_open(type_name) else self.types[type_name].forms

        return compile_phrase(template.intent, phrase, template.text, tokens, literal, self._spell, forms)

    def match(self, phrase: str) -> Match | None:
        """The intent a phrase expresses, or None when it is none of the templates' phrases.

        Contractions and numbers are spelled out on both sides, and fillers around the phrase
        ("okay so", "please", "let's") are dropped when the whole does not match, the fewest first.
        """
        text = self.spoken.spell_out(normalise(phrase))
        forms = self.spoken.strippings(text)
        at, found = next(((at, m) for at, form in enumerate(forms) if (m := self._first(form)) is not None),
                         (len(forms), None))
        if found is None or not self._filled_open(found):
            return found
        # An open slot (a name) swallows a filler next to it ("Sky and Maria now." is not "Maria now"),
        # so for the same intent the phrase with the most fillers dropped wins.
        for form in reversed(forms[at + 1:]):
            shorter = self._first(form)
            if shorter is not None and shorter.intent == found.intent:
                return shorter
        return found

    def _first(self, text: str) -> Match | None:
        if not text:
            return None
        held = self._phrases.get(text)
        for pattern in self._large:  # the most literal words first, as the table would have kept them
            if held is not None and pattern.literal_words <= held[0]:
                break
            if m := pattern.regex.match(text):
                return Match(pattern.intent, self._slot_values(pattern, m), pattern.sample, pattern.template)
        if held is not None:
            return held[1]
        for pattern in self._open:
            m = pattern.regex.match(text)
            if m:
                return Match(pattern.intent, self._slot_values(pattern, m), pattern.sample, pattern.template)
        return None

    def _filled_open(self, match: Match) -> bool:
        """Whether ``match`` filled a slot that takes any words (a name)."""
        return (match.intent, match.sample) in self._open_samples

    def _slot_values(self, pattern: PhrasePattern, found: re.Match[str]) -> dict[str, str]:
        types = self.slot_types.get(pattern.intent, {})

        def forms(slot: str) -> Mapping[str, str] | None:
            slot_type = self.types.get(types.get(slot, ""))
            return slot_type.forms if slot_type and not slot_type.open else None

        return pattern.slots(found, forms)

    def near_miss(self, phrase: str, intents: Collection[str] | None = None,
                  ratio: float = NEAR_MISS_RATIO) -> Match | None:
        """The sample without slots that ``phrase`` is a slight misspelling of, or None.

        Speech recognition writes sounds it is unsure of as the nearest word it knows ("Bause." for
        "pause"). A sample is a near miss when at most ``ratio`` of its letters differ (edit
        distance, spaces counted); a tie between two intents is no answer. ``intents`` limits
        the samples considered. Callers decide when a near miss may act: it is weaker evidence
        than :meth:`match`.
        """
        text = self.spoken.without_fillers(self.spoken.spell_out(normalise(phrase)))
        if not text:
            return None
        best: list[tuple[int, Match]] = []
        for sample, match in self._plain.items():
            if intents is not None and match.intent not in intents:
                continue
            limit = int(ratio * len(sample))
            if limit < 1 or abs(len(sample) - len(text)) > limit:
                continue
            distance = edit_distance(text, sample)
            if distance <= limit:
                best.append((distance, match))
        if not best:
            return None
        least = min(d for d, _ in best)
        closest = {m.intent: m for d, m in best if d == least}
        if len(closest) != 1:
            return None
        return next(iter(closest.values()))

    def expansions(self, intents: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Every phrase each intent's templates stand for, slots kept as ``{slot}`` (for grammars and
        prompts; :attr:`samples` is the shorter set Alexa gets)."""
        wanted = set(self.intents if intents is None else intents)
        return {i.name: i.expansions() for i in self.language.intents if i.name in wanted}

    def phrases(self) -> list[str]:
        """Every sample with slots expanded by their values (for grammars and vocabularies)."""
        out: set[str] = set()
        for intent, samples in self.samples.items():
            for sample in samples:
                out.update(self.expand(sample, self.slot_types[intent]))
        return sorted(out)

    def expand(self, sample: str, slot_types: Mapping[str, str]) -> list[str]:
        """``sample`` with each slot replaced by each of its type's forms."""
        texts = [normalise_sample(sample)]
        for slot, type_name in slot_types.items():
            forms = list(self.types[type_name].forms) if type_name in self.types else []
            if not forms:
                continue
            expanded: list[str] = []
            for text in texts:
                if "{" + slot + "}" in text:
                    expanded.extend(text.replace("{" + slot + "}", f) for f in forms)
                else:
                    expanded.append(text)
            texts = expanded
        return [t for t in texts if "{" not in t]
