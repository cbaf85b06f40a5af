"""Reading and checking the content files into a :class:`ContentLibrary` (rituals: :mod:`.rituals`)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from . import wording
from .library import (
    CONTENT_DIR,
    THEMES,
    TOUCH_KINDS,
    TOUCH_SECONDS,
    ContentLibrary,
    Depth,
    Pillar,
    Question,
    TouchPrompt,
    read_yaml,
)
from .lints import check_near_duplicates
from .reader import _Reader
from .rituals import check_kinds, load_kinds, load_rituals


def load_forbidden(directory: Path = CONTENT_DIR) -> tuple[str, ...]:
    """The forbidden-vocabulary list (explicit, medical and gendered words)."""
    data = read_yaml(directory / "forbidden.yaml")
    words: list[str] = []
    for group in data.values():
        words.extend(str(w) for w in group)
    return tuple(words)


def load_content(directory: Path = CONTENT_DIR) -> ContentLibrary:
    """Load and validate every content file in ``directory``, near-duplicate lint included."""
    forbidden = load_forbidden(directory)
    questions = _load_questions(_Reader(directory / "questions.yaml", forbidden, guide_voice=True))
    touches = _load_touches(_Reader(directory / "touch_prompts.yaml", forbidden, guide_voice=True))
    reader = _Reader(directory / "rituals.yaml", forbidden, guide_voice=True)
    kinds = load_kinds(reader)
    rituals = load_rituals(reader, touches, questions)
    check_kinds(reader, kinds, rituals)
    library = ContentLibrary(questions, touches, rituals, kinds)
    check_near_duplicates(directory, library)
    return library


@lru_cache(maxsize=1)
def default_content() -> ContentLibrary:
    """The bundled library, loaded once per process."""
    return load_content()


def _load_questions(r: _Reader) -> dict[str, Question]:
    out: dict[str, Question] = {}
    for item in r.entries("questions"):
        i = item["id"]
        depth = r.choice(i, "depth", item.get("depth"), (d.name.lower() for d in Depth))
        out[i] = Question(
            id=i,
            depth=Depth.parse(depth),
            theme=r.choice(i, "theme", item.get("theme"), THEMES),
            pillar=Pillar(r.choice(i, "pillar", item.get("pillar"), (p.value for p in Pillar))),
            text=r.text(i, "text", item.get("text")),
        )
    return out


def _load_touches(r: _Reader) -> dict[str, TouchPrompt]:
    out: dict[str, TouchPrompt] = {}
    for item in r.entries("touch_prompts"):
        i = item["id"]
        t = out[i] = TouchPrompt(
            id=i,
            kind=r.choice(i, "kind", item.get("kind"), TOUCH_KINDS),
            seconds=r.number(i, "seconds", item.get("seconds"), *TOUCH_SECONDS),
            invite=r.text(i, "invite", item.get("invite")),
            start=r.text(i, "start", item.get("start")),
            end=r.text(i, "end", item.get("end")),
            halfway=r.text(i, "halfway", item.get("halfway"), required=False),
        )
        _check_touch(r, t)
    return out


def _check_touch(r: _Reader, t: TouchPrompt) -> None:
    """An invitation says who does what, offers no way out of its own, and swaps have a halfway cue."""
    if not re.search(r"\bif\b", t.invite, re.IGNORECASE):
        raise r.fail(t.id, "'invite' must be an invitation, with an 'if' (for example 'If you'd both like')")
    if found := wording.opt_outs(t.invite):
        raise r.fail(t.id, f"'invite' carries its own opt-out ({', '.join(found)}); the engine adds one to "
                           "every invitation")
    if not wording.WHO_ACTS.search(t.invite):
        raise r.fail(t.id, "'invite' must say who acts: 'each other', 'both', 'together', "
                           "or 'one of you... then swap'")
    swaps = bool(wording.SWAP.search(f"{t.invite} {t.start}"))
    if swaps and not t.halfway:
        raise r.fail(t.id, "swaps partway, so it needs a 'halfway' cue")
    if t.halfway and not swaps:
        raise r.fail(t.id, "has a 'halfway' cue but its invite and start never say to swap or take turns")
