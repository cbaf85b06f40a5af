"""Shared test support for the Alexa skill: request envelopes, a conversation driver, a test PKI.

Envelopes follow Amazon's request and response JSON reference (session,
context.System, request with requestId, timestamp and locale; slots with
entity-resolution results the way Alexa fills them from the model's slot
types). The PKI is a real root -> intermediate -> leaf chain made here, so
signature tests exercise every check except where the chain comes from.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from golden_transcripts import Golden

from interaction_models import language_model

SKILL_ID = "amzn1.ask.skill.00000000-1111-2222-3333-444444444444"
USER_ID = "amzn1.ask.account.AFTESTUSER0123456789"
DEVICE_ID = "amzn1.ask.device.AFTESTDEVICE0123456789"
CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
# Alexa sends https://api.amazonalexa.com; tests use loopback so nothing leaves the machine (port 9: closed).
API_ENDPOINT = "http://127.0.0.1:9"

Send = Callable[[dict[str, Any]], dict[str, Any]]


def now_stamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolved_slot(locale: str, intent: str, name: str, value: str | None) -> dict[str, Any]:
    """A slot as Alexa sends it, with entity resolution against the model's slot type."""
    slot: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is None:
        return slot
    slot.update(value=value, source="USER")
    lm = language_model(locale)
    type_name = next(s["type"] for i in lm["intents"] if i["name"] == intent for s in i.get("slots", [])
                     if s["name"] == name)
    authority = f"amzn1.er-authority.echo-sdk.{SKILL_ID}.{type_name}"
    for slot_type in lm.get("types", []):
        if slot_type["name"] != type_name:
            continue
        for entry in slot_type["values"]:
            forms = [entry["name"]["value"], *entry["name"].get("synonyms", [])]
            if value.lower() in (f.lower() for f in forms):
                resolved = {"name": entry["name"]["value"], "id": entry.get("id", entry["name"]["value"])}
                slot["resolutions"] = {"resolutionsPerAuthority": [
                    {"authority": authority, "status": {"code": "ER_SUCCESS_MATCH"},
                     "values": [{"value": resolved}]}]}
                return slot
    slot["resolutions"] = {"resolutionsPerAuthority": [
        {"authority": authority, "status": {"code": "ER_SUCCESS_NO_MATCH"}}]}
    return slot


def envelope(request: dict[str, Any], *, session_id: str | None, new: bool, attributes: Mapping[str, Any] | None,
             locale: str = "en-US", application_id: str = SKILL_ID, user_id: str = USER_ID,
             timestamp: str | None = None, api_endpoint: str = API_ENDPOINT) -> dict[str, Any]:
    """A complete request envelope around ``request`` (type-specific fields); no session for skill events."""
    body = {"requestId": f"amzn1.echo-api.request.{uuid.uuid4()}", "timestamp": timestamp or now_stamp(),
            "locale": locale, **request}
    env: dict[str, Any] = {
        "version": "1.0",
        "session": {"new": new, "sessionId": session_id, "application": {"applicationId": application_id},
                    "attributes": dict(attributes or {}), "user": {"userId": user_id}},
        "context": {"System": {"application": {"applicationId": application_id}, "user": {"userId": user_id},
                               "device": {"deviceId": DEVICE_ID, "supportedInterfaces": {}},
                               "apiEndpoint": api_endpoint, "apiAccessToken": "test-token"}},
        "request": body,
    }
    if session_id is None:
        del env["session"]
    return env


def launch_request() -> dict[str, Any]:
    return {"type": "LaunchRequest", "shouldLinkResultBeReturned": False}


def intent_request(name: str, slots: Mapping[str, str | None] | None = None, locale: str = "en-US",
                   declared: bool = True) -> dict[str, Any]:
    """An IntentRequest; every slot the model declares is present, with or without a value."""
    slot_names = [s["name"] for i in language_model(locale)["intents"] if i["name"] == name
                  for s in i.get("slots", [])] if declared else []
    values = dict(slots or {})
    intent: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if slot_names or values:
        intent["slots"] = {s: resolved_slot(locale, name, s, values.get(s)) for s in slot_names}
    return {"type": "IntentRequest", "dialogState": "COMPLETED", "intent": intent}


def skill_disabled_event() -> dict[str, Any]:
    """AlexaSkillEvent.SkillDisabled, as sent to the events endpoint (no session)."""
    stamp = now_stamp()
    return {"type": "AlexaSkillEvent.SkillDisabled", "eventCreationTime": stamp, "eventPublishingTime": stamp,
            "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"}}


