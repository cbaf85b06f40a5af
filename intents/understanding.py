"""Understanding typed or transcribed phrases with the Alexa interaction model.

The matcher is generated from ``interaction_models/<locale>.json``: each
sample utterance becomes a pattern, slot references become captures limited
to the slot type's values (or free words for open types). What the Alexa
skill understands, the laptop understands, from the same file.

It reads what speech recognition really writes, too (``interaction_models/spoken_forms.json``):
samples and what was heard are both spelled out the same way ("We are done." is "we're done",
"10 minutes" is "ten minutes"), fillers around a command are dropped ("okay so, next please"), and
:meth:`IntentMatcher.near_miss` finds the command a slightly misspelt transcript stands for
("Bause." for "pause").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SLOT_REF = re.compile(r"\{(\w+)\}")
OPEN_SLOT_TYPES = {"AMAZON.FirstName"}
# A near miss may differ from a sample by at most this share of the sample's letters (one letter in
# five: "bause" for "pause", "heart over" for "start over"); "well done" for "all done" is further.
NEAR_MISS_RATIO = 0.2


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
        def phrases(key: str) -> tuple[tuple[str, ...], ...]:
            found = {tuple(normalise(str(p)).split()) for p in data.get(key, [])}
            return tuple(sorted((p for p in found if p), key=lambda p: (-len(p), p)))

        words = cls({str(k): str(v) for k, v in data.get("contractions", {}).items()},
                    {str(k): str(v) for k, v in data.get("numbers", {}).items()})
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
        words = text.split()
        changed = True
        while changed:
            changed = False
            for filler in self.leading_fillers:
                if len(words) > len(filler) and tuple(words[:len(filler)]) == filler:
                    words, changed = words[len(filler):], True
                    break
            for filler in self.trailing_fillers:
                if len(words) > len(filler) and tuple(words[-len(filler):]) == filler:
                    words, changed = words[:-len(filler)], True
                    break
        return " ".join(words)


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

    def __init__(self, language_model: Mapping[str, Any], spoken: SpokenForms | None = None) -> None:
        self.spoken = spoken if spoken is not None else SpokenForms.default()
        self.types = self._read_types(language_model.get("types", []))
        self.patterns: list[_Pattern] = []
        self.intents: list[str] = []
        self.samples: dict[str, list[str]] = {}  # intent -> its samples, in the model's order
        for intent in language_model.get("intents", []):
            name = str(intent["name"])
            self.intents.append(name)
            self.samples[name] = [str(s) for s in intent.get("samples", [])]
            slot_types = {str(s["name"]): str(s["type"]) for s in intent.get("slots", [])}
            for sample in intent.get("samples", []):
                self.patterns.append(self._compile(name, str(sample), slot_types))
        # Prefer the most specific sample: more literal words first.
        self.patterns.sort(key=lambda p: -p.literal_words)
        self._open_samples = {(p.intent, p.sample) for p in self.patterns
                              if any(self._is_open(t) for s, t in p.slot_types.items() if "{" + s + "}" in p.sample)}
        # Samples without slots, spelled out, for near misses (first sample wins a tie of texts).
        self._plain: dict[str, _Pattern] = {}
        for pattern in self.patterns:
            if not pattern.slot_types or not SLOT_REF.search(pattern.sample):
                self._plain.setdefault(self.spoken.spell_out(normalise(pattern.sample)), pattern)

    @classmethod
    def for_locale(cls, locale: str = "en-US") -> IntentMatcher:
        from interaction_models import language_model

        return cls(language_model(locale))

    def _read_types(self, types: Iterable[Mapping[str, Any]]) -> dict[str, SlotType]:
        out: dict[str, SlotType] = {}
        for t in types:
            forms: dict[str, str] = {}
            for value in t.get("values", []):
                name = value["name"]
                canonical = str(value.get("id") or name["value"])
                for spoken in [name["value"], *name.get("synonyms", [])]:
                    forms[self.spoken.spell_out(normalise(str(spoken)))] = canonical
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
                spelled = self.spoken.spell_out(token)
                parts.append(re.escape(spelled))
                literal += len(spelled.split())
        regex = re.compile("^" + " ".join(parts) + "$")
        return _Pattern(intent, sample, regex, dict(slot_types), literal)

    def _is_open(self, type_name: str) -> bool:
        slot_type = self.types.get(type_name)
        return slot_type is None or slot_type.open or not slot_type.forms

    def _slot_pattern(self, slot: str, type_name: str) -> str:
        if self._is_open(type_name):
            return rf"(?P<{slot}>[a-z'][a-z']*(?: [a-z'][a-z']*)?)"
        forms = sorted(self.types[type_name].forms, key=len, reverse=True)
        return f"(?P<{slot}>" + "|".join(re.escape(f) for f in forms) + ")"

    def match(self, phrase: str) -> Match | None:
        """The intent a phrase expresses, or None when it matches no sample.

        Contractions and numbers are spelled out on both sides, and fillers around the phrase
        ("okay so", "please") are dropped when the whole does not match.
        """
        text = self.spoken.spell_out(normalise(phrase))
        whole = self._first(text)
        bare = self.spoken.without_fillers(text)
        if bare == text or (whole is not None and not self._open(whole)):
            return whole
        # An open slot (a name) swallows a filler next to it ("Sky and Maria now." is not "Maria now"),
        # so for the same intent the phrase without fillers wins.
        shorter = self._first(bare)
        if whole is None or (shorter is not None and shorter.intent == whole.intent):
            return shorter
        return whole

    def _first(self, text: str) -> Match | None:
        if not text:
            return None
        for pattern in self.patterns:
            m = pattern.regex.match(text)
            if m:
                return Match(pattern.intent, self._slot_values(pattern, m), pattern.sample)
        return None

    def _open(self, match: Match) -> bool:
        """Whether ``match`` filled a slot that takes any words (a name)."""
        return (match.intent, match.sample) in self._open_samples

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
        best: list[tuple[int, _Pattern]] = []
        for sample, pattern in self._plain.items():
            if intents is not None and pattern.intent not in intents:
                continue
            limit = int(ratio * len(sample))
            if limit < 1 or abs(len(sample) - len(text)) > limit:
                continue
            distance = edit_distance(text, sample)
            if distance <= limit:
                best.append((distance, pattern))
        if not best:
            return None
        least = min(d for d, _ in best)
        closest = {p.intent: p for d, p in best if d == least}
        if len(closest) != 1:
            return None
        pattern = next(iter(closest.values()))
        return Match(pattern.intent, {}, pattern.sample)

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


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance between two sequences (strings: letters; lists: tokens)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
