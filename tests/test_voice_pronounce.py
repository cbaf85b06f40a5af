"""Names the PocketSphinx dictionary lacks (Priya, Noor, Aiko, Yuki) get a pronunciation from espeak-ng,
so those couples can name themselves aloud; without espeak-ng they are left out with the warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from voice_fixtures import needs_voice
from voice_speech import have_espeak, speak

from intents.replies import Listening
from intents.understanding import NAME_SLOT_TYPE, IntentMatcher
from local_voice.asr import Recogniser
from local_voice.endpointer import speech_of
from local_voice.heard import heard_intent
from local_voice.pronounce import guess_pronunciations, to_arpabet

pytestmark = pytest.mark.skipif(not have_espeak(), reason="espeak-ng and sox needed")
UNKNOWN_NAMES = ("aiko", "noor", "priya", "yuki")


def test_espeak_phonemes_become_arpabet() -> None:
    assert to_arpabet("pr'Ij@") == ("P", "R", "IH", "Y", "AH")
    assert to_arpabet("st2'0p") == ("S", "T", "AA", "P")
    assert to_arpabet("n'i@3li") == ("N", "IH", "R", "L", "IY")
    assert to_arpabet("b'Vt@") == ("B", "AH", "T", "AH")
    assert to_arpabet("'Y") is None  # a phoneme outside the map: no guess rather than a wrong one


def test_guesses_agree_with_the_dictionary_on_words_it_has() -> None:
    guessed = guess_pronunciations(["next", "pause", "question", "together", "priya", "7up"])
    assert guessed["next"] == "N EH K S T" and guessed["pause"] == "P AO Z"
    assert guessed["together"] == "T AH G EH DH ER"
    assert "priya" in guessed and "7up" not in guessed  # not a word the grammar could hold


def test_without_espeak_nothing_is_guessed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without espeak-ng
    assert guess_pronunciations(["priya"]) == {}


@needs_voice
def test_the_recogniser_keeps_names_the_dictionary_lacks(recogniser: Recogniser) -> None:
    assert all(name in recogniser.vocabulary.slots[NAME_SLOT_TYPE] for name in UNKNOWN_NAMES)
    assert not set(UNKNOWN_NAMES) & set(recogniser.vocabulary.dropped)
    assert set(UNKNOWN_NAMES) <= set(recogniser.guessed)  # type: ignore[attr-defined]


@needs_voice
@pytest.mark.parametrize("voice", ["en-us", "en-gb+m3"])
def test_a_couple_named_priya_and_noor_can_say_so(voice: str, recogniser: Recogniser,
                                                  matcher: IntentMatcher) -> None:
    recognition = recogniser.recognise(speech_of(speak("we are priya and noor", voice)), Listening.NAMES)
    match = heard_intent(matcher, recognition, Listening.NAMES)  # the answer to "tell me both your names"
    assert match is not None and match.intent == "PartnerNamesIntent", recognition
    assert {match.slots["firstName"], match.slots["secondName"]} == {"priya", "noor"}


@needs_voice
def test_without_espeak_the_names_are_left_out_with_the_warning(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, matcher: IntentMatcher,
        caplog: pytest.LogCaptureFixture) -> None:
    from local_voice.engines import load_recogniser

    monkeypatch.setenv("PATH", str(tmp_path))
    with caplog.at_level(logging.WARNING):
        recogniser = load_recogniser(matcher, asr="pocketsphinx")
    dropped = set(recogniser.vocabulary.dropped)
    assert set(UNKNOWN_NAMES) <= dropped
    # Other words the dictionary lacks ("cuddles", "knackered") go too; never a word it knows.
    import pocketsphinx

    from local_voice.asr_pocketsphinx import _pronunciations

    known = _pronunciations(Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict", dropped)
    assert not known, sorted(known)
    assert any("priya" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
