"""When tonight's opening asks how the couple arrives, before offering a ritual."""

from __future__ import annotations

from datetime import date

CHECK_IN_EVERY = 3  # the opening asks how a couple arrives on every third night together...
CHECK_IN_AFTER_AWAY = 4  # ...and when they come back after three or more nights away


def check_in_due(night: date, nights_before: int, last_night: date | None) -> bool:
    """Whether tonight's opening asks how the couple arrives before offering a ritual.

    ``nights_before``: nights together before tonight; ``last_night``: the latest of them, if known. Never
    on a couple's first two nights (they are learning the way), then on every third night together (the
    third, sixth, ninth...) and on the first night back after three or more nights away: often enough that
    a tired or tense evening gets a fitting ritual, rarely enough never to become a chore. A couple can say
    how they are ("we're tired", "we had a rough day") at any offer, asked or not.
    """
    if nights_before < CHECK_IN_EVERY - 1:
        return False
    away = (night - last_night).days if last_night else CHECK_IN_AFTER_AWAY
    return nights_before % CHECK_IN_EVERY == CHECK_IN_EVERY - 1 or away >= CHECK_IN_AFTER_AWAY
