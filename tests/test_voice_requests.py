"""Requests for the night by ear (issue 25): heard from Whisper's open transcript at an offer, never while
partners answer or when a step awaits its yes or no. Real speech (espeak-ng), the real endpointer, Whisper
tiny.en checked by PocketSphinx, as ``rekindle talk`` hears where a Whisper model is installed."""

from __future__ import annotations

import pytest
from test_voice_whisper import needs_whisper, said

from intents.replies import Listening
from intents.understanding import IntentMatcher
from local_voice.asr import Recogniser
from local_voice.heard import heard_intent
from local_voice.vocabulary import OPEN_ONLY, REQUEST_INTENTS, Vocabulary

REQUESTS = ("something short tonight", "not this one", "surprise us")


def test_requests_stay_out_of_every_grammar_and_are_open_only_at_an_offer() -> None:
    contexts = Vocabulary.for_locale().contexts(free_intents=[])
    assert not any(REQUEST_INTENTS & vocab.intents() for vocab in contexts.values())
    assert set(OPEN_ONLY) == {"all"} and OPEN_ONLY["all"] == REQUEST_INTENTS


@needs_whisper
@pytest.mark.parametrize("text", REQUESTS)
def test_a_spoken_request_acts_at_an_offer_only(hearing: Recogniser, matcher: IntentMatcher, text: str) -> None:
    speech = said(text)
    at_offer = hearing.recognise(speech, Listening.OFFER)
    match = heard_intent(matcher, at_offer, Listening.OFFER)
    assert match is not None and match.intent in REQUEST_INTENTS, (at_offer.transcript, at_offer.reason)
    for listening in (Listening.FREE_TALK, Listening.STEP):
        match = heard_intent(matcher, hearing.recognise(speech, listening), listening)
        assert match is None or match.intent not in REQUEST_INTENTS, (listening, match)


@needs_whisper
def test_help_at_an_offer_is_still_help(hearing: Recogniser, matcher: IntentMatcher) -> None:
    match = heard_intent(matcher, hearing.recognise(said("help"), Listening.OFFER), Listening.OFFER)
    assert match is not None and match.intent == "AMAZON.HelpIntent"
