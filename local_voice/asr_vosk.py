"""Vosk (Kaldi) with a downloaded model: streaming recognition biased by the command phrases."""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from intents.replies import Listening

from .asr import BYTES_PER_SECOND, REMARK_REASON, SAMPLE_RATE, ModelError, Recognition, steady_sound
from .rejection import VoskCheck
from .vocabulary import Vocabulary, grammar_context

VOSK_MODEL_NAME = "vosk-model-small-en-us-0.15"


def _pad(pcm: bytes, seconds: float = 0.2) -> bytes:
    silence = b"\0\0" * int(SAMPLE_RATE * seconds)
    return silence + pcm + silence


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
