"""Two hearings combined: the grammar decoder's hypothesis and Whisper's open transcript.

The grammar decoder (PocketSphinx, or Vosk) is fast and good at isolated single words, but it forces
every utterance onto some phrase. Whisper writes what was said, so it knows when an utterance was not
a command, but it mangles single words ("pause" -> "Force."). So, per utterance:

1. Whisper's transcript is matched against the samples that may act now (:class:`IntentMatcher`,
   tolerant of how transcripts are spelled). A match acts; ``engine`` says "whisper". Except a naming:
   when the transcript is one (it supports the carrier, "our names are ... and ...") and the grammar
   heard one with other names, the grammar's names act if Whisper, forced to write them, finds them
   nearly as likely as its own spelling (:meth:`CombinedRecogniser.names`): Whisper writes listed names
   its own way ("Aiko" -> "Echo"), while a name the grammar does not list comes out far less likely in
   the grammar's nearest guess, and stays Whisper's.
2. Otherwise the grammar's hypothesis may act only when the transcript is consistent with it and not a
   remark: a near miss of one of its samples ("Bause." for "pause"), close to it in letters (see
   :func:`consistent`). (Whisper's forced likelihood of the phrase can confirm it too, in the grammar contexts
   ``Consistency.forced_contexts`` lists: none by default.) ``engine`` then names the grammar decoder.
3. Else Whisper's transcript may still be a near miss of a sample that may act (one letter in five;
   not while partners talk).
4. Anything else is not a command. One of the partners' remarks, or a sentence inside a ritual, is
   marked a remark (no "didn't catch that", even when a command is awaited in a step); at the offer,
   or when names were asked for, other words get "didn't catch that".

A level sound (a fan, a hum) is not transcribed at all, and neither is speech too long to be a
command while partners talk. Transcripts stay in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from intents.replies import Listening
from intents.understanding import IntentMatcher, Match, edit_distance, normalise

from .asr import BYTES_PER_SECOND, REMARK_REASON, ModelError, Prepares, Recogniser, Recognition, steady_sound
from .hearing_policy import doubted, unconfirmed
from .vocabulary import NAMING_INTENTS, OPEN_ONLY, REMARK, Vocabulary, grammar_context
from .whisper import Transcript, WhisperTranscriber

log = logging.getLogger("rekindle.voice.hearing")


@runtime_checkable
class ListensAhead(Protocol):
    """A recogniser that can start on an utterance before the endpointer has closed it."""

    def prefetch(self, pcm: bytes | None, listening: Listening = Listening.OFFER) -> None: ...


@runtime_checkable
class LoadsLater(Protocol):
    """A recogniser with a model that can load while Rekindle's welcome plays."""

    def load_in_background(self) -> None: ...


@dataclass(frozen=True)
class Consistency:
    """When a grammar hypothesis agrees with an open transcript that matched no sample. Each figure says what it
    was measured on (the older ones: Whisper tiny.en on espeak-ng's tuning voices, unchanged for base);
    benchmarks/voice_bench.py measures the result on held-out voices."""

    max_letter_ratio: float = 0.5  # letters differing / letters of the grammar's phrase
    # Or (only in forced_contexts) the grammar heard two words or more that Whisper, forced to write them, finds
    # nearly as likely as its own transcript (mean token log-probabilities at most max_forced_gap apart), no other
    # command spelled nearer Whisper's words being likelier still. Measured 2026-12-08, Whisper base: on the tuning
    # voices (joe at 160 wpm, espeak-ng en-us, en+f3, en-gb+m3; 160 commands, 96 tuning remarks and sentences) in a
    # step it confirmed 1 more command right and no remark (right ones at -0.4 to 3.8, remarks from 2.35, single
    # words not told from remarks: "hmm" written "Then." and "done" to the grammar at 0.1); on the held-out voices
    # (benchmarks/voice_bench.py) it let 5 of en-us+f4's asides and remarks act when a command was awaited ("oh
    # dear" as "go deeper", "bless you" as "let's do it"). So it is off: it does not generalise from these voices.
    max_forced_gap: float = 2.0
    forced_contexts: tuple[str, ...] = ()
    sentence_words: int = 4  # an unmatched transcript this long inside a ritual is partners talking: no reprompt
    max_free_talk_seconds: float = 4.0  # longer speech while partners talk is not transcribed
    # The grammar's names replace those of Whisper's own naming when Whisper finds its transcript at most this
    # much likelier than the grammar's phrase (summed token log-probabilities, so a name is not diluted by a
    # long carrier). On the tuning voices, where the two heard different names: grammar right and Whisper
    # wrong ("Echo" for Aiko) at -11 to 5.8 (and one at 10.4), Whisper right and the grammar wrong at 7.2 and
    # more ("Tom and Lee" heard by the grammar as "Sam and Li": 7.6), names the grammar does not list at 9.9
    # and more.
    max_name_gap: float = 6.5


