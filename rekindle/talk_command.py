"""``rekindle talk``: guide tonight's ritual (text mode here; voice in rekindle.voice_commands)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from intents.engine import Rekindle, local_now
from local_voice.choices import ASR_CHOICES, ASR_HELP, BARGE_IN_MODES
from text_mode import run_text_loop

from . import config
from .errors import UserError
from .nights import parse_night

EVENING = clock_time(20, 0)

log = logging.getLogger("rekindle.talk")


def register(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "talk",
        help="guide tonight's ritual, hands-free",
        description="Walk the two of you through tonight's ritual. By voice by default; "
        "--text to type instead (type things like: yes, no, next, repeat, more time, swap, help, stop).",
    )
    p.add_argument("--text", action="store_true", help="type commands and read replies instead of speaking")
    text = p.add_argument_group("text mode")
    text.add_argument("--no-wait", action="store_true",
                      help="do not wait out touch moments and quiet reflections (for scripts and tests)")
    text.add_argument("--date", metavar="YYYY-MM-DD",
                      help="run that night's ritual as if it were that night, in the evening "
                      "(recorded in history under that night)")
    voice = p.add_argument_group("voice")
    voice.add_argument("--input-device", metavar="DEV", help="microphone number or name (see 'rekindle devices')")
    voice.add_argument("--output-device", metavar="DEV", help="speaker number or name (see 'rekindle devices')")
    voice.add_argument("--input-wav", nargs="+", type=Path, metavar="FILE",
                       help="listen to these 16 kHz mono WAV recordings instead of the microphone")
    voice.add_argument("--output-wav", type=Path, metavar="DIR", help="write replies as WAV files into DIR")
    voice.add_argument("--vosk-model", type=Path, metavar="PATH", help="use the Vosk model in this folder")
    voice.add_argument("--asr", choices=ASR_CHOICES, default="auto", help=ASR_HELP)
    voice.add_argument("--locale", default="en-US", help="interaction model to understand (default en-US)")
    voice.add_argument("--voice", metavar="NAME",
                       help="Rekindle's voice: piper:joe (the default when installed), piper:FILE.onnx, or an "
                       "espeak-ng voice such as espeak:en-us+f3 (list them with 'rekindle voices')")
    voice.add_argument("--rate", type=int, metavar="WPM",
                       help="speaking rate in words per minute (default 160, a calm bedtime pace; 80 to 449)")
    voice.add_argument("--volume", type=float, help="speech volume from 0 to 1")
    voice.add_argument("--device-wait", type=float, metavar="SECONDS",
                       help="if the microphone or speaker goes away mid-ritual, wait this long for it to come "
                       "back before stopping (progress is kept either way; default 120, or $REKINDLE_DEVICE_WAIT)")
    voice.add_argument("--barge-in", choices=BARGE_IN_MODES, default="timers",
                       help="when saying \"stop\" or \"pause\" cuts Rekindle short: during touch timers (default; "
                       "safe with loud speakers), always (also over Rekindle's voice: use with headphones, "
                       "as speakers would let Rekindle hear itself), or off")
    # For demos and tests: scaled touch timers in voice and text mode (voice also reads REKINDLE_TIMER_SCALE).
    voice.add_argument("--timer-scale", type=float, help=argparse.SUPPRESS)
    p.add_argument("--ritual", metavar="ID",
                   help="run this ritual instead of tonight's choice (ids: rekindle content --list)")
    p.set_defaults(handler=talk)
    return p


def talk(args: argparse.Namespace) -> int:
    if args.text:
        log.info("speech recognition: none (text mode: typed commands)")
        return talk_text(args)
    if args.date or args.no_wait:
        raise UserError(f"{'--date' if args.date else '--no-wait'} is for text mode: add --text.")
    from .voice_commands import talk_voice  # the voice libraries load only now (pip install 'rekindle[voice]')

    return talk_voice(args)


def evening_of(night: date) -> Callable[[], datetime]:
    """A clock on ``night`` in the evening (8 p.m. local time), moving on in real time from there."""
    evening = datetime.combine(night, EVENING).astimezone()
    started = time.monotonic()
    return lambda: evening + timedelta(seconds=time.monotonic() - started)


def talk_text(args: argparse.Namespace) -> int:
    matcher = config.matcher_for(args.locale)
    night = parse_night(args.date) if args.date else None
    store = config.open_store()
    try:
        try:
            engine = Rekindle(store, front="text", ritual=args.ritual,
                              clock=evening_of(night) if night else local_now)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        interactive = sys.stdin.isatty()
        run_text_loop(engine, config.household(), sys.stdin, sys.stdout, matcher,
                      prompt="> " if interactive else "",
                      timer_scale=None if args.no_wait else _text_timer_scale(args.timer_scale))
    finally:
        store.close()
    return 0


def _text_timer_scale(requested: float | None) -> float:
    """Real time unless the hidden --timer-scale says otherwise (0 runs timers out at once)."""
    return 1.0 if requested is None else max(0.0, requested)
