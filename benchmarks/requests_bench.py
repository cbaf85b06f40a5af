"""Everyday requests for the night, understood with the right effect, per front.

    .venv/bin/python -m benchmarks.requests_bench [--front text|lambda] [--failures] [--json]

Reads the couple's requests in ``tests/requests/*.yaml`` (each a sentence, the place in the evening it
is said, and the effect it must have) and plays each on a fresh household with a real SQLite store in a
temporary folder, at 9 p.m. on a fixed night after six nights together (five for the check-in):

- **text**: the sentence typed into text mode (the laptop's matcher on ``interaction_models/``, then the
  engine, the state carried as text mode carries it);
- **lambda**: the sentence as Alexa would send it to the Lambda handler (``skill.lambda_function``, real
  request envelopes): the intent and slot ids the interaction model gives it, Amazon's built-in intent
  for one of Amazon's built-in phrases, ``AMAZON.FallbackIntent`` otherwise. Alexa's own understanding
  cannot run here; the model's phrases stand for it. ``verbatim`` counts the sentences that are one of
  the deployed model's samples word for word (with a slot value or synonym in each slot): the ones Alexa
  surely resolves.

A request counts as understood with the right effect when the reply is not "didn't catch that", the
stored preferences are unchanged (or changed as asked, for a lasting request), and its effect holds
(:class:`Effects`). Prints per place and front, and with ``--failures`` every miss with the reply.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

import yaml

from benchmarks.alexa_night import intent_request, words
from intents import Rekindle, SqliteStore
from intents.commands import Command, CommandKind
from intents.content import Depth
from intents.dialogue import SessionState, Stage, phase_of
from intents.household import CompletedRitual, HouseholdChange, Preferences, StepRecord
from intents.understanding import IntentMatcher, command_for_intent, normalise
from skill.lambda_function import make_lambda_handler
from skill.turns import STATE_KEY
from text_mode import render_text

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = ROOT / "tests" / "requests"
BUILTIN_PHRASES = ROOT / "tests" / "builtin_phrases" / "en.yaml"
HOUSEHOLD = "requests-bench"
NIGHT = date(2027, 3, 10)  # a Wednesday: no weekly ritual is due
EVENING = datetime(2027, 3, 10, 21, 0, tzinfo=timezone.utc)
# The six nights before: the couple's usual (done most) is memory-lane.
PAST = ("dreams-together", "memory-lane", "appreciation-exchange", "memory-lane", "tiny-date", "memory-lane")
SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-555555555555"
USER_ID = "amzn1.ask.account.REQUESTSBENCH"
DIDNT_CATCH = "didn't catch"
LASTING_WORDS = ("from now on", "every night", "each night")
MINUTES = re.compile(r"\bminutes?\b")
PROMPT_PHASES = ("question_first", "task", "touch_invite")
MAX_TURNS = 40


@dataclass(frozen=True)
class Request:
    """One sentence, where it is said, and what it must do."""

    say: str
    at: str
    want: str
    effect: Mapping[str, Any]
    file: str


@dataclass
class Result:
    request: Request
    front: str
    understood: bool  # the front took it as some request (not "didn't catch that")
    ok: bool  # understood, with the right effect
    why: str = ""
    reply: str = ""
    verbatim: bool | None = None  # Lambda only: a sample of the deployed model word for word


def load_requests(folder: Path = REQUESTS) -> tuple[list[Request], dict[str, dict[str, Any]]]:
    """Every request in ``folder``, and the places inside a ritual (``places:``) they name."""
    requests: list[Request] = []
    places: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        places.update(data.get("places") or {})
        for entry in data["requests"]:
            for sentence in entry["say"]:
                requests.append(Request(str(sentence), str(entry["at"]), str(entry["want"]),
                                        dict(entry["effect"]), path.name))
    return requests, places


# ----- the fronts ----------------------------------------------------------------------------------
@dataclass
class Said:
    """What a front made of one turn."""

    reply: str
    state: dict[str, Any]
    understood: bool
    verbatim: bool | None = None


class Front(Protocol):
    name: str

    def open(self) -> Said: ...
    def say(self, text: str) -> Said: ...
    def carry(self, state: dict[str, Any]) -> None: ...


class TextFront:
    """Text mode: the laptop's matcher, then the engine; the state carried between lines."""

    name = "text"

    def __init__(self, engine: Rekindle, matcher: IntentMatcher) -> None:
        self.engine, self.matcher = engine, matcher
        self.state: dict[str, Any] | None = None

    def open(self) -> Said:
        return self._turn(Command(CommandKind.OPEN), True)

    def say(self, text: str) -> Said:
        match = self.matcher.match(text)
        command = command_for_intent(match.intent, match.slots) if match else Command(CommandKind.UNKNOWN)
        return self._turn(command, command.kind is not CommandKind.UNKNOWN)

    def carry(self, state: dict[str, Any]) -> None:
        self.state = state

    def _turn(self, command: Command, understood: bool) -> Said:
        turn = self.engine.handle(HOUSEHOLD, command, None if command.kind is CommandKind.OPEN else self.state)
        self.state = turn.state
        return Said(render_text(turn.reply), turn.state, understood)


