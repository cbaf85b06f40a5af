"""A household after years of nightly rituals: record size, store calls and CPU per turn.

    .venv/bin/python -m benchmarks.store_bench [--nights 0 365 1100 3650] [--rituals 5]

For each history length, a household's nights are simulated with the real
planner (one completed ritual a night, content chosen as the engine would,
one step in ten skipped) and written through each store:

- ``memory``: the engine alone over an in-memory store (no storage cost);
- ``sqlite``: a real SQLite file, every simulated night saved through the store;
- ``dynamodb``: a DynamoDB-compatible server (moto) in its own process on
  loopback, so its CPU is not counted here; the record is written as a
  turn would write it after the simulated nights.

Then ``--rituals`` more nights of whole rituals run through ``Rekindle.handle``
(open, yes, next... until complete), timing each turn's CPU in this process
(``time.process_time``), counting the DynamoDB requests each turn sends, and
measuring the stored item as DynamoDB sizes it. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from intents.commands import Command, CommandKind
from intents.content import ContentLibrary, default_content
from intents.engine import Rekindle
from intents.household import CompletedRitual, Household, HouseholdChange, HouseholdStore, Preferences, StepRecord
from intents.planning import Planner

FIRST_NIGHT = date(2026, 1, 1)
EVENING = 21


def simulate(household: str, nights: int, first: date = FIRST_NIGHT, content: ContentLibrary | None = None,
             preferences: Preferences | None = None, seed: int = 7) -> Iterator[CompletedRitual]:
    """One completed ritual a night for ``nights`` nights, chosen by the planner from the bounded record."""
    planner = Planner(content or default_content())
    preferences = preferences or Preferences()
    rng = random.Random(seed)
    record = Household(preferences=preferences)
    for n in range(nights):
        night = first + timedelta(days=n)
        plan = planner.plan(household, night, preferences, record.rituals,
                            nights_before=record.nights_before(night))
        ritual = CompletedRitual(
            f"{seed:08x}{n:024x}", plan.ritual_id, night,
            datetime(night.year, night.month, night.day, EVENING, 30, tzinfo=timezone.utc),
            rng.choice(("alexa", "laptop")),
            tuple(StepRecord(s.kind, s.content_id, rng.random() < 0.1) for s in plan.steps),
        )
        record = record.apply(HouseholdChange(completed=ritual))
        yield ritual


class DynamoCalls:
    """Counts the DynamoDB requests a boto3 client sends, by operation (retries included)."""

    def __init__(self, client: Any) -> None:
        self.counts: Counter[str] = Counter()
        client.meta.events.register("before-send.dynamodb", self._sent)

    def _sent(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        name = target.decode() if isinstance(target, bytes) else str(target)
        self.counts[name.rsplit(".", 1)[-1]] += 1

    def take(self) -> Counter[str]:
        counts, self.counts = self.counts, Counter()
        return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto DynamoDB-compatible server in a child process on loopback; yields its URL."""
    port = free_port()
    code = ("from moto.server import ThreadedMotoServer; import time; "
            f"s = ThreadedMotoServer(ip_address='127.0.0.1', port={port}, verbose=False); s.start(); "
            "time.sleep(10**9)")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("moto server did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def whole_ritual(engine: Rekindle, household: str,
                 after_turn: Callable[[], None] = lambda: None) -> list[tuple[float, Any]]:
    """Open, yes, next... until tonight's ritual completes; each turn's CPU seconds and the turn."""
    turns = []
    state: dict[str, Any] | None = None
    for command in [Command(CommandKind.OPEN), Command(CommandKind.YES)] + [Command(CommandKind.NEXT)] * 30:
        started = time.process_time()
        turn = engine.handle(household, command, state)
        turns.append((time.process_time() - started, turn))
        after_turn()
        state = turn.state
        if turn.completed is not None:
            return turns
    raise RuntimeError("the ritual did not complete")


@dataclass
class Row:
    store: str
    nights: int
    turn_cpu_ms: list[float] = field(default_factory=list)
    first_turn_cpu_ms: list[float] = field(default_factory=list)
    calls: list[Counter[str]] = field(default_factory=list)
    record_bytes: int = 0
    nights_together: int = 0
    kept: int = 0


