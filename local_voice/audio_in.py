"""Listening: the microphone or WAV files, cut into utterances by a voice activity endpointer.

Sources yield :class:`Utterance` objects (16 kHz mono 16-bit PCM) and can be
muted: while Rekindle speaks, microphone audio never reaches the conversation,
so Rekindle never answers itself; it is thrown away or handed to a barge-in
listener (:mod:`local_voice.barge_in`). Audio lives only in memory.
"""

from __future__ import annotations

import logging
import queue
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .asr import BYTES_PER_SECOND, SAMPLE_RATE
from .native import native_stderr_to_debug

log = logging.getLogger("rekindle.voice.audio")


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


# Quiet frames (30 ms each) inside speech after which the speech so far is offered to ``on_pause``: the
# endpointer closes an utterance only once most of its 0.3 s window is quiet, so work started here (an
# open transcript, see local_voice.hearing) is mostly done by then.
PAUSE_FRAMES = 3


class Segmenter:
    """Cuts a stream of frames into utterances with PocketSphinx's WebRTC-based endpointer.

    ``on_pause``, if set, is called with the audio of the utterance so far (pre-roll included) when speech
    has paused for ``PAUSE_FRAMES`` frames, and with None when speech resumes after that or the stream is
    reset: the utterance that ends next is, give or take a few quiet frames, the audio last offered.
    """

    def __init__(self, window: float = 0.3, max_seconds: float = 15.0, pre_roll: float = 0.5) -> None:
        from pocketsphinx import Endpointer, Vad

        self._window = window
        self._ep = Endpointer(window=window, sample_rate=SAMPLE_RATE)
        self._vad = Vad(Vad.LOOSE, SAMPLE_RATE)
        self.on_pause: Callable[[bytes | None], None] | None = None
        self._raw = bytearray()  # the utterance so far as heard, not delayed by the endpointer's window
        self._quiet = 0
        self._offered = False
        self.frame_bytes: int = self._ep.frame_bytes
        self._buffer = bytearray()
        self.max_bytes = int(max_seconds * BYTES_PER_SECOND)
        self._pre_roll_bytes = 2 * int(pre_roll * SAMPLE_RATE)
        # Recent input, so speech the VAD noticed late keeps its onset; fed_bytes is its stream end.
        self._recent = bytearray()
        self._recent_limit = 2 * int((window + pre_roll + 0.2) * SAMPLE_RATE)
        self._fed_bytes = 0

    def feed(self, frame: bytes) -> bytes | None:
        """Feed one frame; returns a finished utterance's audio when speech just ended.

        The VAD only declares speech once most of its window is voiced, so soft onsets
        ("extend", "so", "have") come before its start; ``pre_roll`` seconds of the audio
        before that start are kept with the utterance.
        """
        was_speaking = self._ep.in_speech
        self._recent.extend(frame)
        self._fed_bytes += len(frame)
        if len(self._recent) > self._recent_limit:
            del self._recent[:len(self._recent) - self._recent_limit]
        speech = self._ep.process(frame)
        if speech is not None:
            if not self._buffer:
                self._buffer.extend(self._before_start())
                self._raw = bytearray(self._before_start()) + self._recent[len(self._recent) - self._since_start():]
            self._buffer.extend(speech)
        if self.on_pause is not None and self._ep.in_speech and was_speaking:
            self._watch_pause(frame)
        if (was_speaking and not self._ep.in_speech) or len(self._buffer) > self.max_bytes:
            return self._take()
        return None

    def _since_start(self) -> int:
        """Bytes of input from the endpointer's speech start to now."""
        start = 2 * int(float(self._ep.speech_start) * SAMPLE_RATE)
        return max(0, min(len(self._recent), self._fed_bytes - start))

    def _watch_pause(self, frame: bytes) -> None:
        self._raw.extend(frame)
        if len(frame) == self.frame_bytes and self._vad.is_speech(frame):
            self._quiet = 0
            if self._offered and self.on_pause is not None:
                self._offered = False
                self.on_pause(None)
            return
        self._quiet += 1
        if self._quiet == PAUSE_FRAMES and self.on_pause is not None and len(self._raw) <= self.max_bytes:
            self._offered = True
            self.on_pause(bytes(self._raw))

    @property
    def in_speech(self) -> bool:
        """Whether speech is still going on (after an utterance cut at ``max_seconds``, say)."""
        return bool(self._ep.in_speech)

    @property
    def speech_end(self) -> float:
        """Stream time (seconds) where the last speech ended."""
        return float(self._ep.speech_end)

    def flush(self) -> bytes | None:
        """End of stream: any speech still open."""
        return self._take() if self._buffer else None

    def _before_start(self) -> bytes:
        """Up to ``pre_roll`` of the input just before the endpointer's speech start."""
        start = 2 * int(float(self._ep.speech_start) * SAMPLE_RATE)
        first = self._fed_bytes - len(self._recent)
        lo = max(start - self._pre_roll_bytes, first)
        return bytes(self._recent[max(0, lo - first):max(0, start - first)])

    def reset(self) -> None:
        self._buffer.clear()
        self._recent.clear()
        self._fed_bytes = 0
        from pocketsphinx import Endpointer

        self._ep = Endpointer(window=self._window, sample_rate=SAMPLE_RATE)
        self._end_pause()

    def _end_pause(self) -> None:
        if self._offered and self.on_pause is not None:
            self.on_pause(None)
        self._raw.clear()
        self._quiet = 0
        self._offered = False

    def _take(self) -> bytes | None:
        out = bytes(self._buffer)
        self._buffer.clear()
        self._raw.clear()
        self._quiet = 0
        self._offered = False
        return out or None


