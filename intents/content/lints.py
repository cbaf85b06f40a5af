"""The near-duplicate lint: no two lines of one file say nearly the same thing unless a writer kept the pair
(``reviewed_pairs.yaml``), saying why."""

from __future__ import annotations

from pathlib import Path

import yaml

from . import wording
from .library import CONTENT_DIR, REVIEWED_PAIRS, ContentError, ContentLibrary, read_yaml
from .wording import Line


def near_duplicate_groups(library: ContentLibrary) -> dict[str, list[Line]]:
    """The lines compared with each other by the near-duplicate lint, by file and field.

    A line's ``where`` is its entry id, with the field or step after a space where an entry has several.
    """
    groups: dict[str, list[Line]] = {
        "questions.yaml": [Line(q.id, q.text) for q in library.questions.values()],
        "rituals.yaml": [Line(line_where(r.id, n, k, recall), text)
                         for r in library.rituals.values() for n, s in enumerate(r.steps)
                         for recall, wordings in ((False, s.wordings), (True, s.recall.wordings if s.recall else ()))
                         for k, text in enumerate(wordings)],
    }
    for field in ("invite", "start", "end"):
        groups[f"touch_prompts.yaml {field}"] = [
            Line(f"{t.id} {field}", getattr(t, field)) for t in library.touch_prompts.values()]
    return groups


def line_where(ritual_id: str, step: int, wording: int, recall: bool = False) -> str:
    """Where a ritual's line lives, for the near-duplicate lint: "memory-lane step 1 wording 2"."""
    return f"{ritual_id} step {step + 1} {'recall' if recall else 'wording'} {wording + 1}"


def load_reviewed_pairs(directory: Path = CONTENT_DIR) -> dict[tuple[str, str], str]:
    """Near-duplicate pairs a writer has read and kept, with the reason each is fine."""
    path = directory / REVIEWED_PAIRS
    try:
        data = read_yaml(path) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read: {exc}") from exc
    pairs: dict[tuple[str, str], str] = {}
    for item in data.get("pairs") or ():
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("a", "b", "why")):
            raise ContentError(f"{path.name}: each pair needs text fields a, b and why: {item!r}")
        pairs[wording.pair_key(item["a"], item["b"])] = item["why"]
    return pairs


def check_near_duplicates(directory: Path, library: ContentLibrary) -> None:
    reviewed = load_reviewed_pairs(directory)
    found: set[tuple[str, str]] = set()
    for group, lines in near_duplicate_groups(library).items():
        for a, b, score in wording.near_duplicates(lines):
            key = wording.pair_key(a.where, b.where)
            found.add(key)
            if key not in reviewed:
                raise ContentError(
                    f"{group.split(' ')[0]}: entries {a.where!r} and {b.where!r} are near copies "
                    f"(word overlap {score:.2f}): reword one, or list the pair in {REVIEWED_PAIRS} with why")
    if stale := sorted(set(reviewed) - found):
        raise ContentError(f"{REVIEWED_PAIRS}: {' and '.join(stale[0])} are no longer near copies: remove the pair")
