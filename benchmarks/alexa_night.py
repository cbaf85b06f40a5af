"""Nights on an Echo: how often a couple must say the invocation name, and how often "Alexa, …".

    .venv/bin/python -m benchmarks.alexa_night [--first 2027-01-11] [--nights 14] [--minutes 10]

Walks consecutive nights through the Lambda handler (``skill.lambda_function.make_lambda_handler``, real
request envelopes, a real SQLite store in a temporary folder) while playing both sides of a speaker:

- **The Echo.** Each reply plays for as long as its SSML lasts (words at the renderer's calm pace, every
  ``<break>``, every sound-library clip). While it plays, "Alexa, …" interrupts it and the words reach the
  skill in the same session. After it, with the session open, the microphone listens about 8 s; whatever
  is heard there reaches the skill (partners still talking arrive as ``AMAZON.FallbackIntent``). Nothing
  heard: the reprompt plays, 8 s more, then Alexa ends the session (``EXCEEDED_MAX_REPROMPTS``). With the
  session closed, only "Alexa, tell nightly ritual …" or "Alexa, open nightly ritual" reach the skill;
  "Alexa, next" alone does not (a lost command).
- **A cooperative couple** who do only what the replies say: they answer a question in about 90 s each,
  do a task together in about 3 minutes, linger quietly about 30 s after a touch moment (each within
  ±20 %, seeded by the night), say yes to every offer, answer the check-in with one of the moods it
  offers, and signal the end of each step the way the reply last taught: bare ("say next") in Alexa's
  window, "Alexa, next" while a reply plays, "Alexa, tell nightly ritual next" once the session is over.
  What they say is matched to an intent by the model's own matcher (``intents.understanding``).

Per night it prints the ritual, the times the invocation name is said (the opening included) and how many
of those are re-invocations, the times "Alexa, …" is said inside a session, words said in Alexa's window,
commands lost, the minutes from opening to the close, and whether the ritual finished (in the store's
history). Exits non-zero when a night does not finish or a command is lost. ``--json`` prints the nights
as JSON instead.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from intents import Preferences, Rekindle, SqliteStore
from intents.dialogue import Phase, SessionState, phase_of
from intents.household import Household, HouseholdChange
from intents.understanding import IntentMatcher
from skill.lambda_function import make_lambda_handler
from skill.ssml import CUE_SOUNDS, speech_seconds
from skill.turns import STATE_KEY

SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
USER_ID = "amzn1.ask.account.BENCHMARKCOUPLE"
FIRST_NIGHT = date(2027, 1, 11)
EVENING = (21, 0)  # the couple opens the skill at 9 p.m. (UTC; the store and planner see that night)
NAMES = ("Sam", "Robin")

WINDOW_SECONDS = 8.0  # Alexa listens about this long after a reply, and again after its reprompt
REACTION_SECONDS = 1.5  # from the end of a reply to a couple's short answer
UTTERANCE_SECONDS = 1.5  # saying "Alexa, next" (or the way back) until the skill's reply starts
ANSWER_SECONDS = 90.0  # one partner's answer to a question
TASK_SECONDS = 180.0  # a task done together
LINGER_SECONDS = 30.0  # lingering after a touch moment (quietly)
SPREAD = 0.2  # each length varies by up to this share, seeded by the night
MAX_REQUESTS = 400  # a night that needs more has gone wrong

CLIP_SECONDS = {sound.src: sound.seconds for sound in CUE_SOUNDS.values()}
SSML_TOKEN = re.compile(r'<break time="(\d+)ms"/>|<audio src="([^"]+)"/>|<[^>]*>|([^<]+)')
WAY_BACK = re.compile(r"say: Alexa, tell [a-z' .]+? (next|resume)\b", re.IGNORECASE)
IN_SESSION = re.compile(r"say: Alexa, (?!tell\b|open\b)([a-z ]+?)[.,!?]", re.IGNORECASE)
BARE = re.compile(r"\bsay (next|resume|yes)\b", re.IGNORECASE)
OFFER_PHASES = frozenset({Phase.OFFER, Phase.RESUME_OFFER, Phase.TOUCH_INVITE, Phase.TOUCH_ASK_AGAIN,
                          Phase.DECLINED, Phase.NAMES_CHECK})
MOODS = ("light", "tired", "a bit tense")


@dataclass(frozen=True)
class Playback:
    """How a reply sounds on the speaker: its length, and when its last words end."""

    seconds: float
    words_end: float

    @classmethod
    def of(cls, ssml: str) -> Playback:
        at = words_end = 0.0
        for match in SSML_TOKEN.finditer(ssml):
            pause, clip, text = match.groups()
            if pause:
                at += int(pause) / 1000
            elif clip:
                at += CLIP_SECONDS.get(clip, 3.0)
            elif text and text.strip():
                at += speech_seconds(text)
                words_end = at
        return cls(at, words_end)


@dataclass
class Night:
    """What one night took."""

    night: str
    ritual: str = ""
    names: int = 0  # times the invocation name was said ("Alexa, open/tell nightly ritual …")
    reinvocations: int = 0  # of those, after the opening
    alexa_in_session: int = 0  # "Alexa, …" said while a reply played, reaching the open session
    window_words: int = 0  # commands said bare in Alexa's window after a reply or its reprompt
    overheard: int = 0  # partners' talk that reached the skill in its window (FallbackIntent)
    timeouts: int = 0  # sessions Alexa ended after an unanswered reprompt
    lost: int = 0  # commands that did not act: "Alexa, next" with no session, or a next that moved nothing
    minutes: float = 0.0
    finished: bool = False
    requests: int = 0
    turn_ms: list[float] = field(default_factory=list)
    most_reads: int = 0  # store reads in any one request
    most_writes: int = 0  # store writes in any one request


@dataclass
class Activity:
    """What the couple is doing at a step: until when, and whether it can be heard."""

    key: tuple[Any, ...]
    ends: float
    talking: bool


class CountingStore:
    """The household store, counting the reads and writes each request makes."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.reads = self.writes = 0

    def load(self, household: str) -> Household:
        self.reads += 1
        return self.store.load(household)

    def save(self, household: str, change: HouseholdChange, base: Household | None = None) -> Household:
        self.writes += 1
        return self.store.save(household, change, base)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


