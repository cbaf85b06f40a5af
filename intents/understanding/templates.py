"""Sentence templates in hassil's syntax, parsed into a small tree.

A template is words with groups: alternatives ``(give|hand)``, optional words ``[please]``,
permutations ``(quietly; together)`` (either order), lists ``{mood}`` or ``{name:firstName}`` (a slot
filled from a list), and expansion rules ``<polite>`` (a named piece of template, inlined). The same tree
gives every phrase it stands for (:meth:`Template.expansions`), a short set of samples that still uses
every alternative (:meth:`Template.samples`, for Alexa), a regular expression for matching, and a JSGF
rule for a speech grammar. Groups hold whole words: ``light(er)`` is refused, write ``(light|lighter)``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

# Up to this many phrases a template's samples are all its phrases; beyond, a covering subset.
FULL_SAMPLES = 24
_TOKEN = re.compile(r"\s+|[()\[\]|;]|\{[^{}]*\}|<[^<>]*>|[^\s()\[\]{}<>|;]+")
_WORD = re.compile(r"[^\s()\[\]{}<>|;]+")
_T = TypeVar("_T")


class TemplateError(ValueError):
    """A template that cannot be parsed, named with what is wrong."""


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Slot:
    """A list reference: ``{list}`` or ``{list:slot}``."""

    list_name: str
    slot: str


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    """Alternatives; an optional group is an alternative with an empty last option."""

    options: tuple[Node, ...]
    optional: bool = False


Node = Word | Slot | Seq | Alt
EMPTY = Seq(())


def parse(text: str, rules: Mapping[str, str] | None = None) -> Node:
    """The tree of one template; ``rules`` are the expansion rules ``<name>`` may refer to."""
    return _Parser(text, rules or {}).parse()


class _Parser:
    def __init__(self, text: str, rules: Mapping[str, str], inside: tuple[str, ...] = ()) -> None:
        self.text = text
        self.rules = rules
        self.inside = inside
        self.tokens = self._tokens(text)
        self.at = 0

    def _tokens(self, text: str) -> list[str]:
        tokens: list[str] = []
        end = 0
        for m in _TOKEN.finditer(text):
            if m.start() != end:
                raise TemplateError(f"{text!r}: unexpected {text[end:m.start()]!r}")
            end = m.end()
            tokens.append(m.group())
        if end != len(text):
            raise TemplateError(f"{text!r}: unexpected {text[end:]!r}")
        for before, after in itertools.pairwise(tokens):
            opens = _WORD.fullmatch(before) and after[0] in "([{<"
            if opens or (before[-1] in ")]}>" and _WORD.fullmatch(after)):
                raise TemplateError(f"{text!r}: groups hold whole words ({before!r} touches {after!r})")
        return [t for t in tokens if not t.isspace()]

    def parse(self) -> Node:
        node = self._alternatives(end=None)
        if self.at != len(self.tokens):
            raise TemplateError(f"{self.text!r}: unmatched {self.tokens[self.at]!r}")
        return node

    def _alternatives(self, end: str | None) -> Node:
        options = [self._sequence()]
        separators = set()
        while self.at < len(self.tokens) and self.tokens[self.at] in "|;":
            separators.add(self.tokens[self.at])
            self.at += 1
            options.append(self._sequence())
        if end is not None:
            if self.at >= len(self.tokens) or self.tokens[self.at] != end:
                raise TemplateError(f"{self.text!r}: missing {end!r}")
            self.at += 1
        if len(separators) > 1:
            raise TemplateError(f"{self.text!r}: a group mixes '|' and ';'")
        if separators == {";"}:
            return Alt(tuple(Seq(tuple(p)) for p in itertools.permutations(options)))
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def _sequence(self) -> Node:
        items: list[Node] = []
        while self.at < len(self.tokens) and self.tokens[self.at] not in ("|", ";", ")", "]"):
            token = self.tokens[self.at]
            self.at += 1
            if token == "(":
                items.append(self._alternatives(end=")"))
            elif token == "[":
                inner = self._alternatives(end="]")
                options = inner.options if isinstance(inner, Alt) and not inner.optional else (inner,)
                items.append(Alt((*options, EMPTY), optional=True))
            elif token.startswith("{"):
                items.append(self._slot(token))
            elif token.startswith("<"):
                items.append(self._rule(token[1:-1]))
            else:
                items.append(Word(token))
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def _slot(self, token: str) -> Slot:
        list_name, _, slot = token[1:-1].partition(":")
        if not re.fullmatch(r"\w+", list_name) or (slot and not re.fullmatch(r"\w+", slot)):
            raise TemplateError(f"{self.text!r}: a list is written {{list}} or {{list:slot}}, not {token}")
        return Slot(list_name, slot or list_name)

    def _rule(self, name: str) -> Node:
        if name not in self.rules:
            raise TemplateError(f"{self.text!r}: no expansion rule <{name}>")
        if name in self.inside:
            raise TemplateError(f"{self.text!r}: expansion rule <{name}> refers to itself")
        return _Parser(self.rules[name], self.rules, (*self.inside, name)).parse()


def expansions(node: Node) -> list[tuple[str, ...]]:
    """Every phrase ``node`` stands for, as tokens (words, and ``{slot}`` for a slot), in order."""
    if isinstance(node, Word):
        return [(node.text,)]
    if isinstance(node, Slot):
        return [("{" + node.slot + "}",)]
    if isinstance(node, Alt):
        return _unique(p for option in node.options for p in expansions(option))
    parts = [expansions(item) for item in node.items]
    return _unique(tuple(w for piece in combo for w in piece) for combo in itertools.product(*parts))


def covering(node: Node) -> list[tuple[str, ...]]:
    """A few phrases of ``node`` that between them use every alternative of every group (and every
    optional group both ways), rather than all their combinations; the shortest phrase comes first."""
    if isinstance(node, (Word, Slot)):
        return expansions(node)
    if isinstance(node, Alt):
        return _unique(p for option in node.options for p in covering(option))
    parts = [covering(item) for item in node.items]
    longest = max((len(p) for p in parts), default=1)
    return _unique([shortest(node), *(tuple(w for part in parts for w in part[i % len(part)])
                                      for i in range(longest))])


def shortest(node: Node) -> tuple[str, ...]:
    """The shortest phrase of ``node`` (every optional group left out): often how it is said most."""
    if isinstance(node, (Word, Slot)):
        return expansions(node)[0]
    if isinstance(node, Alt):
        return min((shortest(o) for o in node.options), key=len)
    return tuple(w for item in node.items for w in shortest(item))


def regex(node: Node, word: Callable[[str], str], slot: Callable[[Slot], str]) -> str:
    """A regular expression for ``node`` matching ``" " + phrase``: each word as ``word(text)`` gives it
    (already escaped), each slot as ``slot(ref)`` gives it, both preceded by one space."""
    if isinstance(node, Word):
        return " " + word(node.text)
    if isinstance(node, Slot):
        return " " + slot(node)
    if isinstance(node, Alt):
        return "(?:" + "|".join(regex(o, word, slot) for o in node.options) + ")"
    return "".join(regex(item, word, slot) for item in node.items)


def jsgf(node: Node, slot: Callable[[Slot], str]) -> str:
    """``node`` as a JSGF expansion (``( a | b )``, ``[ a ]``), each slot as ``slot(ref)`` names it."""
    if isinstance(node, Word):
        return node.text
    if isinstance(node, Slot):
        return slot(node)
    if isinstance(node, Alt):
        options = [jsgf(o, slot) for o in node.options if o != EMPTY]
        inner = " | ".join(options)
        return f"[ {inner} ]" if node.optional else f"( {inner} )"
    return " ".join(jsgf(item, slot) for item in node.items) if node.items else ""


def slots(node: Node) -> list[Slot]:
    """The slot references in ``node``, each once, in order."""
    if isinstance(node, Slot):
        return [node]
    if isinstance(node, Word):
        return []
    children = node.options if isinstance(node, Alt) else node.items
    return _unique(s for child in children for s in slots(child))


def words(node: Node) -> set[str]:
    """Every literal word in ``node``."""
    if isinstance(node, Word):
        return {node.text}
    if isinstance(node, Slot):
        return set()
    children = node.options if isinstance(node, Alt) else node.items
    return {w for child in children for w in words(child)}


def respell(node: Node, spellings: Mapping[str, str]) -> Node:
    """``node`` with words spelled as a locale spells them (``cozy`` -> ``cosy``)."""
    if not spellings:
        return node
    if isinstance(node, Word):
        return Word(spellings.get(node.text, node.text))
    if isinstance(node, Slot):
        return node
    if isinstance(node, Alt):
        return Alt(tuple(respell(o, spellings) for o in node.options), node.optional)
    return Seq(tuple(respell(i, spellings) for i in node.items))


@dataclass(frozen=True)
class Template:
    """One sentence template of an intent, as written and as a tree."""

    intent: str
    text: str
    tree: Node

    def expansions(self) -> list[str]:
        """Every phrase this template stands for, slots kept as ``{slot}``."""
        return [" ".join(p) for p in expansions(self.tree)]

    def samples(self) -> list[str]:
        """Sample utterances for Alexa: every phrase, or, for a template of more than
        :data:`FULL_SAMPLES` phrases, a covering few (Alexa generalises from them)."""
        every = expansions(self.tree)
        chosen = every if len(every) <= FULL_SAMPLES else covering(self.tree)
        return [" ".join(p) for p in chosen]

    @property
    def slots(self) -> list[Slot]:
        return slots(self.tree)

    def jsgf(self, slot: Callable[[Slot], str]) -> str:
        return jsgf(self.tree, slot)


def _unique(items: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(items))

