"""Throughput and latency of the self-hosted skill endpoint beside a bare Flask JSON echo.

    .venv/bin/python -m benchmarks.alexa_endpoint [--seconds 10] [--clients 50] [--threads 4] [--paced 200]

One waitress server (in its own process, so the load generator does not share
its interpreter) serves both routes of one Flask app:

- ``POST /alexa``: the real skill with request verification on (signature,
  chain, timestamp, skill id; the chain cached after its first fetch) over a
  real SQLite store. Only the trust roots and the chain fetch point at a CA
  made for this run, as in the tests.
- ``POST /echo``: a bare Flask view returning the JSON it was sent.

50 keep-alive clients on loopback send pre-signed requests (alternately a
LaunchRequest and a NextIntent mid-ritual, which saves progress) for a fixed
time per endpoint, in alternating rounds: first as fast as they can
(throughput), then together offering a steady ``--paced`` rate (latency below
saturation). Prints a Markdown table with requests/s, p50 and p99, and exits
non-zero if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1] / "tests"
HOUSEHOLD = "home"
ENDPOINTS = (("/alexa", "POST /alexa (verified skill)"), ("/echo", "POST /echo (bare Flask JSON)"))


def _serve(root_pem: bytes, chain_pem: bytes, skill_id: str, threads: int, home: str,
           port_out: Any) -> None:
    """Child process: the skill app plus an echo route under one waitress server."""
    os.environ["REKINDLE_HOME"] = home
    import logging

    import waitress.server
    from cryptography import x509
    from flask import jsonify, request

    from intents.engine import Rekindle
    from rekindle import config
    from skill.envelope import one_household
    from skill.handlers import build_skill
    from skill.verification import request_verifiers
    from skill.web import create_app

    logging.disable(logging.WARNING)
    engine = Rekindle(config.open_store(), front="alexa", ritual="appreciation-exchange")
    skill = build_skill(engine, one_household(HOUSEHOLD), skill_id)
    verifiers = request_verifiers(skill_id, roots=x509.load_pem_x509_certificates(root_pem),
                                  fetch=lambda _url: chain_pem)
    app = create_app(skill, verifiers, skill_id)

    @app.post("/echo")
    def echo() -> Any:
        return jsonify(request.get_json())

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=threads)
    port_out.put(server.effective_port)
    server.run()


@dataclass
class Result:
    """Latencies and counts for one endpoint at one load."""

    name: str
    count: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _client(port: int, path: str, requests: list[tuple[bytes, bytes]], start: int, stop_at: float,
                  warm_until: float, interval: float, latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = start
    next_at = time.perf_counter() + interval * (start % 50) / 50
    try:
        while (now := time.perf_counter()) < stop_at:
            if interval:
                if now < next_at:
                    await asyncio.sleep(next_at - now)
                    now = time.perf_counter()
                next_at += interval
            head, body = requests[i % len(requests)]
            i += 1
            writer.write(head + body)
            await writer.drain()
            header = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in header.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            if now >= warm_until:
                latencies.append(time.perf_counter() - now)
                if not header.startswith(b"HTTP/1.1 200"):
                    errors.append(1)
    finally:
        writer.close()


async def _load(port: int, name: str, path: str, bodies: list[tuple[bytes, dict[str, str]]], clients: int,
                seconds: float, warmup: float, rate: float = 0.0) -> Result:
    """Run ``clients`` connections for ``seconds``: as fast as they can, or together offering ``rate`` req/s."""
    prepared = []
    for body, headers in bodies:
        lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
                 f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        prepared.append((("\r\n".join(lines) + "\r\n\r\n").encode(), body))
    latencies: list[float] = []
    errors: list[int] = []
    begin = time.perf_counter()
    warm_until, stop_at = begin + warmup, begin + warmup + seconds
    interval = clients / rate if rate else 0.0
    await asyncio.gather(*(_client(port, path, prepared, n, stop_at, warm_until, interval, latencies, errors)
                           for n in range(clients)))
    return Result(name, len(latencies), len(errors), seconds, latencies)


def _bodies(pki: Any, skill_id: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Signed Launch and mid-ritual Next requests with fresh timestamps."""
    sys.path.insert(0, str(TESTS))
    from test_alexa_helpers import envelope, intent_request, launch_request

    from intents.engine import Rekindle
    from intents.household.sqlite import SqliteStore

    with tempfile.TemporaryDirectory() as tmp:
        engine = Rekindle(SqliteStore(Path(tmp) / "state.db"), front="alexa", ritual="appreciation-exchange")
        engine.handle(HOUSEHOLD, _command("open"))
        state = engine.handle(HOUSEHOLD, _command("yes")).state
    out = []
    for n in range(count):
        request = launch_request() if n % 2 == 0 else intent_request("AMAZON.NextIntent")
        env = envelope(request, session_id=f"amzn1.echo-api.session.bench-{n}", new=n % 2 == 0,
                       attributes={} if n % 2 == 0 else {"rekindle": state}, application_id=skill_id)
        body = json.dumps(env).encode()
        out.append((body, {k: v for k, v in pki.headers(body).items() if k != "Content-Type"}))
    return out


