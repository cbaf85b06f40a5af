"""Speaking: pyttsx3 synthesises each phrase to a WAV file, read back as samples.

pyttsx3 plays audio through its own blocking ``aplay`` call and misbehaves
when driven from several threads, so it is only asked to write files; the
audio itself goes out through :mod:`local_voice.audio_out` like everything
else. Generated tones mark the start and end of touch timers.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intents.replies import CueKind


class SpeechError(Exception):
    """Speech synthesis is unavailable (message says what to install)."""


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit samples at a sample rate."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


class Synthesiser:
    """Text to :class:`Audio` with pyttsx3, on the calling thread only."""

    def __init__(self, voice: str | None = None, rate: int | None = None, volume: float | None = None) -> None:
        try:
            import pyttsx3
            self._engine: Any = pyttsx3.init()
        except Exception as exc:  # pyttsx3 raises assorted errors when no speech engine is present
            raise SpeechError(f"Speech output is unavailable ({exc}). Install espeak-ng "
                              "(sudo apt-get install espeak-ng) or use --text.") from exc
        self._thread = threading.get_ident()
        if voice:
            self._engine.setProperty("voice", self._voice_id(voice))
        if rate:
            self._engine.setProperty("rate", int(rate))
        if volume is not None:
            self._engine.setProperty("volume", max(0.0, min(1.0, float(volume))))
        self._cache: dict[str, Audio] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="rekindle-tts-")

    def _voice_id(self, wanted: str) -> str:
        voices = self._engine.getProperty("voices") or []
        for v in voices:
            if wanted in (v.id, v.name) or v.id.endswith("/" + wanted):
                return str(v.id)
        names = ", ".join(sorted({str(v.name) for v in voices})[:12])
        raise SpeechError(f"No voice called {wanted!r}. Some available voices: {names}")

    def speak(self, text: str) -> Audio:
        """The audio of ``text`` (cached: the same phrases recur within a ritual)."""
        if threading.get_ident() != self._thread:
            raise RuntimeError("Synthesiser must be used on the thread that created it")
        if text not in self._cache:
            path = Path(self._dir.name) / "say.wav"
            with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints the file name
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
            self._cache[text] = read_wav(path)
            path.unlink(missing_ok=True)
        return self._cache[text]

    def close(self) -> None:
        self._dir.cleanup()


def read_wav(path: Path) -> Audio:
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise SpeechError(f"{path} is not 16-bit audio")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        if w.getnchannels() > 1:
            data = data.reshape(-1, w.getnchannels())[:, 0]
        return Audio(data.copy(), w.getframerate())


def silence(seconds: float, rate: int) -> Audio:
    return Audio(np.zeros(max(0, int(seconds * rate)), dtype=np.int16), rate)


def tone(kind: CueKind, rate: int) -> Audio:
    """A soft chime: rising for a start, falling for an end, with gentle fades."""
    notes = (523.25, 659.25) if kind is CueKind.TOUCH_START else (659.25, 523.25)
    parts = []
    for freq in notes:
        t = np.arange(int(0.35 * rate)) / rate
        envelope = np.minimum(1.0, t / 0.03) * np.exp(-4.0 * t)
        parts.append(0.25 * envelope * np.sin(2 * np.pi * freq * t))
    wave_ = np.concatenate(parts)
    return Audio((wave_ * 32767).astype(np.int16), rate)
