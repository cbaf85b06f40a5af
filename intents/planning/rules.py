"""How tonight is chosen, rule by rule: each rule is one small function saying why it exists.

The :class:`~intents.planning.planner.Planner` runs the lists at the end of this module in order. A filter
narrows the candidates; a soft one yields when it would leave fewer than it needs (the evening still gets a
ritual), a hard one never yields. Weights multiply. To change how tonight is chosen, change a rule or a list
here: adding a filter or a weight is one function and one line.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, timedelta

from ..content import RECALL_NIGHTS, Depth, Question, RitualTemplate, TouchPrompt
from .facts import Ask, Evening, Filter

WEEKLY_DAY = 6  # Sunday: weekly rituals are offered then when one is due
FRESH_GAP_DAYS = 3  # a ritual done in the last two nights waits while others are available
GAP_WEIGHT_CAP = 14
SUITED_WEIGHT = 4  # a ritual whose depth range holds tonight's depth is this much likelier than one that doesn't
RANDOM_THEMES_EXCLUDE = ("repair",)  # a question of any theme never reaches for old hurts at random
LENGTHS = (5, 10, 20)  # the lengths a couple can choose, shortest first
LONGER_DAY = 5  # Saturday: no early start the morning after, so a longer evening may be offered
LONGER_EVERY_NIGHTS = 14  # ... at most once a fortnight, counting an evening turned down
SHORT_DAYS = (0, 1, 2, 3)  # Monday to Thursday nights: a working day follows
SHORT_EVERY_NIGHTS = 7  # a short night at most once a week

# ----- which rituals may be offered -------------------------------------------------------------------------
def offered_unasked(ritual: RitualTemplate, evening: Evening) -> bool:
    """Rituals are offered unasked only if they are nightly or weekly and presume nothing: an on-request one
    waits to be asked for, and one that assumes a hard day, a distant week or tension waits for that mood."""
    return ritual.cadence != "on_request" and ritual.presumes is None


def touch_allowed(ritual: RitualTemplate, evening: Evening) -> bool:
    """A ritual that needs touch is never offered on a night touch rests (turned off, or "not tonight")."""
    return evening.preferences.touch_on(evening.night) or not ritual.needs_touch


def fits_length(ritual: RitualTemplate, evening: Evening) -> bool:
    """The length the couple chose (5, 10 or 20 minutes) decides which rituals fit."""
    return length_fits(ritual, evening.length)


def weekly_due(ritual: RitualTemplate, evening: Evening) -> bool:
    """On the weekly day, a weekly ritual not done for a week comes before the nightly ones."""
    return evening.night.weekday() == WEEKLY_DAY and ritual.cadence == "weekly" and evening.nights_since(ritual) >= 7


def nightly(ritual: RitualTemplate, evening: Evening) -> bool:
    """Other nights offer nightly rituals; weekly ones keep their day."""
    return ritual.cadence == "nightly"


def starts_gently(ritual: RitualTemplate, evening: Evening) -> bool:
    """Never a ritual that starts deeper than tonight may go."""
    return ritual.depth_range[0] <= evening.depth


def rested(ritual: RitualTemplate, evening: Evening) -> bool:
    """A ritual done in the last two nights waits, as long as at least two others are ready."""
    return evening.nights_since(ritual) >= FRESH_GAP_DAYS


def not_last_night(ritual: RitualTemplate, evening: Evening) -> bool:
    """Failing that, at least not last night's ritual again."""
    return evening.nights_since(ritual) >= 2


