"""Two months of nights as one couple hears them: how much of the script comes back, and how much of the library.

    .venv/bin/python -m benchmarks.months [--nights 60] [--start 2027-01-04] [--minutes 10] [--names]
                                          [--show N] [--check] [--transcript]

One household, one night after another from ``--start`` (a Monday in January by default), each night run
whole through the engine as the text front runs it (``rekindle talk --text --date D --no-wait``: the same
``Rekindle.handle`` calls on a real SQLite file, timers not waited out), saying yes to everything: yes to
the check-in, the offer and every touch invitation, next after every answer and task.

It counts the *script sentences*: every sentence of six words or more that the content library makes
Rekindle say (a ritual's own lines, the questions it draws, the touch prompts), said again within the 28
nights before. The framing around them (greetings, offers, whose turn it is, how to answer) comes from the
phrase table and is not counted here: it is short turn-handing, held to its own rule instead (no line the
same on more than a third of nights, tests/test_phrase_variety.py). Then the library: distinct rituals, the
most frequent one and the most frequent weekly one, and rituals that presume a hard day, a distant week or
tension offered unasked (the persona rules allow none).

Prints a Markdown table, and with ``--show N`` the N sentences heard most often; ``--transcript`` first prints
every night as the couple heard it, to read through. ``--check`` exits non-zero
unless the targets of issue 26 are met (:data:`TARGETS`).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from intents import Command, CommandKind, Preferences, Rekindle, SqliteStore
from intents.content import ContentLibrary, default_content
from intents.dialogue import Phase, SessionState, phase_of
from intents.household import HouseholdChange
from intents.replies import Cue, CueKind, Speech

START = date(2027, 1, 4)  # a Monday in January
NIGHTS = 60
WINDOW = 28  # a sentence heard in the 28 nights before counts as said again
FIRST_NIGHTS = 14
MIN_WORDS = 6  # shorter sentences ("Sleep well.") are the turn-handing kind, not script
EVENING = time(20, 30)
HOUSEHOLD = "months"
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
ASKED = (Phase.OFFER, Phase.CHECK_IN, Phase.TOUCH_INVITE, Phase.TOUCH_ASK_AGAIN)


@dataclass(frozen=True)
class Targets:
    """Issue 26's targets over 60 nights."""

    repeated_share: float = 0.10
    repeated_first_nights: int = 2
    distinct_rituals: int = 18
    most_frequent: int = 6
    most_frequent_weekly: int = 9


TARGETS = Targets()


@dataclass(frozen=True)
class Night:
    """One night as heard: the ritual done, every line Rekindle said aloud in order, and the touch moments
    that began (their start chimes)."""

    night: date
    ritual_id: str
    said: tuple[str, ...]
    touch_moments: int = 0


@dataclass
class Figures:
    """What a run of nights measures (see the module docs)."""

    nights: int
    script: int = 0
    repeated: int = 0
    repeated_first: int = 0
    rituals: Counter[str] = field(default_factory=Counter)
    weekly: Counter[str] = field(default_factory=Counter)
    presumed_unasked: int = 0
    heard: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float:
        return self.repeated / self.script if self.script else 0.0

    def most_frequent(self, counter: Counter[str]) -> tuple[str, int]:
        return counter.most_common(1)[0] if counter else ("", 0)

    def misses(self, targets: Targets = TARGETS) -> list[str]:
        """The targets not met, in words (empty when all are)."""
        out = []
        if self.share > targets.repeated_share:
            out.append(f"{self.share:.1%} of script sentences said again within {WINDOW} nights "
                       f"(target {targets.repeated_share:.0%})")
        if self.repeated_first > targets.repeated_first_nights:
            out.append(f"{self.repeated_first} said again in the first {FIRST_NIGHTS} nights "
                       f"(target {targets.repeated_first_nights})")
        if len(self.rituals) < targets.distinct_rituals:
            out.append(f"{len(self.rituals)} distinct rituals (target {targets.distinct_rituals})")
        nightly = Counter({r: n for r, n in self.rituals.items() if r not in self.weekly})
        if self.most_frequent(nightly)[1] > targets.most_frequent:
            out.append(f"{self.most_frequent(nightly)} most frequent (target {targets.most_frequent})")
        if self.most_frequent(self.weekly)[1] > targets.most_frequent_weekly:
            out.append(f"{self.most_frequent(self.weekly)} most frequent weekly "
                       f"(target {targets.most_frequent_weekly})")
        if self.presumed_unasked:
            out.append(f"{self.presumed_unasked} fragile rituals offered unasked (target 0)")
        return out


def script_lines(content: ContentLibrary) -> frozenset[str]:
    """Every line the content library can make Rekindle say: rituals' own lines, questions, touch prompts."""
    lines = {q.text for q in content.questions.values()}
    for t in content.touch_prompts.values():
        lines |= {t.invite, t.start, t.end, t.halfway} - {""}
    for r in content.rituals.values():
        lines |= set(r.fixed_texts())
    return frozenset(lines)


