"""The SQLite household store: persistence, concurrency, migrations and refusing bad files safely."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from intents import Command, CommandKind, CompletedRitual, Preferences, Rekindle, SqliteStore, StepRecord, StoreError
from intents.content import Depth
from intents.sqlite_store import MIGRATIONS, SCHEMA_VERSION
from intents.store import export_household, nights_together

NOW = datetime(2026, 11, 25, 21, 0, tzinfo=timezone.utc)


def complete_rituals(path: str, household: str, count: int) -> int:
    """Worker: complete ``count`` short rituals through the engine; returns how many completed."""
    engine = Rekindle(SqliteStore(path), clock=lambda: NOW, ritual="just-a-question", front=f"proc-{household}")
    done = 0
    for _ in range(count):
        turn = engine.handle(household, Command(CommandKind.OPEN))
        state = turn.state
        for kind in (CommandKind.START_OVER, CommandKind.NEXT, CommandKind.NEXT):
            turn = engine.handle(household, Command(kind), state)
            state = turn.state
        done += turn.completed is not None
        # the same store written directly, for the shared household
        engine.store.record_ritual("shared", CompletedRitual(
            f"{household}-{done}-{state['sid']}", "just-a-question", date(2026, 11, 25), NOW, "proc"))
    return done


def test_data_survives_a_new_process(tmp_path: Path) -> None:
    db = tmp_path / "household.db"
    code = (
        "import sys; sys.path.insert(0, 'tests');"
        "from test_store import complete_rituals;"
        f"print(complete_rituals({str(db)!r}, 'home', 2))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "2"
    store = SqliteStore(db)
    history = store.history("home")
    assert len(history) == 2
    assert all(r.front == "proc-home" and r.ritual_id == "just-a-question" for r in history)
    assert nights_together(history) == 1


def test_two_processes_completing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "busy.db")
    SqliteStore(db).close()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(complete_rituals, [(db, "a", 25), (db, "b", 25)])
    assert results == [25, 25]
    store = SqliteStore(db)
    assert len(store.history("a")) == 25
    assert len(store.history("b")) == 25
    assert len(store.history("shared")) == 50
    assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_preferences_and_progress_round_trip(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    prefs = Preferences(names=("Kai", "Noor"), minutes=20, depth_ceiling=Depth.DEEPER, touch=False)
    store.save_preferences("h", prefs)
    store.save_progress("h", date(2026, 11, 25), {"step": 2})
    reopened = SqliteStore(tmp_path / "p.db")
    assert reopened.load_preferences("h") == prefs
    assert reopened.load_progress("h", date(2026, 11, 25)) == {"step": 2}
    assert reopened.load_progress("h", date(2026, 11, 26)) is None
    assert reopened.households() == ["h"]


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.db")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migrates_an_older_file_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO preferences VALUES ('h', ?)", (json.dumps({"names": ["A", "B"]}),))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.load_preferences("h").names == ("A", "B")
    indexes = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "rituals_by_household_night" in indexes


def test_corrupt_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "rekindle.db"
    junk = b"this is not a database, it is a shopping list\n" * 200
    path.write_bytes(junk)
    with pytest.raises(StoreError) as err:
        SqliteStore(path)
    assert str(path) in str(err.value)
    assert "move it aside" in str(err.value)
    assert path.read_bytes() == junk


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE mystery (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer version of Rekindle"):
        SqliteStore(path)
    assert path.read_bytes() == before


def test_locked_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    SqliteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = None
        with pytest.raises(StoreError, match="locked by another program"):
            store = SqliteStore(path, busy_timeout_ms=200)
            store.save_preferences("h", Preferences())
    finally:
        holder.execute("ROLLBACK")
        holder.close()


OPEN_AT = """
import sys, time
from intents.sqlite_store import SqliteStore
while time.time() < float(sys.argv[2]):
    pass
SqliteStore(sys.argv[1]).close()
"""


def test_processes_creating_one_fresh_file_at_once_all_open_it(tmp_path: Path) -> None:
    """Switching a new file to WAL answers "locked" at once, without waiting (seen in CI); opening retries."""
    root = Path(__file__).resolve().parents[1]
    failures = []
    for round_ in range(6):
        path = tmp_path / f"fresh-{round_}.db"
        go = str(time.time() + 0.5)
        racers = [subprocess.Popen([sys.executable, "-c", OPEN_AT, str(path), go], cwd=root,
                                   stderr=subprocess.PIPE, text=True) for _ in range(4)]
        failures += [err for _, err in (r.communicate(timeout=60) for r in racers) if err]
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert not failures, failures[0]


def test_unwritable_folder_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot create the folder"):
        SqliteStore(blocker / "sub" / "rekindle.db")


def test_forget_deletes_everything(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    store = SqliteStore(path)
    store.save_preferences("h", Preferences(names=("Sam", "Robin")))
    store.record_ritual("h", CompletedRitual("s1", "just-a-question", date(2026, 11, 25), NOW, "text",
                                             (StepRecord("question", "q-x"),)))
    store.save_progress("h", date(2026, 11, 25), {"a": 1})
    assert export_household(store, "h")["nights_together"] == 1
    store.forget()
    assert store.households() == []
    assert store.history("h") == []
    store.close()
    assert b"Robin" not in path.read_bytes()
