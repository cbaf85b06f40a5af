"""Golden conversation transcripts (tests/golden/*.yaml), shared by every front end's tests.

Each transcript fixes a household, a moment and (optionally) a ritual and
preferences, then lists turns: what a partner says, the intent it means, and
phrases Rekindle's reply must (``expect``) and must not (``absent``) contain.
The engine, the Alexa adapter and the offline loop each run them all.

A turn may say how the laptop differs. Its microphone is always open, so while partners answer it
understands only the short phrases of ``interaction_models/free_talk.json`` and takes other words
("yes", "give us a touch prompt") as partners talking to each other. ``laptop: {say, intent}`` is
what a couple says to it instead (the prompt teaches it); ``laptop: ignored`` means the offline loop
checks that ``say`` acts on nothing there and takes no turn, so such a turn must not change the state
later turns rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

GOLDEN_DIR = Path(__file__).with_name("golden")


@dataclass(frozen=True)
class GoldenTurn:
    say: str | None  # None for the opening turn (LaunchRequest / start-up)
    intent: str | None
    slots: dict[str, str] = field(default_factory=dict)
    expect: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    end: bool | None = None
    laptop: GoldenTurn | None = None  # what a couple says instead on the laptop
    laptop_ignores: bool = False  # the laptop takes ``say`` as partners talking: no turn at all

    @property
    def is_open(self) -> bool:
        return self.say is None


@dataclass(frozen=True)
class Golden:
    name: str
    household: str
    now: datetime
    ritual: str | None
    preferences: dict[str, Any]
    turns: tuple[GoldenTurn, ...]

    def check(self, index: int, text: str, end_session: bool) -> None:
        """Assert that a reply matches turn ``index``; the message shows the conversation point."""
        turn = self.turns[index]
        where = f"{self.name} turn {index + 1} ({turn.say or 'open'!r})"
        lowered = text.lower()
        for phrase in turn.expect:
            assert phrase.lower() in lowered, f"{where}: expected {phrase!r} in reply: {text!r}"
        for phrase in turn.absent:
            assert phrase.lower() not in lowered, f"{where}: did not expect {phrase!r} in reply: {text!r}"
        if turn.end is not None:
            assert end_session is turn.end, f"{where}: end_session {end_session}, expected {turn.end}"


def load_goldens(directory: Path = GOLDEN_DIR) -> list[Golden]:
    goldens = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        turns = []
        for raw in data["turns"]:
            laptop = raw.get("laptop")
            turns.append(GoldenTurn(
                say=raw.get("say"),
                intent=raw.get("intent"),
                slots={k: str(v) for k, v in (raw.get("slots") or {}).items()},
                expect=tuple(raw.get("expect", ())),
                absent=tuple(raw.get("absent", ())),
                end=raw.get("end"),
                laptop=GoldenTurn(say=laptop["say"], intent=laptop["intent"]) if isinstance(laptop, dict) else None,
                laptop_ignores=laptop == "ignored",
            ))
        goldens.append(Golden(
            name=path.stem,
            household=str(data.get("household", path.stem)),
            now=datetime.fromisoformat(str(data["now"])),
            ritual=data.get("ritual"),
            preferences=dict(data.get("preferences") or {}),
            turns=tuple(turns),
        ))
    return goldens
