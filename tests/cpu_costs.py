"""What each test costs in CPU-seconds (user + system, of the test process and of the processes it started and
waited for), set-up and tear-down included: ``pytest --cpu-costs PATH`` records one JSON line a test (each xdist
worker in ``PATH.<worker>``), and ``python tests/cpu_costs.py PATH...`` sums them by file and lists the costliest
tests. Wall time on a shared machine says more about the others' load than about a test; CPU time hardly does.
conftest.py's ``COSTLIEST_FILES`` (the order the files run in) comes from such a report.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Generator
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-costs", metavar="PATH", default=None,
                     help="record each test's CPU-seconds, its own and its child processes', in PATH (JSON lines)")


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    path = item.config.getoption("--cpu-costs")
    if not path:
        yield
        return
    (own, children), started = _cpu(), time.monotonic()
    yield
    (own_after, children_after), worker = _cpu(), os.environ.get("PYTEST_XDIST_WORKER")
    record = {"test": item.nodeid, "own": round(own_after - own, 3), "children": round(children_after - children, 3),
              "wall": round(time.monotonic() - started, 3)}
    with open(f"{path}.{worker}" if worker else path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def summary(paths: list[Path], top: int = 25) -> str:
    records = [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
    cost = {r["test"]: r["own"] + r["children"] for r in records}
    by_file: Counter[str] = Counter()
    for test, seconds in cost.items():
        by_file[test.split("::")[0]] += seconds
    lines = [f"{len(cost)} tests, {sum(cost.values()):.0f} CPU-s", "", "by file:"]
    lines += [f"{seconds:7.1f}  {name}" for name, seconds in by_file.most_common(top)]
    lines += ["", "costliest tests:"]
    lines += [f"{seconds:7.1f}  {test}" for test, seconds in Counter(cost).most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary([Path(p) for p in sys.argv[1:]]))
