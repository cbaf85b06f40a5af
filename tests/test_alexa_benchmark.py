"""The endpoint benchmark still runs end to end (a few clients for a moment; the figures are not checked)."""

from __future__ import annotations

import pytest

from benchmarks.alexa_endpoint import main


def test_benchmark_runs_and_every_request_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seconds", "0.6", "--warmup", "0.3", "--clients", "4", "--threads", "2", "--rounds", "1",
                 "--paced", "40"]) == 0
    table = capsys.readouterr().out
    assert "| POST /alexa (verified skill) |" in table and "| POST /echo (bare Flask JSON) |" in table
