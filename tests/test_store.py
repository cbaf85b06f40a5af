"""The SQLite household store: persistence, concurrency, migrations and refusing bad files safely."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from datetime import date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from store_helpers import load_preferences, load_progress, record_ritual, rituals_kept, save_preferences, save_progress

from benchmarks.store_bench import FIRST_NIGHT, seed, simulate, whole_ritual
from intents import (
    Command,
    CommandKind,
    CompletedRitual,
    Planner,
    Preferences,
    Rekindle,
    SqliteStore,
    StepRecord,
    StoreError,
    default_content,
)
from intents.content import Depth
from intents.household import DETAIL_NIGHTS, KEPT, Household, HouseholdChange, export_household, nights_together
from intents.household.sqlite_tables import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

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
        record_ritual(engine.store, "shared", CompletedRitual(
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
    history = rituals_kept(store, "home")
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
    assert len(rituals_kept(store, "a")) == 25
    assert len(rituals_kept(store, "b")) == 25
    assert len(rituals_kept(store, "shared")) == 50
    assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_preferences_and_progress_round_trip(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    prefs = Preferences(names=("Kai", "Noor"), minutes=20, depth_ceiling=Depth.DEEPER, touch=False)
    save_preferences(store, "h", prefs)
    save_progress(store, "h", date(2026, 11, 25), {"step": 2})
    reopened = SqliteStore(tmp_path / "p.db")
    assert load_preferences(reopened, "h") == prefs
    assert load_progress(reopened, "h", date(2026, 11, 25)) == {"step": 2}
    assert load_progress(reopened, "h", date(2026, 11, 26)) is None
    assert reopened.households() == ["h"]


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.db")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migrates_an_older_file_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(str(MIGRATIONS[0]))
    conn.execute("INSERT INTO preferences VALUES ('h', ?)", (json.dumps({"names": ["A", "B"]}),))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert load_preferences(store, "h").names == ("A", "B")
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
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a newer Rekindle marks its files too
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
            save_preferences(store, "h", Preferences())
    finally:
        holder.execute("ROLLBACK")
        holder.close()


OPEN_AT = """
import sys, time
from intents.household.sqlite import SqliteStore
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
    save_preferences(store, "h", Preferences(names=("Sam", "Robin")))
    record_ritual(store, "h", CompletedRitual("s1", "just-a-question", date(2026, 11, 25), NOW, "text",
                                             (StepRecord("question", "q-x"),)))
    save_progress(store, "h", date(2026, 11, 25), {"a": 1})
    assert export_household(store, "h")["nights_together"] == 1
    store.forget()
    assert store.households() == []
    assert rituals_kept(store, "h") == []
    store.close()
    assert b"Robin" not in path.read_bytes()


# --- years of use: bounded detail, counters, migration from schema 2 ------------------------------------


