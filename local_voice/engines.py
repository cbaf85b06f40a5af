"""Choosing and loading a recogniser: Vosk when a model is installed or given, else PocketSphinx."""

from __future__ import annotations

import logging
from pathlib import Path

from intents.understanding import IntentMatcher

from .asr import ModelError, PocketSphinxRecogniser, Recogniser, VoskRecogniser, installed_vosk_model
from .commands import FREE_TALK_EXCLUDED
from .vocabulary import Vocabulary

log = logging.getLogger("rekindle.voice")


def load_recogniser(matcher: IntentMatcher, data_dir: Path | None = None, vosk_model: Path | None = None,
                    engine: str | None = None) -> Recogniser:
    """The recogniser to use, saying which one runs and how to get Vosk."""
    vocabulary = Vocabulary.from_matcher(matcher)
    free = vocabulary.intents() - FREE_TALK_EXCLUDED
    model = vosk_model or (installed_vosk_model(data_dir) if data_dir and engine != "pocketsphinx" else None)
    if engine == "vosk" and model is None:
        raise ModelError("No Vosk model is installed. Run 'rekindle models download', "
                         "or pass --vosk-model PATH to an unpacked model.")
    if model is not None and engine != "pocketsphinx":
        if not Path(model).is_dir():
            raise ModelError(f"--vosk-model {model}: no such folder.")
        log.info("speech recognition: Vosk with %s", model)
        return VoskRecogniser(Path(model), vocabulary, free)
    log.info("speech recognition: PocketSphinx (embedded). For Vosk run 'rekindle models download'.")
    return PocketSphinxRecogniser(vocabulary, free)
