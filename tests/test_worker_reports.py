"""A test that prints or logs a lone surrogate (as the web fuzzing does) does not crash its xdist worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

PROBE = '''
import logging

def test_prints_and_logs_a_lone_surrogate():
    print("user \\ud800 id")
    logging.getLogger("probe").warning("refused \\udcff")
'''


def test_a_lone_surrogate_in_captured_output_reaches_the_controller(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "worker_reports", "-n", "1", "-p", "no:cacheprovider",
                          "-rA", "--rootdir", str(tmp_path), str(tmp_path / "test_probe.py")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "INTERNALERROR" not in run.stdout, run.stdout[-3000:]
    assert "1 passed" in run.stdout and "refused \\udcff" in run.stdout  # the log kept, its surrogate escaped
