"""Out-of-grammar rejection: deciding that what was heard was not a command.

A grammar decoder forces every utterance onto some command, so while
partners talk to each other each sentence would otherwise act. These checks
compare the grammar's answer with evidence the grammar cannot bend:

- Both engines: a level sound (a fan, a shower, a hum) is not speech. The
  endpointer takes it for speech, and a grammar decoder then finds a short
  command in it (white noise became a command in 16 of 20 tries).
- PocketSphinx: speech lasting longer than the command's phones need is not
  that command. While partners answer, an unconstrained phone loop also
  decodes the same audio: a command spoken as a command yields about as many
  phones as its pronunciation, a sentence squeezed onto a short command many
  more. Thresholds are stricter during free talk.
- Vosk: ``[unk]`` in the result, low word confidence, or a result that is not
  one whole command phrase (Vosk's phrase list only biases).

The figures these thresholds give are measured by ``benchmarks/voice_bench.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intents.understanding import edit_distance

# Speech on the tuning voices spans 18 dB or more between its quiet and loud frames, even with noise
# at 20 dB SNR; white, pink and mains-hum noise stayed under 9 dB (see loudness_range_db).
MIN_LOUDNESS_RANGE_DB = 12.0


@dataclass(frozen=True)
class PhoneCheck:
    """Thresholds comparing a grammar hypothesis with a free phone decoding of the same audio."""

    # Tuned on tests/voice_speech.TUNING_VOICES; measured on held-out voices by benchmarks/voice_bench.py.
    max_phone_ratio_free: float = 1.05  # phones heard / phones expected
    max_error_rate: float = 1.0  # phone edit distance / phones expected
    max_seconds_per_phone: float = 0.2  # voiced seconds / phones expected
    max_voiced_seconds_free: float = 2.5  # free-talk commands are short
    # Speech longer than the command needs: seconds - 0.1 s per expected phone.
    max_excess_seconds: float = 0.6
    max_excess_seconds_free: float = 0.3

    def too_long(self, expected: Sequence[str], speech_seconds: float, free_talk: bool) -> str:
        """Why the speech is too long to be this command, or "" (``speech_seconds``: how long the
        utterance's loud part lasts; ``expected``: the command's phones)."""
        if not expected:
            return "no pronunciation"
        excess = speech_seconds - 0.1 * len(expected)
        excess_limit = self.max_excess_seconds_free if free_talk else self.max_excess_seconds
        if excess > excess_limit:
            return f"{excess:.2f} s more speech than the command needs"
        return ""

    def reject(self, expected: Sequence[str], heard: Sequence[str], seconds: float,
               speech_seconds: float = 0.0) -> str:
        """Why the hypothesis is not a command while partners talk, or "" to accept it.

        ``heard`` are the phone loop's phones and ``seconds`` their voiced time;
        ``speech_seconds`` as for :meth:`too_long`. (When a command is awaited only
        :meth:`too_long` applies.)
        """
        long = self.too_long(expected, speech_seconds, True)
        if long:
            return long
        ratio = len(heard) / len(expected)
        if len(heard) > self.max_phone_ratio_free * len(expected) + 1:  # one phone of slack for short words
            return f"phone ratio {ratio:.2f} > {self.max_phone_ratio_free}"
        errors = edit_distance(heard, expected) / len(expected)
        if errors > self.max_error_rate:
            return f"phone error rate {errors:.2f} > {self.max_error_rate}"
        if seconds > self.max_voiced_seconds_free:
            return f"{seconds:.1f} s of speech is long for a command"
        per_phone = seconds / len(expected)
        if per_phone > self.max_seconds_per_phone:
            return f"{per_phone:.2f} s per phone > {self.max_seconds_per_phone}"
        return ""


@dataclass(frozen=True)
class VoskCheck:
    """Rejects Vosk results that are unknown words, unsure, or not one whole phrase."""

    min_confidence: float = 0.6

    def reject(self, transcript: str, words: Sequence[Mapping[str, Any]], phrases: Collection[str]) -> str:
        """Why the result is not a command, or "" to accept it."""
        if not transcript:
            return "nothing heard"
        if "[unk]" in transcript.split():
            return "unknown words"
        low = [w for w in words if float(w.get("conf", 1.0)) < self.min_confidence]
        if low:
            return f"{len(low)} unsure word(s)"
        if transcript not in phrases:
            return "not a whole command phrase"
        return ""
