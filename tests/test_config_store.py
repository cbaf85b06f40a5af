"""Bad store configuration is refused at start with one clear line (exit 2), never a traceback.

Extends tests/test_cli.py (unknown store URL, a URL with no file, a corrupt file).
Permission cases drop root's power to ignore file modes (CAP_DAC_OVERRIDE) so
they really fail when the tests run as root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from store_helpers import load_preferences, save_preferences, save_progress
from test_cli import ROOT, rekindle

from intents import Preferences, SqliteStore, StoreError

COMMANDS = [("talk", "--text"), ("history",), ("export",)]
NO_OVERRIDE = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def refused(out: subprocess.CompletedProcess[str], *message: str) -> None:
    assert out.returncode == 2, out.stderr
    assert out.stdout == "", "something ran before the store was checked"
    assert "Traceback" not in out.stderr
    for part in message:
        assert part in out.stderr
    assert out.stderr.startswith("rekindle: ") and out.stderr.count("\n") == 1


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", ["home is a file", "home below a file", "store is a folder", "name too long"])
def test_store_path_that_cannot_be_a_database(tmp_path: Path, command: tuple[str, ...], case: str) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    env = {
        "home is a file": {"REKINDLE_HOME": str(a_file)},
        "home below a file": {"REKINDLE_HOME": str(a_file / "rekindle")},
        "store is a folder": {"REKINDLE_STORE": f"sqlite://{tmp_path}"},
        "name too long": {"REKINDLE_HOME": str(tmp_path / ("x" * 300))},
    }[case]
    expected = {
        "home is a file": (f"{a_file} is a file, not a folder", "REKINDLE_HOME"),
        "home below a file": (f"{a_file} is a file, not a folder",),
        "store is a folder": (f"{tmp_path} is a folder, not a file", f"sqlite://{tmp_path / 'rekindle.db'}"),
        "name too long": ("Cannot create the folder", "name too long"),
    }[case]
    refused(rekindle(*command, stdin="yes\n", env=env), *expected)
    assert a_file.read_text() == "not a folder"


def test_household_that_is_not_text() -> None:
    refused(rekindle("history", env={"REKINDLE_HOUSEHOLD": os.fsdecode(b"caf\xe9")}), "REKINDLE_HOUSEHOLD", "UTF-8")


def without_override(*args: str, env: dict[str, str], stdin: str = "yes\nnext\n") -> subprocess.CompletedProcess[str]:
    """Run rekindle so that file modes bind even for root."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv") or subprocess.run([*NO_OVERRIDE, "true"]).returncode != 0:
            pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE here")
        prefix = NO_OVERRIDE
    return subprocess.run([*prefix, sys.executable, "-m", "rekindle", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **env}, timeout=60)


@pytest.fixture
def existing_home(tmp_path: Path) -> Iterator[Path]:
    """A data folder holding a real database, given back its permissions afterwards."""
    home = tmp_path / "home"
    assert rekindle("history", env={"REKINDLE_HOME": str(home)}).returncode == 0
    yield home
    home.chmod(0o755)
    for path in home.iterdir():
        path.chmod(0o644)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case, message", [
    ("folder unreadable", "Cannot open the Rekindle database"),
    ("folder read-only", "cannot be written"),
    ("file read-only", "cannot be written"),
    ("file unreadable", "Cannot open the Rekindle database"),
])
def test_data_folder_or_file_without_permission(existing_home: Path, command: tuple[str, ...], case: str,
                                                message: str) -> None:
    db = existing_home / "rekindle.db"
    before = db.read_bytes()
    {"folder unreadable": lambda: existing_home.chmod(0o000),
     "folder read-only": lambda: existing_home.chmod(0o555),
     "file read-only": lambda: db.chmod(0o444),
     "file unreadable": lambda: db.chmod(0o000)}[case]()
    out = without_override(*command, env={"REKINDLE_HOME": str(existing_home)})
    refused(out, message, str(db), "permissions")
    existing_home.chmod(0o755)
    assert db.read_bytes() == before


def test_permission_check_really_binds(existing_home: Path) -> None:
    """The same run against a readable home succeeds, so the refusals above are about permissions."""
    out = without_override("talk", "--text", env={"REKINDLE_HOME": str(existing_home)})
    assert out.returncode == 0, out.stderr
    assert "Shall we begin?" in out.stdout


def test_a_write_that_fails_midway_is_explained_and_undone(tmp_path: Path) -> None:
    """A full disk inside a write transaction: one clear StoreError, the transaction rolled back, the store usable."""
    store = SqliteStore(tmp_path / "full.db")
    save_preferences(store, "h", Preferences(names=("Kai", "Noor")))
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")  # the "disk" is now full
    with pytest.raises(StoreError, match="is full"):
        save_preferences(store, "h", Preferences(names=("x" * 100_000, "y")))
    assert not store._conn.in_transaction
    assert load_preferences(store, "h").names == ("Kai", "Noor")
    save_progress(store, "h", date(2026, 11, 25), {"step": 1})  # small writes still fit
    store.close()