class AlexaUnderstanding:
    """What Alexa would send for a sentence: the model's intent and slot ids, a built-in, or fallback."""

    def __init__(self, matcher: IntentMatcher, model: Mapping[str, Any]) -> None:
        self.matcher = matcher
        builtins = yaml.safe_load(BUILTIN_PHRASES.read_text(encoding="utf-8"))
        self.builtins = {normalise(p): name for name, text in builtins.items() for p in str(text).splitlines()
                         if p.strip()}
        self.samples = model_phrases(model)

    def resolve(self, text: str) -> tuple[str, dict[str, str], bool]:
        said = normalise(text)
        match = self.matcher.match(text)
        if match is not None:
            return match.intent, dict(match.slots), said in self.samples
        if said in self.builtins:
            return self.builtins[said], {}, True
        return "AMAZON.FallbackIntent", {}, False


def model_phrases(model: Mapping[str, Any]) -> set[str]:
    """Every sample of an Alexa model with each slot filled by each value and synonym of its type."""
    lm = model["interactionModel"]["languageModel"]
    forms = {t["name"]: [normalise(str(s)) for v in t.get("values", [])
                         for s in [v["name"]["value"], *v["name"].get("synonyms", [])]] for t in lm.get("types", [])}
    out: set[str] = set()
    for intent in lm["intents"]:
        types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent.get("samples", []):
            texts = [str(sample).lower()]
            for slot, type_name in types.items():
                if "{" + slot + "}" in texts[0]:  # only the slots this sample holds (an intent may have many)
                    texts = [t.replace("{" + slot + "}", f) for t in texts for f in (forms.get(type_name) or ["x"])]
            out.update(normalise(t) for t in texts)
    return out


class LambdaFront:
    """The Lambda handler with real request envelopes; the state rides in the session attributes."""

    name = "lambda"

    def __init__(self, engine: Rekindle, understanding: AlexaUnderstanding) -> None:
        self.handler = make_lambda_handler(engine, household_of=lambda envelope: HOUSEHOLD, skill_id=SKILL_ID)
        self.understanding = understanding
        self.clock = engine.clock
        self.session_id = ""
        self.attributes: dict[str, Any] = {}

    def open(self) -> Said:
        self.session_id, self.attributes = f"amzn1.echo-api.session.{uuid.uuid4()}", {}
        return self._send({"type": "LaunchRequest"}, new=True, understood=True)

    def say(self, text: str) -> Said:
        intent, slots, verbatim = self.understanding.resolve(text)
        said = self._send(intent_request(intent, slots), new=not self.session_id,
                          understood=intent != "AMAZON.FallbackIntent")
        said.verbatim = verbatim
        return said

    def carry(self, state: dict[str, Any]) -> None:
        self.session_id = self.session_id or f"amzn1.echo-api.session.{uuid.uuid4()}"
        self.attributes = {STATE_KEY: state}

    def _send(self, request: dict[str, Any], new: bool, understood: bool) -> Said:
        envelope = {
            "version": "1.0",
            "session": {"new": new, "sessionId": self.session_id, "application": {"applicationId": SKILL_ID},
                        "attributes": self.attributes, "user": {"userId": USER_ID}},
            "context": {"System": {"application": {"applicationId": SKILL_ID}, "user": {"userId": USER_ID},
                                   "device": {"deviceId": "amzn1.ask.device.REQUESTS", "supportedInterfaces": {}}}},
            "request": {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "locale": "en-US",
                        "timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"), **request},
        }
        response = json.loads(json.dumps(self.handler(json.loads(json.dumps(envelope)), None)))
        self.attributes = dict(response.get("sessionAttributes") or {})
        if response["response"].get("shouldEndSession") is not False:
            self.session_id = ""  # the next words begin a new session ("Alexa, tell nightly ritual ...")
        ssml = str((response["response"].get("outputSpeech") or {}).get("ssml", ""))
        return Said(words(ssml).replace("&amp;", "&"), dict(self.attributes.get(STATE_KEY) or {}), understood)


