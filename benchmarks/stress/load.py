"""Load: simulated households running whole rituals through ``POST /alexa`` (the ``load`` subcommand).

A real waitress server on loopback (in its own process for the long run, so
the clients do not share its interpreter) serves the real app with request
verification on: every request is signed by the test chain's leaf, and the
signature, chain, timestamp and skill id are checked. Each Alexa user is a
household (the hosted skill's mapping, :func:`skill.envelope.alexa_user`) over
one SQLite store. Every household opens, says yes and "next" until the
closing, again and again; its evenings pass one per completed ritual (the
engine's clock is that household's night), so each ritual is a new one.

Afterwards each household's history in the store must hold exactly the
rituals its client saw complete, each on its own night; any refused or failed
request, or a ritual that does not run to its closing, is an error.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[2] / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import test_alexa_helpers as alexa  # noqa: E402

FIRST_NIGHT = datetime(2026, 1, 1, 21, 0, tzinfo=timezone.utc)
MAX_TURNS = 60
"""More turns than any ritual has: a conversation still open after these is an error."""


class NightPerRitual:
    """The engine's clock and household mapping: a household's evening is the number of its past rituals.

    ``household_of`` runs just before each engine turn in the same thread, so the
    clock knows whose turn it is; night k follows k completed rituals.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        self._current = threading.local()

    def household_of(self, envelope: Any) -> str:
        from skill.envelope import alexa_user

        household = alexa_user(envelope)
        self._current.household = household
        return household

    def __call__(self) -> datetime:
        done = self.store.load(self._current.household).tally.rituals_completed
        return FIRST_NIGHT + timedelta(days=done)


def make_app(db: Path, root_pem: bytes, chain_pem: bytes) -> Any:
    """The real web app, verification on, trusting the test root; S3 serves the chain only at CHAIN_URL."""
    from cryptography import x509

    from intents import Rekindle, SqliteStore
    from skill.handlers import build_skill
    from skill.verification import request_verifiers
    from skill.web import create_app

    def fetch(url: str) -> bytes:
        if url != alexa.CHAIN_URL:
            raise OSError("404 from S3")
        return chain_pem

    store = SqliteStore(db)
    nights = NightPerRitual(store)
    engine = Rekindle(store, front="alexa", clock=nights)
    skill = build_skill(engine, nights.household_of, alexa.SKILL_ID)
    verifiers = request_verifiers(alexa.SKILL_ID, roots=x509.load_pem_x509_certificates(root_pem), fetch=fetch)
    return create_app(skill, verifiers, alexa.SKILL_ID)


def _serve(db: str, root_pem: bytes, chain_pem: bytes, threads: int, port_out: Any) -> None:
    """Child process: the app under waitress until terminated."""
    import logging

    import waitress.server

    logging.disable(logging.WARNING)
    server = waitress.server.create_server(make_app(Path(db), root_pem, chain_pem), host="127.0.0.1", port=0,
                                           threads=threads)
    port_out.put(server.effective_port)
    server.run()


@contextmanager
def server_process(db: Path, pki: alexa.Pki, threads: int) -> Iterator[str]:
    """``POST /alexa`` served by waitress in a separate process; yields its URL."""
    from cryptography.hazmat.primitives import serialization

    context = multiprocessing.get_context("spawn")
    port_out = context.Queue()
    root_pem = pki.root.public_bytes(serialization.Encoding.PEM)
    process = context.Process(target=_serve, args=(str(db), root_pem, pki.chain_pem, threads, port_out),
                              daemon=True)
    process.start()
    try:
        yield f"http://127.0.0.1:{port_out.get(timeout=120)}/alexa"
    finally:
        process.terminate()
        process.join(timeout=10)


@dataclass
class Household:
    """One simulated household's client: what it sent, saw and completed."""

    user_id: str
    requests: int = 0
    completed: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def run_household(url: str, pki: alexa.Pki, home: Household, rituals: int | None, min_requests: int) -> None:
    """Whole rituals (open, yes, next... closing) until ``rituals`` are done or ``min_requests`` were sent."""
    import requests

    with requests.Session() as http:
        def send(event: dict[str, Any]) -> dict[str, Any]:
            body = json.dumps(event).encode()
            headers = pki.headers(body)
            started = time.perf_counter()
            response = http.post(url, data=body, headers=headers, timeout=60)
            home.latencies.append(time.perf_counter() - started)
            home.requests += 1
            if response.status_code != 200:
                raise AssertionError(f"HTTP {response.status_code}: {response.text[:200]}")
            answer: dict[str, Any] = response.json()
            return answer

        talk = alexa.Conversation(send, user_id=home.user_id)
        while (home.completed < rituals) if rituals is not None else (home.requests < min_requests):
            try:
                if not _one_ritual(talk):
                    home.errors.append("a ritual did not reach its closing")
                    continue
            except Exception as exc:  # counted, reported, and the household goes on with the next evening
                home.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            home.completed += 1