def measure(open_store: Callable[[], HouseholdStore], name: str, nights: int, rituals: int,
            household: str = "home", calls: DynamoCalls | None = None, size: Callable[[], int] | None = None) -> Row:
    """``rituals`` whole rituals on the nights after ``nights``, each over a freshly opened store
    (as each ``rekindle talk`` or Lambda instance opens its own)."""
    row = Row(name, nights)
    for k in range(rituals):
        night = FIRST_NIGHT + timedelta(days=nights + k)
        moment = datetime(night.year, night.month, night.day, EVENING, tzinfo=timezone.utc)
        store = open_store()
        engine = Rekindle(store, clock=lambda moment=moment: moment, front="bench")
        if calls is not None:
            calls.take()
            turns = whole_ritual(engine, household, lambda calls=calls: row.calls.append(calls.take()))
        else:
            turns = whole_ritual(engine, household)
        row.turn_cpu_ms += [cpu * 1000 for cpu, _turn in turns]
        row.first_turn_cpu_ms.append(turns[0][0] * 1000)
    record = store.load(household)
    row.nights_together, row.kept = record.tally.nights_together, len(record.rituals)
    row.record_bytes = size() if size else 0
    return row


def seed(store: HouseholdStore, household: str, nights: int, one_write: bool) -> None:
    """Write ``nights`` simulated nights: each through the store, or (``one_write``) as one turn's write."""
    history = list(simulate(household, nights))
    if not history:
        return
    if one_write:
        before = Household.from_history(Preferences(), history[:-1])
        store.save(household, HouseholdChange(completed=history[-1]), base=before)
        return
    for ritual in history:
        store.save(household, HouseholdChange(completed=ritual))


def run(nights_list: list[int], rituals: int, stores: list[str]) -> list[Row]:
    from benchmarks.stress.memory_store import MemoryStore

    rows = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = stack.enter_context(moto_server()) if "dynamodb" in stores else ""
        for nights in nights_list:
            if "memory" in stores:
                memory = MemoryStore()
                seed(memory, "home", nights, one_write=False)
                rows.append(measure(lambda memory=memory: memory, "memory", nights, rituals))
            if "sqlite" in stores:
                from intents.household.sqlite import SqliteStore

                path = Path(tmp) / f"n{nights}.db"
                with contextlib.closing(SqliteStore(path)) as sqlite:
                    seed(sqlite, "home", nights, one_write=False)
                rows.append(measure(lambda p=path: SqliteStore(p), "sqlite", nights, rituals,
                                    size=lambda p=path: p.stat().st_size))
            if "dynamodb" in stores:
                rows.append(_dynamodb(url, nights, rituals))
    return rows


def _dynamodb(url: str, nights: int, rituals: int) -> Row:
    import boto3

    from intents.household.dynamodb import DynamoDbHouseholdStore, item_bytes

    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(name, value)
    store = DynamoDbHouseholdStore.from_table(f"bench-{nights}", endpoint_url=url)
    seed(store, "home", nights, one_write=True)
    calls = DynamoCalls(store.table.meta.client)
    reader = boto3.resource("dynamodb", endpoint_url=url).Table(store.table_name)
    return measure(lambda: store, "dynamodb", nights, rituals, calls=calls,
                   size=lambda: item_bytes(reader.get_item(Key={"id": "home"})["Item"]))


def report(rows: list[Row]) -> str:
    lines = ["| store | nights before | nights together after | rituals kept | stored bytes | "
             "CPU per turn median / p95 / max ms | first turn of a process, median ms | requests per turn (max) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in rows:
        cpu = sorted(row.turn_cpu_ms)
        p95 = cpu[min(len(cpu) - 1, int(len(cpu) * 0.95))]
        if row.calls:
            worst = max(row.calls, key=lambda c: sum(c.values()))
            calls = f"{sum(worst.values())} ({', '.join(f'{k} {v}' for k, v in sorted(worst.items()))})"
        else:
            calls = "–"
        size = f"{row.record_bytes:,}" if row.record_bytes else "–"
        lines.append(f"| {row.store} | {row.nights:,} | {row.nights_together:,} | {row.kept} | {size} | "
                     f"{statistics.median(cpu):.2f} / {p95:.2f} / {cpu[-1]:.2f} | "
                     f"{statistics.median(row.first_turn_cpu_ms):.2f} | {calls} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.store_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--nights", type=int, nargs="+", default=[0, 365, 1100, 3650],
                        help="history lengths to measure (default 0 365 1100 3650)")
    parser.add_argument("--rituals", type=int, default=5, help="whole rituals timed per history length (default 5)")
    parser.add_argument("--stores", nargs="+", default=["memory", "sqlite", "dynamodb"],
                        choices=["memory", "sqlite", "dynamodb"])
    args = parser.parse_args(argv)
    print(report(run(args.nights, args.rituals, args.stores)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
