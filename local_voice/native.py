"""Keeping C libraries' chatter off the terminal (PortAudio retrying a device, Kaldi refusing a model).

PortAudio and ALSA print several lines to file descriptor 2 every time a
device cannot be opened; while Rekindle waits for a vanished microphone that
would flood the screen. :func:`native_stderr_to_debug` collects what is
written to descriptor 2 meanwhile and logs it at debug level instead.
"""

from __future__ import annotations

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
