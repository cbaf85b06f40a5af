"""A reply as the couple hears it: sentences spoken at a guide's pace, chimes, and real touch timers.

:class:`Voice` renders a :class:`~intents.replies.Reply` into an :class:`AudioStream` on a thread of
its own, sentence by sentence, so the first sentence can play while the rest is synthesised. Pacing
is the laptop's: a short pause between sentences, a longer one before a question is handed to the
couple; the engine's own pauses, chimes and timers are played as they are.

When the voice fails mid-ritual (the Piper voice's onnxruntime, say), one warning names it and the
fallback voice (espeak-ng) says the rest; when that fails too, Rekindle's words are left to the
captions and only chimes and timers sound.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from intents.replies import Cue, Pause, Reply, Speech

from .tts import Audio, SpeechError, silence, tone

log = logging.getLogger("rekindle.voice.loop")

# Between two sentences with nothing in between, and before a sentence that asks the couple something.
SENTENCE_GAP_S = 0.35
QUESTION_GAP_S = 0.8
END_GAP_S = 0.15  # after the last sound, so the speaker does not clip the last syllable
DEFAULT_RATE = 22050

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
# A reply's first sentence longer than this is synthesised clause by clause, so its first words come
# sooner (a Piper voice takes about a tenth of the audio's length to synthesise it).
FIRST_PIECE_WORDS = 8

Synthesise = Callable[[str], Audio]
CAPTIONS_ONLY = ("Carrying on with Rekindle's words as text on screen (chimes and timers still sound).")


def sentences(text: str) -> list[str]:
    """``text`` cut after each . ! or ? that a space follows."""
    return [s for s in _SENTENCE.split(text.strip()) if s]


class AudioStream:
    """A reply's samples as they are rendered: appended on one thread, read by a sink on another.

    ``timers`` are the (start, end) seconds of its touch timers' silences, known once rendered that far.
    """

    def __init__(self) -> None:
        self.rate = 0
        self.timers: list[tuple[float, float]] = []
        self._chunks: list[np.ndarray] = []
        self._length = 0
        self._done = False
        self._changed = threading.Condition()

    @classmethod
    def of(cls, audio: Audio) -> AudioStream:
        """A finished stream holding ``audio``."""
        stream = cls()
        stream.rate = audio.rate
        stream.timers = list(audio.timers)
        stream.append(audio.samples)
        stream.finish()
        return stream

    def append(self, samples: np.ndarray) -> None:
        with self._changed:
            if len(samples):
                self._chunks.append(np.asarray(samples, dtype=np.int16))
                self._length += len(samples)
            self._changed.notify_all()

    def finish(self) -> None:
        with self._changed:
            self._done = True
            self._changed.notify_all()

    @property
    def done(self) -> bool:
        return self._done

    @property
    def length(self) -> int:
        """Samples rendered so far."""
        return self._length

    @property
    def seconds(self) -> float:
        return self._length / self.rate if self.rate else 0.0

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the first samples are there or the stream is finished (True), or ``timeout``."""
        with self._changed:
            return self._changed.wait_for(lambda: self._length > 0 or self._done, timeout)

    def read(self, start: int, count: int) -> np.ndarray:
        """Up to ``count`` samples from ``start``: those rendered by now, never waiting."""
        with self._changed:
            if len(self._chunks) > 1:
                self._chunks = [np.concatenate(self._chunks)]
            whole = self._chunks[0] if self._chunks else np.zeros(0, dtype=np.int16)
        return whole[start:start + count]

    def audio(self) -> Audio:
        """All of it, once finished (waits)."""
        with self._changed:
            self._changed.wait_for(lambda: self._done)
        return Audio(self.read(0, self._length).copy(), self.rate or DEFAULT_RATE, tuple(self.timers))


@dataclass
class _Plan:
    """One piece of a reply to render: a sentence (and the gap before it), a pause, or a chime."""

    sentence: str = ""
    gap: float = 0.0
    pause: Pause | None = None
    cue: Cue | None = None


def plan(reply: Reply) -> Iterator[_Plan]:
    """The reply as sentences, pauses and chimes, with the pacing gap before each sentence (a long first
    sentence comes as its first clause and the rest, with no gap between them)."""
    after_sentence = False
    first = True
    for seg in reply.segments:
        if isinstance(seg, Speech):
            for sentence in sentences(seg.text):
                gap = (QUESTION_GAP_S if sentence.endswith("?") else SENTENCE_GAP_S) if after_sentence else 0.0
                head, rest = _first_clause(sentence) if first else (sentence, "")
                yield _Plan(sentence=head, gap=gap)
                if rest:
                    yield _Plan(sentence=rest)
                after_sentence, first = True, False
        else:
            after_sentence = False
            yield _Plan(pause=seg) if isinstance(seg, Pause) else _Plan(cue=seg)


