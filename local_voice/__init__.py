"""Offline voice adapter: recognition, understanding and speech on a laptop (see local_voice/README.md).

Public face: :func:`load_recogniser` picks PocketSphinx (embedded) or Vosk;
:class:`VoiceLoop` runs a conversation between a :class:`~local_voice.audio_in.Source`
(microphone or WAV files) and a :class:`~local_voice.audio_out.Sink` (speakers or WAV files).
Heavy libraries (numpy, pocketsphinx, vosk, sounddevice, pyttsx3) are imported only when used, so
the package imports on a core install without the voice extra (text mode is a front of its own:
:mod:`text_mode`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .asr import ModelError, Recogniser, Recognition
    from .engines import load_recogniser
    from .loop import Voice, VoiceLoop

_HOMES = {"ModelError": "asr", "Recogniser": "asr", "Recognition": "asr", "load_recogniser": "engines",
          "Voice": "loop", "VoiceLoop": "loop"}

__all__ = ["ModelError", "Recogniser", "Recognition", "Voice", "VoiceLoop", "load_recogniser"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
