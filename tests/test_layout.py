"""The house stays readable: no import circles between Rekindle's modules, and no module grown past a few
hundred lines (issue 21). Read from the source with ``ast``, so a circle hidden in a function-level import
counts too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("intents", "skill", "local_voice", "text_mode", "rekindle", "interaction_models")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The project modules ``name`` imports: ``from package import module`` names the module, ``from package
    import thing`` the package itself."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    yield f"{target}.{alias.name}"
                elif target in known:
                    yield target


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: set(imports_of(name, path, known)) - {name} for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_circles() -> None:
    edges = graph()
    assert len(edges) > 50 and "intents.dialogue.turn" in edges["intents.dialogue.actions.moves"]
    assert circles(edges) == []


def test_the_circle_check_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("from .turn import Conversation", {"intents.dialogue.turn"}),
    ("from . import turn", {"intents.dialogue.turn"}),
    ("from ..household import Preferences", {"intents.household"}),
    ("def f():\n    import intents.dialogue.turn", {"intents.dialogue.turn"}),
])
def test_imports_are_read_as_python_resolves_them(tmp_path: Path, source: str, expected: set[str]) -> None:
    path = tmp_path / "interpreter.py"
    path.write_text(source, encoding="utf-8")
    known = {"intents.dialogue", "intents.dialogue.turn", "intents.household"}
    assert set(imports_of("intents.dialogue.interpreter", path, known)) == expected
