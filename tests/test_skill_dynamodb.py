"""The DynamoDB household store against a real DynamoDB-compatible HTTP server (moto) on loopback.

boto3 talks HTTP to moto's server exactly as it would to AWS; nothing is patched
in-process. The same store contract also runs against SQLite, so both behave alike.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from test_alexa_helpers import USER_ID, Conversation, speech_text

from intents import CompletedRitual, Preferences, SqliteStore, StepRecord, StoreError
from intents.store import HouseholdStore
from rekindle import config
from skill import lambda_function
from skill.dynamodb_store import ENDPOINT_ENV, DynamoDbHouseholdStore

TABLES = itertools.count()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")  # moto's server wants a region as it loads
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
        server.stop()


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", ENDPOINT_ENV: moto_url}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_url


@pytest.fixture(params=["dynamodb", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HouseholdStore]:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
        opened: HouseholdStore = config.open_store(f"dynamodb://rekindle-{next(TABLES)}")
        assert isinstance(opened, DynamoDbHouseholdStore)
    else:
        opened = SqliteStore(tmp_path / "contract.db")
    yield opened
    opened.close()


def ritual(session: str, night: date, hour: int) -> CompletedRitual:
    return CompletedRitual(session, "appreciation-exchange", night,
                           datetime(night.year, night.month, night.day, hour, tzinfo=timezone.utc), "alexa",
                           (StepRecord("question", "q-1"), StepRecord("touch", "t-1", skipped=True)))


def test_preferences_round_trip_as_plain_numbers(store: HouseholdStore) -> None:
    assert store.load_preferences("a") == Preferences()
    prefs = Preferences(names=("Sam", "Robin"), minutes=20, touch=False)
    store.save_preferences("a", prefs)
    loaded = store.load_preferences("a")
    assert loaded == prefs
    assert type(loaded.minutes) is int


def test_rituals_are_recorded_once_and_listed_oldest_first(store: HouseholdStore) -> None:
    night = date(2026, 11, 25)
    assert store.record_ritual("a", ritual("s2", night, 22)) is True
    assert store.record_ritual("a", ritual("s1", night, 21)) is True
    assert store.record_ritual("a", ritual("s1", night, 21)) is False
    history = store.history("a")
    assert [r.session_id for r in history] == ["s1", "s2"]
    assert history[0].steps[1].skipped is True
    assert store.history("b") == []


def test_progress_is_kept_for_its_night_only(store: HouseholdStore) -> None:
    night = date(2026, 11, 25)
    state = {"v": 1, "step": 2, "extra": 30, "pause": 1.5, "plan": {"steps": [{"seconds": 90}]}}
    store.save_progress("a", night, state)
    assert store.load_progress("a", night) == state
    assert store.load_progress("a", date(2026, 11, 26)) is None
    store.record_ritual("a", ritual("s1", night, 21))
    assert store.load_progress("a", night) is None
    store.save_progress("a", night, state)
    store.clear_progress("a")
    assert store.load_progress("a", night) is None


def test_households_and_forget(store: HouseholdStore) -> None:
    store.save_preferences("a", Preferences(minutes=5))
    store.record_ritual("b", ritual("s1", date(2026, 11, 25), 21))
    assert store.households() == ["a", "b"]
    store.forget("a")
    assert store.households() == ["b"]
    store.forget(None)
    assert store.households() == []


def test_a_whole_ritual_through_the_lambda_module_lands_in_dynamodb(
        aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    table = f"rekindle-{next(TABLES)}"
    monkeypatch.setenv("REKINDLE_STORE", f"dynamodb://{table}")
    monkeypatch.setattr(lambda_function, "_handler", None)
    talk = Conversation(lambda event: lambda_function.lambda_handler(event, None))
    assert "Shall we begin" in speech_text(talk.launch())
    reply = talk.intent("AMAZON.YesIntent")
    for _ in range(20):
        if reply["response"]["shouldEndSession"]:
            break
        reply = talk.intent("AMAZON.NextIntent")
    assert reply["response"]["shouldEndSession"] is True
    [done] = DynamoDbHouseholdStore.from_table(table).history(USER_ID)
    assert done.front == "alexa"


def test_unreachable_endpoint_is_a_clear_store_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(StoreError, match="DynamoDB table 'nowhere'"):
        config.open_store("dynamodb://nowhere")


def test_missing_region_is_a_clear_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", ENDPOINT_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(StoreError, match="AWS_REGION"):
        DynamoDbHouseholdStore.from_table("t")
