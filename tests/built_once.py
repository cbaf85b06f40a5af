"""What the tests build once per process and share, read-only: each locale's matcher.

Building a matcher takes about a second of CPU, and nothing changes one after. Test modules that built one at
import did so in every process that collected them (each xdist worker, the audio session, each moment of the
date sweep), whether or not a test of theirs ran; conftest.py's ``matcher`` and ``matcher_for`` fixtures give
the same objects.
"""

from __future__ import annotations

from functools import cache

from intents.understanding import IntentMatcher


@cache
def matcher_for(locale: str = "en-US") -> IntentMatcher:
    """``locale``'s matcher, built at the first call in this process."""
    return IntentMatcher.for_locale(locale)
