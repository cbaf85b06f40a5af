"""Fuzzing the Alexa front ends: ``POST /alexa`` (signed and unsigned) and the Lambda handler.

Targets plug into :mod:`benchmarks.stress.fuzz`'s harness (same batches, failure
counting and memory samples) under the ``web-fuzz`` subcommand:

- ``web-raw``: any bytes, JSON or near-valid envelopes, with any header set and
  method, against the web app with verification on: never a 5xx; a refusal is
  JSON with a reason and no stack trace.
- ``web-signed``: envelopes with parts replaced by generated JSON (garbage
  session state included), correctly signed and timely, so they pass
  verification and reach the skill: answered (200) or refused (400), never 5xx.
- ``lambda``: the same envelopes as Lambda events: a response, or the SDK's
  refusal (``AskSdkException``); any other exception is a crash.

The web app runs through Flask's test client (the full WSGI app, no socket),
over a SQLite store in a temporary folder, with the test PKI of the tests.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import json
import logging
import resource
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from . import strategies as s
from .fuzz import Target, run_target

TESTS = Path(__file__).resolve().parents[2] / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import test_alexa_helpers as alexa  # noqa: E402

from interaction_models import language_model  # noqa: E402

SERVER_ERROR = 500
METHODS = ("POST",) * 8 + ("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
PATHS = ("/alexa",) * 8 + ("/alexa/", "/ALEXA", "/health", "/", "/alexa?x=1", "/%00")


@dataclass
class Web:
    """The app under fuzzing and what is needed to sign for it."""

    client: Any
    pki: alexa.Pki
    lambda_handler: Callable[[dict[str, Any], Any], Any]


@cache
def web() -> Web:
    """One app, one Lambda handler and one PKI per process (S3 serves the chain only at CHAIN_URL)."""
    from intents import Rekindle, SqliteStore
    from skill.envelope import alexa_user, one_household
    from skill.handlers import build_skill
    from skill.lambda_function import make_lambda_handler
    from skill.verification import request_verifiers
    from skill.web import create_app

    pki = alexa.make_pki()
    folder = Path(tempfile.mkdtemp(prefix="rekindle-web-fuzz-"))
    atexit.register(shutil.rmtree, folder, True)  # the stores live as long as the process

    def fetch(url: str) -> bytes:
        if url != alexa.CHAIN_URL:
            raise OSError("404 from S3")
        return pki.chain_pem

    engine = Rekindle(SqliteStore(folder / "web.db"), front="alexa")
    app = create_app(build_skill(engine, one_household("home"), alexa.SKILL_ID),
                     request_verifiers(alexa.SKILL_ID, roots=[pki.root], fetch=fetch), alexa.SKILL_ID)
    lambda_engine = Rekindle(SqliteStore(folder / "lambda.db"), front="alexa")
    handler = make_lambda_handler(lambda_engine, alexa_user, alexa.SKILL_ID)
    return Web(app.test_client(), pki, handler)


# ----- strategies ---------------------------------------------------------------------------------


@cache
def _intents() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((i["name"], tuple(sl["name"] for sl in i.get("slots", []))) for i in language_model()["intents"])


REQUEST_KINDS = st.sampled_from(["launch", "intent", "intent", "intent", "ended", "disabled", "unknown"])
END_REASONS = st.sampled_from(["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"])
UNKNOWN_INTENTS = st.one_of(st.sampled_from(["AMAZON.ScrollUpIntent", ""]), s.odd_text)
SLOT_VALUES = st.one_of(st.none(), s.odd_text, st.sampled_from(["twenty", "Sam", "ten"]))
ATTRIBUTES = st.one_of(st.just({}), st.builds(lambda g: {"rekindle": g}, s.garbage_states))
USERS = st.one_of(st.sampled_from(["amzn1.ask.account.A", "amzn1.ask.account.B"]), s.odd_text)
MUTATIONS = st.integers(min_value=0, max_value=3)


@st.composite
def alexa_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A request body as Alexa would send: launch, a model intent with slot values, session end, skill event."""
    kind = draw(REQUEST_KINDS)
    if kind == "launch":
        return alexa.launch_request()
    if kind == "ended":
        return alexa.session_ended_request(draw(END_REASONS))
    if kind == "disabled":
        return alexa.skill_disabled_event()
    if kind == "unknown":
        return alexa.intent_request(draw(UNKNOWN_INTENTS), declared=False)
    name, slots = draw(st.sampled_from(_intents()))
    values = {slot: draw(SLOT_VALUES) for slot in slots}
    return alexa.intent_request(name, values)


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A real envelope (fresh timestamp, this skill) with up to three places replaced, removed or added."""
    request = draw(alexa_requests())
    new = draw(st.booleans())
    event = request["type"].startswith("AlexaSkillEvent")
    env = alexa.envelope(request, session_id=None if event else "s", new=new, attributes=draw(ATTRIBUTES),
                         user_id=draw(USERS))
    for _ in range(draw(MUTATIONS)):
        path = draw(st.sampled_from(s.paths(env)))
        if not path:
            continue
        parent: Any = env
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(s.json_values)
    return env


def _encode(env: dict[str, Any]) -> bytes:
    return json.dumps(env).encode("utf-8", "surrogatepass")


def _damaged(data: bytes, cut: int, flip: int) -> bytes:
    if not data:
        return data
    cut, flip = cut % (len(data) + 1), flip % len(data)
    return data[:flip] + bytes([data[flip] ^ 0x20]) + data[flip + 1:cut]


raw_bodies = st.one_of(
    st.binary(max_size=2000),
    st.text(s.any_char, max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    s.json_values.map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass")),
    envelopes().map(_encode),
    st.builds(_damaged, envelopes().map(_encode), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.sampled_from([0, 1, 256 * 1024, 256 * 1024 + 1, 1024 * 1024]).map(lambda n: b"{" + b" " * n + b"}"),
)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=200)
chain_urls = st.one_of(header_text, st.sampled_from([
    alexa.CHAIN_URL, "https://s3.amazonaws.com/echo.api/other.pem", "http://s3.amazonaws.com/echo.api/x.pem",
    "https://s3.amazonaws.com:99999/echo.api/x.pem", "https://[::1/echo.api/", "https://s3.amazonaws.com/%2e%2e/",
    "https://u@s3.amazonaws.com/echo.api/x.pem", ""]))
header_sets = st.fixed_dictionaries({}, optional={
    "Signature-256": st.one_of(header_text, st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())),
    "SignatureCertChainUrl": chain_urls,
    "Content-Type": st.one_of(header_text, st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data; boundary=x",
         "application/x-www-form-urlencoded", "application/json; charset=latin-1"])),
    "Signature": header_text,
    "Accept": header_text,
    "X-Forwarded-For": header_text,
    "Content-Encoding": st.sampled_from(["gzip", "identity", "x"]),
})


# ----- checks and targets --------------------------------------------------------------------------


def check_web_response(status: int, text: str, content_type: str) -> None:
    """Never a server error; a refusal of ``POST /alexa`` is JSON with a reason and no stack trace."""
    assert status < SERVER_ERROR, f"HTTP {status}: {text[:300]}"
    assert "Traceback" not in text and 'File "' not in text, "stack trace in the response"
    if status == 400:
        assert content_type.startswith("application/json"), content_type
        assert json.loads(text)["reason"], "refusal without a reason"


def web_raw(body: bytes, headers: dict[str, str], method: str, path: str) -> None:
    """Anything at all, unsigned or badly signed."""
    response = web().client.open(path, method=method, data=body, headers=headers)
    check_web_response(response.status_code, response.get_data(as_text=True), response.content_type or "")


def web_signed(env: dict[str, Any], extra: dict[str, str]) -> None:
    """Generated envelopes that pass verification: the skill answers or refuses, never fails."""
    w = web()
    body = _encode(env)
    headers = {**{k: v for k, v in extra.items() if k not in ("Signature-256", "SignatureCertChainUrl",
                                                                "Content-Type")}, **w.pki.headers(body)}
    response = w.client.post("/alexa", data=body, headers=headers)
    text = response.get_data(as_text=True)
    check_web_response(response.status_code, text, response.content_type or "")
    if response.status_code == 200:
        answer = json.loads(text)
        assert isinstance(answer.get("response"), dict), text[:300]
        end = answer["response"].get("shouldEndSession")
        assert end is None or isinstance(end, bool), text[:300]


def lambda_event(env: dict[str, Any]) -> None:
    """The Lambda handler: a response dict, or the SDK's own refusal of a malformed event."""
    from ask_sdk_runtime.exceptions import AskSdkException

    try:
        answer = web().lambda_handler(json.loads(_encode(env).decode("utf-8", "surrogatepass")), None)
    except AskSdkException:
        return
    assert isinstance(answer, dict) and isinstance(answer.get("response"), dict), repr(answer)[:300]
    json.dumps(answer)  # what Lambda returns to Alexa must serialise


