"""Two months of nights as one couple hears them (benchmarks/months.py, through the text front, no waiting): the
script seldom repeats itself within four weeks, and the persona rules hold on every night."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from benchmarks.months import FIRST_NIGHTS, NIGHTS, START, TARGETS, Night, measure, replay, script_lines, sentences
from intents import SqliteStore
from intents.content import default_content, wording

CONTENT = default_content()


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> list[Night]:
    store = SqliteStore(Path(tmp_path_factory.mktemp("months")) / "months.db")
    try:
        return replay(store, NIGHTS, START)
    finally:
        store.close()


def test_the_script_seldom_repeats_within_four_weeks(months: list[Night]) -> None:
    figures = measure(months, CONTENT)
    assert figures.script > 6 * NIGHTS  # the measure counts what it should: several sentences a night
    assert figures.repeated_first <= TARGETS.repeated_first_nights, f"first {FIRST_NIGHTS} nights"
    assert figures.presumed_unasked == 0  # fragile rituals only when a couple says they fit


def test_no_script_sentence_on_more_than_a_third_of_nights_and_all_in_the_guides_voice(months: list[Night]) -> None:
    script = script_lines(CONTENT)
    nights_with = Counter(s for night in months for s in {s for line in night.said if line in script
                                                           for s in sentences(line)})
    assert nights_with.most_common(1)[0][1] <= NIGHTS // 3
    heard = {line for night in months for line in night.said if line in script}
    assert {line for line in heard if wording.first_person(line)} == set()


def test_no_touch_moment_begins_without_a_yes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "no-touch.db")
    try:
        declined = replay(store, FIRST_NIGHTS, START, touch=False)
    finally:
        store.close()
    assert sum(n.touch_moments for n in declined) == 0
    store = SqliteStore(tmp_path / "touch.db")
    try:
        accepted = replay(store, FIRST_NIGHTS, START)
    finally:
        store.close()
    assert sum(n.touch_moments for n in accepted) >= FIRST_NIGHTS // 2
