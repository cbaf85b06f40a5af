"""Barge-in benchmark: does "stop" / "pause" cut Rekindle short, and does anything else?

    .venv/bin/python -m benchmarks.barge_in_bench [--voice piper:joe] [--voices en-us+f4,...] [--misses]

Prints a Markdown table (figures go in the README). Every sound goes through
:class:`local_voice.barge_in.BargeIn` in 20 ms blocks with a faint hiss, as the microphone hands
it over while Rekindle plays a reply:

- Rekindle's own voice heard back at full level (loud speakers beside the microphone), every sound
  decoded as ``--barge-in always`` does (the default listens only in a timer's silence): every
  phrase, question and touch prompt in the content library, spoken by Rekindle's voice (``--voice``,
  as ``rekindle talk`` takes it; the default is the loop's: Piper's joe when installed);
- the while-speaking commands in held-out espeak-ng voices, during a touch timer's silence and over
  Rekindle's voice (echo 12 dB below the command), with the delay from the end of the command
  to the decision (endpointer wait plus recognition);
- partners talking meanwhile (during a timer, say): the held-out conversation sentences, asides and
  one-word remarks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voice_speech import HELD_OUT_VOICES, at_16k, conversation, silence, speak  # noqa: E402

from intents.content import default_content  # noqa: E402
from intents.content.phrases import PLACEHOLDER, SAMPLE_VALUES, default_phrases, spoken  # noqa: E402
from intents.replies import Listening  # noqa: E402
from intents.understanding import IntentMatcher, Match  # noqa: E402
from interaction_models import while_speaking_samples  # noqa: E402
from local_voice.asr import BYTES_PER_SECOND, Recogniser, with_noise_floor  # noqa: E402
from local_voice.barge_in import BargeIn  # noqa: E402
from local_voice.endpointer import endpoint  # noqa: E402
from local_voice.engines import load_recogniser  # noqa: E402
from local_voice.speech import Synthesise  # noqa: E402
from local_voice.voices import open_voice  # noqa: E402

BLOCK = 640  # 20 ms, the microphone's block


def rekindle_texts() -> list[str]:
    """Everything Rekindle can say: phrases (placeholders filled), questions, touch prompts."""
    content = default_content()
    texts = [spoken(PLACEHOLDER.sub(lambda m: SAMPLE_VALUES[m.group(1)], v))
             for variants in default_phrases().table.values() for v in variants]
    texts += [q.text for q in content.questions.values()]
    texts += [t for p in content.touch_prompts.values() for t in (p.invite, p.start, p.end)]
    return texts


def as_heard(speak_as_rekindle: Synthesise, text: str) -> bytes:
    """Rekindle's voice for ``text`` at the microphone's 16 kHz."""
    audio = speak_as_rekindle(text)
    return at_16k(audio.samples, audio.rate)


def overhear(recogniser: Recogniser, matcher: IntentMatcher, pcm: bytes) -> Match | None:
    listener = BargeIn(recogniser, matcher)
    audio = with_noise_floor(silence(0.5) + pcm + silence(1.0), seed=len(pcm))
    for offset in range(0, len(audio), BLOCK):
        listener.feed(audio[offset:offset + BLOCK])
    return listener.close()


def mixed(command: bytes, echo: bytes, echo_db: float) -> bytes:
    """``command`` starting one second into ``echo``, the echo ``echo_db`` below the command's level."""
    c = np.frombuffer(command, dtype=np.int16).astype(np.float64)
    e = np.frombuffer(echo, dtype=np.int16).astype(np.float64)
    start = BYTES_PER_SECOND // 2
    e = np.concatenate([e, np.zeros(max(0, start + len(c) - len(e)))])
    gain = np.sqrt(np.mean(c**2)) / max(1.0, np.sqrt(np.mean(e[e != 0] ** 2))) * 10 ** (-echo_db / 20)
    out = e * gain
    out[start:start + len(c)] += c
    return np.clip(np.round(out), -32768, 32767).astype(np.int16).tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voice", help="Rekindle's own voice, as rekindle talk --voice (default: the loop's)")
    parser.add_argument("--voices", default=",".join(HELD_OUT_VOICES), help="the partners' espeak-ng voices")
    parser.add_argument("--misses", action="store_true", help="list misses and false barge-ins on stderr")
    args = parser.parse_args()
    voices = args.voices.split(",")
    matcher = IntentMatcher.for_locale("en-US")
    recogniser = load_recogniser(matcher, asr="pocketsphinx")
    rekindle_voice = open_voice(args.voice)
    assert rekindle_voice.speak is not None, "Rekindle's voice cannot speak here"

    own = [as_heard(rekindle_voice.speak, t) for t in rekindle_texts()]
    rekindle_voice.close()
    own_false = 0
    for text, pcm in zip(rekindle_texts(), own, strict=True):
        if (match := overhear(recogniser, matcher, pcm)) is not None:
            own_false += 1
            if args.misses:
                print(f"false, Rekindle's own voice: {text!r} -> {match.intent}", file=sys.stderr)
    own_minutes = sum(len(p) for p in own) / BYTES_PER_SECOND / 60

    words = sorted(while_speaking_samples())
    heard = {"in a timer's silence": 0, "over Rekindle's voice coming back 12 dB below them (`always`)": 0}
    delays: list[float] = []
    for i, (voice, word) in enumerate((v, w) for v in voices for w in words):
        want = matcher.match(word)
        assert want is not None
        command = speak(word, voice)
        for condition in heard:
            pcm = command if "silence" in condition else mixed(command, own[i * 7 % len(own)], 12)
            match = overhear(recogniser, matcher, pcm)
            if match is not None and match.intent == want.intent:
                heard[condition] += 1
            elif args.misses:
                print(f"miss {condition} {voice}: {word!r} -> {match.intent if match else None}", file=sys.stderr)
        speech, wait = endpoint(with_noise_floor(silence(0.3) + command + silence(1.0)))
        started = time.perf_counter()
        recogniser.recognise(speech, Listening.FREE_TALK, speaking=True)
        delays.append(wait + time.perf_counter() - started)

    talk_false = talk_total = 0
    for name in ("conversation.txt", "asides.txt", "remarks.txt"):
        for voice in voices[:2]:
            for sentence in conversation(name):
                talk_total += 1
                if (match := overhear(recogniser, matcher, speak(sentence, voice))) is not None:
                    talk_false += 1
                    if args.misses:
                        print(f"false, partners talking {voice}: {sentence!r} -> {match.intent}", file=sys.stderr)

    tried = len(voices) * len(words)
    print(f"| Barge-in ({recogniser.engine}; Rekindle's voice {rekindle_voice.description}; "
          f"{len(voices)} held-out espeak-ng voices) | Result |")
    print("|---|---|")
    print(f"| Rekindle's own voice heard back at full level, every sound decoded as with `--barge-in always` "
          f"({len(own)} phrases, questions and touch prompts, {own_minutes:.1f} min): barge-ins | {own_false} |")
    said = " and ".join(f'"{w}"' for w in words)
    for condition, n in heard.items():
        print(f"| {said} heard {condition} ({tried}) | {n} |")
    print(f"| End of the command → speech cut, median (endpointer wait + recognition) | "
          f"{1000 * statistics.median(delays):.0f} ms |")
    print(f"| Partners talking during a timer ({talk_total}: conversation, asides, one-word remarks): "
          f"barge-ins | {talk_false} |")


if __name__ == "__main__":
    main()
