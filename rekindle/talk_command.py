"""``rekindle talk``: guide tonight's ritual (text mode here; voice in rekindle.voice_commands)."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from intents.engine import Rekindle
from local_voice.text_loop import run_text_loop

from . import config
from .errors import UserError


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "talk",
        help="guide tonight's ritual, hands-free",
        description="Walk the two of you through tonight's ritual. By voice by default; "
        "--text to type instead (type things like: yes, next, repeat, skip, more time, help, stop).",
    )
    p.add_argument("--text", action="store_true", help="type commands and read replies instead of speaking")
    p.add_argument("--ritual", metavar="ID", help="run this ritual instead of tonight's choice (see rekindle content)")
    p.set_defaults(handler=talk)
    return p


def talk(args: argparse.Namespace) -> int:
    if not args.text:
        voice = _voice_talk()
        if voice is not None:
            return int(voice(args))
        print("rekindle: voice mode is not available here; running in text mode.", file=sys.stderr)
    return talk_text(args)


def _voice_talk() -> Any:
    try:
        module = importlib.import_module("rekindle.voice_commands")
    except ImportError:
        return None
    return getattr(module, "talk_voice", None)


def talk_text(args: argparse.Namespace) -> int:
    store = config.open_store()
    try:
        try:
            engine = Rekindle(store, front="text", ritual=args.ritual)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        interactive = sys.stdin.isatty()
        run_text_loop(engine, config.household(), sys.stdin, sys.stdout, prompt="> " if interactive else "")
    finally:
        store.close()
    return 0
