"""ASK SDK handlers: Alexa requests become engine commands, engine replies become responses.

Nothing here decides what happens in a ritual. The engine's state rides in
the session attributes under :data:`STATE_KEY`; history and preferences go
through the engine's household store, keyed by :data:`HouseholdOf`.

Alexa's microphone closes about eight seconds after a reply, and once more after
its reprompt. Every turn tells the engine so (:func:`microphone_window`, named with
the locale's invocation name), and a session that ends unanswered or by the user
is reported to it (:data:`LEFT_BY_REASON`), so coming back is greeted for what happened.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from ask_sdk_core.dispatch_components.exception_components import AbstractExceptionHandler
from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.events.skillevents.skill_disabled_request import SkillDisabledRequest
from ask_sdk_model.intent import Intent
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.launch_request import LaunchRequest
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_model.response import Response
from ask_sdk_model.session_ended_request import SessionEndedRequest
from ask_sdk_model.slu.entityresolution.status_code import StatusCode
from ask_sdk_model.ui.simple_card import SimpleCard

from intents.commands import Command, CommandKind
from intents.content.phrases import default_phrases, spoken
from intents.engine import Rekindle, Turn
from intents.household import StoreError
from intents.understanding import INTENT_COMMANDS, command_for_intent
from intents.window import Left, MicrophoneWindow
from interaction_models import DEFAULT_LOCALE, language_model, locales

from .ssml import render_reply, render_text
from .time_zone import in_zone, session_zone

log = logging.getLogger("rekindle.skill")

STATE_KEY = "rekindle"
HANDLED_INTENTS: frozenset[str] = frozenset(INTENT_COMMANDS)
ENDING_INTENTS = frozenset(name for name, kind in INTENT_COMMANDS.items() if kind is CommandKind.STOP)

# Why Alexa ended a session without the skill closing it, as the engine's record of how it was left. An error
# ends nothing the couple chose, so it is not recorded: the last turn's progress stands.
LEFT_BY_REASON = {"EXCEEDED_MAX_REPROMPTS": Left.TIMED_OUT, "USER_INITIATED": Left.STOPPED}

HouseholdOf = Callable[[RequestEnvelope], str]
EngineSource = Rekindle | Callable[[], Rekindle]


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


@lru_cache(maxsize=8)
def microphone_window(locale: str | None) -> MicrophoneWindow:
    """Alexa's microphone window for a request's locale, named with that model's invocation name."""
    model = locale if locale in locales() else DEFAULT_LOCALE
    return MicrophoneWindow(str(language_model(model)["invocationName"]))


def failure_site(trace: TracebackType | None, depth: int = 4) -> str:
    """Where an exception came from, innermost first, as ``file:line function``: no message, no values."""
    frames = traceback.extract_tb(trace)[-depth:] if trace else []
    return " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames)) or "?"


def _intent_name(handler_input: HandlerInput) -> str:
    request = handler_input.request_envelope.request
    if isinstance(request, IntentRequest) and request.intent and request.intent.name:
        return str(request.intent.name)
    return ""


def _request_type(handler_input: HandlerInput) -> str:
    request = handler_input.request_envelope.request
    return str(request.object_type) if request is not None else "none"


class _Turns:
    """Runs one engine turn for a request and renders the reply."""

    def __init__(self, engine: EngineSource, household_of: HouseholdOf, zones: bool = False) -> None:
        self._engine = engine
        self._household_of = household_of
        self._zones = zones
        self._lock = threading.Lock()

    @property
    def engine(self) -> Rekindle:
        if not isinstance(self._engine, Rekindle):
            with self._lock:
                if not isinstance(self._engine, Rekindle):
                    self._engine = self._engine()
        return self._engine

    def forget(self, handler_input: HandlerInput) -> None:
        self.engine.store.forget(self._household_of(handler_input.request_envelope))

    def leave(self, handler_input: HandlerInput, how: Left) -> None:
        """The session ended without a reply: the engine notes how, beside tonight's progress."""
        attributes: dict[str, Any] = handler_input.attributes_manager.session_attributes or {}
        state = attributes.get(STATE_KEY)
        zone = session_zone(handler_input.request_envelope, attributes) if self._zones else None
        with in_zone(zone):
            self.engine.leave(self._household_of(handler_input.request_envelope),
                              state if isinstance(state, dict) else None, how)

    def respond(self, handler_input: HandlerInput, command: Command, fresh: bool) -> Response:
        attributes: dict[str, Any] = handler_input.attributes_manager.session_attributes or {}
        state = None if fresh else attributes.get(STATE_KEY)
        household = self._household_of(handler_input.request_envelope)
        zone = session_zone(handler_input.request_envelope, attributes) if self._zones else None
        request = handler_input.request_envelope.request
        window = microphone_window(request.locale if request else None)
        with in_zone(zone):
            turn: Turn = self.engine.handle(household, command, state if isinstance(state, dict) else None,
                                            window)
        attributes[STATE_KEY] = turn.state
        handler_input.attributes_manager.session_attributes = attributes
        reply = turn.reply
        builder = handler_input.response_builder.speak(render_reply(reply).ssml)
        if reply.card:
            builder.set_card(SimpleCard(title=reply.title, content=reply.card))
        if reply.end_session:
            builder.set_should_end_session(True)
        else:
            builder.ask(render_text(reply.reprompt or reply.text)).set_should_end_session(False)
        response: Response = builder.response
        return response


