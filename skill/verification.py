"""Amazon's checks on requests to a self-hosted skill, built on ``cryptography``.

Each rule is a verifier for flask-ask-sdk's ``SkillAdapter``; a broken rule
raises ``VerificationException`` with a short reason (never request content):

- ``SignatureCertChainUrl``: https, host s3.amazonaws.com (any case), no user
  info, port 443 if given, path under ``/echo.api/`` after resolving ``..``;
- the PEM chain there: fetched with a timeout and a size limit, the leaf valid
  now, its SAN naming echo-api.amazon.com, chaining to a trusted root (one
  ``cryptography.x509.verification`` call), then cached until it expires;
- ``Signature-256``: RSA PKCS#1 v1.5 over SHA-256 of the raw body by that leaf;
- ``request.timestamp`` within 150 seconds of now;
- the application id equal to the skill's.

Trusted roots default to the Mozilla bundle shipped as ``certifi``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import posixpath
import threading
import urllib.request
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509 import DNSName
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from . import oscrypto_compat

oscrypto_compat.install()
from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException  # noqa: E402

log = logging.getLogger("rekindle.verification")

SIGNATURE_HEADER = "Signature-256"
CHAIN_URL_HEADER = "SignatureCertChainUrl"
ECHO_SAN = "echo-api.amazon.com"
CHAIN_HOST = "s3.amazonaws.com"
CHAIN_PATH_PREFIX = "/echo.api/"
MAX_SKEW = timedelta(seconds=150)
FETCH_TIMEOUT_SECONDS = 3.0
MAX_CHAIN_BYTES = 64 * 1024

Clock = Callable[[], datetime]
Fetch = Callable[[str], bytes]


def utc_now() -> datetime:
    """Now, in UTC (the verifiers' default clock)."""
    return datetime.now(timezone.utc)


def check_chain_url(url: str) -> None:
    """Raise ``VerificationException`` unless ``url`` is where Amazon keeps its signing chain."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise VerificationException("certificate chain URL is malformed") from None
    if parts.scheme.lower() != "https":
        raise VerificationException("certificate chain URL is not https")
    if (parts.hostname or "").lower() != CHAIN_HOST:
        raise VerificationException("certificate chain URL has the wrong host")
    if "@" in parts.netloc:  # Amazon's URLs carry no user info; a URL that does was made by someone else
        raise VerificationException("certificate chain URL has user info")
    if port is not None and port != 443:
        raise VerificationException("certificate chain URL has the wrong port")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CHAIN_PATH_PREFIX):
        raise VerificationException("certificate chain URL has the wrong path")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would leave the checked URL for one that was never checked: treat it as an error."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch_url(url: str, timeout: float = FETCH_TIMEOUT_SECONDS, limit: int = MAX_CHAIN_BYTES) -> bytes:
    """GET ``url`` with a timeout, refusing redirects and bodies over ``limit`` bytes."""
    with _OPENER.open(url, timeout=timeout) as response:
        data: bytes = response.read(limit + 1)
    if len(data) > limit:
        raise ValueError("certificate chain is too large")
    return data


def default_roots() -> list[x509.Certificate]:
    """The Mozilla root store from ``certifi``."""
    import certifi
    from cryptography.utils import CryptographyDeprecationWarning

    with open(certifi.where(), "rb") as bundle, warnings.catch_warnings():
        # One root Mozilla ships has a non-positive serial number; cryptography warns on every start.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return x509.load_pem_x509_certificates(bundle.read())


class ChainCache:
    """Fetches, validates and caches signing chains per URL until the chain's first expiry."""

    def __init__(self, roots: Sequence[x509.Certificate] | None = None, fetch: Fetch = fetch_url,
                 clock: Clock = utc_now) -> None:
        self._roots = list(roots) if roots is not None else None
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[x509.Certificate, RSAPublicKey, datetime]] = {}
        self.fetches = 0

    def leaf(self, url: str) -> x509.Certificate:
        """The validated signing certificate at ``url`` (cached); raises ``VerificationException``."""
        return self._entry(url)[0]

    def key(self, url: str) -> RSAPublicKey:
        """The validated signing certificate's RSA public key (cached with it)."""
        return self._entry(url)[1]

    def _entry(self, url: str) -> tuple[x509.Certificate, RSAPublicKey, datetime]:
        now = self._clock()
        cached = self._cache.get(url)
        if cached and now < cached[2]:
            return cached
        with self._lock:
            cached = self._cache.get(url)
            if cached and now < cached[2]:
                return cached
            leaf, expires = self._load(url, now)
            key = leaf.public_key()
            if not isinstance(key, RSAPublicKey):
                raise VerificationException("signing certificate has no RSA key")
            self._cache[url] = (leaf, key, expires)
            return self._cache[url]

    def _load(self, url: str, now: datetime) -> tuple[x509.Certificate, datetime]:
        self.fetches += 1
        try:
            pem = self._fetch(url)
        except Exception as exc:
            log.warning("could not fetch the signing certificate chain: %s", type(exc).__name__)
            raise VerificationException("certificate chain could not be fetched") from None
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise VerificationException("certificate chain is not PEM certificates") from None
        if self._roots is None:
            self._roots = default_roots()
        verifier = (PolicyBuilder().store(Store(self._roots)).time(now)
                    .build_server_verifier(DNSName(ECHO_SAN)))
        try:
            verifier.verify(chain[0], chain[1:])
        except VerificationError as exc:
            log.warning("signing certificate rejected: %s", exc)
            raise VerificationException("signing certificate is not valid") from None
        return chain[0], min(c.not_valid_after_utc for c in chain)


