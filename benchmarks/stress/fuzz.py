"""Fuzzing the core: the checks, the targets and the ``fuzz`` subcommand.

Each target is a hypothesis test body: the fast suite runs it with a few
hundred examples and fails on the first violation; the long run drives the
same body with ``--examples`` generated inputs, counts every failure instead
of stopping, and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from intents.commands import Command, CommandKind
from intents.dialogue import SessionState
from intents.engine import Rekindle, Turn
from intents.household import HouseholdChange, Preferences
from intents.understanding import command_for_intent

from . import strategies as s
from .memory_store import MemoryStore

# ----- the checks (shared with tests/test_stress_fuzz.py) ---------------------------------------


def check_turn(turn: Turn) -> None:
    """What every turn must give: something to say and a state that survives a JSON round trip."""
    assert turn.reply.text.strip(), "empty reply"
    if not turn.reply.end_session:
        assert turn.reply.reprompt.strip(), "open session without a reprompt"
    encoded = json.dumps(turn.state)
    assert SessionState.from_dict(json.loads(encoded)).to_dict() == turn.state, "state does not round-trip"


def make_engine(moment: datetime, ritual: str | None, names: tuple[str, ...] = (), household: str = "home",
                ) -> Rekindle:
    """An engine over a fresh in-memory store, its clock stopped at ``moment``; ``names`` for ``household``."""
    store = MemoryStore()
    if names:
        store.save(household, HouseholdChange(preferences=Preferences(names=names)))
    return Rekindle(store, clock=lambda: moment, ritual=ritual, front="fuzz")


def run_commands(engine: Rekindle, household: str, commands: list[Command],
                 state: Any = None) -> dict[str, Any]:
    """Open a conversation (or continue ``state``) and apply ``commands``, checking every turn."""
    turn = engine.handle(household, Command(CommandKind.OPEN), state)
    check_turn(turn)
    current = turn.state
    for command in commands:
        turn = engine.handle(household, command, current)
        check_turn(turn)
        current = turn.state
    return current


# ----- targets: hypothesis bodies ---------------------------------------------------------------


def engine_sequences(moment: datetime, ritual: str | None, named: bool, household: str,
                     prefix: list[Command], commands: list[Command]) -> None:
    """Any commands from any state reached by any commands never raise and always answer."""
    engine = make_engine(moment, ritual, ("Sam", "Robin") if named else (), household)
    reached = run_commands(engine, household, prefix)
    run_commands(engine, household, commands, reached)
    for command in commands:  # the same commands straight from the reached state, no OPEN first
        turn = engine.handle(household, command, reached)
        check_turn(turn)


def garbage_state(moment: datetime, ritual: str | None, data: st.DataObject) -> None:
    """A state that is garbage, or a real one with one place broken, never crashes a turn."""
    engine = make_engine(moment, ritual)
    real = run_commands(engine, "home", data.draw(st.lists(s.commands, max_size=6), label="prefix"))
    bad = data.draw(st.one_of(s.garbage_states, st.just(None)).flatmap(
        lambda g: st.just(g) if g is not None else st.just(s.mutated(real, data))), label="state")
    command = data.draw(s.commands, label="command")
    check_turn(engine.handle("home", command, bad))
    # the same garbage saved as tonight's progress, read back when a conversation opens
    store = engine.store
    assert isinstance(store, MemoryStore)
    store.progress["home"] = (SessionState.from_dict(real).plan.night, bad)
    check_turn(engine.handle("home", Command(CommandKind.OPEN), None))
    check_turn(engine.handle("home", command, None))


def matcher_text(text: str, moment: datetime) -> None:
    """Any text is understood or not, never raises, and what it means drives the engine safely."""
    matcher = s.matcher()
    match = matcher.match(text)
    if match is None:
        command = Command(CommandKind.UNKNOWN)
    else:
        assert match.intent in matcher.intents, match
        command = command_for_intent(match.intent, match.slots)
    engine = make_engine(moment, None)
    run_commands(engine, "home", [Command(CommandKind.YES), command])


@dataclass(frozen=True)
class Target:
    """A fuzz target: its hypothesis body and the strategies for its arguments."""

    name: str
    body: Callable[..., None]
    strategies: dict[str, st.SearchStrategy[Any]]

    def test(self, max_examples: int, wrap: Callable[[Callable[..., None]], Callable[..., None]] | None = None,
             ) -> Callable[[], None]:
        """A runnable hypothesis test of this target (``wrap`` may catch and count failures)."""
        body = wrap(self.body) if wrap else self.body
        phases = [Phase.generate] if wrap else [Phase.generate, Phase.shrink]  # counting runs never shrink
        config = settings(max_examples=max_examples, deadline=None, database=None, phases=phases,
                          suppress_health_check=list(HealthCheck), print_blob=True)
        runner: Callable[[], None] = config(given(**self.strategies)(body))
        return runner


TARGETS: dict[str, Target] = {
    "engine": Target("engine", engine_sequences, {
        "moment": s.moments, "ritual": s.rituals, "named": st.booleans(), "household": s.households,
        "prefix": s.command_sequences, "commands": s.command_sequences}),
    "state": Target("state", garbage_state, {"moment": s.moments, "ritual": s.rituals, "data": st.data()}),
    "matcher": Target("matcher", matcher_text, {"text": s.phrases, "moment": s.moments}),
}
"""Fuzz targets by name. Other front ends add theirs here (for example the web service)."""


# ----- the long run -------------------------------------------------------------------------------


def rss_kib() -> int:
    """Resident memory now, in KiB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() // 1024


