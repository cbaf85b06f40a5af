"""Reading and checking ``rituals.yaml``: each ritual's steps, their wordings and recalls, its depth and tone."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from . import wording
from .library import (
    CADENCES,
    GENTLE_TONES,
    MOODS,
    PRESUMED_STATES,
    RECALL_NIGHTS,
    STEP_KINDS,
    THEMES,
    TONES,
    WEEKLY_WORDINGS,
    ContentError,
    Depth,
    Pillar,
    Question,
    Recall,
    RitualKind,
    RitualTemplate,
    StepTemplate,
    TouchPrompt,
    read_yaml,
    wordings_needed,
)
from .reader import _Reader


def load_rituals(
    r: _Reader, touches: Mapping[str, TouchPrompt], questions: Mapping[str, Question]
) -> dict[str, RitualTemplate]:
    """Every ritual of ``rituals.yaml``, checked against the touch prompts and questions it may name."""
    touch_kinds = {t.kind for t in touches.values()}
    items = r.entries("rituals")
    ids = {str(item["id"]) for item in items}
    out: dict[str, RitualTemplate] = {}
    for item in items:
        ritual = out[item["id"]] = _load_ritual(r, item, touch_kinds, ids)
        if unknown := [q for q in ritual.avoid if q not in questions]:
            raise r.fail(ritual.id, f"'avoid' names questions that do not exist: {', '.join(map(str, unknown))}")
        _check_ritual(r, ritual)
    return out


def _load_ritual(r: _Reader, item: Mapping[str, Any], touch_kinds: set[str], ids: Collection[str]) -> RitualTemplate:
    i = item["id"]
    pillars = item.get("pillars")
    if not isinstance(pillars, list) or not pillars:
        raise r.fail(i, "'pillars' must be a non-empty list")
    steps_raw = item.get("steps")
    if not isinstance(steps_raw, list) or len(steps_raw) < 2:
        raise r.fail(i, "'steps' must list at least two steps")
    steps = tuple(_load_step(r, f"{i} step {n + 1}", s, touch_kinds, ids) for n, s in enumerate(steps_raw))
    if steps[-1].kind != "closing":
        raise r.fail(i, "the last step must be a closing")
    fits = item.get("fits") or []
    if not isinstance(fits, list):
        raise r.fail(i, "'fits' must be a list of moods")
    presumes = item.get("presumes")
    avoid = item.get("avoid") or []
    if not isinstance(avoid, list):
        raise r.fail(i, "'avoid' must be a list of question ids")
    return RitualTemplate(
        id=i,
        title=r.text(i, "title", item.get("title")),
        pillars=tuple(Pillar(r.choice(i, "pillars", p, (x.value for x in Pillar))) for p in pillars),
        minutes=r.number(i, "minutes", item.get("minutes"), 2, 30),
        cadence=r.choice(i, "cadence", item.get("cadence", "nightly"), CADENCES),
        needs_touch=bool(item.get("needs_touch", False)),
        steps=steps,
        tone=r.choice(i, "tone", item.get("tone"), TONES),
        depth_range=_depth_range(r, i, item.get("depth")),
        presumes=r.choice(i, "presumes", presumes, PRESUMED_STATES) if presumes is not None else None,
        fits=tuple(r.choice(i, "fits", m, MOODS) for m in fits),
        avoid=tuple(avoid),
        kinds=tuple(str(k) for k in item.get("kinds") or ()),
    )


def _depth_range(r: _Reader, entry: str, raw: Any) -> tuple[Depth, Depth]:
    names = [d.name.lower() for d in Depth]
    if not isinstance(raw, list) or len(raw) != 2 or not all(v in names for v in raw):
        raise r.fail(entry, f"'depth' must be [lowest, highest], each one of {', '.join(names)}; got {raw!r}")
    low, high = Depth.parse(raw[0]), Depth.parse(raw[1])
    if low > high:
        raise r.fail(entry, f"'depth' runs from {raw[0]} up to {raw[1]}: put the lower depth first")
    return low, high


def _check_ritual(r: _Reader, ritual: RitualTemplate) -> None:
    low, high = ritual.depth_range
    if ritual.tone in GENTLE_TONES and high is Depth.DEEPEST:
        raise r.fail(ritual.id, f"a {ritual.tone} ritual never reaches the deepest questions; lower its 'depth'")
    if not ritual.asks_library_questions and low != high:
        raise r.fail(ritual.id, "asks no library question, so its 'depth' is one level: [x, x]")
    if ritual.presumes and not ritual.fits:
        raise r.fail(ritual.id, "presumes a state, so it is never offered at random: list the moods it 'fits'")
    for n, step in enumerate(ritual.steps):
        need = wordings_needed(ritual, step)
        for what, wordings in (("", step.wordings), (" recall", step.recall.wordings if step.recall else ())):
            need = min(need, WEEKLY_WORDINGS) if what else need  # a recall comes at most once a week
            if wordings and len(wordings) < need:
                raise r.fail(f"{ritual.id} step {n + 1}{what}", f"has {len(wordings)} wording(s); a {ritual.cadence} "
                             f"ritual's {step.kind} needs {need}, so a couple does not hear the same words "
                             "every time it comes")


def _load_step(r: _Reader, entry: str, raw: Any, touch_kinds: set[str], rituals: Collection[str]
               ) -> StepTemplate:
    if not isinstance(raw, dict):
        raise r.fail(entry, "is not a mapping")
    kind = r.choice(entry, "kind", raw.get("kind"), STEP_KINDS)
    if kind == "question":
        theme, prompt = raw.get("theme"), raw.get("prompt")
        if theme is not None and prompt is not None:
            raise r.fail(entry, "a question step has either 'theme' or 'prompt', not both")
        step = StepTemplate(
            kind,
            theme=r.choice(entry, "theme", theme, THEMES) if theme is not None else None,
            wordings=_wordings(r, entry, "prompt", prompt) if prompt is not None else (),
        )
        step = replace(step, recall=_recall(r, entry, "prompt", raw.get("recall"), rituals, step))
        if joint := [w for w in step.all_wordings if wording.JOINT.match(w)]:
            raise r.fail(entry, f"the two of you do this together: make it a 'task' step with 'text' ({joint[0]!r})")
        return step
    if kind == "touch":
        touch_kind = raw.get("touch_kind")
        if touch_kind is not None and touch_kind not in touch_kinds:
            raise r.fail(entry, f"no touch prompt has kind {touch_kind!r}")
        return StepTemplate(kind, touch_kind=touch_kind)
    step = StepTemplate(
        kind,
        wordings=_wordings(r, entry, "text", raw.get("text")),
        seconds=r.number(entry, "seconds", raw.get("seconds", 0), 0, 120) if kind != "task" else 0,
    )
    step = replace(step, recall=_recall(r, entry, "text", raw.get("recall"), rituals, step))
    if kind == "task" and (asked := [w for w in step.all_wordings if w.endswith("?")]):
        raise r.fail(entry, f"a task is something to do together, not a question to answer in turn ({asked[0]!r})")
    return step


def _wordings(r: _Reader, entry: str, field: str, raw: Any) -> tuple[str, ...]:
    """A line in one wording (text) or several (a list of texts), each checked; no two the same."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise r.fail(entry, f"'{field}' must be non-empty text or a list of wordings")
    texts = tuple(r.text(entry, field, item) for item in items)
    if len(set(texts)) < len(texts):
        raise r.fail(entry, f"'{field}' lists the same wording twice")
    return texts


