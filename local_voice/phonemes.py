"""Text to IPA phonemes with espeak-ng's own library, as Piper voices were trained on.

Rekindle already needs espeak-ng (its fallback voice, the pronunciation guesses of
:mod:`local_voice.pronounce`); its library turns a clause into phonemes in well under a
millisecond, so a Piper voice needs no phonemiser package of its own. ``espeak_TextToPhonemes``
drops the punctuation that ends a clause, which Piper voices use for intonation and pauses, so
text is cut into clauses here and each clause's punctuation put back, as Piper does.

The library runs in a small child process of its own (this file, run as a script; standard library
only), answering one line of text with one line of JSON. In the same process it would share its
global state with pyttsx3, which drives the same library for the fallback voice: measured here,
phonemising between two pyttsx3 utterances made pyttsx3 hang on the next one. A child also keeps
espeak-ng's ``exit()`` on missing data away from Rekindle.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import json
import re
import subprocess
import sys
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# speak_lib.h: AUDIO_OUTPUT_SYNCHRONOUS, espeakINITIALIZE_DONT_EXIT (an error instead of exit() when the
# data is missing), espeakCHARS_UTF8, and phoneme mode bit 1 (IPA as UTF-8).
_SYNCHRONOUS = 2
_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_IPA = 0x02

# A clause and the punctuation that ends it; "1.5" and "don't" stay whole (punctuation counts only
# before a space or the end).
_CLAUSE = re.compile(r"(.+?)([.!?;:,]+|$)(?:\s+|$)", re.S)
_LANGUAGE_SWITCH = re.compile(r"\([^)]*\)")  # espeak-ng marks words it reads in another language: "(fr)"
SENTENCE_ENDS = ".!?"


class PhonemeError(Exception):
    """espeak-ng's library is missing or cannot phonemise (message says what to do)."""


@dataclass(frozen=True)
class Clause:
    """One clause's phonemes, its closing punctuation included."""

    phonemes: str
    ends_sentence: bool


class EspeakPhonemes:
    """espeak-ng IPA for one espeak-ng voice (``en-us`` for US English Piper voices); usable from any
    thread. Raises :class:`PhonemeError` when espeak-ng cannot start or stops."""

    def __init__(self, voice: str = "en-us", check: bool = True) -> None:
        """``check=False`` leaves the first :meth:`clauses` to find out whether espeak-ng works, so its
        start overlaps whatever the caller loads meanwhile."""
        self.voice = voice
        self._lock = threading.Lock()
        try:
            self._child: subprocess.Popen[str] = subprocess.Popen(
                [sys.executable, "-I", str(Path(__file__)), voice], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        except OSError as exc:
            raise PhonemeError(f"espeak-ng's phonemiser did not start ({exc}).") from exc
        if check:
            self.clauses("ready")  # fails here, not mid-ritual, when espeak-ng cannot work

    def clauses(self, text: str) -> list[Clause]:
        """``text`` as clauses of phonemes; a clause ends at , ; : . ! ? (kept, as Piper voices expect)."""
        with self._lock:
            stdin, stdout = self._child.stdin, self._child.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(" ".join(text.split()) + "\n")
                stdin.flush()
                answer = stdout.readline()
            except (OSError, ValueError):
                answer = ""
        if not answer:
            raise PhonemeError(f"espeak-ng's phonemiser stopped ({self._last_words()}).")
        said = json.loads(answer)
        if isinstance(said, dict):
            raise PhonemeError(str(said.get("error")))
        return [Clause(str(p), bool(end)) for p, end in said]

    def phonemes(self, text: str) -> list[str]:
        """``text`` as Piper's phoneme symbols: IPA decomposed into code points (stress marks and length
        are symbols of their own)."""
        return list(unicodedata.normalize("NFD", "".join(c.phonemes for c in self.clauses(text))))

    def _last_words(self) -> str:
        self._child.kill()
        self._child.wait()
        said = [line.strip() for line in (self._child.stderr.read() if self._child.stderr else "").splitlines()]
        return next((line for line in reversed(said) if line), f"exit status {self._child.returncode}")

    def close(self) -> None:
        if self._child.poll() is None:
            if self._child.stdin:
                self._child.stdin.close()
            try:
                self._child.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
        for stream in (self._child.stdout, self._child.stderr):
            if stream:
                stream.close()


# --- the child process: this file run as a script -------------------------------------------------------


def _library() -> Any:
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise PhonemeError("espeak-ng's library is not installed (sudo apt-get install espeak-ng).") from exc
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    if lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _DONT_EXIT) <= 0:
        raise PhonemeError("espeak-ng's data is missing or damaged (reinstall it: sudo apt-get install "
                           "--reinstall espeak-ng espeak-ng-data).")
    return lib


def _phonemise(lib: Any, words: str) -> str:
    buffer = ctypes.create_string_buffer(words.encode("utf-8"))
    pointer = ctypes.c_void_p(ctypes.addressof(buffer))
    parts: list[str] = []
    while pointer.value:  # espeak-ng moves the pointer on by one clause per call, to NULL at the end
        said = lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _IPA)
        if said:
            parts.append(said.decode("utf-8", "replace"))
    return _LANGUAGE_SWITCH.sub("", " ".join(parts)).strip()


def _clauses(lib: Any, text: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for m in _CLAUSE.finditer(text.strip()):
        words, mark = m.group(1).strip(), m.group(2)[:1]
        if not words:
            continue
        said = _phonemise(lib, words)
        if mark in (",", ";", ":"):
            said += mark + " "  # a pause inside the sentence
        elif mark:
            said += mark
        out.append((said, bool(mark) and mark in SENTENCE_ENDS))
    return out


def serve(voice: str, lines: IO[str], out: IO[str]) -> None:
    """Answer each line of text with a JSON list of [phonemes, ends_sentence], or {"error": ...}."""
    try:
        lib = _library()
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise PhonemeError(f"espeak-ng has no voice {voice!r} to phonemise with.")
    except PhonemeError as exc:
        problem: str | None = str(exc)
    else:
        problem = None
    for line in lines:
        answer: Any = {"error": problem} if problem else _clauses(lib, line)
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    serve(sys.argv[1] if len(sys.argv) > 1 else "en-us", io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8"),
          io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8"))
