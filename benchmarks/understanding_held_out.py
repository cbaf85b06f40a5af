"""How well the templates generalise: phrasings written apart from them, understood or not.

    .venv/bin/python -m benchmarks.understanding_held_out [--locale en-US|all] [--misses]

Runs ``tests/understanding/held_out*.yaml`` through the matcher of each locale: natural ways of saying
each command (understood, not understood, taken as another command, taken as its *opposite* per
``tests/understanding/opposites.yaml``), and things partners say to each other, none of which may act.
``held_out.yaml`` was written before the generalising templates but in view while writing them (a
development set); ``held_out_fresh.yaml`` was written after them and never used to change them (the
fairer figure). Prints a Markdown table; the figures are quoted in interaction_models/README.md and
tests/test_understanding_held_out.py keeps them from slipping.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from intents.understanding import IntentMatcher, source

DATA = Path(__file__).resolve().parent.parent / "tests" / "understanding"
SETS = ("held_out.yaml", "held_out_fresh.yaml")


@dataclass
class Figures:
    """What one held-out set did in one locale; the lists hold (phrase, expected, got)."""

    commands: int = 0
    understood: int = 0
    missed: list[tuple[str, str, str | None]] = field(default_factory=list)
    wrong: list[tuple[str, str, str | None]] = field(default_factory=list)
    opposite: list[tuple[str, str, str | None]] = field(default_factory=list)
    conversation: int = 0
    acting: list[tuple[str, str, str | None]] = field(default_factory=list)


def opposites() -> dict[str, frozenset[str]]:
    data = yaml.safe_load((DATA / "opposites.yaml").read_text(encoding="utf-8"))
    return {str(k): frozenset(map(str, v)) for k, v in data.items()}


def same_command(one: str, other: str) -> bool:
    """Whether two intents mean one command to the engine (SayAgainIntent and AMAZON.RepeatIntent)."""
    from intents.understanding.intent_map import INTENT_COMMANDS

    return one in INTENT_COMMANDS and INTENT_COMMANDS.get(one) == INTENT_COMMANDS.get(other)


def measure(matcher: IntentMatcher, name: str) -> Figures:
    """Run one held-out set (a file name in ``tests/understanding``) through ``matcher``."""
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    never = opposites()
    out = Figures()
    for intent, phrases in data["commands"].items():
        for phrase in phrases:
            out.commands += 1
            match = matcher.match(phrase)
            got = match.intent if match else None
            if got == intent or (got and same_command(got, intent)):  # one command, several intents
                out.understood += 1
            elif got is None:
                out.missed.append((phrase, intent, got))
            elif got in never.get(intent, ()):
                out.opposite.append((phrase, intent, got))
            else:
                out.wrong.append((phrase, intent, got))
    for phrase in data["conversation"]:
        out.conversation += 1
        match = matcher.match(phrase)
        if match is not None:
            out.acting.append((phrase, "", match.intent))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", default="all", help="a locale, or all (default)")
    parser.add_argument("--misses", action="store_true", help="list what was missed or acted wrongly")
    args = parser.parse_args(argv)
    locales = source.locales() if args.locale == "all" else [args.locale]
    print("| locale | set | commands understood | taken as another | taken as its opposite "
          "| conversation acting |")
    print("| --- | --- | --- | --- | --- | --- |")
    notes: dict[str, list[str]] = {}
    for locale in locales:
        matcher = IntentMatcher.for_locale(locale)
        for name in SETS:
            f = measure(matcher, name)
            print(f"| {locale} | {name} | {f.understood}/{f.commands} ({100 * f.understood / f.commands:.0f} %) "
                  f"| {len(f.wrong)} | {len(f.opposite)} | {len(f.acting)}/{f.conversation} |")
            for kind, rows in (("missed", f.missed), ("another", f.wrong), ("OPPOSITE", f.opposite),
                               ("acts", f.acting)):
                for phrase, want, got in rows:
                    line = f"{name} {kind}: {phrase!r} ({want or 'conversation'} -> {got})"
                    notes.setdefault(line, []).append(locale)
    if args.misses:
        print()
        for line, where in notes.items():
            print(f"{line} [{'all' if len(where) == len(locales) > 1 else ', '.join(where)}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
