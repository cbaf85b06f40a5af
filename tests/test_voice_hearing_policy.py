"""The hearing policy's confusable pairs (local_voice/hearing_policy.py), every pair in both directions and in
every context where one of its commands may act, decided by the real combined hearing (Whisper checked by
PocketSphinx): when one hearing heard a command carrying one word of a pair and the other heard the other
word, nothing acts; when both heard the same command, it acts.

The two hearings' outputs are given here as text (a transcript and a grammar hypothesis), so that every pair
can be put to the decision, including confusions no synthetic voice happens to make; real speech is in
tests/test_voice_whisper_base.py.
"""

from __future__ import annotations

import pytest
from voice_fixtures import needs_voice

from intents.replies import Listening
from intents.understanding import IntentMatcher, Match
from local_voice.asr import Recogniser, Recognition
from local_voice.heard import heard_intent
from local_voice.hearing_policy import CONFUSABLE
from local_voice.vocabulary import grammar_context
from local_voice.whisper import Transcript

pytestmark = needs_voice
LISTENINGS = (Listening.OFFER, Listening.NAMES, Listening.STEP, Listening.FREE_TALK)


def _swaps(hearing: Recogniser, matcher: IntentMatcher, meant: str, heard_as: str,
           listening: Listening) -> list[tuple[Match, Match]]:
    """Pairs of commands that may act when Rekindle listens so and differ only in one word of the pair, with
    different intents ("start" and "stop"; "pause" and "pass"), the shortest few."""
    context = grammar_context(listening)
    found: dict[tuple[str, str], tuple[Match, Match]] = {}
    samples = sorted({s for ss in matcher.samples.values() for s in ss if "{" not in s}, key=lambda s: (len(s), s))
    for sample in samples:
        words = sample.split()
        for index, word in enumerate(words):
            if word not in (meant, heard_as):
                continue
            partner = heard_as if word == meant else meant
            one = hearing.allowed(matcher.match(sample), context)  # type: ignore[attr-defined]
            other = hearing.allowed(  # type: ignore[attr-defined]
                matcher.match(" ".join([*words[:index], partner, *words[index + 1:]])), context)
            if one is None or other is None or "{" in one.sample + other.sample:
                continue  # a slot's sample ("{firstName} and {secondName}") takes any words: not a command said
            if one.intent != other.intent:
                found.setdefault((one.intent, other.intent), (one, other))
    return list(found.values())[:4]


def _decide(hearing: Recogniser, matcher: IntentMatcher, listening: Listening, whisper: str,
            grammar: str) -> Match | None:
    transcript = Transcript(whisper[:1].upper() + whisper[1:] + ".", -0.2, 0.0, 0.0)
    heard = Recognition(grammar, True, "pocketsphinx", 1.0, 0.1)
    recognition = hearing.decide(heard, transcript, grammar_context(listening))  # type: ignore[attr-defined]
    return heard_intent(matcher, recognition, listening)


@pytest.mark.parametrize(("meant", "heard_as"), CONFUSABLE, ids=[f"{a}-{b}" for a, b in CONFUSABLE])
def test_a_confusable_pair_never_acts_as_the_other_command(hearing: Recogniser, matcher: IntentMatcher, meant: str,
                                                           heard_as: str) -> None:
    """Every command that one word of the pair turns into another (in either direction), in every context
    where both may act: one hearing heard it, the other heard the other command, and nothing acts; both
    heard it, and it acts. A pair that turns no command into another today ("no"/"now") has nothing to
    check: its word cannot act as a command of the other word."""
    for listening in LISTENINGS:
        for one, other in _swaps(hearing, matcher, meant, heard_as, listening):
            assert _decide(hearing, matcher, listening, one.sample, other.sample) is None, (listening, one, other)
            assert _decide(hearing, matcher, listening, other.sample, one.sample) is None, (listening, one, other)
            both = _decide(hearing, matcher, listening, one.sample, one.sample)
            assert both is not None and both.intent == one.intent, (listening, one)


def test_the_table_guards_stop_pause_and_yes(hearing: Recogniser, matcher: IntentMatcher) -> None:
    guarded = {(a, b) for a, b in CONFUSABLE for listening in LISTENINGS
               if _swaps(hearing, matcher, a, b, listening)}
    assert {("stop", "start"), ("pause", "pass"), ("yes", "next")} <= guarded, guarded


def test_a_command_without_a_confusable_word_still_acts_on_whisper_alone(hearing: Recogniser,
                                                                          matcher: IntentMatcher) -> None:
    match = _decide(hearing, matcher, Listening.STEP, "how much time is left", "repeat that")
    assert match is not None and match.intent == "TimeLeftIntent"


def test_a_pairs_second_word_is_weighed_against_its_first(matcher: IntentMatcher) -> None:
    """Both hearings can agree on the wrong word; every pair has a margin, and "start" is weighed against "stop"."""
    from local_voice.hearing_policy import MARGIN, doubted

    assert set(MARGIN) == set(CONFUSABLE)
    start = matcher.match("start")
    assert start is not None
    assert ("start", "stop", MARGIN[("stop", "start")]) in doubted(start, matcher)
    stop = matcher.match("stop")
    assert stop is not None and doubted(stop, matcher) == []
