"""Speaking: audio, the espeak-ng voice (pyttsx3), and generated chimes.

pyttsx3 synthesises each phrase to a WAV file, read back as samples: it plays audio through its
own blocking ``aplay`` call and misbehaves when driven from several threads, so it is only asked
to write files, on one thread of its own; the audio itself goes out through
:mod:`local_voice.audio_out` like everything else. The Piper voice is in
:mod:`local_voice.tts_piper`; which voice speaks is chosen in :mod:`local_voice.voices`. Generated
tones mark the start and end of touch timers.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from intents.replies import CueKind

TTS_DRIVER_ENV = "REKINDLE_TTS_DRIVER"


class SpeechError(Exception):
    """Speech synthesis is unavailable or failed (message says what to install).

    The voice loop then carries on with its words as captions on screen.
    """


class SpeechSettingError(SpeechError):
    """A ``--voice`` or ``--rate`` that cannot work (a mistake to fix, not a reason to fall back)."""


class UnknownVoice(SpeechError):
    """No voice has the name ``--voice`` gives (Rekindle then speaks with espeak-ng's default voice)."""


# espeak-ng's own range; from 450 up pyttsx3's espeak driver silently writes no audio (measured, 2.99).
ESPEAK_RATES = range(80, 450)


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit samples at a sample rate; ``timers`` are the (start, end) seconds of its silent
    touch timers, if any."""

    samples: np.ndarray
    rate: int
    timers: tuple[tuple[float, float], ...] = ()

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


class Synthesiser:
    """Text to :class:`Audio` with pyttsx3 (espeak-ng on Linux); usable from any thread.

    pyttsx3 must be created and driven on one thread (it hangs or says "run loop already started"
    otherwise), and it keeps one engine per driver for the whole process; so every pyttsx3 call of
    every Synthesiser runs on one thread of its own, and callers wait for it.
    """

    def __init__(self, voice: str | None = None, rate: int | None = None, volume: float | None = None,
                 driver: str | None = None) -> None:
        driver = driver or os.environ.get(TTS_DRIVER_ENV) or None  # pyttsx3 driver: espeak, nsss, sapi5...
        if (driver or _default_driver()) == "espeak":
            if rate and int(rate) not in ESPEAK_RATES:
                raise SpeechSettingError(f"--rate {rate}: Rekindle speaks from {ESPEAK_RATES.start} to "
                                         f"{ESPEAK_RATES.stop - 1} words per minute (espeak-ng's own default "
                                         "is about 175).")
            _check_espeak()
        self._engine: Any = _on_pyttsx3_thread(lambda: _engine(driver))
        if voice:
            voice_id = self._voice_id(voice)
            _on_pyttsx3_thread(lambda: self._engine.setProperty("voice", voice_id))
        if rate:
            _on_pyttsx3_thread(lambda: self._engine.setProperty("rate", int(rate)))
        if volume is not None:
            _on_pyttsx3_thread(lambda: self._engine.setProperty("volume", max(0.0, min(1.0, float(volume)))))
        self._cache: dict[str, Audio] = {}
        self._dir = tempfile.TemporaryDirectory(prefix="rekindle-tts-")

    def _voice_id(self, wanted: str) -> str:
        """The pyttsx3 voice id for a name, an id or a language ("en-us"), with an espeak-ng variant
        ("+f3") kept."""
        base, plus, variant = wanted.partition("+")
        for v in self.voices():
            if base in (v.id, v.name) or v.id.endswith("/" + base):
                return str(v.id) + plus + variant
        raise UnknownVoice(f"--voice {wanted}: no espeak-ng voice has that name (see 'rekindle voices').")

    def voices(self) -> list[Any]:
        """pyttsx3's voices (``id``, ``name``, ``languages``)."""
        return list(_on_pyttsx3_thread(lambda: self._engine.getProperty("voices")) or [])

    def speak(self, text: str) -> Audio:
        """The audio of ``text`` (cached: the same phrases recur within a ritual)."""
        if text not in self._cache:
            self._cache[text] = _on_pyttsx3_thread(lambda: self._synthesise(text))
        return self._cache[text]

    def _synthesise(self, text: str) -> Audio:
        path = Path(self._dir.name) / "say.wav"
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints the file name
                self._engine.save_to_file(text, str(path))
                self._engine.runAndWait()
                return _written_wav(path)
        except Exception as exc:  # any driver failure, or no file written: speech is not available
            raise SpeechError(f"Speech output failed ({type(exc).__name__}: {exc}).") from exc
        finally:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        self._dir.cleanup()


_pyttsx3_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rekindle-pyttsx3")
T = TypeVar("T")


def _on_pyttsx3_thread(work: Callable[[], T]) -> T:
    return _pyttsx3_thread.submit(work).result()


def _engine(driver: str | None) -> Any:
    try:
        import pyttsx3
        return pyttsx3.init(driver)
    except Exception as exc:  # pyttsx3 raises assorted errors when no speech engine is present
        raise SpeechError(f"Speech output is unavailable ({type(exc).__name__}: {exc}). Install espeak-ng "
                          "(sudo apt-get install espeak-ng), or use --text.") from exc


def _default_driver() -> str:
    return {"darwin": "nsss", "win32": "sapi5"}.get(sys.platform, "espeak")


def _check_espeak() -> None:
    """Start espeak-ng once in a child process first: with its data missing or damaged,
    libespeak-ng calls exit() inside pyttsx3.init(), which would end Rekindle without a word."""
    probe = ("import sys\nfrom pyttsx3.drivers import _espeak as e\n"
             "sys.exit(0 if e.Initialize(e.AUDIO_OUTPUT_RETRIEVAL, 1000) > 0 else 3)")
    try:
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"Speech output is unavailable (espeak-ng did not start: {exc}).") from exc
    if run.returncode != 0:
        said = [line.strip() for line in (run.stderr or "").splitlines() if line.strip()]
        reason = said[-1] if said else f"exit status {run.returncode}"
        fix = ("unset ESPEAK_DATA_PATH or point it at espeak-ng's data folder"
               if os.environ.get("ESPEAK_DATA_PATH") else
               "reinstall it (sudo apt-get install --reinstall espeak-ng espeak-ng-data)")
        raise SpeechError(f"Speech output is unavailable: espeak-ng does not work here ({reason}). "
                          f"To hear Rekindle, {fix}; or use --text.")


def _written_wav(path: Path, patience: float = 5.0) -> Audio:
    """The WAV file pyttsx3's espeak driver writes, once it is complete. The driver writes it from
    espeak-ng's callback, which on a busy machine came after ``runAndWait`` had returned: the file was
    then missing or half written (EOFError), and a later utterance's file was written into a folder
    already gone."""
    deadline = time.monotonic() + patience
    while True:
        try:
            with wave.open(str(path), "rb") as w:
                if path.stat().st_size < 44 + w.getnframes() * w.getsampwidth() * w.getnchannels():
                    raise EOFError("still being written")
            return read_wav(path)
        except (OSError, EOFError, wave.Error):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


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
