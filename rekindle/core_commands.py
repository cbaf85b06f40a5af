"""Commands about content and the household: tonight, content, history, export, forget."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from intents.content import default_content
from intents.engine import Rekindle
from intents.household import DETAIL_NIGHTS, KEPT
from intents.store import export_household

from . import config


def register(sub: Any) -> None:
    p = sub.add_parser("tonight", help="show tonight's ritual",
                       description="Show the ritual Rekindle offers tonight (the same on every device at home).")
    p.add_argument("--date", type=_date, help="another night, as YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=tonight)

    p = sub.add_parser("content", help="summarise the content library",
                       description="Check and count the questions, touch prompts and rituals.")
    p.add_argument("--json", action="store_true", help="print JSON counts")
    p.set_defaults(handler=content)

    p = sub.add_parser("history", help="rituals you have shared",
                       description="List the completed rituals kept in detail (the last "
                                   f"{DETAIL_NIGHTS} nights), newest last, and the counts of all of them.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=history)

    p = sub.add_parser("export", help="export your household data as JSON",
                       description="Write everything Rekindle stores about your household as JSON.")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    p.set_defaults(handler=export)

    p = sub.add_parser("forget", help="delete all household data",
                       description="Delete every ritual, preference and saved progress. Asks first.")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    p.set_defaults(handler=forget)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-25") from None


def tonight(args: argparse.Namespace) -> int:
    store = config.open_store()
    try:
        engine = Rekindle(store)
        plan = engine.tonight(config.household(), args.date)
    finally:
        store.close()
    if args.json:
        print(json.dumps(plan.to_dict(), indent=2))
        return 0
    content_lib = engine.content
    print(f"{plan.night:%A %d %B %Y}: {plan.title} (about {plan.minutes} minutes, depth {plan.depth.name.lower()})")
    for n, step in enumerate(plan.steps, 1):
        if step.question_id:
            detail = content_lib.questions[step.question_id].text
        elif step.touch_id:
            t = content_lib.touch_prompts[step.touch_id]
            detail = f"{t.kind.replace('_', ' ')}, {t.seconds} s"
        else:
            detail = step.text
        print(f"  {n}. {step.kind}: {detail}")
    return 0


def content(args: argparse.Namespace) -> int:
    counts = default_content().counts()
    if args.json:
        print(json.dumps(counts))
    else:
        for key, value in counts.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def history(args: argparse.Namespace) -> int:
    store = config.open_store()
    try:
        record = store.load(config.household())
    finally:
        store.close()
    tally = record.tally
    if args.json:
        print(json.dumps({**tally.to_dict(), "kept": KEPT, "rituals": [r.to_dict() for r in record.rituals]},
                         indent=2))
        return 0
    if not tally.rituals_completed:
        print("No rituals yet. Start one with: rekindle talk")
        return 0
    titles = default_content().rituals
    if len(record.rituals) < tally.rituals_completed:
        print(f"The last {len(record.rituals)} of {tally.rituals_completed} rituals "
              f"(Rekindle keeps {DETAIL_NIGHTS} nights in detail; the counts below cover them all):")
    for r in record.rituals:
        title = titles[r.ritual_id].title if r.ritual_id in titles else r.ritual_id
        skipped = sum(s.skipped for s in r.steps)
        extra = f", {skipped} step(s) skipped" if skipped else ""
        print(f"{r.night.isoformat()}  {title}  (via {r.front}{extra})")
    since = f" since {tally.first_night:%d %B %Y}" if tally.first_night else ""
    print(f"Nights together: {tally.nights_together}")
    print(f"Rituals completed: {tally.rituals_completed}{since}")
    return 0


def export(args: argparse.Namespace) -> int:
    store = config.open_store()
    try:
        data: dict[str, Any] = {
            "store": config.describe_store(config.store_url()),
            "households": [export_household(store, h) for h in store.households()],
        }
    finally:
        store.close()
    text = json.dumps(data, indent=2)
    if args.output:
        tmp = args.output.with_name(args.output.name + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(args.output)
        print(f"Exported to {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def forget(args: argparse.Namespace) -> int:
    url = config.store_url()
    if not args.yes:
        if not sys.stdin.isatty():
            print("rekindle: forget needs confirmation; run it in a terminal or add --yes.", file=sys.stderr)
            return 2
        answer = input(f"Delete all Rekindle household data in {config.describe_store(url)}? Type yes: ")
        if answer.strip().lower() != "yes":
            print("Nothing deleted.")
            return 1
    store = config.open_store(url)
    try:
        store.forget(None)
    finally:
        store.close()
    print("All household data deleted.")
    return 0
