"""Real Alexa request envelopes through both fronts, over a real SQLite store.

Each test runs twice: through the Lambda handler, and as signed HTTP requests to
the Flask web service under waitress (test_alexa_helpers.LiveServer).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from ask_sdk_model.request_envelope import RequestEnvelope
from store_helpers import load_preferences, rituals_kept, save_preferences
from test_alexa_helpers import (
    SKILL_ID,
    USER_ID,
    Conversation,
    LiveServer,
    Pki,
    envelope,
    intent_request,
    launch_request,
    make_pki,
    session_ended_request,
    skill_disabled_event,
    speech_text,
)

from intents import Preferences, Rekindle, SqliteStore
from interaction_models import language_model, locales
from skill import lambda_function
from skill.envelope import one_household
from skill.handlers import build_skill
from skill.lambda_function import make_lambda_handler
from skill.turns import STATE_KEY
from skill.verification import request_verifiers
from skill.web import create_app

NOW = datetime.fromisoformat("2026-11-25T21:00:00+00:00")


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "lambda.db")


Talk = Callable[..., Conversation]


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture(params=["lambda", "web"])
def talk_to(request: pytest.FixtureRequest, pki: Pki) -> Iterator[Talk]:
    """Opens conversations with a fresh engine through the front named by the parameter."""
    with ExitStack() as stack:
        def talk(store: SqliteStore, ritual: str | None = "appreciation-exchange", locale: str = "en-US",
                 now: datetime = NOW) -> Conversation:
            engine = Rekindle(store, clock=lambda: now, front="alexa", ritual=ritual)
            if request.param == "lambda":
                handler = make_lambda_handler(engine, skill_id=SKILL_ID)
                return Conversation(lambda event: json.loads(json.dumps(handler(event, None))), locale=locale)
            verifiers = request_verifiers(SKILL_ID, roots=[pki.root], fetch=lambda _url: pki.chain_pem)
            server = stack.enter_context(LiveServer(create_app(build_skill(engine, skill_id=SKILL_ID),
                                                               verifiers, SKILL_ID)))

            def send(event: dict[str, Any]) -> Any:
                body = json.dumps(event).encode()
                response = requests.post(server.url + "/alexa", data=body, headers=pki.headers(body), timeout=10)
                assert response.status_code == 200, response.text
                return response.json()

            return Conversation(send, locale=locale)

        yield talk


def test_whole_ritual_lands_in_history(talk_to: Talk, store: SqliteStore) -> None:
    talk = talk_to(store)
    assert "Shall we begin" in speech_text(talk.launch())
    assert "and the other" in speech_text(talk.intent("AMAZON.YesIntent"))
    talk.intent("AMAZON.NextIntent")
    for _ in range(4):
        reply = talk.intent("AMAZON.NextIntent")
        if "or no to pass" in speech_text(reply):
            break
    assert "or no to pass" in speech_text(reply)
    lingering = talk.intent("AMAZON.YesIntent")  # Alexa holds the floor while they linger, and says how to go on
    assert "say: Alexa, next" in speech_text(lingering)
    assert lingering["response"]["shouldEndSession"] is False
    assert "a little longer" in speech_text(talk.intent("MoreTimeIntent"))
    closing = talk.intent("AMAZON.NextIntent")
    assert closing["response"]["shouldEndSession"] is True
    assert "first ritual with Rekindle" in speech_text(closing)
    talk.launch()
    stop = talk.intent("AMAZON.StopIntent")
    assert stop["response"]["shouldEndSession"] is True
    [done] = rituals_kept(store, USER_ID)
    assert done.ritual_id == "appreciation-exchange" and done.front == "alexa"
    assert {s.kind for s in done.steps} >= {"question", "touch"}


def test_launch_keeps_the_session_open_with_a_reprompt(talk_to: Talk, store: SqliteStore) -> None:
    response = talk_to(store).launch()
    body = response["response"]
    assert body["shouldEndSession"] is False
    assert body["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")
    assert response["sessionAttributes"][STATE_KEY]["stage"] == "offer"


def test_one_shot_intent_in_a_new_session(talk_to: Talk, store: SqliteStore) -> None:
    talk = talk_to(store)
    response = talk.intent("ConnectionQuestionIntent")
    assert response["response"]["shouldEndSession"] is False
    assert "?" in speech_text(response)


def test_set_names_with_slot_values(talk_to: Talk, store: SqliteStore) -> None:
    talk = talk_to(store)
    talk.launch()
    response = talk.intent("SetPartnerNamesIntent", {"firstName": "sam", "secondName": "Robin"})
    assert "Sam" in speech_text(response) and "Robin" in speech_text(response)
    assert response["response"]["shouldEndSession"] is False
    assert load_preferences(store, USER_ID).names == ()  # said back first, kept on yes
    talk.intent("AMAZON.YesIntent")
    assert load_preferences(store, USER_ID).names == ("Sam", "Robin")


@pytest.mark.parametrize("slots", [{}, {"firstName": "Sam"}])
def test_set_names_without_slot_values(talk_to: Talk, store: SqliteStore, slots: dict[str, str]) -> None:
    talk = talk_to(store)
    talk.launch()
    response = talk.intent("SetPartnerNamesIntent", slots)
    assert response["response"]["shouldEndSession"] is False
    assert load_preferences(store, USER_ID).names == ()


@pytest.mark.parametrize(("spoken", "minutes"), [("twenty", 20), ("short", 5), ("10", 10), (None, None),
                                                 ("forty two", None)])
def test_set_length_resolves_slot_values(talk_to: Talk, store: SqliteStore, spoken: str | None,
                                         minutes: int | None) -> None:
    talk = talk_to(store)
    talk.launch()
    response = talk.intent("SetRitualLengthIntent", {"minutes": spoken})
    assert response["response"]["shouldEndSession"] is False
    expected = minutes if minutes is not None else Preferences().minutes
    assert load_preferences(store, USER_ID).minutes == expected


@pytest.mark.parametrize(("reason", "welcome"), [
    ("USER_INITIATED", "You were partway through"),  # the user ended it: as if they said stop
    ("EXCEEDED_MAX_REPROMPTS", "I stopped listening to give you time together"),  # the reprompt said how to return
    ("ERROR", "You were partway through")])
def test_session_ended_reasons(talk_to: Talk, store: SqliteStore, reason: str, welcome: str,
                               caplog: pytest.LogCaptureFixture) -> None:
    talk = talk_to(store)
    talk.launch()
    talk.intent("AMAZON.YesIntent")
    error = ("INVALID_RESPONSE", "SSML problem near Sam and Robin") if reason == "ERROR" else None
    with caplog.at_level(logging.INFO, logger="rekindle"):
        response = talk.send(envelope(session_ended_request(reason, error), session_id=talk.session_id,
                                      new=False, attributes=talk.attributes))
    assert "outputSpeech" not in response["response"]
    assert reason in caplog.text
    assert "Sam and Robin" not in caplog.text
    resumed = talk_to(store).launch()
    assert welcome in speech_text(resumed)


@pytest.mark.parametrize("locale", [loc for loc in locales() if loc != "en-US"])
def test_other_english_locales(talk_to: Talk, store: SqliteStore, locale: str) -> None:
    talk = talk_to(store, locale=locale)
    assert talk.launch()["response"]["shouldEndSession"] is False
    response = talk.intent("AMAZON.YesIntent")
    assert "and the other" in speech_text(response)
    assert talk.intent("AMAZON.CancelIntent")["response"]["shouldEndSession"] is True


def test_every_model_intent_is_answered_by_its_handler(talk_to: Talk, store: SqliteStore) -> None:
    talk = talk_to(store)
    for n, intent in enumerate(language_model("en-US")["intents"]):
        name = intent["name"]
        talk.user_id = f"amzn1.ask.account.EVERYINTENT{n}"  # a fresh household for each intent
        talk.launch()
        response = talk.intent(name)
        assert isinstance(response["response"].get("shouldEndSession"), bool), name
        # A bare "Sam and Robin" is names only where Rekindle asked for them; at the offer it is not understood.
        if name not in ("AMAZON.FallbackIntent", "PartnerNamesIntent"):
            assert "Sorry, I didn't catch that" not in speech_text(response), name


def test_an_intent_unknown_to_this_build_gets_a_gentle_answer(talk_to: Talk, store: SqliteStore) -> None:
    talk = talk_to(store)
    talk.launch()
    event = envelope(intent_request("NewerModelIntent", declared=False), session_id=talk.session_id, new=False,
                     attributes=talk.attributes)
    response = talk.send(event)
    assert response["response"]["shouldEndSession"] is False
    assert "didn't catch" in speech_text(response)


def test_a_failing_store_apologises_keeps_state_and_stop_still_ends(
        talk_to: Talk, store: SqliteStore, caplog: pytest.LogCaptureFixture) -> None:
    talk = talk_to(store)
    talk.launch()
    state_before = dict(talk.attributes)
    store.close()  # every later read fails inside the engine: a real sqlite3 error, not a stand-in
    with caplog.at_level(logging.DEBUG):
        response = talk.intent("SetPartnerNamesIntent", {"firstName": "Quinn", "secondName": "Noor"})
    assert response["response"]["shouldEndSession"] is False
    assert "went wrong" in speech_text(response)
    assert "reprompt" in response["response"]
    assert talk.attributes == state_before
    assert "StoreError" in caplog.text and " at sqlite.py:" in caplog.text
    assert "Quinn" not in caplog.text and "Noor" not in caplog.text
    stop = talk.intent("AMAZON.StopIntent")
    assert stop["response"]["shouldEndSession"] is True


def test_wrong_application_id_is_refused_on_lambda(store: SqliteStore) -> None:
    engine = Rekindle(store, clock=lambda: NOW, front="alexa")
    handler = make_lambda_handler(engine, skill_id=SKILL_ID)
    event = envelope(launch_request(), session_id="s", new=True, attributes={}, application_id="amzn1.ask.skill.x")
    with pytest.raises(Exception, match="Skill ID Verification failed"):
        handler(event, None)


def test_module_handler_uses_the_configured_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "configured.db"
    monkeypatch.setenv("REKINDLE_STORE", f"sqlite:///{db}")
    monkeypatch.setenv("REKINDLE_SKILL_ID", SKILL_ID)
    monkeypatch.setattr(lambda_function, "_handler", None)
    event: dict[str, Any] = envelope(launch_request(), session_id="s", new=True, attributes={})
    response = lambda_function.lambda_handler(event, None)
    assert response["response"]["shouldEndSession"] is False
    event = envelope(intent_request("SetRitualLengthIntent", {"minutes": "five"}), session_id="s", new=False,
                     attributes=response["sessionAttributes"])
    lambda_function.lambda_handler(event, None)
    assert load_preferences(SqliteStore(db), USER_ID).minutes == 5


def test_one_shot_next_after_alexa_stopped_listening_continues_the_ritual(talk_to: Talk,
                                                                          store: SqliteStore) -> None:
    talk = talk_to(store)
    talk.launch()
    first = speech_text(talk.intent("AMAZON.YesIntent"))
    talk.send(envelope(session_ended_request("EXCEEDED_MAX_REPROMPTS"), session_id=talk.session_id, new=False,
                       attributes=talk.attributes))
    later = talk_to(store)  # "Alexa, tell nightly ritual next": a new session holding only the intent
    response = later.intent("AMAZON.NextIntent")
    assert "Welcome back" in speech_text(response) and "the other of you" in speech_text(response)
    assert response["response"]["shouldEndSession"] is False  # the other partner answers: the floor is held
    assert "say: Alexa, next" in speech_text(response)
    assert "Shall we begin" not in speech_text(response) and speech_text(response) != first


def test_a_misconfigured_lambda_store_apologises_and_logs_what_to_fix(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("REKINDLE_STORE", "postgres://somewhere")
    monkeypatch.setattr(lambda_function, "_handler", None)
    event = envelope(launch_request(), session_id="s", new=True, attributes={})
    with caplog.at_level(logging.ERROR):
        response = lambda_function.lambda_handler(event, None)
    assert "went wrong" in speech_text(response)
    assert response["response"]["shouldEndSession"] is False
    assert "is not a store Rekindle knows" in caplog.text


def test_disabling_the_hosted_skill_deletes_that_users_data(store: SqliteStore) -> None:
    handler = make_lambda_handler(Rekindle(store, clock=lambda: NOW, front="alexa"), skill_id=SKILL_ID)
    talk = Conversation(lambda event: handler(event, None))
    talk.launch()
    talk.intent("SetPartnerNamesIntent", {"firstName": "Sam", "secondName": "Robin"})
    talk.intent("AMAZON.YesIntent")
    save_preferences(store, "someone-else", Preferences(minutes=5))
    assert USER_ID in store.households()
    response = handler(envelope(skill_disabled_event(), session_id=None, new=False, attributes=None), None)
    assert "outputSpeech" not in response.get("response", {})
    assert store.households() == ["someone-else"]


def test_a_self_hosted_home_keeps_its_data_when_the_skill_is_disabled(store: SqliteStore) -> None:
    skill = build_skill(Rekindle(store, clock=lambda: NOW, front="alexa"), one_household("home"), SKILL_ID)
    save_preferences(store, "home", Preferences(minutes=5))
    event = json.dumps(envelope(skill_disabled_event(), session_id=None, new=False, attributes=None))
    skill.invoke(request_envelope=skill.serializer.deserialize(event, RequestEnvelope), context=None)
    assert store.households() == ["home"]


def test_a_failure_on_a_request_without_speech_answers_without_speech(store: SqliteStore) -> None:
    handler = make_lambda_handler(Rekindle(store, clock=lambda: NOW, front="alexa"), skill_id=SKILL_ID)
    store.close()  # forgetting the household now fails inside the store
    response = handler(envelope(skill_disabled_event(), session_id=None, new=False, attributes=None), None)
    assert "outputSpeech" not in response.get("response", {})
