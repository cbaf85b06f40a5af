"""The content library: connection questions, touch prompts and ritual templates.

Content is data (YAML files beside this module); this module only reads and
checks it. Every problem is reported as a :class:`ContentError` naming the
file and the entry, so a writer can fix it without reading code.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import wording
from .wording import Line

CONTENT_DIR = Path(__file__).with_name("content")
MAX_UTTERANCE = 300
SPEAKABLE = re.compile(r"^[A-Za-z0-9 .,?!'\-:;]+$")


class ContentError(ValueError):
    """A content file is malformed; the message names the file and the entry."""


class Depth(int, Enum):
    LIGHT = 1
    DEEPER = 2
    DEEPEST = 3

    @classmethod
    def parse(cls, value: str) -> Depth:
        return cls[value.strip().upper()]


class Pillar(str, Enum):
    EMOTIONAL_INTELLIGENCE = "emotional_intelligence"
    SEXUAL_FITNESS = "sexual_fitness"


THEMES = (
    "appreciation",
    "needs_and_love_languages",
    "memories",
    "dreams",
    "stress_and_support",
    "physical_closeness",
    "intimacy_needs",
    "repair",
)
TOUCH_KINDS = (
    "holding_hands",
    "hug",
    "forehead",
    "kiss",
    "cuddle",
    "hand_rub",
    "shoulder_rub",
    "slow_dance",
    "breathing",
    "back_to_back",
    "face_touch",
    "other",
)
STEP_KINDS = ("narration", "question", "task", "touch", "reflection", "closing")
"""A question is answered by each partner in turn; a task is done by the two together."""
CADENCES = ("nightly", "weekly", "on_request")
TOUCH_SECONDS = (15, 300)
TONES = ("light", "calm", "warm", "tender")
GENTLE_TONES = ("light", "calm")
"""Tones that never reach the deepest questions."""
PRESUMED_STATES = ("hard_day", "distant_week", "tension")
"""States a ritual may assume about the couple's night; such a ritual is only offered when fitting."""
MOODS = ("light", "tired", "tense", "rough_day", "distant", "reconnect", "repair")
"""How a couple arrives (check-in answers) or what they ask for; rituals declare which they fit."""
REVIEWED_PAIRS = "reviewed_pairs.yaml"
MIN_WORDINGS = 3
"""Wordings every ritual line has (its introduction, narration, tasks, reflections, closing, own questions)."""
WEEKLY_WORDINGS = 5
"""A weekly ritual comes four or five times in a month: one more wording than that keeps any from coming back
within four weeks."""
WEEKLY_POOL = 8
"""A weekly ritual's tasks and own questions are a small pool, to last a season (thirteen weeks) with each
heard once or twice."""
RECALL_NIGHTS = 60
"""A recall looks back at most this far: the nights a household keeps in detail (intents.household)."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml reads the library seven times faster


def read_yaml(path: Path) -> Any:
    """A YAML file's data (safe loading only). Raises OSError or yaml.YAMLError."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


@dataclass(frozen=True)
class Question:
    id: str
    depth: Depth
    theme: str
    pillar: Pillar
    text: str


@dataclass(frozen=True)
class TouchPrompt:
    id: str
    kind: str
    seconds: int
    invite: str
    start: str
    end: str
    halfway: str = ""
    """Said in the middle of the timer, where one gives and then the two swap."""


@dataclass(frozen=True)
class Recall:
    """Words a step says instead when the couple did one of ``after`` a few nights before: a ritual recalls what
    they did, in general terms, never what they said (nothing they say is stored)."""

    after: tuple[str, ...]
    nights: tuple[int, int]
    """How long ago, in nights, the latest of ``after`` was done: from the first to the second, both included."""
    wordings: tuple[str, ...]

    def applies(self, nights_ago: int | None) -> bool:
        return nights_ago is not None and self.nights[0] <= nights_ago <= self.nights[1]


@dataclass(frozen=True)
class StepTemplate:
    """One step of a ritual template; fields apply by ``kind``.

    ``wordings`` are the step's own line (a narration, task, reflection or closing, or a question's prompt) in
    each of its wordings; the first is its first telling, said the first time a couple meets the ritual.
    """

    kind: str
    wordings: tuple[str, ...] = ()
    theme: str | None = None
    touch_kind: str | None = None
    seconds: int = 0
    recall: Recall | None = None

    @property
    def text(self) -> str:
        """The first wording of a narration, task, reflection or closing ("" for questions and touch)."""
        return self.wordings[0] if self.wordings and self.kind != "question" else ""

    @property
    def prompt(self) -> str | None:
        """The first wording of a question the ritual asks itself (None for a library question)."""
        return self.wordings[0] if self.wordings and self.kind == "question" else None

    @property
    def all_wordings(self) -> tuple[str, ...]:
        """Every wording, the recalling ones included."""
        return self.wordings + (self.recall.wordings if self.recall else ())


