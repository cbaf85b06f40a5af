"""Spoken test audio made at test time with espeak-ng (no recordings in the repository).

Shared by the voice tests and ``benchmarks/voice_*.py``: synthesise a phrase
in a given espeak-ng voice as 16 kHz mono 16-bit PCM, mix noise at a given
signal-to-noise ratio, and read the hand-written conversational sentences.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("voice_data")
# Voices used to tune rejection thresholds, and others kept apart to measure them.
TUNING_VOICES = ("en-us", "en+f3", "en-gb+m3")
HELD_OUT_VOICES = ("en-us+f4", "en-gb-scotland", "en+m7", "en-us+f2", "en-029")
# Piper's neural voice joe (benchmarks: "joe@WPM"): tuned at its default rate, reported at others.
JOE_TUNING = ("joe@160",)
JOE_HELD_OUT = ("joe@130", "joe@190")


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def speak(text: str, voice: str = "en-us", speed: int = 160, lang_rate: int = 16000) -> bytes:
    """espeak-ng saying ``text``: raw 16-bit mono PCM at ``lang_rate`` Hz."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         capture_output=True, check=True).stdout
    # -D: sox dithers by default when resampling, which made the same phrase differ run to run.
    return subprocess.run(["sox", "-D", "-t", "wav", "-", "-t", "raw", "-r", str(lang_rate), "-c", "1",
                           "-b", "16", "-e", "signed-integer", "-"],
                          input=wav, capture_output=True, check=True).stdout


def at_16k(samples: np.ndarray, rate: int) -> bytes:
    """16-bit mono ``samples`` at ``rate`` Hz resampled to the microphone's 16 kHz (raw PCM)."""
    return subprocess.run(["sox", "-D", "-t", "raw", "-r", str(rate), "-e", "signed", "-b", "16", "-c", "1", "-",
                           "-t", "raw", "-r", "16000", "-"], input=np.asarray(samples, dtype=np.int16).tobytes(),
                          capture_output=True, check=True).stdout


def with_noise(pcm: bytes, snr_db: float, seed: int = 0) -> bytes:
    """Mix white noise so the speech is ``snr_db`` dB above it."""
    signal = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    voiced = signal[np.abs(signal) > 0.05 * np.abs(signal).max()] if signal.size else signal
    power = float(np.mean(voiced**2)) if voiced.size else 0.0
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), signal.shape)
    return np.clip(signal + noise, -32768, 32767).astype(np.int16).tobytes()


def silence(seconds: float, rate: int = 16000) -> bytes:
    return b"\0\0" * int(rate * seconds)


def write_wav(path: Path, pcm: bytes, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


def wav_bytes(pcm: bytes, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def conversation(name: str = "conversation.txt") -> list[str]:
    """Hand-written sentences partners might say to each other (none is meant as a command).

    ``conversation.txt`` (sentences) and ``asides.txt`` (short remarks) measure; the ``*_tuning.txt``
    twins are kept apart for tuning thresholds.
    """
    return [s for s in (DATA / name).read_text(encoding="utf-8").splitlines() if s.strip()]
