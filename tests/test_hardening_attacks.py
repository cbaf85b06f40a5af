"""The request-verification attack corpus: every way of breaking Amazon's rules, against ``POST /alexa``.

One table of cases, each a request built from a correctly signed one with one
rule broken (or several together), sent over real HTTP to the real app under
waitress with verification on. Every attack is refused (400, or 405/413 where
apt) with a JSON reason and no stack trace; every valid request is answered.
The test PKI is a real root -> intermediate -> leaf chain (test_alexa_helpers);
only the trusted roots and the chain fetch point at test data, as in
test_skill_verification.py, whose single-rule cases this table includes.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from test_alexa_helpers import (
    CHAIN_URL,
    SKILL_ID,
    Pki,
    envelope,
    intent_request,
    launch_request,
    make_pki,
    now_stamp,
)
from web_support import SilentServer, assert_refused, endpoint, pki_without_san

from skill.verification import fetch_url

ECHO = "https://s3.amazonaws.com/echo.api/"


@dataclass
class Request:
    """One HTTP request to the endpoint."""

    body: bytes
    headers: dict[str, str]
    method: str = "POST"


@dataclass
class World:
    """The endpoint under attack and the keys and chains an attacker (or Amazon) may hold."""

    url: str
    http: requests.Session
    pki: Pki
    other: Pki
    skew: list[float]
    fetched: list[str] = field(default_factory=list)
    signers: dict[str, Pki] = field(default_factory=dict)

    def send(self, request: Request) -> requests.Response:
        return self.http.request(request.method, self.url, data=request.body, headers=request.headers, timeout=30)


FROZEN: list[datetime | None] = [None]
"""The corpus server's clock, stopped at a whole second per case (Alexa's timestamps are whole seconds)."""


def body(*, age: float = 0.0, app_id: str = SKILL_ID, session_app_id: str | None = None,
         request: dict[str, Any] | None = None) -> bytes:
    """A LaunchRequest (or ``request``) for this skill, stamped ``age`` seconds before the server's now."""
    stamp = now_stamp((FROZEN[0] or datetime.now(timezone.utc)) - timedelta(seconds=age))
    env = envelope(request or launch_request(), session_id="amzn1.echo-api.session.attack", new=True,
                   attributes={}, application_id=app_id, timestamp=stamp)
    if session_app_id is not None:
        env["session"]["application"]["applicationId"] = session_app_id
    return json.dumps(env).encode()


def signed(w: World, data: bytes | None = None, chain: str = CHAIN_URL, pki: Pki | None = None,
           **headers: str) -> Request:
    """``data`` (default a valid body) signed by ``pki``'s leaf, with the chain at ``chain``; extra headers."""
    data = body() if data is None else data
    out = (pki or w.pki).headers(data, chain)
    for name, value in headers.items():
        out[name.replace("_", "-")] = value
    return Request(data, out)


def without(request: Request, header: str) -> Request:
    return Request(request.body, {k: v for k, v in request.headers.items() if k != header}, request.method)


def with_headers(request: Request, **headers: str) -> Request:
    return Request(request.body, {**request.headers, **{k.replace("_", "-"): v for k, v in headers.items()}},
                   request.method)


def sha1_signature(w: World, data: bytes) -> str:
    return base64.b64encode(w.pki.leaf_key.sign(data, padding.PKCS1v15(), hashes.SHA1())).decode()


def one_byte_changed(w: World) -> Request:
    good = signed(w)
    return Request(good.body.replace(b"echo-api.request.", b"echo-api.requesT.", 1), good.headers)


def replayed_after_the_window(w: World) -> Request:
    original = signed(w)
    assert w.send(original).status_code == 200  # accepted when fresh...
    w.skew[0] = 151.0  # ...and the same bytes sent again 151 s later
    return original


def chained(name: str) -> Callable[[World], Request]:
    """Signed by the leaf of the test chain served as ``name``: only that certificate breaks a rule."""
    return lambda w: signed(w, chain=ECHO + name, pki=w.signers.get(name))


@dataclass(frozen=True)
class Case:
    """An attack: how to build it, and how it must be refused."""

    name: str
    build: Callable[[World], Request]
    reason: str = ""
    statuses: tuple[int, ...] = (400,)
    never_fetched: bool = False


def url_case(name: str, url: str, reason: str = "certificate chain URL") -> Case:
    return Case(name, lambda w: signed(w, chain=url), reason, never_fetched=True)


