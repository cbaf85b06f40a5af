"""Speech recognition: one small interface, PocketSphinx (embedded) and Vosk behind it.

A recogniser takes one utterance of 16 kHz mono 16-bit audio and returns a
:class:`Recognition`: the grammar hypothesis and whether it survived
out-of-grammar rejection (see :mod:`local_voice.rejection`). Transcripts stay
in memory; nothing here writes them anywhere.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from intents.replies import Listening
from intents.understanding import Match

from .pronounce import guess_pronunciations
from .rejection import MIN_LOUDNESS_RANGE_DB, PhoneCheck, VoskCheck
from .vocabulary import Vocabulary, grammar_context

log = logging.getLogger("rekindle.voice.asr")

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
VOSK_MODEL_NAME = "vosk-model-small-en-us-0.15"
# Measured on the tuning voices (grammar pass alone, 180 step commands): the default 1.0 favours
# short commands for long phrases, 2.0 is +1 to +3 points; 8 Gaussians instead of 4 is +2, about 10 % time.
PHONE_INSERTION_PENALTY = 2.0
GAUSSIANS_PER_FRAME = 8
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


def _pad(pcm: bytes, seconds: float = 0.2) -> bytes:
    silence = b"\0\0" * int(SAMPLE_RATE * seconds)
    return silence + pcm + silence


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


def _pronunciations(dictionary: Path, words: set[str]) -> dict[str, list[str]]:
    """The dictionary lines (every pronunciation variant) of just these words."""
    found: dict[str, list[str]] = {}
    with dictionary.open(encoding="utf-8") as lines:
        for line in lines:
            head = line.split(" ", 1)[0]
            word = head.split("(", 1)[0]
            if word in words:
                found.setdefault(word, []).append(line.rstrip("\n"))
    return found


class PocketSphinxRecogniser:
    """PocketSphinx with JSGF grammars from the interaction model, checked against a phone loop.

    One decoder holds one search per grammar context (everything; inside a ritual step, without
    setup; free talk, see :func:`~local_voice.vocabulary.grammar_context`) and the phone loop,
    switched per utterance. Its dictionary holds only the grammar's words, so the 130,000-word
    CMU dictionary is read once at start-up and not kept; words it lacks (names such as Priya or
    Noor) get a pronunciation guessed with espeak-ng (:mod:`local_voice.pronounce`). A level sound
    is not decoded at all; when a command is awaited, a faint microphone-like hiss is mixed in first
    (:func:`with_noise_floor`).
    While partners answer, the same audio is also decoded by the unconstrained phone loop and
    :class:`PhoneCheck` rejects a hypothesis the phones do not support; when a command is awaited
    only its length is checked (the phone loop doubled the work there for two fewer false commands
    in 90 tuning sentences, and no more right ones).
    """

    engine = "pocketsphinx"

    def __init__(self, vocabulary: Vocabulary, free_intents: set[str], check: PhoneCheck | None = None,
                 contexts: Collection[str] | None = None) -> None:
        """``contexts``: the grammar contexts to compile now (default all); any other is compiled by
        :meth:`prepare` or when first listened in."""
        try:
            import pocketsphinx
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError("PocketSphinx is not installed: pip install 'rekindle[voice]'") from exc
        model = Path(pocketsphinx.get_model_path()) / "en-us"
        try:
            words = vocabulary.words()
            self._lines = _pronunciations(model / "cmudict-en-us.dict", words)
            guessed = guess_pronunciations(words - self._lines.keys())
            self.guessed = tuple(sorted(guessed))
            if guessed:
                log.info("Pronunciations guessed with espeak-ng for %d word(s) the dictionary lacks: %s",
                         len(guessed), ", ".join(self.guessed))
                self._lines.update({word: [f"{word} {phones}"] for word, phones in guessed.items()})
            self.vocabulary = vocabulary.restrict(self.known)
            with tempfile.TemporaryDirectory(prefix="rekindle-dict-") as folder:
                small = Path(folder) / "commands.dict"
                small.write_text("\n".join(line for word in sorted(self.vocabulary.words())
                                            for line in self._lines[word]) + "\n", encoding="utf-8")
                # bestpath off: the lattice best path loses grammar ends.
                self._decoder = pocketsphinx.Decoder(hmm=str(model / "en-us"), dict=str(small), lm=None,
                                                     loglevel="FATAL", cmn="batch", bestpath=False,
                                                     pip=PHONE_INSERTION_PENALTY, topn=GAUSSIANS_PER_FRAME)
            self._contexts = self.vocabulary.contexts(free_intents)
            self._decoder.add_allphone_file("phones", str(model / "en-us-phone.lm.bin"))
        except (RuntimeError, ValueError, OSError, KeyError) as exc:
            raise ModelError(f"The PocketSphinx model in {model} could not be loaded ({exc}). "
                             "Reinstall it: pip install --force-reinstall pocketsphinx") from exc
        self._model = model
        self._compiled: set[str] = set()
        # One decoder, used by the loop, barge-in's thread and prepare(): never two at once.
        self._lock = threading.Lock()
        for name in self._contexts if contexts is None else contexts:
            self._compile(name)
        self.check = check or PhoneCheck()

    def _compile(self, context: str) -> None:
        """Make the decoder's search for a grammar context, once. PocketSphinx holds the interpreter while
        it does: a few milliseconds for barge-in's and free talk's grammars, most of a second of CPU for
        the offer's, a step's and the names' (their partner names)."""
        with self._lock:
            if context in self._compiled:
                return
            try:
                self._decoder.add_jsgf_string(context, self._contexts[context].jsgf())
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"The PocketSphinx model in {self._model} could not take Rekindle's grammar "
                                 f"({exc}). Reinstall it: pip install --force-reinstall pocketsphinx") from exc
            self._compiled.add(context)

    @property
    def compiled(self) -> frozenset[str]:
        """The grammar contexts compiled so far."""
        return frozenset(self._compiled)

    def prepare(self) -> None:
        """Compile every grammar context not compiled yet, one at a time (a recognition meanwhile waits
        for one context at most)."""
        for name in self._contexts:
            self._compile(name)

    def known(self, word: str) -> bool:
        return word in self._lines

    def pronunciation(self, text: str) -> list[str]:
        return [p for w in text.split() for p in (self._decoder.lookup_word(w) or "").split()]

    def _decode(self, search: str, pcm: bytes) -> Any:
        # The model's feat.params turns on noise removal, whose noise estimate otherwise carries
        # from one utterance into the next: the same audio was heard differently depending on what
        # came before. Each utterance starts with its own pre-roll, so it estimates afresh (0.1 ms).
        self._decoder.reinit_feat()
        self._decoder.activate_search(search)
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)
        self._decoder.end_utt()
        return self._decoder.hyp()

    def phone_evidence(self, pcm: bytes) -> tuple[list[str], float]:
        """The phones the unconstrained phone loop hears, and their voiced seconds."""
        self._decode("phones", pcm)
        voiced = [s for s in (self._decoder.seg() or []) if s.word != "SIL" and not s.word.startswith("+")]
        return [s.word for s in voiced], sum(s.end_frame - s.start_frame + 1 for s in voiced) / 100

    def recognise(self, pcm: bytes, listening: Listening = Listening.OFFER, speaking: bool = False) -> Recognition:
        context = grammar_context(listening, speaking)
        self._compile(context)
        with self._lock:
            return self._recognise(pcm, listening, speaking, context)

    def _recognise(self, pcm: bytes, listening: Listening, speaking: bool, context: str) -> Recognition:
        start = time.perf_counter()
        reason = steady_sound(pcm)
        transcript = ""
        # No command is awaited: nothing may act unless it surely is one.
        strict = listening is Listening.FREE_TALK or speaking
        audio = pcm
        if not reason:
            # While partners talk the floor stays off: it let 5 more of 60 tuning asides act.
            audio = pcm if strict else with_noise_floor(pcm)
            hyp = self._decode(context, audio)
            transcript = hyp.hypstr.strip() if hyp is not None else ""
            reason = "nothing heard" if not transcript else ""
        remark = bool(transcript) and self._contexts[context].is_remark(transcript)
        if remark:
            reason = REMARK_REASON
        elif transcript:
            expected = self.pronunciation(transcript)
            if strict:
                heard, seconds = self.phone_evidence(audio)
                reason = self.check.reject(expected, heard, seconds, speech_span(pcm))
            else:
                reason = self.check.too_long(expected, speech_span(pcm), False)
        return Recognition(transcript, not reason, self.engine, len(pcm) / BYTES_PER_SECOND,
                           time.perf_counter() - start, reason, remark=remark)


