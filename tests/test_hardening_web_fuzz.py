"""Fuzzing the Alexa front ends in the fast suite: the targets ``python -m benchmarks.stress web-fuzz`` runs long."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ask_sdk_runtime.exceptions import AskSdkException
from test_alexa_helpers import SKILL_ID, envelope, launch_request

from benchmarks.stress.web_fuzz import TARGETS, check_web_response
from intents import Rekindle, SqliteStore
from skill.envelope import alexa_user
from skill.lambda_function import make_lambda_handler


@pytest.mark.parametrize("name, examples", [("web-raw", 300), ("web-signed", 200), ("lambda", 200)])
def test_web_fuzz_target(name: str, examples: int) -> None:
    TARGETS[name].test(examples)()


def test_the_fuzz_targets_leave_no_folder_behind(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-c", "from benchmarks.stress.web_fuzz import web; web()"], cwd=root,
                         env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(root)}, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status, text, content_type", [
    (500, '{"error": "internal error"}', "application/json"),
    (502, "", "text/html"),
    (400, "Traceback (most recent call last):", "application/json"),
    (400, "<html>bad</html>", "text/html"),
    (400, '{"reason": ""}', "application/json"),
])
def test_the_check_fails_on_what_it_must(status: int, text: str, content_type: str) -> None:
    with pytest.raises((AssertionError, json.JSONDecodeError)):
        check_web_response(status, text, content_type)


@pytest.mark.parametrize("remove", [("context",), ("context", "System"), ("context", "System", "application")])
def test_lambda_refuses_an_event_without_an_application_id(tmp_path: object, remove: tuple[str, ...]) -> None:
    """Found by fuzzing: the SDK's skill-id check raised AttributeError (a crashed invocation)."""
    handler = make_lambda_handler(Rekindle(SqliteStore(f"{tmp_path}/l.db"), front="alexa"), alexa_user, SKILL_ID)
    event = envelope(launch_request(), session_id="s", new=True, attributes={})
    assert handler(json.loads(json.dumps(event)), None)["response"]["shouldEndSession"] is False
    parent = event
    for key in remove[:-1]:
        parent = parent[key]
    del parent[remove[-1]]
    with pytest.raises(AskSdkException):
        handler(event, None)
