"""Start-up: the hearing loads beside the voice and the welcome, and nothing is said before it can hear.

``rekindle talk`` compiles only the grammars it needs first (:data:`local_voice.engines.STARTUP_CONTEXTS`)
and the rest once the welcome is said; a grammar left for later must hear exactly as one compiled at once.
Start-up times are measured in ``benchmarks/speech_bench.py``, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from voice_fixtures import needs_voice
from voice_speech import have_espeak, silence, speak, write_wav

from intents.engine import Rekindle
from intents.household.sqlite import SqliteStore
from intents.replies import Listening
from intents.understanding import IntentMatcher
from local_voice.asr import Recogniser
from local_voice.asr_pocketsphinx import PocketSphinxRecogniser
from local_voice.audio_in import WavSource
from local_voice.audio_out import WavSink
from local_voice.endpointer import speech_of
from local_voice.engines import STARTUP_CONTEXTS, listening_vocabulary
from local_voice.loop import Voice, VoiceLoop
from local_voice.tts import Synthesiser

pytestmark = [needs_voice, pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")]

ROOT = Path(__file__).resolve().parents[1]


def _heard(recogniser: Recogniser, phrase: str, listening: Listening) -> tuple[str, bool, str]:
    recognition = recogniser.recognise(speech_of(speak(phrase, "en-us")), listening)
    return recognition.transcript, recognition.accepted, recognition.reason


def test_grammars_left_for_later_hear_as_those_compiled_at_once(recogniser: Recogniser,
                                                               matcher: IntentMatcher) -> None:
    vocabulary, free = listening_vocabulary(matcher)
    late = PocketSphinxRecogniser(vocabulary, free, contexts=STARTUP_CONTEXTS)
    assert late.compiled == frozenset(STARTUP_CONTEXTS)
    # A step's grammar is compiled when it is first listened in ...
    for phrase in ("more time", "next", "we're done"):
        assert _heard(late, phrase, Listening.STEP) == _heard(recogniser, phrase, Listening.STEP), phrase
    assert "step" in late.compiled and "names" not in late.compiled
    # ... and the names' by prepare(), as rekindle talk does once the welcome is said.
    late.prepare()
    assert late.compiled == frozenset({"all", "names", "step", "free", "speaking"})
    said = "call us sam and robin"
    assert _heard(late, said, Listening.NAMES) == _heard(recogniser, said, Listening.NAMES)


class _Sink(WavSink):
    """Writes replies as WAV files and notes whether the hearing was ready when each began to play."""

    def __init__(self, directory: Path, hearing: Future[Recogniser]) -> None:
        super().__init__(directory)
        self.hearing = hearing
        self.ready_when_played: list[bool] = []

    def play(self, audio: object, interrupt: threading.Event | None = None) -> bool:
        self.ready_when_played.append(self.hearing.done())
        return super().play(audio, interrupt)  # type: ignore[arg-type]


def test_the_welcome_plays_only_once_the_hearing_has_loaded(recogniser: Recogniser, matcher: IntentMatcher,
                                                           tmp_path: Path) -> None:
    hearing: Future[Recogniser] = Future()
    sink = _Sink(tmp_path / "out", hearing)
    loop = VoiceLoop(Rekindle(SqliteStore(tmp_path / "r.db"), front="laptop"), "home", hearing, matcher,
                     WavSource([]), sink, Voice(Synthesiser().speak))
    threading.Timer(0.2, hearing.set_result, (recogniser,)).start()
    loop.run()
    assert sink.ready_when_played == [True]
    assert loop.recogniser is recogniser


def test_hearing_that_cannot_load_is_one_line_before_any_word(tmp_path: Path) -> None:
    said = write_wav(tmp_path / "next.wav", speak("next", "en-us") + silence(0.5))
    env = dict(os.environ, REKINDLE_HOME=str(tmp_path / "home"))
    run = subprocess.run([sys.executable, "-m", "rekindle", "talk", "--asr", "vosk", "--input-wav", str(said),
                          "--output-wav", str(tmp_path / "out")], env=env, capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "Rekindle:" not in run.stdout, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "No Vosk model is installed" in lines[0], run.stderr
