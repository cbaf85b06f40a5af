"""The core must stay platform-neutral: no voice, audio or Alexa library in intents/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FORBIDDEN = ("ask_sdk", "ask_sdk_core", "flask", "flask_ask_sdk", "vosk", "pocketsphinx", "sounddevice",
             "pyttsx3", "boto3", "skill", "local_voice")
CORE = Path(__file__).resolve().parents[1] / "intents"


def imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
    return names


def offenders(directory: Path) -> list[str]:
    found = []
    for path in sorted(directory.rglob("*.py")):
        for name in imported_modules(path.read_text(encoding="utf-8")):
            if name.split(".")[0] in FORBIDDEN:
                found.append(f"{path.relative_to(directory.parent)} imports {name}")
    return found


def test_core_imports_no_platform_library() -> None:
    assert CORE.is_dir()
    assert offenders(CORE) == []


@pytest.mark.parametrize("line", ["import vosk", "from ask_sdk_core.skill_builder import SkillBuilder",
                                  "import sounddevice as sd", "x = __import__('pyttsx3')",
                                  "from flask import Flask"])
def test_guard_catches_each_form(tmp_path: Path, line: str) -> None:
    pkg = tmp_path / "intents"
    pkg.mkdir()
    (pkg / "bad.py").write_text(f"def f():\n    {line}\n", encoding="utf-8")
    assert offenders(pkg) != []
