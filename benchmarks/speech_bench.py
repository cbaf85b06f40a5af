"""Rekindle's voice: how soon a reply is heard, start-up and memory, Piper's joe against espeak-ng.

    .venv/bin/python -m benchmarks.speech_bench [--replies N] [--skip-process]

- reply known -> first audio sample: every phrase, question and touch prompt of the content library
  as a reply of its own (``--replies`` of them, drawn with a fixed seed), rendered by the loop's
  :class:`~local_voice.speech.Voice` as ``rekindle talk`` plays it, timed to the first samples ready;
  every reply is new to the voice (its cache is emptied first);
- start-up of ``rekindle talk`` with Whisper (what ``--asr auto`` loads) and each voice, as
  ``benchmarks.voice_bench`` measures it: launch to the first ``(listening)`` (the welcome written to a
  WAV file, so its length does not count), launch to the welcome's first samples ready to play (when
  speakers would begin it), the process's CPU time by ``(listening)``, and launch to Whisper's model
  being ready (it loads while the welcome plays); ``--startups`` launches per voice, alternating,
  medians reported;
- peak RSS of ``rekindle talk`` over a short ritual from recordings.

Prints a Markdown table (figures go in local_voice/README.md).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.barge_in_bench import rekindle_texts  # noqa: E402
from benchmarks.voice_bench import Startup, peak_rss, percentile, startup  # noqa: E402
from intents.replies import Reply, Speech  # noqa: E402
from local_voice.speech import Voice  # noqa: E402
from local_voice.voices import open_voice  # noqa: E402

VOICES = ("piper:joe", "espeak")


def first_audio(voice: str, texts: list[str]) -> tuple[list[float], list[float]]:
    """Seconds from handing each reply to the voice to its first samples being ready: wall time, and the
    CPU time this process spent meanwhile, all threads (about the wait on an otherwise idle machine)."""
    opened = open_voice(voice)
    speaker = Voice(opened.speak)
    speaker.render(Reply((Speech("Warming up."),)))
    times, cpu = [], []
    for text in texts:
        opened.synthesiser._cache.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        stream = speaker.stream(Reply((Speech(text),)))
        stream.wait_ready()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        stream.audio()  # let it finish before the next
    opened.close()
    return times, cpu


def startups(tmp: Path, count: int) -> dict[str, list[Startup]]:
    """``count`` launches per voice, the voices taking turns (so a change in the machine's load falls on both)."""
    runs: dict[str, list[Startup]] = {voice: [] for voice in VOICES}
    for _ in range(count):
        for voice in VOICES:
            runs[voice].append(startup(tmp, "whisper", ["--voice", voice]))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--startups", type=int, default=5, help="launches per voice for start-up (default 5)")
    parser.add_argument("--skip-process", action="store_true", help="only the first-audio latency")
    args = parser.parse_args()
    texts = random.Random(args.seed).sample(rekindle_texts(), args.replies)
    launched: dict[str, list[Startup]] = {}
    rss: dict[str, float] = {}
    load_before = os.getloadavg()[0]
    if not args.skip_process:
        tmp = Path(tempfile.mkdtemp(prefix="rekindle-speech-bench-"))
        try:
            launched = startups(tmp, args.startups)  # first, while this process is small and forks fast
            rss = {voice: peak_rss(tmp, "whisper", ["--voice", voice]) for voice in VOICES}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    measured = {voice: first_audio(voice, texts) for voice in VOICES}
    latency = {voice: wall for voice, (wall, _) in measured.items()}
    cpu = {voice: spent for voice, (_, spent) in measured.items()}
    load = os.getloadavg()[0]
    words = statistics.median(len(t.split()) for t in texts)
    print(f"| Measure ({args.replies} replies, median {words:.0f} words; load average {load_before:.1f} → "
          f"{load:.1f} on {os.cpu_count()} cores) | Piper joe | espeak-ng | Target (Piper) |")
    print("|---|---|---|---|")
    print(row("Reply known → first audio sample, median",
              lambda v: f"{1000 * statistics.median(latency[v]):.0f} ms", "≤ 150 ms"))
    print(row("Reply known → first audio sample, p95", lambda v: f"{1000 * percentile(latency[v], 0.95):.0f} ms"))
    print(row("… CPU time this process spent until then, median (all threads)",
              lambda v: f"{1000 * statistics.median(cpu[v]):.0f} ms"))
    if launched:
        def median(voice: str, what: str) -> float:
            return float(statistics.median(float(getattr(run, what)) for run in launched[voice]))

        each = "; ".join(f"{v.split(':')[0]} " + " ".join(f"{r.listening:.2f}" for r in launched[v]) for v in VOICES)
        print(row(f"Start-up to listening, with Whisper, median of {args.startups} (each: {each})",
                  lambda v: f"{median(v, 'listening'):.2f} s", "≤ 1.5 s"))
        print(row("… launch to the welcome's first samples ready to play, median",
                  lambda v: f"{median(v, 'first_audio'):.2f} s"))
        print(row("… CPU time of `rekindle talk` by (listening), median (all threads)",
                  lambda v: f"{median(v, 'cpu'):.2f} s"))
        print(row("… launch to Whisper's model ready (it loads while the welcome plays), median",
                  lambda v: f"{median(v, 'whisper_ready'):.2f} s"))
        print(row("Peak RSS of `rekindle talk`, with Whisper", lambda v: f"{rss[v]:.0f} MB", "≤ 600 MB"))


def row(measure: str, cell: Callable[[str], str], target: str = "") -> str:
    """One Markdown table row: the measure, one cell per voice, the target."""
    return f"| {measure} | " + " | ".join(cell(voice) for voice in VOICES) + f" | {target} |"

if __name__ == "__main__":
    main()
