"""Text mode: type what you would say, read what Rekindle would say.

It understands typed phrases with the same interaction-model matcher the
voice loop uses, and drives the same engine. Ends cleanly at end of input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from intents.commands import Command, CommandKind
from intents.engine import Rekindle
from intents.intent_map import command_for_intent
from intents.replies import Cue, Pause, Reply, Speech
from intents.understanding import IntentMatcher


def render_text(reply: Reply) -> str:
    """A reply as text: speech, with quiet moments and cues shown in brackets."""
    parts: list[str] = []
    for seg in reply.segments:
        if isinstance(seg, Speech):
            parts.append(seg.text)
        elif isinstance(seg, Pause) and seg.timer:
            parts.append(f"[{round(seg.seconds)} seconds]")
        elif isinstance(seg, Cue):
            parts.append(f"[{seg.kind.value.replace('_', ' ')} chime]")
    return " ".join(parts)


def understand(matcher: IntentMatcher, text: str) -> Command:
    match = matcher.match(text)
    if match is None:
        return Command(CommandKind.UNKNOWN)
    return command_for_intent(match.intent, match.slots)


def run_text_loop(
    engine: Rekindle,
    household: str,
    lines: Iterable[str],
    out: TextIO,
    matcher: IntentMatcher | None = None,
    prompt: str = "> ",
) -> int:
    """Run one conversation over lines of text; returns the number of turns taken."""
    matcher = matcher or IntentMatcher.for_locale()
    turn = engine.handle(household, Command(CommandKind.OPEN))
    out.write(f"Rekindle: {render_text(turn.reply)}\n")
    turns = 1
    state = turn.state
    if turn.reply.end_session:
        return turns
    out.write(prompt)
    out.flush()
    for line in lines:
        text = line.strip()
        if not text:
            out.write(prompt)
            out.flush()
            continue
        turn = engine.handle(household, understand(matcher, text), state)
        state = turn.state
        turns += 1
        out.write(f"Rekindle: {render_text(turn.reply)}\n")
        if turn.reply.end_session:
            return turns
        out.write(prompt)
        out.flush()
    out.write("\nRekindle: Goodbye for now. If you stopped midway, you can pick up later tonight.\n")
    return turns