@dataclass(frozen=True)
class RitualTemplate:
    id: str
    title: str
    pillars: tuple[Pillar, ...]
    minutes: int
    cadence: str
    needs_touch: bool
    steps: tuple[StepTemplate, ...]
    tone: str = "warm"
    depth_range: tuple[Depth, Depth] = (Depth.LIGHT, Depth.DEEPEST)
    presumes: str | None = None
    """A state the ritual assumes (a hard day, a distant week, tension): never chosen at random."""
    fits: tuple[str, ...] = ()
    """Moods the ritual suits when a couple says how they are or asks for something."""
    avoid: tuple[str, ...] = ()
    """Library questions that would echo the ritual's own prompts."""
    kinds: tuple[str, ...] = ()
    """What a couple may call it when they ask for it ("something playful"): ids of :class:`RitualKind`."""

    @property
    def has_touch(self) -> bool:
        return any(s.kind == "touch" for s in self.steps)

    @property
    def asks_library_questions(self) -> bool:
        return any(s.kind == "question" and not s.prompt for s in self.steps)

    def fixed_texts(self) -> tuple[str, ...]:
        """What the ritual itself says in all its wordings, beside the library questions and touch prompts."""
        return tuple(w for s in self.steps for w in s.all_wordings)


@dataclass(frozen=True)
class RitualKind:
    """A kind of ritual a couple can ask for by name, and how Rekindle says it back."""

    id: str
    said: str
    only: str | None = None  # a step kind its rituals ask nothing but ("touch")
    without: str | None = None  # a step kind its rituals never hold


