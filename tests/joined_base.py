"""Whisper base joined once per test process and hard-linked into the data folders of the tests that start
``rekindle`` with it, as a data folder holds it after the first start at home.

Every ``rekindle talk`` or ``recognize`` in a fresh data folder joined the 145 MB model again from its two
packages (written, synced, hashed: 0.6 s of CPU and seconds of disk under load, some thirty times a run). What
joining does and how a bad join is handled is tested where it happens (test_voice_whisper_base.py), and those
tests join for themselves. Rekindle never writes into a ``model.bin`` (a join writes a new file and renames it
into place), so the links share the copy safely; the copy is checked unchanged before each link all the same.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_shared: dict[str, object] = {}  # "folder": where this process's copy is (set by conftest), "made": its stat


def keep_copy_in(folder: Path) -> None:
    """Where this test process keeps its joined copy (joined there when a test first asks for it)."""
    _shared.clear()
    _shared["folder"] = folder


def whisper_base_in(home: Path) -> Path:
    """``home`` holding Whisper base in ``models/whisper-base`` (hard links to this process's joined copy),
    unchanged when its packages are not installed; returns ``home``."""
    from local_voice.whisper_join import FOLDER, SMALL_FILES, ensure_joined, installed_parts

    parts = installed_parts()
    folder = _shared.get("folder")
    if parts is None or parts.missing() or not isinstance(folder, Path):
        return home
    model = folder / "model.bin"
    if "made" not in _shared:
        ensure_joined(parts, folder)
        _shared["made"] = _made(model)
    assert _made(model) == _shared["made"], f"a test changed the shared Whisper base copy {model}"
    target = home / "models" / FOLDER
    if (target / "model.bin").exists():
        return home
    target.mkdir(parents=True, exist_ok=True)
    try:
        for name in (*SMALL_FILES, "model.bin"):
            os.link(folder / name, target / name)
    except OSError:  # another file system: Rekindle joins its own copy, as at a first start
        shutil.rmtree(target)
    return home


def _made(model: Path) -> tuple[int, int]:
    info = model.stat()
    return info.st_size, info.st_mtime_ns