# ----- the places ---------------------------------------------------------------------------------
@contextmanager
def household(nights: int) -> Iterator[tuple[Rekindle, SqliteStore]]:
    """A fresh store with ``nights`` nights together before tonight, and an engine on tonight's clock."""
    with tempfile.TemporaryDirectory(prefix="rekindle-requests-") as folder:
        store = SqliteStore(Path(folder) / "rekindle.db")
        try:
            for back, ritual in enumerate(reversed(PAST[-nights:]), start=1):
                moment = EVENING - timedelta(days=back)
                done = CompletedRitual(f"past-{back}", ritual, moment.date(), moment, "text", (StepRecord("closing"),))
                store.save(HOUSEHOLD, HouseholdChange(completed=done))
            yield Rekindle(store, clock=lambda: EVENING, front="text"), store
        finally:
            store.close()


def place_state(engine: Rekindle, place: Mapping[str, Any]) -> dict[str, Any]:
    """Tonight's ritual ``place['ritual']``, begun and at the step and part named."""
    record = engine.store.load(HOUSEHOLD)
    plan = engine.planner.plan(HOUSEHOLD, NIGHT, record.preferences, record.rituals, ritual_id=place["ritual"],
                               nights_before=record.nights_before(NIGHT))
    state = SessionState.new(plan, Stage.PAUSED if place.get("paused") else Stage.STEP)
    state.step, state.part = int(place["step"]), int(place.get("part", 0))
    return state.to_dict()


def arrive(front: Front, at: str, places: Mapping[str, Mapping[str, Any]], engine: Rekindle) -> Said:
    """Bring ``front`` to the place ``at``; returns the turn that got there."""
    if at in places:
        state = place_state(engine, places[at])
        front.carry(state)
        return Said("", state, True)
    said = front.open()
    if at == "welcome_back":
        front.say("yes")
        front.say("stop")
        said = front.open()
    expected = {"offer": "offer", "check_in": "check_in", "welcome_back": "resume_offer"}[at]
    phase = phase_of(SessionState.from_dict(said.state)).value
    if phase != expected:
        raise RuntimeError(f"could not reach {at}: the conversation is at {phase}")
    return said


