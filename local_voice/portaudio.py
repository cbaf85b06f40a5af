"""PortAudio through sounddevice: loading it with a clear error, and making it look for devices afresh."""

from __future__ import annotations

import logging
from typing import Any

from .audio_in import AudioDeviceError
from .native import native_stderr_to_debug

log = logging.getLogger("rekindle.voice.audio")


def restart_portaudio(sd: Any) -> None:
    """Make PortAudio list devices afresh (it keeps the list it found at start). Close streams first."""
    with native_stderr_to_debug(log):
        sd._terminate()
        sd._initialize()


def sounddevice() -> Any:
    """The sounddevice module, or a clear error when PortAudio is missing."""
    try:
        import sounddevice as sd
    except OSError as exc:
        raise AudioDeviceError("Audio needs PortAudio: sudo apt-get install libportaudio2. "
                               "Or use 'rekindle talk --text' to type and read instead.") from exc
    return sd