ATTACKS: list[Case] = [
    # Signature-256
    Case("signature missing", lambda w: without(signed(w), "Signature-256"), "missing Signature-256"),
    Case("signature empty", lambda w: with_headers(signed(w), Signature_256=""), "missing Signature-256"),
    Case("signature garbage", lambda w: with_headers(signed(w), Signature_256="not base64 at all!"), "base64"),
    Case("signature random bytes", lambda w: with_headers(
        signed(w), Signature_256=base64.b64encode(os.urandom(256)).decode()), "does not match"),
    Case("signature truncated", lambda w: with_headers(
        signed(w), Signature_256=signed(w).headers["Signature-256"][:-8]), "signature"),
    Case("only the obsolete SHA-1 Signature header", lambda w: with_headers(
        without(signed(w), "Signature-256"), Signature=sha1_signature(w, signed(w).body)), "missing Signature-256"),
    Case("SHA-1 signature in Signature-256", lambda w: with_headers(
        signed(w, data := body()), Signature_256=sha1_signature(w, data)), "does not match"),
    Case("body changed by one byte", one_byte_changed, "does not match"),
    Case("body with a byte appended", lambda w: Request(signed(w).body + b" ", signed(w).headers),
         "does not match"),
    Case("signature from another key", lambda w: with_headers(
        signed(w), Signature_256=w.pki.sign(signed(w).body, w.other.leaf_key)), "does not match"),
    Case("signature of another request", lambda w: Request(
        body(request=intent_request("AMAZON.StopIntent")), signed(w).headers), "does not match"),
    # SignatureCertChainUrl
    Case("chain URL missing", lambda w: without(signed(w), "SignatureCertChainUrl"),
         "missing SignatureCertChainUrl", never_fetched=True),
    url_case("chain URL empty", "", "missing SignatureCertChainUrl"),
    url_case("chain URL over http", "http://s3.amazonaws.com/echo.api/echo-api-cert.pem"),
    url_case("chain URL file scheme", "file:///echo.api/echo-api-cert.pem"),
    url_case("chain URL on another host", "https://evil.example/echo.api/echo-api-cert.pem"),
    url_case("chain URL look-alike suffix", "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem"),
    url_case("chain URL look-alike dash", "https://s3-amazonaws.com/echo.api/echo-api-cert.pem"),
    url_case("chain URL look-alike tld", "https://s3.amazonaws.co/echo.api/echo-api-cert.pem"),
    url_case("chain URL amazon as userinfo", "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert.pem"),
    url_case("chain URL with userinfo", "https://evil:x@s3.amazonaws.com/echo.api/echo-api-cert.pem"),
    url_case("chain URL .. escapes /echo.api/", "https://s3.amazonaws.com/echo.api/../evil/echo-api-cert.pem"),
    url_case("chain URL ../.. escapes /echo.api/", "https://s3.amazonaws.com/echo.api/a/../../echo-api-cert.pem"),
    url_case("chain URL wrong case in path", "https://s3.amazonaws.com/ECHO.API/echo-api-cert.pem"),
    url_case("chain URL mixed case in path", "https://s3.amazonaws.com/Echo.api/echo-api-cert.pem"),
    url_case("chain URL path look-alike", "https://s3.amazonaws.com/echo.api.evil/echo-api-cert.pem"),
    url_case("chain URL port 8443", "https://s3.amazonaws.com:8443/echo.api/echo-api-cert.pem"),
    url_case("chain URL port not a number", "https://s3.amazonaws.com:https/echo.api/echo-api-cert.pem"),
    # the chain
    Case("expired leaf", chained("expired.pem"), "signing certificate is not valid"),
    Case("leaf not yet valid", chained("future.pem"), "signing certificate is not valid"),
    Case("leaf SAN is another name", chained("wrong-san.pem"), "signing certificate is not valid"),
    Case("leaf without SAN (CN only)", chained("no-san.pem"), "signing certificate is not valid"),
    Case("chain to an untrusted root", lambda w: signed(w, chain=ECHO + "untrusted.pem", pki=w.other),
         "signing certificate is not valid"),
    Case("leaf without its intermediate", chained("leaf-only.pem"), "signing certificate is not valid"),
    Case("chain URL serves garbage", chained("garbage.pem"), "certificate chain"),
    # request.timestamp
    Case("timestamp 151 s old", lambda w: signed(w, body(age=151)), "timestamp"),
    Case("timestamp 151 s in the future", lambda w: signed(w, body(age=-151)), "timestamp"),
    Case("timestamp a day old", lambda w: signed(w, body(age=86_400)), "timestamp"),
    Case("replay after the window", replayed_after_the_window, "timestamp"),
    Case("timestamp not a time", lambda w: signed(w, body().replace(b'"timestamp": "', b'"timestamp": "x', 1)),
         "not an Alexa request"),
    # application id
    Case("wrong application id", lambda w: signed(w, body(app_id="amzn1.ask.skill.someone-else")),
         "another skill"),
    Case("wrong application id in the session only", lambda w: signed(
        w, body(session_app_id="amzn1.ask.skill.someone-else")), "another skill"),
    Case("empty application id", lambda w: signed(w, body(app_id="")), "another skill"),
    # bodies
    Case("non-JSON body", lambda w: signed(w, b"Alexa, open nightly ritual"), "not JSON"),
    Case("empty body", lambda w: signed(w, b""), "not JSON"),
    Case("truncated body, signed as sent", lambda w: signed(w, body()[:200]), "not JSON"),
    Case("truncated body, signature of the whole", lambda w: Request(signed(w).body[:200], signed(w).headers),
         "not JSON"),
    Case("JSON that is not an object", lambda w: signed(w, b'["request"]'), "not an Alexa request"),
    Case("body in UTF-16", lambda w: signed(w, body().decode().encode("utf-16")), "not JSON"),
    Case("oversized body", lambda w: signed(w, b'{"request": {}, "pad": "' + b"x" * (300 * 1024) + b'"}'),
         "too large", (400, 413)),
    # content type and method
    Case("text/plain content type", lambda w: with_headers(signed(w), Content_Type="text/plain"), "content type"),
    Case("form content type", lambda w: with_headers(
        signed(w), Content_Type="application/x-www-form-urlencoded"), "content type"),
    Case("multipart content type", lambda w: with_headers(
        signed(w), Content_Type="multipart/form-data; boundary=x"), "content type"),
    Case("GET", lambda w: Request(b"", {}, "GET"), statuses=(405,)),
    Case("PUT of a signed request", lambda w: Request(signed(w).body, signed(w).headers, "PUT"), statuses=(405,)),
    Case("DELETE", lambda w: Request(b"", {}, "DELETE"), statuses=(405,)),
    # several rules at once
    Case("http chain URL, stale and for another skill", lambda w: signed(
        w, body(age=400, app_id="amzn1.ask.skill.x"), chain="http://evil.example/cert.pem"), never_fetched=True),
    Case("another key and another skill", lambda w: with_headers(
        signed(w, data := body(app_id="amzn1.ask.skill.x")), Signature_256=w.pki.sign(data, w.other.leaf_key))),
    Case("unsigned, stale, wrong content type", lambda w: Request(body(age=1000), {"Content-Type": "text/plain"})),
    Case("untrusted chain and a replayed stale body", lambda w: signed(
        w, body(age=3600), chain=ECHO + "untrusted.pem", pki=w.other)),
]

