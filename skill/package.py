"""An ask-cli v2 project for deploying the skill: manifest, interaction models and Lambda code.

Three targets:

- default: ask-cli's Lambda deployer creates and updates the function from ``lambda/``;
- ``lambda_arn``: the manifest points at an existing function (``lambda/`` is the code to upload);
- ``endpoint``: a self-hosted HTTPS endpoint (``rekindle serve`` behind TLS); no code is packaged.

A package is publishable by default: it needs privacy-policy and terms-of-use URLs
and a trusted certificate. ``draft`` writes a development package instead and
lists what certification will still need (also in ``NOT-READY-FOR-CERTIFICATION.txt``).
Every package carries the two skill icons and subscribes to SKILL_DISABLED: the
Lambda deletes a user's data when they disable the skill (a self-hosted home keeps
its history, shared with the laptop, and says so in the testing instructions).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interaction_models import language_model, load_model, locales

from .icons import ASSETS, ICON_FILES, LARGE, SMALL

SKILL_NAME = "Rekindle"
# The store's example phrases, each filled with the locale's invocation name (from its interaction model).
EXAMPLE_PHRASES = (
    "Alexa, open {invocation}",
    "Alexa, ask {invocation} for a connection question",
    "Alexa, ask {invocation} to start tonight's ritual",
)
SUMMARY = "A short nightly ritual for couples: questions you both answer, a gentle moment together, a calm close."
DESCRIPTION = (
    "Rekindle guides the two of you through a five to twenty minute ritual each evening: a connection "
    "question you each answer while the other listens, an optional non-sexual moment of closeness such as "
    "holding hands or a long hug, a short reflection and a calm closing. Say next when you are ready, "
    "more time to stay a little longer, skip to pass, or stop at any time; Rekindle picks up where you "
    "left off later the same evening. It remembers which rituals you have shared so questions do not "
    "repeat, and your first names if you tell it; it only ever receives the commands you give it, never "
    "what you say to each other. "
    "Rekindle is for adults and is not therapy or medical advice."
)
KEYWORDS = ("couples", "relationship", "connection", "bedtime", "ritual", "questions", "closeness")
# Alexa skill store category; confirm it on the first ``ask deploy`` (the console lists the current set).
CATEGORY = "FRIENDS_AND_FAMILY"
COUNTRIES = {"en-US": "US", "en-GB": "GB", "en-CA": "CA", "en-AU": "AU", "en-IN": "IN"}
SSL_TYPES = ("Trusted", "Wildcard", "SelfSigned")
IMAGES = "assets/images"  # inside skill-package/; ask-cli uploads what file:// names there
SUBSCRIPTIONS = ("SKILL_DISABLED",)  # nothing is stored on enabling, so SKILL_ENABLED would only add noise
NOT_READY_FILE = "NOT-READY-FOR-CERTIFICATION.txt"
HTTPS_URL = re.compile(r"^https://[^/\s]+\.[^/\s]+(/\S*)?$")
TESTING_INSTRUCTIONS = (
    "Rekindle guides two partners through a short nightly ritual. Start with: Alexa, open nightly ritual; "
    "then say yes to begin tonight's ritual (or: Alexa, ask nightly ritual for a connection question). "
    "Touch moments are silent on purpose: after a soft chime the response holds up to 3 minutes of silence "
    "(often 1.5 to 3 minutes, as chained breaks) while the couple holds hands or hugs, then a single bell. "
    "Please wait for the bell; the silence is not a fault. "
    "Every touch moment is an invitation: no or not tonight declines it. "
    "Held floors: wherever the partners talk to each other (answering a question in turn, a task together, "
    "lingering after a touch moment, paused) the response says how to go on (for example: when you've "
    "finished, say: Alexa, next), then holds 1 to 4 minutes of quiet inside the same response (chained "
    "breaks) and ends with a single soft piano note; then the microphone opens, with a reprompt naming next "
    "and more time. The session stays open throughout: to test, interrupt the quiet with Alexa, next (or "
    "Alexa, help; Alexa, pause; Alexa, more time; Alexa, stop); the command acts at once, in the same session. "
    "Help works during a held floor and keeps the session open. Only if nothing is said after the note nor "
    "after the reprompt does the session end; the reprompt says how to come back: Alexa, tell nightly ritual "
    "next (after a pause: Alexa, tell nightly ritual resume). Coming back by that phrase, or by Alexa, open "
    "nightly ritual, continues at the same step that evening, with a welcome back that fits a pause, a stop or "
    "a timeout. Help, stop and cancel work at any point. "
    "Rekindle stores which rituals were shared, content ids so questions do not repeat, preferences, and "
    "first names if the couple says them; it never stores audio or what partners say to each other."
)
HOSTED_DATA_NOTE = " Disabling the skill deletes that user's data (SKILL_DISABLED)."
HOME_DATA_NOTE = (" This endpoint serves one home and shares its history with the home's laptop, which deletes it "
                  "with rekindle forget; disabling the skill leaves it.")
LAMBDA_ARN = re.compile(r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")
CODE_PACKAGES = ("intents", "skill", "interaction_models")  # what lambda_function imports, nothing more
LAMBDA_REQUIREMENTS = (
    "ask-sdk-core>=1.19,<2",
    "boto3>=1.28",
    "PyYAML>=6",
)


class PackageError(ValueError):
    """The package cannot be written as asked; the message says what to change."""


@dataclass(frozen=True)
class Target:
    """Where the skill runs: exactly one of ``lambda_arn`` or ``endpoint``, or neither for ask-cli's deployer."""

    lambda_arn: str | None = None
    endpoint: str | None = None
    ssl_certificate_type: str = "Trusted"

    def endpoint_json(self) -> dict[str, str] | None:
        """The manifest's endpoint object, or ``None`` when ask-cli's deployer fills it in."""
        if self.lambda_arn:
            return {"uri": self.lambda_arn}
        if self.endpoint:
            return {"uri": self.endpoint, "sslCertificateType": self.ssl_certificate_type}
        return None

    def check(self) -> None:
        """Raise :class:`PackageError` explaining what is wrong with this target."""
        if self.lambda_arn and self.endpoint:
            raise PackageError("Give either a Lambda ARN or an HTTPS endpoint, not both.")
        if self.lambda_arn and not LAMBDA_ARN.match(self.lambda_arn):
            raise PackageError(f"{self.lambda_arn!r} is not a Lambda function ARN "
                               "(arn:aws:lambda:REGION:ACCOUNT:function:NAME).")
        if self.endpoint is not None:
            if not re.match(r"^https://[^/\s]+(/\S*)?$", self.endpoint):
                raise PackageError(f"{self.endpoint!r} is not an https:// URL; Alexa only calls HTTPS endpoints.")
            if self.ssl_certificate_type not in SSL_TYPES:
                raise PackageError(f"SSL certificate type must be one of {', '.join(SSL_TYPES)}.")

    @property
    def packages_code(self) -> bool:
        return self.endpoint is None