def consistent(transcript: str, hypothesis: str, rule: Consistency) -> bool:
    """Whether ``transcript`` (Whisper's, unmatched) could be ``hypothesis`` (the grammar's) misheard: spelled
    alike, letters compared without spaces ("Just touch to hide." for "just touch tonight"). An empty
    transcript is not consistent: Whisper heard no words, so nothing confirms the grammar."""
    heard = normalise(transcript).replace(" ", "")
    said = normalise(hypothesis).replace(" ", "")
    return bool(heard) and edit_distance(heard, said) <= rule.max_letter_ratio * len(said)


def as_written(phrase: str, match: Match) -> str:
    """``phrase`` with the names it holds capitalised, as Whisper writes them ("call us Sam and Robin"), so
    that Whisper's plausibility judges the names, not their spelling."""
    names = {v.lower() for v in match.slots.values()} if match.intent in NAMING_INTENTS else set()
    return " ".join(w.capitalize() if w in names else w for w in phrase.split())


class CombinedRecogniser:
    """A grammar recogniser checked and completed by Whisper (see the module docstring)."""

    def __init__(self, grammar: Recogniser, whisper: WhisperTranscriber, matcher: IntentMatcher,
                 free_intents: Collection[str], rule: Consistency | None = None) -> None:
        self.grammar = grammar
        self.whisper = whisper
        self.matcher = matcher
        self.vocabulary: Vocabulary = grammar.vocabulary
        self.rule = rule or Consistency()
        self.engine = f"whisper+{grammar.engine}"
        self._contexts = grammar.vocabulary.contexts(free_intents)
        self._intents = {name: vocab.intents() for name, vocab in self._contexts.items()}
        self._remarks = frozenset(" ".join(t.tokens) for t in grammar.vocabulary.templates if t.intent == REMARK)
        # Whisper runs on one worker thread, so an open transcript can start while the endpointer still
        # waits for the end of speech (prefetch) and the grammar decodes meanwhile.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rekindle-whisper")
        self._ahead: tuple[str, Future[Transcript]] | None = None
        self._lock = threading.Lock()
        self._broken = False  # Whisper failed to load: the grammar decoder hears alone

    def prefetch(self, pcm: bytes | None, listening: Listening = Listening.OFFER) -> None:
        """Start Whisper on the utterance so far (``pcm``, from the endpointer's ``on_pause``) before it
        ends, or forget the last start (None: speech went on). The next :meth:`recognise` uses it."""
        context = grammar_context(listening)
        with self._lock:
            too_long = pcm is not None and self._too_long(pcm, listening)
            self._ahead = None if pcm is None or too_long else (context, self._worker.submit(
                self.whisper.transcribe, pcm, self._prompt(context)))

    def load_in_background(self) -> None:
        """Start loading Whisper's model on a thread of its own, if it has not started (see
        :meth:`WhisperTranscriber.start`); the first open transcript waits for it."""
        self.whisper.start()

    def prepare(self) -> None:
        """The loading left until after start-up: Whisper's if not started, then the grammar decoder's. One
        after the other: Whisper base needs 170 MB more while it loads than once loaded, and the grammars of a
        step and of names about 65 MB, so the process's peak is lower when they do not overlap."""
        self.whisper.start()
        self.whisper.wait_loaded()
        if isinstance(self.grammar, Prepares):
            self.grammar.prepare()

    @staticmethod
    def _prompt(context: str) -> str:
        return {"all": "setup", "names": "names"}.get(context, "commands")

    def _too_long(self, pcm: bytes, listening: Listening) -> bool:
        """While partners talk, speech longer than any command is not transcribed at all."""
        return listening is Listening.FREE_TALK and len(pcm) / BYTES_PER_SECOND > self.rule.max_free_talk_seconds

    def context_intents(self, context: str) -> set[str]:
        """The intents that may act in a grammar context."""
        return set(self._intents[context])

    def allowed(self, match: Match | None, context: str) -> Match | None:
        """``match`` if its sample may act in this grammar context (or its intent is heard there from the open
        transcript alone, :data:`~local_voice.vocabulary.OPEN_ONLY`), else None."""
        if match is None:
            return None
        if self._contexts[context].says(match.sample) or match.intent in OPEN_ONLY.get(context, ()):
            return match
        return None

    def recognise(self, pcm: bytes, listening: Listening = Listening.OFFER, speaking: bool = False) -> Recognition:
        started = time.perf_counter()
        heard, open_text, context = self.listen(pcm, listening, speaking)
        if open_text is None:
            return heard
        return replace(self.decide(heard, open_text, context), process_s=time.perf_counter() - started)

    def listen(self, pcm: bytes, listening: Listening = Listening.OFFER,
               speaking: bool = False) -> tuple[Recognition, Transcript | None, str]:
        """Both hearings of one utterance: the grammar's recognition, Whisper's transcript (None when
        there is nothing for Whisper to decide, and the grammar's recognition is final), and the
        grammar context they were heard in."""
        context = grammar_context(listening, speaking)
        if speaking:  # barge-in stays on the fast grammar path, and leaves a prefetch alone
            return self.grammar.recognise(pcm, listening, speaking), None, context
        with self._lock:
            ahead, self._ahead = self._ahead, None
        if self._broken:
            return self.grammar.recognise(pcm, listening, speaking), None, context
        if steady_sound(pcm):  # a level sound is no speech: the grammar decoder says so at once
            return self.grammar.recognise(pcm, listening, speaking), None, context
        if self._too_long(pcm, listening):
            heard = self.grammar.recognise(pcm, listening, speaking)
            return replace(heard, accepted=False, remark=True, reason="long speech while partners talk"), None, context
        pending: Future[Transcript]
        if ahead is not None and ahead[0] == context:
            pending = ahead[1]
            log.debug("open transcript started before the end of speech%s", "; done" if pending.done() else "")
        else:  # no prefetch: start now, so Whisper works while the grammar decodes
            pending = self._worker.submit(self.whisper.transcribe, pcm, self._prompt(context))
        heard = self.grammar.recognise(pcm, listening, speaking)
        try:
            return heard, pending.result(), context
        except ModelError as exc:  # the model failed to load in the background: the grammar hears alone
            if not self._broken:
                log.warning("%s The grammar decoder hears alone meanwhile.", exc)
            self._broken = True
            return heard, None, context

    def decide(self, heard: Recognition, transcript: Transcript, context: str) -> Recognition:
        """What acts, given the grammar's recognition and Whisper's transcript of the same utterance in a
        grammar context (see :func:`~local_voice.vocabulary.grammar_context`)."""
        open_text = transcript.text
        match = self.allowed(self.matcher.match(open_text), context)
        if match is not None:
            named = self.names(heard, transcript, match, context)
            if named is not None:
                return replace(heard, match=named)
            if (withheld := self._withheld(match, transcript, heard)) is not None:
                return withheld
            return Recognition(open_text, True, "whisper", heard.audio_s, heard.process_s, match=match)
        if heard.accepted and not heard.remark:
            grammar_match = self.allowed(self.matcher.match(heard.transcript), context)
            if grammar_match is not None and self._confirms(transcript, heard.transcript, grammar_match, context):
                if (withheld := self._withheld(grammar_match, transcript, heard)) is not None:
                    return withheld
                return replace(heard, match=grammar_match)
        intents = self.context_intents(context) | OPEN_ONLY.get(context, set())
        near = None if context == "free" else self.allowed(self.matcher.near_miss(open_text, intents), context)
        if near is not None:  # Whisper's near miss of a command ("Turn on touch prompt."), not in free talk
            return self._withheld(near, transcript, heard) or Recognition(open_text, True, "whisper", heard.audio_s,
                                                                           heard.process_s, match=near)
        words = normalise(open_text).split()
        # At the offer or when names were asked for, Rekindle has just asked the couple something, so words
        # that are no answer get "didn't catch that"; inside a ritual a sentence is partners talking.
        sentence = len(words) >= self.rule.sentence_words and context not in ("all", "names")
        remark = " ".join(words) in self._remarks or sentence or heard.remark
        reason = REMARK_REASON if remark else "no command in the open transcript"
        return Recognition(open_text, False, "whisper", heard.audio_s, heard.process_s, reason, remark=remark)

    def _withheld(self, match: Match, transcript: Transcript, heard: Recognition) -> Recognition | None:
        """Nothing acts when ``match`` carries a confusable word that one hearing did not hear, or that
        Whisper does not find likelier enough than its partner (:mod:`local_voice.hearing_policy`); else None."""
        open_text = transcript.text
        if (word := unconfirmed(match, self.matcher, open_text, heard.transcript)) is not None:
            return Recognition(open_text, False, "whisper", heard.audio_s, heard.process_s,
                               f'"{word}" heard by one hearing only (it is confusable)')
        if (doubt := self._doubt(transcript, match)) is not None:
            return Recognition(open_text, False, "whisper", heard.audio_s, heard.process_s, doubt)
        return None

    def _doubt(self, transcript: Transcript, match: Match) -> str | None:
        """Why ``match`` may not act although both hearings heard it: Whisper does not find its confusable word
        likelier enough than the word it could be misheard from (:data:`~local_voice.hearing_policy.MARGIN`);
        None when it may act, or when there is no audio to weigh (transcripts given as text)."""
        if transcript.encoded is None:
            return None
        for said, other, margin in doubted(match, self.matcher):
            gap = self.whisper.plausibility(transcript, said) - self.whisper.plausibility(transcript, other)
            if gap < margin:
                return f'"{said}" not clearly likelier than "{other}" ({gap:.2f} < {margin} nats; it is confusable)'
        return None

    def _confirms(self, transcript: Transcript, hypothesis: str, match: Match, context: str) -> bool:
        open_text = transcript.text
        near = self.matcher.near_miss(open_text, {match.intent})
        if near is not None and self.allowed(near, context) is not None:
            return True
        if not open_text.strip() or " ".join(normalise(open_text).split()) in self._remarks:
            return False
        if consistent(open_text, hypothesis, self.rule):
            return True
        sentence = context == "step" and len(normalise(open_text).split()) >= self.rule.sentence_words
        if context not in self.rule.forced_contexts or len(hypothesis.split()) < 2 or sentence:
            return False
        forced = self.whisper.plausibility(transcript, as_written(hypothesis, match))
        if self.whisper.plausibility(transcript, open_text) - forced > self.rule.max_forced_gap:
            return False
        rival = self.matcher.near_miss(open_text, self._intents[context] - {match.intent}, self.rule.max_letter_ratio)
        return rival is None or self.whisper.plausibility(transcript, rival.sample) < forced

    def names(self, heard: Recognition, transcript: Transcript, match: Match, context: str) -> Match | None:
        """The grammar's naming instead of Whisper's ``match`` of the same utterance, or None to keep
        Whisper's: when both are namings with different names and Whisper finds its own transcript at
        most ``max_name_gap`` (log-probability, summed over tokens) likelier than the grammar's phrase.
        A wrong name costs a "no" (names are said back before they are kept); a name the grammar does
        not list must stay Whisper's."""
        if match.intent not in NAMING_INTENTS or not heard.accepted or heard.remark:
            return None
        grammar = self.allowed(self.matcher.match(heard.transcript), context)
        if grammar is None or grammar.intent not in NAMING_INTENTS or not grammar.slots:
            return None
        if {v.lower() for v in grammar.slots.values()} == {v.lower() for v in match.slots.values()}:
            return None
        own = sum(self.whisper.token_logprobs(transcript, transcript.text))
        theirs = sum(self.whisper.token_logprobs(transcript, as_written(heard.transcript, grammar)))
        return grammar if own - theirs <= self.rule.max_name_gap else None
