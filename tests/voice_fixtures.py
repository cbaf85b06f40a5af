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
from typing import Any

import pytest
from golden_transcripts import Golden, GoldenTurn

from intents import Rekindle, SqliteStore, command_for_intent
from intents.commands import Command
from intents.engine import Turn
from intents.replies import Listening, Reply
from intents.understanding import IntentMatcher
from local_voice.asr import Recogniser, Recognition
from local_voice.audio_in import Utterance
from local_voice.engines import listening_vocabulary
from local_voice.loop import Voice, VoiceLoop
from local_voice.tts import Audio
from local_voice.vocabulary import OPEN_ONLY, grammar_context

needs_voice = pytest.mark.skipif(
    importlib.util.find_spec("pocketsphinx") is None, reason="voice extras not installed (pip install '.[voice]')")


class PerfectRecogniser:
    """A recogniser that hears exactly the words it is given (as UTF-8 "audio"), gated as the real ones are:
    remarks are taken as remarks, and a command acts only if the grammar for what Rekindle listens for says it
    (:meth:`~local_voice.vocabulary.Vocabulary.says`), or, as Whisper's open transcript may, its intent is
    heard there without the grammar (requests at the offer, :data:`~local_voice.vocabulary.OPEN_ONLY`): the
    gate of the Whisper hearing, ``rekindle talk``'s where a Whisper model is installed."""

    engine = "text"

    def __init__(self, matcher: IntentMatcher) -> None:
        self.matcher = matcher
        self.vocabulary, free = listening_vocabulary(matcher)
        self.grammars = self.vocabulary.contexts(free)

    def recognise(self, pcm: bytes, listening: Listening = Listening.OFFER, speaking: bool = False) -> Recognition:
        words = pcm.decode("utf-8").lower()
        context = grammar_context(listening, speaking)
        grammar = self.grammars[context]
        if grammar.is_remark(words):
            return Recognition(words, False, self.engine, 0.0, 0.0, "a remark", remark=True)
        match = self.matcher.match(words)
        if match is not None and not grammar.says(match.sample) and match.intent not in OPEN_ONLY.get(context, ()):
            return Recognition("", False, self.engine, 0.0, 0.0, "not in this grammar")
        return Recognition(words, True, self.engine, 0.0, 0.0)


class _RecordingEngine:
    """The engine, with every command it is handed and every reply it gives kept for the golden checks."""

    def __init__(self, engine: Rekindle) -> None:
        self.engine = engine
        self.commands: list[Command] = []
        self.replies: list[Reply] = []

    def handle(self, household: str, command: Command, state: Any = None) -> Turn:
        turn = self.engine.handle(household, command, state)
        self.commands.append(command)
        self.replies.append(turn.reply)
        return turn


class _ScriptedSource:
    """Utterances from a golden's turns; before each, the replies to the turn before are checked."""

    def __init__(self, golden: Golden, turns: list[tuple[int, GoldenTurn]], engine: _RecordingEngine,
                 utterance_of: Callable[[str], bytes]) -> None:
        self.golden, self.turns, self.engine, self.utterance_of = golden, turns, engine, utterance_of
        self.heard: list[str | None] = []
        self.pending: tuple[int, GoldenTurn, int] | None = None

    def utterances(self) -> Iterator[Utterance]:
        for index, turn in self.turns:
            said = turn.laptop or turn
            assert said.say is not None
            self.pending = (index, turn, len(self.engine.replies))
            yield Utterance(self.utterance_of(said.say), time.perf_counter())
            self.finish()

    def finish(self) -> None:
        """Check the replies to the last utterance (the loop stops asking for more when a session ends)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.check(*pending)

    def check(self, index: int, turn: GoldenTurn, before: int) -> None:
        where = f"{self.golden.name} turn {index + 1} {(turn.laptop or turn).say!r}"
        new = self.engine.replies[before:]
        if turn.laptop_ignores:
            assert not new, f"{where}: the laptop should take this as partners talking, but it answered {new}"
            self.heard.append(None)
            return
        assert len(new) == 1, f"{where}: expected one reply, got {len(new)}"
        said = turn.laptop or turn
        command = self.engine.commands[-1]
        expected = command_for_intent(said.intent or "AMAZON.FallbackIntent", said.slots)
        assert command.kind is expected.kind, f"{where}: heard {command.kind.value}, want {expected.kind.value}"
        for slot, value in said.slots.items():
            assert value.lower() in (n.lower() for n in command.names) or str(command.minutes) == value or (
                command.mood is not None and command.mood == expected.mood) or (
                command.depth is not None and command.depth == expected.depth) or (
                command.ritual_kind is not None and command.ritual_kind == expected.ritual_kind), (where, slot, command)
        self.heard.append(said.intent)
        self.golden.check(index, new[0].text, new[0].end_session)

    def mute(self, muted: bool) -> None:
        pass

    def divert(self, feed: Callable[[bytes], None] | None) -> None:
        pass

    def listen_ahead(self, on_pause: Callable[[bytes | None], None] | None) -> None:
        pass  # whole utterances only: Whisper starts when each is recognised

    def close(self) -> None:
        pass

    def reopen(self) -> None:
        pass


class _SilentSink:
    def play(self, audio: Audio, interrupt: object = None) -> bool:
        return True

    def close(self) -> None:
        pass

    def reopen(self) -> None:
        pass


def run_golden(golden: Golden, db_path: object, recogniser: Recogniser, matcher: IntentMatcher,
               utterance_of: Callable[[str], bytes]) -> list[str | None]:
    """Run a golden transcript through the real :class:`~local_voice.loop.VoiceLoop`: each ``say``
    becomes audio with ``utterance_of`` (UTF-8 text for :class:`PerfectRecogniser`, speech for a real
    recogniser), and the loop decides, as it does at home, whether and how to act on it.

    Each opening in the transcript starts a new conversation. Returns the intents acted on.
    """
    store = SqliteStore(db_path)  # type: ignore[arg-type]
    golden.seed(store)
    engine = _RecordingEngine(Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual, front="laptop"))
    heard: list[str | None] = []
    conversations: list[list[tuple[int, GoldenTurn]]] = []
    for index, turn in golden.shared_turns():
        if turn.is_open:
            conversations.append([])
        conversations[-1].append((index, turn))
    for conversation in conversations:
        (open_index, _), rest = conversation[0], conversation[1:]
        source = _ScriptedSource(golden, rest, engine, utterance_of)
        loop = VoiceLoop(engine, golden.household, recogniser, matcher, source,  # type: ignore[arg-type]
                         _SilentSink(), Voice(None, timer_scale=0.0))
        before = len(engine.replies)
        loop.run()
        source.finish()
        opened = engine.replies[before]
        golden.check(open_index, opened.text, opened.end_session)
        heard.extend(source.heard)
        assert len(source.heard) == len(rest), f"{golden.name}: the conversation ended before its last turn"
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
