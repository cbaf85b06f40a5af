"""Load in the fast suite: a few households running whole rituals at once through ``POST /alexa``.

The same code as ``python -m benchmarks.stress load`` (50 households, 20,000 requests),
with the server in a thread here instead of its own process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from test_alexa_helpers import LiveServer, Pki, make_pki

from benchmarks.stress.load import LoadResult, history_mismatches, make_app, run_load


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def loaded(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoadResult, Path, str]]:
    db = tmp_path_factory.mktemp("load") / "load.db"
    app = make_app(db, pki.root.public_bytes(serialization.Encoding.PEM), pki.chain_pem)
    with LiveServer(app) as server:
        yield run_load(server.url + "/alexa", pki, db, households=5, rituals=2), db, server.url + "/alexa"


def test_households_complete_whole_rituals_concurrently(loaded: tuple[LoadResult, Path, str]) -> None:
    result, _db, _url = loaded
    assert [h.errors for h in result.households] == [[]] * 5
    assert [h.completed for h in result.households] == [2] * 5
    assert result.requests >= 5 * 2 * 4  # open, yes, at least one next, the closing
    assert result.history_mismatches == []


def test_the_history_check_catches_a_lost_or_extra_ritual(loaded: tuple[LoadResult, Path, str]) -> None:
    result, db, _url = loaded
    homes = result.households
    homes[0].completed += 1
    homes[1].completed -= 1
    try:
        found = history_mismatches(db, homes)
    finally:
        homes[0].completed -= 1
        homes[1].completed += 1
    assert [m.split(":")[0] for m in found] == [homes[0].user_id, homes[1].user_id]


def test_the_load_server_checks_signatures(loaded: tuple[LoadResult, Path, str]) -> None:
    _result, _db, url = loaded
    refused = requests.post(url, json={"request": {"type": "LaunchRequest"}}, timeout=30)
    assert refused.status_code == 400 and "missing SignatureCertChainUrl" in refused.json()["reason"]
