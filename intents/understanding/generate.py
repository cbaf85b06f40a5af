"""Write the five Alexa interaction models from the source: ``script/generate-models`` (``--check`` only
compares, and fails naming the files that differ)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .alexa_model import model_text
from .source import SourceError, language, locales, source_dir


def model_file(locale: str) -> Path:
    return source_dir() / f"{locale}.json"


def stale() -> list[str]:
    """Locales whose committed model is not what the source generates (or that has no model yet)."""
    return [loc for loc in locales()
            if not model_file(loc).exists() or model_file(loc).read_text(encoding="utf-8") != model_text(language(loc))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="generate-models", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check that the committed models are current")
    args = parser.parse_args(argv)
    try:
        behind = stale()
    except SourceError as exc:
        print(f"generate-models: {exc}", file=sys.stderr)
        return 2
    orphans = sorted(p.name for p in source_dir().glob("[a-z][a-z]-[A-Z][A-Z].json") if p.stem not in locales())
    if args.check:
        for locale in behind:
            print(f"{model_file(locale).name} is not what the source generates: run script/generate-models",
                  file=sys.stderr)
        for name in orphans:
            print(f"{name} has no locale overlay in locales/", file=sys.stderr)
        return 1 if behind or orphans else 0
    for locale in behind:
        model_file(locale).write_text(model_text(language(locale)), encoding="utf-8")
        print(f"wrote {model_file(locale).name}")
    for name in orphans:
        print(f"{name} has no locale overlay in locales/ (left alone)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