# ----- the effects ----------------------------------------------------------------------------------
class Effects:
    """Checks one request's effect; each check returns "" when it holds, else what went wrong."""

    def __init__(self, engine: Rekindle, before: SessionState, after: SessionState, reply: str,
                 prefs_before: Preferences, prefs_after: Preferences) -> None:
        self.engine, self.content = engine, engine.content
        self.before, self.after, self.reply = before, after, reply
        self.prefs_before, self.prefs_after = prefs_before, prefs_after

    def check(self, effect: Mapping[str, Any]) -> str:
        if DIDNT_CATCH in self.reply.lower():
            return "didn't catch that"
        lasting = effect.get("lasting")
        problem = self.lasting(lasting) if lasting else self.unchanged()
        for key, value in effect.items():
            if problem:
                return problem
            if key != "lasting":
                problem = getattr(self, key)(value)
        return problem

    def unchanged(self) -> str:
        before = {k: v for k, v in self.prefs_before.to_dict().items() if k != "no_touch_night"}
        after = {k: v for k, v in self.prefs_after.to_dict().items() if k != "no_touch_night"}
        return "" if before == after else f"a stored setting changed: {before} -> {after}"

    def lasting(self, want: Mapping[str, Any]) -> str:
        expected = self.prefs_before
        if "minutes" in want:
            expected = expected.with_length(int(want["minutes"]))
        if "depth" in want:
            expected = Preferences.from_dict({**expected.to_dict(), "depth_ceiling": want["depth"]})
        if self.prefs_after.minutes != expected.minutes or self.prefs_after.depth_ceiling != expected.depth_ceiling:
            return f"stored settings {self.prefs_after.to_dict()}, expected {expected.to_dict()}"
        if not any(w in self.reply.lower() for w in LASTING_WORDS):
            return "a lasting change not said to last"
        return ""

    def offer(self, want: Mapping[str, Any]) -> str:
        after, plan = self.after, self.after.plan
        template = self.content.rituals[plan.ritual_id]
        touch_now = phase_of(after).value == "touch_invite" and "touch" in kinds_of(template)
        if after.stage is not Stage.OFFER and not touch_now:
            return f"no offer: the conversation is at {phase_of(after).value}"
        if plan.title.lower() not in self.reply.lower():
            return f"the offer does not say {plan.title!r}"
        lo, hi = want.get("minutes", (0, 999))
        checks = {
            "minutes": lo <= plan.minutes <= hi,
            "kind": want.get("kind") in kinds_of(template),
            "mood": want.get("mood") in template.fits,
            "depth": plan.depth <= Depth.LIGHT,
            "deeper": plan.depth >= Depth.DEEPER,
            "other": plan.ritual_id != self.before.plan.ritual_id,
            "usual": plan.ritual_id == Counter(PAST).most_common(1)[0][0],
        }
        failed = [k for k in want if not checks[k]]
        if failed:
            return f"offered {plan.ritual_id} ({plan.minutes} min, depth {plan.depth.name.lower()}): not {failed}"
        if ("minutes" in want or "depth" in want or "deeper" in want) and "tonight" not in self.reply.lower():
            return "a change for tonight not said to be for tonight"
        return ""

    def time_left(self, _: object) -> str:
        if not MINUTES.search(self.reply.lower()):
            return "no minutes said"
        return self.still()

    def repeat(self, _: object) -> str:
        words = normalise(prompt_text(self.content, self.before)).split()[:6]
        if " ".join(words) not in normalise(self.reply):
            return f"the step's words not said again ({' '.join(words)!r})"
        return self.still()

    def still(self) -> str:
        b, a = self.before, self.after
        if (a.stage, a.step, a.part, a.plan.ritual_id) != (b.stage, b.step, b.part, b.plan.ritual_id):
            return f"moved: {phase_of(b).value} step {b.step} -> {phase_of(a).value} step {a.step}"
        return ""

    def question(self, way: str) -> str:
        b, a = self.before, self.after
        old, new = b.plan.steps[b.step].question_id, a.plan.steps[b.step].question_id
        if way == "easier" and b.current.kind == "question" and not old:  # the ritual's own: kept, and said so
            if "skip" not in self.reply.lower() or a.wish.depth != "light":
                return "the ritual's own question kept without saying so, or later ones not made light"
            return self.still()
        if a.plan.ritual_id != b.plan.ritual_id or a.step != b.step or not new or new == old:
            return "the question was not changed"
        d_old, d_new = self.content.questions[old or ""].depth, self.content.questions[new].depth
        if (way == "easier" and d_new > d_old) or (way == "deeper" and d_new < d_old):
            return f"{way}: from {d_old.name.lower()} to {d_new.name.lower()}"
        return ""

    def touch_out(self, _: object) -> str:
        for state in self.walk_on(self.after):
            if phase_of(state).value == "touch_invite" or (state.current.kind == "touch" and state.part > 0
                                                            and state.step > self.before.step):
                return f"a touch moment still came (step {state.step})"
        return ""

    def end_after_step(self, _: object) -> str:
        for state in self.walk_on(self.after):
            if state.step > self.before.step and phase_of(state).value in PROMPT_PHASES:
                return f"step {state.step} ({state.current.kind}) still came"
        return ""

    def switch(self, _: object) -> str:
        if self.after.plan.ritual_id != self.before.plan.ritual_id:
            return "switched without asking"
        yes = self.engine.handle(HOUSEHOLD, Command(CommandKind.YES), self.after.to_dict())
        moved = SessionState.from_dict(yes.state)
        if moved.plan.ritual_id == self.before.plan.ritual_id:
            return "yes did not move to another ritual"
        return ""

    def walk_on(self, state: SessionState) -> Iterator[SessionState]:
        """The states the ritual passes through from ``state`` when the couple says next (or resume)."""
        current = state
        for _ in range(MAX_TURNS):
            if current.stage in (Stage.FINISHED, Stage.OFFER, Stage.DECLINED):
                return
            kind = CommandKind.RESUME if current.stage is Stage.PAUSED else CommandKind.NEXT
            if phase_of(current).value in ("touch_invite", "touch_ask_again"):
                kind = CommandKind.NO
            turn = self.engine.handle(HOUSEHOLD, Command(kind), current.to_dict())
            current = SessionState.from_dict(turn.state)
            yield current