class SignatureVerifier(AbstractVerifier):
    """The chain-URL, certificate and ``Signature-256`` rules."""

    def __init__(self, chains: ChainCache) -> None:
        self.chains = chains

    def verify(self, headers: Mapping[str, str], serialized_request_env: str,
               deserialized_request_env: Any) -> None:
        url = headers.get(CHAIN_URL_HEADER)
        signature_b64 = headers.get(SIGNATURE_HEADER)
        if not url:
            raise VerificationException(f"missing {CHAIN_URL_HEADER} header")
        if not signature_b64:
            raise VerificationException(f"missing {SIGNATURE_HEADER} header")
        check_chain_url(url)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            raise VerificationException("signature is not base64") from None
        key = self.chains.key(url)
        try:
            key.verify(signature, serialized_request_env.encode("utf-8"), PKCS1v15(), SHA256())
        except InvalidSignature:
            raise VerificationException("signature does not match the body") from None


class TimestampVerifier(AbstractVerifier):
    """``request.timestamp`` within 150 seconds of now."""

    def __init__(self, clock: Clock = utc_now, tolerance: timedelta = MAX_SKEW) -> None:
        self.clock = clock
        self.tolerance = tolerance

    def verify(self, headers: Mapping[str, str], serialized_request_env: str,
               deserialized_request_env: Any) -> None:
        request = getattr(deserialized_request_env, "request", None)
        stamp = getattr(request, "timestamp", None)
        if not isinstance(stamp, datetime):
            raise VerificationException("request has no timestamp")
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        if abs(self.clock() - stamp) > self.tolerance:
            raise VerificationException("request timestamp is too far from now")


class ApplicationIdVerifier(AbstractVerifier):
    """The request's application id (context and session) equals the configured skill id."""

    def __init__(self, skill_id: str) -> None:
        self.skill_id = skill_id

    def verify(self, headers: Mapping[str, str], serialized_request_env: str,
               deserialized_request_env: Any) -> None:
        ids = []
        context = getattr(deserialized_request_env, "context", None)
        system = getattr(context, "system", None)
        ids.append(getattr(getattr(system, "application", None), "application_id", None))
        session = getattr(deserialized_request_env, "session", None)
        if session is not None:
            ids.append(getattr(getattr(session, "application", None), "application_id", None))
        if not ids[0] or any(i != self.skill_id for i in ids):
            raise VerificationException("request is for another skill")


def request_verifiers(skill_id: str | None, *, verify_signature: bool = True,
                      roots: Sequence[x509.Certificate] | None = None, fetch: Fetch = fetch_url,
                      clock: Clock = utc_now) -> list[AbstractVerifier]:
    """Every check for a self-hosted endpoint; ``verify_signature=False`` keeps only the skill-id check."""
    verifiers: list[AbstractVerifier] = []
    if verify_signature:
        verifiers += [SignatureVerifier(ChainCache(roots, fetch, clock)), TimestampVerifier(clock)]
    if skill_id:
        verifiers.append(ApplicationIdVerifier(skill_id))
    return verifiers
