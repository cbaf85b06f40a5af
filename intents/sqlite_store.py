"""The embedded household store: one SQLite file in WAL mode.

The file is checked before anything is written: a corrupt file, a file from a
newer Rekindle or one locked for too long raises :class:`StoreError` naming
the file and what to do, and the file is left exactly as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .store import CompletedRitual, Preferences, StepRecord, StoreError

MIGRATIONS: tuple[str, ...] = (
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
)
SCHEMA_VERSION = len(MIGRATIONS)
BUSY_TIMEOUT_MS = 10_000


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


class SqliteStore:
    """:class:`~intents.store.HouseholdStore` backed by one SQLite file."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path).expanduser()
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        if os.path.isdir(self.path):
            raise StoreError(
                f"The Rekindle database {self.path} is a folder, not a file. "
                f"Point REKINDLE_STORE at a file inside it, such as sqlite://{self.path / 'rekindle.db'}."
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            blocker = next((p for p in self.path.parents if os.path.lexists(p) and not os.path.isdir(p)), None)
            reason = f"{blocker} is a file, not a folder" if blocker else exc.strerror
            raise StoreError(
                f"Cannot create the folder for the Rekindle database {self.path}: {reason}. "
                "Check the path and its permissions, or set REKINDLE_HOME to a writable folder."
            ) from exc
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        """Connect, retrying while SQLite reports the file briefly busy, up to the busy timeout.

        SQLite can answer SQLITE_BUSY at open without calling the busy handler:
        measured when processes switch a fresh file to WAL at the same moment, and
        documented while another process recovers a WAL after a crash or the last
        connection deletes it on close (sqlite.org/wal.html, "Sometimes queries
        return SQLITE_BUSY"). These last milliseconds, so waiting is right.
        """
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        pause = 0.005
        while True:
            try:
                return self._connect()
            except sqlite3.DatabaseError as exc:
                if not _is_busy(exc) or time.monotonic() + pause > deadline:
                    raise self._explain(exc) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000, check_same_thread=False,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"Cannot open the Rekindle database {self.path}: {exc}. "
                "Check the file's permissions, or set REKINDLE_STORE to another file."
            ) from exc
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"The Rekindle database {self.path} was written by a newer version of Rekindle "
                    f"(schema {version}; this one knows up to {SCHEMA_VERSION}). Upgrade Rekindle to use it. "
                    "The file was not changed."
                )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"journal mode stayed {mode}")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn, version)
            self._check_writable(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _check_writable(conn: sqlite3.Connection) -> None:
        """Fail now, not at the first ritual, if the file or its folder is read-only (rolled back, no change)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            conn.execute("ROLLBACK")

    def _explain(self, exc: sqlite3.DatabaseError) -> StoreError:
        text = str(exc)
        if _is_busy(exc):
            return StoreError(
                f"The Rekindle database {self.path} is locked by another program. "
                "Close other Rekindle windows or services using it and try again. Nothing was changed."
            )
        if "full" in text:
            return StoreError(
                f"The disk holding the Rekindle database {self.path} is full ({text}). "
                "Free some space and try again. Nothing was changed."
            )
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return StoreError(
                f"The Rekindle database {self.path} cannot be written ({text}). "
                "Check the file and folder permissions. Nothing was changed."
            )
        return StoreError(
            f"The Rekindle database {self.path} is damaged or is not a Rekindle database ({text}). "
            "It was left untouched: move it aside (for example rename it to rekindle.db.bad) "
            "and Rekindle will start a fresh one, or restore a backup."
        )

    @staticmethod
    def _migrate(conn: sqlite3.Connection, version: int) -> None:
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise self._explain(exc) from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError):  # e.g. the disk filled or the file became read-only
                    raise self._explain(exc) from exc
                raise

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise self._explain(exc) from exc

    def load_preferences(self, household: str) -> Preferences:
        rows = self._read("SELECT data FROM preferences WHERE household = ?", (household,))
        return Preferences.from_dict(json.loads(rows[0][0])) if rows else Preferences()

    def save_preferences(self, household: str, preferences: Preferences) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO preferences (household, data) VALUES (?, ?) "
                "ON CONFLICT (household) DO UPDATE SET data = excluded.data",
                (household, json.dumps(preferences.to_dict())),
            )

    def record_ritual(self, household: str, ritual: CompletedRitual) -> bool:
        with self._write() as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO rituals (session_id, household, ritual_id, night, completed_at, front) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (ritual.session_id, household, ritual.ritual_id, ritual.night.isoformat(),
                 ritual.completed_at.isoformat(), ritual.front),
            ).rowcount
            if inserted:
                conn.executemany(
                    "INSERT INTO ritual_steps (session_id, position, kind, content_id, skipped) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(ritual.session_id, i, s.kind, s.content_id, int(s.skipped))
                     for i, s in enumerate(ritual.steps)],
                )
            conn.execute("DELETE FROM progress WHERE household = ?", (household,))
            return bool(inserted)

    def history(self, household: str) -> list[CompletedRitual]:
        rituals = self._read(
            "SELECT session_id, ritual_id, night, completed_at, front FROM rituals "
            "WHERE household = ? ORDER BY completed_at, session_id",
            (household,),
        )
        steps: dict[str, list[StepRecord]] = {}
        for session_id, kind, content_id, skipped in self._read(
            "SELECT s.session_id, s.kind, s.content_id, s.skipped FROM ritual_steps s "
            "JOIN rituals r ON r.session_id = s.session_id WHERE r.household = ? "
            "ORDER BY s.session_id, s.position",
            (household,),
        ):
            steps.setdefault(session_id, []).append(StepRecord(kind, content_id, bool(skipped)))
        return [
            CompletedRitual(sid, rid, date.fromisoformat(night), datetime.fromisoformat(done), front,
                            tuple(steps.get(sid, ())))
            for sid, rid, night, done, front in rituals
        ]

    def save_progress(self, household: str, night: date, state: Mapping[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO progress (household, night, state, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (household) DO UPDATE SET night = excluded.night, state = excluded.state, "
                "updated_at = excluded.updated_at",
                (household, night.isoformat(), json.dumps(dict(state)), datetime.now().isoformat()),
            )

    def load_progress(self, household: str, night: date) -> dict[str, Any] | None:
        rows = self._read(
            "SELECT state FROM progress WHERE household = ? AND night = ?", (household, night.isoformat())
        )
        if not rows:
            return None
        try:
            data = json.loads(rows[0][0])
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def clear_progress(self, household: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM progress WHERE household = ?", (household,))

    def households(self) -> list[str]:
        rows = self._read(
            "SELECT household FROM preferences UNION SELECT household FROM rituals "
            "UNION SELECT household FROM progress ORDER BY 1"
        )
        return [r[0] for r in rows]

    def forget(self, household: str | None = None) -> None:
        with self._write() as conn:
            where, args = ("", ()) if household is None else (" WHERE household = ?", (household,))
            conn.execute(
                "DELETE FROM ritual_steps WHERE session_id IN (SELECT session_id FROM rituals" + where + ")",
                args,
            )
            for table in ("rituals", "preferences", "progress"):
                conn.execute(f"DELETE FROM {table}{where}", args)
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
