"""Every golden transcript through the offline loop's understanding, and a subset through real speech.

Text path: each ``say`` as a perfect recogniser would pass it on, which still hears only the phrases
of the grammar the loop uses at that point (while partners answer, just the free-talk phrases) and
still takes a remark ("yes" while answering) as partners talking -> the interaction-model matcher ->
engine. Speech path: espeak-ng says it -> endpointer -> PocketSphinx with rejection -> matcher -> engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_transcripts import Golden, load_goldens
from voice_fixtures import needs_voice, run_golden
from voice_speech import have_espeak, speak

from intents.understanding import IntentMatcher, Match
from local_voice.asr import Recogniser, Recognition
from local_voice.commands import heard_intent
from local_voice.engines import listening_vocabulary
from local_voice.vocabulary import Vocabulary, grammar_context

GOLDENS = load_goldens()
# Through real speech, in two of the tuning voices. The rest stumble on one short phrase in that voice,
# every run alike since synthesis and decoding became repeatable: in both voices decline_touch_and_stop's
# "stop" is heard as "start over" or "go back"; in en-gb+m3 "start" as "go back", "no thanks" as a
# naming at the offer, "go back" not at all. benchmarks/voice_bench.py measures accuracy.
SPOKEN = [("en-us", "full_ritual_named"), ("en-us", "names_and_length"), ("en-us", "offer_and_after"),
          ("en-us", "question_step_commands"), ("en-us", "touch_step_commands"),
          ("en-gb+m3", "full_ritual_named"), ("en-gb+m3", "names_and_length")]


@pytest.fixture(scope="module")
def grammars(matcher: IntentMatcher) -> dict[str, Vocabulary]:
    vocabulary, free = listening_vocabulary(matcher)
    return vocabulary.contexts(free)


def perfect_recognition(grammar: Vocabulary, matcher: IntentMatcher, text: str) -> Recognition:
    """The words, if the grammar holds them: accepted as a command, or marked as a remark."""
    words = text.lower()
    match = matcher.match(words)
    if grammar.is_remark(words):
        return Recognition(words, False, "text", 0.0, 0.0, "a remark", remark=True)
    if match is not None and not grammar.only([match.sample]).templates:
        return Recognition("", False, "text", 0.0, 0.0, "not in this grammar")
    return Recognition(words, True, "text", 0.0, 0.0)


@pytest.mark.parametrize("golden", GOLDENS, ids=[g.name for g in GOLDENS])
def test_golden_through_voice_understanding(golden: Golden, tmp_path: Path, matcher: IntentMatcher,
                                            grammars: dict[str, Vocabulary]) -> None:
    def hear(text: str, free_talk: bool, stage: str | None) -> Match | None:
        grammar = grammars[grammar_context(stage, free_talk)]
        return heard_intent(matcher, perfect_recognition(grammar, matcher, text), free_talk)

    run_golden(golden, tmp_path / "golden.db", hear)


def test_the_perfect_recogniser_keeps_the_loops_limits(matcher: IntentMatcher,
                                                       grammars: dict[str, Vocabulary]) -> None:
    free, step = grammars[grammar_context("step", True)], grammars[grammar_context("step", False)]
    assert perfect_recognition(free, matcher, "yes").remark  # partners agreeing with each other
    assert perfect_recognition(step, matcher, "yes").accepted  # an answer to Rekindle
    assert not perfect_recognition(free, matcher, "give us a touch prompt").accepted  # not a free-talk phrase
    assert perfect_recognition(free, matcher, "next").accepted


@needs_voice
@pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")
@pytest.mark.parametrize(("voice", "name"), SPOKEN)
def test_golden_spoken(voice: str, name: str, tmp_path: Path, matcher: IntentMatcher, recogniser: Recogniser) -> None:
    from local_voice.audio_in import speech_of

    golden = next(g for g in GOLDENS if g.name == name)

    def hear(text: str, free_talk: bool, stage: str | None) -> Match | None:
        recognition = recogniser.recognise(speech_of(speak(text, voice)), free_talk, stage)
        return heard_intent(matcher, recognition, free_talk)

    run_golden(golden, tmp_path / "golden.db", hear)
