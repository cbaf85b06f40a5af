"""``rekindle``: the command line. Each command group registers itself from its own module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from intents.content import ContentError
from intents.household import StoreError

from . import core_commands, talk_command
from .errors import UserError, missing_extra

EPILOG = """\
examples:
  rekindle talk                 guide tonight's ritual by voice (text with --text)
  rekindle tonight --json       what tonight's ritual will be
  rekindle history              rituals you have shared
  rekindle forget               delete everything Rekindle stores about you

Data lives in the user data folder (override with REKINDLE_HOME); the store is
chosen by REKINDLE_STORE (sqlite:///path/file.db or dynamodb://TABLE).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rekindle",
        description="Rekindle guides a couple through a short nightly ritual of connection, by voice.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for per-turn timings; never what partners say)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    talk_command.register(sub)
    core_commands.register(sub)
    for optional in ("rekindle.alexa_commands", "rekindle.voice_commands"):
        try:
            module = __import__(optional, fromlist=["register"])
        except ImportError:
            continue
        except Exception as exc:  # one broken front end must not take the others down
            print(f"rekindle: {optional} could not load ({type(exc).__name__}); its commands are missing.",
                  file=sys.stderr)
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (StoreError, ContentError, UserError) as exc:
        print(f"rekindle: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        hint = missing_extra(exc)
        if hint is None:
            raise
        print(f"rekindle: {hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nrekindle: stopped. Anything mid-ritual is kept for later tonight.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
