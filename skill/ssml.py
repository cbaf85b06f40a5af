"""Engine replies as Alexa SSML.

Alexa's limits shape the rendering:

- a ``<break>`` lasts at most 10 s, so longer silences are chained breaks;
- output speech must stay under 8000 characters;
- one response should not run much past a few minutes of audio, so the timed
  silence of a touch moment is capped: speech (estimated at a calm pace) plus
  every pause fits in :data:`AUDIO_BUDGET_SECONDS` (200 s, under Alexa's 240 s
  audio ceiling). A 180-second hug keeps its full length after short speech;
  the engine's words after the silence already invite "more time" or "next";
- touch cues are rendered as a one-second gap, not a sound-library clip: the
  engine's spoken start and end lines carry the meaning, a gap cannot make a
  response invalid, and it can be checked offline.

Text is XML-escaped (the SDK does not escape), and speech runs a little slower
than Alexa's default for a calm evening pace.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from intents.replies import Cue, Pause, Reply, Speech

MAX_BREAK_SECONDS = 10.0
MAX_SSML_CHARS = 8000
AUDIO_BUDGET_SECONDS = 200.0
WORDS_PER_SECOND = 2.3
CUE_GAP_SECONDS = 1.0
SPEECH_GAP_SECONDS = 0.4
RATE = "95%"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class RenderedSpeech:
    """SSML for one reply, with how much silence it holds and how much timed silence was cut."""

    ssml: str
    silence_seconds: float
    clipped_seconds: float = 0.0


def breaks(seconds: float) -> str:
    """Silence as chained ``<break>`` tags of at most 10 s each (whole milliseconds)."""
    total_ms = max(0, round(seconds * 1000))
    if total_ms == 0:
        return ""
    limit_ms = int(MAX_BREAK_SECONDS * 1000)
    count = math.ceil(total_ms / limit_ms)
    tags = []
    for _ in range(count):
        chunk = min(limit_ms, total_ms)
        tags.append(f'<break time="{chunk}ms"/>')
        total_ms -= chunk
    return "".join(tags)


def speech_seconds(text: str) -> float:
    """A calm-pace estimate of how long ``text`` takes to say."""
    return len(text.split()) / WORDS_PER_SECOND


def render_reply(reply: Reply) -> RenderedSpeech:
    """The reply's output speech as ``<speak>`` SSML within Alexa's limits."""
    talk = sum(speech_seconds(s.text) for s in reply.segments if isinstance(s, Speech))
    fixed = sum(s.seconds for s in reply.segments if isinstance(s, Pause) and not s.timer)
    fixed += CUE_GAP_SECONDS * sum(isinstance(s, Cue) for s in reply.segments)
    timed_left = max(0.0, AUDIO_BUDGET_SECONDS - talk - fixed)
    parts: list[str] = []
    silence = clipped = 0.0
    previous_was_speech = False
    for segment in reply.segments:
        if isinstance(segment, Speech):
            if previous_was_speech:
                parts.append(breaks(SPEECH_GAP_SECONDS))
                silence += SPEECH_GAP_SECONDS
            parts.append(_escape(segment.text))
            previous_was_speech = True
            continue
        previous_was_speech = False
        if isinstance(segment, Pause):
            seconds = segment.seconds
            if segment.timer:
                seconds = min(seconds, timed_left)
                timed_left -= seconds
                clipped += segment.seconds - seconds
        else:
            seconds = CUE_GAP_SECONDS
        parts.append(breaks(seconds))
        silence += round(seconds, 3)
    ssml = _wrap("".join(parts))
    if len(ssml) > MAX_SSML_CHARS:
        ssml = _wrap(_escape(_shorten(reply.text, MAX_SSML_CHARS - len(_wrap("")) - 200)))
        silence = 0.0
    return RenderedSpeech(ssml, silence, clipped)


def render_text(text: str) -> str:
    """Plain text (a reprompt, an apology) as ``<speak>`` SSML."""
    return _wrap(_escape(_shorten(text, MAX_SSML_CHARS - 200)))


def _escape(text: str) -> str:
    """XML-escape, dropping characters XML cannot carry at all."""
    return escape(_NOT_XML.sub("", text))


def _wrap(body: str) -> str:
    return f'<speak><prosody rate="{RATE}">{body}</prosody></speak>'


def _shorten(text: str, limit: int) -> str:
    """Cut text to fit ``limit`` characters once escaped, at a sentence end when there is one."""
    if len(escape(text)) <= limit:
        return text
    cut = text
    while len(escape(cut)) > limit:
        cut = cut[: max(1, len(cut) * limit // max(1, len(escape(cut))) - 1)]
    sentences = re.match(r"^(.*[.!?])\s", cut + " ", re.S)
    return sentences.group(1) if sentences and len(sentences.group(1)) > limit // 2 else cut.rstrip()
