"""Hypothesis strategies for the core's inputs: commands, odd arguments, garbage state and free text."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from hypothesis import strategies as st

from intents.commands import Command, CommandKind
from intents.content import default_content
from intents.understanding import IntentMatcher

ODD_STRINGS = (
    "", " ", "\x00", "\n\t", "'); DROP TABLE rituals; --", "{first}", "%s %d", "null", "../../etc/passwd",
    "Zoë", "Łukasz", "محمد", "李", "🦊", "A" * 5000, "\ud800", "and", "Sam and Robin",
)
ODD_INTS = (0, -1, 1, 4, 5, 7, 10, 15, 20, 21, 60, 10**6, 2**31, 2**63, -(2**63), 10**40)

# Any codepoint, lone surrogates included: Alexa's JSON can decode "\ud800" into a str.
any_char = st.characters(codec=None, exclude_categories=())
odd_text = st.one_of(st.sampled_from(ODD_STRINGS), st.text(any_char, max_size=40))
odd_minutes = st.one_of(st.none(), st.sampled_from(ODD_INTS), st.integers())


def _plain(kind: CommandKind) -> Command:
    return Command(kind)


commands: st.SearchStrategy[Command] = st.one_of(
    st.sampled_from(CommandKind).map(_plain),
    st.builds(lambda names: Command(CommandKind.SET_NAMES, names=tuple(names)),
              st.lists(odd_text, max_size=4)),
    st.builds(lambda minutes: Command(CommandKind.SET_LENGTH, minutes=minutes), odd_minutes),
)
command_sequences = st.lists(commands, max_size=25)

rituals = st.sampled_from([None, *sorted(default_content().rituals)])
households = st.one_of(st.sampled_from(["home", "amzn1.ask.account.X"]), odd_text)
moments = st.builds(
    lambda naive, minutes: naive.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), odd_text)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(odd_text, inner, max_size=5)),
    max_leaves=20,
)
STATE_KEYS = ("v", "sid", "stage", "plan", "step", "part", "extra", "skipped", "swapped")
PLAN_KEYS = ("household", "night", "ritual_id", "title", "minutes", "depth", "first_speaker", "steps")
STEP_KEYS = ("kind", "text", "question_id", "touch_id", "seconds", "theme")
shaped_garbage = st.dictionaries(st.sampled_from(STATE_KEYS), json_values)
garbage_states = st.one_of(json_values, shaped_garbage)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside nested dicts and lists, the value itself included."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(paths(v, (*prefix, i)))
    return out


def mutated(state: dict[str, Any], data: st.DataObject) -> Any:
    """A copy of a real state with one place replaced by garbage, removed, or given an odd key."""
    target = copy.deepcopy(state)
    path = data.draw(st.sampled_from(paths(target)), label="path")
    replacement = data.draw(st.one_of(
        json_values,
        st.sampled_from(["step", "question", "touch", "closing", "offer", "finished", "paused", "x"]),
        st.sampled_from(ODD_INTS),
        st.sampled_from(STATE_KEYS + PLAN_KEYS + STEP_KEYS),
    ), label="replacement")
    if not path:
        return replacement
    parent = target
    for key in path[:-1]:
        parent = parent[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(STATE_KEYS + PLAN_KEYS + STEP_KEYS))] = replacement
    else:
        parent[path[-1]] = replacement
    return target


@cache
def matcher() -> IntentMatcher:
    return IntentMatcher.for_locale()


@cache
def vocabulary() -> tuple[str, ...]:
    return tuple(sorted({w for phrase in matcher().phrases() for w in phrase.split()}))


def _sentence(words: list[str]) -> str:
    return " ".join(words)


phrases = st.one_of(
    st.text(any_char, max_size=200),
    st.sampled_from(ODD_STRINGS),
    st.deferred(lambda: st.sampled_from(matcher().phrases())),
    st.deferred(lambda: st.lists(st.one_of(st.sampled_from(vocabulary()), odd_text), max_size=12).map(_sentence)),
)
