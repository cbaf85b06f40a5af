"""One typed conversation: type what you would say, read what Rekindle would say.

It understands typed phrases with the same interaction-model matcher the
voice loop uses, and drives the same engine. Touch moments and quiet
reflections are paced: a countdown runs while the couple can still type
"more time", "stop" or any other command. Ends cleanly at end of input.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from typing import TextIO

from intents.commands import Command, CommandKind
from intents.engine import Rekindle
from intents.replies import Pause, Reply, Segment
from intents.understanding import IntentMatcher, command_for_intent

from .captions import clock_text, render_segments, render_text

GOODBYE = "Rekindle: Goodbye for now. If you stopped midway, you can pick up later tonight."


def understand(matcher: IntentMatcher, text: str) -> Command:
    """What a typed line asks of the engine: the interaction model's intent, or UNKNOWN."""
    match = matcher.match(text)
    if match is None:
        return Command(CommandKind.UNKNOWN)
    return command_for_intent(match.intent, match.slots)


class TypedLines:
    """Lines as they are typed (or piped), read on a thread so a countdown can run meanwhile.

    :meth:`get` returns the next line, None at end of input, or ``""`` when ``timeout`` passed first.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True, name="typed-lines").start()

    def _read(self, lines: Iterable[str]) -> None:
        try:
            for line in lines:
                self._queue.put(line if line.strip() else "\n")
        finally:
            self._queue.put(None)

    def get(self, timeout: float | None = None) -> str | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return ""


class TextConversation:
    """One typed conversation with the engine.

    ``timer_scale`` paces timed moments (1 = real time); None prints each reply at once and
    never waits, for scripts and tests.
    """

    def __init__(self, engine: Rekindle, household: str, lines: Iterable[str], out: TextIO,
                 matcher: IntentMatcher | None = None, prompt: str = "> ",
                 timer_scale: float | None = None) -> None:
        self.engine = engine
        self.household = household
        self.typed = TypedLines(lines)
        self.out = out
        self.matcher = matcher or IntentMatcher.for_locale()
        self.prompt = prompt
        self.timer_scale = timer_scale
        self.live = timer_scale is not None and out.isatty()
        self.turns = 0
        self._left = 0.0  # seconds a timer still had when a typed command cut it short

    def run(self) -> int:
        """Open, then a turn per typed command until the session or input ends; returns turns taken."""
        command = Command(CommandKind.OPEN)
        state: dict[str, object] | None = None
        while True:
            turn = self.engine.handle(self.household, command, state)
            state, self.turns = turn.state, self.turns + 1
            # "more time" typed during a timer adds to the time left rather than starting afresh.
            line = self.show(turn.reply, self._left if command.kind is CommandKind.MORE_TIME else 0.0)
            if turn.reply.end_session:
                return self.turns
            if line == "":
                self._write(self.prompt)
                line = self._next_line()
            if line is None:
                self._write(f"\n{GOODBYE}\n")
                return self.turns
            command = understand(self.matcher, line)

    def _next_line(self) -> str | None:
        while True:
            line = self.typed.get()
            if line is None or line.strip():
                return line
            self._write(self.prompt)

    def show(self, reply: Reply, carried: float = 0.0) -> str | None:
        """Write a reply, pacing its timers (the first one ``carried`` seconds longer); returns a
        command typed during a timer (it cuts the rest of the reply short), None if input ended
        meanwhile, else ``""``."""
        self._left = 0.0
        if self.timer_scale is None or not reply.timed_seconds:
            self._write(f"Rekindle: {render_text(reply)}\n")
            return ""
        said: list[Segment] = []
        for seg in reply.segments:
            if not (isinstance(seg, Pause) and seg.timer):
                said.append(seg)
                continue
            if said:
                self._write(f"Rekindle: {render_segments(said)}\n")
                said = []
            typed = self.count_down(seg.seconds + carried)
            carried = 0.0
            if typed != "":
                return typed
        if said:
            self._write(f"Rekindle: {render_segments(said)}\n")
        return ""

    def count_down(self, seconds: float) -> str | None:
        """Wait out a timer, showing the time left, until it ends (``""``), a command is typed (the
        line), or input ends (None). Typed words that are not commands leave the timer running."""
        scale = self.timer_scale or 0.0
        deadline = time.monotonic() + seconds * scale
        self._status(seconds, fresh=True)
        while (left := deadline - time.monotonic()) > 0:
            line = self.typed.get(timeout=min(1.0, left))
            if line is None:
                return None
            if line.strip():
                if understand(self.matcher, line).kind is not CommandKind.UNKNOWN:
                    self._left = max(0.0, deadline - time.monotonic()) / scale
                    return line
                self._write("(Not a command; the timer goes on.)\n")
            if self.live:
                self._status((deadline - time.monotonic()) / scale, fresh=line != "")
        if self.live:
            self._write("\0337\033[1A\r\033[2K  [time is up]\0338\r\033[2K")
        return ""

    def _status(self, left: float, fresh: bool) -> None:
        """The time left: on a terminal a line kept just above the prompt and rewritten in place
        (what is being typed stays where it is); otherwise one plain line when the timer starts."""
        text = f"[{clock_text(left)} left; type \"more time\" or \"stop\" meanwhile]"
        if not self.live:
            if fresh:
                self._write(f"{text}\n")
        elif fresh:
            self._write(f"  {text}\n{self.prompt}")
        else:
            self._write(f"\0337\033[1A\r\033[2K  {text}\0338")

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()


def run_text_loop(
    engine: Rekindle,
    household: str,
    lines: Iterable[str],
    out: TextIO,
    matcher: IntentMatcher | None = None,
    prompt: str = "> ",
    timer_scale: float | None = None,
) -> int:
    """Run one conversation over lines of text; returns the number of turns taken.

    ``timer_scale`` (1 = real time) paces touch timers with a countdown; None never waits.
    """
    return TextConversation(engine, household, lines, out, matcher, prompt, timer_scale).run()