@dataclass(frozen=True)
class Publishing:
    """What the skill store needs beyond the code: the privacy and terms pages, or a draft without them."""

    privacy_url: str | None = None
    terms_url: str | None = None
    draft: bool = False

    def missing(self, target: Target) -> list[str]:
        """What certification still needs, one clause each; empty for a publishable package."""
        found = []
        for option, url, page in (("--privacy-url", self.privacy_url, "privacy policy"),
                                  ("--terms-url", self.terms_url, "terms of use")):
            if not url:
                found.append(f"a {page} URL ({option} https://…)")
        if target.endpoint and target.ssl_certificate_type == "SelfSigned":
            found.append("a trusted certificate (Alexa publishes no skill behind a self-signed one)")
        return found

    def check(self, target: Target) -> None:
        """Raise :class:`PackageError` for a bad URL, or for anything missing unless this is a draft."""
        for option, url in (("--privacy-url", self.privacy_url), ("--terms-url", self.terms_url)):
            if url and not HTTPS_URL.match(url):
                raise PackageError(f"{option} {url!r} is not an https:// page address.")
        missing = self.missing(target)
        if missing and not self.draft:
            raise PackageError("A package to submit for certification needs " + " and ".join(missing)
                               + f"; add {'them' if len(missing) > 1 else 'it'}, or pass --draft for a "
                               "development package.")


def example_phrases(locale: str) -> list[str]:
    """The store page's example phrases in ``locale``, with the invocation name its model has."""
    invocation = str(language_model(locale)["invocationName"])
    return [phrase.format(invocation=invocation) for phrase in EXAMPLE_PHRASES]


