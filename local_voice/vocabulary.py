"""What the laptop can hear, generated from ``interaction_models/<locale>.json``.

The same samples the Alexa skill uses become a grammar for the recogniser:
each sample is a sequence of words and slot references, and each slot is the
list of its type's spoken forms. Nothing here is written by hand, so the
laptop and the speaker understand the same phrases.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from intents.commands import CommandKind
from intents.replies import Listening
from intents.understanding import INTENT_COMMANDS, SLOT_REF, IntentMatcher, normalise_sample

from .word_tree import word_tree

log = logging.getLogger("rekindle.voice.vocabulary")

WORD = re.compile(r"^[a-z][a-z']*$")  # what a grammar word may be

# Grammar contexts. Inside a ritual step the couple is not setting up, so the setup commands leave
# the grammar: naming samples ("{firstName} and {secondName}", with every name) were what short step
# commands were most often confused with, and length samples ("i want a {minutes} minute ritual") what
# everyday sentences became when a command was awaited (6 of 10 such false commands on the tuning
# voices). Both work at the offer, before and after the ritual, as help_offer says, by explicit phrases
# ("our names are ..."); a bare "Sam and Robin" is a naming only where Rekindle asked for names.
# While partners talk freely, the grammar is smaller still (interaction_models/free_talk.json, and never
# setup) and rejection stricter (local_voice.rejection). Every context also hears the remarks partners
# make to each other (free_talk.json "remarks"), except those that are commands there.
NAMING_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items()
                           if kind in (CommandKind.SET_NAMES, CommandKind.NAMES_ANSWER))
NAME_ANSWER_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items() if kind is CommandKind.NAMES_ANSWER)
LENGTH_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items() if kind is CommandKind.SET_LENGTH)
# How a couple arrives ("we're tired", "we had a rough day") chooses tonight's ritual before it begins.
MOOD_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items() if kind is CommandKind.MOOD)
# Requests for the night ("something short", "not this one") choose tonight's ritual before it begins too.
REQUEST_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items() if kind in (
    CommandKind.WISH, CommandKind.ANOTHER_RITUAL, CommandKind.SURPRISE, CommandKind.USUAL_RITUAL,
    CommandKind.DEPTH_SETTING))
SETUP_INTENTS = NAMING_INTENTS | LENGTH_INTENTS | MOOD_INTENTS | REQUEST_INTENTS
# Requests are heard from Whisper's open transcript only, and only where Rekindle has just asked the couple
# something outside a ritual step (the offer, the welcome back, the switch offered mid-way: context "all").
# In PocketSphinx's forced-choice grammar their hundreds of phrases were what short commands became ("help"
# heard as a request); Whisper writes a request out, or nothing matches. Never while partners answer.
OPEN_ONLY: dict[str, frozenset[str]] = {"all": REQUEST_INTENTS}
# The intent of a remark partners make to each other ("yeah", "me too"): heard as itself, never acted on.
REMARK = "(remark)"
# The remark branch's prior against the commands'. Acoustic scores dwarf grammar priors, so only a tiny
# weight tells: on the tuning voices (with the first 38 remarks), at weight 1, 30 of 42 free-talk commands
# were right (39 without remarks) and no one-word remark acted (41 of 54 without); at 1e-16, 37 of 42 right
# and 4 of 54 acted; at 1e-30, as if there were no remarks.
REMARK_WEIGHT = 1e-16
CONTEXTS = ("all", "names", "step", "free", "speaking")


def grammar_context(listening: Listening, speaking: bool = False) -> str:
    """Which grammar fits what the last reply listens for: ``speaking`` while Rekindle itself speaks
    (only "stop" and "pause", see :mod:`local_voice.barge_in`), ``free`` while partners talk, ``step``
    when a ritual step awaits a command, ``names`` when Rekindle asked for names, else ``all`` (offers,
    setup by explicit phrases)."""
    if speaking:
        return "speaking"
    return {Listening.FREE_TALK: "free", Listening.STEP: "step", Listening.NAMES: "names"}.get(listening, "all")


@dataclass(frozen=True)
class Template:
    """One sample utterance: literal words and ``{slot}`` references, plus the slots' types."""

    intent: str
    tokens: tuple[str, ...]
    slot_types: tuple[tuple[str, str], ...] = ()

    def slot_type(self, slot: str) -> str:
        return dict(self.slot_types).get(slot, "")

    @property
    def slot_refs(self) -> tuple[str, ...]:
        return tuple(m.group(1) for t in self.tokens if (m := SLOT_REF.fullmatch(t)))

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(t for t in self.tokens if not SLOT_REF.fullmatch(t))


