"""The voice loop's heap settings (local_voice/memory.py): glibc takes them here."""

from __future__ import annotations

import platform

import pytest

from local_voice.memory import limit_heaps


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_arena_limit() -> None:
    assert limit_heaps() is True
