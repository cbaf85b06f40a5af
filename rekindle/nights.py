"""``--date``: a night given on the command line, checked before anything runs."""

from __future__ import annotations

from datetime import date

from .errors import UserError

# Planning looks back a month and a night runs into the small hours, so the ends of Python's
# calendar cannot be nights; these bounds leave room on both sides.
FIRST_NIGHT = date(1900, 1, 1)
LAST_NIGHT = date(9998, 12, 31)


def parse_night(text: str) -> date:
    """A night as YYYY-MM-DD, or a UserError saying what is accepted."""
    try:
        night = date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--date {text!r} is not a date like 2026-11-25.") from None
    if not FIRST_NIGHT <= night <= LAST_NIGHT:
        raise UserError(f"--date {text} is out of range: choose a night between {FIRST_NIGHT} and {LAST_NIGHT}.")
    return night
