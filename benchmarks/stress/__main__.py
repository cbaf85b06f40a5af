"""Command line for the stress runs: ``python -m benchmarks.stress {fuzz,crash} ...``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import crash, fuzz, load, web_fuzz


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stress",
        description="Long hardening runs for Rekindle. Each prints its figures and exits 1 on any failure.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (fuzz, crash, web_fuzz, load):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
