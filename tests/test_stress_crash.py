"""Crash safety in the fast suite: a few rounds of ``python -m benchmarks.stress crash``."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from store_helpers import record_ritual

from benchmarks.stress.crash import NOW, Ack, check, read_acks, run
from intents.household import DETAIL_RITUALS, CompletedRitual, StepRecord
from intents.household.sqlite import SqliteStore


def test_killed_writers_lose_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    figures, result = run(db, rounds=10, writers=2, max_delay=1.0, seed=5, work=tmp_path)
    assert figures.rounds == 10 and figures.kills == 20, figures.exited_early
    assert result.integrity == "ok"
    assert result.acknowledged > 0 and result.ok, result.missing
    assert figures.integrity_failures == 0

    # the checker notices an acknowledged ritual that is gone, or one that lost a step (in a household with
    # few rituals: past the bound of rituals kept in detail, only the counters vouch for the older ones)
    def rituals(household: str, count: int) -> list[Ack]:
        steps = (StepRecord("opening"), StepRecord("question", "q-1"), StepRecord("closing"))
        with closing(SqliteStore(db)) as store:
            for k in range(count):
                record_ritual(store, household, CompletedRitual(f"{household}-{k}", "just-a-question", NOW.date(),
                                                                NOW, "crash", steps))
        return [Ack(household, f"{household}-{k}", len(steps)) for k in range(count)]

    acks = figures.acks + rituals("many", DETAIL_RITUALS + 5) + rituals("few", 3)
    assert check(db, acks).ok  # the 5 of "many" no longer in detail are vouched for by its counters
    lost, short = acks[-3], acks[-1]
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM ritual_steps WHERE session_id = ?", (lost.session_id,))
        conn.execute("DELETE FROM rituals WHERE session_id = ?", (lost.session_id,))
        conn.execute("DELETE FROM ritual_steps WHERE session_id = ? AND position = 0", (short.session_id,))
    conn.close()
    damaged = check(db, acks)
    assert not damaged.ok
    assert damaged.missing == [lost, short]
    assert damaged.found == damaged.acknowledged - 2


def test_only_complete_ack_lines_count(tmp_path: Path) -> None:
    out = tmp_path / "writer.out"
    out.write_text("ready\nack h1 s1 3\nack h1 s2 3\nack h1 s3")
    assert read_acks(out) == [Ack("h1", "s1", 3), Ack("h1", "s2", 3)]
    assert read_acks(tmp_path / "never-started.out") == []
