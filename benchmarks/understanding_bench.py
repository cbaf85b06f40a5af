"""How fast phrases are understood: this project's matcher against hassil's own recogniser, same source.

    .venv/bin/python -m benchmarks.understanding_bench [--locale en-US] [--repeat 2000]

Times building the matcher from the source (cold: files read and parsed), then ``IntentMatcher.match``
and, where hassil is installed, ``hassil.recognize`` on the same phrases: commands, a naming, a mood,
and sentences that are no command (the slow case for a matcher that tries everything). Prints a Markdown
table; the figures are quoted in interaction_models/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time

from intents.understanding import IntentMatcher, source

PHRASES = (
    "next",
    "give us another question",
    "we're tired",
    "our names are sam and alex",
    "skip this question and ask another",
    "make it ten minutes",
    "i think we should go to bed soon",
    "that reminds me of the summer we met at the lake",
)


def per_call(fn: object, phrase: str, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn(phrase)  # type: ignore[operator]
    return (time.perf_counter() - started) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", default="en-US")
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args(argv)

    builds = []
    for _ in range(5):
        source.language.cache_clear()
        source.hassil_source.cache_clear()
        started = time.perf_counter()
        matcher = IntentMatcher.for_locale(args.locale)
        builds.append(time.perf_counter() - started)
    print(f"matcher build, cold: median {statistics.median(builds) * 1e3:.1f} ms "
          f"({len(matcher.intents)} intents)\n")

    try:
        import hassil
    except ImportError:
        hassil = None
    if hassil is not None:
        started = time.perf_counter()
        intents = hassil.Intents.from_dict(source.hassil_source(args.locale))
        loaded = time.perf_counter() - started
        first = per_call(lambda p: hassil.recognize(p, intents), PHRASES[0], 1)
        print(f"hassil: load {loaded * 1e3:.1f} ms, first call {first * 1e3:.1f} ms\n")

    print("| phrase | intent | matcher, µs | hassil, µs |")
    print("| --- | --- | --- | --- |")
    for phrase in PHRASES:
        match = matcher.match(phrase)
        ours = per_call(matcher.match, phrase, args.repeat)
        theirs = "-"
        if hassil is not None:
            theirs = f"{per_call(lambda p: hassil.recognize(p, intents), phrase, max(1, args.repeat // 20)) * 1e6:.0f}"
        print(f"| {phrase} | {match.intent if match else '(none)'} | {ours * 1e6:.1f} | {theirs} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
