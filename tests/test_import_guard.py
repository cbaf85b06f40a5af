"""The core must stay platform-neutral: no voice, audio or Alexa library in intents/, and no cloud library
loaded with it (the DynamoDB store imports boto3 when a table is opened, so the core installs and runs
without the Alexa extras)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

FORBIDDEN = ("ask_sdk", "ask_sdk_core", "flask", "flask_ask_sdk", "vosk", "pocketsphinx", "sounddevice",
             "pyttsx3", "skill", "local_voice")
CLOUD = ("boto3", "botocore")  # only inside a function: loaded when a DynamoDB table is opened
CORE = Path(__file__).resolve().parents[1] / "intents"
TEXT_MODE = CORE.parent / "text_mode"
VOICE = ("numpy", "vosk", "pocketsphinx", "sounddevice", "pyttsx3", "faster_whisper", "local_voice")


def imported_modules(source: str, top_level_only: bool = False) -> set[str]:
    names: set[str] = set()
    tree = ast.parse(source)
    for node in (tree.body if top_level_only else ast.walk(tree)):
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
        source = path.read_text(encoding="utf-8")
        for name in imported_modules(source):
            if name.split(".")[0] in FORBIDDEN:
                found.append(f"{path.relative_to(directory.parent)} imports {name}")
        for name in imported_modules(source, top_level_only=True):
            if name.split(".")[0] in CLOUD:
                found.append(f"{path.relative_to(directory.parent)} imports {name} when it is imported")
    return found


def test_core_imports_no_platform_library() -> None:
    assert CORE.is_dir()
    assert offenders(CORE) == []


def test_importing_every_core_module_loads_no_cloud_library() -> None:
    """The guard above reads the source; this imports every module of intents/ (the DynamoDB store included)
    in a fresh interpreter and looks at what was loaded."""
    modules = sorted(".".join(p.relative_to(CORE.parent).with_suffix("").parts).removesuffix(".__init__")
                     for p in CORE.rglob("*.py"))
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=CORE.parent, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    assert "intents.household.dynamodb" in modules


def test_guard_catches_a_cloud_library_imported_with_the_module(tmp_path: Path) -> None:
    pkg = tmp_path / "intents"
    pkg.mkdir()
    (pkg / "lazy.py").write_text("def open_table():\n    import boto3\n", encoding="utf-8")
    assert offenders(pkg) == []
    (pkg / "eager.py").write_text("from botocore.exceptions import ClientError\n", encoding="utf-8")
    assert offenders(pkg) == ["intents/eager.py imports botocore.exceptions when it is imported"]


def test_text_mode_needs_no_voice_library() -> None:
    """Text mode is a front of its own: it runs on a core install, so it imports nothing of the voice loop."""
    found = [f"{p.name} imports {name}" for p in sorted(TEXT_MODE.rglob("*.py"))
             for name in imported_modules(p.read_text(encoding="utf-8")) if name.split(".")[0] in VOICE]
    assert TEXT_MODE.is_dir() and found == []


@pytest.mark.parametrize("line", ["import vosk", "from ask_sdk_core.skill_builder import SkillBuilder",
                                  "import sounddevice as sd", "x = __import__('pyttsx3')",
                                  "from flask import Flask"])
def test_guard_catches_each_form(tmp_path: Path, line: str) -> None:
    pkg = tmp_path / "intents"
    pkg.mkdir()
    (pkg / "bad.py").write_text(f"def f():\n    {line}\n", encoding="utf-8")
    assert offenders(pkg) != []


TESTS = CORE.parent / "tests"
# Tests of the laptop's voice, and the helpers that load voice libraries. Every other test (the goldens'
# voice-loop front included, which loads its fixtures when it plays) collects without the voice extras.
VOICE_TESTS = ("test_voice_", "test_privacy_voice", "voice_fixtures", "voice_speech")


def voice_loaded_with(module: str, tests: Path = TESTS, seen: set[str] | None = None) -> list[str]:
    """The voice libraries and voice test helpers that importing the test module ``module`` loads: its
    top-level imports, followed through the helper modules of ``tests`` it imports."""
    seen = set() if seen is None else seen
    seen.add(module)
    found = []
    for name in sorted(imported_modules((tests / f"{module}.py").read_text(encoding="utf-8"), top_level_only=True)):
        top = name.split(".")[0]
        if top in VOICE or top.startswith(VOICE_TESTS):
            found.append(f"{module} imports {name}")
        elif (tests / f"{top}.py").is_file() and top not in seen:
            found.extend(voice_loaded_with(top, tests, seen))
    return found


def test_core_tests_import_nothing_of_voice() -> None:
    """Each test module not about voice, and conftest; a helper counts through the tests that import it."""
    core_tests = ["conftest", *sorted(p.stem for p in TESTS.glob("test_*.py") if not p.stem.startswith(VOICE_TESTS))]
    assert len(core_tests) > 40 and "test_goldens" in core_tests and "test_install" in core_tests
    assert [line for module in core_tests for line in voice_loaded_with(module)] == []


def test_voice_guard_follows_helpers(tmp_path: Path) -> None:
    (tmp_path / "test_thing.py").write_text("import pytest\nfrom helper import x\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("from voice_fixtures import PerfectRecogniser\n", encoding="utf-8")
    assert voice_loaded_with("test_thing", tmp_path) == ["helper imports voice_fixtures"]
    (tmp_path / "helper.py").write_text("def f():\n    import numpy\n", encoding="utf-8")
    assert voice_loaded_with("test_thing", tmp_path) == []