def session_ended_request(reason: str, error: tuple[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "SessionEndedRequest", "reason": reason}
    if error:
        body["error"] = {"type": error[0], "message": error[1]}
    return body


@dataclass
class Conversation:
    """Plays Alexa's part: carries session attributes between turns and starts new sessions."""

    send: Send
    locale: str = "en-US"
    user_id: str = USER_ID
    api_endpoint: str = API_ENDPOINT
    session_id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    open_session: bool = False
    responses: list[dict[str, Any]] = field(default_factory=list)

    def _request(self, request: dict[str, Any], new_session: bool) -> dict[str, Any]:
        if new_session or not self.open_session:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
            new = True
        else:
            new = False
        response = self.send(envelope(request, session_id=self.session_id, new=new, attributes=self.attributes,
                                      locale=self.locale, user_id=self.user_id, api_endpoint=self.api_endpoint))
        self.responses.append(response)
        self.attributes = dict(response.get("sessionAttributes") or {})
        self.open_session = response.get("response", {}).get("shouldEndSession") is False
        return response

    def launch(self) -> dict[str, Any]:
        return self._request(launch_request(), new_session=True)

    def intent(self, name: str, slots: Mapping[str, str | None] | None = None) -> dict[str, Any]:
        return self._request(intent_request(name, slots, self.locale), new_session=False)

    def session_ended(self, reason: str) -> dict[str, Any]:
        """Alexa ends the open session itself (no answer after the reprompt, or the user left)."""
        assert self.open_session, "no open session to end"
        response = self.send(envelope(session_ended_request(reason), session_id=self.session_id, new=False,
                                      attributes=self.attributes, locale=self.locale, user_id=self.user_id,
                                      api_endpoint=self.api_endpoint))
        self.open_session, self.attributes = False, {}
        return response


def speech_text(response: dict[str, Any], reprompt: bool = False) -> str:
    """The words of a response's output speech (or of its reprompt), tags removed."""
    import re

    body = response.get("response", {})
    ssml = ((body.get("reprompt") or {}) if reprompt else body).get("outputSpeech", {}).get("ssml", "")
    return " ".join(re.sub(r"<[^>]+>", " ", ssml).replace("&amp;", "&").replace("&lt;", "<")
                    .replace("&gt;", ">").replace("&apos;", "'").split())


def ritual_state(response: dict[str, Any]) -> dict[str, Any]:
    """The engine's state a response carries in its session attributes (empty if none)."""
    state: dict[str, Any] = (response.get("sessionAttributes") or {}).get("rekindle") or {}
    return state


def closed_on_purpose(response: dict[str, Any]) -> bool:
    """The skill ended the session while the couple talks, having said how to come back: the ritual goes on
    when they say "Alexa, tell nightly ritual next" (a new session)."""
    return response["response"].get("shouldEndSession") is True and ritual_state(response).get("left") in (
        "waiting", "paused")


def run_golden(golden: Golden, send: Send, user_id: str = USER_ID) -> Conversation:
    """Play a golden transcript through ``send`` and check every reply."""
    talk = Conversation(send, user_id=user_id)
    for index, turn in enumerate(golden.turns):
        if turn.session_ended:
            assert "outputSpeech" not in talk.session_ended(turn.session_ended)["response"]
            continue
        said = turn.alexa or turn
        if turn.is_open:
            response = talk.launch()
        else:
            assert said.intent
            response = talk.intent(said.intent, said.slots)
        golden.check(index, speech_text(response), bool(response["response"].get("shouldEndSession")), alexa=True)
    return talk


@dataclass(frozen=True)
class Pki:
    """A root, an intermediate and an echo-api leaf made for the tests."""

    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey

    @property
    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.leaf, self.intermediate))

    def sign(self, body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
        signature = (key or self.leaf_key).sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, body: bytes, url: str = CHAIN_URL) -> dict[str, str]:
        return {"Content-Type": "application/json", "SignatureCertChainUrl": url,
                "Signature-256": self.sign(body)}


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def issue(subject: str, key: rsa.RSAPrivateKey, issuer: x509.Certificate | None, issuer_key: rsa.RSAPrivateKey,
          *, ca: bool, san: str | None = None, not_before: datetime | None = None,
          not_after: datetime | None = None) -> x509.Certificate:
    """One certificate with the extensions a Web PKI path validator expects."""
    start = not_before or datetime.now(timezone.utc) - timedelta(days=1)
    end = not_after or datetime.now(timezone.utc) + timedelta(days=30)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(issuer.subject if issuer else _name(subject))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(ski, critical=False))
    aki_source = issuer.public_key() if issuer else key.public_key()
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_source),  # type: ignore[arg-type]
                                    critical=False)
    if ca:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                      key_encipherment=False, data_encipherment=False,
                                                      key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                      encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                      key_encipherment=True, data_encipherment=False,
                                                      key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                      encipher_only=False, decipher_only=False), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(san: str = "echo-api.amazon.com", leaf_not_before: datetime | None = None,
             leaf_not_after: datetime | None = None) -> Pki:
    root_key, mid_key, leaf_key = _key(), _key(), _key()
    root = issue("Rekindle Test Root", root_key, None, root_key, ca=True)
    mid = issue("Rekindle Test Intermediate", mid_key, root, root_key, ca=True)
    leaf = issue(san, leaf_key, mid, mid_key, ca=False, san=san, not_before=leaf_not_before,
                 not_after=leaf_not_after)
    return Pki(root, mid, leaf, leaf_key)


def test_envelopes_deserialise_as_the_sdk_expects() -> None:
    """The envelopes these tests send are what ask-sdk-model reads from Amazon."""
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    env = envelope(intent_request("SetRitualLengthIntent", {"minutes": "twenty"}), session_id="s", new=False,
                   attributes={"k": 1})
    parsed = DefaultSerializer().deserialize(json.dumps(env), RequestEnvelope)
    slot = parsed.request.intent.slots["minutes"]
    assert slot.value == "twenty"
    assert slot.resolutions.resolutions_per_authority[0].values[0].value.id == "20"
    assert parsed.context.system.user.user_id == USER_ID
    assert parsed.request.timestamp.tzinfo is not None


class LiveServer:
    """A WSGI app under waitress on a free loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import threading

        import waitress.server

        self.server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4,
                                                    clear_untrusted_proxy_headers=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        def close_all() -> None:  # runs inside the server's loop, which ends once nothing is open
            for channel in list(self.server._map.values()):
                channel.close()

        try:
            self.server.trigger.pull_trigger(close_all)
        except OSError:
            # Seen once in a full CI run (EBADF: the loop's wake-up pipe was already gone, after a request
            # whose upstream fetch timed out; cause not found). The test's assertions have run by now,
            # so close the channels from here rather than fail in teardown.
            close_all()
        self.thread.join(timeout=5)
        self.server.task_dispatcher.shutdown()