@dataclass(frozen=True)
class Vocabulary:
    """Command templates and slot forms for one locale, ready to become a grammar."""

    templates: tuple[Template, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # slot type -> spoken forms
    dropped: tuple[str, ...] = ()  # words the recogniser does not know, left out

    @classmethod
    def from_matcher(cls, matcher: IntentMatcher) -> Vocabulary:
        """Every sample of the interaction model, with each slot type's spoken forms."""
        templates: list[Template] = []
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for intent, samples in matcher.samples.items():
            for sample in samples:
                tokens = tuple(normalise_sample(sample).split())
                if (intent, tokens) in seen:
                    continue
                seen.add((intent, tokens))
                templates.append(Template(intent, tokens, tuple(sorted(matcher.slot_types[intent].items()))))
        slots = {
            name: tuple(sorted(f for f in t.forms if all(WORD.match(w) for w in f.split())))
            for name, t in matcher.types.items()
        }
        return cls(tuple(templates), slots)

    @classmethod
    def for_locale(cls, locale: str = "en-US") -> Vocabulary:
        return cls.from_matcher(IntentMatcher.for_locale(locale))

    def words(self) -> set[str]:
        """Every word a command may contain."""
        out: set[str] = set()
        for template in self.templates:
            out.update(template.words)
            for _, type_name in template.slot_types:
                for form in self.slots.get(type_name, ()):
                    out.update(form.split())
        return out

    def restrict(self, known: Callable[[str], bool]) -> Vocabulary:
        """Drop samples and slot forms with words the recogniser does not know.

        Logs one warning naming the dropped words, so a start-up says once what
        will not be heard rather than failing.
        """
        unknown = sorted(w for w in self.words() if not known(w))
        if not unknown:
            return self
        bad = set(unknown)
        slots = {name: tuple(f for f in forms if not bad & set(f.split())) for name, forms in self.slots.items()}
        templates = []
        for template in self.templates:
            if bad & set(template.words):
                continue
            if any(not slots.get(template.slot_type(ref)) for ref in template.slot_refs):
                continue
            templates.append(template)
        log.warning("The speech model does not know %d word(s), so phrases using them are left out: %s",
                    len(unknown), ", ".join(unknown))
        return Vocabulary(tuple(templates), slots, tuple(unknown))

    def intents(self) -> set[str]:
        """The command intents (remarks are not commands)."""
        return {t.intent for t in self.templates} - {REMARK}

    def with_remarks(self, remarks: Iterable[str]) -> Vocabulary:
        """These templates plus ``remarks``, which every grammar context listens for (unless a remark is
        a command there) so that a "wow" between partners is heard as "wow" rather than as the nearest
        command."""
        extra = tuple(Template(REMARK, tuple(normalise_sample(r).split())) for r in sorted(set(remarks)))
        return Vocabulary(self.templates + extra, self.slots, self.dropped)

    def is_remark(self, text: str) -> bool:
        """Whether ``text`` is one of the remarks, not a command."""
        return text in self._remark_texts

    def says(self, sample: str) -> bool:
        """Whether a phrase the matcher found as ``sample`` is one of this grammar's commands (a remark is
        none): the gate on what may act in a grammar context, for every recogniser."""
        return normalise_sample(sample) in self._command_texts

    @cached_property
    def _remark_texts(self) -> frozenset[str]:
        return frozenset(" ".join(t.tokens) for t in self.templates if t.intent == REMARK)

    @cached_property
    def _command_texts(self) -> frozenset[str]:
        return frozenset(" ".join(t.tokens) for t in self.templates if t.intent != REMARK)

    def filter(self, intents: Iterable[str]) -> Vocabulary:
        """Only the templates of some intents (e.g. the commands that may act during free talk)."""
        wanted = set(intents)
        return Vocabulary(tuple(t for t in self.templates if t.intent in wanted), self.slots, self.dropped)

    def only(self, samples: Collection[str]) -> Vocabulary:
        """Only the templates whose text is one of ``samples`` (as normalised sample text)."""
        wanted = {normalise_sample(s) for s in samples}
        return Vocabulary(tuple(t for t in self.templates if " ".join(t.tokens) in wanted), self.slots, self.dropped)

    def contexts(self, free_intents: Iterable[str], free_samples: Collection[str] | None = None,
                 speaking_samples: Collection[str] | None = None) -> dict[str, Vocabulary]:
        """The vocabulary of each grammar context (see :func:`grammar_context`); ``free_samples`` and
        ``speaking_samples`` default to ``interaction_models/free_talk.json``."""
        from interaction_models import free_talk_samples, while_speaking_samples

        free_samples = free_talk_samples() if free_samples is None else free_samples
        speaking_samples = while_speaking_samples() if speaking_samples is None else speaking_samples
        remarks = tuple(t for t in self.templates if t.intent == REMARK)
        free = self.filter(free_intents).only(free_samples)
        step = self.filter(self.intents() - SETUP_INTENTS)
        speaking = self.filter(free_intents).only(speaking_samples)
        heard = self.intents() - REQUEST_INTENTS  # requests for the night: open transcripts only (OPEN_ONLY)
        offer = self.filter(heard - NAME_ANSWER_INTENTS)
        return {"all": offer._plus_remarks(remarks), "names": self.filter(heard)._plus_remarks(remarks),
                "step": step._plus_remarks(remarks), "free": free._plus_remarks(remarks),
                "speaking": speaking._plus_remarks(remarks)}

    def _plus_remarks(self, remarks: tuple[Template, ...]) -> Vocabulary:
        """These templates and the remarks that are not also one of their phrases ("yes" is a remark
        while partners talk, but a command when one is awaited)."""
        # Only a template whose literal words all occur in the remarks can say one; expanding just
        # those skips the tens of thousands of naming phrases at start-up.
        words = {w for t in remarks for w in t.tokens}
        could = Vocabulary(tuple(t for t in self.templates if set(t.words) <= words), self.slots, self.dropped)
        said = set(could.phrases())
        kept = tuple(t for t in remarks if " ".join(t.tokens) not in said)
        return Vocabulary(self.templates + kept, self.slots, self.dropped)

    def jsgf(self, name: str = "rekindle") -> str:
        """A JSGF grammar accepting exactly the templates' phrases, slots as rules listing their forms.

        Templates that differ only in the words before their first slot share one copy of the slotted
        rest ("we are | call us | ... {a} and {b}"): the decoder expands every slot reference into
        its own copy of the slot's forms, so sharing keeps the grammar, and the search, small.
        The commands are a word tree (:mod:`local_voice.word_tree`). Remarks, if any, are a second branch
        weighted ``REMARK_WEIGHT`` against the commands.
        """
        used: dict[str, str] = {}
        heads: dict[str, set[str]] = {}
        remarks = sorted(" ".join(t.tokens) for t in self.templates if t.intent == REMARK)
        for template in self.templates:
            if template.intent == REMARK:
                continue
            parts = []
            for token in template.tokens:
                ref = SLOT_REF.fullmatch(token)
                if ref:
                    type_name = template.slot_type(ref.group(1))
                    rule = used.setdefault(type_name, "slot" + str(len(used)))
                    parts.append(f"<{rule}>")
                else:
                    parts.append(token)
            cut = next((i for i, p in enumerate(parts) if p.startswith("<")), len(parts))
            tail = " ".join(parts[cut:])
            heads.setdefault(tail, set()).add(" ".join(parts[:cut]))
        alternatives: list[str] = []
        for tail, prefixes in heads.items():
            if not tail:
                alternatives.extend(prefixes)
                continue
            spoken = sorted(p for p in prefixes if p)
            choice = " | ".join(f"( {p} )" for p in spoken)
            head = "" if not spoken else f"[ {choice} ] " if "" in prefixes else f"( {choice} ) "
            alternatives.append(head + tail)
        lines = ["#JSGF V1.0;", f"grammar {name};"]
        commands = word_tree(alternatives)
        if remarks:
            lines.append(f"public <utterance> = /1/ <command> | /{REMARK_WEIGHT}/ <remark> ;")
            lines.append("<remark> = " + " | ".join(f"( {r} )" for r in remarks) + " ;")
            lines.append(f"<command> = {commands} ;")
        else:
            lines.append(f"public <command> = {commands} ;")
        for type_name, rule in used.items():
            forms = self.slots.get(type_name, ())
            lines.append(f"<{rule}> = " + " | ".join(f"( {f} )" for f in forms) + " ;")
        return "\n".join(lines) + "\n"

    def phrases(self, slot_limit: int | None = None) -> list[str]:
        """Templates with slots filled in (at most ``slot_limit`` forms per slot), for phrase-list engines."""
        out: set[str] = set()
        for template in self.templates:
            texts = [" ".join(template.tokens)]
            for slot, type_name in template.slot_types:
                ref = "{" + slot + "}"
                forms = list(self.slots.get(type_name, ()))[:slot_limit]
                expanded: list[str] = []
                for text in texts:
                    expanded.extend(text.replace(ref, f, 1) for f in forms) if ref in text else expanded.append(text)
                texts = expanded
            out.update(t for t in texts if "{" not in t)
        return sorted(out)