class VoskRecogniser:
    """Vosk (Kaldi) streaming recognition biased by the command phrases.

    Vosk's phrase list biases rather than constrains, so :class:`VoskCheck`
    rejects results with ``[unk]``, low word confidence, or text that is not a
    whole command phrase.
    """

    engine = "vosk"

    def __init__(self, model_path: Path, vocabulary: Vocabulary, free_intents: set[str],
                 check: VoskCheck | None = None, slot_limit: int | None = None,
                 required_words: Collection[str] = ()) -> None:
        """``required_words``: words the model must know, or it is refused as a model of another
        language (most of them unknown)."""
        try:
            import vosk
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError("Vosk is not installed: pip install 'rekindle[voice]'") from exc
        vosk.SetLogLevel(-1)
        if not (model_path / "am").is_dir() and not (model_path / "conf").is_dir():
            raise ModelError(f"{model_path} does not look like a Vosk model folder (no am/ or conf/ inside). "
                             "Run 'rekindle models download' or pass --vosk-model with an unpacked model.")
        try:
            self._model = vosk.Model(str(model_path))
        except Exception as exc:  # vosk raises a bare Exception on a bad model
            raise ModelError(f"The Vosk model in {model_path} could not be loaded ({exc}).") from exc
        self._vosk = vosk
        self.model_path = model_path
        unknown = sorted(w for w in required_words if not self.known(w))
        if required_words and len(unknown) > len(required_words) / 2:
            raise ModelError(f"The Vosk model in {model_path} does not know {', '.join(repr(w) for w in unknown[:4])}"
                             f"…: it is a model for another language. Use an English model "
                             f"('rekindle models download' fetches {VOSK_MODEL_NAME}).")
        self.vocabulary = vocabulary.restrict(self.known)
        self._contexts = self.vocabulary.contexts(free_intents)
        self._phrases = {name: vocab.phrases(slot_limit) for name, vocab in self._contexts.items()}
        self._unk = self.known("[unk]")
        self.check = check or VoskCheck()

    def known(self, word: str) -> bool:
        return int(self._model.vosk_model_find_word(word)) >= 0

    def _recogniser(self, context: str) -> Any:
        phrases = list(self._phrases[context])
        if self._unk:
            phrases.append("[unk]")
        rec = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE, json.dumps(phrases, ensure_ascii=False))
        rec.SetWords(True)
        return rec

    def recognise(self, pcm: bytes, listening: Listening = Listening.OFFER, speaking: bool = False) -> Recognition:
        start = time.perf_counter()
        level = steady_sound(pcm)
        if level:
            return Recognition("", False, self.engine, len(pcm) / BYTES_PER_SECOND, time.perf_counter() - start,
                               level)
        context = grammar_context(listening, speaking)
        rec = self._recogniser(context)
        results: list[dict[str, Any]] = []
        endpoint_s: float | None = None
        chunk = BYTES_PER_SECOND // 10
        audio = _pad(pcm, 0.1) + b"\0\0" * SAMPLE_RATE  # trailing silence lets the endpointer fire
        for offset in range(0, len(audio), chunk):
            if rec.AcceptWaveform(audio[offset:offset + chunk]):
                result = json.loads(rec.Result())
                if result.get("text"):
                    results.append(result)
                    if endpoint_s is None:
                        endpoint_s = (offset + chunk) / BYTES_PER_SECOND
        final = json.loads(rec.FinalResult())
        if final.get("text"):
            results.append(final)
        words = [w for r in results for w in r.get("result", [])]
        transcript = " ".join(r["text"] for r in results).strip()
        reason = self.check.reject(transcript, words, self._phrases[context])
        remark = not reason and self._contexts[context].is_remark(transcript)
        if remark:
            reason = REMARK_REASON
        return Recognition(transcript, not reason, self.engine, len(pcm) / BYTES_PER_SECOND,
                           time.perf_counter() - start, reason, endpoint_s, remark)


def installed_vosk_model(data_dir: Path) -> Path | None:
    """The Vosk model downloaded into the data folder, if any."""
    path = data_dir / "models" / VOSK_MODEL_NAME
    return path if path.is_dir() else None
