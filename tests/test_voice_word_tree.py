"""The grammars' commands as a word tree (local_voice/word_tree.py): the same sentences, weighed the same.

PocketSphinx's own grammar reader is the judge: every context's grammar, as compiled at start-up, accepts
every phrase of that context (slots filled with a few of their forms) and nothing that only begins like
one.
"""

from __future__ import annotations

import pytest
from voice_fixtures import needs_voice

from intents.understanding import IntentMatcher
from local_voice.asr_pocketsphinx import PocketSphinxRecogniser
from local_voice.engines import listening_vocabulary
from local_voice.word_tree import word_tree

pytestmark = needs_voice


def test_phrases_that_begin_alike_share_their_words_and_keep_equal_weights() -> None:
    tree = word_tree(["next", "next question", "next one", "stop", "( a | b ) <slot1>", "stop"])
    # "next" ends a phrase and begins two more: three phrases under it, one each for "stop" and the group.
    assert tree == "( /3/ next ( /1/ <NULL> | /1/ one | /1/ question ) | /1/ stop | /1/ ( ( a | b ) <slot1> ) )"
    assert word_tree(["tell me more"]) == "( tell me more )"


@pytest.fixture(scope="module")
def grammar_decoder(matcher: IntentMatcher) -> PocketSphinxRecogniser:
    vocabulary, free = listening_vocabulary(matcher)
    return PocketSphinxRecogniser(vocabulary, free, contexts=())


@pytest.mark.parametrize("context", ["all", "step", "names", "free", "speaking"])
def test_each_grammar_accepts_exactly_its_phrases(grammar_decoder: PocketSphinxRecogniser, context: str) -> None:
    vocabulary = grammar_decoder._contexts[context]
    fsg = grammar_decoder._decoder.parse_jsgf(vocabulary.jsgf().encode())
    phrases = vocabulary.phrases(slot_limit=3)
    assert len(phrases) > 3
    assert [p for p in phrases if not fsg.accept(p)] == []
    said = set(phrases)
    beginnings = {" ".join(p.split()[:-1]) for p in phrases if len(p.split()) > 1} - said - {""}
    assert beginnings, context
    assert [b for b in sorted(beginnings) if fsg.accept(b)] == []
