"""Tonight in the couple's own time zone, for the hosted skill.

A Lambda function runs in UTC, but "tonight" must follow the household's
clock. Alexa's device settings API names the device's time zone (no user
permission needed); it is asked once per session, with a short timeout, and
kept in the session attributes. On any failure the server's local time is
used, as before. The engine reads the zone through :func:`zoned_clock`.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone, tzinfo
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger("rekindle.skill")

ZONE_KEY = "tz"
LOOKUP_TIMEOUT_SECONDS = 1.5
_CURRENT: ContextVar[tzinfo | None] = ContextVar("rekindle_zone", default=None)


def zoned_clock(base: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Callable[[], datetime]:
    """A clock for the engine: ``base`` time in the current request's zone, else in local time."""
    def now() -> datetime:
        zone = _CURRENT.get()
        return base().astimezone(zone) if zone else base().astimezone()

    return now


@contextmanager
def in_zone(zone: tzinfo | None) -> Iterator[None]:
    """Make ``zone`` the current request's zone for the ``with`` block."""
    token = _CURRENT.set(zone)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def fetch_zone_name(api_endpoint: str, device_id: str, token: str,
                    timeout: float = LOOKUP_TIMEOUT_SECONDS) -> str | None:
    """The device's IANA zone name from Alexa's settings API, or None if it cannot be had."""
    parts = urlsplit(api_endpoint)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    url = f"{api_endpoint.rstrip('/')}/v2/devices/{quote(device_id, safe='')}/settings/System.timeZone"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            name = json.loads(response.read(1024))
    except (OSError, ValueError) as exc:
        log.info("device time zone unavailable: %s", type(exc).__name__)
        return None
    return name if isinstance(name, str) else None


def session_zone(envelope: Any, attributes: dict[str, Any]) -> tzinfo | None:
    """The zone for this session: cached in ``attributes``, else looked up once and cached."""
    name = attributes.get(ZONE_KEY)
    if name is None:
        system = envelope.context.system if envelope.context else None
        device = system.device.device_id if system and system.device else None
        if system and device and system.api_endpoint and system.api_access_token:
            name = fetch_zone_name(system.api_endpoint, device, system.api_access_token)
        attributes[ZONE_KEY] = name = name or ""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None
