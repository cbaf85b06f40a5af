"""Downloading speech models into the data folder: Vosk with the vosk library's own downloader,
Whisper with faster-whisper's (both show their progress)."""

from __future__ import annotations

import shutil
import tempfile
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .whisper_models import SIZES, model_folder, write_manifest


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


@contextmanager
def folder_for_download(directory: Path) -> Iterator[None]:
    """``directory`` made ready for a download; the folders this made are removed again, if still empty, when
    the download fails (a failed download leaves no trace)."""
    made = [p for p in (directory, *directory.parents) if not p.exists()]  # deepest first
    try:
        writable_folder(directory)
        yield
    except BaseException:
        for folder in made:
            try:
                folder.rmdir()
            except OSError:  # not empty, or not ours to remove
                break
        raise


def fetch(url: str, destination: Path) -> None:
    """Download ``url`` into ``destination``, with a progress bar once the server has answered."""
    with urllib.request.urlopen(url, timeout=60) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=destination.name) if tqdm else None
        try:
            with open(destination, "wb") as out:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()


def download_vosk_model(directory: Path, name: str) -> Path:
    """Fetch and unpack ``name`` into ``directory``; returns the model folder."""
    try:
        import vosk
    except ImportError as exc:
        raise DownloadError("Vosk is not installed: pip install 'rekindle[voice]'") from exc
    target = directory / name
    if target.is_dir():
        return target
    partial = Path(str(target) + ".zip")
    try:
        with folder_for_download(directory):
            try:
                fetch(f"{vosk.MODEL_PRE_URL}{name}.zip", partial)
                with zipfile.ZipFile(partial) as archive:
                    archive.extractall(directory)
            finally:
                partial.unlink(missing_ok=True)
            if not (target / "am").exists():
                shutil.rmtree(target, ignore_errors=True)
                raise zipfile.BadZipFile(f"the archive holds no {name} model")
    except DownloadError:
        raise
    except Exception as exc:  # urllib, zip and OS errors all mean the same thing here
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
    partial = target.with_name(target.name + ".part")
    try:
        with folder_for_download(target.parent):
            try:
                with warnings.catch_warnings():  # faster-whisper passes the hub client an argument it deprecated
                    warnings.simplefilter("ignore", UserWarning)
                    download_model(size, output_dir=str(partial))
                write_manifest(partial, size)
                if target.exists():
                    shutil.rmtree(target)
                partial.rename(target)
            except Exception:
                shutil.rmtree(partial, ignore_errors=True)  # before the folders that held it are let go
                raise
    except DownloadError:
        raise
    except Exception as exc:  # the hub client raises its own errors for every network failure
        shutil.rmtree(partial, ignore_errors=True)
        raise DownloadError(
            f"Could not download the Whisper model {size} ({_reason(exc)}). Without it Rekindle uses the "
            "packaged models ([whisper] extra: base, else tiny.en), else PocketSphinx alone. On a "
            f"machine with internet access, run the same command and copy the folder {target.name} into "
            f"{target.parent}."
        ) from exc
    return target


def _reason(exc: Any) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).strip().splitlines()[0] if str(reason or exc).strip() else type(exc).__name__
