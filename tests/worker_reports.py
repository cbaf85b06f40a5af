"""Test reports that an xdist worker can always send (loaded by tests/conftest.py).

A worker sends each report to the controller as UTF-8; a lone surrogate in what a test printed or logged
(fuzzing feeds the skill such strings, and its refusals log them) cannot be encoded, and the worker crashed
with an INTERNALERROR although the test passed. Captured output is kept, with such characters escaped.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


def _sendable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    report.sections = [(_sendable(title), _sendable(body)) for title, body in report.sections]
    if isinstance(report.longrepr, str):
        report.longrepr = _sendable(report.longrepr)
