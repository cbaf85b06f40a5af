"""Reading one content file's entries: every problem is a :class:`ContentError` naming the file and the entry,
so a writer can fix it without reading code; every line is checked as speech (characters, length,
forbidden words, the guide's voice)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from . import wording
from .library import ContentError, read_yaml

MAX_UTTERANCE = 300
SPEAKABLE = re.compile(r"^[A-Za-z0-9 .,?!'\-:;]+$")


class _Reader:
    """Reads one file's entries, raising errors that name file and entry."""

    def __init__(self, path: Path, forbidden: Iterable[str], guide_voice: bool = False) -> None:
        self.path = path
        self.guide_voice = guide_voice  # content the couple hears as questions, tasks and invitations
        words = sorted(forbidden, key=len, reverse=True)  # the longest first: "turns you on" before "turn on"
        # One pattern for the whole list: a line is searched once, not once per word.
        self.forbidden = re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\b", re.IGNORECASE) if words else None

    def fail(self, entry: str, problem: str) -> ContentError:
        return ContentError(f"{self.path.name}: entry {entry!r}: {problem}")

    def entries(self, key: str) -> list[dict[str, Any]]:
        try:
            data = read_yaml(self.path)
        except (OSError, yaml.YAMLError) as exc:
            raise ContentError(f"{self.path.name}: cannot read: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise ContentError(f"{self.path.name}: expected a top-level list '{key}'")
        items = data[key]
        seen: set[str] = set()
        for index, item in enumerate(items):
            label = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
            if not isinstance(item, dict):
                raise self.fail(label, "is not a mapping")
            ident = item.get("id")
            if not isinstance(ident, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", ident):
                raise self.fail(label, "needs an id of lowercase letters, digits and dashes")
            if ident in seen:
                raise self.fail(ident, "duplicate id")
            seen.add(ident)
        return list(items)

    def text(self, entry: str, field: str, value: Any, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(entry, f"'{field}' must be non-empty text")
        text: str = " ".join(value.split())
        if len(text) > MAX_UTTERANCE:
            raise self.fail(entry, f"'{field}' is {len(text)} characters; the limit is {MAX_UTTERANCE}")
        if not SPEAKABLE.match(text):
            bad = sorted({c for c in text if not SPEAKABLE.match(c)})
            raise self.fail(entry, f"'{field}' has characters a speech engine would read aloud: {bad}")
        if self.forbidden and (found := self.forbidden.search(text)):
            raise self.fail(entry, f"'{field}' uses forbidden word {found.group(0).lower()!r}")
        if not self.guide_voice:
            return text
        if mine := wording.first_person(text):
            raise self.fail(entry, f"'{field}' speaks as a partner ({', '.join(mine)}); Rekindle is a guide "
                                   "to two people: say 'your partner', 'each other', or frame a quotation "
                                   "with 'Ask each other:'")
        if wording.SKIP.search(text):
            raise self.fail(entry, f"'{field}' teaches 'skip', which Alexa hears as next; teach 'no'")
        return text

    def choice(self, entry: str, field: str, value: Any, options: Iterable[str]) -> str:
        options = tuple(options)
        if value not in options:
            raise self.fail(entry, f"'{field}' is {value!r}; expected one of {', '.join(options)}")
        return str(value)

    def number(self, entry: str, field: str, value: Any, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(entry, f"'{field}' must be a whole number from {low} to {high}, got {value!r}")
        return value