def kinds_of(template: Any) -> tuple[str, ...]:
    return tuple(getattr(template, "kinds", ()))


def prompt_text(content: Any, state: SessionState) -> str:
    step = state.current
    if step.kind == "question" and step.question_id:
        return str(content.questions[step.question_id].text)
    if step.kind == "touch" and step.touch_id:
        return str(content.touch_prompts[step.touch_id].invite)
    return step.text


# ----- the run ------------------------------------------------------------------------------------
def play(request: Request, places: Mapping[str, Mapping[str, Any]], make_front: Callable[[Rekindle], Front],
         ) -> Result:
    nights = 5 if request.at == "check_in" else 6
    with household(nights) as (engine, store):
        front = make_front(engine)
        try:
            here = arrive(front, request.at, places, engine)
        except RuntimeError as error:
            return Result(request, front.name, False, False, str(error))
        prefs_before = store.load(HOUSEHOLD).preferences
        said = front.say(request.say)
        result = Result(request, front.name, said.understood, False, reply=said.reply, verbatim=said.verbatim)
        if not said.state:
            result.why = "no state came back"
            return result
        effects = Effects(engine, SessionState.from_dict(here.state), SessionState.from_dict(said.state),
                          said.reply, prefs_before, store.load(HOUSEHOLD).preferences)
        result.why = effects.check(request.effect)
        result.ok = not result.why
        result.understood = result.understood and DIDNT_CATCH not in said.reply.lower()
        return result


@dataclass
class Tally:
    ok: int = 0
    understood: int = 0
    total: int = 0
    verbatim: int = 0
    results: list[Result] = field(default_factory=list)


def run(fronts: list[str], only: str | None = None) -> dict[str, dict[str, Tally]]:
    requests, places = load_requests()
    matcher = IntentMatcher.for_locale("en-US")
    from interaction_models import language_model

    understanding = AlexaUnderstanding(matcher, {"interactionModel": {"languageModel": language_model("en-US")}})
    makers: dict[str, Callable[[Rekindle], Front]] = {
        "text": lambda engine: TextFront(engine, matcher),
        "lambda": lambda engine: LambdaFront(engine, understanding),
    }
    out: dict[str, dict[str, Tally]] = {}
    for name in fronts:
        per_place = out.setdefault(name, {})
        for request in requests:
            if only and request.at != only:
                continue
            result = play(request, places, makers[name])
            for key in (group_of(request.at), "all"):
                tally = per_place.setdefault(key, Tally())
                tally.total += 1
                tally.ok += result.ok
                tally.understood += result.understood
                tally.verbatim += bool(result.verbatim)
                tally.results.append(result)
    return out


def group_of(at: str) -> str:
    return "at the offer" if at in ("offer", "check_in", "welcome_back") else "during a ritual"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--front", choices=("text", "lambda"), action="append")
    parser.add_argument("--at", help="only the requests said at this place")
    parser.add_argument("--failures", action="store_true", help="print every miss with its reply")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = run(args.front or ["text", "lambda"], args.at)
    if args.json:
        print(json.dumps({front: {k: {"ok": t.ok, "understood": t.understood, "total": t.total,
                                      "verbatim": t.verbatim} for k, t in places.items()}
                          for front, places in out.items()}, indent=2))
        return 0
    for front, groups in out.items():
        for key in ("at the offer", "during a ritual", "all"):
            t = groups.get(key)
            if t is None:
                continue
            extra = f"; verbatim samples {t.verbatim}" if front == "lambda" else ""
            print(f"{front:7} {key:16} right effect {t.ok:3}/{t.total:<3} ({100 * t.ok / t.total:5.1f} %); "
                  f"understood {t.understood}{extra}")
        if args.failures:
            for r in groups["all"].results:
                if not r.ok:
                    print(f"   x [{r.request.at}] {r.request.say!r}: {r.why}\n       {r.reply[:220]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