class CountedStore(SqliteStore):
    """The real SQLite store, counting the engine's calls to it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()

    def load(self, household: str) -> Household:
        self.calls["load"] += 1
        return super().load(household)

    def save(self, household: str, change: HouseholdChange, base: Household | None = None) -> Household:
        self.calls["save"] += 1
        return super().save(household, change, base)


def run_whole_rituals(store: CountedStore, household: str, first: date, nights: int) -> list[Counter[str]]:
    """Whole rituals on ``nights`` nights from ``first`` through the engine; the store calls of each turn."""
    per_turn: list[Counter[str]] = []

    def take() -> None:
        per_turn.append(store.calls.copy())
        store.calls.clear()

    for k in range(nights):
        night = first + timedelta(days=k)
        moment = datetime(night.year, night.month, night.day, 21, tzinfo=timezone.utc)
        store.calls.clear()
        whole_ritual(Rekindle(store, clock=lambda moment=moment: moment, front="text"), household, take)
    return per_turn


def test_ten_years_of_nightly_rituals_on_sqlite_keep_recent_detail_and_exact_counts(tmp_path: Path) -> None:
    path = tmp_path / "years.db"
    store = CountedStore(path)
    seed(store, "home", 3650, one_write=False)
    per_turn = run_whole_rituals(store, "home", FIRST_NIGHT + timedelta(days=3650), 2)
    assert per_turn and all(c["load"] == 1 and c["save"] <= 1 for c in per_turn), per_turn
    record = store.load("home")
    assert (record.tally.nights_together, record.tally.rituals_completed) == (3652, 3652)
    assert record.tally.first_night == FIRST_NIGHT
    assert len(record.rituals) == DETAIL_NIGHTS and record.rituals[-1].front == "text"
    rows = store._conn.execute("SELECT count(*) FROM rituals WHERE household = 'home'").fetchone()[0]
    steps = store._conn.execute("SELECT count(*) FROM ritual_steps").fetchone()[0]
    assert rows == DETAIL_NIGHTS and steps == sum(len(r.steps) for r in record.rituals)


def write_schema_2(path: Path, households: dict[str, tuple[Preferences, list[CompletedRitual]]],
                   progress: tuple[str, date, dict[str, object]]) -> None:
    """A file as Rekindle wrote it before counters: schema 2, every ritual ever with its steps."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        conn.executescript(str(script))
    for household, (prefs, history) in households.items():
        conn.execute("INSERT INTO preferences VALUES (?, ?)", (household, json.dumps(prefs.to_dict())))
        for r in history:
            conn.execute("INSERT INTO rituals VALUES (?, ?, ?, ?, ?, ?)", (
                r.session_id, household, r.ritual_id, r.night.isoformat(), r.completed_at.isoformat(), r.front))
            conn.executemany("INSERT INTO ritual_steps VALUES (?, ?, ?, ?, ?)",
                             [(r.session_id, i, s.kind, s.content_id, int(s.skipped)) for i, s in enumerate(r.steps)])
    household, night, state = progress
    conn.execute("INSERT INTO progress VALUES (?, ?, ?, ?)", (household, night.isoformat(), json.dumps(state), "x"))
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_migrates_a_schema_2_file_with_ten_years_of_rituals_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    prefs = Preferences(names=("Kai", "Noor"), minutes=20, depth_ceiling=Depth.DEEPER)
    home = list(simulate("home", 3650, preferences=prefs))
    away = list(simulate("away", 30, seed=9))
    tonight = FIRST_NIGHT + timedelta(days=3650)
    write_schema_2(path, {"home": (prefs, home), "away": (Preferences(), away), "quiet": (Preferences(minutes=5), [])},
                   ("home", tonight, {"step": 2}))
    store = SqliteStore(path)
    assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    record = store.load("home")
    assert (record.tally.nights_together, record.tally.rituals_completed) == (3650, 3650)
    assert record.tally.first_night == FIRST_NIGHT
    assert record.rituals == tuple(home[-DETAIL_NIGHTS:])
    assert record.preferences == prefs and record.progress_for(tonight) == {"step": 2}
    assert store.load("away").rituals == tuple(away) and store.load("away").tally.nights_together == 30
    assert store.load("quiet").preferences.minutes == 5
    assert store.households() == ["away", "home", "quiet"]
    # tonight's plan is the one the whole history gave
    planner = Planner(default_content())
    engine = Rekindle(store, clock=lambda: datetime(2036, 1, 1, tzinfo=timezone.utc))
    assert engine.tonight("home", tonight) == planner.plan("home", tonight, prefs, home)
    # the first turns after the upgrade resume tonight's saved ritual... or begin a fresh one
    assert engine.handle("home", Command(CommandKind.OPEN)).reply.text


def test_a_process_sees_what_another_wrote_since_it_last_read(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    laptop, speaker = SqliteStore(path), SqliteStore(path)
    assert laptop.load("home").tally.rituals_completed == 0
    record_ritual(speaker, "home", CompletedRitual("s1", "just-a-question", date(2026, 11, 25), NOW, "alexa"))
    assert laptop.load("home").tally.rituals_completed == 1
    save_preferences(laptop, "home", Preferences(minutes=5))
    assert speaker.load("home").preferences.minutes == 5 and speaker.load("home").tally.rituals_completed == 1
    speaker.forget("home")
    assert laptop.load("home") == Household()


def test_history_and_export_say_what_is_kept_and_count_everything(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    with closing(SqliteStore(db)) as store:
        seed(store, "home", 100, one_write=False)
        save_progress(store, "home", FIRST_NIGHT + timedelta(days=100), {"step": 1})
    env = {**os.environ, "REKINDLE_STORE": f"sqlite:///{db}"}
    run = partial(subprocess.run, capture_output=True, text=True, env=env, cwd=Path(__file__).parents[1], timeout=60)
    listed = run([sys.executable, "-m", "rekindle", "history"]).stdout
    assert f"The last {DETAIL_NIGHTS} of 100 rituals" in listed
    assert "Nights together: 100" in listed and "Rituals completed: 100 since 01 January 2026" in listed
    assert len([line for line in listed.splitlines() if line.startswith("2026-")]) == DETAIL_NIGHTS
    data = json.loads(run([sys.executable, "-m", "rekindle", "history", "--json"]).stdout)
    assert (data["nights_together"], data["rituals_completed"], len(data["rituals"])) == (100, 100, DETAIL_NIGHTS)
    [exported] = json.loads(run([sys.executable, "-m", "rekindle", "export"]).stdout)["households"]
    assert exported["kept"] == KEPT and exported["nights_together"] == 100
    assert exported["counters"]["rituals_completed"] == 100 and len(exported["rituals"]) == DETAIL_NIGHTS
    assert exported["progress"] == {"night": "2026-04-11", "state": {"step": 1}}
