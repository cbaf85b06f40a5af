"""Choosing tonight's ritual and its content.

The choice is a pure function of the household, the night, its preferences and
its history *before* tonight (and a mood, when the couple states one), so a
speaker and a laptop in one home offer the same ritual all evening. Content used
in the last 30 days is avoided while unused content remains. Depth rises gently
over the first nights in a row, then breathes: never the deepest two nights
running, never more than half the nights of any four weeks, and always inside
the ritual's own depth range. Rituals that presume a hard day, a distant week or
tension are only chosen for a mood that fits them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TypeVar

from ..content import MOODS, ContentLibrary, Depth, Question, RitualTemplate, TouchPrompt, wording
from ..household import CompletedRitual, Preferences, nights_together
from ..line_choice import WORDING_MEMORY_NIGHTS, choose_line
from . import rules
from .facts import Ask, Evening, narrowed, weight
from .plan import PlannedStep, TonightPlan, seeded_random

REPEAT_WINDOW_DAYS = 30
QUESTION_ONLY = "just-a-question"
TOUCH_ONLY = "just-a-touch"
DEPTH_WINDOW_NIGHTS = 28
MAX_DEEPEST_NIGHTS = DEPTH_WINDOW_NIGHTS // 2  # no more than half the nights of any four weeks
MOOD_DEPTH = {"tired": Depth.LIGHT, "light": Depth.DEEPER, "tense": Depth.DEEPER, "rough_day": Depth.DEEPER}
"""The deepest a night goes when the couple says they arrive tired, light or tense, or had a rough day."""


def consecutive_nights(history: Iterable[CompletedRitual], before: date) -> int:
    """Nights in a row with a ritual, ending the night before ``before``."""
    nights = {r.night for r in history}
    count, day = 0, before - timedelta(days=1)
    while day in nights:
        count += 1
        day -= timedelta(days=1)
    return count


def target_depth(run: int, ceiling: Depth) -> Depth:
    """The deepest a night in a run may go: light for the first two nights in a row, deeper for the
    next two, then deepest (where the depth breathes, see :meth:`Planner.depth_for`)."""
    level = Depth.LIGHT if run < 2 else Depth.DEEPER if run < 4 else Depth.DEEPEST
    return min(level, ceiling)


def clamp_depth(depth: Depth, template: RitualTemplate) -> Depth:
    """``depth`` moved inside the ritual's own range."""
    low, high = template.depth_range
    return max(low, min(high, depth))


