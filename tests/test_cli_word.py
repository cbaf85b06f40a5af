"""Commands keep their word at the edges a newcomer finds (issue 18, item 4).

Each test here failed before its fix: a traceback at ``forget``'s prompt on Ctrl-D, Ctrl-C there speaking of a
ritual, ``export -o -`` writing a file named ``-``.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import ROOT, rekindle


def blocked_in_read(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/syscall").read_text().split()[0] == "0"
    except (OSError, IndexError):
        return False


def waiting_in_read(pid: int) -> None:
    """Until the process blocks reading its terminal: a signal sent a moment earlier, between the prompt and the
    read, is noticed only after the read returns, which no keyboard would ever cause."""
    syscall = Path(f"/proc/{pid}/syscall")
    for _ in range(1000):
        try:
            if syscall.read_text().split()[0] == "0":  # read(2) on x86-64 and the number Linux reports there
                return
        except (OSError, IndexError):
            return  # no /proc detail here: send at once
        select.select([], [], [], 0.01)


def as_a_shell_starts_it() -> None:
    """A shell starts a command with SIGINT at its default and unblocked. A test process need not be so: native
    libraries loaded by earlier tests in the same pytest worker (the voice tests run beside these) can leave it
    ignored or blocked, and a child inherits both, so Ctrl-C went unnoticed there and nowhere else."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def signal_state(pid: int) -> str:
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "(no /proc detail)"
    return " ".join(line for line in status if line.startswith(("SigBlk", "SigIgn", "SigCgt")))


