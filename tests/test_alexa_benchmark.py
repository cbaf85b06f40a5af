"""The endpoint benchmark still runs end to end (a few clients for a moment; the figures are not checked)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from benchmarks.alexa_endpoint import main


def test_benchmark_runs_and_every_request_succeeds(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    assert main(["--seconds", "0.6", "--warmup", "0.3", "--clients", "4", "--threads", "2", "--rounds", "1",
                 "--paced", "40"]) == 0
    table = capsys.readouterr().out
    assert "| POST /alexa (verified skill) |" in table and "| POST /echo (bare Flask JSON) |" in table
    assert list(temp.iterdir()) == [], "the benchmark's data folder is removed when it ends"
