"""The household store on DynamoDB, through the ASK SDK's ``DynamoDbAdapter``.

One item per household (the adapter's partition key is the household id,
on Lambda the Alexa user id) holds preferences, completed rituals and
tonight's progress as the adapter's attributes map. Session state is stored
as a JSON string because DynamoDB rejects floats; everything read back is
converted from ``Decimal`` to plain numbers.

One item can hold about 400 KB: roughly a thousand completed rituals, years
of nightly use. Writes are read-modify-write of the one item, which suits a
household's one conversation at a time.

``REKINDLE_DYNAMODB_ENDPOINT`` points boto3 at another endpoint (a local
DynamoDB-compatible server); AWS credentials and region come from the usual
environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from ask_sdk_core.exceptions import PersistenceException
from botocore.exceptions import BotoCoreError, ClientError

from intents.store import CompletedRitual, Preferences, StoreError

if TYPE_CHECKING:
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter

ENDPOINT_ENV = "REKINDLE_DYNAMODB_ENDPOINT"
PARTITION_KEY = "id"


def plain(value: Any) -> Any:
    """DynamoDB values as JSON-able Python: Decimals become int or float, sets become lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def _household_key(household: Any) -> str:
    """The adapter passes what it is given to its key function; here that is the household id."""
    return str(household)


class DynamoDbHouseholdStore:
    """:class:`~intents.store.HouseholdStore` over one DynamoDB table."""

    def __init__(self, adapter: DynamoDbAdapter) -> None:
        self.adapter = adapter

    @classmethod
    def from_table(cls, table: str, endpoint_url: str | None = None,
                   create_table: bool = True) -> DynamoDbHouseholdStore:
        """Open ``table``, creating it (and waiting until it is ready) if it is missing and ``create_table``.

        ``endpoint_url`` defaults to ``$REKINDLE_DYNAMODB_ENDPOINT``. An existing table needs only
        DescribeTable, GetItem, PutItem, DeleteItem and Scan permissions.
        """
        endpoint_url = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
        try:
            # The adapter module builds a default boto3 resource as it is imported, so it
            # can only be imported once a region is configured: import it here, not at the top.
            from ask_sdk_dynamodb.adapter import DynamoDbAdapter

            resource = boto3.resource("dynamodb", endpoint_url=endpoint_url)
            client = resource.meta.client
            try:
                client.describe_table(TableName=table)
                missing = False
            except client.exceptions.ResourceNotFoundException:
                missing = True
            adapter = DynamoDbAdapter(table_name=table, partition_key_name=PARTITION_KEY,
                                      create_table=create_table and missing, dynamodb_resource=resource,
                                      partition_keygen=_household_key)
            if create_table and missing:
                client.get_waiter("table_exists").wait(TableName=table,
                                                       WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        except (BotoCoreError, ClientError, PersistenceException) as exc:
            raise StoreError(
                f"Cannot open DynamoDB table {table!r}: {exc}. Check AWS_REGION, the credentials, "
                f"and {ENDPOINT_ENV} if you use a local server."
            ) from exc
        return cls(adapter)

    @property
    def table_name(self) -> str:
        return str(self.adapter.table_name)

    def _get(self, household: str) -> dict[str, Any]:
        try:
            data = self.adapter.get_attributes(household)  # type: ignore[arg-type]
        except PersistenceException as exc:
            raise self._error("read", exc) from exc
        result = plain(data) if data else {}
        return result if isinstance(result, dict) else {}

    def _put(self, household: str, data: Mapping[str, Any]) -> None:
        try:
            self.adapter.save_attributes(household, dict(data))  # type: ignore[arg-type]
        except PersistenceException as exc:
            raise self._error("write", exc) from exc

    def _error(self, action: str, exc: Exception) -> StoreError:
        return StoreError(
            f"Cannot {action} the DynamoDB table {self.table_name!r} ({exc}). "
            "Check that it exists and that this role may use it."
        )

    def load_preferences(self, household: str) -> Preferences:
        prefs = self._get(household).get("preferences")
        return Preferences.from_dict(prefs) if isinstance(prefs, dict) else Preferences()

    def save_preferences(self, household: str, preferences: Preferences) -> None:
        data = self._get(household)
        data["preferences"] = preferences.to_dict()
        self._put(household, data)

    def record_ritual(self, household: str, ritual: CompletedRitual) -> bool:
        data = self._get(household)
        rituals = [r for r in data.get("rituals", []) if isinstance(r, dict)]
        new = all(r.get("session_id") != ritual.session_id for r in rituals)
        if new:
            rituals.append(ritual.to_dict())
        data["rituals"] = rituals
        data.pop("progress", None)
        self._put(household, data)
        return new

    def history(self, household: str) -> list[CompletedRitual]:
        rituals = []
        for raw in self._get(household).get("rituals", []):
            try:
                rituals.append(CompletedRitual.from_dict(raw))
            except (KeyError, ValueError, TypeError):
                continue
        return sorted(rituals, key=lambda r: (r.completed_at, r.session_id))

    def save_progress(self, household: str, night: date, state: Mapping[str, Any]) -> None:
        data = self._get(household)
        data["progress"] = {"night": night.isoformat(), "state": json.dumps(dict(state))}
        self._put(household, data)

    def load_progress(self, household: str, night: date) -> dict[str, Any] | None:
        progress = self._get(household).get("progress")
        if not isinstance(progress, dict) or progress.get("night") != night.isoformat():
            return None
        try:
            state = json.loads(str(progress.get("state", "")))
        except ValueError:
            return None
        return state if isinstance(state, dict) else None

    def clear_progress(self, household: str) -> None:
        data = self._get(household)
        if "progress" in data:
            del data["progress"]
            self._put(household, data)

    def households(self) -> list[str]:
        table = self.adapter.dynamodb.Table(self.table_name)
        keys: list[str] = []
        kwargs: dict[str, Any] = {"ProjectionExpression": "#k", "ExpressionAttributeNames": {"#k": PARTITION_KEY}}
        try:
            while True:
                page = table.scan(**kwargs)
                keys.extend(str(item[PARTITION_KEY]) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (BotoCoreError, ClientError) as exc:
            raise self._error("list", exc) from exc
        return sorted(keys)

    def forget(self, household: str | None = None) -> None:
        for key in [household] if household is not None else self.households():
            try:
                self.adapter.delete_attributes(key)  # type: ignore[arg-type]
            except PersistenceException as exc:
                raise self._error("delete from", exc) from exc

    def close(self) -> None:
        """Nothing to release: boto3 manages its own connections."""