def at_a_terminal(*args: str, keys: bytes, after: bytes) -> tuple[int, str]:
    """Run ``rekindle ARGS`` on a pseudo-terminal, press ``keys`` once ``after`` is shown; exit code and screen."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rekindle", *args], cwd=ROOT, stdin=slave, stdout=slave,
                            stderr=slave, env={**os.environ, "TERM": "dumb"}, start_new_session=True,
                            preexec_fn=as_a_shell_starts_it)
    os.close(slave)
    seen = b""
    try:
        sent = False
        while True:
            if not sent and after in seen:
                if keys == b"\x03":  # Ctrl-C: the terminal sends SIGINT to the process group
                    waiting_in_read(proc.pid)
                    os.killpg(proc.pid, signal.SIGINT)
                else:
                    os.write(master, keys)
                sent = True
            ready, _, _ = select.select([master], [], [], 30 if keys != b"\x03" or not sent else 3)
            for _ in range(9 if not ready and keys == b"\x03" and sent else 0):
                # On a loaded machine the SIGINT can still land between the prompt and the read despite the
                # wait above, and then goes unnoticed until a key arrives: still in that read, press Ctrl-C again.
                if blocked_in_read(proc.pid):
                    os.killpg(proc.pid, signal.SIGINT)
                ready, _, _ = select.select([master], [], [], 3)
                if ready:
                    break
            assert ready, f"nothing for 30 s: {seen!r}; {signal_state(proc.pid)}"
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        return proc.wait(timeout=30), seen.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def keep_a_ritual() -> None:
    done = rekindle("talk", "--text", "--no-wait", "--date", "2026-12-05", "--ritual", "just-a-question",
                    stdin="yes\nnext\nnext\n")
    assert done.returncode == 0, done.stderr


def rituals_kept() -> int:
    return len(json.loads(rekindle("history", "--json").stdout)["rituals"])


@pytest.mark.parametrize("keys, code", [(b"\x04", 1), (b"\x03", 130)], ids=["ctrl-d", "ctrl-c"])
def test_forget_at_end_of_input_or_interrupted_deletes_nothing_and_says_so(keys: bytes, code: int) -> None:
    keep_a_ritual()
    exit_code, screen = at_a_terminal("forget", keys=keys, after=b"Type yes: ")
    assert "Traceback" not in screen and "EOFError" not in screen
    assert "ritual" not in screen.split("Type yes: ", 1)[1]  # Ctrl-C used to speak of a ritual kept for later
    assert exit_code == code
    assert screen.rstrip().endswith("Nothing deleted.")
    assert rituals_kept() == 1


def test_forget_at_a_terminal_deletes_on_yes() -> None:
    keep_a_ritual()
    code, screen = at_a_terminal("forget", keys=b"yes\r", after=b"Type yes: ")
    assert code == 0, screen
    assert "All household data deleted." in screen
    assert rituals_kept() == 0


def test_export_to_dash_prints_and_writes_no_file(tmp_path: Path) -> None:
    keep_a_ritual()
    here = tmp_path / "here"
    here.mkdir()
    out = subprocess.run([sys.executable, "-m", "rekindle", "export", "-o", "-"], capture_output=True, text=True,
                         cwd=here, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["households"][0]["rituals"]
    assert list(here.iterdir()) == []


NIGHT = "2026-12-05"  # planned: laughter-and-lightness for a new household (checked below)


def tonight(*args: str) -> dict[str, object]:
    out = rekindle("tonight", "--json", "--date", NIGHT, *args)
    assert out.returncode == 0, out.stderr
    data: dict[str, object] = json.loads(out.stdout)
    return data


def test_tonight_json_gives_library_questions_their_words() -> None:
    from intents.content import default_content

    questions = default_content().questions
    for night in ("2026-12-05", "2026-12-06", "2027-03-28"):
        plan = json.loads(rekindle("tonight", "--json", "--date", night).stdout)
        asked = [s for s in plan["steps"] if s["kind"] == "question"]
        assert asked, plan
        for step in asked:
            assert step["text"].strip(), step
            if "question_id" in step:
                assert step["text"] == questions[step["question_id"]].text


def test_tonight_names_the_ritual_done_tonight_not_the_planned_one() -> None:
    planned = tonight()
    assert planned["status"] == "offered" and planned["ritual_id"] != "appreciation-exchange"
    talk = rekindle("talk", "--text", "--no-wait", "--date", NIGHT, "--ritual", "appreciation-exchange",
                    stdin="yes\n" + "next\n" * 7 + "no\nnext\n")
    assert talk.returncode == 0, talk.stderr
    assert [r["ritual_id"] for r in json.loads(rekindle("history", "--json").stdout)["rituals"]] == [
        "appreciation-exchange"]
    done = tonight()
    assert (done["ritual_id"], done["status"]) == ("appreciation-exchange", "done")
    shown = rekindle("tonight", "--date", NIGHT).stdout.splitlines()
    assert "Appreciation exchange" in shown[0] and shown[1] == "  Done tonight."


def test_tonight_names_a_ritual_paused_tonight() -> None:
    talk = rekindle("talk", "--text", "--no-wait", "--date", NIGHT, "--ritual", "appreciation-exchange",
                    stdin="yes\nnext\npause\n")
    assert talk.returncode == 0, talk.stderr
    paused = tonight()
    assert (paused["ritual_id"], paused["status"], paused["step"]) == ("appreciation-exchange", "paused", 2)
    shown = rekindle("tonight", "--date", NIGHT).stdout.splitlines()
    assert "Appreciation exchange" in shown[0] and "Paused tonight at step 2" in shown[1]
    other_night = json.loads(rekindle("tonight", "--json", "--date", "2026-12-04").stdout)
    assert other_night["status"] == "offered"


def test_recognize_checks_every_file_before_loading_any_model(tmp_path: Path) -> None:
    """A 22 kHz file is refused at once: a missing Vosk model, which loading would trip over, is never reached."""
    fast = tmp_path / "fast.wav"
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", str(fast), "trim", "0", "0.3"], check=True)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    short = tmp_path / "short.wav"
    short.write_bytes(b"RIFF")
    out = rekindle("recognize", "--vosk-model", str(tmp_path / "no-model"), str(fast), str(empty), str(short))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.splitlines() == [
        f"rekindle: {fast}: need 16 kHz mono 16-bit WAV, got 22050 Hz, 1 channel(s), 16-bit. "
        f"Convert with: sox {fast} -r 16000 -c 1 -b 16 out.wav",
        f"rekindle: {empty}: not a readable WAV file (it is empty).",
        f"rekindle: {short}: not a readable WAV file (it ends before its header does).",
    ]


def test_alsa_messages_go_to_the_debug_log_not_the_terminal() -> None:
    """alsa-lib prints ``ALSA lib pcm.c:…: underrun occurred`` on its own; ``talk`` routes such lines to -vv."""
    probe = (
        "import ctypes, logging, sys\n"
        "logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format='%(message)s')\n"
        "from local_voice.native import alsa_messages_to_debug\n"
        "assert alsa_messages_to_debug(logging.getLogger('rekindle.voice'))\n"
        "pcm = ctypes.c_void_p()\n"
        "ctypes.CDLL('libasound.so.2').snd_pcm_open(ctypes.byref(pcm), b'rekindle_no_such_pcm', 0, 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "native library: ALSA snd_pcm_open_noupdate: Unknown PCM" in out.stdout
    talk = (ROOT / "rekindle" / "voice_commands.py").read_text(encoding="utf-8")
    assert "alsa_messages_to_debug(log)" in talk.split("def talk_voice", 1)[1]


def test_a_package_missing_one_page_says_add_it(tmp_path: Path) -> None:
    out = rekindle("skill-package", str(tmp_path / "pkg"), "--privacy-url", "https://example.org/privacy")
    assert out.returncode == 2
    assert out.stderr.rstrip().endswith("; add it, or pass --draft for a development package.")
    assert not (tmp_path / "pkg").exists()


def test_a_dynamodb_store_without_a_region_says_so_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "REKINDLE_DYNAMODB_ENDPOINT"}
    env.update(REKINDLE_STORE="dynamodb://rekindle", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    out = subprocess.run([sys.executable, "-m", "rekindle", "history"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert "region. Check AWS_REGION" in out.stderr and ".." not in out.stderr
