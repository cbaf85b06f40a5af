"""Open-vocabulary English transcription with Whisper (faster-whisper on CTranslate2, int8 on the CPU).

Which model, and whether it may be used: :mod:`local_voice.whisper_models`. The model is loaded once;
each utterance is then encoded over a window only as long as it needs (at least ``MIN_WINDOW_S``)
rather than faster-whisper's fixed 30 s, which made the encoder about nine times cheaper here. Audio
and transcripts stay in memory.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .asr import ModelError
from .whisper_models import WhisperModelInfo, repair_hint, verify

log = logging.getLogger("rekindle.voice.whisper")

SAMPLE_RATE = 16000
# Whisper was trained on 30 s windows, most of them padded. Measured on short commands: a 10 s window
# transcribes them as the 30 s one does, in a ninth of the encoder time; 5 s windows made the decoder
# repeat itself ("How much is left? How much is left? ...").
MIN_WINDOW_S = 10.0
MAX_WINDOW_S = 30.0
# Tokens written at most after the prompt: speech runs at about four tokens a second, so more than this is
# Whisper repeating itself; a command is a few tokens, and a longer transcript is a sentence already.
MAX_TOKENS = 60
# CTranslate2's threads. One, not two: the grammar decoder runs beside it, and on this 2-core machine two
# threads took 82 ms median and stalled up to 2.4 s when the other core was busy; one took 66 ms median
# and 88 ms at most over the same 50 commands.
THREADS = 1
TOKENS_PER_SECOND = 5


@dataclass(frozen=True)
class Transcript:
    """What Whisper heard: text as it wrote it (capitals, punctuation), its mean token log-probability,
    the probability it gave to there being no speech, and the seconds spent."""

    text: str
    logprob: float
    no_speech: float
    seconds: float
    prompt: str = ""
    encoded: Any = field(default=None, repr=False, compare=False)  # encoder output, for plausibility()
    frames: int = 0  # feature frames of speech in it


class WhisperTranscriber:
    """One loaded Whisper model turning utterances (16 kHz mono 16-bit PCM) into text.

    ``prompts``: by name, words Whisper should expect (the commands), given to it as the text before
    the utterance; they make single spoken commands come out as those words far more often. Each
    call to :meth:`transcribe` names the one that fits what Rekindle listens for.
    """

    def __init__(self, info: WhisperModelInfo, prompts: Mapping[str, str] | None = None, threads: int = THREADS,
                 check: bool = True, background: bool = False, start: bool = True) -> None:
        """The checksum is checked at once (a refused model is an error here). With ``background`` the
        model itself loads on a thread of its own, which took 0.3 s on a quiet machine and up to 3 s on
        a busy one: meanwhile Rekindle says its welcome, and the first :meth:`transcribe` waits for it; a
        model that then fails to load raises :class:`ModelError` there. ``start`` False: that thread
        starts only with :meth:`start` (``rekindle talk`` starts it once the grammar decoder is ready)."""
        if check:
            verify(info)
        self.info = info
        self._threads = threads
        self._prompt_texts = dict(prompts or {})
        self._ready: Future[None] = Future()
        self._loading: threading.Thread | None = None
        self._starting = threading.Lock()
        if not background:
            self._load()
            self._ready.result()
        elif start:
            self.start()

    def start(self) -> None:
        """Start loading the model in the background, if that has not started (or finished) yet."""
        with self._starting:
            if self._loading is None and not self._ready.done():
                # Not a daemon, even when started from one: a process ending while CTranslate2 still loads
                # must wait for it, or the C++ runtime aborts the process at exit ("terminate called
                # without an active exception").
                self._loading = threading.Thread(target=self._load, name="rekindle-whisper-load", daemon=False)
                self._loading.start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            try:
                Tokenizer = faster_whisper_part("tokenizer").Tokenizer
                self._model = _Model(self.info.path, self._threads)
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ModelError("faster-whisper is not installed: pip install 'rekindle[whisper]'") from exc
            except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError of several kinds
                raise ModelError(f"The Whisper model in {self.info.path} could not be loaded ({_first_line(exc)}). "
                                 + repair_hint(self.info)) from exc
            multilingual = bool(self._model.model.is_multilingual)
            self._tokenizer = Tokenizer(self._model.hf_tokenizer, multilingual, task="transcribe",
                                        language="en" if multilingual else None)
            head = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
            self._prompts = {"": head}
            for name, prompt in self._prompt_texts.items():
                said = self._tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
                self._prompts[name] = ([self._tokenizer.sot_prev, *said] if said else []) + head
            # CTranslate2's first run allocates its buffers: 1-2 s here, which would fall on the first command.
            self._transcribe(b"\0\0" * SAMPLE_RATE, "")
        except ModelError as exc:
            self._ready.set_exception(exc)
            return
        except Exception as exc:  # anything else from a model that loaded but cannot run: never leave callers waiting
            self._ready.set_exception(ModelError(f"The Whisper model in {self.info.path} could not be run "
                                                 f"({_first_line(exc)}). " + repair_hint(self.info)))
            return
        self._ready.set_result(None)
        log.info("Whisper %s ready (loaded in %.2f s, beside the rest of start-up)", self.info.size,
                 time.perf_counter() - started)

    def wait_loaded(self) -> None:
        """Return once the model has loaded or failed to (a failure is raised by :meth:`transcribe`)."""
        self._ready.exception()

    def transcribe(self, pcm: bytes, prompt: str = "") -> Transcript:
        """The utterance as Whisper writes it (greedy decoding, no timestamps), after the prompt named
        ``prompt`` ("" for none)."""
        self._ready.result()  # raises the ModelError of a model that failed to load
        return self._transcribe(pcm, prompt)

    def _transcribe(self, pcm: bytes, prompt: str) -> Transcript:
        import ctranslate2

        started = time.perf_counter()
        audio = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16).astype(np.float32) / 32768.0
        window = min(MAX_WINDOW_S, max(MIN_WINDOW_S, len(audio) / SAMPLE_RATE + 1.0))
        padded = np.zeros(int(window * SAMPLE_RATE), dtype=np.float32)
        padded[: min(len(audio), len(padded))] = audio[: len(padded)]
        features = self._model.feature_extractor(padded)[:, : int(window * 100)]
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
        encoded = self._model.model.encode(batch, to_cpu=False)
        tokens_in = self._prompts[prompt]  # max_length counts them too
        most = min(MAX_TOKENS, 6 + int(TOKENS_PER_SECOND * len(audio) / SAMPLE_RATE))
        result = self._model.model.generate(encoded, [tokens_in], beam_size=1, max_length=len(tokens_in) + most,
                                            return_scores=True, return_no_speech_prob=True)[0]
        tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
        text = without_repeats(self._tokenizer.decode(tokens).strip())
        logprob = float(result.scores[0]) if result.scores else 0.0
        frames = min(features.shape[1], len(audio) // 160 + 1)
        return Transcript(text, logprob, float(result.no_speech_prob), time.perf_counter() - started, prompt,
                          encoded, frames)

    def plausibility(self, heard: Transcript, text: str) -> float:
        """How likely Whisper finds ``text`` as what was said in the utterance it wrote ``heard`` for: the
        mean log-probability of its tokens when forced to write it (near 0 for what it wrote itself, about
        -10 on the word of a command that was not said)."""
        logprobs = self.token_logprobs(heard, text)
        return float(np.mean(logprobs)) if logprobs else float("-inf")

    def token_logprobs(self, heard: Transcript, text: str) -> list[float]:
        """The log-probability of each of ``text``'s tokens, written as Whisper writes a sentence (capital,
        final full stop), when Whisper is forced to write it for the utterance it wrote ``heard`` for; empty
        when ``heard`` holds no encoded audio. The full stop tells whether the words end there ("Next." where
        "next question" was said: -3.2 on it). No end-of-text token: CTranslate2's ``align`` gives it no
        probability whatever was said (below 1e-9 on every utterance measured), which only added a constant
        that weighed on short phrases most."""
        if heard.encoded is None:
            return []
        said = text.strip()
        said = " " + said[:1].upper() + said[1:] + ("" if said[-1:] in ".?!" else ".")
        tokens = self._tokenizer.encode(said)
        result = self._model.model.align(heard.encoded, self._prompts[heard.prompt], [tokens], heard.frames)[0]
        probabilities = np.maximum(np.asarray(result.text_token_probs, dtype=np.float64), 1e-9)
        return [float(x) for x in np.log(probabilities)]


class _Model:
    """What Rekindle uses of faster-whisper's ``WhisperModel``, loaded without it: the CTranslate2 model
    (int8 on the CPU), its tokenizer and faster-whisper's feature extractor."""

    def __init__(self, folder: Path, threads: int) -> None:
        import ctranslate2
        import tokenizers

        self.model = ctranslate2.models.Whisper(str(folder), device="cpu", compute_type="int8",
                                                intra_threads=threads)
        self.hf_tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        extractor = faster_whisper_part("feature_extractor").FeatureExtractor
        wanted = inspect.signature(extractor).parameters
        try:  # the mel settings of models that differ from Whisper's usual ones (large-v3's 128 bands)
            settings = json.loads((folder / "preprocessor_config.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            settings = {}
        self.feature_extractor = extractor(**{k: v for k, v in dict(settings).items() if k in wanted})


def faster_whisper_part(name: str) -> Any:
    """One module of faster-whisper (``tokenizer``, ``feature_extractor``: they import only tokenizers and
    numpy) without the package's ``__init__``, which imports PyAV, huggingface_hub and its voice activity
    filter: 0.2 s of CPU and 22 MB at every start, for nothing Rekindle uses."""
    if "faster_whisper" in sys.modules:
        return importlib.import_module(f"faster_whisper.{name}")
    package = importlib.util.find_spec("faster_whisper")
    if package is None or not package.submodule_search_locations:
        raise ImportError("faster-whisper is not installed")
    qualified = f"rekindle_faster_whisper_{name}"
    if qualified not in sys.modules:
        path = Path(next(iter(package.submodule_search_locations))) / f"{name}.py"
        spec = importlib.util.spec_from_file_location(qualified, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"faster-whisper has no {name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[qualified] = module
    return sys.modules[qualified]


def without_repeats(text: str) -> str:
    """``text`` with what Whisper repeated to the end of its window said once: with the commands as its
    prompt, a short utterance was sometimes written over and over ("Stop. Stop. Stop" is "Stop.";
    "Pick up. Where we left off. Pick up. Where we left off" is "Pick up. Where we left off.")."""
    pieces = [p.strip() for p in re.split(r"(?<=[.!?])\s+", text) if p.strip()]
    bare = [_bare(p) for p in pieces]
    for period in range(1, len(pieces) // 2 + 1):
        cycle = bare[:period]
        if all(b == cycle[i % period] or (i == len(bare) - 1 and cycle[i % period].startswith(b))
               for i, b in enumerate(bare)):
            kept = " ".join(pieces[:period])
            return kept if kept[-1:] in ".!?" else kept + "."
    return text


def _bare(sentence: str) -> str:
    return re.sub(r"[^a-z' ]", "", sentence.lower()).strip()


def command_prompt(samples: Iterable[str]) -> str:
    """The prompt for Whisper: the commands as short sentences ("Next. Pause. More time.")."""
    return " ".join(s[:1].upper() + s[1:] + "." for s in samples)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