def least_recent(rituals: Sequence[RitualTemplate], evening: Evening) -> list[RitualTemplate]:
    """Rituals not done for a long while come before recent ones, so over weeks the couple meets the whole
    library: those not done in the nights a household keeps (never, or not for two months) first, else the half
    done longest ago (at least two, so the order never settles into a fixed cycle)."""
    never = [r for r in rituals if evening.nights_since(r) > RECALL_NIGHTS]
    if never:
        return never
    ranked = sorted((evening.nights_since(r) for r in rituals), reverse=True)
    threshold = ranked[min(max(2, (len(ranked) + 1) // 2), len(ranked)) - 1] if ranked else 0
    return [r for r in rituals if evening.nights_since(r) >= threshold]


def by_nights_since(ritual: RitualTemplate, evening: Evening) -> int:
    """The longer since a ritual was done (up to two weeks), the likelier: no fixed cycle emerges, even when
    only a handful of rituals fit the evening's length."""
    return min(evening.nights_since(ritual), GAP_WEIGHT_CAP)


def by_suited_depth(ritual: RitualTemplate, evening: Evening) -> int:
    """A ritual whose depth range holds tonight's depth is likelier, so deep nights and gentle nights both
    happen; gentler ones stay possible, so a short length is not the same two or three rituals all month."""
    return SUITED_WEIGHT if evening.depth <= ritual.depth_range[1] else 1


def fits_mood(ritual: RitualTemplate, evening: Evening) -> bool:
    """A couple who says how they arrive ("we're tired", "we had a rough day") gets a ritual written for it."""
    return evening.mood in ritual.fits


def nearest_length(rituals: Sequence[RitualTemplate], evening: Evening) -> list[RitualTemplate]:
    """Those as near the chosen length as the rituals at hand allow (any that fits counts as no distance)."""
    def distance(ritual: RitualTemplate) -> int:
        minutes = evening.preferences.minutes
        return 0 if length_fits(ritual, minutes) else abs(ritual.minutes - minutes)

    nearest = min((distance(r) for r in rituals), default=0)
    return [r for r in rituals if distance(r) == nearest]


def setting_of(template: RitualTemplate) -> int:
    """The length setting (5, 10 or 20) a ritual belongs to."""
    return next(m for m in LENGTHS if length_fits(template, m))


# ----- how long tonight is ------------------------------------------------------------------------------------
def longer_offered(evening: Evening) -> bool:
    """Now and then a weekend evening has room for more: on a Saturday, for a couple who came this week, when
    nothing longer than their usual was done in the last two weeks and they have not turned a longer evening
    down in that time, a longer ritual is *offered*, with their usual length as the answer to no (never again on
    a night they said no to it)."""
    usual = evening.preferences.minutes
    declined = evening.preferences.longer_declined
    return (evening.night.weekday() == LONGER_DAY and usual < LENGTHS[-1] and bool(evening.lengths_since(7))
            and all(n <= usual for n in evening.lengths_since(LONGER_EVERY_NIGHTS - 1))
            and not (declined and evening.night - declined < timedelta(days=LONGER_EVERY_NIGHTS)))


def short_suits(evening: Evening) -> bool:
    """A weeknight (Monday to Thursday) that is not one of the deepest, after an evening together, is kept short
    at most once a week: a working day follows, a lighter night loses little by it, and the short rituals get
    their turn unasked."""
    return (evening.night.weekday() in SHORT_DAYS and evening.depth < Depth.DEEPEST and evening.run >= 1
            and evening.preferences.minutes > LENGTHS[0]
            and all(n >= evening.preferences.minutes for n in evening.lengths_since(SHORT_EVERY_NIGHTS - 1)))


def tonights_length(evening: Evening) -> tuple[int, bool]:
    """Tonight's length setting, and whether it is a longer evening offered (:func:`longer_offered`) rather
    than simply chosen: one step up on such a Saturday, one step down on a night a short one suits."""
    usual = evening.preferences.minutes
    step = LENGTHS.index(usual) if usual in LENGTHS else 1
    if longer_offered(evening):
        return LENGTHS[step + 1], True
    if short_suits(evening):
        return LENGTHS[step - 1], False
    return usual, False


def length_fits(template: RitualTemplate, minutes: int) -> bool:
    """Whether a ritual suits a 5, 10 or 20 minute evening."""
    if minutes <= 5:
        return template.minutes <= 7
    if minutes <= 10:
        return 8 <= template.minutes <= 14
    return template.minutes >= 15


# ----- which questions and touch prompts ----------------------------------------------------------------------
def within_depth(question: Question, ask: Ask) -> bool:
    """Never a question deeper than tonight, or than the couple's ceiling ("keep it light")."""
    return question.depth <= ask.depth


def no_repair_at_random(question: Question, ask: Ask) -> bool:
    """A step of any theme never reaches for old hurts: repair questions come only when a step asks for them."""
    return ask.theme in RANDOM_THEMES_EXCLUDE or question.theme not in RANDOM_THEMES_EXCLUDE


def not_chosen(item: Question | TouchPrompt, ask: Ask) -> bool:
    """Nothing twice in one night, nor a question that echoes what the ritual itself says."""
    return item.id not in ask.exclude


def of_theme(question: Question, ask: Ask) -> bool:
    """The step's theme, when it names one."""
    return ask.theme is None or question.theme == ask.theme


def of_touch_kind(touch: TouchPrompt, ask: Ask) -> bool:
    """The step's kind of touch (hands, hug...), when it names one."""
    return ask.touch_kind is None or touch.kind == ask.touch_kind


def unused_at_depth(question: Question, ask: Ask) -> bool:
    """Best: a question not used this month, at tonight's depth exactly (so depth rises as planned)."""
    return question.id not in ask.recent and question.depth == ask.depth


def unused(item: Question | TouchPrompt, ask: Ask) -> bool:
    """Next: anything not used in the last 30 nights."""
    return item.id not in ask.recent


# ----- the lists the planner runs, in order -----------------------------------------------------------------
RITUALS_OFFERED: tuple[Filter[RitualTemplate, Evening], ...] = (
    Filter(offered_unasked, hard=True), Filter(touch_allowed, hard=True), Filter(fits_length))
"""Which rituals tonight may offer at all."""
WEEKLY_FIRST: tuple[Filter[RitualTemplate, Evening], ...] = (Filter(weekly_due, hard=True),)
"""Rituals that come first tonight, chosen among alike; none most nights."""
RITUALS_TONIGHT: tuple[Filter[RitualTemplate, Evening], ...] = (
    Filter(nightly), Filter(starts_gently), Filter(rested, at_least=2), Filter(not_last_night))
"""Otherwise, which of the offered rituals suit tonight."""
RITUALS_WAITING: tuple[Callable[[Sequence[RitualTemplate], Evening], list[RitualTemplate]], ...] = (least_recent,)
"""Among those, which have waited longest."""
RITUAL_WEIGHTS: tuple[Callable[[RitualTemplate, Evening], int], ...] = (by_nights_since, by_suited_depth)
"""How much likelier one suitable ritual is than another."""
MOOD_RITUALS: tuple[Filter[RitualTemplate, Evening], ...] = (
    Filter(fits_mood, hard=True), Filter(touch_allowed, hard=True))
"""Which rituals may answer a mood the couple states."""
FRESHNESS: tuple[Filter[RitualTemplate, Evening], ...] = (Filter(rested, at_least=2), Filter(not_last_night))
"""For a ritual chosen to fit a mood, after :func:`nearest_length`: rested ones first."""
MOOD_WEIGHTS: tuple[Callable[[RitualTemplate, Evening], int], ...] = (by_nights_since,)
"""For a ritual chosen to fit a mood: the longer since, the likelier."""

QUESTIONS_ALLOWED: tuple[Filter[Question, Ask], ...] = (
    Filter(within_depth, hard=True), Filter(no_repair_at_random), Filter(not_chosen))
"""Which library questions a step may ask at all."""
QUESTIONS_FOR_STEP: tuple[Filter[Question, Ask], ...] = (Filter(of_theme),)
"""Which of them the step asks for; when its theme is used up this month, an unused question of another
theme beats a repeat."""
QUESTION_PREFERENCES: tuple[Callable[[Question, Ask], bool], ...] = (unused_at_depth, unused)
"""Among those, chosen from the first group that has any; else the one used longest ago."""
TOUCHES_ALLOWED: tuple[Filter[TouchPrompt, Ask], ...] = (Filter(not_chosen),)
TOUCHES_FOR_STEP: tuple[Filter[TouchPrompt, Ask], ...] = (Filter(of_touch_kind),)
TOUCH_PREFERENCES: tuple[Callable[[TouchPrompt, Ask], bool], ...] = (unused,)


def by_freshness(
    rng: random.Random, rituals: Sequence[RitualTemplate], night: date, last_done: Mapping[str, date],
    suited: Collection[str] = (),
) -> RitualTemplate:
    """A ritual not done in the last two nights if there is one, rather those done longer ago (for a choice
    made outside the planner, such as a couple's wish).

    Weighted by nights since each was last done (and :data:`SUITED_WEIGHT` times for the ``suited``
    ones), so no fixed cycle emerges even when only a handful of rituals fit.
    """
    def gap(r: RitualTemplate) -> int:
        return min((night - last_done.get(r.id, date.min)).days, GAP_WEIGHT_CAP)

    fresh = [r for r in rituals if gap(r) >= FRESH_GAP_DAYS]
    pool = fresh if len(fresh) >= 2 else [r for r in rituals if gap(r) >= 2] or list(rituals)
    return rng.choices(pool, weights=[gap(r) * (SUITED_WEIGHT if r.id in suited else 1) for r in pool])[0]
