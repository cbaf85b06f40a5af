"""Helpers shared by the voice tests: skipping when a real part is missing, a golden runner, and a
private PulseAudio server with ``rekindle talk`` driven over it."""

from __future__ import annotations

import importlib.util
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from golden_transcripts import Golden

from intents import Preferences, Rekindle, SqliteStore, command_for_intent
from intents.commands import Command, CommandKind
from intents.understanding import Match

needs_voice = pytest.mark.skipif(
    importlib.util.find_spec("pocketsphinx") is None, reason="voice extras not installed (pip install '.[voice]')")


def run_golden(golden: Golden, db_path: object,
               hear: Callable[[str, bool, str | None], Match | None]) -> list[str | None]:
    """Run a golden transcript, turning each ``say`` into an intent with ``hear(text, free_talk, stage)``
    (``stage``: the engine's stage after the previous turn, which picks the loop's grammar).

    Returns the intents heard; checks every reply against the transcript.
    """
    store = SqliteStore(db_path)  # type: ignore[arg-type]
    if golden.preferences:
        store.save_preferences(golden.household, Preferences.from_dict(golden.preferences))
    engine = Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual, front="laptop")
    state = None
    free_talk = False
    heard: list[str | None] = []
    for index, turn in enumerate(golden.turns):
        if turn.is_open:
            command, state = Command(CommandKind.OPEN), None
        else:
            assert turn.say is not None
            stage = state.get("stage") if state else None
            if turn.laptop_ignores:
                ignored = hear(turn.say, free_talk, stage)
                assert ignored is None, (f"{golden.name} turn {index + 1} {turn.say!r}: the laptop should take "
                                         f"this as partners talking, heard {ignored.intent}")
                heard.append(None)
                continue
            said = turn.laptop or turn
            assert said.say is not None
            match = hear(said.say, free_talk, stage)
            heard.append(match.intent if match else None)
            expected = None if said.intent == "AMAZON.FallbackIntent" else said.intent
            got = match.intent if match else None
            assert got == expected, f"{golden.name} turn {index + 1} {said.say!r}: heard {got}, want {expected}"
            if match is None:
                command = Command(CommandKind.UNKNOWN)
            else:
                for slot, value in said.slots.items():
                    assert str(match.slots.get(slot, "")).lower() == value.lower(), (golden.name, index, match)
                command = command_for_intent(match.intent, match.slots)
        result = engine.handle(golden.household, command, state)
        golden.check(index, result.reply.text, result.reply.end_session)
        state, free_talk = result.state, result.reply.free_talk
    store.close()
    return heard


ROOT = Path(__file__).resolve().parents[1]


class PulseServer:
    """A private PulseAudio server (null sinks ``usermic`` and ``room``) that can be stopped and restarted."""

    def __init__(self, runtime: Path) -> None:
        self.runtime = runtime
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
        self.env.pop("PULSE_SERVER", None)

    def start(self) -> None:
        started = subprocess.run(
            ["pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--system=false", "--disallow-exit",
             "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=room",
             "--load=module-null-sink sink_name=usermic"], env=self.env, capture_output=True, check=False)
        if started.returncode != 0:
            pytest.skip(f"could not start pulseaudio: {started.stderr.decode()[-200:]}")
        for _ in range(100):
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("pulseaudio did not answer")

    def stop(self) -> None:
        pid_file = self.runtime / "pulse" / "pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 15)
        for _ in range(100):  # until the process has gone, so the next start is a fresh server
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def play(self, wav: Path) -> None:
        subprocess.run(["paplay", "--device=usermic", str(wav)], env=self.env, check=True)


class Talk:
    """``rekindle talk`` on the virtual microphone and speaker, both output streams read as they come."""

    def __init__(self, env: dict[str, str], *args: str, verbosity: str | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "rekindle", *([verbosity] if verbosity else []), "talk",
                                      "--input-device", "pulse", "--output-device", "pulse", *args],
                                     cwd=ROOT, env=env, text=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out: queue.Queue[str | None] = queue.Queue()
        self.err: queue.Queue[str | None] = queue.Queue()
        self.said: list[str] = []
        self.logged: list[str] = []
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _pump(stream: object, lines: queue.Queue[str | None]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line.rstrip("\n"))
        lines.put(None)

    def _until(self, lines: queue.Queue[str | None], kept: list[str], wanted: Callable[[str], bool],
               what: str) -> str:
        deadline = time.monotonic() + 120  # only so that a broken build cannot hang the suite
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            kept.append(line)
            if wanted(line):
                return line
        for other, other_kept in ((self.out, self.said), (self.err, self.logged)):  # all the failure can show
            while other is not lines and not other.empty():
                extra = other.get_nowait()
                if extra is not None:
                    other_kept.append(extra)
        raise AssertionError(f"never saw {what}; stdout {self.said}, stderr {self.logged}")

    def stdout_until(self, wanted: Callable[[str], bool], what: str) -> str:
        return self._until(self.out, self.said, wanted, what)

    def stderr_until(self, wanted: Callable[[str], bool], what: str) -> str:
        return self._until(self.err, self.logged, wanted, what)

    def say(self, pulse: PulseServer, wav: Path, reply_starts: str) -> None:
        """Speak a command, then wait for the reply that starts with ``reply_starts`` and for listening."""
        pulse.play(wav)
        self.stdout_until(lambda line: line.startswith(reply_starts), repr(reply_starts))
        self.stdout_until(lambda line: line == "(listening)", f"listening after {reply_starts!r}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def finish(self) -> int:
        code = self.proc.wait(timeout=120)
        for lines, kept in ((self.out, self.said), (self.err, self.logged)):
            while (line := lines.get(timeout=10)) is not None:
                kept.append(line)
        return code


@contextmanager
def private_pulse(prefix: str) -> Iterator[PulseServer]:
    """A PulseAudio server of its own for one test, stopped and removed afterwards."""
    runtime = Path(tempfile.mkdtemp(prefix=prefix))
    server = PulseServer(runtime)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(runtime, ignore_errors=True)
