"""SSML rendering within Alexa's limits, and certification rules over many real responses."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_alexa_helpers import Conversation, speech_text

from intents import Rekindle, SqliteStore
from intents.replies import Cue, CueKind, Pause, Reply, Speech
from interaction_models import language_model
from skill.lambda_function import make_lambda_handler
from skill.ssml import (
    AUDIO_BUDGET_SECONDS,
    CUE_SOUNDS,
    FLOOR_BUDGET_SECONDS,
    MAX_SSML_CHARS,
    SPEECH_GAP_SECONDS,
    render_reply,
    render_text,
    speech_seconds,
)

BREAK = re.compile(r'<break time="(\d+)ms"/>')
AUDIO = re.compile(r'<audio src="([^"]+)"/>')
SOUND_SECONDS = {sound.src: sound.seconds for sound in CUE_SOUNDS.values()}


def break_seconds(ssml: str) -> list[float]:
    return [int(ms) / 1000 for ms in BREAK.findall(ssml)]


def clips(ssml: str) -> list[str]:
    return AUDIO.findall(ssml)


def test_text_is_escaped_and_the_markup_parses() -> None:
    ssml = render_text("Tom & Jerry <3 say \"hi\"")
    root = ET.fromstring(ssml)
    assert root.tag == "speak"
    assert "Tom & Jerry <3" in "".join(root.itertext())


def test_long_silence_is_chained_breaks_of_at_most_ten_seconds() -> None:
    reply = Reply((Speech("Hold each other."), Cue(CueKind.TOUCH_START), Pause(60, timer=True),
                   Cue(CueKind.TOUCH_END), Speech("Say next when you're ready.")))
    rendered = render_reply(reply)
    gaps = break_seconds(rendered.ssml)
    assert max(gaps) <= 10
    assert gaps.count(10) == 6
    assert rendered.clipped_seconds == 0


def test_touch_moments_begin_and_end_with_a_sound_library_clip() -> None:
    reply = Reply((Speech("Hold each other."), Cue(CueKind.TOUCH_START), Pause(90, timer=True),
                   Cue(CueKind.TOUCH_END), Speech("Say next when you're ready.")))
    rendered = render_reply(reply)
    start, end = CUE_SOUNDS[CueKind.TOUCH_START], CUE_SOUNDS[CueKind.TOUCH_END]
    assert start.src != end.src and all(s.src.startswith("soundbank://soundlibrary/") for s in (start, end))
    assert all(0 < s.seconds <= 5 for s in (start, end))  # short: the silence is the moment, not the sound
    assert clips(rendered.ssml) == [start.src, end.src]
    between = rendered.ssml.split(start.ssml())[1].split(end.ssml())[0]
    assert sum(break_seconds(between)) == 90  # the whole touch sits between the two sounds
    assert rendered.sound_seconds == start.seconds + end.seconds


def test_past_five_clips_a_cue_is_a_gap() -> None:
    reply = Reply(tuple(Cue(CueKind.TOUCH_START) for _ in range(7)))
    ssml = render_reply(reply).ssml
    assert len(clips(ssml)) == 5
    assert break_seconds(ssml) == [1.0, 1.0]


def test_a_touch_keeps_its_length_beside_short_words_and_both_sounds() -> None:
    reply = Reply((Speech("Hold each other."), Pause(1), Cue(CueKind.TOUCH_START), Pause(180, timer=True),
                   Cue(CueKind.TOUCH_END), Speech("Say more time or next.")))
    rendered = render_reply(reply)
    assert rendered.clipped_seconds == 0 and sum(break_seconds(rendered.ssml)) == 181


def test_an_over_long_touch_is_capped_to_the_audio_budget() -> None:
    reply = Reply((Speech("Hold each other."), Pause(400, timer=True), Speech("Say more time or next.")))
    rendered = render_reply(reply)
    assert sum(break_seconds(rendered.ssml)) <= AUDIO_BUDGET_SECONDS
    assert rendered.clipped_seconds > 200
    assert rendered.ssml.endswith("Say more time or next.</prosody></speak>")


def test_a_held_floor_is_whole_chained_breaks_then_its_soft_cue_last() -> None:
    reply = Reply((Speech("Take your time; when you've both finished, say: Alexa, next."), Pause(240, floor=True),
                   Cue(CueKind.FLOOR_END)))
    rendered = render_reply(reply)
    cue = CUE_SOUNDS[CueKind.FLOOR_END]
    assert cue.src.startswith("soundbank://soundlibrary/") and 0 < cue.seconds <= 3
    assert cue.src not in (CUE_SOUNDS[CueKind.TOUCH_START].src, CUE_SOUNDS[CueKind.TOUCH_END].src)
    assert rendered.ssml.endswith(cue.ssml() + "</prosody></speak>")
    gaps = break_seconds(rendered.ssml)
    assert max(gaps) <= 10 and sum(gaps) == 240 == rendered.floor_seconds and len(rendered.ssml) < 1000


def test_a_floor_keeps_its_length_after_a_three_minute_touch_and_both_its_sounds() -> None:
    """Lingering after a long touch moment: the touch keeps its budget, and the floor comes on top, whole."""
    reply = Reply((Speech("Hold each other."), Pause(1), Cue(CueKind.TOUCH_START), Pause(180, timer=True),
                   Cue(CueKind.TOUCH_END), Speech("Stay close. When you're ready, say: Alexa, next."),
                   Pause(60, floor=True), Cue(CueKind.FLOOR_END)))
    rendered = render_reply(reply)
    assert rendered.clipped_seconds == 0 and rendered.floor_seconds == 60
    assert sum(break_seconds(rendered.ssml)) == 181 + 60 and len(clips(rendered.ssml)) == 3


def test_words_too_long_for_ssml_are_shortened_and_the_floor_is_kept() -> None:
    long_words = "Take a breath together and listen. " * 400
    reply = Reply((Speech(long_words), Speech("Say: Alexa, next."), Pause(120, floor=True), Cue(CueKind.FLOOR_END)))
    rendered = render_reply(reply)
    assert len(rendered.ssml) < MAX_SSML_CHARS and rendered.floor_seconds == 120
    assert sum(break_seconds(rendered.ssml)) == 120
    assert rendered.ssml.endswith(CUE_SOUNDS[CueKind.FLOOR_END].ssml() + "</prosody></speak>")


words = st.text(min_size=1, max_size=600)
segments = st.lists(st.one_of(
    words.map(Speech),
    st.floats(min_value=0, max_value=400, allow_nan=False).map(Pause),
    st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda s: Pause(s, timer=True)),
    st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda s: Pause(s, floor=True)),
    st.sampled_from(list(CueKind)).map(Cue),
), max_size=30)


@given(segments)
@example([Speech(" "), Speech(" "), Pause(200, timer=True), Speech(" "), Speech(" ")])  # gaps once unbudgeted
@example([Speech("Hold on."), Pause(150), Cue(CueKind.TOUCH_START), Pause(150, timer=True),
          Cue(CueKind.TOUCH_END)])
@settings(max_examples=150, deadline=None)
def test_any_reply_renders_to_valid_bounded_ssml(parts: list[Any]) -> None:
    rendered = render_reply(Reply(tuple(parts)))
    ssml = rendered.ssml
    ET.fromstring(ssml)
    assert len(ssml) < MAX_SSML_CHARS
    gaps = break_seconds(ssml)
    assert all(0 < g <= 10 for g in gaps)
    sounds = [SOUND_SECONDS[src] for src in clips(ssml)]
    assert len(sounds) <= 5 and sum(sounds) <= 240
    floors = [p.seconds for p in parts if isinstance(p, Pause) and p.floor]
    floor = min(sum(floors), FLOOR_BUDGET_SECONDS)  # a held floor is whole, within its own budget
    assert abs(rendered.floor_seconds - floor) < 0.01
    if rendered.shortened:  # the words were too long for SSML: shortened, with the floor kept after them
        assert abs(sum(gaps) - floor) < 0.01 and len(sounds) <= 1
        return
    words = sum(speech_seconds(p.text) for p in parts if isinstance(p, Speech))
    speech_gaps = SPEECH_GAP_SECONDS * sum(isinstance(a, Speech) and isinstance(b, Speech)
                                           for a, b in pairwise(parts))
    cue_gaps = sum(isinstance(p, Cue) for p in parts) - len(sounds)
    # Only words, the gaps between them and the cues may run past the budget; no pause ever does (a held floor
    # has a budget of its own, on top).
    unavoidable = words + speech_gaps + sum(sounds) + cue_gaps
    assert words + sum(gaps) - floor + sum(sounds) <= max(AUDIO_BUDGET_SECONDS, unavoidable) + 0.01
    assert sum(gaps) >= floor - 0.01



def check_certification_rules(intent: str | None, response: dict[str, Any]) -> None:
    body = response["response"]
    speech = speech_text(response)
    if intent is None or intent != "SessionEndedRequest":
        assert isinstance(body.get("shouldEndSession"), bool), "shouldEndSession must be explicit"
        ET.fromstring(body["outputSpeech"]["ssml"])
        assert len(body["outputSpeech"]["ssml"]) < MAX_SSML_CHARS
        assert len(clips(body["outputSpeech"]["ssml"])) <= 5
    if body.get("shouldEndSession") is False:
        assert body["reprompt"]["outputSpeech"]["ssml"], "an open session needs a reprompt"
    floor_cue = CUE_SOUNDS[CueKind.FLOOR_END].ssml()
    ssml = body.get("outputSpeech", {}).get("ssml", "")
    if floor_cue in ssml:  # a held floor: its cue is last, the session stays open, and a reprompt follows
        assert body["shouldEndSession"] is False and ssml.endswith(floor_cue + "</prosody></speak>")
        assert "more time" in speech_text(response, reprompt=True)
    if body.get("shouldEndSession") is True:
        assert "reprompt" not in body
        assert not speech.rstrip().endswith("?"), f"asked a question and closed: {speech!r}"
    if intent in (None, "AMAZON.HelpIntent"):
        assert body["shouldEndSession"] is False
    if intent in ("AMAZON.StopIntent", "AMAZON.CancelIntent"):
        assert body["shouldEndSession"] is True


INTENTS = [i["name"] for i in language_model("en-US")["intents"]]
SLOT_SAMPLES = {"SetPartnerNamesIntent": {"firstName": "Sam", "secondName": "Robin"},
                "SetRitualLengthIntent": {"minutes": "twenty"}}


@given(st.lists(st.sampled_from(INTENTS), min_size=1, max_size=25),
       st.sampled_from(["appreciation-exchange", "touch-and-breathe", None]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_certification_rules_hold_on_any_path(tmp_path: Path, path: list[str], ritual: str | None) -> None:
    store = SqliteStore(tmp_path / f"cert-{abs(hash((tuple(path), ritual)))}.db")
    engine = Rekindle(store, clock=lambda: datetime.fromisoformat("2026-11-27T21:30:00+00:00"),
                      front="alexa", ritual=ritual)
    handler = make_lambda_handler(engine)
    talk = Conversation(lambda event: json.loads(json.dumps(handler(event, None))))
    check_certification_rules(None, talk.launch())
    for name in path:
        if not talk.open_session:
            check_certification_rules(None, talk.launch())
        check_certification_rules(name, talk.intent(name, SLOT_SAMPLES.get(name)))
    store.close()
