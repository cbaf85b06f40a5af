"""The SQLite file's tables: the schema as numbered migrations, and a household's rows read and written.

:class:`~intents.household.sqlite.SqliteStore` opens the file, checks it is Rekindle's and migrates it;
the SQL for what a household's record holds lives here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date, datetime

from .bounded import Household, Progress, Tally, step_record
from .records import CompletedRitual, Preferences, StepRecord

APPLICATION_ID = 0x52454B44  # "REKD": Rekindle's mark in the SQLite header
TALLY_COLUMNS = ("nights_together", "rituals_completed", "first_night", "pruned_through")


def read_rituals(conn: sqlite3.Connection, household: str) -> tuple[CompletedRitual, ...]:
    """The household's rituals in the record's order (night, then time, then session)."""
    steps: dict[str, list[StepRecord]] = {}
    for session_id, kind, content_id, skipped in conn.execute(
        "SELECT session_id, kind, content_id, skipped FROM ritual_steps "
        "WHERE session_id IN (SELECT session_id FROM rituals WHERE household = ?) ORDER BY session_id, position",
        (household,),
    ):
        steps.setdefault(session_id, []).append(step_record(kind, content_id, bool(skipped)))
    return tuple(
        CompletedRitual(sid, rid, date.fromisoformat(night), datetime.fromisoformat(done), front,
                        tuple(steps.get(sid, ())))
        for sid, rid, night, done, front in conn.execute(
            "SELECT session_id, ritual_id, night, completed_at, front FROM rituals "
            "WHERE household = ? ORDER BY night, completed_at, session_id",
            (household,),
        )
    )


def read_progress(conn: sqlite3.Connection, household: str) -> Progress | None:
    rows = conn.execute("SELECT night, state FROM progress WHERE household = ?", (household,)).fetchall()
    if not rows:
        return None
    try:
        night, state = date.fromisoformat(rows[0][0]), json.loads(rows[0][1])
    except ValueError:
        return None
    return Progress(night, state) if isinstance(state, dict) else None


def write_rituals(conn: sqlite3.Connection, household: str, old: Iterable[CompletedRitual],
                   new: Iterable[CompletedRitual]) -> None:
    """Insert the rituals only ``new`` has and delete those only ``old`` has."""
    before = {r.session_id: r for r in old}
    after = {r.session_id: r for r in new}
    for ritual in (r for sid, r in after.items() if sid not in before):
        if conn.execute(
            "INSERT OR IGNORE INTO rituals (session_id, household, ritual_id, night, completed_at, front) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (ritual.session_id, household, ritual.ritual_id, ritual.night.isoformat(),
             ritual.completed_at.isoformat(), ritual.front),
        ).rowcount:
            conn.executemany(
                "INSERT INTO ritual_steps (session_id, position, kind, content_id, skipped) VALUES (?, ?, ?, ?, ?)",
                [(ritual.session_id, i, s.kind, s.content_id, int(s.skipped)) for i, s in enumerate(ritual.steps)],
            )
    gone = [(sid, household) for sid in before if sid not in after]
    conn.executemany(
        "DELETE FROM ritual_steps WHERE session_id IN (SELECT session_id FROM rituals "
        "WHERE session_id = ? AND household = ?)", gone)
    conn.executemany("DELETE FROM rituals WHERE session_id = ? AND household = ?", gone)


def write_household(conn: sqlite3.Connection, household: str, revision: int, tally: Tally) -> None:
    data = tally.to_dict()
    conn.execute(
        f"INSERT OR REPLACE INTO households (household, revision, {', '.join(TALLY_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (household, revision, *(data[c] for c in TALLY_COLUMNS)),
    )


def _bound_histories(conn: sqlite3.Connection) -> None:
    """Schema 3: count every household's whole history into its tally, then keep only recent detail."""
    conn.execute(
        "CREATE TABLE households (household TEXT PRIMARY KEY, revision INTEGER NOT NULL, "
        "nights_together INTEGER NOT NULL, rituals_completed INTEGER NOT NULL, first_night TEXT, pruned_through TEXT)"
    )
    # Every household with data gets a row, so a cached record can always tell it is stale.
    for (household,) in conn.execute(
            "SELECT household FROM preferences UNION SELECT household FROM rituals "
            "UNION SELECT household FROM progress").fetchall():
        history = read_rituals(conn, household)
        record = Household.from_history(Preferences(), history)
        write_household(conn, household, 1, record.tally)
        write_rituals(conn, household, history, record.rituals)


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    # 1: rituals, their steps, preferences, tonight's progress
    """
    CREATE TABLE preferences (household TEXT PRIMARY KEY, data TEXT NOT NULL);
    CREATE TABLE rituals (
        session_id TEXT PRIMARY KEY,
        household TEXT NOT NULL,
        ritual_id TEXT NOT NULL,
        night TEXT NOT NULL,
        completed_at TEXT NOT NULL,
        front TEXT NOT NULL
    );
    CREATE TABLE ritual_steps (
        session_id TEXT NOT NULL REFERENCES rituals(session_id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        content_id TEXT,
        skipped INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (session_id, position)
    );
    CREATE TABLE progress (
        household TEXT PRIMARY KEY,
        night TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    """,
    # 2: history and repeat checks read by household and night
    "CREATE INDEX rituals_by_household_night ON rituals (household, night);",
    # 3: counters that never reset; detail bounded to recent nights (intents/household/bounded.py)
    _bound_histories,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a file at schema ``version`` up to date and give it Rekindle's mark, in one transaction."""
    if version == SCHEMA_VERSION and conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            if callable(script):
                script(conn)
            else:
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