def _one_ritual(talk: alexa.Conversation) -> bool:
    """Open, accept and step through to the closing (coming back by "next" where the skill closed the session
    while the couple talks); True once the closing ended the session."""
    if talk.launch()["response"]["shouldEndSession"] is not False:
        return False
    reply = talk.intent("AMAZON.YesIntent")
    for _ in range(MAX_TURNS):
        if reply["response"]["shouldEndSession"] is not False and not alexa.closed_on_purpose(reply):
            return reply["response"]["shouldEndSession"] is True and alexa.ritual_state(reply).get(
                "stage") == "finished"
        reply = talk.intent("AMAZON.NextIntent")
    return False


@dataclass
class LoadResult:
    """Figures of one load run."""

    households: list[Household]
    seconds: float
    history_mismatches: list[str]

    @property
    def requests(self) -> int:
        return sum(h.requests for h in self.households)

    @property
    def errors(self) -> int:
        return sum(len(h.errors) for h in self.households)

    @property
    def completed(self) -> int:
        return sum(h.completed for h in self.households)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(t for h in self.households for t in h.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def run_load(url: str, pki: alexa.Pki, db: Path, households: int, rituals: int | None = None,
             min_requests: int = 0) -> LoadResult:
    """``households`` concurrent clients; then each household's history is checked against its client."""
    homes = [Household(f"amzn1.ask.account.LOAD{n:03d}") for n in range(households)]
    per_home = -(-min_requests // households) if households else 0
    started = time.perf_counter()
    threads = [threading.Thread(target=run_household, args=(url, pki, h, rituals, per_home)) for h in homes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return LoadResult(homes, seconds, history_mismatches(db, homes))


def history_mismatches(db: Path, homes: list[Household]) -> list[str]:
    """Households whose record does not count exactly the rituals their client completed, one per night,
    or whose detail is not the latest of them."""
    from intents import SqliteStore
    from intents.household import DETAIL_NIGHTS

    store = SqliteStore(db)
    mismatches = []
    try:
        for home in homes:
            record = store.load(home.user_id)
            nights = sorted(r.night for r in record.rituals)
            expected = [(FIRST_NIGHT + timedelta(days=k)).date() for k in range(home.completed)]
            counts = (record.tally.rituals_completed, record.tally.nights_together)
            if counts != (home.completed, home.completed) or nights != expected[len(expected) - len(nights):] or (
                    len(nights) < min(home.completed, DETAIL_NIGHTS)):
                mismatches.append(f"{home.user_id}: client completed {home.completed}, store counts {counts[0]}")
    finally:
        store.close()
    return mismatches


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "load", help="concurrent households running whole rituals through POST /alexa",
        description="--households concurrent clients each run whole rituals (launch, yes, next... closing) "
        "through a real waitress server on loopback with verification on, until --requests requests were "
        "sent in all; then every household's history must hold exactly the rituals its client completed. "
        "Prints requests, errors, rituals, requests/s, p50/p99/max latency. Exit 1 on any error or mismatch.")
    p.add_argument("--households", type=int, default=50, help="concurrent households (default 50)")
    p.add_argument("--requests", type=int, default=20_000, help="requests in all, at least (default 20000)")
    p.add_argument("--threads", type=int, default=4, help="waitress worker threads (as rekindle serve)")
    p.set_defaults(handler=load)


def load(args: argparse.Namespace) -> int:
    pki = alexa.make_pki()
    with tempfile.TemporaryDirectory(prefix="rekindle-load-") as folder:
        db = Path(folder) / "load.db"
        with server_process(db, pki, args.threads) as url:
            print(f"load: {args.households} households, at least {args.requests} requests...", file=sys.stderr,
                  flush=True)
            result = run_load(url, pki, db, args.households, min_requests=args.requests)
    print(f"households={args.households} requests={result.requests} errors={result.errors} "
          f"rituals_completed={result.completed} history_mismatches={len(result.history_mismatches)} "
          f"seconds={result.seconds:.0f} requests_per_s={result.requests / result.seconds:.0f} "
          f"p50_ms={result.percentile_ms(0.5):.1f} p99_ms={result.percentile_ms(0.99):.1f} "
          f"max_ms={result.percentile_ms(1.0):.1f} waitress_threads={args.threads} cpus={os.cpu_count()}",
          flush=True)
    for home in result.households:
        for error in home.errors[:3]:
            print(f"  error {home.user_id}: {error}", flush=True)
    for mismatch in result.history_mismatches:
        print(f"  history: {mismatch}", flush=True)
    return 1 if result.errors or result.history_mismatches else 0