VALID: list[Case] = [
    Case("as Alexa sends it", lambda w: signed(w)),
    Case("charset in the content type", lambda w: with_headers(
        signed(w), Content_Type="application/json; charset=utf-8")),
    Case("no content type", lambda w: without(signed(w), "Content-Type")),
    Case("explicit port 443", lambda w: signed(w, chain="https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem")),
    Case("upper-case scheme and host", lambda w: signed(w, chain="HTTPS://S3.AMAZONAWS.COM/echo.api/cert.pem")),
    Case(".. staying inside /echo.api/", lambda w: signed(w, chain=ECHO + "../echo.api/echo-api-cert.pem")),
    Case("timestamp 140 s old", lambda w: signed(w, body(age=140))),
    Case("timestamp 140 s ahead", lambda w: signed(w, body(age=-140))),
    Case("an intent mid-session", lambda w: signed(w, body(request=intent_request("AMAZON.HelpIntent")))),
]


def test_the_corpus_is_complete() -> None:
    names = [c.name for c in ATTACKS + VALID]
    assert len(ATTACKS) >= 30 and len(names) == len(set(names))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    pki, other = make_pki(), make_pki()
    now = datetime.now(timezone.utc)
    expired = make_pki(leaf_not_before=now - timedelta(days=30), leaf_not_after=now - timedelta(minutes=5))
    future = make_pki(leaf_not_before=now + timedelta(days=1), leaf_not_after=now + timedelta(days=30))
    wrong_san, no_san = make_pki(san="echo-api.amazon.com.evil.example"), pki_without_san()
    served = {"expired.pem": expired.chain_pem, "future.pem": future.chain_pem,
              "wrong-san.pem": wrong_san.chain_pem, "no-san.pem": no_san.chain_pem,
              "untrusted.pem": other.chain_pem, "garbage.pem": b"-----BEGIN CERTIFICATE-----\nnope\n",
              "leaf-only.pem": pki.chain_pem.split(b"-----END CERTIFICATE-----")[0]
              + b"-----END CERTIFICATE-----\n"}
    keys = {"expired.pem": expired, "future.pem": future, "wrong-san.pem": wrong_san, "no-san.pem": no_san}
    skew = [0.0]
    fetched: list[str] = []

    def fetch(url: str) -> bytes:  # stands in for S3: the test chains by file name, else Amazon's
        fetched.append(url)
        return served.get(url.rsplit("/", 1)[-1], pki.chain_pem)

    def clock() -> datetime:
        return (FROZEN[0] or datetime.now(timezone.utc)) + timedelta(seconds=skew[0])

    roots = [p.root for p in (pki, expired, future, wrong_san, no_san)]  # every test root but other's
    with endpoint(tmp_path_factory.mktemp("attacks"), roots, fetch, clock=clock) as url, \
            requests.Session() as http:
        yield World(url, http, pki, other, skew, fetched, keys)
    FROZEN[0] = None


