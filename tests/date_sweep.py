"""A pytest plugin that runs a whole test session at another moment: the wall clock moved, ticking on.

``REKINDLE_TEST_MOMENT=YYYY-MM-DDTHH:MM[:SS][@Zone/Name]`` (local time, in that time zone if given) moves the
clock of the test process with time-machine when the session starts, and that of every Python process a test
starts (``rekindle talk``, ``serve``...) through ``tests/date_sweep_site/sitecustomize.py``, put first on
their ``PYTHONPATH`` with the offset in ``DATE_SWEEP_OFFSET``. Monotonic clocks stay real, so timeouts and
timers behave. One session per moment, as on a real day: certificates and servers a fixture made at the start
stay as valid as they would be.

``tests/conftest.py`` loads it; without the variable it does nothing. Run as a program (``script/test-dates``,
which CI runs) it runs the tests marked ``clock`` in one pytest session per moment: each of :data:`MOMENTS` and the
first night of every month of a year (:data:`FIRST_NIGHTS`), or the moments and ranges of nights it is given.
``docs/testing.md`` shows how to run any tests at any moment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

MOMENT_ENV = "REKINDLE_TEST_MOMENT"
SITE = Path(__file__).resolve().parent / "date_sweep_site"

# Nights that have broken tests, or could: a night a drawn touch was shorter than a test assumed, a Sunday (weekly
# rituals), a second before a night ends at 4 a.m., month, year and leap-day ends crossing midnight, both
# daylight-saving changes, an afternoon.
MOMENTS = (
    "2026-12-05T21:00",
    "2027-01-03T21:30",
    "2027-01-04T03:59:55",
    "2027-01-31T23:59:55",
    "2027-12-31T22:30",
    "2028-02-29T21:00",
    "2027-03-14T01:59:55@America/New_York",
    "2027-11-07T01:30@America/New_York",
    "2027-06-16T13:00",
)

# The first night of each month of a year: twelve draws spread over the seasons, weekdays and month lengths.
FIRST_NIGHTS = tuple(f"{date(2027, month, 1).isoformat()}T21:00" for month in range(1, 13))

_traveller: list[Any] = []


def pytest_configure(config: pytest.Config) -> None:
    moment = os.environ.get(MOMENT_ENV)
    if not moment:
        return
    import time_machine

    when, _, zone = moment.partition("@")
    if zone:
        os.environ["TZ"] = zone
    time.tzset()
    if time_machine.escape_hatch.is_travelling():
        return  # an xdist worker: sitecustomize, inherited from the session that started it, moved it already
    target = datetime.fromisoformat(when).astimezone()  # naive: local time in TZ
    os.environ["DATE_SWEEP_OFFSET"] = f"{target.timestamp() - time.time():.3f}"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))
    traveller = time_machine.travel(target, tick=True)
    traveller.start()
    _traveller.append(traveller)
    assert abs(datetime.now().astimezone() - target) < timedelta(seconds=5), "the clock did not move"


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = os.environ.get(MOMENT_ENV)
    return f"wall clock moved to {moment} (tests/date_sweep.py)" if moment else None


def pytest_unconfigure(config: pytest.Config) -> None:
    while _traveller:
        _traveller.pop().stop()


def nights(spec: str) -> list[str]:
    """``2027-01-01..2027-12-31`` as one moment at 21:00 per night; any other text is one moment as it is."""
    first, dots, last = spec.partition("..")
    if not dots:
        return [spec]
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    return [f"{(day + timedelta(days=n)).isoformat()}T21:00" for n in range((end - day).days + 1)]


def session(moment: str, pytest_args: list[str]) -> tuple[str, int, str]:
    """One pytest session of the ``clock`` tests at ``moment``: its exit code and the lines that name failures."""
    env = {**os.environ, MOMENT_ENV: moment}
    for name in ("DATE_SWEEP_OFFSET", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    from conftest import CLOCK_FILES  # only those files, so a session does not collect the whole suite

    files = sorted(f"tests/{name}" for name in CLOCK_FILES)
    run = subprocess.run([sys.executable, "-m", "pytest", "-m", "clock", "-p", "no:xdist", "-p", "no:cacheprovider",
                          "-q", "--no-header", "-rfE", *pytest_args, *files],
                         cwd=SITE.parent.parent, env=env, capture_output=True, text=True)
    lines = run.stdout.splitlines()
    named = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    named = named or lines[-15:] + run.stderr.splitlines()[-5:]
    return moment, run.returncode, "\n".join(named if run.returncode else lines[-1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="script/test-dates",
        description="Run the tests marked 'clock' in one pytest session per moment, the wall clock moved there.")
    parser.add_argument("moments", nargs="*", metavar="MOMENT",
                        help="YYYY-MM-DDTHH:MM[:SS][@Zone/Name], or a range of nights YYYY-MM-DD..YYYY-MM-DD "
                             "(at 21:00); default: the edge moments and the first night of every month of a year")
    parser.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="sessions at once")
    parser.add_argument("--pytest", default="", metavar="ARGS", help="more pytest arguments, e.g. '-k pacing'")
    args = parser.parse_args(argv)
    moments = [m for spec in args.moments for m in nights(spec)] or [*MOMENTS, *FIRST_NIGHTS]
    started, failed = time.monotonic(), []
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        for moment, code, summary in pool.map(lambda m: session(m, args.pytest.split()), moments):
            print(f"{'ok  ' if code == 0 else 'FAIL'} {moment}: {summary}", flush=True)
            if code:
                failed.append(moment)
    minutes = (time.monotonic() - started) / 60
    print(f"{len(moments) - len(failed)} of {len(moments)} moments passed in {minutes:.1f} min"
          + (f"; failed at {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
