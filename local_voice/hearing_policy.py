"""The hearing policy: what may act, in which ``Reply.listening``, on what evidence.

Two hearings of every utterance (see :mod:`local_voice.hearing`): Whisper's open transcript and the grammar
decoder's hypothesis (PocketSphinx or Vosk), which can only ever be one of the phrases of the grammar for
what Rekindle listens for.

What may act, by ``Reply.listening`` (the grammar context of :func:`~local_voice.vocabulary.grammar_context`):

- ``OFFER``: every command and setup phrase, and requests for the night ("something short tonight") from
  Whisper's transcript alone, never the grammar's (:data:`~local_voice.vocabulary.OPEN_ONLY`). ``NAMES``: the
  commands and setup phrases, and bare names ("Sam and Robin").
- ``STEP``: the commands of a ritual step; a sentence of four words or more is partners talking (no reprompt).
- ``FREE_TALK``: only the commands partners say most (``free_talk.json``), never setup; speech over 4 s is not
  transcribed at all.
- While Rekindle speaks: "stop" and "pause", on the grammar decoder alone (barge-in must be fast).

On what evidence, in every context: Whisper's transcript matching a sample that may act there; or else the
grammar decoder's hypothesis, when Whisper's transcript is consistent with it (a near miss, spelled alike, or
plausible to Whisper; :class:`~local_voice.hearing.Consistency`). For namings, the grammar's listed names
replace Whisper's spelling when Whisper finds them nearly as likely.

Over all of them, one rule for words a couple's commands can be misheard as each other: :data:`CONFUSABLE`
lists the pairs. A command carrying a word of a pair, which heard as the pair's other word would be another
command ("start" -> "stop"; not "no touch tonight" -> "now touch tonight", which is no command), acts only
when *both* hearings heard that very word; otherwise nothing acts (a "didn't catch that" where one is given),
so a misheard command may fail to act but never acts as its opposite ("stop" heard as "Start." does not start
tonight's ritual; "pause" heard as "Pass." does not skip). And since both can agree on the wrong word, a command
carrying a pair's second word acts only when Whisper finds it likelier than the pair's first (:data:`MARGIN`).
Where Whisper does not run (the grammar decoder
alone, or barge-in) there is only one hearing, and this rule cannot apply.
"""

from __future__ import annotations

from intents.understanding import IntentMatcher, Match, normalise

# Words that the hearings mistake for one another, each pair with opposite effects: the first is what was
# meant, the second what it was heard as (measured: Whisper base wrote joe's "stop" as "Start." at the offer;
# the measurements: "pause" -> "Pass.", "no" -> "Now.", and "yes"/"next" confused by the grammar).
CONFUSABLE: tuple[tuple[str, str], ...] = (
    ("stop", "start"),
    ("stop", "skip"),
    ("pause", "pass"),
    ("no", "now"),
    ("yes", "next"),
)
GUARDED: frozenset[str] = frozenset(word for pair in CONFUSABLE for word in pair)
# Both hearings can agree on the wrong word: Whisper base wrote joe's "stop" as "Start." at the offer in 14 of 15
# tries, and PocketSphinx heard "start" too in 2 of 30. So a command carrying a pair's second word acts only
# when Whisper, forced to write each, finds it likelier than the first by this much (mean token
# log-probability, nats; WhisperTranscriber.plausibility). Measured 2026-12-07 on single words, joe at 130/160/190
# words a minute (8 each) and espeak-ng en-us, en+f3, en-gb-scotland, en+m7, with the offer's and the step's
# prompts (figures x1.5 since plausibility no longer averages in a constant end-of-text term): the first word
# said, Whisper preferred the second by at most 2.0 nats for stop/start and never for the others (at most
# -0.87); the second word said, it preferred it by 0.66-3.9 (start), -0.2-4.2 (skip), -1.5-4.6 (pass). A real
# "start" or "skip" may then fail to act (say it again, or "let's begin"); a "stop" never starts anything.
# Re-measured 2026-12-08 on the tuning voices alone (joe at 160, six renderings; espeak-ng en-us, en+f3,
# en-gb+m3; both prompts; 18 tries a word): "stop" said, "start" preferred by at most 1.84; "start" said, by
# 0.65-3.73; the others' first word said, their second preferred by at most -1.03.
MARGIN: dict[tuple[str, str], float] = {pair: 2.4 if pair == ("stop", "start") else 0.0 for pair in CONFUSABLE}


def unconfirmed(match: Match, matcher: IntentMatcher, open_transcript: str, hypothesis: str) -> str | None:
    """The first word of a confusable pair that ``match`` (the command about to act) carries, that would make
    it another command if heard as its partner, and that one of the two hearings did not hear; or None when
    the command may act. ``open_transcript``: Whisper's text; ``hypothesis``: the grammar decoder's
    (accepted or not: it is what that decoder heard)."""
    heard = (set(_words(open_transcript)), set(_words(hypothesis)))
    words = _words(match.sample)
    for index, word in enumerate(words):
        if word in GUARDED and not all(word in each for each in heard) and _turns(matcher, match, words, index):
            return word
    return None


def doubted(match: Match, matcher: IntentMatcher) -> list[tuple[str, str, float]]:
    """For each word of ``match``'s sample that is a pair's second word and that, heard as the pair's first,
    makes ``match`` another command: the sample as said, the sample with the first word instead, and the
    margin by which Whisper must prefer the former (:data:`MARGIN`)."""
    words = _words(match.sample)
    out = []
    for index, word in enumerate(words):
        for (meant, heard_as), margin in MARGIN.items():
            if word == heard_as and _another(matcher, match, other := _swapped(words, index, meant)):
                out.append((" ".join(words), other, margin))
    return out


def _turns(matcher: IntentMatcher, match: Match, words: list[str], index: int) -> bool:
    """Whether the word at ``index``, heard as one of its partners, makes ``match`` another command."""
    return any(_another(matcher, match, _swapped(words, index, partner)) for partner in partners(words[index]))


def _swapped(words: list[str], index: int, word: str) -> str:
    return " ".join([*words[:index], word, *words[index + 1:]])


def _another(matcher: IntentMatcher, match: Match, sentence: str) -> bool:
    """Whether ``sentence`` is a command other than ``match``'s."""
    other = matcher.match(sentence)
    return other is not None and other.intent != match.intent


def partners(word: str) -> set[str]:
    """The words ``word`` is misheard as, or misheard from."""
    return {b if a == word else a for a, b in CONFUSABLE if word in (a, b)}


def _words(text: str) -> list[str]:
    return normalise(text).split()
