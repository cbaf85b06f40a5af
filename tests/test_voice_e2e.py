"""End to end over a real audio stack: PulseAudio with null sinks as microphone and room.

``rekindle talk`` listens to ``usermic.monitor`` and speaks into ``room``;
the test plays a couple's commands (espeak-ng) into ``usermic`` whenever
Rekindle says it is listening, records ``room.monitor``, and checks what was
said and heard. Uses the server script/test starts, or starts its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from joined_base import whisper_base_in
from voice_fixtures import Talk, needs_voice
from voice_speech import have_espeak, speak, write_wav

from intents.content import default_content
from intents.content.phrases import default_phrases
from local_voice.tts import Synthesiser

pytestmark = [pytest.mark.audio, needs_voice,
              pytest.mark.skipif(not (shutil.which("pulseaudio") and shutil.which("paplay") and have_espeak()),
                                 reason="pulseaudio, pulseaudio-utils, espeak-ng and sox needed")]


@pytest.fixture(scope="module")
def pulse() -> Iterator[dict[str, str]]:
    """Environment for a PulseAudio server with sinks ``usermic`` and ``room``."""
    env = dict(os.environ)
    if os.environ.get("REKINDLE_TEST_PULSE"):
        yield env
        return
    runtime = tempfile.mkdtemp(prefix="rekindle-pulse-")
    env["XDG_RUNTIME_DIR"] = runtime
    started = subprocess.run(
        ["pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--system=false", "--disallow-exit",
         "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=room",
         "--load=module-null-sink sink_name=usermic"], env=env, capture_output=True, check=False)
    if started.returncode != 0:
        pytest.skip(f"could not start pulseaudio: {started.stderr.decode()[-200:]}")
    for _ in range(50):
        if subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    yield env
    pid_file = Path(runtime) / "pulse" / "pid"
    if pid_file.exists():
        os.kill(int(pid_file.read_text().split()[0]), 15)
    shutil.rmtree(runtime, ignore_errors=True)


def _devices(env: dict[str, str], home: Path) -> dict[str, str]:
    """The environment for ``rekindle talk`` on the virtual microphone and room."""
    return dict(env, PULSE_SOURCE="usermic.monitor", PULSE_SINK="room", REKINDLE_HOME=str(whisper_base_in(home)),
                PYTHONUNBUFFERED="1")


def _talk(env: dict[str, str], home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "rekindle", "talk", "--input-device", "pulse",
                             "--output-device", "pulse", *args], env=_devices(env, home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _converse(env: dict[str, str], home: Path, commands: list[Path], *args: str,
              verbosity: str | None = None) -> tuple[Talk, int, list[str]]:
    """Run ``rekindle talk`` and play the next command each time Rekindle listens; returns the finished
    :class:`Talk` (its stderr in ``logged``), the exit code and Rekindle's captions.

    ``Talk`` reads stdout and stderr as they come (an unread stderr pipe fills up with PortAudio's
    underrun chatter and stalls the process) and gives up after a bounded wait, so a command Rekindle
    did not hear fails the test instead of leaving it waiting forever.
    """
    talk = Talk(_devices(env, home), *args, verbosity=verbosity)
    try:
        for wav in commands:
            talk.stdout_until(lambda line: line == "(listening)", f"listening before {wav.name}")
            time.sleep(0.3)
            subprocess.run(["paplay", "--device=usermic", str(wav)], env=env, check=True)
        code = talk.finish()
    finally:
        talk.stop()
    return talk, code, [line.removeprefix("Rekindle: ") for line in talk.said if line.startswith("Rekindle: ")]


def _record(env: dict[str, str], path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["parecord", "--device=room.monitor", "--rate=16000", "--channels=1",
                             "--format=s16le", "--file-format=wav", str(path)], env=env)


# The rate the tests that run whole steps speak at (Rekindle's fastest): what they check does not depend on a
# calm pace, and at the default 160 words a minute the replies alone took a minute of each test.
FAST_RATE = "440"


def _voiced_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    frames = x[: len(x) // 320 * 320].reshape(-1, 320)
    return float((np.sqrt((frames**2).mean(axis=1)) > 300).sum() * 0.02)


@pytest.mark.slow
def test_whole_ritual_hands_free(pulse: dict[str, str], tmp_path: Path) -> None:
    commands = [write_wav(tmp_path / f"{i}.wav", speak(text, "en-gb+m3"))
                for i, text in enumerate(["yes", "yes", "next"])]
    recording = tmp_path / "room.wav"
    recorder = _record(pulse, recording)
    try:
        talk, code, said = _converse(pulse, tmp_path / "home", commands, "--ritual", "just-a-touch",
                                     "--timer-scale", "0.02", "--rate", FAST_RATE)
    finally:
        recorder.terminate()
        recorder.wait(timeout=10)
    stderr = "\n".join(talk.logged)
    assert code == 0, stderr
    assert len(said) == 4, said
    assert "Shall we begin" in said[0] and "or no to pass" in said[1]
    assert "[touch start chime]" in said[2] and "first ritual with Rekindle" in said[3]
    # The room heard Rekindle speak (the commands are played into the microphone, not the room): many seconds
    # of voiced audio, at least a third of what its captions take at the rate asked for.
    words = sum(len(line.split()) for line in said)
    assert _voiced_seconds(recording) > words * 60 / int(FAST_RATE) / 3, (_voiced_seconds(recording), words)
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_stop_while_rekindle_speaks_cuts_it_short(pulse: dict[str, str], tmp_path: Path) -> None:
    """Barge-in with headphones (``--barge-in always``; the room does not reach the microphone here):
    "stop" said over the welcome ends it there, and the goodbye follows at once."""
    stop = write_wav(tmp_path / "stop.wav", speak("stop", "en-gb+m3"))
    proc = _talk(pulse, tmp_path / "home", "--ritual", "just-a-touch", "--barge-in", "always")
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the caption is written just before the audio starts
    started = time.monotonic()
    assert first.startswith("Rekindle: ") and first.rstrip().endswith("begin?")
    welcome = Synthesiser().speak(first.removeprefix("Rekindle: ").strip())
    time.sleep(0.5)
    subprocess.run(["paplay", "--device=usermic", str(stop)], env=pulse, check=True)
    assert proc.stdout.readline().strip() == "(interrupted)"
    assert time.monotonic() - started < welcome.seconds, "the welcome played to its end"
    said = proc.stdout.readline()
    assert any(goodbye in said for goodbye in default_phrases().table["goodbye"])  # "stop" at the offer
    assert proc.wait(timeout=30) == 0


PAUSE_TIMER_SCALE = 3.0
PAUSE_MARGIN = 20.0  # seconds of the timer left, at least, once "pause" is played


@pytest.mark.slow
def test_pause_during_a_touch_timer(pulse: dict[str, str], tmp_path: Path) -> None:
    """A touch timer runs for minutes; "pause" said during it pauses the ritual there (the default).

    "pause" is played once the words before the timer are surely said: twice the time they take at the pace
    Rekindle was just heard speaking at (the touch's offer, from its caption to listening), plus a second. The
    voice loop lets the clock draw tonight's touch, so the timers are stretched (``--timer-scale``) until the
    shortest touch in the library still runs well past that moment, whichever is drawn."""
    shortest = min(t.seconds for t in default_content().touch_prompts.values() if t.seconds)
    commands = [write_wav(tmp_path / f"{w}.wav", speak(w, "en-gb+m3")) for w in ("yes", "pause")]
    proc = _talk(pulse, tmp_path / "home", "--ritual", "just-a-touch", "--timer-scale", str(PAUSE_TIMER_SCALE),
                 "--rate", FAST_RATE)
    assert proc.stdout is not None
    said: list[str] = []
    caption: tuple[float, int] | None = None  # when the last caption came, and its words
    seconds_a_word = 0.0
    for line in proc.stdout:
        said.append(line.strip())
        if said[-2:-1] == ["(interrupted)"]:
            break
        if line.strip() == "(listening)":
            if caption is not None:
                seconds_a_word = (time.monotonic() - caption[0]) / caption[1]
            time.sleep(0.3)
            subprocess.run(["paplay", "--device=usermic", str(commands[0])], env=pulse, check=True)
        elif "[touch start chime]" in line:
            wait = 2 * len(line.split("[touch start chime]")[0].split()) * seconds_a_word + 1
            assert seconds_a_word and shortest * PAUSE_TIMER_SCALE >= wait + PAUSE_MARGIN, (
                f"a {shortest} s touch ends too soon after {wait:.1f} s", said)
            time.sleep(wait)  # past the words before the timer, well inside it
            subprocess.run(["paplay", "--device=usermic", str(commands[1])], env=pulse, check=True)
        elif line.startswith("Rekindle: "):
            caption = (time.monotonic(), len(line.split()))
    proc.terminate()
    proc.wait(timeout=30)
    assert said[-2] == "(interrupted)" and "pause" in said[-1].lower(), said
    history = subprocess.run([sys.executable, "-m", "rekindle", "history", "--json"], capture_output=True, text=True,
                             env=dict(pulse, REKINDLE_HOME=str(tmp_path / "home")), timeout=60)
    assert json.loads(history.stdout)["rituals"] == [], "paused, not finished"


@pytest.mark.slow
def test_rekindle_hearing_itself_never_stops_itself(pulse: dict[str, str], tmp_path: Path) -> None:
    """Loud speakers beside the microphone: the room feeds everything Rekindle says back into the
    microphone at full level, and a whole ritual still runs without a single barge-in."""
    loopback = subprocess.run(["pactl", "load-module", "module-loopback", "source=room.monitor", "sink=usermic",
                               "latency_msec=30"], env=pulse, capture_output=True, text=True, check=True).stdout.strip()
    try:
        commands = [write_wav(tmp_path / f"{i}.wav", speak(text, "en-gb+m3"))
                    for i, text in enumerate(["yes", "yes", "next"])]
        talk, code, said = _converse(pulse, tmp_path / "home", commands, "--ritual", "just-a-touch",
                                     "--timer-scale", "0.05", "--rate", FAST_RATE, verbosity="-vv")
    finally:
        subprocess.run(["pactl", "unload-module", loopback], env=pulse, check=True)
    log = "\n".join(talk.logged)
    assert code == 0, log
    assert len(said) == 4 and "first ritual with Rekindle" in said[3], log
    assert "barge-in: command" not in log and "listening in a timer" in log, log


@pytest.mark.slow
def test_by_default_the_mic_is_ignored_while_rekindle_speaks(pulse: dict[str, str], tmp_path: Path) -> None:
    """By default only touch timers are listened to: "stop" played over the welcome is discarded."""
    stop = write_wav(tmp_path / "stop.wav", speak("stop", "en-gb+m3"))
    proc = _talk(pulse, tmp_path / "home", "--ritual", "just-a-touch")
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("Rekindle: ") and first.rstrip().endswith("begin?")
    subprocess.run(["paplay", "--device=usermic", str(stop)], env=pulse, check=True)  # during the welcome
    assert proc.stdout.readline().strip() == "(listening)"
    time.sleep(2.0)
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    assert "We'll stop here" not in out and not any(g in out for g in default_phrases().table["goodbye"])


def test_missing_microphone_suggests_text(pulse: dict[str, str], tmp_path: Path) -> None:
    proc = _talk(pulse, tmp_path / "home", "--input-device", "no-such-microphone")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "No microphone found" in err and "--text" in err and "Traceback" not in err


def test_devices_lists_the_virtual_audio(pulse: dict[str, str]) -> None:
    run = subprocess.run([sys.executable, "-m", "rekindle", "devices"], env=pulse, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "pulse" in run.stdout and "microphone" in run.stdout and "speaker" in run.stdout
