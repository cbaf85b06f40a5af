"""Where Rekindle's voice goes: the speakers through sounddevice, or WAV files."""

from __future__ import annotations

import logging
import threading
import time
import wave
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .audio_in import AudioDeviceError, DeviceLost
from .native import native_stderr_to_debug
from .portaudio import restart_portaudio, sounddevice
from .speech import AudioStream
from .tts import Audio

log = logging.getLogger("rekindle.voice.audio")


class Sink(Protocol):
    """Plays (or stores) one reply's audio; ``play`` returns when it has been heard."""

    def play(self, audio: Audio | AudioStream, interrupt: threading.Event | None = None) -> bool:
        """Play ``audio`` (a stream plays as it is rendered); returns True when ``interrupt`` was set and
        cut it short."""
        ...
    def close(self) -> None: ...
    def reopen(self) -> None: ...


class SpeakerSink:
    """The speakers. Raises :class:`DeviceLost` when the device goes away, even mid-sentence."""

    def __init__(self, device: str | int | None = None) -> None:
        sd = sounddevice()
        self._sd: Any = sd
        self.device = device
        self._check()

    def _check(self) -> None:
        try:
            self._sd.query_devices(self.device, "output")
        except (ValueError, self._sd.PortAudioError) as exc:
            raise AudioDeviceError(f"No speaker found ({exc}). Check 'rekindle devices', choose one with "
                                   "--output-device, or use --output-wav DIR or --text.") from exc

    def play(self, audio: Audio | AudioStream, interrupt: threading.Event | None = None) -> bool:
        """Play all of ``audio``, unless ``interrupt`` is set meanwhile (then fade out within a block
        and return True); a stream that stops early otherwise means the speaker went away.

        A stream plays while it is rendered: when the renderer falls behind, the speaker gets silence
        until the next samples come. (``sounddevice.play`` returns quietly when the sound server dies
        mid-sentence, so the samples actually handed to PortAudio are counted here.)
        """
        stream = audio if isinstance(audio, AudioStream) else AudioStream.of(audio)
        stream.wait_ready()
        if stream.done and not stream.length:
            return False
        done = threading.Event()
        played = 0
        cut = False

        def callback(out: Any, frames: int, when: Any, status: Any) -> None:
            nonlocal played, cut
            finished = stream.done  # read first: everything rendered before it said so is there to read
            chunk = stream.read(played, frames)
            if interrupt is not None and interrupt.is_set():
                cut = True  # a ramp to silence instead of a click
                chunk = (chunk * np.linspace(1.0, 0.0, len(chunk))).astype(np.int16)
            out[:len(chunk), 0] = chunk
            out[len(chunk):] = 0
            played += len(chunk)
            if cut or (finished and played >= stream.length):
                raise self._sd.CallbackStop

        try:
            output = self._sd.OutputStream(samplerate=stream.rate, channels=1, dtype="int16", device=self.device,
                                           callback=callback, finished_callback=done.set)
            begun = time.monotonic()
            with output:
                # A generous bound, only so that a sound server that hangs cannot hang the ritual.
                while not done.wait(timeout=0.5):
                    if stream.done and time.monotonic() - begun > stream.seconds + 30.0:
                        break
                finished = done.is_set()
        except self._sd.PortAudioError as exc:
            raise DeviceLost(f"The speaker went away ({exc}).") from exc
        if not finished or (played < stream.length and not cut):
            raise DeviceLost("The speaker went away mid-sentence.")
        return cut

    def reopen(self) -> None:
        """Find the speaker again after it vanished (AudioDeviceError while it is still missing)."""
        restart_portaudio(self._sd)
        with native_stderr_to_debug(log):
            self._check()

    def close(self) -> None:
        pass


class WavSink:
    """Writes each reply to ``DIR/reply-NNN.wav`` instead of playing it (silences in real time are skipped)."""

    def __init__(self, directory: Path) -> None:
        """``directory`` is created if missing, but not the folders above it (a typo there is not a wish)."""
        if not directory.parent.is_dir():
            raise AudioDeviceError(f"--output-wav {directory}: the folder {directory.parent} does not exist. "
                                   "Create it first, or choose a folder inside an existing one.")
        try:
            directory.mkdir(exist_ok=True)
        except OSError as exc:
            raise AudioDeviceError(f"--output-wav {directory}: {exc.strerror or exc}") from exc
        self.directory = directory
        self.count = 0

    def play(self, audio: Audio | AudioStream, interrupt: threading.Event | None = None) -> bool:
        if isinstance(audio, AudioStream):
            audio = audio.audio()
        self.count += 1
        path = self.directory / f"reply-{self.count:03d}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(audio.rate)
            w.writeframes(np.asarray(audio.samples, dtype=np.int16).tobytes())
        return False

    def close(self) -> None:
        pass

    def reopen(self) -> None:
        pass
