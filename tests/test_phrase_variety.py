"""Variety in Rekindle's own words: a line a couple hears regularly has several variants, chosen so that over any
28 nights in a row no line is said the same way on more than a third of them, and never two nights running."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest
from store_helpers import save_preferences

from intents import Command, CommandKind, Preferences, Rekindle, SqliteStore
from intents.content import default_content
from intents.content.phrases import NIGHTLY_VARIANTS, Phrases, default_phrases, spoken, variant_index
from intents.dialogue import Phase, SessionState, phase_of
from intents.replies import Speech
from intents.window import MicrophoneWindow

CONTENT = default_content()
CONTENT_LINES = {line for r in CONTENT.rituals.values() for line in r.fixed_texts()}  # every wording
ALEXA = MicrophoneWindow("nightly ritual")
NIGHTS = 28
MOST = NIGHTS // 3  # "no fixed line identical on more than a third of nights"
START = datetime(2027, 1, 4, 21, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Recording(Phrases):
    """The phrase table, noting which variant of which phrase each night looks up, and its words."""

    looked_up: list[tuple[int, str, int, int, str]] = field(default_factory=list, compare=False)

    def for_night(self, number: int) -> Phrases:
        return replace(self, variant=number)

    def say_nth(self, key: str, occurrence: int, **values: object) -> str:
        text = super().say_nth(key, occurrence, **values)
        self.looked_up.append((self.variant, key, occurrence, self.index(key, occurrence), spoken(text)))
        return text

    def heard(self, lines: dict[date, list[str]]) -> set[tuple[int, str, int, int]]:
        """(night number, phrase, occurrence that night, variant) of each phrase said aloud (not reprompts
        kept for silence, nor cards)."""
        said = {night.toordinal(): set(text) for night, text in lines.items()}
        return {(night, key, nth, chosen) for night, key, nth, chosen, text in self.looked_up if text in said[night]}


@pytest.mark.parametrize("count", range(NIGHTLY_VARIANTS, 9))
def test_the_choice_spreads_variants_over_any_28_nights(count: int) -> None:
    for key in ("welcome", "touch_offer", "question_second_named", "landing"):
        seq = [variant_index(key, night, count) for night in range(738000, 738600)]
        assert all(a != b for a, b in pairwise(seq)), (key, count)  # never the same two nights running
        worst = max(max(Counter(seq[s:s + NIGHTS]).values()) for s in range(len(seq) - NIGHTS))
        assert worst <= MOST, (key, count, worst)
    assert variant_index("welcome", 738000, 1) == 0


def test_fewer_variants_cannot_keep_the_rule() -> None:
    seq = [variant_index("welcome", night, NIGHTLY_VARIANTS - 1) for night in range(738000, 738000 + NIGHTS)]
    assert max(Counter(seq).values()) > MOST  # why a nightly line needs NIGHTLY_VARIANTS


def month(tmp_path: Path, minutes: int, names: tuple[str, ...], window: MicrophoneWindow | None = None
          ) -> tuple[Recording, dict[date, list[str]]]:
    """28 nights in a row with every ritual completed, touch accepted, the check-in answered yes. With a
    ``window`` (Alexa), the couple comes back with "next" each time Rekindle closes the conversation."""
    phrases = Recording(default_phrases().table)
    store = SqliteStore(tmp_path / f"m{minutes}{len(names)}{bool(window)}.db")
    save_preferences(store, "h", Preferences(names=names, minutes=minutes))
    lines: dict[date, list[str]] = {}
    for n in range(NIGHTS):
        now = START + timedelta(days=n)
        engine = Rekindle(store, phrases=phrases, clock=lambda now=now: now)
        turn = engine.handle("h", Command(CommandKind.OPEN), window=window)
        said = [turn.reply]
        while turn.completed is None:
            assert len(said) < 60
            if turn.reply.end_session:  # closed on purpose while they talk: "Alexa, tell nightly ritual next"
                turn = engine.handle("h", Command(CommandKind.NEXT), window=window)
            else:
                phase = phase_of(SessionState.from_dict(turn.state))
                asked = phase in (Phase.OFFER, Phase.CHECK_IN, Phase.TOUCH_INVITE)
                answer = CommandKind.YES if asked else CommandKind.NEXT
                turn = engine.handle("h", Command(answer), turn.state, window=window)
            said.append(turn.reply)
        lines[now.date()] = [s.text for r in said for s in r.segments if isinstance(s, Speech)]
    return phrases, lines


@pytest.mark.parametrize("minutes", [5, 10, 20])
@pytest.mark.parametrize(("names", "window"), [((), None), (("Sam", "Robin"), None), (("Sam", "Robin"), ALEXA)],
                         ids=["anonymous", "named", "alexa"])
def test_no_line_is_the_same_on_more_than_a_third_of_28_nights(tmp_path: Path, minutes: int, names: tuple[str, ...],
                                                                 window: MicrophoneWindow | None) -> None:
    phrases, lines = month(tmp_path, minutes, names, window)
    nights_of: dict[str, set[int]] = defaultdict(set)
    said_as: dict[tuple[str, int, int], set[int]] = defaultdict(set)
    for night, key, nth, chosen in phrases.heard(lines):
        nights_of[key].add(night)
        said_as[(key, nth, chosen)].add(night)
    regular = {key for key, nights in nights_of.items() if len(nights) > MOST}
    assert {"welcome", "begin", "touch_offer", "touch_after", "question_intro_first"} <= regular
    few = {key: len(phrases.table[key]) for key in regular if len(phrases.table[key]) < NIGHTLY_VARIANTS}
    assert few == {}, f"heard on more than {MOST} of {NIGHTS} nights, so each needs {NIGHTLY_VARIANTS} variants"
    # A line said at the same point of the night (the greeting, the second question's intro) is worded the same
    # way on at most a third of the nights.
    same = {f"{key}#{nth}[{chosen}]": len(n) for (key, nth, chosen), n in said_as.items() if len(n) > MOST}
    assert same == {}
    fixed = {line for text in lines.values() for line in text} & CONTENT_LINES
    most = Counter(line for text in lines.values() for line in set(text) if line in fixed).most_common(3)
    assert most and most[0][1] <= MOST, most  # a ritual's own words: no ritual on more than a third of nights


def test_a_line_said_twice_in_one_night_is_said_differently(tmp_path: Path) -> None:
    _, lines = month(tmp_path, 20, ("Sam", "Robin"))
    anonymous = [[line.replace("Sam", "NAME").replace("Robin", "NAME") for line in text] for text in lines.values()]
    repeated = [line for text in anonymous for line, n in Counter(text).items() if n > 1]
    assert repeated == []


@pytest.mark.parametrize(("kind", "keys"), [
    ("question", ("question_first_named", "question_first_anon", "teach_next", "question_second_named",
                  "question_second_anon")),
    ("touch", ("touch_offer", "touch_length", "touch_after")), ("task", ("task_teach",))])
def test_a_phrase_said_on_every_step_of_a_kind_has_a_variant_for_each(kind: str, keys: tuple[str, ...]) -> None:
    most = max(sum(1 for s in r.steps if s.kind == kind) for r in CONTENT.rituals.values())
    assert {key: n for key in keys if (n := len(default_phrases().table[key])) < most} == {}


def test_pinned_phrases_say_one_variant_everywhere() -> None:
    table = default_phrases()
    for k in range(NIGHTLY_VARIANTS):
        pinned = table.pinned(k)
        assert pinned.for_night(738123).say("welcome", title="T", minutes=5) == pinned.say("welcome", title="T",
                                                                                            minutes=5)
    assert table.pinned(0).say("touch_offer") != table.pinned(1).say("touch_offer")
