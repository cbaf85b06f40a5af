"""Every way a couple can talk to Rekindle, behind one small protocol, so one runner plays the goldens.

A :class:`Front` plays a golden transcript (``tests/golden/*.yaml``) the way that front hears a couple
and checks every reply with :meth:`Golden.check`: straight through the engine, typed in text mode,
through the Lambda handler, as signed HTTP requests to the self-hosted skill, and through the laptop's
voice loop. ``tests/test_goldens.py`` runs every golden through every front.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests
from golden_transcripts import Golden, GoldenTurn
from test_alexa_helpers import SKILL_ID, LiveServer, Pki, run_golden

from intents import Rekindle, SqliteStore, command_for_intent
from intents.commands import Command, CommandKind
from intents.content.phrases import Phrases
from intents.engine import Turn
from intents.replies import Reply
from intents.understanding import IntentMatcher
from rekindle import config
from skill.envelope import one_household
from skill.handlers import build_skill
from skill.lambda_function import make_lambda_handler
from skill.verification import request_verifiers
from skill.web import create_app
from text_mode import TextConversation, render_text


class Front(Protocol):
    """One way in to the engine: plays a golden transcript, with its store in ``folder``, and checks it."""

    name: str

    def play(self, golden: Golden, folder: Path) -> None: ...


def sessions(golden: Golden) -> list[list[tuple[int, GoldenTurn]]]:
    """The turns every front plays, split where the couple opens Rekindle again."""
    split: list[list[tuple[int, GoldenTurn]]] = []
    for index, turn in golden.shared_turns():
        if turn.is_open or not split:
            split.append([])
        split[-1].append((index, turn))
    return split


@dataclass
class EngineFront:
    """Intent names turned into commands and handed to :meth:`Rekindle.handle`, the state carried over."""

    phrases: Phrases | None = None
    name: str = "engine"

    def play(self, golden: Golden, folder: Path) -> None:
        store = SqliteStore(folder / "golden.db")
        golden.seed(store)
        engine = Rekindle(store, phrases=self.phrases, clock=lambda: golden.now, ritual=golden.ritual)
        state = None
        for index, turn in golden.shared_turns():
            if turn.is_open:
                command, state = Command(CommandKind.OPEN), None
            else:
                assert turn.intent
                command = command_for_intent(turn.intent, turn.slots)
            result = engine.handle(golden.household, command, state)
            golden.check(index, result.reply.text, result.reply.end_session)
            state = result.state
        store.close()


class _Recorded:
    """The engine, with every reply it gives kept, so a front that shows replies its own way can be checked."""

    def __init__(self, engine: Rekindle) -> None:
        self.engine, self.replies = engine, list[Reply]()

    def handle(self, household: str, command: Command, state: Any = None) -> Turn:
        turn = self.engine.handle(household, command, state)
        self.replies.append(turn.reply)
        return turn


@dataclass
class TextFront:
    """``rekindle talk --text``: each session's lines typed into a :class:`TextConversation`, which
    understands them itself (the interaction-model matcher) and prints each reply."""

    matcher: IntentMatcher
    name: str = "text"

    def play(self, golden: Golden, folder: Path) -> None:
        store = SqliteStore(folder / "golden.db")
        golden.seed(store)
        engine = _Recorded(Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual, front="text"))
        for session in sessions(golden):
            assert session[0][1].is_open, f"{golden.name}: a text session starts by opening"
            lines = [f"{turn.say}\n" for _, turn in session[1:]]
            out, before = io.StringIO(), len(engine.replies)
            TextConversation(engine, golden.household, lines, out, self.matcher).run()  # type: ignore[arg-type]
            replies = engine.replies[before:]
            assert len(replies) == len(session), (
                f"{golden.name}: {len(session)} turns typed, {len(replies)} replies: {out.getvalue()}")
            for (index, _), reply in zip(session, replies, strict=True):
                shown = render_text(reply)
                assert f"Rekindle: {shown}\n" in out.getvalue(), f"{golden.name}: {shown!r} was not shown"
                golden.check(index, shown, reply.end_session)
        store.close()


@dataclass
class LambdaFront:
    """Real Alexa request envelopes through the Lambda handler."""

    name: str = "lambda"

    def play(self, golden: Golden, folder: Path) -> None:
        store = SqliteStore(folder / "golden.db")
        golden.seed(store)
        engine = Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual, front="alexa")
        handler = make_lambda_handler(engine, skill_id=SKILL_ID)
        run_golden(golden, lambda event: handler(event, None), user_id=golden.household)
        store.close()


@contextmanager
def signed_endpoint(engine: Rekindle, pki: Pki, household: str) -> Iterator[Callable[[dict[str, Any]], Any]]:
    """The self-hosted skill for one household under waitress; yields a function that posts signed events."""
    skill = build_skill(engine, one_household(household), SKILL_ID)
    verifiers = request_verifiers(SKILL_ID, roots=[pki.root], fetch=lambda _url: pki.chain_pem)
    with LiveServer(create_app(skill, verifiers, SKILL_ID)) as server, requests.Session() as http:
        def send(event: dict[str, Any]) -> Any:
            body = json.dumps(event).encode()
            response = http.post(server.url + "/alexa", data=body, headers=pki.headers(body), timeout=10)
            assert response.status_code == 200, response.text
            return response.json()

        yield send


@dataclass
class WebFront:
    """Signed HTTP requests to the self-hosted skill, on the laptop's own store (``rekindle serve``)."""

    pki: Pki
    name: str = "http"

    def play(self, golden: Golden, folder: Path) -> None:
        store = config.open_store()
        golden.seed(store)
        engine = Rekindle(store, clock=lambda: golden.now, ritual=golden.ritual, front="alexa")
        with signed_endpoint(engine, self.pki, golden.household) as send:
            run_golden(golden, send)


@dataclass
class VoiceLoopFront:
    """The laptop's :class:`~local_voice.loop.VoiceLoop`; ``utterance_of`` turns what is said into what the
    ``recogniser`` hears (UTF-8 text for a perfect recogniser, synthesised speech for a real one)."""

    recogniser: Any
    matcher: IntentMatcher
    utterance_of: Callable[[str], bytes] = str.encode
    name: str = "voice loop"

    def play(self, golden: Golden, folder: Path) -> None:
        from voice_fixtures import run_golden as run_through_the_loop

        run_through_the_loop(golden, folder / "golden.db", self.recogniser, self.matcher, self.utterance_of)