def _command(kind: str) -> Any:
    from intents.commands import Command

    return Command.of(kind)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; non-zero if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--clients", type=int, default=50, help="concurrent keep-alive connections")
    parser.add_argument("--threads", type=int, default=4, help="waitress worker threads (as rekindle serve)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per endpoint")
    parser.add_argument("--paced", type=float, default=200.0,
                        help="also measure latency with the clients together offering this many req/s (0: skip)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(TESTS))
    from cryptography.hazmat.primitives import serialization
    from test_alexa_helpers import SKILL_ID, make_pki

    pki = make_pki()
    root_pem = pki.root.public_bytes(serialization.Encoding.PEM)
    home = tempfile.mkdtemp(prefix="rekindle-bench-")
    context = multiprocessing.get_context("spawn")
    port_out = context.Queue()
    server = context.Process(target=_serve, args=(root_pem, pki.chain_pem, SKILL_ID, args.threads, home,
                                                  port_out), daemon=True)
    server.start()
    loads = [("as fast as possible", 0.0)] + ([(f"{args.paced:g} req/s offered", args.paced)] if args.paced else [])
    results: dict[tuple[str, str], Result] = {
        (load, path): Result(name, 0, 0, 0.0, []) for load, _ in loads for path, name in ENDPOINTS}
    try:
        port = int(port_out.get(timeout=60))
        bodies = _bodies(pki, SKILL_ID, 400)
        slice_seconds = args.seconds / args.rounds
        for load, rate in loads:
            for _ in range(args.rounds):  # alternate, so drift on a shared machine hits both alike
                for path, name in ENDPOINTS:
                    part = asyncio.run(_load(port, name, path, bodies, args.clients, slice_seconds,
                                             args.warmup / args.rounds, rate))
                    total = results[(load, path)]
                    total.count += part.count
                    total.errors += part.errors
                    total.seconds += part.seconds
                    total.latencies += part.latencies
    finally:
        server.terminate()
        server.join(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
    print(f"{args.clients} clients, waitress {args.threads} threads, {os.cpu_count()} CPUs, "
          f"{args.seconds:g} s per endpoint and load in {args.rounds} alternating rounds\n")
    print("| endpoint | load | requests | errors | requests/s | p50 ms | p99 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for (load, _path), r in results.items():
        print(f"| {r.name} | {load} | {r.count} | {r.errors} | {r.rate:.0f} | {r.percentile(0.5):.1f} | "
              f"{r.percentile(0.99):.1f} |")
    alexa, echo = results[(loads[0][0], "/alexa")], results[(loads[0][0], "/echo")]
    ratio = echo.rate / alexa.rate if alexa.rate else float("inf")
    print(f"\nFlat out, the bare echo serves {ratio:.2f}x the requests/s of the verified skill; median latency "
          f"ratio {statistics.median(alexa.latencies) / statistics.median(echo.latencies):.2f}x.")
    return 0 if all(r.errors == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
