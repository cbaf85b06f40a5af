"""Signed requests over real HTTP: each of Amazon's rules broken on its own gives a clean 400.

The tests make their own CA, intermediate and echo-api leaf (test_alexa_helpers.make_pki).
Only two things are pointed at test data: the trusted roots, and the function that
fetches the chain (it returns the test PEM instead of calling s3.amazonaws.com).
Path validation, expiry, SAN, signature, timestamp and application-id checks all run
for real inside the Flask app under waitress.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_alexa_helpers import CHAIN_URL, SKILL_ID, Pki, envelope, intent_request, make_pki, now_stamp
from web_support import assert_refused, body_for, endpoint

from intents import Rekindle, SqliteStore
from skill.envelope import one_household
from skill.handlers import build_skill
from skill.verification import (
    ChainCache,
    VerificationException,
    check_chain_url,
    fetch_url,
    request_verifiers,
)
from skill.web import create_app


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def other_pki() -> Pki:
    return make_pki()


@pytest.fixture(scope="module")
def good(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return pki.chain_pem

    with endpoint(tmp_path_factory.mktemp("good"), [pki.root], fetch) as url:
        yield url, fetched


def test_a_correctly_signed_request_is_answered(good: tuple[str, list[str]], pki: Pki) -> None:
    url, _ = good
    body = body_for()
    response = requests.post(url, data=body, headers=pki.headers(body), timeout=10)
    assert response.status_code == 200
    assert response.json()["response"]["shouldEndSession"] is False


def test_the_chain_is_fetched_once_and_cached(good: tuple[str, list[str]], pki: Pki) -> None:
    url, fetched = good
    chain_url = "https://s3.amazonaws.com/echo.api/cache-test.pem"
    for _ in range(5):
        body = body_for()
        assert requests.post(url, data=body, headers=pki.headers(body, chain_url), timeout=10).status_code == 200
    assert fetched.count(chain_url) == 1


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_header(good: tuple[str, list[str]], pki: Pki, missing: str) -> None:
    url, _ = good
    body = body_for()
    headers = pki.headers(body)
    del headers[missing]
    assert_refused(requests.post(url, data=body, headers=headers, timeout=10), f"missing {missing}")


@pytest.mark.parametrize("chain_url", [
    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://notamazon.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
    "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../other/echo-api-cert.pem",
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem",
])
def test_bad_chain_url(good: tuple[str, list[str]], pki: Pki, chain_url: str) -> None:
    url, fetched = good
    body = body_for()
    assert_refused(requests.post(url, data=body, headers=pki.headers(body, chain_url), timeout=10),
                   "certificate chain URL")
    assert chain_url not in fetched


@pytest.mark.parametrize("chain_url", [
    "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
])
def test_chain_url_variants_amazon_allows(chain_url: str) -> None:
    check_chain_url(chain_url)


def test_signature_not_base64(good: tuple[str, list[str]], pki: Pki) -> None:
    url, _ = good
    body = body_for()
    headers = {**pki.headers(body), "Signature-256": "not base64 at all!"}
    assert_refused(requests.post(url, data=body, headers=headers, timeout=10), "base64")


def test_signature_by_another_key(good: tuple[str, list[str]], pki: Pki, other_pki: Pki) -> None:
    url, _ = good
    body = body_for()
    headers = {**pki.headers(body), "Signature-256": pki.sign(body, other_pki.leaf_key)}
    assert_refused(requests.post(url, data=body, headers=headers, timeout=10), "signature does not match")


def test_body_changed_after_signing(good: tuple[str, list[str]], pki: Pki) -> None:
    url, _ = good
    body = body_for()
    headers = pki.headers(body)
    tampered = body.replace(b"LaunchRequest", b"LaunchRequest", 1) + b"\n"
    assert_refused(requests.post(url, data=tampered, headers=headers, timeout=10), "signature does not match")


@pytest.mark.parametrize("case", ["expired", "not_yet_valid", "wrong_san", "untrusted_root"])
def test_certificate_rules(tmp_path: Path, pki: Pki, other_pki: Pki, case: str) -> None:
    now = datetime.now(timezone.utc)
    if case == "expired":
        bad = make_pki(leaf_not_before=now - timedelta(days=30), leaf_not_after=now - timedelta(minutes=5))
    elif case == "not_yet_valid":
        bad = make_pki(leaf_not_before=now + timedelta(days=1), leaf_not_after=now + timedelta(days=30))
    elif case == "wrong_san":
        bad = make_pki(san="echo-api.example.com")
    else:
        bad = other_pki
    trusted = [pki.root] if case == "untrusted_root" else [bad.root]
    with endpoint(tmp_path, trusted, lambda _url: bad.chain_pem) as url:
        body = body_for()
        assert_refused(requests.post(url, data=body, headers=bad.headers(body), timeout=10),
                       "signing certificate is not valid")


@pytest.mark.parametrize("fetched", [b"", b"not a certificate", OSError("unreachable")])
def test_chain_that_cannot_be_fetched_or_read(tmp_path: Path, pki: Pki, fetched: Any) -> None:
    def fetch(_url: str) -> bytes:
        if isinstance(fetched, Exception):
            raise fetched
        return bytes(fetched)

    with endpoint(tmp_path, [pki.root], fetch) as url:
        body = body_for()
        assert_refused(requests.post(url, data=body, headers=pki.headers(body), timeout=10),
                       "certificate chain")


# Stamps are whole seconds (rounded down), so +151 could land 150.x s ahead; the attack corpus checks exactly 151.
@pytest.mark.parametrize(("offset", "accepted"), [(-151, False), (152, False), (-140, True), (140, True)])
def test_timestamp_window(good: tuple[str, list[str]], pki: Pki, offset: int, accepted: bool) -> None:
    url, _ = good
    body = body_for(timestamp=now_stamp(datetime.now(timezone.utc) + timedelta(seconds=offset)))
    response = requests.post(url, data=body, headers=pki.headers(body), timeout=10)
    if accepted:
        assert response.status_code == 200
    else:
        assert_refused(response, "timestamp")


def test_wrong_application_id(good: tuple[str, list[str]], pki: Pki) -> None:
    url, _ = good
    body = body_for(application_id="amzn1.ask.skill.someone-else")
    assert_refused(requests.post(url, data=body, headers=pki.headers(body), timeout=10), "another skill")


@pytest.mark.parametrize(("body", "reason"), [
    (b"{not json", "not JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    (b"[1, 2, 3]", "not an Alexa request"),
    (b'{"version": "1.0"}', "not an Alexa request"),
    (b'{"version": "1.0", "request": {"type": "LaunchRequest", "timestamp": 12}}', "not an Alexa request"),
])
def test_malformed_bodies_even_when_signed(good: tuple[str, list[str]], pki: Pki, body: bytes,
                                           reason: str) -> None:
    url, _ = good
    assert_refused(requests.post(url, data=body, headers=pki.headers(body), timeout=10), reason)


def test_oversized_body_is_refused(good: tuple[str, list[str]], pki: Pki) -> None:
    url, _ = good
    body = b'{"request": {}, "pad": "' + b"x" * (300 * 1024) + b'"}'
    assert_refused(requests.post(url, data=body, headers=pki.headers(body), timeout=10), "too large")


def test_no_verify_skips_signatures_but_not_the_skill_id(tmp_path: Path) -> None:
    with endpoint(tmp_path, [], lambda _u: b"", verify=False) as url:
        assert requests.post(url, data=body_for(), timeout=10).status_code == 200
        assert_refused(requests.post(url, data=body_for(application_id="amzn1.ask.skill.x"), timeout=10),
                       "another skill")


def test_cache_lasts_until_the_chain_expires(pki: Pki) -> None:
    moment = [datetime.now(timezone.utc)]
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return pki.chain_pem

    cache = ChainCache([pki.root], fetch, clock=lambda: moment[0])
    cache.leaf(CHAIN_URL)
    cache.leaf(CHAIN_URL)
    assert len(calls) == 1
    moment[0] = pki.leaf.not_valid_after_utc + timedelta(seconds=1)
    with pytest.raises(VerificationException):
        cache.leaf(CHAIN_URL)  # refetched, and now the leaf has expired
    assert len(calls) == 2


class _Stall(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/big")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * (100 * 1024))
        else:
            time.sleep(3)

    def log_message(self, *args: Any) -> None:
        pass


def test_default_fetch_has_a_timeout_a_size_limit_and_no_redirects() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stall)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        started = time.monotonic()
        with pytest.raises((socket.timeout, TimeoutError, OSError)):
            fetch_url(base + "/slow", timeout=0.3)
        assert time.monotonic() - started < 2.5
        with pytest.raises(ValueError, match="too large"):
            fetch_url(base + "/big", timeout=2)
        with pytest.raises(urllib.error.HTTPError):
            fetch_url(base + "/moved", timeout=2)
    finally:
        server.shutdown()
        server.server_close()


def _mutations() -> Any:
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
    value = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                         max_leaves=6)
    paths = st.sampled_from([("request", "type"), ("request", "intent"), ("request", "intent", "name"),
                             ("request", "intent", "slots"), ("request", "locale"), ("request", "reason"),
                             ("session", "attributes"), ("session", "attributes", "rekindle"), ("session",),
                             ("context", "System", "user"), ("version",), ("session", "new")])
    return st.tuples(paths, value)


def test_any_signed_envelope_shape_gets_400_or_an_answer_never_500(pki: Pki, tmp_path: Path) -> None:
    """Mutated envelopes, correctly signed and timely: refused with 400 or answered; never a server error."""
    engine = Rekindle(SqliteStore(tmp_path / "fuzz.db"), front="alexa")
    app = create_app(build_skill(engine, one_household("home"), SKILL_ID),
                     request_verifiers(SKILL_ID, roots=[pki.root], fetch=lambda _u: pki.chain_pem), SKILL_ID)
    client = app.test_client()

    @given(_mutations())
    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def check(mutation: tuple[tuple[str, ...], Any]) -> None:
        path, value = mutation
        env = envelope(intent_request("SetPartnerNamesIntent", {"firstName": "Sam", "secondName": "Robin"}),
                       session_id="s", new=False, attributes={"rekindle": {"v": 1}})
        target: Any = env
        for key in path[:-1]:
            target = target.setdefault(key, {}) if isinstance(target, dict) else {}
        if isinstance(target, dict):
            target[path[-1]] = value
        body = json.dumps(env).encode()
        response = client.post("/alexa", data=body, headers=pki.headers(body))
        assert response.status_code in (200, 400), response.get_data(as_text=True)
        if response.status_code == 200:
            assert isinstance(response.get_json()["response"].get("shouldEndSession", True), bool)

    check()


def test_deeply_nested_json_is_refused(good: tuple[str, list[str]], pki: Pki) -> None:
    url, _ = good
    body = b'{"request": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_refused(requests.post(url, data=body, headers=pki.headers(body), timeout=10))
