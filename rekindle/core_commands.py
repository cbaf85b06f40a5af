"""Commands about content and the household: tonight, content, history, export, forget."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from intents.content import RitualTemplate, default_content
from intents.engine import Rekindle
from intents.household import DETAIL_NIGHTS, KEPT, LENGTH_CHOICES, export_household
from intents.planning import length_fits

from . import config
from .errors import UserError
from .nights import parse_night


def register(sub: Any) -> None:
    p = sub.add_parser("tonight", help="show tonight's ritual",
                       description="Show the ritual Rekindle offers tonight (the same on every device at home).")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="another night")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=tonight)

    p = sub.add_parser("content", help="summarise the content library, or list its rituals",
                       description="Check and count the questions, touch prompts and rituals; with --list, "
                       "list each ritual's id (for 'rekindle talk --ritual ID'), title, minutes and when "
                       "it is offered.")
    p.add_argument("--list", action="store_true", help="list the rituals")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=content)

    p = sub.add_parser("history", help="rituals you have shared",
                       description="List the completed rituals kept in detail (the last "
                                   f"{DETAIL_NIGHTS} nights), newest last, and the counts of all of them.")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=history)

    p = sub.add_parser("export", help="export your household data as JSON",
                       description="Write everything Rekindle stores about your household as JSON.")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output ('-' is "
                   "standard output)")
    p.set_defaults(handler=export)

    p = sub.add_parser("forget", help="delete all household data",
                       description="Delete every ritual, preference and saved progress. Asks first.")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    p.set_defaults(handler=forget)


def tonight(args: argparse.Namespace) -> int:
    night = parse_night(args.date) if args.date else None
    store = config.open_store()
    try:
        engine = Rekindle(store)
        now = engine.tonight_status(config.household(), night)
    finally:
        store.close()
    plan, content_lib = now.plan, engine.content
    if args.json:
        data = plan.to_dict()
        data["status"] = now.status
        if now.step:
            data["step"] = now.step
        for step in data["steps"]:  # the plan names library questions by id; a reader wants their words
            if "question_id" in step and not step.get("text"):
                step["text"] = content_lib.questions[step["question_id"]].text
        print(json.dumps(data, indent=2))
        return 0
    print(f"{plan.night:%A %d %B %Y}: {plan.title} (about {plan.minutes} minutes, depth {plan.depth.name.lower()})")
    if now.status != "offered":
        print({"done": "  Done tonight.",
               "paused": f"  Paused tonight at step {now.step}; rekindle talk picks up from there.",
               "underway": f"  Left at step {now.step} tonight; rekindle talk offers to go on from there."}[now.status])
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
    library = default_content()
    if args.list:
        rituals = [ritual_entry(r) for r in sorted(library.rituals.values(), key=lambda r: (r.minutes, r.id))]
        if args.json:
            print(json.dumps(rituals, indent=2))
        else:
            width = max(len(r["id"]) for r in rituals)
            for r in rituals:
                print(f"{r['id']:<{width}}  {r['title']} ({r['minutes']} min): {r['offered']}")
            print("\nAmong those that fit a night, the ones not done for longest come first. A short weeknight comes"
                  "\nat most once a week, a longer Saturday (offered: say no for your usual length) once a fortnight."
                  "\nRun one with: rekindle talk --ritual ID")
        return 0
    counts = library.counts()
    if args.json:
        print(json.dumps(counts))
    else:
        for key, value in counts.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def ritual_entry(ritual: RitualTemplate) -> dict[str, Any]:
    """One ritual for ``content --list``: id, title, minutes and when Rekindle offers it by itself."""
    lengths = [m for m in LENGTH_CHOICES if length_fits(ritual, m)]
    if ritual.cadence == "on_request":
        offered = "on request (talk --ritual ID, or ask by voice)"
    elif ritual.presumes:  # never chosen at random: it assumes a hard day, a distant week…
        offered = f"when you say it fits how you are ({', '.join(m.replace('_', ' ') for m in ritual.fits)})"
    else:
        when = "nightly" if ritual.cadence == "nightly" else "on Sundays, weekly"
        touch = ", touch on" if ritual.needs_touch else ""
        offered = f"{when} ({'/'.join(map(str, lengths))}-minute setting{touch})"
        if ritual.cadence == "nightly":
            offered += "".join(also for setting in lengths for also in _also_offered(setting))
    return {"id": ritual.id, "title": ritual.title, "minutes": ritual.minutes, "cadence": ritual.cadence,
            "lengths": lengths if ritual.cadence != "on_request" and not ritual.presumes else [],
            "needs_touch": ritual.needs_touch, "offered": offered}


def _also_offered(setting: int) -> list[str]:
    """When a ritual of a length ``setting`` comes to a couple with another length setting too."""
    out = []
    if setting * 2 in LENGTH_CHOICES:  # a short weeknight at the next length up
        out.append(f"; a short weeknight at {setting * 2}")
    if setting // 2 in LENGTH_CHOICES:  # offered on a Saturday at the next length down, the usual one the no
        out.append(f"; offered as a longer Saturday at {setting // 2}")
    return out


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
    if args.output == Path("-"):
        args.output = None
    if args.output:
        check_writable_file(args.output)
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
        write_private(args.output, text + "\n")
        print(f"Exported to {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def check_writable_file(path: Path) -> None:
    """Refuse, before any work, a path that cannot become a file: a folder, or one in a missing folder."""
    if path.is_dir():
        raise UserError(f"{path} is a folder. Give a file name, such as {path / 'rekindle-export.json'}.")
    if not path.parent.is_dir():
        raise UserError(f"Cannot write {path}: the folder {path.parent} does not exist.")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, all at once: on any failure ``path`` is
    untouched and no partial or temporary file is left behind (it would hold household data)."""
    check_writable_file(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UserError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
        raise


def forget(args: argparse.Namespace) -> int:
    url = config.store_url()
    if not args.yes:
        if not sys.stdin.isatty():
            print("rekindle: forget needs confirmation; run it in a terminal or add --yes.", file=sys.stderr)
            return 2
        try:
            answer = input(f"Delete all Rekindle household data in {config.describe_store(url)}? Type yes: ")
        except EOFError:  # Ctrl-D: no answer is not a yes
            print("\nNothing deleted.")
            return 1
        except KeyboardInterrupt:
            print("\nNothing deleted.")
            return 130
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
