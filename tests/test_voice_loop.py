"""Speaking and the loop without a sound card: real pyttsx3 speech, real silences and tones, WAV in and out."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import numpy as np
import pytest
from joined_base import whisper_base_in
from voice_fixtures import needs_voice
from voice_speech import have_espeak, silence, speak, write_wav

from intents.planning.plan import NIGHT_ROLLOVER_HOUR, night_of
from intents.replies import Cue, CueKind, Pause, Reply, Speech
from local_voice.loop import Voice
from local_voice.tts import Synthesiser, read_wav

pytestmark = [needs_voice, pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")]


@pytest.fixture(scope="module")
def voice() -> Voice:
    return Voice(Synthesiser().speak, timer_scale=0.5)


def _loud(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


def test_reply_renders_speech_silence_and_cues(voice: Voice) -> None:
    speech = voice.render(Reply((Speech("Hold hands."),)))
    reply = Reply((Speech("Hold hands."), Cue(CueKind.TOUCH_START), Pause(4.0, timer=True),
                   Cue(CueKind.TOUCH_END), Pause(1.0)))
    audio = voice.render(reply)
    assert _loud(speech.samples) > 200
    extra = audio.seconds - speech.seconds
    # 4 s timer scaled by 0.5, 1 s pacing pause unscaled, two cues of 0.7 s each.
    assert extra == pytest.approx(2.0 + 1.0 + 1.4, abs=0.05)
    rate = audio.rate
    start = len(speech.samples) - int(0.15 * rate)
    cue = audio.samples[start:start + int(0.7 * rate)]
    timer = audio.samples[start + int(0.75 * rate):start + int(2.65 * rate)]
    assert _loud(cue) > 500 and _loud(timer) == 0.0


def _talk_from_recordings(tmp_path: Path, phrases: list[str], ritual: str, *options: str
                          ) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, str]]:
    """``rekindle talk`` hearing ``phrases`` (one recording each) and writing its replies as WAV files."""
    inputs = [write_wav(tmp_path / f"{i}.wav", speak(t, "en-gb+m3") + silence(0.5)) for i, t in enumerate(phrases)]
    env = dict(os.environ, REKINDLE_HOME=str(whisper_base_in(tmp_path / "home")))
    out = tmp_path / "said"
    run = subprocess.run([sys.executable, "-m", "rekindle", "talk", *options, "--ritual", ritual,
                          "--input-wav", *map(str, inputs), "--output-wav", str(out)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run, out, env


def test_talk_with_wav_files_and_resume_in_text_mode(tmp_path: Path) -> None:
    """Recordings in, WAV replies out; a ritual paused by voice is resumed from the same store by text."""
    # A run across 4 a.m. is two nights (a "yes" after it answers a new night's offer), which is not this test's
    # subject: the date sweep's 03:59:55 starts it seconds before, so it waits for the night to turn first.
    now = datetime.now()
    turn = datetime.combine(night_of(now) + timedelta(days=1), dt_time(NIGHT_ROLLOVER_HOUR))
    if (turn - now).total_seconds() < 60:
        time.sleep((turn - now).total_seconds() + 0.5)
    night = night_of(datetime.now()).isoformat()
    voice_run, out, env = _talk_from_recordings(tmp_path, ["yes", "pause"], "just-a-question")
    assert "we'll pause here" in voice_run.stdout.lower()
    replies = sorted(out.glob("reply-*.wav"))
    assert len(replies) == 3 and all(read_wav(p).seconds > 1.0 for p in replies)
    text_run = subprocess.run([sys.executable, "-m", "rekindle", "talk", "--text", "--date", night, "--ritual",
                               "just-a-question"], env=env, input="", capture_output=True, text=True, timeout=60)
    assert "You were partway through Just a question" in text_run.stdout, text_run.stdout


def test_remarks_while_a_command_is_awaited_get_no_reply(tmp_path: Path) -> None:
    """"wow" at the offer and "me too" during the opening narration (each time a command is awaited)
    are heard as remarks between partners: Rekindle stays quiet instead of saying it didn't catch
    that, and "yes" and "pause" still act."""
    # espeak-ng speaks: the subject is hearing (the test above speaks with the default voice, Piper's neural one).
    run, out, _ = _talk_from_recordings(tmp_path, ["wow", "yes", "me too", "pause"], "touch-and-breathe",
                                        "--voice", "espeak")
    assert "catch that" not in run.stdout.lower(), run.stdout
    assert "we'll pause here" in run.stdout.lower(), run.stdout
    assert len(sorted(out.glob("reply-*.wav"))) == 3  # the offer, the narration, the pause


def test_an_unknown_voice_name_is_one_line_then_espeak_ngs_default_voice_speaks(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "yes.wav", speak("yes"))
    run = subprocess.run([sys.executable, "-m", "rekindle", "talk", "--asr", "pocketsphinx", "--voice",
                          "no-such-voice", "--input-wav", str(wav), "--output-wav", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "--voice no-such-voice: no espeak-ng voice has that name" in lines[0], run.stderr
    assert "Speaking with espeak-ng's default voice instead" in lines[0]
    assert read_wav(tmp_path / "o" / "reply-001.wav").seconds > 1.0


def test_models_download_fails_clearly_offline() -> None:
    run = subprocess.run([sys.executable, "-m", "rekindle", "models", "download"], capture_output=True,
                         text=True, timeout=120)
    # Where the Vosk site is reachable this downloads; here it is not, and must say what to do instead.
    if run.returncode == 0:
        pytest.skip("the Vosk site was reachable; the model was downloaded")
    assert run.returncode == 2 and "Could not download vosk-model-small-en-us-0.15" in run.stderr
    assert "PocketSphinx" in run.stderr and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1, "one line: no empty progress bar before it"
    assert not (Path(os.environ["REKINDLE_HOME"]) / "models").exists(), "a failed download leaves no folder"
