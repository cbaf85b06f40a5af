"""Barge-in with real speech and the real PocketSphinx recogniser: "stop" and "pause" cut Rekindle short,
nothing else does, and Rekindle's own voice heard back through the microphone never does.

Audio is fed in microphone-sized blocks with a faint hiss, as the microphone callback would.
"""

from __future__ import annotations

import re

import pytest
from voice_fixtures import needs_voice
from voice_speech import at_16k, conversation, have_espeak, silence, speak

from intents.phrases import PLACEHOLDER, SAMPLE_VALUES, default_phrases
from intents.understanding import IntentMatcher, Match
from local_voice.asr import Recogniser, with_noise_floor
from local_voice.barge_in import BargeIn
from local_voice.tts import Synthesiser

pytestmark = [needs_voice, pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")]

BLOCK = 640  # 20 ms of 16 kHz 16-bit audio


def _overhear(recogniser: Recogniser, matcher: IntentMatcher, pcm: bytes) -> Match | None:
    listener = BargeIn(recogniser, matcher)
    audio = with_noise_floor(silence(0.5) + pcm + silence(1.0), seed=7)
    for offset in range(0, len(audio), BLOCK):
        listener.feed(audio[offset:offset + BLOCK])
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


def _rekindle_says(text: str) -> bytes:
    """Rekindle's own voice (pyttsx3, as the loop speaks), at 16 kHz as the microphone would hear it."""
    audio = Synthesiser().speak(text)
    return at_16k(audio.samples, audio.rate)


def test_rekindle_hearing_itself_say_stop_or_pause_does_not(recogniser: Recogniser, matcher: IntentMatcher) -> None:
    """Loud speakers beside the microphone: every phrase in which Rekindle itself says "stop" or "pause"."""
    phrases = [PLACEHOLDER.sub(lambda m: SAMPLE_VALUES[m.group(1)], v)
               for variants in default_phrases().table.values() for v in variants if re.search(r"\b(stop|pause)\b", v)]
    assert len(phrases) >= 8
    for phrase in phrases:
        assert _overhear(recogniser, matcher, _rekindle_says(phrase)) is None, phrase
