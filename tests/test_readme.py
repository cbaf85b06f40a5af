"""The README a newcomer reads tells the truth (issue 18, item 5).

Every command and option its tables name is one ``rekindle`` accepts, every variable it names is one the code
reads and every variable the code reads is named, and every link in it and in ``docs/`` leads to a file.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from rekindle.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PACKAGES = ("intents", "skill", "local_voice", "rekindle")
COMMAND_CELL = re.compile(r"^\| `(rekindle [^|]*?)` \|", re.MULTILINE)
VARIABLE = re.compile(r"\bREKINDLE_[A-Z_]+\b")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options(parser: argparse.ArgumentParser) -> set[str]:
    found = {flag for action in parser._actions for flag in action.option_strings}
    for child in subcommands(parser).values():
        found |= options(child)
    return found


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def named_commands(text: str) -> list[tuple[str, list[str]]]:
    """``rekindle COMMAND [options]`` as the commands table names them (a cell may name several)."""
    named = []
    for cell in COMMAND_CELL.findall(text):
        for usage in re.split(r"`, `", cell):
            words = usage.split()
            if words and words[0] == "rekindle":
                named.append((words[1], re.findall(r"(?<![\w-])--?[a-z][a-z-]*", usage)))
    return named


PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_commands_tables_name_only_commands_and_options_that_exist(page: Path) -> None:
    commands = subcommands(build_parser())
    named = named_commands(page.read_text(encoding="utf-8"))
    if page == README:
        assert len(named) >= 10, named
    for command, flags in named:
        assert command in commands, f"{page.name} names `rekindle {command}`, which does not exist"
        unknown = set(flags) - options(commands[command])
        assert not unknown, f"{page.name} gives `rekindle {command}` options it does not take: {sorted(unknown)}"


def test_every_command_is_in_the_commands_table() -> None:
    named = {command for command, _ in named_commands(section(README.read_text(encoding="utf-8"), "Commands"))}
    assert set(subcommands(build_parser())) <= named


def variables_the_code_reads() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            found |= set(VARIABLE.findall(source.read_text(encoding="utf-8")))
    return found


def test_the_configuration_table_names_every_variable_the_code_reads_and_no_other() -> None:
    table = section(README.read_text(encoding="utf-8"), "Configuration")
    named = set(re.findall(r"^\| `(REKINDLE_[A-Z_]+)` \|", table, re.MULTILINE))
    read = variables_the_code_reads()
    assert read - named == set(), f"read by the code but not in the README's configuration: {sorted(read - named)}"
    assert named - read == set(), f"in the README but read nowhere: {sorted(named - read)}"


def test_every_variable_named_anywhere_in_the_readme_is_real() -> None:
    assert set(VARIABLE.findall(README.read_text(encoding="utf-8"))) <= variables_the_code_reads()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_lead_to_files(page: Path) -> None:
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_the_two_commands_come_first_and_exist() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```")[1]
    for script in ("script/talk", "script/test"):
        assert script in first_block
        assert (ROOT / script).is_file()
    assert text.index("## Commands") < text.index("## Configuration") < 8000, "commands and configuration come early"


def test_ci_runs_the_readmes_test_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"^(?:exec )?(script/\S+)\s*$", ci, re.MULTILINE)
    assert commands == ["script/test", "script/test-dates"]  # the suite, then the date sweep
    readme = README.read_text(encoding="utf-8")
    for command in commands:
        assert f"`{command}`" in readme and (ROOT / command).is_file()
