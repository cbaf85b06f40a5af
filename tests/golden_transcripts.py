"""Golden conversation transcripts (tests/golden/*.yaml), shared by every front end's tests.

Each transcript fixes a household, a moment and (optionally) a ritual,
preferences and ``nights_before``, the nights in a row with a ritual just
before that moment (every front seeds them with :meth:`Golden.seed`), then
lists turns: what a partner says, the intent it means, and phrases Rekindle's
reply must (``expect``) and must not (``absent``) contain.
Every front runs them all (tests/fronts.py, tests/test_goldens.py).

A turn may say how the laptop differs. Its microphone is always open, so while partners answer it
understands only the short phrases of ``interaction_models/free_talk.json`` and takes other words
("yes", "give us a touch prompt") as partners talking to each other. ``laptop: {say, intent}`` is
what a couple says to it instead (the prompt teaches it); ``laptop: ignored`` means the offline loop
checks that ``say`` acts on nothing there and takes no turn, so such a turn must not change the state
later turns rely on.

A turn may say how Alexa differs too. Its microphone closes a few seconds after each reply, so where the
couple talks Rekindle holds the floor inside the reply and teaches "Alexa, next" (said over it, in the same
session); only a couple who outlast the floor and its reprompt leave the session, and their next words then
begin a new one ("Alexa, tell nightly ritual next"), which the Alexa runs play as such.
``alexa: {say, intent, slots, expect, absent, end}`` replaces those on Alexa (a couple coming back says
"we're ready" where the laptop, still listening, hears "next"). ``only: alexa`` marks a turn that
happens only there, which the engine and laptop runs skip: ``session_ended: REASON`` (Alexa ended the
session itself, e.g. EXCEEDED_MAX_REPROMPTS after its reprompt went unanswered, or USER_INITIATED), or
words only said to Alexa.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from store_helpers import record_ritual, save_preferences

from intents import Preferences
from intents.household import CompletedRitual, HouseholdStore, StepRecord

PAST_RITUAL = "gratitude-before-sleep"  # what the nights before a transcript shared

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
    alexa: GoldenTurn | None = None  # the checks on Alexa, where they differ
    alexa_only: bool = False  # a turn only Alexa runs play
    session_ended: str | None = None  # Alexa ended the session, for this reason (an Alexa-only turn)

    @property
    def is_open(self) -> bool:
        return self.say is None and self.session_ended is None


@dataclass(frozen=True)
class Golden:
    name: str
    household: str
    now: datetime
    ritual: str | None
    preferences: dict[str, Any]
    turns: tuple[GoldenTurn, ...]
    nights_before: int = 0

    def seed(self, store: HouseholdStore) -> None:
        """Store the transcript's preferences and the nights shared before it."""
        if self.preferences:
            save_preferences(store, self.household, Preferences.from_dict(self.preferences))
        for n in range(1, self.nights_before + 1):
            moment = self.now - timedelta(days=n)
            record_ritual(store, self.household, CompletedRitual(
                f"{self.name}-past-{n}", PAST_RITUAL, moment.date(), moment, "text", (StepRecord("closing"),)))

    def shared_turns(self) -> list[tuple[int, GoldenTurn]]:
        """The turns every front plays, with their indexes (Alexa-only turns left out)."""
        return [(i, t) for i, t in enumerate(self.turns) if not t.alexa_only]

    def check(self, index: int, text: str, end_session: bool, alexa: bool = False) -> None:
        """Assert that a reply matches turn ``index`` (on Alexa: its ``alexa`` checks, where given)."""
        turn = self.turns[index]
        where = f"{self.name} turn {index + 1} ({turn.say or 'open'!r}{' on Alexa' if alexa else ''})"
        turn = (turn.alexa or turn) if alexa else turn
        lowered = text.lower()
        for phrase in turn.expect:
            assert phrase.lower() in lowered, f"{where}: expected {phrase!r} in reply: {text!r}"
        for phrase in turn.absent:
            assert phrase.lower() not in lowered, f"{where}: did not expect {phrase!r} in reply: {text!r}"
        if turn.end is not None:
            assert end_session is turn.end, f"{where}: end_session {end_session}, expected {turn.end}"


def load_goldens(directory: Path = GOLDEN_DIR) -> list[Golden]:
    """The transcripts in ``directory``, read once per process (five test modules load them at import, in every
    process that collects them); each is frozen but for ``preferences``, which nothing changes."""
    return list(_read_goldens(directory))


@cache
def _read_goldens(directory: Path) -> tuple[Golden, ...]:
    goldens = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        turns = []
        for raw in data["turns"]:
            laptop, alexa = raw.get("laptop"), raw.get("alexa")
            if raw.get("only") not in (None, "alexa"):
                raise ValueError(f"{path.name}: 'only' can only be 'alexa'")
            turns.append(GoldenTurn(
                say=raw.get("say"),
                intent=raw.get("intent"),
                slots={k: str(v) for k, v in (raw.get("slots") or {}).items()},
                expect=tuple(raw.get("expect", ())),
                absent=tuple(raw.get("absent", ())),
                end=raw.get("end"),
                laptop=GoldenTurn(say=laptop["say"], intent=laptop["intent"]) if isinstance(laptop, dict) else None,
                laptop_ignores=laptop == "ignored",
                alexa=None if alexa is None else GoldenTurn(
                    say=alexa.get("say", raw.get("say")), intent=alexa.get("intent", raw.get("intent")),
                    slots={k: str(v) for k, v in (alexa.get("slots", raw.get("slots")) or {}).items()},
                    expect=tuple(alexa.get("expect", raw.get("expect", ()))),
                    absent=tuple(alexa.get("absent", raw.get("absent", ()))),
                    end=alexa.get("end", raw.get("end"))),
                alexa_only=raw.get("only") == "alexa" or "session_ended" in raw,
                session_ended=raw.get("session_ended"),
            ))
        goldens.append(Golden(
            name=path.stem,
            household=str(data.get("household", path.stem)),
            now=datetime.fromisoformat(str(data["now"])),
            ritual=data.get("ritual"),
            preferences=dict(data.get("preferences") or {}),
            turns=tuple(turns),
            nights_before=int(data.get("nights_before", 0)),
        ))
    return tuple(goldens)
