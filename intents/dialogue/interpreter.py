"""The dialogue's actions merged from their modules, the bundled table checked against them, and a
conversation ready to run it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from .actions import consent, midway, moves, offers, saying, settings, wishes
from .table import DialogueTable, load_dialogue
from .turn import Action, Context, Conversation


def merged(*groups: Mapping[str, Action]) -> Mapping[str, Action]:
    """One name, one action: the groups joined, refusing a name two of them claim."""
    out: dict[str, Action] = {}
    for group in groups:
        for name, func in group.items():
            if name in out:
                raise ValueError(f"two actions are called {name!r}")
            out[name] = func
    return MappingProxyType(out)


ACTIONS = merged(offers.ACTIONS, saying.ACTIONS, moves.ACTIONS, consent.ACTIONS, settings.ACTIONS,
                 wishes.ACTIONS, midway.ACTIONS)
"""Every action the table may name, by that name."""


@lru_cache(maxsize=1)
def default_dialogue() -> DialogueTable:
    """The bundled table, loaded once per process; every action it names must exist."""
    return load_dialogue(actions=ACTIONS)


def conversation(ctx: Context, table: DialogueTable | None = None) -> Conversation:
    """A conversation running ``table`` (the bundled one by default) with every action."""
    return Conversation(ctx, table or default_dialogue(), ACTIONS)
