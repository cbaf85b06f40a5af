"""The skill as a web service: flask-ask-sdk's SkillAdapter under waitress.

``POST /alexa`` is the skill endpoint, ``GET /health`` a liveness check.
Every request that fails a check, is malformed or is too large gets HTTP 400
with a one-line JSON reason and no stack trace; the log never holds a body.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model.request_envelope import RequestEnvelope
from ask_sdk_runtime.exceptions import AskSdkException
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import oscrypto_compat
from .apology import failure_site

oscrypto_compat.install()
from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException  # noqa: E402
from flask_ask_sdk.skill_adapter import (  # noqa: E402
    VERIFY_SIGNATURE_APP_CONFIG,
    VERIFY_TIMESTAMP_APP_CONFIG,
    SkillAdapter,
)

log = logging.getLogger("rekindle.web")

ENDPOINT = "/alexa"
MAX_BODY_BYTES = 256 * 1024


def _bad_request(reason: str) -> tuple[Response, int]:
    log.warning("refused a request: %s", reason)
    return jsonify(error="bad request", reason=reason), 400


class RekindleSkillAdapter(SkillAdapter):  # type: ignore[misc]
    """SkillAdapter whose every refusal is a clean HTTP 400.

    The stock adapter answers malformed JSON and a wrong application id with
    500 and logs stack traces for refused requests; this one checks size and
    shape first, then deserialises once, runs the verifiers it was given and
    invokes the skill, mapping each refusal to 400.
    """

    def __init__(self, skill: CustomSkill, skill_id: str | None, verifiers: Sequence[AbstractVerifier],
                 app: Flask, max_body: int = MAX_BODY_BYTES) -> None:
        self.max_body = max_body
        self.checks = list(verifiers)
        app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
        app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
        super().__init__(skill=skill, skill_id=skill_id or "rekindle", verifiers=list(verifiers), app=app)

    def dispatch_request(self) -> Any:
        """Answer one POST: 400 for anything refused, 500 only for a failure inside the skill."""
        if request.mimetype and request.mimetype != "application/json":  # Alexa sends JSON; forms are not
            return _bad_request("content type is not application/json")
        if request.content_length is not None and request.content_length > self.max_body:
            return _bad_request("request body too large")
        try:
            raw = request.get_data(cache=True)
        except RequestEntityTooLarge:
            return _bad_request("request body too large")
        if len(raw) > self.max_body:
            return _bad_request("request body too large")
        try:
            body = raw.decode("utf-8")
            document = json.loads(body)
        except (ValueError, RecursionError):
            return _bad_request("body is not JSON")
        if not isinstance(document, dict) or not isinstance(document.get("request"), dict):
            return _bad_request("body is not an Alexa request")
        started = time.perf_counter()
        try:
            envelope = self._skill.serializer.deserialize(payload=body, obj_type=RequestEnvelope)
        except AskSdkException:
            return _bad_request("body is not an Alexa request")
        try:
            for verifier in self.checks:
                verifier.verify(headers=request.headers, serialized_request_env=body,  # type: ignore[arg-type]
                                deserialized_request_env=envelope)
        except VerificationException as exc:
            return _bad_request(str(exc) or "verification failed")
        verified = time.perf_counter()
        try:
            response = self._skill.invoke(request_envelope=envelope, context=None)
            answer = jsonify(self._skill.serializer.serialize(response))
        except AskSdkException as exc:
            log.error("skill dispatch failed: %s", type(exc).__name__)
            return jsonify(error="internal error"), 500
        if log.isEnabledFor(logging.DEBUG):
            done = time.perf_counter()
            log.debug("request %s: parse+verify %.1f ms, skill %.1f ms", envelope.request.object_type,
                      (verified - started) * 1000, (done - verified) * 1000)
        return answer


class _App(Flask):
    """Flask that logs an unexpected failure's type and place, never its message (it may quote a request)."""

    def log_exception(self, exc_info: Any) -> None:
        _kind, error, trace = exc_info
        log.error("unexpected failure: %s at %s", type(error).__name__, failure_site(trace))


def create_app(skill: CustomSkill, verifiers: Sequence[AbstractVerifier], skill_id: str | None = None,
               max_body: int = MAX_BODY_BYTES) -> Flask:
    """A Flask app serving ``skill`` at ``POST /alexa`` behind ``verifiers``."""
    app = _App("rekindle.skill")
    app.config["MAX_CONTENT_LENGTH"] = max_body
    adapter = RekindleSkillAdapter(skill, skill_id, verifiers, app, max_body)
    app.add_url_rule(ENDPOINT, view_func=adapter.dispatch_request, methods=["POST"], endpoint="alexa")

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.errorhandler(500)
    def internal_error(_error: Exception) -> tuple[Response, int]:
        return jsonify(error="internal error"), 500

    return app


class Server(Protocol):
    """A bound web server: :meth:`run` serves until interrupted."""

    def run(self) -> None: ...

    def close(self) -> None: ...


def bind(app: Flask, host: str, port: int, threads: int = 4) -> Server:
    """Bind ``host:port`` for ``app`` with waitress, ready to run.

    Raises :class:`OSError` when the port cannot be taken and :class:`ValueError`
    when ``host`` is not an address this machine can listen on, before anything
    is served, so a caller can say so instead of announcing a server that never ran.
    """
    import waitress

    server: Server = waitress.create_server(app, host=host, port=port, threads=threads, ident="rekindle")
    return server
