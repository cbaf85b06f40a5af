"""Keeping C libraries' chatter off the terminal (PortAudio retrying a device, Kaldi refusing a model).

PortAudio and ALSA print several lines to file descriptor 2 every time a
device cannot be opened; while Rekindle waits for a vanished microphone that
would flood the screen. :func:`native_stderr_to_debug` collects what is
written to descriptor 2 meanwhile and logs it at debug level instead.
:func:`alsa_messages_to_debug` does the same for alsa-lib's own messages at
any moment (an underrun recovered while Rekindle speaks), through the
library's error handler.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress


@contextmanager
def native_stderr_to_debug(log: logging.Logger, keep: Callable[[str], bool] | None = None) -> Iterator[None]:
    """Anything written to descriptor 2 inside the block goes to ``log.debug``, line by line; lines
    ``keep`` accepts (Rekindle's own log lines, say) are written back to descriptor 2 instead."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable descriptor 2 (embedded, closed): nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as collected:  # unlinked at once; holds library messages only
        os.dup2(collected.fileno(), 2)
        try:
            yield
        finally:
            with suppress(ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            collected.seek(0)
            for line in collected.read(256 * 1024).decode("utf-8", "replace").splitlines():
                if keep is not None and keep(line):
                    print(line, file=sys.stderr, flush=True)
                elif line.strip():
                    log.debug("native library: %s", line.strip())


# alsa-lib calls its error handler as handler(file, line, function, err, fmt, ...); the variadic rest is
# not read, so the format is logged as it stands ("underrun occurred" has no arguments).
_ALSA_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                      ctypes.c_char_p)
_alsa_handler: list[object] = []  # kept alive for as long as alsa-lib may call it


def alsa_messages_to_debug(log: logging.Logger) -> bool:
    """Send alsa-lib's messages (``ALSA lib pcm.c:…: underrun occurred``) to ``log.debug`` instead of the
    terminal, for the rest of the process; False where alsa-lib is not installed."""
    if _alsa_handler:
        return True
    try:
        alsa = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
        set_handler = alsa.snd_lib_error_set_handler
    except (OSError, AttributeError):
        return False

    def to_debug(file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None) -> None:
        log.debug("native library: ALSA %s: %s", (function or b"?").decode("utf-8", "replace"),
                  (fmt or b"").decode("utf-8", "replace").strip())

    handler = _ALSA_HANDLER_TYPE(to_debug)
    set_handler.argtypes = [_ALSA_HANDLER_TYPE]
    set_handler(handler)
    _alsa_handler.append(handler)
    return True
