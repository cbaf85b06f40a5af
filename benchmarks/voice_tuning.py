"""Where the rejection thresholds come from: a sweep on the tuning voices only.

    .venv/bin/python -m benchmarks.voice_tuning [--commands 50]

Speaks interaction-model samples and the sentences of
tests/voice_data/conversation_tuning.txt (kept apart from the benchmark's
conversation set) in tests/voice_speech.TUNING_VOICES, records what
:class:`~local_voice.rejection.PhoneCheck` is given for each utterance, then
re-runs the check with other length margins. For each margin it prints how
many correctly decoded commands would still be accepted and how many
sentences would act, while partners answer and when a command is awaited.
The held-out figures are benchmarks/voice_bench.py's.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voice_speech import TUNING_VOICES, conversation, speak  # noqa: E402

from benchmarks.voice_bench import sample_phrases  # noqa: E402
from intents.replies import Listening  # noqa: E402
from intents.understanding import IntentMatcher  # noqa: E402
from local_voice.asr_pocketsphinx import PocketSphinxRecogniser  # noqa: E402
from local_voice.endpointer import endpoint  # noqa: E402
from local_voice.engines import load_recogniser  # noqa: E402
from local_voice.heard import heard_intent  # noqa: E402
from local_voice.rejection import PhoneCheck  # noqa: E402
from local_voice.vocabulary import SETUP_INTENTS  # noqa: E402

LISTENING = {"offer": Listening.OFFER, "step": Listening.STEP}  # the stage a sample is heard in
listening_for = LISTENING.__getitem__


def heard_in(free: bool) -> Listening:
    """While partners answer (free talk), or when a step awaits a command."""
    return Listening.FREE_TALK if free else Listening.STEP


@dataclass(frozen=True)
class Evidence:
    """What one utterance gave the phone check."""

    expected: tuple[str, ...]
    heard: tuple[str, ...]
    seconds: float
    span: float


class RecordingCheck:
    """Stands in for PhoneCheck: accepts everything and keeps the phones expected and the speech
    length it was shown, so one decoding serves every threshold."""

    def __init__(self) -> None:
        self.seen: list[tuple[tuple[str, ...], float]] = []

    def too_long(self, expected: Sequence[str], speech_seconds: float, free_talk: bool) -> str:
        self.seen.append((tuple(expected), speech_seconds))
        return ""

    def reject(self, expected: Sequence[str], heard: Sequence[str], seconds: float,
               speech_seconds: float = 0.0) -> str:
        return self.too_long(expected, speech_seconds, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=50, help="command samples per voice")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    matcher = IntentMatcher.for_locale("en-US")
    recogniser = load_recogniser(matcher, asr="pocketsphinx")
    assert isinstance(recogniser, PocketSphinxRecogniser), "the sweep is for the PocketSphinx phone check"
    check = RecordingCheck()
    recogniser.check = check  # type: ignore[assignment]
    rng = random.Random(args.seed)
    phrases = sample_phrases(recogniser.vocabulary, rng)
    rng.shuffle(phrases)
    sentences = conversation("conversation_tuning.txt")

    def evidence(speech: bytes) -> Evidence:
        """The check's inputs for the utterance just recognised, with the phone loop run on it too."""
        expected, span = check.seen[0]
        heard, seconds = recogniser.phone_evidence(speech)
        return Evidence(expected, tuple(heard), seconds, span)

    commands: list[Evidence] = []
    talk: dict[bool, list[Evidence]] = {True: [], False: []}
    for voice in TUNING_VOICES:
        for phrase in phrases[:args.commands]:
            want = matcher.match(phrase)
            assert want is not None
            stage = "offer" if want.intent in SETUP_INTENTS else "step"
            check.seen.clear()
            speech = endpoint(speak(phrase, voice))[0]
            got = heard_intent(matcher, recogniser.recognise(speech, listening_for(stage)))
            if got is not None and got.intent == want.intent and check.seen:
                commands.append(evidence(speech))
        for sentence in sentences:
            speech = endpoint(speak(sentence, voice))[0]
            for free in (True, False):
                check.seen.clear()
                if heard_intent(matcher, recogniser.recognise(speech, heard_in(free)), heard_in(free)) is not None:
                    talk[free].append(evidence(speech))

    def acting(evidence: list[Evidence], rule: PhoneCheck, free: bool) -> int:
        if not free:  # when a command is awaited only the length is checked
            return sum(not rule.too_long(e.expected, e.span, False) for e in evidence)
        return sum(not rule.reject(e.expected, e.heard, e.seconds, e.span) for e in evidence)

    base = PhoneCheck()
    n = len(sentences) * len(TUNING_VOICES)
    print(f"{len(commands)} commands decoded right; {n} sentences; tuning voices {', '.join(TUNING_VOICES)}")
    print("| length margin (s) | right commands accepted, awaited | same, while answering "
          "| sentences acting while answering | sentences acting when awaited |")
    print("|---|---|---|---|---|")
    for margin in (0.2, 0.3, 0.45, 0.6, 0.8):
        rule = replace(base, max_excess_seconds=margin, max_excess_seconds_free=margin)
        print(f"| {margin} | {acting(commands, rule, False)} | {acting(commands, rule, True)} "
              f"| {acting(talk[True], rule, True)} | {acting(talk[False], rule, False)} |")
    print(f"current: awaited {base.max_excess_seconds} s, while answering {base.max_excess_seconds_free} s")


if __name__ == "__main__":
    main()
