"""Whether a PocketSphinx grammar accepts exactly a vocabulary's phrases, decided by comparing the two as
automata (one pass over pairs of state sets), not phrase by phrase: the phrases multiply with every slot a
template has, the automata only add up."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from intents.understanding import SLOT_REF
from local_voice.vocabulary import Vocabulary

States = frozenset[int]


@dataclass
class Automaton:
    """A finite automaton over words; a ``None`` word is a move that reads nothing."""

    start: int = 0
    finals: set[int] = field(default_factory=set)
    arcs: dict[int, list[tuple[str | None, int]]] = field(default_factory=lambda: defaultdict(list))
    _closures: dict[States, States] = field(default_factory=dict)

    def closure(self, states: Iterable[int]) -> States:
        key = frozenset(states)
        if key not in self._closures:
            seen, todo = set(key), list(key)
            while todo:
                for word, to in self.arcs.get(todo.pop(), ()):
                    if word is None and to not in seen:
                        seen.add(to)
                        todo.append(to)
            self._closures[key] = frozenset(seen)
        return self._closures[key]

    def moves(self, states: States) -> dict[str, States]:
        """Where each word leads from ``states`` (moves reading nothing followed)."""
        targets: dict[str, set[int]] = defaultdict(set)
        for state in states:
            for word, to in self.arcs.get(state, ()):
                if word is not None:
                    targets[word].add(to)
        return {word: self.closure(to) for word, to in targets.items()}

    def accepts(self, phrase: str) -> bool:
        states = self.closure({self.start})
        for word in phrase.split():
            states = self.moves(states).get(word, frozenset())
        return bool(states & self.finals)


def read_fsg(text: str) -> Automaton:
    """A grammar in PocketSphinx's FSG text format (``FsgModel.writefile``)."""
    automaton = Automaton()
    for line in text.splitlines():
        fields = line.split()
        if fields[:1] == ["START_STATE"]:
            automaton.start = int(fields[1])
        elif fields[:1] == ["FINAL_STATE"]:
            automaton.finals.add(int(fields[1]))
        elif fields[:1] == ["TRANSITION"]:
            word = fields[4] if len(fields) > 4 else None
            automaton.arcs[int(fields[1])].append((word, int(fields[2])))
    return automaton


def samples_automaton(vocab: Vocabulary) -> Automaton:
    """The phrases of :meth:`Vocabulary.phrases` (no slot limit) as an automaton built from the templates
    themselves: each template a chain, each slot reference a fan of its type's forms."""
    automaton = Automaton()
    count = 1

    def new() -> int:
        nonlocal count
        count += 1
        return count - 1

    for template in vocab.templates:
        state = automaton.start
        for token in template.tokens:
            ref = SLOT_REF.fullmatch(token)
            forms = vocab.slots.get(template.slot_type(ref.group(1)), ()) if ref else (token,)
            end = new()
            for form in forms:
                words, at = form.split(), state
                for i, word in enumerate(words):
                    to = end if i == len(words) - 1 else new()
                    automaton.arcs[at].append((word, to))
                    at = to
                if not words:
                    automaton.arcs[at].append((None, end))
            state = end
        automaton.finals.add(state)
    return automaton


def first_difference(grammar: Automaton, samples: Automaton) -> tuple[str, bool] | None:
    """The shortest phrase (and whether the grammar is the one accepting it) that one accepts and the
    other does not, or None when both accept the same phrases."""
    start = (grammar.closure({grammar.start}), samples.closure({samples.start}))
    seen = {start}
    queue: deque[tuple[tuple[States, States], tuple[str, ...]]] = deque([(start, ())])
    while queue:
        (in_grammar, in_samples), path = queue.popleft()
        accepted = bool(in_grammar & grammar.finals)
        if accepted != bool(in_samples & samples.finals):
            return " ".join(path), accepted
        by_grammar, by_samples = grammar.moves(in_grammar), samples.moves(in_samples)
        for word in sorted(by_grammar.keys() | by_samples.keys()):
            pair = (by_grammar.get(word, frozenset()), by_samples.get(word, frozenset()))
            if pair not in seen:
                seen.add(pair)
                queue.append((pair, (*path, word)))
    return None
