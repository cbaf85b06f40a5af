"""The endpointer: a stream of audio frames cut into utterances (PocketSphinx's WebRTC-based one)."""

from __future__ import annotations

from collections.abc import Callable

from .asr import BYTES_PER_SECOND, SAMPLE_RATE

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
