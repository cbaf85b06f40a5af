"""A Piper neural voice (an ``.onnx`` file and its ``.onnx.json``) run on onnxruntime.

Rekindle runs the voice file itself rather than through the ``piper-tts`` package (GPL-3.0-or-later):
onnxruntime (MIT) is already installed for Whisper's voice activity filter, and the phonemes come
from espeak-ng's library (:mod:`local_voice.phonemes`), which Rekindle needs anyway. What a Piper
voice expects is small: espeak-ng IPA per sentence, each symbol mapped through the voice's
``phoneme_id_map`` with the pad symbol between symbols, wrapped in its start and end symbols; and
three scales (noise, length, noise width). Out comes float audio at the voice's sample rate.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .phonemes import EspeakPhonemes, PhonemeError
from .tts import ESPEAK_RATES, Audio, SpeechError, SpeechSettingError

log = logging.getLogger("rekindle.voice.tts")

# How fast a Piper voice speaks at its own length scale, in words a minute from first sound to last
# (measured on joe over 120 phrases of the content library).
NATURAL_WPM = 200
# A sentence's length is not proportional to the length scale: every symbol lasts at least one audio
# frame, so about a quarter of it does not scale. Measured on joe, length = c + k * scale with c/k
# about 0.36; the scale for a rate solves that for the length the rate asks for.
_UNSCALED = 0.36
_PAD, _BOS, _EOS = "_", "^", "$"
# onnxruntime's working memory grows with the audio a run produces (about 25 MB a second on joe), so a
# sentence longer than this is synthesised a few clauses at a time; a clause's own end makes about the
# pause its comma would have made inside the sentence.
MAX_PIECE_WORDS = 12
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


class VoiceFileError(SpeechError):
    """A Piper voice file is missing, damaged or not a Piper voice (message names it and what to do)."""


class PiperSynthesiser:
    """Text to :class:`~local_voice.tts.Audio` with a Piper voice; usable from any thread.

    ``rate`` (words a minute) sets the voice's length scale against :data:`NATURAL_WPM`; ``volume``
    (0..1) scales the samples. ``fix`` is what to tell the user when the files are missing or damaged.
    """

    def __init__(self, model: Path, config: Path | None = None, rate: int | None = None,
                 volume: float | None = None, fix: str = "", threads: int | None = None) -> None:
        if rate and int(rate) not in ESPEAK_RATES:
            raise SpeechSettingError(f"--rate {rate}: Rekindle speaks from {ESPEAK_RATES.start} to "
                                     f"{ESPEAK_RATES.stop - 1} words per minute.")
        self.model = Path(model)
        config = Path(config) if config else self.model.with_name(self.model.name + ".json")
        fix = fix or f"replace {self.model.name} and {config.name}"
        settings = _settings(config, fix)
        try:
            self.rate = int(settings["audio"]["sample_rate"])
            self._ids: dict[str, list[int]] = {k: [int(i) for i in v] for k, v in settings["phoneme_id_map"].items()}
            espeak_voice = str(settings.get("espeak", {}).get("voice", "en-us"))
            scales = settings.get("inference", {})
            self._noise = float(scales.get("noise_scale", 0.667))
            self._length = float(scales.get("length_scale", 1.0)) * length_scale(rate)
            self._noise_w = float(scales.get("noise_w", 0.8))
            self._speakers = int(settings.get("num_speakers", 1))
            if not all(self._ids[symbol] for symbol in (_PAD, _BOS, _EOS)):
                raise ValueError("no id for the pad, start or end symbol")
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise VoiceFileError(f"The voice settings {config} are incomplete ({type(exc).__name__}: {exc}); "
                                 f"{fix}.") from exc
        self.volume = 1.0 if volume is None else max(0.0, min(1.0, float(volume)))
        # espeak-ng's phonemiser starts in a process of its own while onnxruntime reads the voice; no
        # warm-up sentence either: whatever Rekindle says first (the welcome) warms it as well, 0.2-0.4 s sooner.
        try:
            self._phonemes = EspeakPhonemes(espeak_voice, check=False)
        except PhonemeError as exc:
            raise SpeechError(f"The Piper voice needs espeak-ng's phonemes: {exc}") from exc
        try:
            self._session = _session(self.model, fix, threads)
            self._phonemes.clauses("ready")
        except PhonemeError as exc:
            self._phonemes.close()
            raise SpeechError(f"The Piper voice needs espeak-ng's phonemes: {exc}") from exc
        except BaseException:
            self._phonemes.close()
            raise
        self._cache: dict[str, Audio] = {}
        self._lock = threading.Lock()

    def speak(self, text: str) -> Audio:
        """The audio of ``text`` (cached: the same phrases recur within a ritual)."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        runs = []
        for piece in pieces(text):
            try:
                ids = self.phoneme_ids(piece)
            except PhonemeError as exc:
                raise SpeechError(f"The Piper voice cannot read this text: {exc}") from exc
            if len(ids) > 3:
                runs.append(self._run(ids))
        audio = Audio(np.concatenate(runs) if runs else np.zeros(0, dtype=np.int16), self.rate)
        with self._lock:
            self._cache[text] = audio
        return audio

    def phoneme_ids(self, text: str) -> list[int]:
        """``text`` as the voice's phoneme ids: start, then each symbol followed by the pad, then end.
        Symbols the voice does not know are left out."""
        ids = [*self._ids[_BOS], *self._ids[_PAD]]
        for symbol in self._phonemes.phonemes(text):
            if symbol in self._ids:
                ids += [*self._ids[symbol], *self._ids[_PAD]]
        return [*ids, *self._ids[_EOS]]

    def _run(self, ids: list[int]) -> np.ndarray:
        feeds: dict[str, Any] = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([self._noise, self._length, self._noise_w], dtype=np.float32),
        }
        if self._speakers > 1:
            feeds["sid"] = np.array([0], dtype=np.int64)
        try:
            out = self._session.run(None, feeds)[0]
        except Exception as exc:  # onnxruntime raises its own error types for a model that fails to run
            raise SpeechError(f"The Piper voice {self.model.name} failed (onnxruntime: "
                              f"{str(exc).splitlines()[0][:200]}).") from exc
        samples = np.clip(np.asarray(out, dtype=np.float32).reshape(-1) * self.volume, -1.0, 1.0)
        pcm: np.ndarray = np.round(samples * 32767).astype(np.int16)
        return pcm

    def close(self) -> None:
        self._cache.clear()
        self._phonemes.close()


