"""Shared support for tests of ``POST /alexa`` over real HTTP: a live endpoint, bodies, refusal checks.

Used by the verification tests, the attack corpus and the web fuzzing/load runs
(``benchmarks.stress``), so every one of them drives the same app the same way.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from test_alexa_helpers import SKILL_ID, LiveServer, Pki, envelope, issue, launch_request

from intents import Rekindle, SqliteStore
from skill.envelope import one_household
from skill.handlers import build_skill
from skill.verification import request_verifiers
from skill.web import create_app


@contextmanager
def endpoint(tmp: Path, roots: list[Any], fetch: Callable[[str], bytes], skill_id: str | None = SKILL_ID,
             verify: bool = True, clock: Callable[[], datetime] | None = None) -> Iterator[str]:
    """``POST /alexa`` of the real app under waitress, trusting ``roots`` and fetching chains with ``fetch``."""
    engine = Rekindle(SqliteStore(tmp / "verify.db"), front="alexa")
    skill = build_skill(engine, one_household("home"), skill_id)
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    verifiers = request_verifiers(skill_id, verify_signature=verify, roots=roots, fetch=fetch, **kwargs)
    with LiveServer(create_app(skill, verifiers, skill_id)) as server:
        yield server.url + "/alexa"


def body_for(application_id: str = SKILL_ID, timestamp: str | None = None) -> bytes:
    """A LaunchRequest body for a new session."""
    env = envelope(launch_request(), session_id="amzn1.echo-api.session.t", new=True, attributes={},
                   application_id=application_id, timestamp=timestamp)
    return json.dumps(env).encode()


def assert_refused(response: Any, reason: str = "", statuses: tuple[int, ...] = (400,)) -> None:
    """A clean refusal: an expected status, a JSON reason containing ``reason``, no stack trace."""
    assert response.status_code in statuses, (response.status_code, response.text)
    assert "Traceback" not in response.text and "File \"" not in response.text
    if response.status_code == 400:
        assert response.headers["Content-Type"].startswith("application/json")
        assert reason.lower() in response.json()["reason"].lower()


def pki_without_san() -> Pki:
    """A leaf named echo-api.amazon.com only in its subject CN (no SAN), issued under a fresh root."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    root_key, mid_key, leaf_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
                                   for _ in range(3))
    root = issue("Rekindle Test Root (no SAN)", root_key, None, root_key, ca=True)
    mid = issue("Rekindle Test Intermediate (no SAN)", mid_key, root, root_key, ca=True)
    leaf = issue("echo-api.amazon.com", leaf_key, mid, mid_key, ca=False, san=None)
    return Pki(root, mid, leaf, leaf_key)


class SilentServer:
    """A loopback socket that accepts connections and never answers (until closed)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/echo.api/cert.pem"
        self.accepted = threading.Event()
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            self.accepted.set()

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()
