"""How the voice loop's process asks glibc to manage its memory.

`rekindle talk` holds three large native libraries (CTranslate2 for Whisper, onnxruntime for Piper,
PocketSphinx) loading and running on several threads. With glibc's defaults each thread may get a heap
arena of its own, where freed pages mostly stay with the process. Peak RSS over a short ritual from
recordings (`benchmarks.voice_bench.peak_rss`, joe and Whisper base, 2026-12-07, load about 9): 601-608 MB
with the defaults, 591-592 MB with two arenas. Blocks of a megabyte or more mapped on their own brought it to
570 MB but cost Whisper 23-44 % more CPU a transcription (its buffers mapped and unmapped at every run): not
taken.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("rekindle.voice")

M_ARENA_MAX = -8  # mallopt's parameter, from glibc's malloc.h
ARENAS = 2


def limit_heaps() -> bool:
    """At most two heap arenas for the whole process; call before threads start. False where the C library
    is not glibc (nothing changes there)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        log.debug("no mallopt in this C library: memory left to its defaults")
        return False
    return bool(mallopt(M_ARENA_MAX, ARENAS))