def _recall(r: _Reader, entry: str, field: str, raw: Any, rituals: Collection[str], step: StepTemplate
            ) -> Recall | None:
    """A step's recalling words: ``{after: [ritual ids], nights: [from, to], <field>: wordings}``."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not step.wordings:
        raise r.fail(entry, f"'recall' is a mapping with after, nights and {field}, on a step with its own {field}")
    after = raw.get("after")
    if not isinstance(after, list) or not after or any(a not in rituals for a in after):
        raise r.fail(entry, f"'recall' needs 'after': a list of ritual ids, got {after!r}")
    nights = raw.get("nights")
    if not (isinstance(nights, list) and len(nights) == 2 and all(isinstance(n, int) for n in nights)
            and 1 <= nights[0] <= nights[1] <= RECALL_NIGHTS):
        raise r.fail(entry, f"'recall' needs 'nights': [from, to], from 1 to {RECALL_NIGHTS}, got {nights!r}")
    return Recall(tuple(after), (nights[0], nights[1]), _wordings(r, f"{entry} recall", field, raw.get(field)))


def load_kinds(r: _Reader) -> dict[str, RitualKind]:
    """The kinds a couple can ask for (``kinds:`` beside ``rituals:``)."""
    raw = read_yaml(r.path).get("kinds")
    if not isinstance(raw, dict) or not raw:
        raise ContentError(f"{r.path.name}: expected a top-level mapping 'kinds' (id: {{said: ...}})")
    out: dict[str, RitualKind] = {}
    for i, item in raw.items():
        if not isinstance(item, dict):
            raise r.fail(str(i), "a kind is a mapping with 'said'")
        steps = {
            key: r.choice(str(i), key, item[key], STEP_KINDS) if item.get(key) is not None else None
            for key in ("only", "without")
        }
        out[str(i)] = RitualKind(str(i), r.text(str(i), "said", item.get("said")), steps["only"], steps["without"])
    return out


def check_kinds(r: _Reader, kinds: Mapping[str, RitualKind], rituals: Mapping[str, RitualTemplate]) -> None:
    """Every kind names rituals that are what it says, and every ritual offered unasked has a kind, so each
    can be reached by asking."""
    for ritual in rituals.values():
        if unknown := [k for k in ritual.kinds if k not in kinds]:
            raise r.fail(ritual.id, f"'kinds' names kinds that are not declared: {', '.join(unknown)}")
        if not ritual.kinds and ritual.presumes is None:
            raise r.fail(ritual.id, "list its 'kinds', so that a couple can ask for it")
        for kind in (kinds[k] for k in ritual.kinds):
            asks = {s.kind for s in ritual.steps if s.kind in ("question", "task", "touch")}
            if kind.only and asks != {kind.only}:
                raise r.fail(ritual.id, f"is of kind {kind.id!r}, so it asks nothing but {kind.only}")
            if kind.without and kind.without in {s.kind for s in ritual.steps}:
                raise r.fail(ritual.id, f"is of kind {kind.id!r}, so it holds no {kind.without} step")
    for kind in kinds.values():
        if not any(kind.id in ritual.kinds for ritual in rituals.values()):
            raise ContentError(f"{r.path.name}: kind {kind.id!r}: no ritual is of this kind")
