"""The everyday requests of tests/requests/ (run by benchmarks/requests_bench.py) are well formed."""

from __future__ import annotations

import re

from benchmarks.requests_bench import Effects, load_requests
from intents.content import default_content

PLACES_BEFORE_A_RITUAL = {"offer", "check_in", "welcome_back"}
# Sentences the issue and the shared notes give as examples: the set is written in other words.
EXAMPLES = {
    "something short", "just a few minutes", "we have all evening", "we're exhausted, something short",
    "another ritual", "not that one", "you choose", "surprise us", "the usual one", "leave out the touch tonight",
    "end after this step", "an easier question", "a deeper question", "how much is left", "say it again",
    "we're short on time", "just five minutes tonight", "something brief", "we've got all evening",
    "only a cuddle tonight", "let's just talk", "can we do the date planning one", "something playful",
    "a different one", "skip that one", "anything else?", "you pick", "let's leave the hug out tonight",
    "one more question and then bed", "always make it short", "from now on keep it light",
    "we're tired, something short", "something quick tonight", "can we have something short please",
    "just a hug tonight", "give me another question",
}


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def test_enough_requests_spread_over_the_evening() -> None:
    requests, _ = load_requests()
    assert len(requests) >= 60
    before = [r for r in requests if r.at in PLACES_BEFORE_A_RITUAL]
    assert len(before) >= 30 and len(requests) - len(before) >= 30
    sentences = [_plain(r.say) for r in requests]
    assert len(set(sentences)) == len(sentences), "a sentence is listed twice"
    assert not {_plain(e) for e in EXAMPLES} & set(sentences), "a sentence is one of the issue's examples"


def test_every_place_and_effect_is_known() -> None:
    requests, places = load_requests()
    content = default_content()
    for name, place in places.items():
        ritual = content.rituals[place["ritual"]]
        assert 0 <= place["step"] < len(ritual.steps), name
    for request in requests:
        assert request.at in PLACES_BEFORE_A_RITUAL | set(places), request
        for key in request.effect:
            assert callable(getattr(Effects, key, None)), f"{request.say!r}: no effect called {key!r}"
