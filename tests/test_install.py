"""Installing Rekindle as a newcomer would (issue 12): from a clean copy of the project, into fresh
virtual environments, with no extras, with only the Alexa extra, with only the voice extra.

The wheel is built once; each environment is created without pip of its own and filled by this
environment's pip (``pip --python``), which takes packages from the same indexes and caches that
script/setup used, so nothing is fetched three more times. Commands run outside the project folder,
so only the installed copy can be imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from test_alexa_helpers import envelope, intent_request, launch_request
from test_cli import ROOT

pytestmark = pytest.mark.slow

VOICE_MODULES = ("numpy", "pocketsphinx", "vosk", "sounddevice", "pyttsx3")
ALEXA_MODULES = ("ask_sdk_core", "boto3", "flask", "waitress", "cryptography")


def run(*args: str | Path, cwd: Path, stdin: str = "", timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def packaging_warnings(output: str) -> list[str]:
    """Warning lines from the build, leaving out pip's notes about this machine's own index settings."""
    return [line for line in output.splitlines()
            if "warning" in line.lower() and not line.startswith("WARNING: Location 'file:")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of exactly the files git tracks (a clean clone)."""
    clone = tmp_path_factory.mktemp("clone")
    files = run("git", "ls-files", "-z", cwd=ROOT).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            target = clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    out = clone / "dist"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, clone, cwd=clone)
    assert built.returncode == 0, built.stderr
    assert packaging_warnings(built.stdout + built.stderr) == []
    [whl] = out.glob("rekindle-*.whl")
    return whl


def fresh_env(where: Path, requirement: str) -> Path:
    """A new virtual environment holding ``requirement``; returns its bin folder."""
    venv.create(where, with_pip=False)
    python = where / "bin" / "python"
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "-q", requirement, cwd=where)
    assert done.returncode == 0, done.stderr
    return where / "bin"


def importable(python: Path, modules: tuple[str, ...], cwd: Path) -> list[str]:
    code = ("import importlib.util, json, sys; "
            "print(json.dumps([m for m in sys.argv[1:] if importlib.util.find_spec(m)]))")
    return list(json.loads(run(python, "-c", code, *modules, cwd=cwd).stdout))


def test_core_install_without_extras(wheel: Path, tmp_path: Path) -> None:
    bin_ = fresh_env(tmp_path / "core", str(wheel))
    assert importable(bin_ / "python", VOICE_MODULES + ALEXA_MODULES, tmp_path) == []
    rekindle = bin_ / "rekindle"

    for command in (["tonight"], ["tonight", "--json", "--date", "2027-03-01"], ["content"],
                    ["content", "--list"], ["history"], ["export"]):
        out = run(rekindle, *command, cwd=tmp_path)
        assert out.returncode == 0 and out.stderr == "", (command, out.stderr)
    ritual = run(rekindle, "talk", "--text", "--no-wait", "--ritual", "just-a-touch", cwd=tmp_path,
                 stdin="yes\nyes\nnext\n")
    assert ritual.returncode == 0 and ritual.stderr == "", ritual.stderr
    assert "Thank you for that little moment" in ritual.stdout
    history = json.loads(run(rekindle, "history", "--json", cwd=tmp_path).stdout)["rituals"]
    assert [r["ritual_id"] for r in history] == ["just-a-touch"]
    export = json.loads(run(rekindle, "export", cwd=tmp_path).stdout)
    assert export["households"][0]["nights_together"] == 1

    for command in (["talk"], ["devices"], ["recognize", "x.wav"]):
        out = run(rekindle, *command, cwd=tmp_path)
        assert out.returncode == 2 and out.stdout == "", (command, out.stderr)
        assert out.stderr.count("\n") == 1 and "pip install 'rekindle[voice]'" in out.stderr, out.stderr
        assert "rekindle talk --text" in out.stderr


def test_alexa_extra_only_runs_the_lambda_handler(wheel: Path, tmp_path: Path) -> None:
    bin_ = fresh_env(tmp_path / "alexa", f"rekindle[alexa] @ {wheel.as_uri()}")
    assert importable(bin_ / "python", VOICE_MODULES, tmp_path) == []
    events = [envelope(launch_request(), session_id="s-1", new=True, attributes=None),
              envelope(intent_request("AMAZON.HelpIntent"), session_id="s-1", new=False, attributes=None)]
    code = ("import json, os, sys; from skill.lambda_function import lambda_handler; "
            "replies = [lambda_handler(event, None) for event in json.load(sys.stdin)]; "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('rekindle', 'platformdirs')); "
            "print(json.dumps({'replies': replies, 'loaded': loaded}))")
    db = tmp_path / "lambda.db"
    out = subprocess.run([bin_ / "python", "-c", code], input=json.dumps(events), capture_output=True, text=True,
                         cwd=tmp_path, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "REKINDLE_STORE": f"sqlite:///{db}", "TZ": "UTC"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    speech = [r["response"]["outputSpeech"]["ssml"] for r in result["replies"]]
    assert "Shall we begin" in speech[0] and all(r["response"]["shouldEndSession"] is False for r in result["replies"])
    assert result["loaded"] == []  # the handler needs neither the command line nor platformdirs
    assert db.is_file()


def test_voice_extra_only_recognises_speech(wheel: Path, tmp_path: Path) -> None:
    from voice_speech import have_espeak, speak, write_wav  # numpy: only this test needs the voice extras

    if not have_espeak():
        pytest.skip("espeak-ng and sox are needed to make the spoken test audio")
    bin_ = fresh_env(tmp_path / "voice", f"rekindle[voice] @ {wheel.as_uri()}")
    assert importable(bin_ / "python", ALEXA_MODULES, tmp_path) == []
    wav = write_wav(tmp_path / "next.wav", speak("next", "en-us"))
    out = run(bin_ / "rekindle", "recognize", "--json", wav, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)
    assert row["intent"] == "AMAZON.NextIntent" and row["engine"] == "pocketsphinx"
