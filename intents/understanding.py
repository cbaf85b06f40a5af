"""Understanding typed or transcribed phrases with the Alexa interaction model.

The matcher is generated from ``interaction_models/<locale>.json``: each
sample utterance becomes a pattern, slot references become captures limited
to the slot type's values (or free words for open types). What the Alexa
skill understands, the laptop understands, from the same file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SLOT_REF = re.compile(r"\{(\w+)\}")
OPEN_SLOT_TYPES = {"PARTNER_NAME", "AMAZON.FirstName"}
FILLERS = ("please", "um", "uh", "hmm", "erm", "oh", "rekindle", "alexa", "hey", "okay so")


def normalise(text: str) -> str:
    """Lower-case words with apostrophes kept and other punctuation dropped."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class SlotType:
    """A slot type's spoken forms mapped to canonical values."""

    name: str
    forms: Mapping[str, str]  # normalised spoken form -> canonical value
    open: bool = False


@dataclass(frozen=True)
class Match:
    """A phrase understood as an intent with slot values."""

    intent: str
    slots: Mapping[str, str] = field(default_factory=dict)
    sample: str = ""


@dataclass(frozen=True)
class _Pattern:
    intent: str
    sample: str
    regex: re.Pattern[str]
    slot_types: Mapping[str, str]
    literal_words: int


class IntentMatcher:
    """Matches phrases to intents using an interaction model's samples."""

    def __init__(self, language_model: Mapping[str, Any]) -> None:
        self.types = self._read_types(language_model.get("types", []))
        self.patterns: list[_Pattern] = []
        self.intents: list[str] = []
        for intent in language_model.get("intents", []):
            name = str(intent["name"])
            self.intents.append(name)
            slot_types = {str(s["name"]): str(s["type"]) for s in intent.get("slots", [])}
            for sample in intent.get("samples", []):
                self.patterns.append(self._compile(name, str(sample), slot_types))
        # Prefer the most specific sample: more literal words first.
        self.patterns.sort(key=lambda p: -p.literal_words)

    @classmethod
    def for_locale(cls, locale: str = "en-US") -> IntentMatcher:
        from interaction_models import language_model

        return cls(language_model(locale))

    @staticmethod
    def _read_types(types: Iterable[Mapping[str, Any]]) -> dict[str, SlotType]:
        out: dict[str, SlotType] = {}
        for t in types:
            forms: dict[str, str] = {}
            for value in t.get("values", []):
                name = value["name"]
                canonical = str(value.get("id") or name["value"])
                for spoken in [name["value"], *name.get("synonyms", [])]:
                    forms[normalise(str(spoken))] = canonical
            out[str(t["name"])] = SlotType(str(t["name"]), forms, open=str(t["name"]) in OPEN_SLOT_TYPES)
        return out

    def _compile(self, intent: str, sample: str, slot_types: Mapping[str, str]) -> _Pattern:
        parts: list[str] = []
        literal = 0
        for token in normalise_sample(sample).split():
            ref = SLOT_REF.fullmatch(token)
            if ref:
                slot = ref.group(1)
                parts.append(self._slot_pattern(slot, slot_types.get(slot, "")))
            else:
                parts.append(re.escape(token))
                literal += 1
        regex = re.compile("^" + " ".join(parts) + "$")
        return _Pattern(intent, sample, regex, dict(slot_types), literal)

    def _slot_pattern(self, slot: str, type_name: str) -> str:
        slot_type = self.types.get(type_name)
        if slot_type is None or slot_type.open or not slot_type.forms:
            return rf"(?P<{slot}>[a-z'][a-z']*(?: [a-z'][a-z']*)?)"
        forms = sorted(slot_type.forms, key=len, reverse=True)
        return f"(?P<{slot}>" + "|".join(re.escape(f) for f in forms) + ")"

    def match(self, phrase: str) -> Match | None:
        """The intent a phrase expresses, or None when it matches no sample."""
        text = normalise(phrase)
        for candidate in dict.fromkeys((text, strip_fillers(text))):
            if not candidate:
                continue
            for pattern in self.patterns:
                m = pattern.regex.match(candidate)
                if m:
                    return Match(pattern.intent, self._slot_values(pattern, m), pattern.sample)
        return None

    def _slot_values(self, pattern: _Pattern, m: re.Match[str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for slot, spoken in m.groupdict().items():
            if spoken is None:
                continue
            slot_type = self.types.get(pattern.slot_types.get(slot, ""))
            if slot_type and not slot_type.open and spoken in slot_type.forms:
                values[slot] = slot_type.forms[spoken]
            else:
                values[slot] = spoken
        return values

    def phrases(self) -> list[str]:
        """Every sample with slots expanded by their values (for grammars and vocabularies)."""
        out: list[str] = []
        for pattern in self.patterns:
            out.extend(self.expand(pattern.sample, pattern.slot_types))
        return sorted(set(out))

    def expand(self, sample: str, slot_types: Mapping[str, str]) -> list[str]:
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


def normalise_sample(sample: str) -> str:
    """Normalise a sample while keeping its ``{slot}`` references."""
    pieces = re.split(r"(\{\w+\})", sample)
    return " ".join(p if SLOT_REF.fullmatch(p) else normalise(p) for p in pieces if p.strip()).strip()


def strip_fillers(text: str) -> str:
    words = text.split()
    while words and words[0] in FILLERS:
        words.pop(0)
    while words and words[-1] in FILLERS:
        words.pop()
    return " ".join(words)