BATCH = 1000
"""Examples per hypothesis run: hypothesis remembers what a run tried, so long runs are cut in batches."""


@dataclass
class Tally:
    """Figures for one target's run."""

    name: str
    examples: int = 0
    failures: int = 0
    first_failures: list[str] = field(default_factory=list)
    rss_samples_kib: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def counting(self, body: Callable[..., None]) -> Callable[..., None]:
        """``body`` counting its examples and failures instead of raising."""
        def counted(**kwargs: Any) -> None:
            self.examples += 1
            try:
                body(**kwargs)
            except Exception as exc:  # a failure is counted, kept for the report, and the run goes on
                self.failures += 1
                if len(self.first_failures) < 5:
                    where = traceback.extract_tb(exc.__traceback__)[-1]
                    self.first_failures.append(
                        f"{type(exc).__name__}: {exc} at {where.filename}:{where.lineno} with {_short(kwargs)}")
        counted.__name__ = body.__name__
        return counted


def _short(kwargs: dict[str, Any]) -> str:
    text = repr({k: v for k, v in kwargs.items() if k != "data"})
    return text if len(text) < 400 else text[:400] + "..."


def run_target(target: Target, examples: int) -> Tally:
    """Run ``examples`` examples of a target in batches, sampling memory after each batch."""
    tally = Tally(target.name)
    started = time.perf_counter()
    while tally.examples < examples:
        target.test(min(BATCH, examples - tally.examples), tally.counting)()
        tally.rss_samples_kib.append(rss_kib())
    tally.seconds = time.perf_counter() - started
    return tally


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "fuzz", help="generated inputs against the core (and other registered targets)",
        description="Run --examples generated inputs through each fuzz target; count failures instead of "
        "stopping; print examples, failures, time and memory. Exit 1 on any failure.")
    p.add_argument("--examples", type=_positive, default=100_000, help="examples per target (default 100000)")
    p.add_argument("--target", action="append", choices=sorted(TARGETS),
                   help="run only this target (repeatable; default: all)")
    p.set_defaults(handler=fuzz)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def fuzz(args: argparse.Namespace) -> int:
    tallies = []
    for name in args.target or list(TARGETS):
        print(f"fuzzing {name}: {args.examples} examples...", file=sys.stderr, flush=True)
        tally = run_target(TARGETS[name], args.examples)
        tallies.append(tally)
        samples = tally.rss_samples_kib
        print(f"target={tally.name} examples={tally.examples} failures={tally.failures} "
              f"seconds={tally.seconds:.0f} rss_mib_first_batch={samples[0] / 1024:.1f} "
              f"rss_mib_last_batch={samples[-1] / 1024:.1f}", flush=True)
        for failure in tally.first_failures:
            print(f"  failure: {failure}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(t.examples for t in tallies)
    failures = sum(t.failures for t in tallies)
    print(f"total examples={total} failures={failures} peak_rss_mib={peak:.1f}", flush=True)
    return 1 if failures else 0