TARGETS: dict[str, Target] = {
    "web-raw": Target("web-raw", web_raw, {"body": raw_bodies, "headers": header_sets,
                                           "method": st.sampled_from(METHODS), "path": st.sampled_from(PATHS)}),
    "web-signed": Target("web-signed", web_signed, {"env": envelopes(), "extra": header_sets}),
    "lambda": Target("lambda", lambda_event, {"env": envelopes()}),
}


# ----- the long run -------------------------------------------------------------------------------


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "web-fuzz", help="generated requests against POST /alexa and the Lambda handler",
        description="Split --examples generated requests and header sets over the web targets (unsigned and "
        "signed POST /alexa, the Lambda handler); count 5xx and crashes instead of stopping; print examples, "
        "failures, time and memory. Exit 1 on any failure.")
    p.add_argument("--examples", type=int, default=100_000, help="examples in all (default 100000)")
    p.add_argument("--target", action="append", choices=sorted(TARGETS),
                   help="run only this target (repeatable; default: all)")
    p.set_defaults(handler=web_fuzz)


def web_fuzz(args: argparse.Namespace) -> int:
    logging.disable(logging.CRITICAL)  # every refusal logs a warning; the figures are the output here
    names = args.target or list(TARGETS)
    per_target = -(-max(args.examples, 1) // len(names))
    web()
    start_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    total = failures = 0
    for name in names:
        print(f"web-fuzz {name}: {per_target} examples...", file=sys.stderr, flush=True)
        tally = run_target(TARGETS[name], per_target)
        total += tally.examples
        failures += tally.failures
        samples = tally.rss_samples_kib
        print(f"target={name} examples={tally.examples} failures={tally.failures} seconds={tally.seconds:.0f} "
              f"rss_mib_first_batch={samples[0] / 1024:.1f} rss_mib_last_batch={samples[-1] / 1024:.1f}",
              flush=True)
        for failure in tally.first_failures:
            print(f"  failure: {failure}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"total examples={total} failures={failures} peak_rss_mib={peak / 1024:.1f} "
          f"peak_rss_growth_mib={(peak - start_kib) / 1024:.1f}", flush=True)
    return 1 if failures else 0
