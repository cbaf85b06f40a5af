"""Choosing and loading a recogniser: Vosk when a model is installed or given, else PocketSphinx."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from intents.understanding import IntentMatcher
from interaction_models import free_talk_remarks

from .asr import (
    VOSK_MODEL_NAME,
    ModelError,
    PocketSphinxRecogniser,
    Recogniser,
    VoskRecogniser,
    installed_vosk_model,
)
from .commands import FREE_TALK_EXCLUDED
from .native import native_stderr_to_debug
from .vocabulary import Vocabulary

log = logging.getLogger("rekindle.voice")


def listening_vocabulary(matcher: IntentMatcher) -> tuple[Vocabulary, set[str]]:
    """What the laptop listens for: the interaction model's samples plus the partners' remarks, and the
    intents that may act while partners talk freely."""
    vocabulary = Vocabulary.from_matcher(matcher).with_remarks(free_talk_remarks())
    return vocabulary, vocabulary.intents() - FREE_TALK_EXCLUDED


def load_recogniser(matcher: IntentMatcher, data_dir: Path | None = None, vosk_model: Path | None = None,
                    engine: str | None = None) -> Recogniser:
    """The recogniser to use, saying which one runs and how to get Vosk.

    A downloaded Vosk model that cannot be loaded (damaged, or left half-unpacked) is named with
    what to do, and the embedded PocketSphinx runs instead. A model given with ``--vosk-model``, or
    Vosk demanded with ``engine="vosk"``, is an error instead: the user asked for exactly that.
    """
    vocabulary, free = listening_vocabulary(matcher)
    model = vosk_model or (installed_vosk_model(data_dir) if data_dir and engine != "pocketsphinx" else None)
    if engine == "vosk" and model is None:
        raise ModelError("No Vosk model is installed. Run 'rekindle models download', "
                         "or pass --vosk-model PATH to an unpacked model.")
    if model is not None and engine != "pocketsphinx":
        if not Path(model).is_dir():
            raise ModelError(f"--vosk-model {model}: no such folder.")
        try:
            with native_stderr_to_debug(log, keep=_own_log_line):  # Kaldi prints pages on a bad model
                recogniser = VoskRecogniser(Path(model), vocabulary, free)
        except ModelError as exc:
            if engine == "vosk" or vosk_model is not None:
                raise ModelError(f"{exc} {_repair_hint(Path(model), explicit=True)}") from exc
            log.warning("%s %s Using the embedded PocketSphinx recogniser meanwhile.", exc, _repair_hint(Path(model)))
        else:
            log.info("speech recognition: Vosk with %s", model)
            return recogniser
    elif data_dir is not None and engine != "pocketsphinx":
        partial = data_dir / "models" / f"{VOSK_MODEL_NAME}.zip"
        if partial.exists():
            log.warning("A half-downloaded Vosk model, %s, is in %s. Delete it and run 'rekindle models download' "
                        "again to use Vosk. Using the embedded PocketSphinx recogniser meanwhile.", partial.name,
                        partial.parent)
    log.info("speech recognition: PocketSphinx (embedded). For Vosk run 'rekindle models download'.")
    return PocketSphinxRecogniser(vocabulary, free)


def _own_log_line(line: str) -> bool:
    return re.match(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) rekindle", line) is not None


def _repair_hint(model: Path, explicit: bool = False) -> str:
    if not explicit:
        return (f"It looks damaged or only partly downloaded: delete the folder {model} and run "
                "'rekindle models download' again.")
    return (f"It looks damaged or incomplete: unpack the model again into {model}, or leave out --vosk-model "
            "to use the embedded PocketSphinx recogniser.")
