"""Which wording of a ritual's own line is said tonight.

Each line of a ritual (its introduction, narration, tasks, reflections, closing and its own questions) has
several wordings. The first is its first telling: a couple who have not heard the line in the last
:data:`WORDING_MEMORY_NIGHTS` nights (the nights a household keeps in detail) hear it. After that, a wording
not heard in the last :data:`WORDING_WINDOW_NIGHTS` nights is chosen (one not heard at all first), at random
but fixed for the household, the night and the line; when every wording was heard lately, the one heard
longest ago. What was heard is known from the completed rituals: each records the id of the
wording each step said (:func:`line_id`), as it records question and touch prompt ids, and nothing the
partners said.

A step with a :class:`~intents.content.Recall` says one of its recalling wordings instead, chosen the same
way, on nights when the couple did one of the rituals it recalls that many nights before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .content import RECALL_NIGHTS, StepTemplate

WORDING_WINDOW_NIGHTS = 30
"""A wording heard within this many nights waits while another is left (four weeks and a little more)."""
WORDING_MEMORY_NIGHTS = RECALL_NIGHTS
"""How far back what was heard counts: the nights every household record keeps in detail, so a plan is the
same from the bounded record as from the whole history."""


@dataclass(frozen=True)
class ChosenLine:
    """A line as said tonight, and the id the completed ritual records for it."""

    text: str
    line_id: str


def line_id(ritual_id: str, step: int, wording: int, recall: bool = False) -> str:
    """The id recorded for wording ``wording`` of step ``step`` (both from 0): ``memory-lane:1:2``, or
    ``memory-lane:1:r1`` for a recalling wording."""
    return f"{ritual_id}:{step + 1}:{'r' if recall else ''}{wording + 1}"


def nights_since(done: Mapping[str, date], rituals: Collection[str], night: date) -> int | None:
    """Nights since the latest of ``rituals`` was done before ``night`` (None if none is kept)."""
    latest = max((done[r] for r in rituals if r in done and done[r] < night), default=None)
    return (night - latest).days if latest else None


def choose_line(
    night: date,
    ritual_id: str,
    index: int,
    step: StepTemplate,
    heard: Mapping[str, date],
    last_done: Mapping[str, date],
    draw: float,
) -> ChosenLine | None:
    """Tonight's wording of step ``index`` of ``ritual_id`` (None for a step with no line of its own).

    ``heard``: content ids said in the last :data:`WORDING_MEMORY_NIGHTS` nights, with the last night of each;
    ``last_done``: ritual ids with the last night each was done; ``draw``: a number in [0, 1) fixed for the
    household, the night and the line.
    """
    if not step.wordings:
        return None
    recall = step.recall is not None and step.recall.applies(nights_since(last_done, step.recall.after, night))
    wordings = step.recall.wordings if recall and step.recall else step.wordings
    ids = [line_id(ritual_id, index, k, recall) for k in range(len(wordings))]
    k = _choose(ids, heard, night, draw)
    return ChosenLine(wordings[k], ids[k])


def _choose(ids: Sequence[str], heard: Mapping[str, date], night: date, draw: float) -> int:
    if not any(i in heard for i in ids):
        return 0  # the first telling
    since = {k: (night - heard[i]).days for k, i in enumerate(ids) if i in heard}
    for tier in ([k for k in range(len(ids)) if k not in since],
                 [k for k in range(len(ids)) if since.get(k, 0) > WORDING_WINDOW_NIGHTS]):
        if tier:
            return tier[int(draw * len(tier))]
    return max(since, key=lambda k: (since[k], -k))
