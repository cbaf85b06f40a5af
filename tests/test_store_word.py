"""Stores keep their word (issue 18, item 3): a database that is not Rekindle's is refused before anything is
written, in one line, its bytes unchanged; a relative SQLite URL is refused; nothing but REKINDLE_HOME is
created unasked, and a failed model download leaves no folder behind.

Real processes and real SQLite files; the model download is served over real HTTP on loopback.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import sqlite3
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import ROOT

from intents.household import SqliteStore, StoreError
from intents.household.sqlite_tables import APPLICATION_ID, MIGRATIONS

COMMANDS = [
    ("tonight",),
    ("history",),
    ("export",),
    ("forget", "--yes"),
    ("talk", "--text", "--no-wait", "--date", "2026-12-05"),
]


def rekindle(*args: str, env: dict[str, str], cwd: Path = ROOT, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rekindle", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), **env})


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_db(path: Path, script: str, version: int = 0, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    if version:
        conn.execute(f"PRAGMA user_version = {version}")
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.commit()
    conn.close()
    return path


FOREIGN = {
    "a notes app": ("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                    "INSERT INTO notes (body) VALUES ('buy milk'), ('call mum');", 0, False),
    "its own table called rituals": ("CREATE TABLE rituals (name TEXT, weekday TEXT);"
                                     "INSERT INTO rituals VALUES ('tea', 'Sunday');", 0, False),
    "a schema version of its own": ("CREATE TABLE things (x); INSERT INTO things VALUES (1);", 2, False),
    "WAL mode already": ("CREATE TABLE rituals (name TEXT); INSERT INTO rituals VALUES ('tea');", 0, True),
}


@pytest.mark.parametrize("kind", FOREIGN)
def test_a_database_that_is_not_rekindles_is_refused_unchanged(tmp_path: Path, kind: str) -> None:
    script, version, wal = FOREIGN[kind]
    path = make_db(tmp_path / "theirs.db", script, version, wal)
    before = checksum(path)
    files = sorted(p.name for p in tmp_path.iterdir())
    for command in COMMANDS:
        out = rekindle(*command, env={"REKINDLE_STORE": f"sqlite://{path}"})
        assert out.returncode == 2, (command, out.stdout, out.stderr)
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
        assert f"{path} is an SQLite database that is not Rekindle's" in out.stderr
        assert "It was left untouched" in out.stderr
        assert checksum(path) == before, f"{command} changed {kind}"
        assert sorted(p.name for p in tmp_path.iterdir()) == files
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == ("wal" if wal else "delete")
    conn.close()


def test_the_default_store_path_holding_another_database_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    path = make_db(home / "rekindle.db", "CREATE TABLE rituals (id INTEGER, note TEXT);")
    before = checksum(path)
    out = rekindle("history", env={"REKINDLE_HOME": str(home)})
    assert out.returncode == 2 and "not Rekindle's" in out.stderr and "move this one aside" in out.stderr
    assert checksum(path) == before


def test_rekindles_files_carry_its_mark_and_older_ones_get_it(tmp_path: Path) -> None:
    new = SqliteStore(tmp_path / "new.db")
    assert new._conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    new.close()
    old = tmp_path / "old.db"  # schema 2, written before the mark
    make_db(old, f"{MIGRATIONS[0]};{MIGRATIONS[1]}", version=2)
    store = SqliteStore(old)
    assert store._conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    store.close()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    SqliteStore(empty).close()  # an empty file is a new database


def test_an_older_rekindle_file_missing_a_table_is_not_taken_for_one(tmp_path: Path) -> None:
    path = make_db(tmp_path / "half.db", "CREATE TABLE rituals (x); CREATE TABLE preferences (y);", version=1)
    before = checksum(path)
    with pytest.raises(StoreError, match="not Rekindle's"):
        SqliteStore(path)
    assert checksum(path) == before


def test_a_relative_sqlite_url_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    out = rekindle("history", env={"REKINDLE_STORE": "sqlite://relative.db"}, cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "names a relative path" in out.stderr and f"sqlite://{tmp_path / 'relative.db'}" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_wav_creates_the_folder_named_but_not_missing_ones_above_it(tmp_path: Path) -> None:
    from local_voice.audio_in import AudioDeviceError
    from local_voice.audio_out import WavSink

    with pytest.raises(AudioDeviceError, match="does not exist"):
        WavSink(tmp_path / "typo" / "replies")
    assert list(tmp_path.iterdir()) == []
    WavSink(tmp_path / "replies")
    assert (tmp_path / "replies").is_dir()
    out = rekindle("talk", "--input-wav", str(tmp_path / "none.wav"), "--output-wav", str(tmp_path / "a" / "b"),
                   env={"REKINDLE_HOME": str(tmp_path / "home")})
    assert out.returncode == 2 and not (tmp_path / "a").exists()


def test_skill_package_creates_its_folder_but_not_missing_ones_above_it(tmp_path: Path) -> None:
    out = rekindle("skill-package", str(tmp_path / "typo" / "pkg"), "--draft", env={})
    assert out.returncode == 2 and "does not exist" in out.stderr and out.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


MODEL = "vosk-model-test-0.1"


@pytest.fixture
def model_server() -> Iterator[str]:
    """A loopback HTTP server with one small model archive (and a 404 for everything else)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{MODEL}/am/final.mdl", b"\0" * 200_000)
        z.writestr(f"{MODEL}/conf/model.conf", "--sample-frequency=16000\n")
    body = archive.getvalue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != f"/{MODEL}.zip":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_model_download_shows_progress_and_unpacks(model_server: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    vosk = pytest.importorskip("vosk")
    from local_voice.models import download_vosk_model

    monkeypatch.setattr(vosk, "MODEL_PRE_URL", model_server)
    folder = download_vosk_model(tmp_path / "home" / "models", MODEL)
    assert (folder / "am" / "final.mdl").stat().st_size == 200_000
    assert sorted(p.name for p in folder.parent.iterdir()) == [MODEL]  # the archive is gone
    assert "196k/196k" in capsys.readouterr().err  # tqdm's bar, with the size the server announced


def test_a_failed_model_download_prints_one_line_and_leaves_no_folder(model_server: str, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    vosk = pytest.importorskip("vosk")
    from local_voice.models import DownloadError, download_vosk_model

    monkeypatch.setattr(vosk, "MODEL_PRE_URL", model_server)
    home = tmp_path / "home"
    with pytest.raises(DownloadError, match=r"\(Not Found\)"):
        download_vosk_model(home / "models", "vosk-model-missing-0.1")
    assert not home.exists()
    assert capsys.readouterr().err == ""  # no empty progress bar for a download that never began
