"""Engine replies as Alexa SSML.

Alexa's limits shape the rendering:

- a ``<break>`` lasts at most 10 s, so longer silences are chained breaks;
- output speech must stay under 8000 characters;
- at most five ``<audio>`` clips and 240 s of clip audio per response;
- one response should not run much past a few minutes, so everything Rekindle
  adds around the words fits in :data:`AUDIO_BUDGET_SECONDS` (200 s, under
  Alexa's 240 s ceiling): speech (estimated at a calm pace), the short gaps
  between sentences and the cue sounds come first, then pacing pauses, and a
  touch moment's timed silence gets what is left. A 180-second hug keeps its
  full length after short speech.
- a held floor (the quiet a couple talks in while the session stays open, see
  :mod:`intents.window`) is rendered whole, up to :data:`FLOOR_BUDGET_SECONDS`,
  on top of that budget: its length is the dialogue table's for the step, and
  nothing else in the reply may eat into it. If the words are too long for
  8000 characters, they are shortened and the floor is kept.

Touch cues play short, soft sounds from the Alexa Skills Kit sound library, so a
couple with their eyes closed hears when a moment begins and ends; a single soft
piano note ends a held floor, just before Alexa's microphone opens. A sixth cue
in one reply (never sent by the engine) falls back to a one-second gap.

Text is XML-escaped (the SDK does not escape), and speech runs a little slower
than Alexa's default for a calm evening pace.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import pairwise
from xml.sax.saxutils import escape

from intents.replies import Cue, CueKind, Pause, Reply, Segment, Speech

MAX_BREAK_SECONDS = 10.0
MAX_SSML_CHARS = 8000
MAX_AUDIO_CLIPS = 5
MAX_CLIP_AUDIO_SECONDS = 240.0
AUDIO_BUDGET_SECONDS = 200.0
FLOOR_BUDGET_SECONDS = 240.0
WORDS_PER_SECOND = 2.3
CUE_GAP_SECONDS = 1.0
SPEECH_GAP_SECONDS = 0.4
RATE = "95%"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Sound:
    """A clip of the Alexa Skills Kit sound library and how long it plays."""

    src: str
    seconds: float

    def ssml(self) -> str:
        return f'<audio src="{self.src}"/>'


# Soft wind chimes open a touch moment; a single bell stroke closes it; one piano note ends a held floor
# (durations from the library).
CUE_SOUNDS: dict[CueKind, Sound] = {
    CueKind.TOUCH_START: Sound("soundbank://soundlibrary/bell/chimes/chimes_10", 2.82),
    CueKind.TOUCH_END: Sound("soundbank://soundlibrary/musical/amzn_sfx_church_bell_1x_02", 2.11),
    CueKind.FLOOR_END: Sound("soundbank://soundlibrary/musical/amzn_sfx_piano_note_1x_01", 0.99),
}


@dataclass(frozen=True)
class RenderedSpeech:
    """SSML for one reply: how much silence and cue sound it holds, and how much timed silence was cut."""

    ssml: str
    silence_seconds: float
    clipped_seconds: float = 0.0
    sound_seconds: float = 0.0
    floor_seconds: float = 0.0  # of the silence, the held floor's
    shortened: bool = False  # the words were too long for SSML: shortened, all silence but the floor dropped


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


def cue_sounds(segments: tuple[Segment, ...]) -> list[Sound | None]:
    """The sound each cue of ``segments`` plays, in order; ``None`` past Alexa's clip limits (a gap)."""
    sounds: list[Sound | None] = []
    clips, played = 0, 0.0
    for segment in segments:
        if not isinstance(segment, Cue):
            continue
        sound = CUE_SOUNDS[segment.kind]
        if clips < MAX_AUDIO_CLIPS and played + sound.seconds <= MAX_CLIP_AUDIO_SECONDS:
            sounds.append(sound)
            clips, played = clips + 1, played + sound.seconds
        else:
            sounds.append(None)
    return sounds


def render_reply(reply: Reply) -> RenderedSpeech:
    """The reply's output speech as ``<speak>`` SSML within Alexa's limits."""
    segments = reply.segments
    sounds = cue_sounds(segments)
    sound_total = sum(s.seconds for s in sounds if s)
    gap_count = sum(isinstance(a, Speech) and isinstance(b, Speech) for a, b in pairwise(segments))
    spoken = sum(speech_seconds(s.text) for s in segments if isinstance(s, Speech))
    spoken += SPEECH_GAP_SECONDS * gap_count + sound_total + CUE_GAP_SECONDS * sounds.count(None)
    pacing_left = max(0.0, AUDIO_BUDGET_SECONDS - spoken)
    pacing = sum(s.seconds for s in segments if isinstance(s, Pause) and not s.timer and not s.floor)
    timed_left = max(0.0, pacing_left - pacing)
    floor_left = FLOOR_BUDGET_SECONDS
    parts: list[str] = []
    silence = clipped = floor = 0.0
    previous_was_speech = False
    cues = iter(sounds)
    for segment in segments:
        if isinstance(segment, Speech):
            if previous_was_speech:
                parts.append(breaks(SPEECH_GAP_SECONDS))
                silence += SPEECH_GAP_SECONDS
            parts.append(_escape(segment.text))
            previous_was_speech = True
            continue
        previous_was_speech = False
        if isinstance(segment, Cue):
            sound = next(cues)
            if sound:
                parts.append(sound.ssml())
                continue
            seconds = CUE_GAP_SECONDS
        elif segment.floor:
            seconds = min(segment.seconds, floor_left)
            floor_left -= seconds
            floor += round(seconds, 3)
        elif segment.timer:
            seconds = min(segment.seconds, timed_left)
            timed_left -= seconds
            clipped += segment.seconds - seconds
        else:
            seconds = min(segment.seconds, pacing_left)
            pacing_left -= seconds
        parts.append(breaks(seconds))
        silence += round(seconds, 3)
    ssml = _wrap("".join(parts))
    if len(ssml) > MAX_SSML_CHARS:  # the words, shortened; a held floor stays whole after them
        tail = breaks(floor) + (CUE_SOUNDS[CueKind.FLOOR_END].ssml() if floor else "")
        text = _escape(_shorten(reply.text, MAX_SSML_CHARS - len(_wrap(tail)) - 200))
        played = CUE_SOUNDS[CueKind.FLOOR_END].seconds if floor else 0.0
        return RenderedSpeech(_wrap(text + tail), floor, clipped, played, floor, shortened=True)
    return RenderedSpeech(ssml, silence, clipped, sound_total, floor)


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
