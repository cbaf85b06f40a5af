"""ASK SDK request handlers and the skill built from them: each kind of request to an engine turn.

Nothing here decides what happens in a ritual: a handler picks the command and :class:`~skill.turns.Turns`
runs it. A session that ends unanswered or by the user is reported to the engine (:data:`LEFT_BY_REASON`),
so coming back is greeted for what happened; any failure is answered by :class:`~skill.apology.ApologyHandler`.
"""

from __future__ import annotations

import logging
from typing import cast

from ask_sdk_core.dispatch_components.request_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model.events.skillevents.skill_disabled_request import SkillDisabledRequest
from ask_sdk_model.intent_request import IntentRequest
from ask_sdk_model.launch_request import LaunchRequest
from ask_sdk_model.response import Response
from ask_sdk_model.session_ended_request import SessionEndedRequest

from intents.commands import Command, CommandKind
from intents.understanding import INTENT_COMMANDS, command_for_intent
from intents.window import Left

from .apology import ApologyHandler
from .envelope import HouseholdOf, alexa_user, intent_name, request_type, slot_values
from .turns import EngineSource, Turns

log = logging.getLogger("rekindle.skill")

HANDLED_INTENTS: frozenset[str] = frozenset(INTENT_COMMANDS)

# Why Alexa ended a session without the skill closing it, as the engine's record of how it was left. An error
# ends nothing the couple chose, so it is not recorded: the last turn's progress stands.
LEFT_BY_REASON = {"EXCEEDED_MAX_REPROMPTS": Left.TIMED_OUT, "USER_INITIATED": Left.STOPPED}


class _TurnHandler(AbstractRequestHandler):
    """A handler that answers through the engine."""

    def __init__(self, turns: Turns) -> None:
        self.turns = turns


class LaunchHandler(_TurnHandler):
    """'Alexa, open nightly ritual': offers tonight's ritual or one left midway tonight."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, LaunchRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.turns.respond(handler_input, Command(CommandKind.OPEN), fresh=True)


class IntentHandler(_TurnHandler):
    """Every intent of the interaction model, through ``intents.understanding.intent_map``."""

    def __init__(self, turns: Turns, names: frozenset[str] = HANDLED_INTENTS) -> None:
        super().__init__(turns)
        self.names = names

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return intent_name(handler_input) in self.names

    def handle(self, handler_input: HandlerInput) -> Response:
        request = cast(IntentRequest, handler_input.request_envelope.request)
        command = command_for_intent(intent_name(handler_input), slot_values(request.intent))
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
        log.info("no answer needed for request type %s", request_type(handler_input))
        response: Response = handler_input.response_builder.response
        return response


def skill_builder(engine: EngineSource, household_of: HouseholdOf = alexa_user, skill_id: str | None = None,
                  forget_on_disable: bool = False, device_time_zones: bool = False) -> CustomSkillBuilder:
    """A skill builder with Rekindle's handlers; ``engine`` may be a factory called on first use.

    ``forget_on_disable`` deletes a household's data when its user disables the skill: right
    for a hosted skill where each Alexa user is a household, wrong for a home shared with a laptop.
    ``device_time_zones`` looks up each session's device time zone for an engine whose clock is
    :func:`skill.time_zone.zoned_clock` (a hosted skill running in UTC).
    """
    turns = Turns(engine, household_of, device_time_zones)
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