class Echo:
    """The speaker's side: sessions, envelopes and the clock the engine reads."""

    def __init__(self, store: SqliteStore, evening: datetime) -> None:
        self.evening = evening
        self.elapsed = 0.0
        self.store = CountingStore(store)
        self.engine = Rekindle(self.store, clock=lambda: self.evening + timedelta(seconds=self.elapsed),
                               front="alexa")
        self.handler = make_lambda_handler(self.engine, skill_id=SKILL_ID)
        self.session_id = ""
        self.attributes: dict[str, Any] = {}
        self.open = False
        self.turn_ms: list[float] = []
        self.most_reads = self.most_writes = 0

    def send(self, request: dict[str, Any], new_session: bool) -> dict[str, Any]:
        if new_session or not self.open:
            self.session_id, self.attributes = f"amzn1.echo-api.session.{uuid.uuid4()}", {}
            new = True
        else:
            new = False
        envelope = {
            "version": "1.0",
            "session": {"new": new, "sessionId": self.session_id, "application": {"applicationId": SKILL_ID},
                        "attributes": self.attributes, "user": {"userId": USER_ID}},
            "context": {"System": {"application": {"applicationId": SKILL_ID}, "user": {"userId": USER_ID},
                                   "device": {"deviceId": "amzn1.ask.device.BENCHMARK", "supportedInterfaces": {}}}},
            "request": {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "locale": "en-US",
                        "timestamp": (self.evening + timedelta(seconds=self.elapsed)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        **request},
        }
        self.store.reads = self.store.writes = 0
        started = time.perf_counter()
        response: dict[str, Any] = json.loads(json.dumps(self.handler(json.loads(json.dumps(envelope)), None)))
        self.turn_ms.append((time.perf_counter() - started) * 1000)
        self.most_reads = max(self.most_reads, self.store.reads)
        self.most_writes = max(self.most_writes, self.store.writes)
        if request["type"] == "SessionEndedRequest":
            self.open, self.attributes = False, {}
        else:
            self.attributes = dict(response.get("sessionAttributes") or {})
            self.open = response["response"].get("shouldEndSession") is False
        return response


def intent_request(intent: str, slots: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": intent, "confirmationStatus": "NONE"}
    if slots:
        body["slots"] = {name: {"name": name, "value": value, "confirmationStatus": "NONE", "resolutions": {
            "resolutionsPerAuthority": [{"authority": f"amzn1.er-authority.echo-sdk.{SKILL_ID}.{name}",
                                         "status": {"code": "ER_SUCCESS_MATCH"},
                                         "values": [{"value": {"name": value, "id": value}}]}]}}
                         for name, value in slots.items()}
    return {"type": "IntentRequest", "dialogState": "COMPLETED", "intent": body}


def speech(response: dict[str, Any], reprompt: bool = False) -> str:
    """A response's output speech (or its reprompt's) as SSML; empty when it has none."""
    body = response["response"]
    if reprompt:
        body = body.get("reprompt") or {}
    return str((body.get("outputSpeech") or {}).get("ssml", ""))


def words(ssml: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", ssml).replace("&apos;", "'").split())


class Couple:
    """Two partners who do only what the replies say, at their own pace."""

    def __init__(self, night: date, spread: float, answer: float = ANSWER_SECONDS, task: float = TASK_SECONDS,
                 linger: float = LINGER_SECONDS) -> None:
        self.rng = random.Random(f"couple-{night.isoformat()}")
        self.spread = spread
        self.talk = {Phase.QUESTION_FIRST: answer, Phase.QUESTION_SECOND: answer, Phase.TASK: task}
        self.linger = linger
        self.mood = MOODS[night.toordinal() % len(MOODS)]
        self.activity: Activity | None = None
        self.taught: tuple[str, str] = ("bare", "next")  # how the last reply taught them to say they're done

    def about(self, seconds: float) -> float:
        return seconds * (1 + self.rng.uniform(-self.spread, self.spread))

    def learn(self, text: str) -> None:
        """Remember how the reply says to carry on: the way back, "Alexa, next", or a bare word."""
        for kind, pattern in (("way_back", WAY_BACK), ("alexa", IN_SESSION), ("bare", BARE)):
            found = pattern.findall(text)
            if found:
                self.taught = (kind, found[-1].strip().lower())
                return

    def begin(self, state: SessionState | None, phase: Phase | None, starts: float) -> None:
        """A step that hands them the floor: they start on it where the reply's words end."""
        if state is None or phase is None:
            self.activity = None
            return
        key = (state.session_id, state.step, state.part, phase.value)
        if self.activity and self.activity.key == key:
            return  # the same step goes on (a reply to overheard talk, a "go ahead")
        if phase in self.talk:
            self.activity = Activity(key, starts + self.about(self.talk[phase]), True)
        elif phase is Phase.TOUCH_AFTER:
            self.activity = Activity(key, starts + self.about(self.linger), False)
        else:
            self.activity = None

    def answer(self, phase: Phase | None) -> str:
        """What they say to a reply that asks them something (not a step's floor)."""
        if phase is Phase.CHECK_IN:
            return self.mood
        if phase in OFFER_PHASES:
            return "yes"
        return self.taught[1]


def night_walk(store: SqliteStore, night: date, couple: Couple, matcher: IntentMatcher) -> Night:
    """One evening from "Alexa, open nightly ritual" to the ritual's close."""
    evening = datetime(night.year, night.month, night.day, *EVENING, tzinfo=timezone.utc)
    echo, tally = Echo(store, evening), Night(night.isoformat())
    clock = 0.0  # seconds since the opening, when the current reply starts playing

    def say(text: str, new_session: bool = False) -> dict[str, Any]:
        match = matcher.match(text)
        if match is None:
            raise SystemExit(f"the model does not understand {text!r}")
        echo.elapsed = clock
        return echo.send(intent_request(match.intent, dict(match.slots)), new_session)

    def acted(before: dict[str, Any], response: dict[str, Any], text: str) -> None:
        """A "next" that moved nothing, or a reply that did not hear a command, lost it."""
        after = response.get("sessionAttributes", {}).get(STATE_KEY) or {}
        heard = "didn't catch" not in words(speech(response))
        moved = (after.get("step"), after.get("part"), after.get("stage")) != (
            before.get("step"), before.get("part"), before.get("stage"))
        if not heard or (text == "next" and not moved):
            tally.lost += 1

    tally.names += 1
    echo.elapsed = clock
    response = echo.send({"type": "LaunchRequest"}, new_session=True)
    while tally.requests < MAX_REQUESTS:
        tally.requests += 1
        raw = response.get("sessionAttributes", {}).get(STATE_KEY)
        state = SessionState.from_dict(raw) if raw else None
        if state:
            state.left = None  # the couple knows which step they are on, however Alexa's session ended
        phase = phase_of(state) if state else None
        play = Playback.of(speech(response))
        said, reprompt = words(speech(response)), words(speech(response, reprompt=True))
        couple.learn(said)
        couple.begin(state, phase, clock + play.words_end)
        ends = clock + play.seconds
        activity = couple.activity
        if not echo.open:
            if not (state and state.mid_ritual):
                tally.minutes = ends / 60
                break
            kind, word = couple.taught
            clock = max(ends, activity.ends if activity else ends)
            if kind != "way_back":  # "Alexa, next" with no session: Alexa does not pass it on
                tally.lost += 1
                break
            tally.names += 1
            tally.reinvocations += 1
            before = raw or {}
            response = say(word, new_session=True)
            acted(before, response, word)
            continue
        before = raw or {}
        if activity and activity.ends < ends:  # done while the reply plays
            kind, word = couple.taught
            if kind == "alexa":
                clock = activity.ends + UTTERANCE_SECONDS
                tally.alexa_in_session += 1
                response = say(word)
                acted(before, response, word)
                continue
        if activity and activity.ends > ends and activity.talking:  # still talking as the window opens
            clock = ends + REACTION_SECONDS
            tally.overheard += 1
            echo.elapsed = clock
            response = echo.send(intent_request("AMAZON.FallbackIntent", {}), False)
            continue
        ready = max(ends, activity.ends if activity else ends) + REACTION_SECONDS
        window_end = ends + WINDOW_SECONDS
        if ready > window_end:  # quiet past the window: the reprompt, once more, then the session ends
            couple.learn(reprompt)
            reprompted = window_end + speech_seconds(reprompt)
            if ready <= reprompted + WINDOW_SECONDS:
                clock = ready
            else:
                tally.timeouts += 1
                echo.elapsed = reprompted + WINDOW_SECONDS
                echo.send({"type": "SessionEndedRequest", "reason": "EXCEEDED_MAX_REPROMPTS"}, False)
                clock = reprompted + WINDOW_SECONDS
                response = {"response": {"shouldEndSession": True}, "sessionAttributes": {STATE_KEY: raw}}
                couple.activity = activity
                continue
        else:
            clock = ready
        word = couple.answer(phase) if not activity else couple.taught[1]
        tally.window_words += 1
        response = say(word)
        acted(before, response, word)
    record = store.load(USER_ID)
    done = [r for r in record.rituals if r.night == night]
    tally.finished = bool(done)
    tally.ritual = done[-1].ritual_id if done else (state.plan.ritual_id if state else "")
    tally.turn_ms = echo.turn_ms
    tally.most_reads, tally.most_writes = echo.most_reads, echo.most_writes
    return tally


def run(first: date, nights: int, minutes: int | None, spread: float, answer: float = ANSWER_SECONDS,
        task: float = TASK_SECONDS, linger: float = LINGER_SECONDS) -> list[Night]:
    """Walk ``nights`` nights from ``first`` with a couple taking about ``answer``, ``task`` and ``linger``
    seconds (each varying by ``spread``)."""
    matcher = IntentMatcher.for_locale("en-US")
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "nights.db")
        prefs = Preferences(names=NAMES, minutes=minutes) if minutes else Preferences(names=NAMES)
        store.save(USER_ID, HouseholdChange(preferences=prefs))
        days = [first + timedelta(days=n) for n in range(nights)]
        return [night_walk(store, day, Couple(day, spread, answer, task, linger), matcher) for day in days]


def table(results: list[Night]) -> str:
    rows = ["| night | ritual | name said (re-invocations) | \"Alexa, …\" in session | said in the window | "
            "lost | minutes | finished |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for n in results:
        rows.append(f"| {n.night} | {n.ritual} | {n.names} ({n.reinvocations}) | {n.alexa_in_session} | "
                    f"{n.window_words} | {n.lost} | {n.minutes:.1f} | {'yes' if n.finished else 'NO'} |")
    rows.append(f"| all {len(results)} | | {sum(n.names for n in results)} "
                f"({sum(n.reinvocations for n in results)}) | {sum(n.alexa_in_session for n in results)} | "
                f"{sum(n.window_words for n in results)} | {sum(n.lost for n in results)} | "
                f"{sum(n.minutes for n in results):.0f} | {sum(n.finished for n in results)} of {len(results)} |")
    return "\n".join(rows)


def summary(results: list[Night]) -> str:
    turns = sorted(ms for n in results for ms in n.turn_ms)
    most = max(n.reinvocations for n in results)
    median = turns[len(turns) // 2] if turns else 0.0
    reads, writes = max(n.most_reads for n in results), max(n.most_writes for n in results)
    return (f"re-invocations by name: {sum(n.reinvocations for n in results)} in {len(results)} nights, at most "
            f"{most} a night; overheard talk answered in session: {sum(n.overheard for n in results)}; sessions "
            f"timed out: {sum(n.timeouts for n in results)}; {len(turns)} requests, median "
            f"{median:.2f} ms through the Lambda handler (SQLite store included), at most {reads} read and "
            f"{writes} write of the store each")


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alexa_night", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first", type=date.fromisoformat, default=FIRST_NIGHT, help="the first night (%(default)s)")
    parser.add_argument("--nights", type=int, default=14, help="consecutive nights (%(default)s)")
    parser.add_argument("--minutes", type=int, choices=(5, 10, 20), help="ritual length (default: Rekindle's)")
    parser.add_argument("--spread", type=float, default=SPREAD, help="share by which each length varies (%(default)s)")
    parser.add_argument("--answer", type=float, default=ANSWER_SECONDS, help="seconds a partner's answer takes "
                        "(%(default)s)")
    parser.add_argument("--task", type=float, default=TASK_SECONDS, help="seconds a task takes (%(default)s)")
    parser.add_argument("--linger", type=float, default=LINGER_SECONDS, help="seconds of lingering after touch "
                        "(%(default)s)")
    parser.add_argument("--json", action="store_true", help="print the nights as JSON")
    args = parser.parse_args(argv)
    results = run(args.first, args.nights, args.minutes, args.spread, args.answer, args.task, args.linger)
    if args.json:
        out(json.dumps([{k: v for k, v in asdict(n).items() if k != "turn_ms"} for n in results], indent=1))
    else:
        out(table(results))
        out("")
        out(summary(results))
    return 0 if all(n.finished and not n.lost for n in results) else 1


if __name__ == "__main__":
    sys.exit(main())
