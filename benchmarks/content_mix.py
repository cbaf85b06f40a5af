"""How 28 nights in a row look, per length: depth mix, variety, and rituals that presume a state.

    .venv/bin/python -m benchmarks.content_mix [--households 20] [--nights 28]

For each length (5, 10, 20 minutes) it plans night after night for many
households through ``Rekindle.tonight`` over a real SQLite file (what
``rekindle tonight`` prints), records each ritual as completed, and prints a
Markdown table: nights at the deepest level (mean and range), the largest
share of deepest nights in any window of four weeks, distinct rituals, and how
often a ritual presuming a hard day, a distant week or tension came up unasked
(it should be never). Exits non-zero if a four-week window goes past half.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from intents import CompletedRitual, Depth, Preferences, Rekindle, SqliteStore, StepRecord
from intents.household import HouseholdChange
from intents.planning.planner import DEPTH_WINDOW_NIGHTS, MAX_DEEPEST_NIGHTS

START = date(2026, 1, 5)


def run(households: int, nights: int) -> bool:
    print("| length | deepest nights of 28 (mean, range) | worst 4-week window | distinct rituals | presumed unasked |")
    print("| --- | ---: | ---: | ---: | ---: |")
    within = True
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in (5, 10, 20):
            store = SqliteStore(Path(tmp) / f"mix{minutes}.db")
            engine = Rekindle(store)
            deepest, worst, distinct, presumed = [], 0, [], 0
            for h in range(households):
                household = f"h{h}"
                store.save(household, HouseholdChange(preferences=Preferences(minutes=minutes)))
                depths, rituals = [], []
                for i in range(nights):
                    plan = engine.tonight(household, START + timedelta(days=i))
                    depths.append(plan.depth is Depth.DEEPEST)
                    rituals.append(plan.ritual_id)
                    presumed += engine.content.rituals[plan.ritual_id].presumes is not None
                    store.save(household, HouseholdChange(completed=CompletedRitual(
                        f"{household}-{i}", plan.ritual_id, plan.night, datetime.now(timezone.utc), "bench",
                        tuple(StepRecord(s.kind, s.content_id) for s in plan.steps))))
                windows = [sum(depths[s:s + DEPTH_WINDOW_NIGHTS])
                           for s in range(max(1, nights - DEPTH_WINDOW_NIGHTS + 1))]
                worst = max(worst, *windows)
                deepest.append(sum(depths[:DEPTH_WINDOW_NIGHTS]))
                distinct.append(len(set(rituals)))
            within &= worst <= MAX_DEEPEST_NIGHTS
            print(f"| {minutes} min | {statistics.mean(deepest):.1f} ({min(deepest)}–{max(deepest)}) "
                  f"| {worst} of {DEPTH_WINDOW_NIGHTS} | {statistics.mean(distinct):.1f} | {presumed} |")
    return within


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20)
    parser.add_argument("--nights", type=int, default=28)
    args = parser.parse_args()
    sys.exit(0 if run(args.households, args.nights) else 1)


if __name__ == "__main__":
    main()
