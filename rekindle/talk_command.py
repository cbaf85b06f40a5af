"""``rekindle talk``: guide tonight's ritual (text mode here; voice in rekindle.voice_commands)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path
from typing import Any

from intents.engine import Rekindle
from local_voice.barge_in import BARGE_IN_MODES
from local_voice.choices import ASR_CHOICES, ASR_HELP
from local_voice.text_loop import run_text_loop

from . import config
from .errors import UserError

log = logging.getLogger("rekindle.talk")


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "talk",
        help="guide tonight's ritual, hands-free",
        description="Walk the two of you through tonight's ritual. By voice by default; "
        "--text to type instead (type things like: yes, next, repeat, skip, more time, help, stop).",
    )
    p.add_argument("--text", action="store_true", help="type commands and read replies instead of speaking")
    voice = p.add_argument_group("voice")
    voice.add_argument("--input-device", metavar="DEV", help="microphone number or name (see 'rekindle devices')")
    voice.add_argument("--output-device", metavar="DEV", help="speaker number or name (see 'rekindle devices')")
    voice.add_argument("--input-wav", nargs="+", type=Path, metavar="FILE",
                       help="listen to these 16 kHz mono WAV recordings instead of the microphone")
    voice.add_argument("--output-wav", type=Path, metavar="DIR", help="write replies as WAV files into DIR")
    voice.add_argument("--vosk-model", type=Path, metavar="PATH", help="use the Vosk model in this folder")
    voice.add_argument("--asr", choices=ASR_CHOICES, default="auto", help=ASR_HELP)
    voice.add_argument("--locale", default="en-US", help="interaction model to understand (default en-US)")
    voice.add_argument("--voice", help="speech voice name or id (pyttsx3/espeak-ng)")
    voice.add_argument("--rate", type=int, help="speaking rate in words per minute")
    voice.add_argument("--volume", type=float, help="speech volume from 0 to 1")
    voice.add_argument("--device-wait", type=float, metavar="SECONDS",
                       help="if the microphone or speaker goes away mid-ritual, wait this long for it to come "
                       "back before stopping (progress is kept either way; default 120, or $REKINDLE_DEVICE_WAIT)")
    voice.add_argument("--barge-in", choices=BARGE_IN_MODES, default="timers",
                       help="when saying \"stop\" or \"pause\" cuts Rekindle short: during touch timers (default; "
                       "safe with loud speakers), always (also over Rekindle's voice: use with headphones, "
                       "as speakers would let Rekindle hear itself), or off")
    # For demos and tests: scaled touch timers (also REKINDLE_TIMER_SCALE).
    voice.add_argument("--timer-scale", type=float, help=argparse.SUPPRESS)
    p.add_argument("--ritual", metavar="ID", help="run this ritual instead of tonight's choice (see rekindle content)")
    p.set_defaults(handler=talk)
    return p


def talk(args: argparse.Namespace) -> int:
    if args.text:
        log.info("speech recognition: none (text mode: typed commands)")
    else:
        voice = _voice_talk()
        if voice is not None:
            return int(voice(args))
        print("rekindle: voice mode is not available here; running in text mode.", file=sys.stderr)
        log.info("speech recognition: none (text mode: typed commands)")
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
