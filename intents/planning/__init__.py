"""Choosing tonight: which ritual, how deep, which questions and touch prompts, and whether the opening asks
how the couple arrives. A pure function of the household, the night, its preferences and its history.

- :mod:`.plan`: tonight's plan as data (:class:`TonightPlan`), which evening a moment belongs to, seeded chance;
- :mod:`.planner`: the :class:`Planner` that chooses, by the named filters and weights of :mod:`.rules`;
- :mod:`.check_in`: when the opening asks first.
"""

from .check_in import CHECK_IN_EVERY, check_in_due
from .plan import PlannedStep, TonightPlan, night_of, seeded_random
from .planner import QUESTION_ONLY, TOUCH_ONLY, Planner
from .rules import length_fits

__all__ = [
    "CHECK_IN_EVERY",
    "QUESTION_ONLY",
    "TOUCH_ONLY",
    "PlannedStep",
    "Planner",
    "TonightPlan",
    "check_in_due",
    "length_fits",
    "night_of",
    "seeded_random",
]
