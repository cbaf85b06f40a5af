"""Crash safety: writers completing rituals are SIGKILLed at random moments; nothing acknowledged is lost.

A writer process runs rituals through the engine against one SQLite file and
prints ``ack HOUSEHOLD SESSION STEPS`` (flushed) only after the engine's turn,
and so its save of the ritual, has returned. The parent kills writers at random
moments, then checks ``PRAGMA integrity_check`` and that every acknowledged
ritual is in its household's history with all its steps.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from intents.commands import Command, CommandKind
from intents.engine import Rekindle
from intents.household import DETAIL_RITUALS
from intents.household.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 21, 0, tzinfo=timezone.utc)
LENGTHS = (5, 10, 20)


def writer(db: str, household: str, seed: int) -> None:
    """Complete rituals forever, acknowledging each one on stdout once it is recorded."""
    rng = random.Random(seed)
    engine = Rekindle(SqliteStore(db), clock=lambda: NOW, ritual="just-a-question", front="crash")
    print("ready", flush=True)
    while True:
        state = engine.handle(household, Command(CommandKind.OPEN)).state
        script = [Command(CommandKind.SET_LENGTH, minutes=rng.choice(LENGTHS)),
                  Command(CommandKind.START_OVER), Command(CommandKind.NEXT)]
        if rng.random() < 0.3:  # sometimes leave it midway, so progress is saved and resumed
            script += [Command(CommandKind.STOP), Command(CommandKind.OPEN), Command(CommandKind.YES)]
        script.append(Command(CommandKind.NEXT))
        for command in script:
            turn = engine.handle(household, command, state)
            state = turn.state
        if turn.completed is None:
            raise SystemExit(f"ritual did not complete; stage {state['stage']}")
        print(f"ack {household} {turn.completed.session_id} {len(turn.completed.steps)}", flush=True)


@dataclass(frozen=True)
class Ack:
    household: str
    session_id: str
    steps: int


def read_acks(path: Path) -> list[Ack]:
    """Acknowledgements in a writer's output; only complete lines count."""
    acks = []
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    for line in text.splitlines(keepends=True):
        parts = line.split()
        if line.endswith("\n") and len(parts) == 4 and parts[0] == "ack":
            acks.append(Ack(parts[1], parts[2], int(parts[3])))
    return acks


@dataclass
class Check:
    """What the database holds against what was acknowledged."""

    integrity: str
    acknowledged: int
    found: int
    missing: list[Ack] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.missing and self.found == self.acknowledged


def check(db: Path, acks: list[Ack]) -> Check:
    """Integrity of the file, and every acknowledged ritual kept with all its steps, or counted.

    A household's record keeps at most ``DETAIL_RITUALS`` rituals in detail; an acknowledged
    ritual outside the detail counts as found only if the detail is full and the household's
    tally counts at least as many rituals as were acknowledged.
    """
    conn = sqlite3.connect(db)
    try:
        integrity = "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()
    store = SqliteStore(db)
    try:
        records = {household: store.load(household) for household in {a.household for a in acks}}
    finally:
        store.close()
    missing = []
    for ack in acks:
        record = records[ack.household]
        kept = {r.session_id: len(r.steps) for r in record.rituals}
        counted = sum(a.household == ack.household for a in acks) <= record.tally.rituals_completed
        pruned = len(kept) >= DETAIL_RITUALS and ack.session_id not in kept and counted
        if kept.get(ack.session_id) != ack.steps and not pruned:
            missing.append(ack)
    return Check(integrity, len(acks), len(acks) - len(missing), missing)


@dataclass
class Figures:
    rounds: int = 0
    writers: int = 0
    kills: int = 0
    exited_early: list[str] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    integrity_failures: int = 0


def spawn(db: Path, household: str, seed: int, out: Path) -> subprocess.Popen[bytes]:
    code = f"from benchmarks.stress.crash import writer; writer({str(db)!r}, {household!r}, {seed})"
    with out.open("wb") as f:
        return subprocess.Popen([sys.executable, "-c", code], stdout=f, stderr=subprocess.PIPE, cwd=ROOT)


def wait_until_ready(procs: list[tuple[subprocess.Popen[bytes], Path]], timeout: float = 120.0) -> None:
    """Until every writer has opened the store and said so (or exited, or ``timeout`` seconds passed)."""
    deadline = time.monotonic() + timeout
    for proc, out in procs:
        while proc.poll() is None and time.monotonic() < deadline and not out.read_bytes().startswith(b"ready\n"):
            time.sleep(0.01)


def run(db: Path, rounds: int, writers: int = 3, max_delay: float = 1.5, seed: int | None = None,
        work: Path | None = None) -> tuple[Figures, Check]:
    """``rounds`` rounds of ``writers`` concurrent writers, each SIGKILLed at a random moment."""
    rng = random.Random(seed)
    work = work or db.parent
    figures = Figures()
    for number in range(rounds):
        procs = []
        for w in range(writers):
            out = work / f"round{number}-writer{w}.out"
            procs.append((spawn(db, f"r{number}w{w}", rng.randrange(2**32), out), out))
        wait_until_ready(procs)  # kill while they write: a loaded machine may take seconds to start Python
        started = time.monotonic()
        kill_at = sorted(((rng.uniform(0.05, max_delay), proc) for proc, _ in procs), key=lambda pair: pair[0])
        for at, proc in kill_at:
            time.sleep(max(0.0, started + at - time.monotonic()))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                figures.kills += 1
            else:
                assert proc.stderr is not None
                figures.exited_early.append(proc.stderr.read().decode(errors="replace")[-500:])
        for proc, out in procs:
            proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
            figures.acks.extend(read_acks(out))
        figures.rounds += 1
        figures.writers += len(procs)
        conn = sqlite3.connect(db)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                figures.integrity_failures += 1
        finally:
            conn.close()
    return figures, check(db, figures.acks)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "crash", help="SIGKILL writers mid-ritual; check integrity and that no acknowledged ritual is lost",
        description="Each round starts --writers processes completing rituals through the engine against one "
        "SQLite file and kills each with SIGKILL at a random moment. Then: PRAGMA integrity_check must be ok "
        "and every acknowledged ritual must be in history. Exit 1 otherwise.")
    p.add_argument("--rounds", type=int, default=200)
    p.add_argument("--writers", type=int, default=3, help="concurrent writers per round (default 3)")
    p.add_argument("--max-delay", type=float, default=1.5, help="latest kill, s after a writer is ready (default 1.5)")
    p.add_argument("--seed", type=int, help="random seed for kill moments")
    p.add_argument("--db", type=Path, help="database file (default: a new one in a temporary folder)")
    p.set_defaults(handler=crash)


def crash(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="rekindle-crash-") as tmp:
        db = args.db or Path(tmp) / "crash.db"
        started = time.monotonic()
        figures, result = run(db, args.rounds, args.writers, args.max_delay, args.seed, Path(tmp))
        elapsed = time.monotonic() - started
    print(f"rounds={figures.rounds} writers={figures.writers} kills={figures.kills} "
          f"exited_before_kill={len(figures.exited_early)} acknowledged={result.acknowledged} "
          f"found={result.found} missing={len(result.missing)} integrity={result.integrity} "
          f"quick_check_failures={figures.integrity_failures} seconds={elapsed:.0f}", flush=True)
    for ack in result.missing[:10]:
        print(f"  missing: {ack}", flush=True)
    for err in figures.exited_early[:3]:
        print(f"  writer exited on its own: {err}", flush=True)
    ok = result.ok and not figures.exited_early and not figures.integrity_failures
    return 0 if ok else 1
