"""Barge-in: "stop" or "pause" cuts Rekindle short while it is speaking or a touch timer runs.

While Rekindle plays a reply the microphone's frames are handed here instead of being thrown
away. A worker thread cuts them into utterances and decodes each against the smallest grammar
there is: the ``while_speaking`` samples of ``interaction_models/free_talk.json`` plus the
remarks, with the strict rejection used while partners talk. Only a command that survives that
ends the playback; everything else, including Rekindle's own voice coming back from the
speakers, is dropped unheard. Audio and transcripts stay in memory.
"""

from __future__ import annotations

import logging
import queue
import threading

from intents.understanding import IntentMatcher, Match

from .asr import BYTES_PER_SECOND, Recogniser
from .audio_in import Segmenter
from .commands import heard_intent

log = logging.getLogger("rekindle.voice.barge_in")

# A "stop" is short; a longer stretch is Rekindle's own voice or partners talking, and is not decoded.
MAX_UTTERANCE_SECONDS = 4.0


class BargeIn:
    """Listens for a barge-in command while one reply plays; :attr:`heard` is set when one is heard.

    :meth:`feed` takes raw microphone bytes from the audio thread and only queues them; the
    recogniser runs on this object's own thread, so the caller must not use the same recogniser
    until :meth:`close` has returned.
    """

    def __init__(self, recogniser: Recogniser, matcher: IntentMatcher) -> None:
        self.heard = threading.Event()
        self.match: Match | None = None
        self._recogniser = recogniser
        self._matcher = matcher
        self._frames: queue.Queue[bytes | None] = queue.Queue()
        self._segmenter = Segmenter(max_seconds=MAX_UTTERANCE_SECONDS)
        self._thread = threading.Thread(target=self._work, name="rekindle-barge-in", daemon=True)
        self._thread.start()

    def feed(self, data: bytes) -> None:
        """Microphone audio (16 kHz mono 16-bit) heard while Rekindle speaks."""
        if not self.heard.is_set():
            self._frames.put(data)

    def close(self) -> Match | None:
        """Stop listening; the command heard, if any."""
        self._frames.put(None)
        self._thread.join()
        return self.match

    def _work(self) -> None:
        pending = b""
        step = self._segmenter.frame_bytes
        long_sound = False  # inside a stretch already cut at MAX_UTTERANCE_SECONDS: its pieces are not commands
        while (data := self._frames.get()) is not None:
            if self.heard.is_set():
                continue
            pending += data
            while len(pending) >= step and not self.heard.is_set():
                frame, pending = pending[:step], pending[step:]
                utterance = self._segmenter.feed(frame)
                if not utterance:
                    continue
                if long_sound or len(utterance) > self._segmenter.max_bytes:
                    log.debug("barge-in: %.1f s of sound while speaking, too long for a command",
                              len(utterance) / BYTES_PER_SECOND)
                else:
                    self._consider(utterance)
                long_sound = self._segmenter.in_speech

    def _consider(self, pcm: bytes) -> None:
        recognition = self._recogniser.recognise(pcm, free_talk=True, speaking=True)
        match = heard_intent(self._matcher, recognition, free_talk=True)
        if match is None:
            log.debug("barge-in: not a command (%s)", recognition.reason or "no intent")
            return
        log.debug("barge-in: command %s", match.intent)
        self.match = match
        self.heard.set()
