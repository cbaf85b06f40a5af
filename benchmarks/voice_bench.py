"""Offline voice benchmark: recognition speed, latency, start-up, memory, accuracy and false commands.

    .venv/bin/python -m benchmarks.voice_bench [--commands N] [--voices en-us+f4,en-gb-scotland,...]

Prints a Markdown table (figures go in the README). Speech is synthesised
with espeak-ng in voices held out from rejection tuning; noise is white
noise at 20 dB SNR; the conversation set is tests/voice_data/conversation.txt
spoken while partners answer a question (free talk), tests/voice_data/asides.txt
the short remarks ("same here") partners make between sentences, and remarks.txt one-word
remarks that are not in interaction_models/free_talk.json's list; asides and remarks are also
spoken when a command is awaited in a step.

Each command is decoded in the grammar context where it acts: setup (naming the couple, the
ritual's length) at the offer (everything in the grammar), every other command inside a ritual
step (setup left out; see local_voice.vocabulary.grammar_context). The same commands are also
measured against the full grammar, as when the stage is unknown.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voice_speech import HELD_OUT_VOICES, conversation, silence, speak, with_noise, write_wav  # noqa: E402

from intents.commands import Command, CommandKind  # noqa: E402
from intents.engine import Rekindle  # noqa: E402
from intents.intent_map import command_for_intent  # noqa: E402
from intents.replies import Listening  # noqa: E402
from intents.sqlite_store import SqliteStore  # noqa: E402
from intents.understanding import IntentMatcher  # noqa: E402
from interaction_models import free_talk_samples  # noqa: E402
from local_voice.asr import BYTES_PER_SECOND  # noqa: E402
from local_voice.audio_in import endpoint  # noqa: E402
from local_voice.commands import heard_intent  # noqa: E402
from local_voice.engines import load_recogniser  # noqa: E402
from local_voice.tts import Synthesiser  # noqa: E402
from local_voice.vocabulary import NAMING_INTENTS, SETUP_INTENTS, Vocabulary  # noqa: E402

LISTENING = {"offer": Listening.OFFER, "step": Listening.STEP}  # the stage a sample is heard in
listening_for = LISTENING.__getitem__


def heard_in(free: bool) -> Listening:
    """While partners answer (free talk), or when a step awaits a command."""
    return Listening.FREE_TALK if free else Listening.STEP


def sample_phrases(vocabulary: Vocabulary, rng: random.Random) -> list[str]:
    """One phrase per sample utterance, slots filled with random values (so names do not dominate)."""
    out = []
    for template in vocabulary.filter(vocabulary.intents()).templates:  # commands, not remarks
        words = [rng.choice(vocabulary.slots[template.slot_type(t[1:-1])]) if t.startswith("{") else t
                 for t in template.tokens]
        out.append(" ".join(words))
    return sorted(set(out))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# Linux charges a child's peak RSS with the image of the process it was forked from, so a child of
# this (large) benchmark would report the benchmark's size. A fresh small Python in between starts
# `rekindle talk` and reports that grandchild's own peak.
_PEAK_RSS = ("import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); _, _, use = os.wait4(p.pid, 0); "
             "open(sys.argv[1], 'w').write(str(use.ru_maxrss))")


def startup_and_rss(tmp: Path) -> tuple[float, float]:
    """Seconds from launching ``rekindle talk`` to listening, and that process's peak RSS in MB over a
    short ritual (four spoken commands from recordings, every reply synthesised)."""
    quiet = write_wav(tmp / "quiet.wav", silence(0.5))
    env = {"REKINDLE_HOME": str(tmp / "home"), "PATH": "/usr/bin:/bin"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rekindle", "talk", "--input-wav", str(quiet),
                             "--output-wav", str(tmp / "out")], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)
    assert proc.stdout is not None
    listening = float("nan")
    for line in proc.stdout:
        if line.strip() == "(listening)" and math.isnan(listening):
            listening = time.perf_counter() - start
    proc.wait()
    said = [write_wav(tmp / f"said{i}.wav", speak(text, "en-us") + silence(1.0))
            for i, text in enumerate(("let's begin", "next", "next", "good night"))]
    report = tmp / "peak_rss_kb"
    subprocess.run([sys.executable, "-c", _PEAK_RSS, str(report), sys.executable, "-m", "rekindle", "talk",
                    "--input-wav", *map(str, said), "--output-wav", str(tmp / "out2")],
                   stdout=subprocess.DEVNULL, env={**env, "REKINDLE_HOME": str(tmp / "home2")}, cwd=ROOT, check=True)
    return listening, int(report.read_text()) / 1024


def _same(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return {k: v.lower() for k, v in a.items()} == {k: v.lower() for k, v in b.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=0,
                        help="command phrases per voice, drawn at random (default: every sample, about 220)")
    parser.add_argument("--voices", default=",".join(HELD_OUT_VOICES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--misses", action="store_true", help="list misses and false commands on stderr")
    args = parser.parse_args()
    voices = args.voices.split(",")

    tmp = Path(tempfile.mkdtemp(prefix="rekindle-bench-"))
    startup, rss = startup_and_rss(tmp)  # first, while this process is small and forks fast
    matcher = IntentMatcher.for_locale("en-US")
    recogniser = load_recogniser(matcher)
    synth = Synthesiser()
    engine = Rekindle(SqliteStore(tmp / "b.db"), front="laptop", ritual="just-a-question")
    opening = engine.handle("bench", Command(CommandKind.OPEN))

    rng = random.Random(args.seed)
    phrases = sample_phrases(recogniser.vocabulary, rng)
    if args.commands:
        phrases = rng.sample(phrases, args.commands)
    correct = {"clean": 0, "20 dB SNR": 0, "clean, full grammar": 0}
    clean_by: dict[str, list[int]] = {}  # voice or kind of command -> [right, said], clean, own context
    in_step = 0
    total = 0
    audio_s = process_s = 0.0
    latencies: list[float] = []
    for voice in voices:
        for phrase in phrases:
            want = matcher.match(phrase)
            assert want is not None
            raw = speak(phrase, voice)
            total += 1
            stage = "offer" if want.intent in SETUP_INTENTS else "step"
            in_step += stage == "step"
            for condition, pcm in (("clean", raw), ("20 dB SNR", with_noise(raw, 20, seed=total)),
                                   ("clean, full grammar", raw)):
                speech, wait = endpoint(pcm)
                started = time.perf_counter()
                listening = Listening.OFFER if "full" in condition else listening_for(stage)
                recognition = recogniser.recognise(speech, listening)
                match = heard_intent(matcher, recognition)
                if condition == "clean":
                    audio_s += recognition.audio_s
                    process_s += recognition.process_s
                    turn = engine.handle("bench", command_for_intent(match.intent, match.slots) if match
                                         else command_for_intent("AMAZON.FallbackIntent"), opening.state)
                    first = next((s.text for s in turn.reply.segments if hasattr(s, "text")), "")
                    synth._cache.clear()  # a reply not heard before: synthesis counts
                    synth.speak(first)
                    latencies.append(wait + time.perf_counter() - started)
                right = bool(match and match.intent == want.intent and _same(match.slots, want.slots))
                if condition == "clean":
                    kind = "naming" if want.intent in NAMING_INTENTS else stage
                    for key in (voice, kind):
                        tally = clean_by.setdefault(key, [0, 0])
                        tally[0] += right
                        tally[1] += 1
                if right:
                    correct[condition] += 1
                elif args.misses:
                    print(f"miss {condition} {voice}: {phrase!r} -> {recognition.transcript!r} "
                          f"{recognition.reason}", file=sys.stderr)

    # Names the dictionary lacks, pronounced as espeak-ng guessed (local_voice/pronounce.py): every naming
    # sample once per voice, with two of them.
    guessed = sorted(set(getattr(recogniser, "guessed", ())) & set(recogniser.vocabulary.slots.get("PARTNER_NAME", ())))
    named = [0, 0]
    naming = [t for t in recogniser.vocabulary.templates if t.intent in NAMING_INTENTS and t.slot_refs]
    for voice in voices if len(guessed) >= 2 else ():
        for template in naming:
            pair = iter(rng.sample(guessed, 2))
            phrase = " ".join(next(pair) if t.startswith("{") else t for t in template.tokens)
            want = matcher.match(phrase)
            assert want is not None
            match = heard_intent(matcher, recogniser.recognise(endpoint(speak(phrase, voice))[0], Listening.OFFER))
            named[0] += bool(match and match.intent == want.intent and _same(match.slots, want.slots))
            named[1] += 1
            if args.misses and not (match and _same(match.slots, want.slots)):
                print(f"miss guessed names {voice}: {phrase!r} -> {match.slots if match else None}", file=sys.stderr)

    sentences = conversation()
    false_free = false_any = 0
    spoken_s = free_process_s = 0.0
    for voice in voices[:2]:
        for sentence in sentences:
            speech, _ = endpoint(speak(sentence, voice))
            spoken_s += len(speech) / BYTES_PER_SECOND
            for free in (True, False):
                recognition = recogniser.recognise(speech, heard_in(free))
                free_process_s += recognition.process_s if free else 0.0
                if heard_intent(matcher, recognition, heard_in(free)) is None:
                    continue
                false_free += free
                false_any += not free
                if args.misses:
                    print(f"false {'while answering' if free else 'in a step'} {voice}: {sentence!r} -> "
                          f"{recognition.transcript!r}", file=sys.stderr)
    false_remarks: dict[tuple[str, bool], int] = {}
    for name in ("asides.txt", "remarks.txt"):
        for free in (True, False):
            false_remarks[name, free] = 0
            for voice in voices[:2]:
                for aside in conversation(name):
                    recognition = recogniser.recognise(endpoint(speak(aside, voice))[0], heard_in(free))
                    if heard_intent(matcher, recognition, heard_in(free)) is not None:
                        false_remarks[name, free] += 1
                        if args.misses:
                            print(f"false {name} {'while answering' if free else 'awaited'} {voice}: {aside!r} -> "
                                  f"{recognition.transcript!r}", file=sys.stderr)
    free_right = free_total = 0
    for voice in voices:
        for sample in sorted(free_talk_samples()):
            want = matcher.match(sample)
            assert want is not None
            recognition = recogniser.recognise(endpoint(speak(sample, voice))[0], Listening.FREE_TALK)
            match = heard_intent(matcher, recognition, Listening.FREE_TALK)
            free_total += 1
            if match and match.intent == want.intent:
                free_right += 1
            elif args.misses:
                print(f"miss while answering {voice}: {sample!r} -> {recognition.transcript!r} {recognition.reason}",
                      file=sys.stderr)

    print(f"| Measure ({recogniser.engine}, {len(voices)} held-out espeak-ng voices) | Result | Target |")
    print("|---|---|---|")
    print(f"| Real-time factor, commands | {process_s / audio_s:.3f} | ≤ 0.05 |")
    print(f"| Real-time factor, conversation while answering (phone loop too) | {free_process_s / spoken_s:.3f} | |")
    print(f"| End of speech → first reply audio, median | {1000 * statistics.median(latencies):.0f} ms | ≤ 400 ms |")
    print(f"| End of speech → first reply audio, p95 | {1000 * percentile(latencies, 0.95):.0f} ms | |")
    print(f"| Start-up to listening (process launch) | {startup:.2f} s | ≤ 1.5 s |")
    print(f"| Peak RSS of `rekindle talk` | {rss:.0f} MB | ≤ 150 MB |")
    for condition, n in correct.items():
        where = ("every command against the full grammar" if "full" in condition
                 else f"{in_step} in a ritual step, {total - in_step} at the offer")
        print(f"| Command accuracy, {condition} ({total} commands: {where}) | {100 * n / total:.1f} % | ≥ 98 % |")
    for key, what in (("step", "commands in a step"), ("offer", "ritual length at the offer"),
                      ("naming", "naming the couple at the offer"), *((v, f"voice {v}") for v in voices)):
        hits, said = clean_by.get(key, [0, 0])
        if said:
            print(f"| … clean, {what} ({said}) | {100 * hits / said:.1f} % | |")
    if named[1]:
        print(f"| … clean, naming with names the dictionary lacks ({', '.join(guessed)}; {named[1]}) | "
              f"{100 * named[0] / named[1]:.1f} % | |")
    minutes = spoken_s / 60
    print(f"| False commands, conversation while answering ({len(sentences) * min(2, len(voices))} sentences, "
          f"{minutes:.1f} min) | {false_free} | 0 |")
    print(f"| False commands, same sentences when a command is awaited in a step | {false_any} | |")
    pairs = min(2, len(voices))
    for name, what in (("asides.txt", "short asides"), ("remarks.txt", "one-word remarks")):
        example = conversation(name)[1]
        print(f"| False commands, {what} while answering ({len(conversation(name)) * pairs}, e.g. "
              f"\"{example}\") | {false_remarks[name, True]} | 0 |")
        print(f"| False commands, same {what} when a command is awaited in a step | {false_remarks[name, False]} | |")
    print(f"| Commands understood while answering ({free_total}: the free-talk samples) | "
          f"{100 * free_right / free_total:.1f} % | |")


if __name__ == "__main__":
    main()