@pytest.fixture(autouse=True)
def _stopped_clock() -> Iterator[None]:
    """Each case sees the server's clock stopped at a whole second, so 151 s means exactly 151 s."""
    FROZEN[0] = datetime.now(timezone.utc).replace(microsecond=0)
    yield
    FROZEN[0] = None


@pytest.mark.parametrize("case", ATTACKS, ids=[c.name for c in ATTACKS])
def test_attack_is_refused(world: World, case: Case) -> None:
    before = len(world.fetched)
    world.skew[0] = 0.0
    try:
        response = world.send(case.build(world))
    finally:
        world.skew[0] = 0.0
    assert_refused(response, case.reason, case.statuses)
    if case.never_fetched:
        assert len(world.fetched) == before, "a refused chain URL was fetched"


@pytest.mark.parametrize("case", VALID, ids=[c.name for c in VALID])
def test_valid_request_is_answered(world: World, case: Case) -> None:
    response = world.send(case.build(world))
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["response"]["shouldEndSession"], bool)


def test_the_same_valid_request_is_accepted_again_inside_the_window(world: World) -> None:
    """Replays inside 150 s are Amazon's accepted risk (requests are idempotent per requestId)."""
    request = signed(world)
    assert [world.send(request).status_code for _ in range(2)] == [200, 200]


def test_a_chain_server_that_never_answers_times_out(tmp_path: Path) -> None:
    """The real fetch against a socket that accepts and says nothing: the request ends in a 400."""
    pki = make_pki()
    with SilentServer() as silent, endpoint(tmp_path, [pki.root],
                                            lambda _url: fetch_url(silent.url, timeout=0.5)) as url:
        data = body()
        response = requests.post(url, data=data, headers=pki.headers(data), timeout=60)
        assert silent.accepted.wait(30)  # the fetch really reached the silent server
    assert_refused(response, "certificate chain could not be fetched")


def test_a_stalled_chain_fetch_does_not_hold_up_other_requests(tmp_path: Path) -> None:
    """While one request waits on a silent chain server, health checks and signed requests are served."""
    pki = make_pki()
    cached = "https://s3.amazonaws.com/echo.api/cached.pem"

    def fetch(url: str) -> bytes:
        return pki.chain_pem if url == cached else fetch_url(silent.url, timeout=120)

    with SilentServer() as silent, endpoint(tmp_path, [pki.root], fetch) as url, requests.Session() as http:
        data = body()
        assert http.post(url, data=data, headers=pki.headers(data, cached), timeout=30).status_code == 200
        stalled: list[requests.Response] = []
        waiting = threading.Thread(target=lambda: stalled.append(
            requests.post(url, data=data, headers=pki.headers(data, ECHO + "slow.pem"), timeout=300)))
        waiting.start()
        assert silent.accepted.wait(30)
        for _ in range(10):
            fresh = body()
            assert http.post(url, data=fresh, headers=pki.headers(fresh, cached), timeout=30).status_code == 200
            assert http.get(url.replace("/alexa", "/health"), timeout=30).status_code == 200
        assert waiting.is_alive() and not stalled  # still waiting on the silent server all that time
        silent.close()  # the chain server hangs up without a word: that request is refused
        waiting.join(60)
    assert not waiting.is_alive()
    assert_refused(stalled[0], "certificate chain could not be fetched")
