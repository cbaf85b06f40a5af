"""The laptop hears what Rekindle offers and how a couple arrives, where it offers them.

The core tests (test_dialogue.py, test_check_in.py) check that every locale understands these; here the
offline loop's grammars, which hear only what fits the moment, are checked to let them through.
"""

from __future__ import annotations

from test_dialogue import offered, states  # noqa: F401  (module fixtures: a state in every phase, the offers)
from voice_fixtures import PerfectRecogniser

from intents.replies import Listening
from intents.understanding import IntentMatcher
from local_voice.vocabulary import Vocabulary


def test_the_laptop_hears_every_option_where_it_is_offered(offered: set[tuple[str, Listening]],  # noqa: F811
                                                           matcher: IntentMatcher) -> None:
    laptop = PerfectRecogniser(matcher)
    for option, listening in sorted(offered, key=str):
        assert laptop.recognise(option.encode(), listening).accepted, (
            f"the laptop does not hear {option!r} where it is offered (listening for {listening.value})")
    assert len({option for option, _ in offered}) >= 15


def test_the_laptop_hears_moods_at_an_offer_but_not_inside_a_ritual() -> None:
    contexts = Vocabulary.for_locale().contexts(free_intents=[])
    assert "NightMoodIntent" in contexts["all"].intents()
    assert "NightMoodIntent" not in contexts["step"].intents()
    assert "NightMoodIntent" not in contexts["free"].intents()
