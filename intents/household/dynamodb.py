"""The household store on DynamoDB: one item per household, one read and one write per turn.

The item (partition key ``id``: the household, on Lambda the Alexa user id)
holds the bounded record of :mod:`intents.household.bounded`, version
:data:`ITEM_VERSION`::

    id, v, rev            household, item version, write counter
    preferences, tally    maps of plain values
    rituals               recent detail as one compact JSON string
    progress              {night, state}: a ritual left midway, state as JSON

A turn reads the item once (``GetItem``) and writes it once (``PutItem``),
applying its change to what it read. The write is conditional on ``rev``, so
a write from another device in between is never lost: the store reads again
and reapplies the change. Items written before the bound (version 1: the ASK
SDK adapter's ``attributes`` map with every ritual ever) are read as their
bounded record and rewritten in version 2 at their next write; an item from a
newer Rekindle is refused and left as it is.

``REKINDLE_DYNAMODB_ENDPOINT`` points boto3 at another endpoint (a local
DynamoDB-compatible server); AWS credentials and region come from the usual
environment. boto3 and botocore are imported when a table is opened, not with this module: the core
stays importable without the Alexa extras.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .bounded import Household, HouseholdChange, Progress, Tally, step_record
from .records import CompletedRitual, Preferences
from .store import StoreError
from .url import DYNAMODB_NEEDS_EXTRAS

ENDPOINT_ENV = "REKINDLE_DYNAMODB_ENDPOINT"
PARTITION_KEY = "id"
ITEM_VERSION = 2
WRITE_ATTEMPTS = 5


def botocore_errors() -> tuple[type[Exception], type[Exception]]:
    """botocore's two error roots (anything boto3 raises), imported when a store is made."""
    from botocore.exceptions import BotoCoreError, ClientError

    return BotoCoreError, ClientError


def plain(value: Any) -> Any:
    """DynamoDB values as JSON-able Python: Decimals become int or float, sets become lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def aws_region() -> str | None:
    """``AWS_REGION`` (what Lambda sets) or ``AWS_DEFAULT_REGION`` (what botocore reads), else None."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def item_bytes(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB counts it against its 400 KB limit (its published sizing rules)."""
    def size(value: Any) -> int:
        if isinstance(value, str):
            return len(value.encode("utf-8"))
        if isinstance(value, bool) or value is None:
            return 1
        if isinstance(value, int | float | Decimal):
            digits = Decimal(value).normalize().as_tuple().digits
            return (len(digits) + 1) // 2 + 1
        if isinstance(value, bytes | bytearray):
            return len(value)
        if isinstance(value, Mapping):
            return 3 + sum(len(str(k).encode("utf-8")) + size(v) + 1 for k, v in value.items())
        return 3 + sum(size(v) + 1 for v in value)

    return sum(len(str(k).encode("utf-8")) + size(v) for k, v in item.items())


def encode_rituals(rituals: tuple[CompletedRitual, ...]) -> str:
    """Recent detail as compact JSON: ``[session, ritual, night, completed_at, front, [[kind, content, skipped]]]``."""
    return json.dumps(
        [[r.session_id, r.ritual_id, r.night.isoformat(), r.completed_at.isoformat(), r.front,
          [[s.kind, s.content_id, int(s.skipped)] for s in r.steps]] for r in rituals],
        separators=(",", ":"), ensure_ascii=False,
    )


def decode_rituals(text: str) -> tuple[CompletedRitual, ...]:
    """The inverse of :func:`encode_rituals`; an unreadable entry is skipped rather than failing the turn."""
    rituals = []
    for entry in json.loads(text):
        try:
            sid, rid, night, done, front, steps = entry
            rituals.append(CompletedRitual(
                str(sid), str(rid), date.fromisoformat(night), datetime.fromisoformat(done), str(front),
                tuple(step_record(str(kind), None if cid is None else str(cid), bool(skipped))
                      for kind, cid, skipped in steps)))
        except (TypeError, ValueError):
            continue
    return tuple(rituals)


def _progress(raw: Any) -> Progress | None:
    if not isinstance(raw, Mapping):
        return None
    try:
        night, state = date.fromisoformat(str(raw.get("night"))), json.loads(str(raw.get("state", "")))
    except ValueError:
        return None
    return Progress(night, state) if isinstance(state, dict) else None


def _preferences(raw: Any) -> Preferences:
    return Preferences.from_dict(raw) if isinstance(raw, dict) else Preferences()


def _upgrade(attributes: Mapping[str, Any]) -> Household:
    """A version 1 item's attributes (every ritual ever, as maps) as the bounded record."""
    history = []
    for raw in attributes.get("rituals", []):
        try:
            history.append(CompletedRitual.from_dict(raw))
        except (KeyError, ValueError, TypeError, AttributeError):
            continue
    return Household.from_history(_preferences(attributes.get("preferences")), history,
                                  _progress(attributes.get("progress")))


