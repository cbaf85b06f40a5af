"""What an Alexa request envelope says that Rekindle reads: whose household it is, the intent and its slots.

Slot values may carry what a partner said: they go to the engine as a command and are never logged.
"""

from __future__ import annotations

from collections.abc import Callable

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.intent import Intent
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.slu.entityresolution.status_code import StatusCode

HouseholdOf = Callable[[RequestEnvelope], str]


def alexa_user(envelope: RequestEnvelope) -> str:
    """The household for a request on a hosted skill: the Alexa account's user id."""
    system = envelope.context.system if envelope.context else None
    if system and system.user and system.user.user_id:
        return str(system.user.user_id)
    if envelope.session and envelope.session.user and envelope.session.user.user_id:
        return str(envelope.session.user.user_id)
    raise ValueError("request has no user id")


def one_household(household: str) -> HouseholdOf:
    """Every request belongs to ``household`` (a self-hosted skill shared with the laptop)."""
    return lambda _envelope: household


def slot_values(intent: Intent | None) -> dict[str, str]:
    """Slot name to value: the resolved id or name when entity resolution matched, else what was heard."""
    values: dict[str, str] = {}
    for name, slot in ((intent.slots or {}) if intent else {}).items():
        value = slot.value
        per_authority = slot.resolutions.resolutions_per_authority if slot.resolutions else None
        for authority in per_authority or ():
            if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
                resolved = authority.values[0].value
                value = (resolved.id or resolved.name) if resolved else value
                break
        if value:
            values[name] = str(value)
    return values


def intent_name(handler_input: HandlerInput) -> str:
    """The intent a request names, or "" for a request that is not an intent."""
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent and request.intent.name:
        return str(request.intent.name)
    return ""


def request_type(handler_input: HandlerInput) -> str:
    """The request's type (``LaunchRequest``, ``SessionEndedRequest``, ...), safe to log."""
    request = handler_input.request_envelope.request
    return str(request.object_type) if request is not None else "none"