@dataclass(frozen=True)
class ContentLibrary:
    """All content, indexed by id."""

    questions: Mapping[str, Question]
    touch_prompts: Mapping[str, TouchPrompt]
    rituals: Mapping[str, RitualTemplate]
    kinds: Mapping[str, RitualKind] = dataclasses.field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Sizes of the library, as printed by ``rekindle content --json``."""
        by_depth = {d.name.lower(): 0 for d in Depth}
        for q in self.questions.values():
            by_depth[q.depth.name.lower()] += 1
        return {
            "questions": len(self.questions),
            "touch_prompts": len(self.touch_prompts),
            "rituals": len(self.rituals),
            "nightly_rituals": sum(r.cadence == "nightly" for r in self.rituals.values()),
            "weekly_rituals": sum(r.cadence == "weekly" for r in self.rituals.values()),
            **{f"questions_{k}": v for k, v in by_depth.items()},
        }


class _Reader:
    """Reads one file's entries, raising errors that name file and entry."""

    def __init__(self, path: Path, forbidden: Iterable[str], guide_voice: bool = False) -> None:
        self.path = path
        self.guide_voice = guide_voice  # content the couple hears as questions, tasks and invitations
        words = sorted(forbidden, key=len, reverse=True)  # the longest first: "turns you on" before "turn on"
        # One pattern for the whole list: a line is searched once, not once per word.
        self.forbidden = re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\b", re.IGNORECASE) if words else None

    def fail(self, entry: str, problem: str) -> ContentError:
        return ContentError(f"{self.path.name}: entry {entry!r}: {problem}")

    def entries(self, key: str) -> list[dict[str, Any]]:
        try:
            data = read_yaml(self.path)
        except (OSError, yaml.YAMLError) as exc:
            raise ContentError(f"{self.path.name}: cannot read: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise ContentError(f"{self.path.name}: expected a top-level list '{key}'")
        items = data[key]
        seen: set[str] = set()
        for index, item in enumerate(items):
            label = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
            if not isinstance(item, dict):
                raise self.fail(label, "is not a mapping")
            ident = item.get("id")
            if not isinstance(ident, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", ident):
                raise self.fail(label, "needs an id of lowercase letters, digits and dashes")
            if ident in seen:
                raise self.fail(ident, "duplicate id")
            seen.add(ident)
        return list(items)

    def text(self, entry: str, field: str, value: Any, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(entry, f"'{field}' must be non-empty text")
        text: str = " ".join(value.split())
        if len(text) > MAX_UTTERANCE:
            raise self.fail(entry, f"'{field}' is {len(text)} characters; the limit is {MAX_UTTERANCE}")
        if not SPEAKABLE.match(text):
            bad = sorted({c for c in text if not SPEAKABLE.match(c)})
            raise self.fail(entry, f"'{field}' has characters a speech engine would read aloud: {bad}")
        if self.forbidden and (found := self.forbidden.search(text)):
            raise self.fail(entry, f"'{field}' uses forbidden word {found.group(0).lower()!r}")
        if not self.guide_voice:
            return text
        if mine := wording.first_person(text):
            raise self.fail(entry, f"'{field}' speaks as a partner ({', '.join(mine)}); Rekindle is a guide "
                                   "to two people: say 'your partner', 'each other', or frame a quotation "
                                   "with 'Ask each other:'")
        if wording.SKIP.search(text):
            raise self.fail(entry, f"'{field}' teaches 'skip', which Alexa hears as next; teach 'no'")
        return text

    def choice(self, entry: str, field: str, value: Any, options: Iterable[str]) -> str:
        options = tuple(options)
        if value not in options:
            raise self.fail(entry, f"'{field}' is {value!r}; expected one of {', '.join(options)}")
        return str(value)

    def number(self, entry: str, field: str, value: Any, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(entry, f"'{field}' must be a whole number from {low} to {high}, got {value!r}")
        return value


def load_forbidden(directory: Path = CONTENT_DIR) -> tuple[str, ...]:
    """The forbidden-vocabulary list (explicit, medical and gendered words)."""
    data = read_yaml(directory / "forbidden.yaml")
    words: list[str] = []
    for group in data.values():
        words.extend(str(w) for w in group)
    return tuple(words)


def load_content(directory: Path = CONTENT_DIR) -> ContentLibrary:
    """Load and validate every content file in ``directory``, near-duplicate lint included."""
    forbidden = load_forbidden(directory)
    questions = _load_questions(_Reader(directory / "questions.yaml", forbidden, guide_voice=True))
    touches = _load_touches(_Reader(directory / "touch_prompts.yaml", forbidden, guide_voice=True))
    reader = _Reader(directory / "rituals.yaml", forbidden, guide_voice=True)
    kinds = _load_kinds(reader)
    rituals = _load_rituals(reader, touches, questions)
    _check_kinds(reader, kinds, rituals)
    library = ContentLibrary(questions, touches, rituals, kinds)
    _check_near_duplicates(directory, library)
    return library


def near_duplicate_groups(library: ContentLibrary) -> dict[str, list[Line]]:
    """The lines compared with each other by the near-duplicate lint, by file and field.

    A line's ``where`` is its entry id, with the field or step after a space where an entry has several.
    """
    groups: dict[str, list[Line]] = {
        "questions.yaml": [Line(q.id, q.text) for q in library.questions.values()],
        "rituals.yaml": [Line(line_where(r.id, n, k, recall), text)
                         for r in library.rituals.values() for n, s in enumerate(r.steps)
                         for recall, wordings in ((False, s.wordings), (True, s.recall.wordings if s.recall else ()))
                         for k, text in enumerate(wordings)],
    }
    for field in ("invite", "start", "end"):
        groups[f"touch_prompts.yaml {field}"] = [
            Line(f"{t.id} {field}", getattr(t, field)) for t in library.touch_prompts.values()]
    return groups


def line_where(ritual_id: str, step: int, wording: int, recall: bool = False) -> str:
    """Where a ritual's line lives, for the near-duplicate lint: "memory-lane step 1 wording 2"."""
    return f"{ritual_id} step {step + 1} {'recall' if recall else 'wording'} {wording + 1}"


def load_reviewed_pairs(directory: Path = CONTENT_DIR) -> dict[tuple[str, str], str]:
    """Near-duplicate pairs a writer has read and kept, with the reason each is fine."""
    path = directory / REVIEWED_PAIRS
    try:
        data = read_yaml(path) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read: {exc}") from exc
    pairs: dict[tuple[str, str], str] = {}
    for item in data.get("pairs") or ():
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("a", "b", "why")):
            raise ContentError(f"{path.name}: each pair needs text fields a, b and why: {item!r}")
        pairs[wording.pair_key(item["a"], item["b"])] = item["why"]
    return pairs


def _check_near_duplicates(directory: Path, library: ContentLibrary) -> None:
    reviewed = load_reviewed_pairs(directory)
    found: set[tuple[str, str]] = set()
    for group, lines in near_duplicate_groups(library).items():
        for a, b, score in wording.near_duplicates(lines):
            key = wording.pair_key(a.where, b.where)
            found.add(key)
            if key not in reviewed:
                raise ContentError(
                    f"{group.split(' ')[0]}: entries {a.where!r} and {b.where!r} are near copies "
                    f"(word overlap {score:.2f}): reword one, or list the pair in {REVIEWED_PAIRS} with why")
    if stale := sorted(set(reviewed) - found):
        raise ContentError(f"{REVIEWED_PAIRS}: {' and '.join(stale[0])} are no longer near copies: remove the pair")


@lru_cache(maxsize=1)
def default_content() -> ContentLibrary:
    """The bundled library, loaded once per process."""
    return load_content()


def _load_questions(r: _Reader) -> dict[str, Question]:
    out: dict[str, Question] = {}
    for item in r.entries("questions"):
        i = item["id"]
        depth = r.choice(i, "depth", item.get("depth"), (d.name.lower() for d in Depth))
        out[i] = Question(
            id=i,
            depth=Depth.parse(depth),
            theme=r.choice(i, "theme", item.get("theme"), THEMES),
            pillar=Pillar(r.choice(i, "pillar", item.get("pillar"), (p.value for p in Pillar))),
            text=r.text(i, "text", item.get("text")),
        )
    return out


def _load_touches(r: _Reader) -> dict[str, TouchPrompt]:
    out: dict[str, TouchPrompt] = {}
    for item in r.entries("touch_prompts"):
        i = item["id"]
        t = out[i] = TouchPrompt(
            id=i,
            kind=r.choice(i, "kind", item.get("kind"), TOUCH_KINDS),
            seconds=r.number(i, "seconds", item.get("seconds"), *TOUCH_SECONDS),
            invite=r.text(i, "invite", item.get("invite")),
            start=r.text(i, "start", item.get("start")),
            end=r.text(i, "end", item.get("end")),
            halfway=r.text(i, "halfway", item.get("halfway"), required=False),
        )
        _check_touch(r, t)
    return out


def _check_touch(r: _Reader, t: TouchPrompt) -> None:
    """An invitation says who does what, offers no way out of its own, and swaps have a halfway cue."""
    if not re.search(r"\bif\b", t.invite, re.IGNORECASE):
        raise r.fail(t.id, "'invite' must be an invitation, with an 'if' (for example 'If you'd both like')")
    if found := wording.opt_outs(t.invite):
        raise r.fail(t.id, f"'invite' carries its own opt-out ({', '.join(found)}); the engine adds one to "
                           "every invitation")
    if not wording.WHO_ACTS.search(t.invite):
        raise r.fail(t.id, "'invite' must say who acts: 'each other', 'both', 'together', "
                           "or 'one of you... then swap'")
    swaps = bool(wording.SWAP.search(f"{t.invite} {t.start}"))
    if swaps and not t.halfway:
        raise r.fail(t.id, "swaps partway, so it needs a 'halfway' cue")
    if t.halfway and not swaps:
        raise r.fail(t.id, "has a 'halfway' cue but its invite and start never say to swap or take turns")


def _load_rituals(
    r: _Reader, touches: Mapping[str, TouchPrompt], questions: Mapping[str, Question]
) -> dict[str, RitualTemplate]:
    touch_kinds = {t.kind for t in touches.values()}
    out: dict[str, RitualTemplate] = {}
    items = r.entries("rituals")
    ids = {str(item["id"]) for item in items}
    for item in items:
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
        out[i] = RitualTemplate(
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
        if unknown := [q for q in avoid if q not in questions]:
            raise r.fail(i, f"'avoid' names questions that do not exist: {', '.join(map(str, unknown))}")
        _check_ritual(r, out[i])
    return out


def wordings_needed(ritual: RitualTemplate, step: StepTemplate) -> int:
    """How many wordings a ritual's line needs: :data:`MIN_WORDINGS`, or for a weekly ritual
    :data:`WEEKLY_WORDINGS` (:data:`WEEKLY_POOL` for its tasks and own questions)."""
    if ritual.cadence != "weekly":
        return MIN_WORDINGS
    return WEEKLY_POOL if step.kind in ("task", "question") else WEEKLY_WORDINGS


def _load_kinds(r: _Reader) -> dict[str, RitualKind]:
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


def _check_kinds(r: _Reader, kinds: Mapping[str, RitualKind], rituals: Mapping[str, RitualTemplate]) -> None:
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
