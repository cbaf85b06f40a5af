"""Speech recognition's one small interface, and what every recogniser measures of the sound.

A recogniser (PocketSphinx in :mod:`local_voice.asr_pocketsphinx`, Vosk in :mod:`local_voice.asr_vosk`)
takes one utterance of 16 kHz mono 16-bit audio and returns a :class:`Recognition`: the grammar
hypothesis and whether it survived out-of-grammar rejection (see :mod:`local_voice.rejection`).
Transcripts stay in memory; nothing here writes them anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from intents.replies import Listening
from intents.understanding import Match

from .rejection import MIN_LOUDNESS_RANGE_DB
from .vocabulary import Vocabulary

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
# A microphone's own hiss, about -60 dBFS. Measured on the tuning voices with a command awaited:
# 0 → 80.8 %, 16 → 93.5, 32 → 94.1, 64 → 94.6 % right, while false commands among 90 conversation
# sentences went 3 → 3, 4, 11.
NOISE_FLOOR_RMS = 32.0


REMARK_REASON = "a remark between partners, not a command"


class ModelError(Exception):
    """A speech model is missing or unreadable (message says what to do)."""


@dataclass(frozen=True)
class Recognition:
    """What a recogniser heard in one utterance.

    ``transcript`` is the best grammar path ("" when none); ``accepted`` is
    False when rejection decided it was not a command (``reason`` says why).
    """

    transcript: str
    accepted: bool
    engine: str
    audio_s: float
    process_s: float
    reason: str = ""
    endpoint_s: float | None = None  # where the engine's own endpointer closed the utterance
    remark: bool = False  # heard as a remark partners made to each other, not meant for Rekindle
    match: Match | None = None  # already understood (an open transcript matched tolerantly), if so


class Recogniser(Protocol):
    """Turns one utterance into a :class:`Recognition`."""

    engine: str
    vocabulary: Vocabulary

    def recognise(self, pcm: bytes, listening: Listening = Listening.OFFER, speaking: bool = False) -> Recognition:
        """``listening``: what Rekindle's last reply listens for; ``speaking``: Rekindle is speaking
        meanwhile. Together they pick the grammar (:func:`~local_voice.vocabulary.grammar_context`)."""
        ...


@runtime_checkable
class Prepares(Protocol):
    """A recogniser with loading it can leave until after start-up."""

    def prepare(self) -> None:
        """Finish loading (on a thread of its own, once Rekindle listens)."""
        ...


def speech_span(pcm: bytes, frame: int = 160) -> float:
    """Seconds from the first to the last loud 10 ms frame.

    The endpointer keeps some audio from before the speech started (pre-roll), so an
    utterance is longer than what was said; loud means above a tenth of the loudest
    frame and three times the quietest tenth (the room's noise floor).
    """
    rms = _frame_rms(pcm, frame)
    if rms.size == 0:
        return 0.0
    loud = np.flatnonzero(rms > max(0.1 * float(rms.max()), 3.0 * float(np.percentile(rms, 10))))
    return (int(loud[-1]) - int(loud[0]) + 1) * frame / SAMPLE_RATE if loud.size else 0.0


def _frame_rms(pcm: bytes, frame: int = 160) -> np.ndarray:
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (2 * frame)], dtype=np.int16).astype(np.float32)
    return np.sqrt(np.mean(samples.reshape(-1, frame) ** 2, axis=1)) if samples.size else samples


def loudness_range_db(pcm: bytes) -> float:
    """How much louder the loud 10 ms frames are than the quiet ones (95th vs 10th percentile, dB).

    Speech rises and falls with its syllables and pauses; a fan, a shower or a hum stays level.
    """
    rms = _frame_rms(pcm)
    if rms.size == 0:
        return 0.0
    return float(20 * np.log10((np.percentile(rms, 95) + 1.0) / (np.percentile(rms, 10) + 1.0)))


def steady_sound(pcm: bytes) -> str:
    """Why this utterance is a level sound rather than speech, or "" when it may be speech."""
    spread = loudness_range_db(pcm)
    return f"a level sound ({spread:.0f} dB range), not speech" if spread < MIN_LOUDNESS_RANGE_DB else ""


def with_noise_floor(pcm: bytes, seed: int = 0) -> bytes:
    """``pcm`` with a faint, microphone-like hiss added (Gaussian, ``NOISE_FLOOR_RMS``).

    Synthetic speech, gated recordings and noise-suppressing audio stacks go near or exactly
    silent between sounds, which a microphone never does, and PocketSphinx's front end (log
    energies, its noise estimate) copes badly with that: such commands often ended in "nothing
    heard" or a wrong command until a little noise was added (Kaldi dithers by default for a
    similar reason). A real microphone's own hiss is about this loud already, so live audio barely
    changes.
    """
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16)
    hiss = np.random.default_rng(seed).normal(0.0, NOISE_FLOOR_RMS, samples.size)
    return np.clip(np.round(samples + hiss), -32768, 32767).astype(np.int16).tobytes()
