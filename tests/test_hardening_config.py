"""Bad configuration of ``rekindle serve``: one clear line and exit 2 at start, before anything listens.

Each case runs the real command as its own process, with a port that is free;
a setting the server cannot work with must stop it before it serves, not at
the first request from Alexa.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from test_alexa_helpers import SKILL_ID

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    # (name, environment, arguments, what the line must say)
    ("no skill id, verification on", {}, [], "--skill-id"),
    ("blank skill id in the environment", {"REKINDLE_SKILL_ID": "   "}, [], "--skill-id"),
    ("blank --skill-id", {}, ["--skill-id", " "], "--skill-id"),
    ("unknown store scheme", {"REKINDLE_STORE": "postgres://db/rekindle"}, ["--skill-id", SKILL_ID],
     "not a store Rekindle knows"),
    ("sqlite store naming no file", {"REKINDLE_STORE": "sqlite://"}, ["--skill-id", SKILL_ID], "names no file"),
    ("sqlite store under a file", {"REKINDLE_STORE": "sqlite:///{tmp}/plain-file/rekindle.db"},
     ["--skill-id", SKILL_ID], "is a file, not a folder"),
    ("sqlite store that is not a database", {"REKINDLE_STORE": "sqlite:///{tmp}/plain-file"},
     ["--skill-id", SKILL_ID], "not a Rekindle database"),
    ("dynamodb store naming no table", {"REKINDLE_STORE": "dynamodb://"}, ["--skill-id", SKILL_ID],
     "names no table"),
    ("wrong store, unverified", {"REKINDLE_STORE": "mysql://x"}, ["--no-verify"], "not a store Rekindle knows"),
    ("port out of range", {}, ["--skill-id", SKILL_ID, "--port", "70000"], "not a port number"),
    ("skill id not of the amzn1.ask.skill. form", {}, ["--skill-id", "hello"], "'hello' is not a skill id"),
    ("skill id of the form in the environment only", {"REKINDLE_SKILL_ID": "amzn1.ask.skill"}, [],
     "is not a skill id"),
    ("host that is no address", {}, ["--skill-id", SKILL_ID, "--host", "999.1.1.1"],
     "cannot listen on 999.1.1.1:"),
    ("host name that does not resolve", {}, ["--skill-id", SKILL_ID, "--host", "no-such-host.invalid"],
     "is not an address of this machine"),
    ("unverified on every interface", {}, ["--no-verify", "--host", "0.0.0.0"], "not 0.0.0.0"),
    ("unverified on every IPv6 interface", {}, ["--no-verify", "--host", "::"], "only listens on this machine"),
    ("unverified on a LAN address", {}, ["--no-verify", "--host", "192.168.1.20"], "drop --no-verify"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("name, env, args, says", CASES, ids=[c[0] for c in CASES])
def test_serve_refuses_to_start(tmp_path: Path, name: str, env: dict[str, str], args: list[str], says: str) -> None:
    (tmp_path / "plain-file").write_text("not a database\n")
    environment = {k: v for k, v in os.environ.items() if k not in ("REKINDLE_STORE", "REKINDLE_SKILL_ID")}
    environment.update({k: v.format(tmp=tmp_path) for k, v in env.items()})
    port = ["--port", str(free_port())] if "--port" not in args else []
    result = subprocess.run([sys.executable, "-m", "rekindle", "serve", *port, *args], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rekindle: ") and says in lines[0], result.stderr
    assert "serving the Alexa skill" not in result.stderr and result.stdout == ""
    if "not a Rekindle database" in says:
        assert (tmp_path / "plain-file").read_text() == "not a database\n"  # left untouched
