"""Where Rekindle's voice goes: the speakers through sounddevice, or WAV files."""

from __future__ import annotations

import logging
import time
import wave
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .audio_in import AudioDeviceError, sounddevice
from .tts import Audio

log = logging.getLogger("rekindle.voice.audio")


class Sink(Protocol):
    """Plays (or stores) one reply's audio; ``play`` returns when it has been heard."""

    def play(self, audio: Audio) -> None: ...
    def close(self) -> None: ...


class SpeakerSink:
    """The speakers; a failing device is retried a few times before giving up clearly."""

    def __init__(self, device: str | int | None = None, retries: int = 15, retry_seconds: float = 2.0) -> None:
        sd = sounddevice()
        self._sd: Any = sd
        self.device = device
        self.retries = retries
        self.retry_seconds = retry_seconds
        try:
            sd.query_devices(device, "output")
        except (ValueError, sd.PortAudioError) as exc:
            raise AudioDeviceError(f"No speaker found ({exc}). Check 'rekindle devices', choose one with "
                                   "--output-device, or use --output-wav DIR or --text.") from exc

    def play(self, audio: Audio) -> None:
        if not len(audio.samples):
            return
        for attempt in range(self.retries + 1):
            try:
                self._sd.play(audio.samples, audio.rate, device=self.device, blocking=True)
                return
            except self._sd.PortAudioError as exc:
                if attempt == self.retries:
                    raise AudioDeviceError(f"The speaker stopped working ({exc}). Your progress is kept: "
                                           "run 'rekindle talk' again to continue.") from exc
                log.warning("The speaker stopped; retrying in %.0f s (the ritual is kept).", self.retry_seconds)
                time.sleep(self.retry_seconds)
                self._sd._terminate()
                self._sd._initialize()

    def close(self) -> None:
        pass


class WavSink:
    """Writes each reply to ``DIR/reply-NNN.wav`` instead of playing it (silences in real time are skipped)."""

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AudioDeviceError(f"--output-wav {directory}: {exc.strerror or exc}") from exc
        self.directory = directory
        self.count = 0

    def play(self, audio: Audio) -> None:
        self.count += 1
        path = self.directory / f"reply-{self.count:03d}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(audio.rate)
            w.writeframes(np.asarray(audio.samples, dtype=np.int16).tobytes())

    def close(self) -> None:
        pass