def sentences(line: str) -> list[str]:
    """A line's sentences of :data:`MIN_WORDS` words or more."""
    return [s for s in SENTENCE_END.split(line.strip()) if len(s.split()) >= MIN_WORDS]


def replay(store: SqliteStore, nights: int = NIGHTS, start: date = START, household: str = HOUSEHOLD,
           touch: bool = True) -> list[Night]:
    """Run ``nights`` nights in a row for ``household`` as the text front does: yes to everything, or with
    ``touch`` False, yes to everything but no to every touch invitation."""
    out = []
    for n in range(nights):
        night = start + timedelta(days=n)
        moment = datetime.combine(night, EVENING).astimezone()
        engine = Rekindle(store, front="text", clock=lambda moment=moment: moment)
        turn = engine.handle(household, Command(CommandKind.OPEN))
        replies = [turn.reply]
        while turn.completed is None:
            if len(replies) > 80:
                raise RuntimeError(f"{night}: the ritual did not end after 80 turns")
            phase = phase_of(SessionState.from_dict(turn.state))
            answer = CommandKind.YES if phase in ASKED else CommandKind.NEXT
            if not touch and phase in (Phase.TOUCH_INVITE, Phase.TOUCH_ASK_AGAIN):
                answer = CommandKind.NO
            turn = engine.handle(household, Command(answer), turn.state)
            replies.append(turn.reply)
        said = tuple(s.text for r in replies for s in r.segments if isinstance(s, Speech) and s.text)
        chimes = sum(1 for r in replies for s in r.segments if isinstance(s, Cue) and s.kind is CueKind.TOUCH_START)
        out.append(Night(night, turn.completed.ritual_id, said, chimes))
    return out


def measure(nights: Sequence[Night], content: ContentLibrary | None = None) -> Figures:
    """The figures of a run of nights (see the module docs)."""
    content = content or default_content()
    script = script_lines(content)
    figures = Figures(len(nights))
    last_heard: dict[str, int] = {}
    for index, night in enumerate(nights):
        template = content.rituals[night.ritual_id]
        figures.rituals[night.ritual_id] += 1
        if template.cadence == "weekly":
            figures.weekly[night.ritual_id] += 1
        figures.presumed_unasked += template.presumes is not None
        tonight = [s for line in night.said if line in script for s in sentences(line)]
        for sentence in tonight:
            figures.script += 1
            figures.heard[sentence] += 1
            if index - last_heard.get(sentence, -WINDOW - 1) <= WINDOW:
                figures.repeated += 1
                figures.repeated_first += index < FIRST_NIGHTS
        for sentence in tonight:
            last_heard[sentence] = index
    return figures


def table(figures: Figures) -> str:
    ritual, most = figures.most_frequent(Counter({r: n for r, n in figures.rituals.items()
                                                  if r not in figures.weekly}))
    weekly, most_weekly = figures.most_frequent(figures.weekly)
    rows = [
        ("script sentences said again within 28 nights",
         f"{figures.share:.1%} ({figures.repeated} of {figures.script})", f"≤ {TARGETS.repeated_share:.0%}"),
        (f"same, first {FIRST_NIGHTS} nights", str(figures.repeated_first), f"≤ {TARGETS.repeated_first_nights}"),
        ("distinct rituals", f"{len(figures.rituals)} of {len(default_content().rituals)}",
         f"≥ {TARGETS.distinct_rituals}"),
        ("most frequent ritual", f"{most} ({ritual})", f"≤ {TARGETS.most_frequent}"),
        ("most frequent weekly ritual", f"{most_weekly} ({weekly})", f"≤ {TARGETS.most_frequent_weekly}"),
        ("rituals presuming a state, unasked", str(figures.presumed_unasked), "0"),
    ]
    lines = [f"| {figures.nights} nights | measured | target |", "| --- | ---: | ---: |"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--nights", type=int, default=NIGHTS)
    parser.add_argument("--start", type=date.fromisoformat, default=START, help="the first night (YYYY-MM-DD)")
    parser.add_argument("--minutes", type=int, default=None, help="the household's ritual length (default: 10)")
    parser.add_argument("--names", action="store_true", help="the partners have told Rekindle their names")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print the N sentences heard most often")
    parser.add_argument("--check", action="store_true", help="exit non-zero unless issue 26's targets are met")
    parser.add_argument("--transcript", action="store_true", help="print every night as it was heard, first")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "months.db")
        prefs = Preferences(names=("Sam", "Robin") if args.names else (),
                            **({"minutes": args.minutes} if args.minutes else {}))
        if prefs != Preferences():
            store.save(HOUSEHOLD, HouseholdChange(preferences=prefs))
        try:
            nights = replay(store, args.nights, args.start)
        finally:
            store.close()
    if args.transcript:
        for night in nights:
            print(f"## {night.night:%A %d %B %Y}: {night.ritual_id}\n")
            print("\n".join(night.said), end="\n\n")
    figures = measure(nights)
    print(table(figures))
    for sentence, count in figures.heard.most_common(args.show):
        print(f"{count:3d}  {sentence}")
    misses = figures.misses()
    if args.check and misses:
        print("Not met: " + "; ".join(misses), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
