"""The hands-free loop: listen, understand, let the engine decide, speak.

Partners' words never leave this loop: transcripts are matched in memory and
dropped; only the recognised command is logged, at debug level, with the
timings of each stage (speech end, transcript, intent, reply audio).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from intents.commands import Command, CommandKind
from intents.engine import Rekindle
from intents.intent_map import command_for_intent
from intents.replies import Cue, Pause, Reply, Speech
from intents.understanding import IntentMatcher

from .asr import Recogniser
from .audio_in import Source
from .audio_out import Sink
from .commands import heard_intent
from .text_loop import render_text
from .tts import Audio, silence, tone

log = logging.getLogger("rekindle.voice.loop")

TIMER_SCALE_ENV = "REKINDLE_TIMER_SCALE"


def timer_scale() -> float:
    """Factor applied to touch timers (``REKINDLE_TIMER_SCALE``, for demos and tests; default 1)."""
    try:
        return max(0.0, float(os.environ.get(TIMER_SCALE_ENV, "1")))
    except ValueError:
        return 1.0


@dataclass
class Voice:
    """Turns replies into audio: speech from a synthesiser, real silences, generated cues."""

    synthesise: Callable[[str], Audio]
    timer_scale: float = 1.0

    def render(self, reply: Reply) -> Audio:
        parts: list[Audio] = []
        for seg in reply.segments:
            if isinstance(seg, Speech):
                parts.append(self.synthesise(seg.text))
        rate = parts[0].rate if parts else 22050
        out: list[np.ndarray] = []
        for seg in reply.segments:
            if isinstance(seg, Speech):
                out.append(self.synthesise(seg.text).samples)
            elif isinstance(seg, Pause):
                seconds = seg.seconds * self.timer_scale if seg.timer else seg.seconds
                out.append(silence(seconds, rate).samples)
            elif isinstance(seg, Cue):
                out.append(tone(seg.kind, rate).samples)
        out.append(silence(0.15, rate).samples)
        return Audio(np.concatenate(out) if out else np.zeros(0, dtype=np.int16), rate)


class VoiceLoop:
    """One hands-free conversation with the engine."""

    def __init__(self, engine: Rekindle, household: str, recogniser: Recogniser, matcher: IntentMatcher,
                 source: Source, sink: Sink, voice: Voice, captions: TextIO | None = None) -> None:
        self.engine = engine
        self.household = household
        self.recogniser = recogniser
        self.matcher = matcher
        self.source = source
        self.sink = sink
        self.voice = voice
        self.captions = captions
        self.turns = 0

    def say(self, reply: Reply) -> None:
        """Speak a reply with the microphone muted, so Rekindle never hears itself."""
        started = time.perf_counter()
        audio = self.voice.render(reply)
        if self.captions is not None:
            self.captions.write(f"Rekindle: {render_text(reply)}\n")
            self.captions.flush()
        self.source.mute(True)
        try:
            log.debug("reply audio ready in %.0f ms (%.1f s long)", 1000 * (time.perf_counter() - started),
                      audio.seconds)
            self.sink.play(audio)
        finally:
            self.source.mute(False)
        if self.captions is not None and reply.listen and not reply.end_session:
            self.captions.write("(listening)\n")
            self.captions.flush()

    def run(self) -> int:
        """Open, then turn by turn until the engine ends the session or input ends; returns turns taken."""
        turn = self.engine.handle(self.household, Command(CommandKind.OPEN))
        state: dict[str, Any] = turn.state
        reply = turn.reply
        self.turns = 1
        self.say(reply)
        if reply.end_session:
            return self.turns
        for utterance in self.source.utterances():
            recognition = self.recogniser.recognise(utterance.pcm, free_talk=reply.free_talk)
            transcribed = time.perf_counter()
            match = heard_intent(self.matcher, recognition, reply.free_talk)
            if match is None:
                log.debug("not a command (%s)", recognition.reason or "no intent")
                if reply.free_talk:
                    continue
                command = Command(CommandKind.UNKNOWN)
            else:
                log.debug("command %s %s", match.intent, dict(match.slots))
                command = command_for_intent(match.intent, match.slots)
            turn = self.engine.handle(self.household, command, state)
            state, reply = turn.state, turn.reply
            self.turns += 1
            log.debug("timings: speech end -> transcript %.0f ms, -> engine %.0f ms",
                      1000 * (transcribed - utterance.ended_at), 1000 * (time.perf_counter() - utterance.ended_at))
            self.say(reply)
            if reply.end_session:
                break
        return self.turns
