"""PocketSphinx (embedded, US English): JSGF grammars from the interaction model, checked against a phone loop."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from intents.replies import Listening

from .asr import BYTES_PER_SECOND, REMARK_REASON, ModelError, Recognition, speech_span, steady_sound, with_noise_floor
from .pronounce import guess_pronunciations
from .rejection import PhoneCheck
from .vocabulary import Vocabulary, grammar_context

log = logging.getLogger("rekindle.voice.asr")

# Measured on the tuning voices (grammar pass alone, 180 step commands): the default 1.0 favours
# short commands for long phrases, 2.0 is +1 to +3 points; 8 Gaussians instead of 4 is +2, about 10 % time.
PHONE_INSERTION_PENALTY = 2.0
GAUSSIANS_PER_FRAME = 8


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
