"""AWS Lambda entry point: ``skill.lambda_function.lambda_handler``.

The store comes from ``REKINDLE_STORE`` (default ``dynamodb://rekindle`` on
Lambda, where the file system is read-only); each Alexa user is a household,
whose data is deleted when they disable the skill (the manifest subscribes
to that event), and whose evening follows their device's time zone.
``REKINDLE_SKILL_ID``, when set, makes the skill refuse requests for other skills.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, cast

from ask_sdk_runtime.exceptions import AskSdkException

from intents.engine import Rekindle
from intents.household.dynamodb import DynamoDbHouseholdStore
from intents.household.url import STORE_ENV, open_location, parse_store_url

from .envelope import HouseholdOf, alexa_user
from .handlers import skill_builder
from .time_zone import zoned_clock
from .turns import EngineSource

LAMBDA_STORE = "dynamodb://rekindle"
SKILL_ID_ENV = "REKINDLE_SKILL_ID"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def default_engine() -> Rekindle:
    """The engine over the configured store, opened on the first request."""
    location = parse_store_url(os.environ.get(STORE_ENV) or LAMBDA_STORE)
    store = open_location(location, DynamoDbHouseholdStore.from_table)
    return Rekindle(store, front="alexa", clock=zoned_clock())


def make_lambda_handler(engine: EngineSource = default_engine, household_of: HouseholdOf = alexa_user,
                        skill_id: str | None = None) -> Handler:
    """A Lambda handler for ``engine`` (an engine, or a factory called on first use).

    Each Alexa user is a household, so disabling the skill deletes that user's data; each
    session's device time zone decides what "tonight" is for the default engine.
    """
    sdk_handler = cast(Handler, skill_builder(engine, household_of, skill_id, forget_on_disable=True,
                                              device_time_zones=True).lambda_handler())
    if skill_id is None:
        return sdk_handler

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # The SDK's own skill-id check reads context.System.application without looking: an event
        # lacking it raised AttributeError (a crashed invocation) instead of the SDK's refusal.
        if _application_id(event) != skill_id:
            raise AskSdkException("Skill ID Verification failed")
        return sdk_handler(event, context)

    return handler


def _application_id(event: Any) -> Any:
    """``context.System.application.applicationId`` of a raw event, or None wherever it is missing."""
    for key in ("context", "System", "application", "applicationId"):
        event = event.get(key) if isinstance(event, dict) else None
    return event


_handler: Handler | None = None


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function Lambda calls with each Alexa request."""
    global _handler
    if _handler is None:
        _handler = make_lambda_handler(skill_id=os.environ.get(SKILL_ID_ENV) or None)
    return _handler(event, context)
