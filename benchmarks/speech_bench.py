"""Rekindle's voice: how soon a reply is heard, start-up and memory, Piper's joe against espeak-ng.

    .venv/bin/python -m benchmarks.speech_bench [--replies N] [--skip-process]

- reply known -> first audio sample: every phrase, question and touch prompt of the content library
  as a reply of its own (``--replies`` of them, drawn with a fixed seed), rendered by the loop's
  :class:`~local_voice.speech.Voice` as ``rekindle talk`` plays it, timed to the first samples ready;
  every reply is new to the voice (its cache is emptied first);
- start-up to listening and peak RSS of ``rekindle talk`` with Whisper (what ``--asr auto`` loads) and
  each voice, as ``benchmarks.voice_bench`` measures them (a short ritual from recordings).

Prints a Markdown table (figures go in local_voice/README.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.barge_in_bench import rekindle_texts  # noqa: E402
from benchmarks.voice_bench import percentile, startup_and_rss  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-process", action="store_true", help="only the first-audio latency")
    args = parser.parse_args()
    texts = random.Random(args.seed).sample(rekindle_texts(), args.replies)
    process: dict[str, tuple[float, float]] = {}
    if not args.skip_process:
        tmp = Path(tempfile.mkdtemp(prefix="rekindle-speech-bench-"))
        for voice in VOICES:  # first, while this process is small and forks fast
            process[voice] = startup_and_rss(tmp, "whisper", ["--voice", voice])
    measured = {voice: first_audio(voice, texts) for voice in VOICES}
    latency = {voice: wall for voice, (wall, _) in measured.items()}
    cpu = {voice: spent for voice, (_, spent) in measured.items()}
    load = os.getloadavg()[0]
    words = statistics.median(len(t.split()) for t in texts)
    print(f"| Measure ({args.replies} replies, median {words:.0f} words; load average {load:.1f} on "
          f"{os.cpu_count()} cores) | Piper joe | espeak-ng | Target (Piper) |")
    print("|---|---|---|---|")
    print("| Reply known → first audio sample, median | "
          + " | ".join(f"{1000 * statistics.median(latency[v]):.0f} ms" for v in VOICES) + " | ≤ 150 ms |")
    print("| Reply known → first audio sample, p95 | "
          + " | ".join(f"{1000 * percentile(latency[v], 0.95):.0f} ms" for v in VOICES) + " | |")
    print("| … CPU time this process spent until then, median (all threads) | "
          + " | ".join(f"{1000 * statistics.median(cpu[v]):.0f} ms" for v in VOICES) + " | |")
    if process:
        print("| Start-up to listening, with Whisper | "
              + " | ".join(f"{process[v][0]:.2f} s" for v in VOICES) + " | ≤ 1.5 s |")
        print("| Peak RSS of `rekindle talk`, with Whisper | "
              + " | ".join(f"{process[v][1]:.0f} MB" for v in VOICES) + " | ≤ 600 MB |")


if __name__ == "__main__":
    main()
