"""Barge-in: "stop" or "pause" cuts a touch timer (or, with headphones, Rekindle's speech) short.

While Rekindle plays a reply the microphone's frames are handed here instead of being thrown
away. By default only a touch timer's silence is listened to: with loud speakers beside the
microphone Rekindle's own sentences come back, and one piece of one in about four whole rituals
passed for "pause" (looped back at full level through PulseAudio); in a timer there is nothing
of Rekindle to hear once its last sound has died away (``ECHO_DELAY_S``). With headphones the
whole reply can be listened to. A worker thread cuts the audio into utterances and decodes each
against the smallest grammar there is: the ``while_speaking`` samples of
``interaction_models/free_talk.json`` plus the remarks, with the strict rejection used while partners
talk. Only a command that survives that ends the playback; everything else is dropped unheard.
Audio and transcripts stay in memory.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from intents.replies import Listening
from intents.understanding import IntentMatcher, Match

from .asr import BYTES_PER_SECOND, Recogniser
from .choices import BARGE_IN_MODES as BARGE_IN_MODES
from .choices import BargeInMode as BargeInMode
from .endpointer import Segmenter
from .heard import heard_intent

log = logging.getLogger("rekindle.voice.barge_in")

# A "stop" is short; a longer stretch is Rekindle's own voice or partners talking, and is not decoded.
MAX_UTTERANCE_SECONDS = 4.0
# The endpointer closes an utterance this long after its speech ended.
ENDPOINT_WAIT_S = 0.3
# How late Rekindle's own sound may still reach the microphone: output and input buffering (through
# PulseAudio here its echo came more than 0.4 s after the samples were handed over) plus the room's
# echo. A timer's silence is listened to only after this.
ECHO_DELAY_S = 1.5


class HasTimers(Protocol):
    """Audio with touch timers: a whole reply's (:class:`~local_voice.tts.Audio`) or one being rendered."""

    @property
    def timers(self) -> Sequence[tuple[float, float]]: ...


Windows = Sequence[tuple[float, float]]


def timer_windows(playing: HasTimers, started: float) -> list[tuple[float, float]]:
    """When, in ``time.monotonic()`` seconds, the microphone hears only the room during ``playing``'s touch
    timers (played from ``started``): each timer's silence, less its first ``ECHO_DELAY_S``."""
    return [(started + lo + ECHO_DELAY_S, started + hi) for lo, hi in playing.timers if hi - lo > ECHO_DELAY_S]


class BargeIn:
    """Listens for a barge-in command while one reply plays; :attr:`heard` is set when one is heard.

    :meth:`feed` takes raw microphone bytes from the audio thread and only queues them; the
    recogniser runs on this object's own thread, so the caller must not use the same recogniser
    until :meth:`close` has returned.
    """

    def __init__(self, recogniser: Recogniser, matcher: IntentMatcher,
                 windows: Windows | Callable[[], Windows] | None = None) -> None:
        """``windows``: the only (start, end) times (``time.monotonic()``) in which a command may be
        heard, e.g. a touch timer's silence (:func:`timer_windows`), or a function giving them as far as
        they are known (a reply still being rendered); None for the whole reply."""
        self.heard = threading.Event()
        self.match: Match | None = None
        self._recogniser = recogniser
        self._matcher = matcher
        self._windows = windows if windows is None or callable(windows) else tuple(windows)
        self._frames: queue.Queue[tuple[bytes, float] | None] = queue.Queue()
        self._segmenter = Segmenter(max_seconds=MAX_UTTERANCE_SECONDS)
        self._thread = threading.Thread(target=self._work, name="rekindle-barge-in", daemon=True)
        self._thread.start()

    def feed(self, data: bytes, at: float | None = None) -> None:
        """Microphone audio (16 kHz mono 16-bit) heard while Rekindle speaks, arriving at ``at``
        (``time.monotonic()``, default now)."""
        if not self.heard.is_set():
            self._frames.put((data, time.monotonic() if at is None else at))

    def close(self) -> Match | None:
        """Stop listening; the command heard, if any."""
        self._frames.put(None)
        self._thread.join()
        return self.match

    def _work(self) -> None:
        pending = b""
        step = self._segmenter.frame_bytes
        long_sound = False  # inside a stretch already cut at MAX_UTTERANCE_SECONDS: its pieces are not commands
        while (item := self._frames.get()) is not None:
            data, at = item
            if self.heard.is_set():
                continue
            pending += data
            while len(pending) >= step and not self.heard.is_set():
                frame, pending = pending[:step], pending[step:]
                utterance = self._segmenter.feed(frame)
                if not utterance:
                    continue
                seconds = len(utterance) / BYTES_PER_SECOND
                if long_sound or len(utterance) > self._segmenter.max_bytes:
                    log.debug("barge-in: %.1f s of sound while speaking, too long for a command", seconds)
                elif not self._inside(at - seconds - ENDPOINT_WAIT_S, at):
                    log.debug("barge-in: sound outside a touch timer's silence, not decoded")
                else:
                    self._consider(utterance)
                long_sound = self._segmenter.in_speech

    def _inside(self, start: float, end: float) -> bool:
        if self._windows is None:
            return True
        windows = self._windows() if callable(self._windows) else self._windows
        return any(lo <= start and end <= hi for lo, hi in windows)

    def _consider(self, pcm: bytes) -> None:
        recognition = self._recogniser.recognise(pcm, Listening.FREE_TALK, speaking=True)
        match = heard_intent(self._matcher, recognition, Listening.FREE_TALK)
        if match is None:
            log.debug("barge-in: not a command (%s)", recognition.reason or "no intent")
            return
        log.debug("barge-in: command %s", match.intent)
        self.match = match
        self.heard.set()
