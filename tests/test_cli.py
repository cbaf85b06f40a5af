"""The rekindle command as a user runs it: real processes, real files, no stack traces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intents.content.phrases import default_phrases

ROOT = Path(__file__).resolve().parents[1]


def rekindle(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rekindle", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60)


def test_help_teaches() -> None:
    out = rekindle("--help")
    assert out.returncode == 0
    for word in ("talk", "tonight", "history", "export", "forget", "REKINDLE_STORE"):
        assert word in out.stdout


def test_talk_text_runs_a_whole_ritual_and_records_it() -> None:
    out = rekindle("talk", "--text", "--ritual", "just-a-question",
                   stdin="yes\nnext\nnext\n")
    assert out.returncode == 0, out.stderr
    assert "Shall we begin?" in out.stdout
    assert "the other of you" in out.stdout.lower()  # any night's wording ("The other of you now, ...")
    assert "first ritual with Rekindle" in out.stdout
    history = json.loads(rekindle("history", "--json").stdout)
    assert [r["ritual_id"] for r in history["rituals"]] == ["just-a-question"]
    assert (history["nights_together"], history["rituals_completed"]) == (1, 1)


def test_talk_text_finishes_cleanly_when_input_ends_midway() -> None:
    # One night named for both runs: on the wall clock, a first run just before 4 a.m. and the second just after
    # are two nights, with nothing to resume (the date sweep found it at 2027-01-04T03:59:55).
    out = rekindle("talk", "--text", "--date", "2026-12-05", stdin="yes\n")
    assert out.returncode == 0
    assert "Goodbye for now" in out.stdout
    assert "Traceback" not in out.stderr
    again = rekindle("talk", "--text", "--date", "2026-12-05", stdin="")
    assert "You were partway through" in again.stdout


def test_unknown_typed_command_gets_help_not_an_error() -> None:
    out = rekindle("talk", "--text", stdin="purple elephants\nstop\n")
    assert out.returncode == 0
    assert "didn't catch that" in out.stdout
    assert any(goodbye in out.stdout for goodbye in default_phrases().table["goodbye"])


def test_unknown_ritual_is_a_clear_error() -> None:
    out = rekindle("talk", "--text", "--ritual", "moon-walk")
    assert out.returncode == 2
    assert "No ritual called 'moon-walk'" in out.stderr
    assert "Traceback" not in out.stderr


def test_tonight_json_is_stable_and_honours_date() -> None:
    first = rekindle("tonight", "--json", "--date", "2026-12-24")
    second = rekindle("tonight", "--json", "--date", "2026-12-24")
    assert first.returncode == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["night"] == "2026-12-24"
    bad = rekindle("tonight", "--date", "Christmas")
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_export_to_file_and_forget(tmp_path: Path) -> None:
    rekindle("talk", "--text", "--ritual", "just-a-question", stdin="yes\nnext\nnext\n")
    target = tmp_path / "export.json"
    assert rekindle("export", "-o", str(target)).returncode == 0
    data = json.loads(target.read_text())
    assert data["households"][0]["nights_together"] == 1
    refused = rekindle("forget")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert json.loads(rekindle("history", "--json").stdout)["rituals"] != []
    assert rekindle("forget", "--yes").returncode == 0
    forgotten = json.loads(rekindle("history", "--json").stdout)
    assert (forgotten["rituals"], forgotten["rituals_completed"]) == ([], 0)


@pytest.mark.parametrize("url, message", [
    ("postgres://db/rekindle", "not a store Rekindle knows"),
    ("sqlite://", "names no file"),
])
def test_bad_store_url_is_explained(url: str, message: str) -> None:
    out = rekindle("history", env={"REKINDLE_STORE": url})
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_corrupt_database_is_named_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"\x00garbage" * 500)
    out = rekindle("talk", "--text", stdin="yes\n", env={"REKINDLE_STORE": f"sqlite:///{db}"})
    assert out.returncode == 2
    assert str(db) in out.stderr and "move it aside" in out.stderr
    assert db.read_bytes() == b"\x00garbage" * 500
