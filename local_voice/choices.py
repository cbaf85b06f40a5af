"""Names the command line offers for speech recognition, importable without any voice library."""

from __future__ import annotations

from typing import Literal, get_args

BargeInMode = Literal["timers", "always", "off"]
"""When the microphone listens while Rekindle plays: in touch timers' silence, throughout, never."""
BARGE_IN_MODES: tuple[BargeInMode, ...] = get_args(BargeInMode)

ASR_CHOICES = ("auto", "whisper", "pocketsphinx", "vosk")
"""``--asr``: auto picks the best installed (see :mod:`local_voice.engines`)."""
WHISPER_SIZES = ("tiny.en", "base.en", "small.en")
"""Whisper models ``rekindle models download whisper --size`` can fetch, smallest first."""
ASR_HELP = ("speech recognition: auto (default; Whisper checked by a grammar decoder when a Whisper model is "
            "installed, else Vosk or PocketSphinx alone), whisper, pocketsphinx or vosk")