class Planner:
    """Chooses tonight's ritual and its content for a household."""

    def __init__(self, content: ContentLibrary) -> None:
        self.content = content
        self._twins: dict[str, frozenset[str]] = {}
        self._rituals = sorted(content.rituals.values(), key=lambda r: r.id)
        self._questions = sorted(content.questions.values(), key=lambda q: q.id)
        self._touches = sorted(content.touch_prompts.values(), key=lambda t: t.id)

    def plan(
        self,
        household: str,
        night: date,
        preferences: Preferences,
        history: Sequence[CompletedRitual],
        ritual_id: str | None = None,
        mood: str | None = None,
        nights_before: int | None = None,
    ) -> TonightPlan:
        """Tonight's plan.

        ``ritual_id`` forces a template (e.g. just a question); ``mood`` (one of
        :data:`intents.content.MOODS`: a check-in answer such as ``tired`` or a
        request such as ``rough_day``) chooses a ritual that fits it. Raises
        ValueError for a mood no ritual knows. ``nights_before`` is the
        household's count of nights together before ``night`` when ``history``
        holds only recent detail (a stored household).
        """
        before = [r for r in history if r.night < night]
        heard = self._recently_used(before, night, since=night - timedelta(days=WORDING_MEMORY_NIGHTS))
        recent = {cid: last for cid, last in heard.items() if last >= night - timedelta(days=REPEAT_WINDOW_DAYS)}
        last_done = {r.ritual_id: r.night for r in before}
        rng = seeded_random(household, night.isoformat(), *([mood] if mood else []))
        target = self.depth_for(household, night, before, preferences.depth_ceiling)
        longer = False
        if ritual_id:
            template = self.content.rituals[ritual_id]
        elif mood:
            template = self.choose_for_mood(household, mood, night, preferences, before)
            target = min(target, MOOD_DEPTH.get(mood, Depth.DEEPEST))
        else:
            evening = Evening(night, preferences, target, last_done, lengths=self.night_lengths(before),
                              run=consecutive_nights(before, night))
            minutes, longer = rules.tonights_length(evening)
            template = self._choose_ritual(rng, replace(evening, minutes=minutes))
            longer = longer and rules.setting_of(template) > preferences.minutes
        depth = min(clamp_depth(target, template), preferences.depth_ceiling)
        chosen: set[str] = set(self.twins_of(template))
        asked: list[Depth] = []
        steps: list[PlannedStep] = []
        for index, step in enumerate(template.steps):
            line = choose_line(night, template.id, index, step, heard, last_done,
                               seeded_random(household, night.isoformat(), template.id, index).random())
            if step.kind == "question":
                if line:
                    steps.append(PlannedStep("question", text=line.text, line_id=line.line_id))
                    continue
                q = self.pick_question(rng, step.theme, depth, recent, chosen, preferences.depth_ceiling)
                chosen.add(q.id)
                asked.append(q.depth)
                steps.append(PlannedStep("question", question_id=q.id, theme=step.theme))
            elif step.kind == "task" and line:
                steps.append(PlannedStep("task", text=line.text, line_id=line.line_id))
            elif step.kind == "touch":
                if not preferences.touch_on(night):
                    continue
                t = self._pick_touch(rng, step.touch_kind, recent, chosen)
                chosen.add(t.id)
                steps.append(PlannedStep("touch", touch_id=t.id, seconds=t.seconds))
            elif line:
                steps.append(PlannedStep(step.kind, text=line.text, seconds=step.seconds, line_id=line.line_id))
        return TonightPlan(
            household=household,
            night=night,
            ritual_id=template.id,
            title=template.title,
            minutes=template.minutes,
            depth=max(asked) if asked else depth,
            first_speaker=(nights_together(list(before)) if nights_before is None else nights_before) % 2,
            steps=tuple(steps),
            longer=longer,
        )

    def _choose_ritual(self, rng: random.Random, evening: Evening) -> RitualTemplate:
        """Tonight's ritual by :mod:`.rules`: a weekly one due comes first; else one that suits tonight, by weight."""
        offered = narrowed(self._rituals, rules.RITUALS_OFFERED, evening)
        first = narrowed(offered, rules.WEEKLY_FIRST, evening)
        if first:
            return rng.choice(first)
        suitable = narrowed(offered, rules.RITUALS_TONIGHT, evening)
        for waiting in rules.RITUALS_WAITING:
            suitable = waiting(suitable, evening) or suitable
        return rng.choices(suitable, weights=[weight(r, rules.RITUAL_WEIGHTS, evening) for r in suitable])[0]

    def choose_for_mood(
        self, household: str, mood: str, night: date, prefs: Preferences, history: Sequence[CompletedRitual]
    ) -> RitualTemplate:
        """A ritual that fits ``mood``, as near the preferred length as the fitting ones allow."""
        if mood not in MOODS:
            raise ValueError(f"No mood called {mood!r}. Known moods: {', '.join(MOODS)}")
        last_done = {r.ritual_id: r.night for r in history if r.night < night}
        evening = Evening(night, prefs, Depth.DEEPEST, last_done, mood)
        fits = narrowed(self._rituals, rules.MOOD_RITUALS, evening)
        if not fits:
            raise ValueError(f"No ritual fits {mood!r} with touch off")
        fresh = narrowed(rules.nearest_length(fits, evening), rules.FRESHNESS, evening)
        rng = seeded_random(household, night.isoformat(), mood)
        return rng.choices(fresh, weights=[weight(r, rules.MOOD_WEIGHTS, evening) for r in fresh])[0]

    def depth_for(self, household: str, night: date, before: Sequence[CompletedRitual], ceiling: Depth) -> Depth:
        """How deep tonight may go before the ritual's own range applies.

        The first nights in a row rise gently (:func:`target_depth`); after that
        the depth breathes: a deepest night is followed by a lighter one, and no
        more than half the nights of any four weeks are at the deepest level.
        """
        run = consecutive_nights(before, night)
        level = target_depth(run, ceiling)
        if level is not Depth.DEEPEST:
            return level
        depths = self.night_depths(before)
        since = night - timedelta(days=DEPTH_WINDOW_NIGHTS - 1)
        deepest = sum(1 for n, d in depths.items() if since <= n < night and d is Depth.DEEPEST)
        rng = seeded_random(household, night.isoformat(), "depth")
        if depths.get(night - timedelta(days=1)) is Depth.DEEPEST or deepest >= MAX_DEEPEST_NIGHTS:
            return rng.choice((Depth.LIGHT, Depth.DEEPER, Depth.DEEPER))
        return rng.choice((Depth.DEEPER, Depth.DEEPEST, Depth.DEEPEST))

    def night_lengths(self, history: Iterable[CompletedRitual]) -> dict[date, int]:
        """The length setting (5, 10 or 20) of each past night: its longest ritual's."""
        out: dict[date, int] = {}
        for ritual in history:
            if template := self.content.rituals.get(ritual.ritual_id):
                out[ritual.night] = max(rules.setting_of(template), out.get(ritual.night, 0))
        return out

    def night_depths(self, history: Iterable[CompletedRitual]) -> dict[date, Depth]:
        """How deep each past night went: its deepest question asked, or its ritual's level if it asked none."""
        out: dict[date, Depth] = {}
        for ritual in history:
            asked = [self.content.questions[c].depth for c in ritual.content_ids if c in self.content.questions]
            template = self.content.rituals.get(ritual.ritual_id)
            level = max(asked) if asked else template.depth_range[0] if template else Depth.LIGHT
            out[ritual.night] = max(level, out.get(ritual.night, Depth.LIGHT))
        return out

    def twins_of(self, template: RitualTemplate) -> frozenset[str]:
        """Library questions that say much what the ritual itself already says, so never follow it."""
        cached = self._twins.get(template.id)
        if cached is None:
            candidates = [(q.id, q.text) for q in self.content.questions.values()]
            found: set[str] = set(template.avoid)
            for text in template.fixed_texts():
                found |= wording.twins(text, candidates)
            cached = self._twins[template.id] = frozenset(found)
        return cached

    def pick_question(
        self,
        rng: random.Random,
        theme: str | None,
        depth: Depth,
        recent: Mapping[str, date],
        exclude: Iterable[str] = (),
        ceiling: Depth = Depth.DEEPEST,
    ) -> Question:
        """A question of ``theme`` at ``depth`` if possible, unused lately if possible, never deeper than
        ``depth`` or ``ceiling``. With no theme, any theme but repair (:mod:`.rules`)."""
        ask = Ask(theme, min(depth, ceiling), recent, frozenset(exclude))
        allowed = narrowed(self._questions, rules.QUESTIONS_ALLOWED, ask)
        return _pick(rng, allowed, narrowed(allowed, rules.QUESTIONS_FOR_STEP, ask), rules.QUESTION_PREFERENCES,
                     ask)

    def _pick_touch(
        self, rng: random.Random, kind: str | None, recent: Mapping[str, date], exclude: set[str]
    ) -> TouchPrompt:
        ask = Ask(None, Depth.DEEPEST, recent, frozenset(exclude), touch_kind=kind)
        allowed = narrowed(self._touches, rules.TOUCHES_ALLOWED, ask)
        return _pick(rng, allowed, narrowed(allowed, rules.TOUCHES_FOR_STEP, ask), rules.TOUCH_PREFERENCES, ask)

    @staticmethod
    def _recently_used(before: Iterable[CompletedRitual], night: date, since: date | None = None) -> dict[str, date]:
        since = night - timedelta(days=REPEAT_WINDOW_DAYS) if since is None else since
        used: dict[str, date] = {}
        for ritual in before:
            if ritual.night >= since:
                for cid in ritual.content_ids:
                    used[cid] = max(used.get(cid, date.min), ritual.night)
        return used

    def recently_used(self, history: Sequence[CompletedRitual], night: date) -> dict[str, date]:
        """Content ids used in the 30 nights before ``night``, with the last night each was used."""
        return self._recently_used([r for r in history if r.night < night], night)


Item = TypeVar("Item", Question, TouchPrompt)


def _pick(rng: random.Random, allowed: Sequence[Item], for_step: Sequence[Item],
          preferences: Sequence[Callable[[Item, Ask], bool]], ask: Ask) -> Item:
    """At random from the first preference group that has any, trying what the step asks for before anything
    allowed; if every one was used lately, the one used longest ago."""
    for pool in (for_step, allowed):
        for prefer in preferences:
            group = [item for item in pool if prefer(item, ask)]
            if group:
                return rng.choice(group)
    return min(for_step, key=lambda item: (ask.recent.get(item.id, date.min), item.id))
