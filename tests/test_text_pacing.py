"""Text mode paces touch moments (issue 12, item 6) and runs any night with --date (issue 13, item 6).

A couple typing because they have no microphone still gets the timer: a countdown runs while
"more time" or "stop" can be typed. Real processes over pipes (and a pseudo-terminal for the live
countdown); the tests wait for what is printed, never for a length of time.
"""

from __future__ import annotations

import json
import os
import pty
import queue
import re
import select
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from test_cli import ROOT, rekindle

COUNTDOWN = re.compile(r"\[(\d+):(\d\d) left; type \"more time\" or \"stop\" meanwhile\]")


class Typing:
    """``rekindle talk --text`` with a person at the keyboard: type a line, read what comes back."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "rekindle", "talk", "--text", *args], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.seen: list[str] = []

    def _pump(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put("")

    def until(self, pattern: str) -> str:
        """Lines until one matching ``pattern`` (fails at end of output or after a minute of silence)."""
        while True:
            line = self.lines.get(timeout=60)
            assert line, f"output ended before {pattern!r}: {self.seen}"
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def type(self, text: str) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def finish(self) -> int:
        assert self.proc.stdin
        self.proc.stdin.close()
        code = self.proc.wait(timeout=60)
        assert self.proc.stderr
        assert "Traceback" not in self.proc.stderr.read()
        return code


@pytest.fixture
def typing() -> Iterator[list[Typing]]:
    started: list[Typing] = []
    yield started
    for run in started:
        if run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()


def test_a_touch_timer_runs_out_then_the_reply_goes_on(typing: list[Typing]) -> None:
    """Nothing typed during the timer (scaled down for the test): the reply's end comes by itself."""
    talk = Typing("--ritual", "just-a-touch", "--timer-scale", "0.02")
    typing.append(talk)
    talk.until("Shall we begin")
    talk.type("yes")
    talk.until("or no to pass")
    talk.type("yes")
    start = talk.until(r"\[touch start chime\]")
    assert "[touch end chime]" not in start  # the reply is cut at the timer, not printed whole
    minutes, seconds = map(int, COUNTDOWN.search(talk.until("left; type")).groups())  # type: ignore[union-attr]
    assert 60 * minutes + seconds > 0
    after = talk.until(r"touch end chime")
    assert after.startswith("Rekindle: [touch end chime]")
    talk.type("next")
    talk.until("Thank you for that little moment")
    assert talk.finish() == 0


def test_more_time_and_stop_typed_during_the_timer_act(typing: list[Typing]) -> None:
    # A night pinned so the drawn touch is long (90 s): the words below are typed well inside it on any day.
    talk = Typing("--ritual", "just-a-touch", "--date", "2027-01-01")
    typing.append(talk)
    talk.until("Shall we begin")
    talk.type("yes")
    talk.until("or no to pass")
    talk.type("yes")
    first = COUNTDOWN.search(talk.until("left; type"))
    assert first is not None
    full = 60 * int(first[1]) + int(first[2])
    talk.type("that felt nice")  # words to each other, not a command: the timer goes on
    assert talk.until(r"\S").strip() == "(Not a command; the timer goes on.)"
    talk.type("more time")
    talk.until("a little longer")
    longer = COUNTDOWN.search(talk.until("left; type"))
    assert longer is not None
    # the extra half-minute is added to what was left, so "more time" never means less time
    assert 60 * int(longer[1]) + int(longer[2]) > max(full, 30)
    talk.type("stop")
    talk.until("We'll stop here")
    assert talk.finish() == 0


def test_no_wait_prints_each_reply_whole_for_scripts() -> None:
    out = rekindle("talk", "--text", "--no-wait", "--ritual", "just-a-touch", stdin="yes\nyes\nnext\n")
    assert out.returncode == 0, out.stderr
    # the whole touch in one reply, a swap halfway included where tonight's touch has one
    assert re.search(r"\[touch start chime\] \[\d+ seconds\] (?:[^\[\]]+ \[\d+ seconds\] )?\[touch end chime\]",
                     out.stdout)
    assert "left; type" not in out.stdout
    assert [r["ritual_id"] for r in json.loads(rekindle("history", "--json").stdout)["rituals"]] == ["just-a-touch"]


def test_a_terminal_gets_a_live_countdown_above_the_prompt() -> None:
    """On a terminal the time left is rewritten in place on the line above the prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "rekindle", "talk", "--text", "--ritual", "just-a-touch",
                             "--timer-scale", "0.1"], cwd=ROOT, stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, "TERM": "xterm"})
    os.close(slave)
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            assert ready, f"nothing for a minute while waiting for {marker!r}: {seen!r}"
            chunk = os.read(master, 4096)
            assert chunk, seen
            seen += chunk

    try:
        read_until(b"> ")
        os.write(master, b"yes\n")
        read_until(b"or no to pass")
        os.write(master, b"yes\n")
        read_until(b"[time is up]")
        read_until(b"touch end chime")
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    countdown = seen[seen.index(b"[touch start chime]"):]
    assert b"left; type" in countdown and b"\n> " in countdown
    assert b"\x1b7\x1b[1A\r\x1b[2K  [" in countdown  # rewritten in place, the prompt line left alone


def test_date_runs_that_night_and_records_it_there() -> None:
    night = "2027-02-14"
    planned = json.loads(rekindle("tonight", "--json", "--date", night).stdout)
    out = rekindle("talk", "--text", "--no-wait", "--date", night, stdin="")  # the offer only
    assert out.returncode == 0, out.stderr
    assert planned["title"] in out.stdout.splitlines()[0]
    done = rekindle("talk", "--text", "--no-wait", "--date", night, "--ritual", "just-a-question",
                    stdin="yes\nnext\nnext\n")
    assert done.returncode == 0, done.stderr
    assert [r["night"] for r in json.loads(rekindle("history", "--json").stdout)["rituals"]] == [night]


def test_date_is_for_text_mode() -> None:
    out = rekindle("talk", "--date", "2027-02-14")
    assert out.returncode == 2 and out.stderr == "rekindle: --date is for text mode: add --text.\n"
