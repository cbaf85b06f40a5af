"""The catch-all exception handler: any failure apologises and keeps the session usable.

Its log names where a failure happened and never what was said: no exception message, no slot values.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from types import TracebackType

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.launch_request import LaunchRequest
from ask_sdk_model.response import Response

from intents.commands import CommandKind
from intents.content.phrases import default_phrases, spoken
from intents.household import StoreError
from intents.understanding import INTENT_COMMANDS

from .envelope import intent_name, request_type
from .ssml import render_text

log = logging.getLogger("rekindle.skill")

ENDING_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items() if kind is CommandKind.STOP)


def failure_site(trace: TracebackType | None, depth: int = 4) -> str:
    """Where an exception came from, innermost first, as ``file:line function``: no message, no values."""
    frames = traceback.extract_tb(trace)[-depth:] if trace else []
    return " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames)) or "?"


class ApologyHandler(AbstractExceptionHandler):
    """Any failure: apologise and keep the session (and its state) usable; stop still ends it.

    The log names the exception type, the request type and intent, and the
    code location, never the exception message or slot values, which may
    carry what a partner said.
    """

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        intent = intent_name(handler_input) or "-"
        where = failure_site(exception.__traceback__)
        log.error("turn failed: %s on %s %s at %s", type(exception).__name__, request_type(handler_input),
                  intent, where)
        if isinstance(exception, StoreError):  # says which file or table and what to do; no partner words
            log.error("store problem: %s", exception)
        builder = handler_input.response_builder
        if not isinstance(handler_input.request_envelope.request, LaunchRequest | IntentRequest):
            empty: Response = builder.response  # session ends and skill events take no speech
            return empty
        phrases = default_phrases()
        if intent in ENDING_INTENTS:
            builder.speak(render_text(spoken(phrases.say("error_farewell")))).set_should_end_session(True)
        else:
            builder.speak(render_text(spoken(phrases.say("error_apology")))).ask(
                render_text(spoken(phrases.say("error_apology_reprompt")))).set_should_end_session(False)
        response: Response = builder.response
        return response
