"""The self-hosted skill over real HTTP: signed requests and the laptop's own store (goldens: test_goldens.py)."""

from __future__ import annotations

import pytest
import requests
from fronts import signed_endpoint
from test_alexa_helpers import (
    SKILL_ID,
    Conversation,
    LiveServer,
    Pki,
    closed_on_purpose,
    make_pki,
    speech_text,
)

from intents import Rekindle
from rekindle import config
from rekindle.cli import main as rekindle_main
from skill.envelope import one_household
from skill.handlers import build_skill
from skill.verification import request_verifiers
from skill.web import create_app


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def test_whole_ritual_over_http_shows_in_the_laptops_history(pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    engine = Rekindle(config.open_store(), front="alexa", ritual="appreciation-exchange")
    with signed_endpoint(engine, pki, config.household()) as send:
        talk = Conversation(send)
        assert "Shall we begin" in speech_text(talk.launch())
        talk.intent("AMAZON.YesIntent")
        reply = talk.intent("AMAZON.NextIntent")
        while "or no to pass" not in speech_text(reply):
            assert reply["response"]["shouldEndSession"] is False or closed_on_purpose(reply)  # while they talk
            reply = talk.intent("AMAZON.NextIntent")
        talk.intent("AMAZON.YesIntent")
        assert "a little longer" in speech_text(talk.intent("MoreTimeIntent"))
        closing = talk.intent("AMAZON.NextIntent")
        assert closing["response"]["shouldEndSession"] is True
        talk.launch()
        assert talk.intent("AMAZON.StopIntent")["response"]["shouldEndSession"] is True
    capsys.readouterr()
    assert rekindle_main(["history"]) == 0
    out = capsys.readouterr().out
    assert "Appreciation exchange" in out and "via alexa" in out


def test_health_and_methods(pki: Pki) -> None:
    engine = Rekindle(config.open_store(), front="alexa")
    skill = build_skill(engine, one_household("home"), SKILL_ID)
    app = create_app(skill, request_verifiers(SKILL_ID, roots=[pki.root], fetch=lambda _u: pki.chain_pem),
                     SKILL_ID)
    with LiveServer(app) as server:
        assert requests.get(server.url + "/health", timeout=5).json() == {"status": "ok"}
        assert requests.get(server.url + "/alexa", timeout=5).status_code == 405
        refused = requests.post(server.url + "/alexa", data=b"{}", timeout=5)
        assert refused.status_code == 400 and "Traceback" not in refused.text


def test_an_unexpected_failure_is_a_plain_json_500(pki: Pki, caplog: pytest.LogCaptureFixture) -> None:
    engine = Rekindle(config.open_store(), front="alexa")
    app = create_app(build_skill(engine, one_household("home"), SKILL_ID), [], SKILL_ID)

    def broken() -> str:
        raise ZeroDivisionError("secret words")

    app.add_url_rule("/broken", view_func=broken)
    with LiveServer(app) as server:
        response = requests.get(server.url + "/broken", timeout=5)
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert "ZeroDivisionError" in caplog.text and "test_skill_web.py" in caplog.text
    assert "secret words" not in caplog.text