def endpoint(pcm: bytes) -> tuple[bytes, float]:
    """A recording's speech, cut as if it were live audio (all of it if none is found), and how
    long after the speech ended the endpointer closed it (seconds)."""
    segmenter = Segmenter()
    step = segmenter.frame_bytes
    stream = pcm + b"\0\0" * SAMPLE_RATE
    out = bytearray()
    wait = 0.0
    for offset in range(0, len(stream) - step + 1, step):
        done = segmenter.feed(stream[offset:offset + step])
        if done:
            out.extend(done)
            wait = (offset + step) / BYTES_PER_SECOND - segmenter.speech_end
    out.extend(segmenter.flush() or b"")
    return bytes(out) or pcm, max(0.0, wait)


def speech_of(pcm: bytes) -> bytes:
    """The voiced part of a recording, endpointed as if it were live audio."""
    return endpoint(pcm)[0]


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


class MicSource:
    """The microphone through sounddevice; raises :class:`DeviceLost` when it vanishes, and can reopen."""

    def __init__(self, device: str | int | None = None) -> None:
        sd = sounddevice()
        self._sd: Any = sd
        self.device = device
        self._queue: queue.Queue[bytes] = queue.Queue()
        self._muted = False
        self._diverted: Callable[[bytes], None] | None = None
        self._segmenter = Segmenter()
        self._stream: Any = None
        check_input(sd, device)
        self._open()

    def _open(self) -> None:
        def callback(data: Any, frames: int, when: Any, status: Any) -> None:
            if not self._muted:
                self._queue.put(bytes(data))
            elif (feed := self._diverted) is not None:
                feed(bytes(data))

        self._stream = self._sd.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                               blocksize=self._segmenter.frame_bytes // 2,
                                               device=self.device, callback=callback)
        self._stream.start()

    def mute(self, muted: bool) -> None:
        """Discard microphone audio while muted; unmuting starts from fresh audio."""
        self._muted = muted
        if not muted:
            while not self._queue.empty():
                self._queue.get_nowait()
            self._segmenter.reset()

    def divert(self, feed: Callable[[bytes], None] | None) -> None:
        self._diverted = feed

    def listen_ahead(self, on_pause: Callable[[bytes | None], None] | None) -> None:
        self._segmenter.on_pause = on_pause

    def utterances(self) -> Iterator[Utterance]:
        pending = b""
        while True:
            try:
                chunk = self._queue.get(timeout=1.0)
            except queue.Empty:
                if self._stream is None or not self._stream.active:  # PortAudio stopped it: the device is gone
                    raise DeviceLost("The microphone went away.") from None
                continue
            pending += chunk
            step = self._segmenter.frame_bytes
            while len(pending) >= step:
                frame, pending = pending[:step], pending[step:]
                done = self._segmenter.feed(frame)
                if done:
                    yield Utterance(done, time.perf_counter())

    def reopen(self) -> None:
        """Open the microphone again after it vanished (AudioDeviceError while it is still missing)."""
        self.close()
        restart_portaudio(self._sd)
        with native_stderr_to_debug(log):
            check_input(self._sd, self.device)
            try:
                self._open()
            except self._sd.PortAudioError as exc:
                self.close()
                raise AudioDeviceError(f"The microphone cannot be opened ({exc}).") from exc
        while not self._queue.empty():
            self._queue.get_nowait()
        self._segmenter.reset()

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.close()
            except Exception as exc:  # closing a vanished device can fail; nothing to keep
                log.debug("closing input: %s", exc)
            self._stream = None


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


def check_input(sd: Any, device: str | int | None) -> None:
    """Fail clearly when there is no microphone to listen to."""
    try:
        info = sd.query_devices(device, "input")
    except (ValueError, sd.PortAudioError) as exc:
        if device is None and not any(d["max_input_channels"] > 0 for d in sd.query_devices()):
            raise AudioDeviceError("No microphone found: this computer shows no audio input at all. Plug one "
                                   "in and check 'rekindle devices', or type instead with 'rekindle talk --text'."
                                   ) from exc
        raise AudioDeviceError(f"No microphone found ({exc}). Check 'rekindle devices', choose one with "
                               "--input-device, or type instead with 'rekindle talk --text'.") from exc
    if int(info.get("max_input_channels", 0)) < 1:
        raise AudioDeviceError(f"{info.get('name')} cannot record. Choose a microphone with --input-device "
                               "(see 'rekindle devices') or use 'rekindle talk --text'.")


def rms(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(x**2))) if x.size else 0.0
