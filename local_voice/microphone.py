"""The microphone through sounddevice, cut into utterances; muted while Rekindle speaks, reopened when it vanishes."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator
from typing import Any

from .asr import SAMPLE_RATE
from .audio_in import AudioDeviceError, DeviceLost, Utterance
from .endpointer import Segmenter
from .native import native_stderr_to_debug
from .portaudio import restart_portaudio, sounddevice

log = logging.getLogger("rekindle.voice.audio")


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
