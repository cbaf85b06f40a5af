"""One engine turn for one Alexa request: the state in and out of the session attributes, the locale's
microphone window, the device's time zone, and the reply rendered as a response.

The engine's state rides in the session attributes under :data:`STATE_KEY`; history and preferences go
through the engine's household store, keyed by the request's household (:mod:`skill.envelope`).

Alexa's microphone closes about eight seconds after a reply, and once more after its reprompt. Every turn
tells the engine so (:func:`microphone_window`, named with the locale's invocation name).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model.response import Response
from ask_sdk_model.ui.simple_card import SimpleCard

from intents.commands import Command
from intents.engine import Rekindle, Turn
from intents.window import Left, MicrophoneWindow
from interaction_models import DEFAULT_LOCALE, language_model, locales

from .envelope import HouseholdOf
from .ssml import render_reply, render_text
from .time_zone import in_zone, session_zone

STATE_KEY = "rekindle"
EngineSource = Rekindle | Callable[[], Rekindle]


@lru_cache(maxsize=8)
def microphone_window(locale: str | None) -> MicrophoneWindow:
    """Alexa's microphone window for a request's locale, named with that model's invocation name."""
    model = locale if locale in locales() else DEFAULT_LOCALE
    return MicrophoneWindow(str(language_model(model)["invocationName"]))


class Turns:
    """Runs one engine turn for a request and renders the reply; ``engine`` may be a factory called on first
    use. ``zones`` looks up each session's device time zone."""

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
