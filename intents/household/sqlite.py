"""The embedded household store: one SQLite file in WAL mode.

The file is checked before anything is written: a corrupt file, a database that
is not Rekindle's, a file from a newer Rekindle or one locked for too long
raises :class:`StoreError` naming the file and what to do, and the file is left
exactly as it was. Rekindle's files carry its mark in the SQLite header
(``PRAGMA application_id``); files written before the mark are known by their
schema version and tables, and get the mark when next opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from .bounded import Household, HouseholdChange, Tally
from .records import Preferences
from .sqlite_tables import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    TALLY_COLUMNS,
    migrate,
    read_progress,
    read_rituals,
    write_household,
    write_rituals,
)
from .store import StoreError

OWN_TABLES = frozenset({"preferences", "rituals", "ritual_steps", "progress"})  # schema 1 on
BUSY_TIMEOUT_MS = 10_000
CACHED_HOUSEHOLDS = 32


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


class SqliteStore:
    """:class:`~intents.household.store.HouseholdStore` backed by one SQLite file."""

    def __init__(self, path: str | Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path).expanduser()
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = threading.RLock()
        self._cache: OrderedDict[str, Household] = OrderedDict()
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
            # Version, mark and tables read in one snapshot: another process may be creating this file
            # right now, and a version read before its commit beside tables read after it looks foreign.
            conn.execute("BEGIN")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                self._check_ours(conn, version)
            finally:
                conn.execute("COMMIT")
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
            migrate(conn, version)
            self._check_writable(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_ours(self, conn: sqlite3.Connection, version: int) -> None:
        """Refuse, before anything is written, a database that is neither new nor Rekindle's."""
        mark = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if mark == APPLICATION_ID or (mark == 0 and not tables and version == 0):
            return
        if mark == 0 and version > 0 and tables >= OWN_TABLES:  # written before Rekindle marked its files
            return
        raise StoreError(
            f"{self.path} is an SQLite database that is not Rekindle's (no Rekindle mark"
            + (f"; tables {', '.join(sorted(tables)[:5])}{', …' if len(tables) > 5 else ''}" if tables else "")
            + "). It was left untouched: point REKINDLE_STORE at another file, or move this one aside and "
            "Rekindle will start a fresh one."
        )

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

    def load(self, household: str) -> Household:
        """The household's record; repeated loads return the cached record while its revision is unchanged."""
        with self._lock:
            try:
                self._conn.execute("BEGIN")
                try:
                    return self._current(self._conn, household)
                finally:
                    self._conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise self._explain(exc) from exc

    def save(self, household: str, change: HouseholdChange, base: Household | None = None) -> Household:
        """Apply ``change`` to the record as it is inside the write transaction (``base`` is not needed here)."""
        with self._write() as conn:
            current = self._current(conn, household)
            new = replace(current.apply(change), revision=current.revision + 1)
            if new.preferences != current.preferences:
                conn.execute(
                    "INSERT INTO preferences (household, data) VALUES (?, ?) "
                    "ON CONFLICT (household) DO UPDATE SET data = excluded.data",
                    (household, json.dumps(new.preferences.to_dict())),
                )
            if new.rituals != current.rituals:
                write_rituals(conn, household, current.rituals, new.rituals)
            write_household(conn, household, new.revision, new.tally)
            if new.progress is None:
                if current.progress is not None:
                    conn.execute("DELETE FROM progress WHERE household = ?", (household,))
            elif new.progress != current.progress:
                conn.execute(
                    "INSERT INTO progress (household, night, state, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (household) DO UPDATE SET night = excluded.night, state = excluded.state, "
                    "updated_at = excluded.updated_at",
                    (household, new.progress.night.isoformat(), json.dumps(dict(new.progress.state)),
                     datetime.now().isoformat()),
                )
            self._remember(household, new)
            return new

    def _current(self, conn: sqlite3.Connection, household: str) -> Household:
        """The record inside an open transaction: the cached one if its revision is still the stored one.

        Every save bumps the household's revision, so one indexed read tells
        whether another process (or connection) wrote since it was cached.
        """
        rows = conn.execute(
            "SELECT revision, nights_together, rituals_completed, first_night, pruned_through FROM households "
            "WHERE household = ?", (household,)).fetchall()
        revision = rows[0][0] if rows else 0
        cached = self._cache.get(household)
        if cached is not None and cached.revision == revision:
            self._cache.move_to_end(household)
            return cached
        prefs = conn.execute("SELECT data FROM preferences WHERE household = ?", (household,)).fetchall()
        record = Household(
            Preferences.from_dict(json.loads(prefs[0][0])) if prefs else Preferences(),
            read_rituals(conn, household),
            Tally.from_dict(dict(zip(TALLY_COLUMNS, rows[0][1:], strict=True))) if rows else Tally(),
            read_progress(conn, household),
            revision,
        )
        self._remember(household, record)
        return record

    def _remember(self, household: str, record: Household) -> None:
        self._cache[household] = record
        self._cache.move_to_end(household)
        while len(self._cache) > CACHED_HOUSEHOLDS:
            self._cache.popitem(last=False)

    def households(self) -> list[str]:
        rows = self._read(
            "SELECT household FROM preferences UNION SELECT household FROM rituals "
            "UNION SELECT household FROM progress UNION SELECT household FROM households ORDER BY 1"
        )
        return [r[0] for r in rows]

    def forget(self, household: str | None = None) -> None:
        with self._write() as conn:
            where, args = ("", ()) if household is None else (" WHERE household = ?", (household,))
            conn.execute(
                "DELETE FROM ritual_steps WHERE session_id IN (SELECT session_id FROM rituals" + where + ")",
                args,
            )
            for table in ("rituals", "preferences", "progress", "households"):
                conn.execute(f"DELETE FROM {table}{where}", args)
            self._cache.clear()
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.execute("VACUUM")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
