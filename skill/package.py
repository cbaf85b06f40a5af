"""An ask-cli v2 project for deploying the skill: manifest, interaction models and Lambda code.

Three targets:

- default: ask-cli's Lambda deployer creates and updates the function from ``lambda/``;
- ``lambda_arn``: the manifest points at an existing function (``lambda/`` is the code to upload);
- ``endpoint``: a self-hosted HTTPS endpoint (``rekindle serve`` behind TLS); no code is packaged.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interaction_models import load_model, locales

SKILL_NAME = "Rekindle"
INVOCATION = "nightly ritual"
EXAMPLE_PHRASES = (
    f"Alexa, open {INVOCATION}",
    f"Alexa, ask {INVOCATION} for a connection question",
    f"Alexa, ask {INVOCATION} to start tonight's ritual",
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
LAMBDA_ARN = re.compile(r"^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$")
CODE_PACKAGES = ("intents", "skill", "rekindle", "interaction_models")
LAMBDA_REQUIREMENTS = (
    "ask-sdk-core>=1.19,<2",
    "ask-sdk-dynamodb-persistence-adapter>=1.19,<2",
    "boto3>=1.28",
    "PyYAML>=6",
    "platformdirs>=3",
)


class PackageError(ValueError):
    """The package cannot be written as asked; the message says what to change."""


@dataclass(frozen=True)
class Target:
    """Where the skill runs: exactly one of ``lambda_arn`` or ``endpoint``, or neither for ask-cli's deployer."""

    lambda_arn: str | None = None
    endpoint: str | None = None
    ssl_certificate_type: str = "Trusted"

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


def manifest(target: Target, privacy_url: str | None = None, terms_url: str | None = None) -> dict[str, Any]:
    """The ``skill.json`` document for ``target``."""
    target.check()
    publishing = {
        loc: {"name": SKILL_NAME, "summary": SUMMARY, "description": DESCRIPTION,
              "examplePhrases": list(EXAMPLE_PHRASES), "keywords": list(KEYWORDS)}
        for loc in locales()
    }
    privacy_locales: dict[str, dict[str, str]] = {}
    for loc in locales():
        urls = {"privacyPolicyUrl": privacy_url, "termsOfUseUrl": terms_url}
        privacy_locales[loc] = {k: v for k, v in urls.items() if v}
    custom: dict[str, Any] = {"interfaces": []}
    extra: dict[str, Any] = {}
    if target.lambda_arn:
        custom["endpoint"] = {"uri": target.lambda_arn}
        # A hosted skill deletes a user's data when they disable it (skill.handlers.SkillDisabledHandler).
        extra["events"] = {"endpoint": {"uri": target.lambda_arn},
                           "subscriptions": [{"eventName": "SKILL_DISABLED"}]}
    elif target.endpoint:
        custom["endpoint"] = {"uri": target.endpoint, "sslCertificateType": target.ssl_certificate_type}
    return {"manifest": {
        "manifestVersion": "1.0",
        "publishingInformation": {
            "locales": publishing,
            "isAvailableWorldwide": False,
            "distributionCountries": sorted({COUNTRIES[loc] for loc in locales() if loc in COUNTRIES}),
            "category": CATEGORY,
            "testingInstructions": "Say: Alexa, open nightly ritual. Then yes, next, more time, skip, stop.",
        },
        "privacyAndCompliance": {
            "allowsPurchases": False,
            "usesPersonalInfo": True,  # partners' first names, if they choose to say them
            "isChildDirected": False,
            "isExportCompliant": True,
            "containsAds": False,
            **({"locales": privacy_locales} if privacy_url or terms_url else {}),
        },
        "apis": {"custom": custom},
        **extra,
    }}


def ask_resources(target: Target) -> dict[str, Any]:
    """The ``ask-resources.json`` document for ``target``."""
    profile: dict[str, Any] = {"skillMetadata": {"src": "./skill-package"}}
    if target.packages_code:
        profile["code"] = {"default": {"src": "./lambda"}}
    if target.packages_code and not target.lambda_arn:
        profile["skillInfrastructure"] = {
            "type": "@ask-cli/lambda-deployer",
            "userConfig": {"runtime": "python3.11", "handler": "lambda_function.lambda_handler"},
        }
    return {"askcliResourcesVersion": "2020-03-31", "profiles": {"default": profile}}


def write_package(out_dir: Path, target: Target, privacy_url: str | None = None,
                  terms_url: str | None = None, source_root: Path | None = None) -> list[Path]:
    """Write the project into ``out_dir`` (which must be empty or absent); returns every file written."""
    target.check()
    if out_dir.exists() and any(out_dir.iterdir()):
        raise PackageError(f"{out_dir} is not empty; choose a new folder or empty it first.")
    root = source_root or Path(__file__).resolve().parents[1]

    def write_json(path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

    write_json(out_dir / "ask-resources.json", ask_resources(target))
    write_json(out_dir / "skill-package" / "skill.json", manifest(target, privacy_url, terms_url))
    for loc in locales():
        write_json(out_dir / "skill-package" / "interactionModels" / "custom" / f"{loc}.json", load_model(loc))
    if target.packages_code:
        code = out_dir / "lambda"
        for package in CODE_PACKAGES:
            shutil.copytree(root / package, code / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        entry = code / "lambda_function.py"
        entry.write_text('"""Lambda entry point for Rekindle."""\n\n'
                         "from skill.lambda_function import lambda_handler\n\n"
                         '__all__ = ["lambda_handler"]\n', encoding="utf-8")
        requirements = code / "requirements.txt"
        requirements.write_text("\n".join(LAMBDA_REQUIREMENTS) + "\n", encoding="utf-8")
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