def pieces(text: str) -> list[str]:
    """``text`` as the pieces a run synthesises: whole when it has at most :data:`MAX_PIECE_WORDS` words,
    else its clauses, joined while they stay within that many words."""
    if len(text.split()) <= MAX_PIECE_WORDS:
        return [text]
    out: list[str] = []
    for clause in _CLAUSE_END.split(text.strip()):
        if out and len(out[-1].split()) + len(clause.split()) <= MAX_PIECE_WORDS:
            out[-1] = f"{out[-1]} {clause}"
        else:
            out.append(clause)
    return out


def length_scale(rate: int | None) -> float:
    """The length scale at which a Piper voice speaks ``rate`` words a minute (1 for its own pace)."""
    if not rate:
        return 1.0
    return max(0.3, (NATURAL_WPM / int(rate)) * (1 + _UNSCALED) - _UNSCALED)


def _settings(config: Path, fix: str) -> dict[str, Any]:
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise VoiceFileError(f"The voice settings {config} are missing; {fix}.") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VoiceFileError(f"The voice settings {config} are damaged ({type(exc).__name__}); {fix}.") from exc
    if not isinstance(settings, dict):
        raise VoiceFileError(f"The voice settings {config} are not a Piper voice's; {fix}.")
    return settings


def _session(model: Path, fix: str, threads: int | None) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise SpeechError("The Piper voice needs onnxruntime: pip install 'rekindle[piper]'.") from exc
    if not model.is_file():
        raise VoiceFileError(f"The voice file {model} is missing; {fix}.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.log_severity_level = 4  # its own errors come back as exceptions; keep its console quiet
    # Graph optimisation took about 0.4 s of CPU at every start and left synthesis no faster on joe.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting between sentences
    try:
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's errors for a truncated or foreign file
        raise VoiceFileError(f"The voice file {model} is damaged or not a Piper voice (onnxruntime: "
                             f"{str(exc).splitlines()[0][:160]}); {fix}.") from exc
    wanted = {"input", "input_lengths", "scales"}
    if not wanted <= {i.name for i in session.get_inputs()}:
        raise VoiceFileError(f"The voice file {model} is not a Piper voice (it takes no phonemes); {fix}.")
    return session
