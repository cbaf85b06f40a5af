"""The nights-on-an-Echo benchmark walks whole nights through the Lambda handler (a real SQLite store, real
request envelopes); here a few nights, checking that each finishes and the table adds up."""

from __future__ import annotations

from datetime import date

from benchmarks.alexa_night import Playback, main, run


def test_a_reply_plays_for_its_words_breaks_and_clips() -> None:
    ssml = ('<speak><prosody rate="95%">One two three four five six seven eight nine ten eleven twelve.'
            '<break time="10000ms"/><break time="2500ms"/>'
            '<audio src="soundbank://soundlibrary/bell/chimes/chimes_10"/></prosody></speak>')
    play = Playback.of(ssml)
    assert 12.5 + 2.82 + 5 < play.seconds < 12.5 + 2.82 + 6 and 5 < play.words_end < 6


def test_nights_finish_and_the_table_adds_up() -> None:
    nights = run(date(2027, 1, 11), 3, None, 0.2)
    assert [n.night for n in nights] == ["2027-01-11", "2027-01-12", "2027-01-13"]
    assert all(n.finished and n.lost == 0 and n.minutes > 3 for n in nights)
    assert all(n.names == 1 + n.reinvocations for n in nights)
    lines: list[str] = []
    assert main(["--nights", "2"], out=lines.append) == 0
    assert lines[0].startswith("| night |") and lines[-1].startswith("re-invocations by name:")
