"""Downloading a Vosk model with the vosk library's own downloader (progress bar included)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


class DownloadError(Exception):
    """The model could not be downloaded (message says why and what else to do)."""


def download_vosk_model(directory: Path, name: str) -> Path:
    """Fetch and unpack ``name`` into ``directory``; returns the model folder."""
    try:
        import vosk
    except ImportError as exc:
        raise DownloadError("Vosk is not installed: pip install 'rekindle[voice]'") from exc
    target = directory / name
    if target.is_dir():
        return target

    class _Downloader(vosk.Model):  # type: ignore[misc]
        """Borrows Model.download_model without loading a model."""

        def __init__(self) -> None:
            pass

        def __del__(self) -> None:
            pass

    try:
        directory.mkdir(parents=True, exist_ok=True)
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


def _reason(exc: Any) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)