class _TurnHandler(AbstractRequestHandler):
    """A handler that answers through the engine."""

    def __init__(self, turns: _Turns) -> None:
        self.turns = turns


class LaunchHandler(_TurnHandler):
    """'Alexa, open nightly ritual': offers tonight's ritual or one left midway tonight."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, LaunchRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.turns.respond(handler_input, Command(CommandKind.OPEN), fresh=True)


class IntentHandler(_TurnHandler):
    """Every intent of the interaction model, through ``intents.understanding.intent_map``."""

    def __init__(self, turns: _Turns, names: frozenset[str] = HANDLED_INTENTS) -> None:
        super().__init__(turns)
        self.names = names

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _intent_name(handler_input) in self.names

    def handle(self, handler_input: HandlerInput) -> Response:
        request = cast(IntentRequest, handler_input.request_envelope.request)
        command = command_for_intent(_intent_name(handler_input), slot_values(request.intent))
        return self.turns.respond(handler_input, command, fresh=False)


class UnknownIntentHandler(_TurnHandler):
    """An intent this build does not know (a newer model): the engine answers as for nonsense."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.turns.respond(handler_input, Command(CommandKind.UNKNOWN), fresh=False)


class SessionEndedHandler(_TurnHandler):
    """The session closed (user left, silence, or an error). Progress is already saved each turn; how the
    session was left is added to it, so the welcome back fits."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, SessionEndedRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = cast(SessionEndedRequest, handler_input.request_envelope.request)
        reason = request.reason.value if request.reason else "unknown"
        if request.error:
            error_type = request.error.object_type.value if request.error.object_type else "unknown"
            log.warning("session ended: reason=%s error=%s", reason, error_type)
        else:
            log.info("session ended: reason=%s", reason)
        if reason in LEFT_BY_REASON:
            self.turns.leave(handler_input, LEFT_BY_REASON[reason])
        response: Response = handler_input.response_builder.response
        return response


class SkillDisabledHandler(_TurnHandler):
    """The user disabled the skill: delete their household's data (history, preferences, progress)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, SkillDisabledRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        self.turns.forget(handler_input)
        log.info("skill disabled: the household's data was deleted")
        response: Response = handler_input.response_builder.response
        return response


class OtherRequestHandler(AbstractRequestHandler):
    """Requests that take no speech (System.ExceptionEncountered and the like): log the type only."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("no answer needed for request type %s", _request_type(handler_input))
        response: Response = handler_input.response_builder.response
        return response


class ApologyHandler(AbstractExceptionHandler):
    """Any failure: apologise and keep the session (and its state) usable; stop still ends it.

    The log names the exception type, the request type and intent, and the
    code location, never the exception message or slot values, which may
    carry what a partner said.
    """

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        intent = _intent_name(handler_input) or "-"
        where = failure_site(exception.__traceback__)
        log.error("turn failed: %s on %s %s at %s", type(exception).__name__, _request_type(handler_input),
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


def skill_builder(engine: EngineSource, household_of: HouseholdOf = alexa_user, skill_id: str | None = None,
                  forget_on_disable: bool = False, device_time_zones: bool = False) -> CustomSkillBuilder:
    """A skill builder with Rekindle's handlers; ``engine`` may be a factory called on first use.

    ``forget_on_disable`` deletes a household's data when its user disables the skill: right
    for a hosted skill where each Alexa user is a household, wrong for a home shared with a laptop.
    ``device_time_zones`` looks up each session's device time zone for an engine whose clock is
    :func:`skill.time_zone.zoned_clock` (a hosted skill running in UTC).
    """
    turns = _Turns(engine, household_of, device_time_zones)
    builder = CustomSkillBuilder()
    builder.skill_id = skill_id  # type: ignore[assignment]
    handlers: list[AbstractRequestHandler] = [LaunchHandler(turns), IntentHandler(turns),
                                              UnknownIntentHandler(turns), SessionEndedHandler(turns)]
    if forget_on_disable:
        handlers.append(SkillDisabledHandler(turns))
    for handler in [*handlers, OtherRequestHandler()]:
        builder.add_request_handler(handler)
    builder.add_exception_handler(ApologyHandler())
    return builder


def build_skill(engine: EngineSource, household_of: HouseholdOf = alexa_user,
                skill_id: str | None = None, forget_on_disable: bool = False) -> CustomSkill:
    """The Rekindle custom skill over ``engine`` (see :func:`skill_builder`)."""
    skill: CustomSkill = skill_builder(engine, household_of, skill_id, forget_on_disable).create()
    return skill

