"""``rekindle recognize``: recognition and understanding on recorded files, with timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intents.replies import Listening
from intents.understanding import IntentMatcher

from .asr import BYTES_PER_SECOND, Recogniser
from .audio_in import read_pcm
from .endpointer import endpoint
from .heard import heard_intent


def recognise_file(recogniser: Recogniser, matcher: IntentMatcher, path: Path,
                   listening: Listening = Listening.OFFER) -> dict[str, Any]:
    """The stable JSON record for one file.

    Speech is endpointed as if it were live; ``end_of_speech_ms`` is the time
    from the end of speech to a decided intent: the endpointer's wait after
    the last voiced audio plus recognition time.
    """
    pcm = read_pcm(path)
    audio, endpoint_wait = endpoint(pcm)
    recognition = recogniser.recognise(audio, listening)
    match = heard_intent(matcher, recognition, listening)
    return {
        "file": str(path),
        "transcript": recognition.transcript,
        "intent": match.intent if match else None,
        "slots": dict(match.slots) if match else {},
        "engine": recognition.engine,
        "audio_s": round(len(pcm) / BYTES_PER_SECOND, 3),
        "process_s": round(recognition.process_s, 4),
        "end_of_speech_ms": round(1000 * (endpoint_wait + recognition.process_s), 1),
    }
