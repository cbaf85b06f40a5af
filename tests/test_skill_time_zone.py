"""Tonight follows the device's time zone on the hosted skill.

Alexa's settings API is played by a small HTTP server on loopback that answers
exactly as Amazon documents (a JSON string naming the IANA zone), and checks
the bearer token; the envelope's apiEndpoint points at it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from test_alexa_helpers import DEVICE_ID, Conversation

from intents import Rekindle, SqliteStore
from skill.lambda_function import make_lambda_handler
from skill.time_zone import ZONE_KEY, fetch_zone_name, in_zone, zoned_clock

# 05:00 UTC on the 26th is 21:00 on the 25th in Los Angeles: still the evening of the 25th there.
INSTANT = datetime.fromisoformat("2026-11-26T05:00:00+00:00")


class _Settings(BaseHTTPRequestHandler):
    zone = '"America/Los_Angeles"'
    calls: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.calls.append(self.path)
        if self.headers.get("Authorization") != "Bearer test-token":
            self.send_response(403)
            self.end_headers()
            return
        body = self.zone.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def settings_api() -> Iterator[str]:
    _Settings.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def night_of_plan(response: dict[str, Any]) -> date:
    return date.fromisoformat(response["sessionAttributes"]["rekindle"]["plan"]["night"])


def test_the_devices_evening_decides_tonight(settings_api: str, tmp_path: Path) -> None:
    engine = Rekindle(SqliteStore(tmp_path / "tz.db"), front="alexa", clock=zoned_clock(lambda: INSTANT))
    handler = make_lambda_handler(engine)
    talk = Conversation(lambda event: handler(event, None), api_endpoint=settings_api)
    response = talk.launch()
    assert night_of_plan(response) == date(2026, 11, 25)
    assert response["sessionAttributes"][ZONE_KEY] == "America/Los_Angeles"
    talk.intent("AMAZON.HelpIntent")
    assert len(_Settings.calls) == 1  # asked once per session, then read from the session
    assert DEVICE_ID in _Settings.calls[0] and _Settings.calls[0].endswith("/settings/System.timeZone")


def test_without_the_settings_api_the_servers_clock_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        engine = Rekindle(SqliteStore(tmp_path / "tz.db"), front="alexa", clock=zoned_clock(lambda: INSTANT))
        handler = make_lambda_handler(engine)
        response = Conversation(lambda event: handler(event, None)).launch()  # apiEndpoint: a closed port
        assert night_of_plan(response) == date(2026, 11, 26)
        assert response["sessionAttributes"][ZONE_KEY] == ""
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("answer", ['"Not/AZone"', "42", "{broken"])
def test_odd_answers_fall_back_to_local_time(settings_api: str, answer: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Settings, "zone", answer)
    engine = Rekindle(SqliteStore(tmp_path / "tz.db"), front="alexa", clock=zoned_clock(lambda: INSTANT))
    handler = make_lambda_handler(engine)
    response = Conversation(lambda event: handler(event, None), api_endpoint=settings_api).launch()
    assert response["response"]["shouldEndSession"] is False


def test_only_https_or_loopback_endpoints_are_asked() -> None:
    assert fetch_zone_name("http://api.example.org", DEVICE_ID, "t") is None


def test_the_clock_uses_the_current_zone_only_inside_the_block() -> None:
    clock = zoned_clock(lambda: INSTANT)
    with in_zone(ZoneInfo("Australia/Sydney")):
        assert clock().utcoffset() is not None and clock().hour == 16
    assert clock() == INSTANT
