"""The laptop's grammar comes from the interaction model, and unknown words are dropped with one warning."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from grammar_language import first_difference, read_fsg, samples_automaton

from intents.replies import Listening
from intents.understanding import NAME_SLOT_TYPE, IntentMatcher, normalise_sample
from interaction_models import free_talk_remarks, free_talk_samples, language_model, locales, while_speaking_samples
from local_voice.heard import FREE_TALK_EXCLUDED
from local_voice.vocabulary import CONTEXTS, REMARK, REQUEST_INTENTS, Vocabulary, grammar_context


def _grammar(vocab: Vocabulary, tmp_path: Path, jsgf: str | None = None) -> Any:
    """The finite-state grammar PocketSphinx builds from the JSGF (what the decoder searches)."""
    pocketsphinx = pytest.importorskip("pocketsphinx")
    path = tmp_path / "commands.gram"
    path.write_text(vocab.jsgf() if jsgf is None else jsgf, encoding="utf-8")
    grammar = pocketsphinx.Jsgf(str(path))
    return grammar.build_fsg(grammar.get_rule("rekindle.command"), pocketsphinx.LogMath(), 7.5)


def _difference(fsg: Any, vocab: Vocabulary, tmp_path: Path) -> tuple[str, bool] | None:
    """The shortest phrase the decoder's grammar and the vocabulary's samples disagree on, if any."""
    path = tmp_path / "commands.fsg"
    fsg.writefile(str(path))
    return first_difference(read_fsg(path.read_text(encoding="utf-8")), samples_automaton(vocab))


def test_grammar_accepts_exactly_the_samples(matcher: IntentMatcher, tmp_path: Path) -> None:
    vocab = Vocabulary.from_matcher(matcher)
    assert {t.intent for t in vocab.templates} == {i for i, samples in matcher.samples.items() if samples}
    grammar = _grammar(vocab, tmp_path)
    # Every phrase of every template, and nothing else, compared as automata rather than one by one.
    assert _difference(grammar, vocab, tmp_path) is None
    # Samples sharing their slotted rest must not combine their openings, nor lose their slots.
    assert not grammar.accept("call us we are alex and chloe")
    assert not grammar.accept("we are alex")
    assert not grammar.accept("we are and chloe")
    assert not grammar.accept("make it minutes")


def test_the_exact_grammar_check_finds_a_planted_difference(matcher: IntentMatcher, tmp_path: Path) -> None:
    vocab = Vocabulary.from_matcher(matcher)
    samples = samples_automaton(vocab)
    assert all(samples.accepts(p) for p in vocab.phrases(slot_limit=1))
    assert not samples.accepts("call us we are alex and chloe") and not samples.accepts("we are alex")
    # A phrase too many in the grammar, a slot form too few, a template too few, openings spliced together.
    extra = vocab.jsgf().replace("public <command> = ", "public <command> = ( tell us a joke ) | ", 1)
    assert _difference(_grammar(vocab, tmp_path, extra), vocab, tmp_path) == ("tell us a joke", True)
    names = vocab.slots[NAME_SLOT_TYPE]
    fewer = replace(vocab, slots={**vocab.slots, NAME_SLOT_TYPE: tuple(n for n in names if n != "alex")})
    missing = _difference(_grammar(fewer, tmp_path), vocab, tmp_path)
    assert missing is not None and "alex" in missing[0].split() and not missing[1]
    dropped = replace(vocab, templates=vocab.templates[:-1])
    assert _difference(_grammar(dropped, tmp_path), vocab, tmp_path) is not None
    spliced = vocab.jsgf().replace("( we are )", "( we are ) [ call us ]", 1)
    assert spliced != vocab.jsgf()
    found = _difference(_grammar(vocab, tmp_path, spliced), vocab, tmp_path)
    assert found is not None and found[0].startswith("we are call us") and found[1]


def test_vocabulary_phrases_mean_their_intents(matcher: IntentMatcher) -> None:
    vocab = Vocabulary.from_matcher(matcher)
    for phrase in vocab.phrases(slot_limit=2):
        assert matcher.match(phrase) is not None, phrase
    assert {"AMAZON.NextIntent", "SetPartnerNamesIntent"} <= vocab.intents()


def test_unknown_words_are_dropped_with_one_warning(matcher: IntentMatcher,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    vocab = Vocabulary.from_matcher(matcher)
    with caplog.at_level(logging.WARNING):
        known = vocab.restrict(lambda w: w not in {"cuddle", "sam"})
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cuddle" in warnings[0].getMessage()
    assert known.dropped == ("cuddle", "sam")
    assert "cuddle" not in known.words() and "sam" not in known.words()
    assert "sam" not in known.slots[NAME_SLOT_TYPE] and "alex" in known.slots[NAME_SLOT_TYPE]
    assert "cuddle" not in known.jsgf().split()


def test_free_talk_grammar_leaves_out_setup_commands(matcher: IntentMatcher) -> None:
    full = Vocabulary.from_matcher(matcher)
    vocab = full.filter(full.intents() - FREE_TALK_EXCLUDED)
    assert "SetPartnerNamesIntent" not in vocab.intents() and "AMAZON.NextIntent" in vocab.intents()
    assert "SetRitualLengthIntent" not in vocab.intents()
    assert "{firstName}" not in vocab.jsgf() and "twenty" not in vocab.jsgf().split()


def test_free_talk_grammar_is_the_listed_samples(matcher: IntentMatcher) -> None:
    full = Vocabulary.from_matcher(matcher)
    free = full.contexts(full.intents() - FREE_TALK_EXCLUDED)["free"]
    assert set(free.phrases()) == set(free_talk_samples())
    assert "can we have more time" not in free.phrases() and "yes" not in free.phrases()
    # Every command the step and pause help teach acts while partners talk.
    assert {matcher.match(s).intent for s in free_talk_samples()} == {  # type: ignore[union-attr]
        "AMAZON.NextIntent", "AMAZON.RepeatIntent", "AMAZON.PreviousIntent", "AMAZON.PauseIntent",
        "AMAZON.ResumeIntent", "AMAZON.StartOverIntent", "DifferentQuestionIntent", "MoreTimeIntent",
        "TimeLeftIntent", "AMAZON.HelpIntent", "AMAZON.StopIntent", "SwapTurnsIntent", "GoFirstIntent"}


def test_remarks_are_heard_in_every_context_unless_they_are_commands_there(matcher: IntentMatcher) -> None:
    full = Vocabulary.from_matcher(matcher).with_remarks(free_talk_remarks())
    assert REMARK not in full.intents()
    contexts = full.contexts(full.intents() - FREE_TALK_EXCLUDED)
    free = contexts["free"]
    assert set(free.phrases()) == set(free_talk_samples()) | set(free_talk_remarks())
    assert free.is_remark("yeah") and free.is_remark("me too") and not free.is_remark("next")
    grammar = free.jsgf()
    assert "<remark> = " in grammar and "/1/ <command> |" in grammar  # remarks weighted against commands
    # When a command is awaited, remarks are heard too, except those that are commands there.
    for name in ("all", "step"):
        awaited = contexts[name]
        assert awaited.is_remark("wow") and awaited.is_remark("me too") and "<remark>" in awaited.jsgf()
        assert "yes" in awaited.phrases() and not awaited.is_remark("yes") and free.is_remark("yes")
    assert not Vocabulary.from_matcher(matcher).contexts(full.intents())["all"].is_remark("wow")
    # A remark must never be a command partners are taught to say while they talk.
    assert not {normalise_sample(r) for r in free_talk_remarks()} & {normalise_sample(s) for s in free_talk_samples()}


def test_a_grammar_says_its_commands_and_no_remark(matcher: IntentMatcher) -> None:
    """The gate every hearing uses: a phrase may act only in a grammar that holds its sample as a command."""
    full = Vocabulary.from_matcher(matcher).with_remarks(free_talk_remarks())
    contexts = full.contexts(full.intents() - FREE_TALK_EXCLUDED)
    naming, bare_names, yes = (matcher.match(text) for text in ("our names are sam and robin", "sam and robin", "yeah"))
    assert naming and bare_names and yes
    assert contexts["all"].says(naming.sample) and not contexts["step"].says(naming.sample)
    assert contexts["names"].says(bare_names.sample) and not contexts["all"].says(bare_names.sample)
    assert contexts["step"].says(yes.sample) and not contexts["free"].says(yes.sample)  # a remark there
    assert contexts["speaking"].says("stop") and not contexts["speaking"].says("next")


@pytest.mark.parametrize("locale", locales())
def test_free_talk_samples_are_free_samples_of_every_model(locale: str) -> None:
    samples = {normalise_sample(s): i["name"] for i in language_model(locale)["intents"] for s in i.get("samples", [])}
    for sample in free_talk_samples():
        assert sample in samples, (locale, sample)
        assert samples[sample] not in FREE_TALK_EXCLUDED, (locale, sample)


def test_grammar_context_follows_what_the_reply_listens_for() -> None:
    assert grammar_context(Listening.STEP) == "step"
    assert {grammar_context(listening) for listening in (Listening.OFFER, Listening.NONE)} == {"all"}
    assert grammar_context(Listening.NAMES) == "names"
    assert grammar_context(Listening.FREE_TALK) == "free"
    assert {grammar_context(listening, speaking=True) for listening in Listening} == {"speaking"}


def test_while_rekindle_speaks_only_stop_and_pause_are_heard(matcher: IntentMatcher) -> None:
    full = Vocabulary.from_matcher(matcher).with_remarks(free_talk_remarks())
    speaking = full.contexts(full.intents() - FREE_TALK_EXCLUDED)["speaking"]
    assert speaking.intents() == {"AMAZON.StopIntent", "AMAZON.PauseIntent"}
    assert set(speaking.phrases()) == set(while_speaking_samples()) | set(free_talk_remarks())
    assert speaking.is_remark("yeah") and not speaking.is_remark("stop") and "next" not in speaking.phrases()
    # What cuts Rekindle short is also something partners may say while they talk.
    assert set(while_speaking_samples()) <= set(free_talk_samples())


def test_step_grammar_leaves_out_setup_and_offers_leave_out_bare_names(matcher: IntentMatcher) -> None:
    full = Vocabulary.from_matcher(matcher)
    contexts = full.contexts(full.intents() - FREE_TALK_EXCLUDED)
    assert set(contexts) == set(CONTEXTS)
    assert contexts["names"].intents() == full.intents() - REQUEST_INTENTS  # requests: not by ear yet
    assert contexts["all"].intents() == full.intents() - {"PartnerNamesIntent"} - REQUEST_INTENTS
    assert contexts["step"].intents() == full.intents() - {"SetPartnerNamesIntent", "PartnerNamesIntent",
                                                           "SetRitualLengthIntent", "NightMoodIntent"} - REQUEST_INTENTS
    for name in ("sasha", "wei", "alex"):
        assert name in contexts["all"].jsgf().split() and name not in contexts["step"].jsgf().split()
    assert "twenty" in contexts["all"].jsgf().split() and "twenty" not in contexts["step"].jsgf().split()
    assert "next" in contexts["step"].jsgf().split() and "pause" in contexts["step"].jsgf().split()
