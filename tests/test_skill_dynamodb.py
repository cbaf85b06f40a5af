"""The DynamoDB household store against a real DynamoDB-compatible HTTP server (moto) on loopback.

boto3 talks HTTP to moto's server exactly as it would to AWS; nothing is patched
in-process. The same store contract also runs against SQLite, so both behave alike.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from store_helpers import (
    clear_progress,
    load_preferences,
    load_progress,
    record_ritual,
    rituals_kept,
    save_preferences,
    save_progress,
)
from test_alexa_helpers import USER_ID, Conversation, closed_on_purpose, speech_text

from benchmarks.store_bench import FIRST_NIGHT, DynamoCalls, simulate, whole_ritual
from benchmarks.stress.memory_store import MemoryStore
from intents import (
    Command,
    CommandKind,
    CompletedRitual,
    Planner,
    Preferences,
    Rekindle,
    SqliteStore,
    StepRecord,
    StoreError,
    default_content,
)
from intents.household import DETAIL_NIGHTS, Household, HouseholdChange, HouseholdStore
from intents.household.dynamodb import ENDPOINT_ENV, ITEM_VERSION, DynamoDbHouseholdStore, item_bytes
from rekindle import config
from skill import lambda_function

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
    assert load_preferences(store, "a") == Preferences()
    prefs = Preferences(names=("Sam", "Robin"), minutes=20, touch=False)
    save_preferences(store, "a", prefs)
    loaded = load_preferences(store, "a")
    assert loaded == prefs
    assert type(loaded.minutes) is int


def test_rituals_are_recorded_once_and_listed_oldest_first(store: HouseholdStore) -> None:
    night = date(2026, 11, 25)
    assert record_ritual(store, "a", ritual("s2", night, 22)) is True
    assert record_ritual(store, "a", ritual("s1", night, 21)) is True
    assert record_ritual(store, "a", ritual("s1", night, 21)) is False
    history = rituals_kept(store, "a")
    assert [r.session_id for r in history] == ["s1", "s2"]
    assert history[0].steps[1].skipped is True
    assert rituals_kept(store, "b") == []


def test_progress_is_kept_for_its_night_only(store: HouseholdStore) -> None:
    night = date(2026, 11, 25)
    state = {"v": 1, "step": 2, "extra": 30, "pause": 1.5, "plan": {"steps": [{"seconds": 90}]}}
    save_progress(store, "a", night, state)
    assert load_progress(store, "a", night) == state
    assert load_progress(store, "a", date(2026, 11, 26)) is None
    record_ritual(store, "a", ritual("s1", night, 21))
    assert load_progress(store, "a", night) is None
    save_progress(store, "a", night, state)
    clear_progress(store, "a")
    assert load_progress(store, "a", night) is None


def test_households_and_forget(store: HouseholdStore) -> None:
    save_preferences(store, "a", Preferences(minutes=5))
    record_ritual(store, "b", ritual("s1", date(2026, 11, 25), 21))
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
        if reply["response"]["shouldEndSession"] and not closed_on_purpose(reply):
            break
        reply = talk.intent("AMAZON.NextIntent")  # after a close on purpose: "Alexa, tell nightly ritual next"
    assert reply["response"]["shouldEndSession"] is True
    [done] = rituals_kept(DynamoDbHouseholdStore.from_table(table), USER_ID)
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


# --- years of use: a bounded item, one read and one write a turn, upgrades and concurrent writes ------


@pytest.fixture
def table(aws: str) -> DynamoDbHouseholdStore:
    return DynamoDbHouseholdStore.from_table(f"rekindle-{next(TABLES)}")


def raw_item(store: DynamoDbHouseholdStore, household: str) -> dict[str, Any]:
    """The item as stored, read through a separate client."""
    item = boto3.resource("dynamodb", endpoint_url=os.environ[ENDPOINT_ENV]).Table(store.table_name).get_item(
        Key={"id": household}, ConsistentRead=True)["Item"]
    return dict(item)


def whole_rituals(store: DynamoDbHouseholdStore, household: str, first: date, nights: int) -> list[Counter[str]]:
    """Whole rituals through the engine on ``nights`` nights; the DynamoDB requests each turn sent."""
    calls = DynamoCalls(store.table.meta.client)
    per_turn: list[Counter[str]] = []
    for k in range(nights):
        night = first + timedelta(days=k)
        moment = datetime(night.year, night.month, night.day, 21, tzinfo=timezone.utc)
        calls.take()
        whole_ritual(Rekindle(store, clock=lambda moment=moment: moment, front="alexa"), household,
                     lambda: per_turn.append(calls.take()))
    return per_turn


def test_ten_years_of_nightly_rituals_stay_small_with_one_read_and_one_write_a_turn(
        table: DynamoDbHouseholdStore) -> None:
    history = list(simulate(USER_ID, 3650))
    # ten years less two months as the record a turn would hold, then two months written turn by turn
    record = Household.from_history(Preferences(), history[:-60])
    for done in history[-60:]:
        record = table.save(USER_ID, HouseholdChange(completed=done), base=record)
    per_turn = whole_rituals(table, USER_ID, FIRST_NIGHT + timedelta(days=3650), 2)
    assert len(per_turn) > 6
    assert all(c["GetItem"] == 1 and c["PutItem"] <= 1 and sum(c.values()) <= 2 for c in per_turn), per_turn
    item = raw_item(table, USER_ID)
    assert item["v"] == ITEM_VERSION and item_bytes(item) < 64 * 1024
    loaded = table.load(USER_ID)
    assert (loaded.tally.nights_together, loaded.tally.rituals_completed) == (3652, 3652)
    assert len(loaded.rituals) == DETAIL_NIGHTS and loaded.rituals[:-2] == tuple(history[-58:])


def test_an_item_written_before_the_bound_is_upgraded_at_its_next_write_without_loss(
        table: DynamoDbHouseholdStore) -> None:
    """A version 1 item (the ASK SDK adapter's attributes map, every ritual ever) near the 400 KB limit,
    where the next ritual could no longer be written."""
    prefs = Preferences(names=("Sam", "Robin"), minutes=5)
    history, attributes = [], {"preferences": prefs.to_dict(), "rituals": []}
    size = item_bytes({"id": USER_ID, "attributes": attributes})
    for done in simulate(USER_ID, 3000, preferences=prefs):
        size += item_bytes({"": done.to_dict()}) + 1  # one more element of the list
        if size > 395 * 1024:
            break
        history.append(done)
        attributes["rituals"].append(done.to_dict())
    assert len(history) > 1000 and item_bytes({"id": USER_ID, "attributes": attributes}) > 390 * 1024
    tonight = history[-1].night + timedelta(days=1)
    evening = datetime(tonight.year, tonight.month, tonight.day, 21, tzinfo=timezone.utc)
    scratch = Rekindle(MemoryStore(), clock=lambda: evening)
    midway = scratch.handle(USER_ID, Command(CommandKind.OPEN)).state
    midway = scratch.handle(USER_ID, Command(CommandKind.YES), midway).state
    boto3.resource("dynamodb", endpoint_url=os.environ[ENDPOINT_ENV]).Table(table.table_name).put_item(
        Item={"id": USER_ID, "attributes": {**attributes, "progress": {
            "night": tonight.isoformat(), "state": json.dumps(midway)}}})

    calls = DynamoCalls(table.table.meta.client)
    turn = Rekindle(table, clock=lambda: evening, front="alexa").handle(USER_ID, Command(CommandKind.NEXT), midway)
    assert turn.state["sid"] == midway["sid"] and calls.take() == Counter({"GetItem": 1, "PutItem": 1})
    item = raw_item(table, USER_ID)
    assert item["v"] == ITEM_VERSION and "attributes" not in item and item_bytes(item) < 32 * 1024
    after = table.load(USER_ID)
    assert (after.tally.nights_together, after.tally.rituals_completed) == (len(history), len(history))
    assert after.tally.first_night == history[0].night and after.preferences == prefs
    assert after.rituals == tuple(history[-DETAIL_NIGHTS:]) and after.progress_for(tonight) == turn.state
    planner = Planner(default_content())
    assert planner.plan(USER_ID, tonight, prefs, history) == planner.plan(
        USER_ID, tonight, prefs, after.rituals, nights_before=after.nights_before(tonight))

    per_turn = whole_rituals(table, USER_ID, tonight + timedelta(days=1), 1)
    assert all(sum(c.values()) <= 2 for c in per_turn), per_turn
    assert table.load(USER_ID).tally.rituals_completed == len(history) + 1


def test_a_write_from_another_device_in_between_is_not_lost(table: DynamoDbHouseholdStore) -> None:
    night = date(2026, 11, 25)
    other = DynamoDbHouseholdStore.from_table(table.table_name)
    mine, theirs = table.load("a"), other.load("a")
    other.save("a", HouseholdChange(completed=ritual("s-speaker", night, 21)), base=theirs)
    calls = DynamoCalls(table.table.meta.client)
    table.save("a", HouseholdChange(preferences=Preferences(minutes=20)), base=mine)
    assert calls.take() == Counter({"PutItem": 2, "GetItem": 1})  # refused, read again, written
    record = table.load("a")
    assert record.preferences.minutes == 20 and [r.session_id for r in record.rituals] == ["s-speaker"]
    assert record.revision == 2


def test_an_item_from_a_newer_rekindle_is_refused_and_left_alone(table: DynamoDbHouseholdStore) -> None:
    future = {"id": "a", "v": ITEM_VERSION + 1, "rev": 7, "shape": "unknown"}
    boto3.resource("dynamodb", endpoint_url=os.environ[ENDPOINT_ENV]).Table(table.table_name).put_item(Item=future)
    with pytest.raises(StoreError, match="newer Rekindle"):
        table.load("a")
    with pytest.raises(StoreError, match="newer Rekindle"):
        save_preferences(table, "a", Preferences(minutes=5))
    assert raw_item(table, "a") == future