class DynamoDbHouseholdStore:
    """:class:`~intents.household.store.HouseholdStore` over one DynamoDB table."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self._core_error, self._client_error = botocore_errors()
        self._errors = (self._core_error, self._client_error)

    @classmethod
    def from_table(cls, table: str, endpoint_url: str | None = None,
                   create_table: bool = True) -> DynamoDbHouseholdStore:
        """Open ``table``, creating it (on-demand billing, and waiting until it is ready) if missing.

        ``endpoint_url`` defaults to ``$REKINDLE_DYNAMODB_ENDPOINT``. An existing table needs only
        DescribeTable, GetItem, PutItem, DeleteItem and Scan permissions.
        """
        try:
            import boto3
        except ImportError as exc:
            raise StoreError(DYNAMODB_NEEDS_EXTRAS) from exc
        core_error, client_error = botocore_errors()
        endpoint_url = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
        region = aws_region()
        try:
            resource = boto3.resource("dynamodb", endpoint_url=endpoint_url, region_name=region)
            client = resource.meta.client
            try:
                client.describe_table(TableName=table)
            except client.exceptions.ResourceNotFoundException:
                if not create_table:
                    raise
                client.create_table(
                    TableName=table, BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
                )
                client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        except (core_error, client_error) as exc:
            raise StoreError(
                f"Cannot open DynamoDB table {table!r}: {str(exc).rstrip('.')}. Check AWS_REGION (or "
                f"AWS_DEFAULT_REGION), the credentials, and {ENDPOINT_ENV} if you use a local server."
            ) from exc
        return cls(resource.Table(table))

    @property
    def table_name(self) -> str:
        return str(self.table.name)

    def _error(self, action: str, exc: Exception) -> StoreError:
        return StoreError(
            f"Cannot {action} the DynamoDB table {self.table_name!r} ({exc}). "
            "Check that it exists and that this role may use it."
        )

    def load(self, household: str) -> Household:
        try:
            item = self.table.get_item(Key={PARTITION_KEY: household}, ConsistentRead=True).get("Item")
        except self._errors as exc:
            raise self._error("read", exc) from exc
        return self._decode(household, item or {})

    def _decode(self, household: str, item: Mapping[str, Any]) -> Household:
        version = int(item.get("v", 1))
        if version > ITEM_VERSION:
            raise StoreError(
                f"The household {household!r} in DynamoDB table {self.table_name!r} was written by a newer "
                f"Rekindle (item version {version}; this one knows up to {ITEM_VERSION}). Deploy the newer "
                "Rekindle to use it. The item was not changed."
            )
        if version < ITEM_VERSION:
            attributes = item.get("attributes")
            return _upgrade(plain(attributes)) if isinstance(attributes, Mapping) else Household()
        try:
            rituals = decode_rituals(str(item.get("rituals", "[]")))
        except ValueError:
            rituals = ()
        tally = plain(item.get("tally"))
        return Household(_preferences(plain(item.get("preferences"))), rituals,
                         Tally.from_dict(tally) if isinstance(tally, dict) else Tally(),
                         _progress(item.get("progress")), int(item.get("rev", 0)))

    def save(self, household: str, change: HouseholdChange, base: Household | None = None) -> Household:
        """One conditional PutItem on ``base``; if another write came first, read again and reapply."""
        for _ in range(WRITE_ATTEMPTS):
            current = base if base is not None else self.load(household)
            base = None
            saved = current.apply(change)
            saved = replace(saved, revision=current.revision + 1)
            item: dict[str, Any] = {
                PARTITION_KEY: household, "v": ITEM_VERSION, "rev": saved.revision,
                "preferences": saved.preferences.to_dict(),
                "tally": {k: v for k, v in saved.tally.to_dict().items() if v is not None},
                "rituals": encode_rituals(saved.rituals),
            }
            if saved.progress is not None:
                item["progress"] = {"night": saved.progress.night.isoformat(),
                                    "state": json.dumps(dict(saved.progress.state))}
            if current.revision:
                condition: dict[str, Any] = {"ConditionExpression": "#rev = :rev",
                                             "ExpressionAttributeValues": {":rev": current.revision}}
            else:
                condition = {"ConditionExpression": "attribute_not_exists(#rev)"}
            try:
                self.table.put_item(Item=item, ExpressionAttributeNames={"#rev": "rev"}, **condition)
            except self._client_error as exc:
                if getattr(exc, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    continue
                raise self._error("write", exc) from exc
            except self._core_error as exc:
                raise self._error("write", exc) from exc
            return saved
        raise StoreError(
            f"The household {household!r} in DynamoDB table {self.table_name!r} kept changing while Rekindle "
            f"wrote to it ({WRITE_ATTEMPTS} tries). Try again in a moment."
        )

    def households(self) -> list[str]:
        keys: list[str] = []
        kwargs: dict[str, Any] = {"ProjectionExpression": "#k", "ExpressionAttributeNames": {"#k": PARTITION_KEY}}
        try:
            while True:
                page = self.table.scan(**kwargs)
                keys.extend(str(item[PARTITION_KEY]) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except self._errors as exc:
            raise self._error("list", exc) from exc
        return sorted(keys)

    def forget(self, household: str | None = None) -> None:
        for key in [household] if household is not None else self.households():
            try:
                self.table.delete_item(Key={PARTITION_KEY: key})
            except self._errors as exc:
                raise self._error("delete from", exc) from exc

    def close(self) -> None:
        """Nothing to release: boto3 manages its own connections."""
