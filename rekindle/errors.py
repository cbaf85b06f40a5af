"""Errors the command line reports as one clear line, without a stack trace."""

from __future__ import annotations

# Top-level modules of the voice extra (pip install 'rekindle[voice]'): a core install lacks them.
VOICE_MODULES = frozenset({"numpy", "pocketsphinx", "vosk", "sounddevice", "pyttsx3"})


class UserError(Exception):
    """A problem the user can fix (bad option, missing device, wrong setting)."""


def missing_extra(exc: ImportError) -> UserError | None:
    """The install command for a library of an optional extra that is not installed, else None."""
    name = (exc.name or "").split(".")[0]
    if name in VOICE_MODULES:
        return UserError(f"Voice needs the voice extra ({name} is missing): pip install 'rekindle[voice]'. "
                         "Or type instead: rekindle talk --text")
    return None
