"""Listening: where utterances come from, and WAV recordings as one such source.

Sources yield :class:`Utterance` objects (16 kHz mono 16-bit PCM, cut by the endpointer of
:mod:`local_voice.endpointer`) and can be muted: while Rekindle speaks, microphone audio
(:mod:`local_voice.microphone`) never reaches the conversation, so Rekindle never answers itself; it
is thrown away or handed to a barge-in listener (:mod:`local_voice.barge_in`). Audio lives only in
memory.
"""

from __future__ import annotations

import time
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .asr import BYTES_PER_SECOND, SAMPLE_RATE
from .endpointer import Segmenter


class AudioDeviceError(Exception):
    """An audio device is missing or failed (message says what to try)."""


class DeviceLost(AudioDeviceError):
    """A device that was working went away mid-ritual (unplugged, sound server stopped).

    The loop pauses, retries for a while and carries on when it comes back
    (see :meth:`local_voice.loop.VoiceLoop.recover`); the session is kept in the store.
    """


@dataclass(frozen=True)
class Utterance:
    """One stretch of speech and when it ended (``time.perf_counter`` seconds)."""

    pcm: bytes
    ended_at: float

    @property
    def seconds(self) -> float:
        return len(self.pcm) / BYTES_PER_SECOND


class Source(Protocol):
    """Where utterances come from."""

    def utterances(self) -> Iterator[Utterance]: ...
    def mute(self, muted: bool) -> None: ...
    def divert(self, feed: Callable[[bytes], None] | None) -> None:
        """While muted, hand the audio to ``feed`` (barge-in) instead of discarding it; None to discard."""
        ...
    def close(self) -> None: ...
    def reopen(self) -> None: ...
    def listen_ahead(self, on_pause: Callable[[bytes | None], None] | None) -> None:
        """Offer the utterance so far when speech pauses (see :attr:`Segmenter.on_pause`); None to stop."""
        ...


def read_pcm(path: Path) -> bytes:
    """A WAV file as 16 kHz mono 16-bit PCM (clear error otherwise)."""
    try:
        with wave.open(str(path), "rb") as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (SAMPLE_RATE, 1, 2):
                raise AudioDeviceError(
                    f"{path}: need 16 kHz mono 16-bit WAV, got {w.getframerate()} Hz, "
                    f"{w.getnchannels()} channel(s), {8 * w.getsampwidth()}-bit. "
                    f"Convert with: sox {path} -r 16000 -c 1 -b 16 out.wav")
            return w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        reason = str(exc).strip() or ("it is empty" if _size(path) == 0 else "it ends before its header does")
        raise AudioDeviceError(f"{path}: not a readable WAV file ({reason}).") from exc
    except OSError as exc:
        raise AudioDeviceError(f"{path}: {exc.strerror or exc}") from exc


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


class WavSource:
    """Recordings instead of the microphone: each file is endpointed like live audio, in order."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._audio = [read_pcm(p) for p in paths]
        self._on_pause: Callable[[bytes | None], None] | None = None

    def listen_ahead(self, on_pause: Callable[[bytes | None], None] | None) -> None:
        self._on_pause = on_pause

    def utterances(self) -> Iterator[Utterance]:
        for pcm in self._audio:
            segmenter = Segmenter()
            segmenter.on_pause = self._on_pause
            stream = pcm + b"\0\0" * SAMPLE_RATE  # trailing silence closes the last utterance
            step = segmenter.frame_bytes
            for offset in range(0, len(stream) - step + 1, step):
                done = segmenter.feed(stream[offset:offset + step])
                if done:
                    yield Utterance(done, time.perf_counter())
            rest = segmenter.flush()
            if rest:
                yield Utterance(rest, time.perf_counter())

    def mute(self, muted: bool) -> None:
        pass

    def divert(self, feed: Callable[[bytes], None] | None) -> None:
        pass  # recordings are heard one after another, never while Rekindle speaks

    def close(self) -> None:
        pass

    def reopen(self) -> None:
        pass


def rms(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(x**2))) if x.size else 0.0