def manifest(target: Target, publishing: Publishing | None = None) -> dict[str, Any]:
    """The ``skill.json`` document for ``target``."""
    publishing = publishing or Publishing(draft=True)
    target.check()
    publishing.check(target)
    icons = {"smallIconUri": f"file://{IMAGES}/{ICON_FILES[SMALL]}",
             "largeIconUri": f"file://{IMAGES}/{ICON_FILES[LARGE]}"}
    store_pages = {loc: {"name": SKILL_NAME, "summary": SUMMARY, "description": DESCRIPTION,
                         "examplePhrases": example_phrases(loc), "keywords": list(KEYWORDS), **icons}
                   for loc in locales()}
    urls = {"privacyPolicyUrl": publishing.privacy_url, "termsOfUseUrl": publishing.terms_url}
    policies = {k: v for k, v in urls.items() if v}
    custom: dict[str, Any] = {"interfaces": []}
    events: dict[str, Any] = {"subscriptions": [{"eventName": name} for name in SUBSCRIPTIONS]}
    endpoint = target.endpoint_json()
    if endpoint:
        custom["endpoint"] = endpoint
        events["endpoint"] = dict(endpoint)
    return {"manifest": {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": store_pages,
            "isAvailableWorldwide": False,
            "distributionCountries": sorted({COUNTRIES[loc] for loc in locales() if loc in COUNTRIES}),
            "category": CATEGORY,
            "testingInstructions": TESTING_INSTRUCTIONS + (HOSTED_DATA_NOTE if target.packages_code
                                                           else HOME_DATA_NOTE),
        },
        "privacyAndCompliance": {
            "allowsPurchases": False,
            "usesPersonalInfo": True,  # partners' first names, if they choose to say them
            "isChildDirected": False,
            "isExportCompliant": True,
            "containsAds": False,
            **({"locales": {loc: dict(policies) for loc in locales()}} if policies else {}),
        },
        "apis": {"custom": custom},
        # The Lambda deletes a user's data when they disable the skill (skill.handlers.SkillDisabledHandler);
        # without an endpoint here, ask-cli's deployer writes in the function it creates (targetEndpoint).
        "events": events,
    }}


def ask_resources(target: Target) -> dict[str, Any]:
    """The ``ask-resources.json`` document for ``target``."""
    profile: dict[str, Any] = {"skillMetadata": {"src": "./skill-package"}}
    if target.packages_code:
        profile["code"] = {"default": {"src": "./lambda"}}
    if target.packages_code and not target.lambda_arn:
        profile["skillInfrastructure"] = {
            "type": "@ask-cli/lambda-deployer",
            "userConfig": {"runtime": "python3.11", "handler": "lambda_function.lambda_handler",
                           "targetEndpoint": ["custom", "events"]},
        }
    return {"askcliResourcesVersion": "2020-03-31", "profiles": {"default": profile}}


def write_package(out_dir: Path, target: Target, publishing: Publishing | None = None,
                  source_root: Path | None = None) -> list[Path]:
    """Write the project into ``out_dir`` (which must be empty or absent); returns every file written."""
    publishing = publishing or Publishing(draft=True)
    target.check()
    publishing.check(target)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise PackageError(f"{out_dir} is not empty; choose a new folder or empty it first.")
    if not out_dir.parent.is_dir():  # the folder asked for is created, not a path of missing ones above it
        raise PackageError(f"Cannot write {out_dir}: the folder {out_dir.parent} does not exist. Create it first.")
    root = source_root or Path(__file__).resolve().parents[1]

    def write_json(path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    write_json(out_dir / "ask-resources.json", ask_resources(target))
    write_json(out_dir / "skill-package" / "skill.json", manifest(target, publishing))
    for loc in locales():
        write_json(out_dir / "skill-package" / "interactionModels" / "custom" / f"{loc}.json", load_model(loc))
    images = out_dir / "skill-package" / IMAGES
    images.mkdir(parents=True)
    for name in ICON_FILES.values():
        shutil.copyfile(ASSETS / name, images / name)
    missing = publishing.missing(target)
    if missing:
        (out_dir / NOT_READY_FILE).write_text(
            "This is a development package. Before submitting it for certification, package again with:\n"
            + "".join(f"- {item}\n" for item in missing), encoding="utf-8")
    if target.packages_code:
        code = out_dir / "lambda"
        for package in CODE_PACKAGES:
            shutil.copytree(root / package, code / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "assets"))
        entry = code / "lambda_function.py"
        entry.write_text('"""Lambda entry point for Rekindle."""\n\n'
                         "from skill.lambda_function import lambda_handler\n\n"
                         '__all__ = ["lambda_handler"]\n', encoding="utf-8")
        requirements = code / "requirements.txt"
        requirements.write_text("\n".join(LAMBDA_REQUIREMENTS) + "\n", encoding="utf-8")
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