def _first_clause(sentence: str) -> tuple[str, str]:
    """A long sentence as its first clause (of three words or more) and the rest; else the sentence and ""."""
    if len(sentence.split()) <= FIRST_PIECE_WORDS:
        return sentence, ""
    parts = _CLAUSE_END.split(sentence, maxsplit=1)
    if len(parts) == 2 and len(parts[0].split()) >= 3:
        return parts[0], parts[1]
    return sentence, ""


@dataclass
class Voice:
    """Turns replies into audio: speech from a synthesiser, real silences, generated chimes.

    Without a synthesiser (``synthesise`` None: speech output failed) the words are left to the
    captions, and only the chimes and the timed touch silences are played, so timers still run.
    ``fallback`` makes the voice to use when ``synthesise`` fails (espeak-ng when Piper fails); it is
    called at most once, on the rendering thread.
    """

    synthesise: Synthesise | None
    timer_scale: float = 1.0
    fallback: Callable[[], Synthesise | None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def render(self, reply: Reply) -> Audio:
        """The whole reply's audio (on this thread)."""
        stream = AudioStream()
        self._render(reply, stream)
        return stream.audio()

    def stream(self, reply: Reply) -> AudioStream:
        """The reply's audio, rendered on a thread of its own while it is read."""
        stream = AudioStream()
        threading.Thread(target=self._render, args=(reply, stream), name="rekindle-speech", daemon=True).start()
        return stream

    def _render(self, reply: Reply, stream: AudioStream) -> None:
        with self._lock:  # one reply at a time: a voice's synthesiser is not shared between replies
            try:
                for piece in plan(reply):
                    self._add(piece, stream)
                if stream.length and self.synthesise is not None:
                    stream.append(silence(END_GAP_S, stream.rate).samples)
            finally:
                stream.rate = stream.rate or DEFAULT_RATE
                stream.finish()

    def _add(self, piece: _Plan, stream: AudioStream) -> None:
        if piece.sentence:
            audio = self._speak(piece.sentence)
            if audio is None:
                return
            stream.rate = stream.rate or audio.rate
            samples = _resampled(audio, stream.rate)
            if piece.gap and stream.length:
                samples = np.concatenate([silence(piece.gap, stream.rate).samples, samples])
            stream.append(samples)
            return
        stream.rate = stream.rate or DEFAULT_RATE
        if piece.cue is not None:
            stream.append(tone(piece.cue.kind, stream.rate).samples)
        elif piece.pause is not None and (self.synthesise is not None or piece.pause.timer):
            seconds = piece.pause.seconds * (self.timer_scale if piece.pause.timer else 1.0)
            gap = silence(seconds, stream.rate).samples
            if piece.pause.timer:
                begins = stream.length / stream.rate
                stream.timers.append((begins, begins + len(gap) / stream.rate))
            stream.append(gap)

    def _speak(self, sentence: str) -> Audio | None:
        """The sentence in the voice, or in the fallback voice once this one failed; None for captions only."""
        while self.synthesise is not None:
            try:
                return self.synthesise(sentence)
            except SpeechError as exc:
                self._fall_back(exc)
        return None

    def _fall_back(self, failure: SpeechError) -> None:
        make, self.fallback = self.fallback, None
        fallback: Synthesise | None = None
        reason = str(failure)
        if make is not None:
            try:
                fallback = make()
            except SpeechError as exc:
                reason = f"{failure} {exc}"
        log.warning("%s %s", reason, "Speaking with espeak-ng instead." if fallback else CAPTIONS_ONLY)
        self.synthesise = fallback


def _resampled(audio: Audio, rate: int) -> np.ndarray:
    """``audio``'s samples at ``rate`` (the fallback voice may have another rate than the first)."""
    if audio.rate == rate or not len(audio.samples):
        return audio.samples
    n = round(len(audio.samples) * rate / audio.rate)
    x = np.interp(np.linspace(0, len(audio.samples) - 1, n), np.arange(len(audio.samples)), audio.samples)
    pcm: np.ndarray = np.round(x).astype(np.int16)
    return pcm
