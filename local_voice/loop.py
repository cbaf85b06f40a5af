"""The hands-free loop: listen, understand, let the engine decide, speak.

Partners' words never leave this loop: transcripts are matched in memory and
dropped; only the recognised command is logged, at debug level, with the
timings of each stage (speech end, transcript, intent, reply audio).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TextIO

from intents.commands import Command, CommandKind
from intents.engine import Rekindle
from intents.replies import Reply
from intents.understanding import IntentMatcher, Match, command_for_intent
from text_mode import render_text

from .asr import ModelError, Prepares, Recogniser
from .audio_in import AudioDeviceError, DeviceLost, Source
from .audio_out import Sink
from .barge_in import BARGE_IN_MODES, BargeIn, BargeInMode, timer_windows
from .heard import heard_intent
from .hearing import ListensAhead, LoadsLater
from .speech import AudioStream, Voice

__all__ = ["Voice", "VoiceLoop", "device_wait", "timer_scale"]

log = logging.getLogger("rekindle.voice.loop")

TIMER_SCALE_ENV = "REKINDLE_TIMER_SCALE"
DEVICE_WAIT_ENV = "REKINDLE_DEVICE_WAIT"
DEFAULT_DEVICE_WAIT = 120.0


def timer_scale() -> float:
    """Factor applied to touch timers (``REKINDLE_TIMER_SCALE``, for demos and tests; default 1)."""
    try:
        return max(0.0, float(os.environ.get(TIMER_SCALE_ENV, "1")))
    except ValueError:
        return 1.0


def device_wait() -> float:
    """Seconds to wait for a vanished microphone or speaker (``REKINDLE_DEVICE_WAIT``; default 120)."""
    try:
        return max(0.0, float(os.environ.get(DEVICE_WAIT_ENV, DEFAULT_DEVICE_WAIT)))
    except ValueError:
        return DEFAULT_DEVICE_WAIT


class VoiceLoop:
    """One hands-free conversation with the engine."""

    def __init__(self, engine: Rekindle, household: str, recogniser: Recogniser | Future[Recogniser],
                 matcher: IntentMatcher,
                 source: Source, sink: Sink, voice: Voice, captions: TextIO | None = None,
                 device_wait: float = DEFAULT_DEVICE_WAIT, retry_interval: float = 1.0,
                 barge_in: BargeInMode = "off") -> None:
        if barge_in not in BARGE_IN_MODES:
            raise ValueError(f"barge_in must be one of {', '.join(BARGE_IN_MODES)}, not {barge_in!r}")
        self.engine = engine
        self.household = household
        if isinstance(recogniser, Future):
            self._hearing = recogniser
        else:
            self._hearing = Future()
            self._hearing.set_result(recogniser)
        self._preparing: threading.Thread | None = None
        self.matcher = matcher
        self.source = source
        self.sink = sink
        self.voice = voice
        self.captions = captions
        self.device_wait = device_wait
        self.retry_interval = retry_interval
        self.barge_in = barge_in
        self.turns = 0
        self._at: tuple[dict[str, Any], Reply] = ({}, Reply(()))  # the latest state and reply

    @property
    def recogniser(self) -> Recogniser:
        """The hearing, once loaded (``recogniser`` may be a future: ``rekindle talk`` loads the hearing
        beside the voice and the welcome); raises the error that kept it from loading."""
        return self._hearing.result()

    def say(self, reply: Reply, spoken_after: float | None = None) -> Match | None:
        """Speak a reply with the microphone muted, so Rekindle never answers itself.

        The reply plays while it is rendered (the first sentence starts while the rest is synthesised).
        With ``barge_in`` "timers" (during a touch timer's silence) or "always", the muted microphone
        still listens for "stop" and "pause" (:class:`~local_voice.barge_in.BargeIn`): one of them ends
        the reply early and is returned.
        If the speaker goes away meanwhile, wait for it (:meth:`recover`) and say the reply again.
        ``spoken_after``: when the command this replies to ended (``time.perf_counter``), for the log.
        """
        started = time.perf_counter()
        audio = self.voice.stream(reply)
        # Nothing plays before Rekindle can hear: barge-in listens while it speaks, and PocketSphinx holds
        # the interpreter while it compiles a grammar, which would stall the speaker mid-sentence.
        try:
            recogniser = self._hearing.result()
        except BaseException:
            audio.audio()  # the rendering finishes first: onnxruntime aborts a process that ends mid-run
            raise
        if self.turns == 1 and isinstance(recogniser, LoadsLater):  # the welcome
            # Whisper loads while the welcome plays, once it is rendered: not competing with its voice.
            threading.Thread(target=_once_rendered, args=(audio, recogniser.load_in_background),
                             name="rekindle-hearing-later", daemon=True).start()
        if self.captions is not None:
            self.captions.write(f"Rekindle: {render_text(reply)}\n")
            self.captions.flush()
        audio.wait_ready()
        ready = time.perf_counter()
        log.debug("first reply audio ready in %.0f ms%s", 1000 * (ready - started),
                  "" if spoken_after is None else f" ({1000 * (ready - spoken_after):.0f} ms after speech ended)")
        heard: Match | None = None
        while audio.length:
            listener = self._barge_in(reply, audio)
            self.source.divert(listener.feed if listener else None)
            self.source.mute(True)
            try:
                self.sink.play(audio, listener.heard if listener else None)
                break
            except DeviceLost as lost:
                self.recover(lost)
                log.warning("Saying that again.")
            finally:
                self.source.mute(False)
                self.source.divert(None)
                heard = listener.close() if listener else None
        if heard is not None:
            if self.captions is not None:
                self.captions.write("(interrupted)\n")
                self.captions.flush()
            return heard
        self._listening(reply)
        return None

    def _barge_in(self, reply: Reply, audio: AudioStream) -> BargeIn | None:
        """A listener for "stop" and "pause" during ``audio`` (about to play), if barge-in is on for it."""
        if self.barge_in == "always":
            log.debug("barge-in: listening while speaking")
            return BargeIn(self.recogniser, self.matcher)
        if self.barge_in == "timers" and reply.timed_seconds > 0:
            started = time.monotonic()
            log.debug("barge-in: listening in a timer's silence for %.0f s",
                      reply.timed_seconds * self.voice.timer_scale)
            return BargeIn(self.recogniser, self.matcher, lambda: timer_windows(audio, started))
        return None

    def _listening(self, reply: Reply) -> None:
        if self.captions is not None and reply.listen and not reply.end_session:
            self.captions.write("(listening)\n")
            self.captions.flush()

    def recover(self, lost: DeviceLost) -> None:
        """Pause until the microphone and speaker can be opened again, or give up after ``device_wait``.

        Progress is already in the store (the engine saves it every turn), so giving up loses nothing:
        the message says how to carry on.
        """
        log.warning("%s Waiting up to %s for it to come back; tonight's ritual is kept.", lost,
                    _seconds(self.device_wait))
        deadline = time.monotonic() + self.device_wait
        while True:
            self.source.close()
            self.sink.close()
            try:
                self.sink.reopen()  # the speaker first: reopening restarts PortAudio, closing any stream
                self.source.reopen()
            except AudioDeviceError as exc:
                log.debug("audio still unavailable: %s", exc)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AudioDeviceError(
                        f"{lost} It did not come back within {_seconds(self.device_wait)}. Your progress is "
                        "kept: run 'rekindle talk' again (or 'rekindle talk --text') to pick up where you "
                        "left off.") from exc
                time.sleep(min(self.retry_interval, left))
                continue
            log.warning("Audio is back; carrying on.")
            return

    def run(self) -> int:
        """Open, then turn by turn until the engine ends the session or input ends; returns turns taken."""
        self.turns = 0
        self._act(Command(CommandKind.OPEN), None)
        if self._at[1].end_session:
            return self.turns
        self._prepare_rest()
        while True:
            try:
                return self._listen()
            except DeviceLost as lost:  # the microphone went away while listening
                self.recover(lost)
                self._listening(self._at[1])

    def _prepare_rest(self) -> None:
        """The hearing's loading left until after start-up (the grammars of a step and of names), on a
        thread of its own once the welcome has been said."""
        recogniser = self.recogniser
        if isinstance(recogniser, Prepares) and self._preparing is None:
            self._preparing = threading.Thread(target=_prepare, args=(recogniser,), name="rekindle-hearing-prepare")
            self._preparing.start()

    def _listen(self) -> int:
        """Turns until the session ends or input ends (raises :class:`DeviceLost` if the mic vanishes)."""
        state, reply = self._at
        if isinstance(self.recogniser, ListensAhead):  # Whisper may start before the endpointer closes
            self.source.listen_ahead(self._listen_ahead)
        for utterance in self.source.utterances():
            recognition = self.recogniser.recognise(utterance.pcm, reply.listening)
            transcribed = time.perf_counter()
            match = heard_intent(self.matcher, recognition, reply.listening)
            if match is None:
                log.debug("not a command (%s)", recognition.reason or "no intent")
                if reply.free_talk or recognition.remark:  # not said to Rekindle: no "didn't catch that"
                    continue
                command = Command(CommandKind.UNKNOWN)
            else:
                log.debug("command %s %s", match.intent, dict(match.slots))
                command = command_for_intent(match.intent, match.slots)
            state, reply = self._act(command, state, (utterance.ended_at, transcribed))
            if reply.end_session:
                break
        return self.turns

    def _listen_ahead(self, pcm: bytes | None) -> None:
        reply = self._at[1]
        if isinstance(self.recogniser, ListensAhead):
            self.recogniser.prefetch(pcm, reply.listening)

    def _act(self, command: Command, state: dict[str, Any] | None,
             timing: tuple[float, float] | None = None) -> tuple[dict[str, Any], Reply]:
        """One turn of the engine and its reply spoken; a command heard while speaking (barge-in) is
        the next turn, at once. ``timing``: when the command's speech ended and was transcribed."""
        while True:
            turn = self.engine.handle(self.household, command, state)
            state, reply = turn.state, turn.reply
            self._at = (state, reply)
            self.turns += 1
            ended: float | None = None
            if timing is not None:
                ended, transcribed = timing
                log.debug("timings: speech end -> transcript %.0f ms, -> engine %.0f ms",
                          1000 * (transcribed - ended), 1000 * (time.perf_counter() - ended))
                timing = None
            heard = self.say(reply, ended)
            if heard is None or reply.end_session:
                return state, reply
            log.debug("command %s while speaking", heard.intent)
            command = command_for_intent(heard.intent, heard.slots)


def _once_rendered(audio: AudioStream, then: Callable[[], None]) -> None:
    audio.audio()
    with contextlib.suppress(RuntimeError):  # the process is ending already: nothing left to load for
        then()


def _prepare(recogniser: Prepares) -> None:
    started = time.perf_counter()
    try:
        recogniser.prepare()
    except ModelError as exc:  # the grammar that failed is compiled again, and fails aloud, when it is needed
        log.warning("%s", exc)
        return
    log.debug("grammars left for later compiled in %.2f s", time.perf_counter() - started)


def _seconds(value: float) -> str:
    return f"{value:g} second" + ("" if value == 1 else "s")
