"""Privacy, hands-free (issue 5, item 6): what partners say aloud is never kept, logged or echoed.

A whole ritual runs through ``rekindle -vv talk`` over PulseAudio: the test speaks the commands into
the virtual microphone and, while a question is open, partners' answers (espeak-ng saying sentences
with distinctive words). Afterwards the data folder, the process's temp folder (``TMPDIR``), its
stdout and stderr (debug logging on) and an export are searched for the answers' words, with the same
search as the text-mode test, and for any audio file at all.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from joined_base import whisper_base_in
from test_privacy_text import files_holding, rekindle
from voice_fixtures import PulseServer, Talk, needs_voice, private_pulse
from voice_speech import have_espeak, silence, speak, write_wav

pytestmark = [pytest.mark.audio, pytest.mark.slow, needs_voice,
              pytest.mark.skipif(not (shutil.which("pulseaudio") and shutil.which("paplay") and have_espeak()),
                                 reason="pulseaudio, pulseaudio-utils, espeak-ng and sox needed")]

# Said aloud while the question is open, first by one partner, then by the other.
FIRST_ANSWERS = ("Honestly the marmalade pancakes we made in Zanzibar during that thunderstorm",)
SECOND_ANSWERS = ("A photo of the lighthouse where we were stargazers and daydreamers",)
SECRET_WORDS = ("lighthouse", "zanzibar", "marmalade", "pancakes", "thunderstorm", "stargazers", "daydreamers")
AUDIO_SUFFIXES = {".wav", ".raw", ".pcm", ".flac", ".ogg", ".mp3"}


@pytest.fixture
def pulse() -> Iterator[PulseServer]:
    """The server script/test started (this test never stops it), or one of its own."""
    if os.environ.get("REKINDLE_TEST_PULSE") and os.environ.get("XDG_RUNTIME_DIR"):
        yield PulseServer(Path(os.environ["XDG_RUNTIME_DIR"]))
        return
    with private_pulse("rekindle-pulse-privacy-") as server:
        yield server


def audio_files(folder: Path) -> list[str]:
    """Files that are audio by name or by content (a RIFF/WAVE header)."""
    found = []
    for path in (p for p in folder.rglob("*") if p.is_file()):
        with path.open("rb") as f:
            head = f.read(12)
        if path.suffix.lower() in AUDIO_SUFFIXES or (head[:4] == b"RIFF" and head[8:12] == b"WAVE"):
            found.append(str(path.relative_to(folder)))
    return found


def test_spoken_answers_leave_no_trace(pulse: PulseServer, tmp_path: Path, _isolated_home: Path) -> None:
    speech = tmp_path / "speech"  # the test's own recordings, outside every folder searched
    speech.mkdir()

    def wav(name: str, text: str) -> Path:
        return write_wav(speech / f"{name}.wav", speak(text, "en-gb+m3", speed=190) + silence(0.7))

    yes, nxt = wav("yes", "yes"), wav("next", "next")
    first = [wav(f"a{i}", text) for i, text in enumerate(FIRST_ANSWERS)]
    second = [wav(f"b{i}", text) for i, text in enumerate(SECOND_ANSWERS)]
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**pulse.env, "PULSE_SOURCE": "usermic.monitor", "PULSE_SINK": "room", "PYTHONUNBUFFERED": "1",
           "REKINDLE_HOME": str(whisper_base_in(_isolated_home)), "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp),
           "REKINDLE_TIMER_SCALE": "0.02"}

    talk = Talk(env, "--ritual", "just-a-question", "--rate", "440", verbosity="-vv")
    try:
        talk.stdout_until(lambda line: line == "(listening)", "listening after the welcome")
        talk.say(pulse, yes, "Rekindle: ")
        for answer in first:  # free talk: heard, and dropped
            pulse.play(answer)
        talk.say(pulse, nxt, "Rekindle: Thank you.")
        for answer in second:
            pulse.play(answer)
        pulse.play(nxt)
        talk.stdout_until(lambda line: "first ritual with Rekindle" in line, "the closing")
        code = talk.finish()
    finally:
        talk.stop()
    out, err = "\n".join(talk.said), "\n".join(talk.logged)
    assert code == 0, err
    assert "DEBUG rekindle.engine" in err and "command AMAZON.NextIntent" in err  # -vv really logged each turn
    # Every answer was heard and dropped (so the search below means something): one "not a command"
    # per answer sentence at least; and no answer acted as a command (four replies, in order).
    assert err.count("DEBUG rekindle.voice.loop: not a command") >= len(FIRST_ANSWERS) + len(SECOND_ANSWERS), err
    assert sum(line.startswith("Rekindle: ") for line in talk.said) == 4, out
    history = json.loads(rekindle("history", "--json", env=env).stdout)["rituals"]
    assert [(r["ritual_id"], r["front"]) for r in history] == [("just-a-question", "laptop")]

    assert (_isolated_home / "rekindle.db").exists()
    assert audio_files(_isolated_home) == [] and audio_files(tmp) == []
    assert _not_installed(files_holding(_isolated_home, SECRET_WORDS), _isolated_home) == {}
    assert files_holding(tmp, SECRET_WORDS) == {}
    for stream, text in (("stdout", out), ("stderr", err)):
        assert [w for w in SECRET_WORDS if w in text.lower()] == [], stream
    export = rekindle("export", env=env).stdout.lower()
    assert [w for w in SECRET_WORDS if w in export] == []


def _not_installed(found: dict[str, list[str]], home: Path) -> dict[str, list[str]]:
    """``found`` without Whisper base's files copied byte for byte from its package into the data folder (its
    tokenizer lists every word of the language: the answers' words are in it before anyone speaks)."""
    from local_voice.whisper_join import installed_parts

    parts = installed_parts()
    package = parts.first if parts is not None else None

    def installed(name: str) -> bool:
        copy = package / Path(name).name if package is not None else None
        return (name.startswith("models/whisper-base/") and copy is not None and copy.is_file()
                and copy.read_bytes() == (home / name).read_bytes())

    return {name: words for name, words in found.items() if not installed(name)}
