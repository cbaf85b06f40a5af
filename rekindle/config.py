"""Where Rekindle keeps its data, which household store to open, and which interaction model to understand.

``REKINDLE_HOME`` overrides the data folder (default: the platform's user data
directory); ``REKINDLE_STORE`` picks the store by URL (see :mod:`intents.household.url`),
by default ``<data folder>/rekindle.db``. Only that default's folder is created.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from intents.household import HouseholdStore, StoreError
from intents.household.dynamodb import DynamoDbHouseholdStore
from intents.household.url import STORE_ENV, open_location, parse_store_url
from intents.understanding import IntentMatcher

from .errors import UserError

DEFAULT_HOUSEHOLD = "home"


def data_dir() -> Path:
    """The folder for the database and downloaded models."""
    override = os.environ.get("REKINDLE_HOME")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("rekindle"))


def default_store_url() -> str:
    return f"sqlite:///{data_dir() / 'rekindle.db'}"


def store_url() -> str:
    return os.environ.get(STORE_ENV) or default_store_url()


def household() -> str:
    """The household id used by the laptop and a self-hosted skill."""
    value = os.environ.get("REKINDLE_HOUSEHOLD") or DEFAULT_HOUSEHOLD
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates and no store can keep them
        raise UserError("REKINDLE_HOUSEHOLD is not valid UTF-8 text. Set it to a plain name, such as home.") from None
    return value


def describe_store(url: str) -> str:
    try:
        return parse_store_url(url).describe()
    except StoreError:
        return url


def open_store(url: str | None = None) -> HouseholdStore:
    """Open the store a URL names (default: the configured one); a wrong URL raises StoreError."""
    url = url or store_url()
    return open_location(parse_store_url(url), _open_dynamodb_table, create_folder=url == default_store_url())


def _open_dynamodb_table(table: str) -> HouseholdStore:
    store: HouseholdStore = DynamoDbHouseholdStore.from_table(table)  # boto3 loads only now (the Alexa extras)
    return store


def matcher_for(locale: str) -> IntentMatcher:
    """The interaction model of ``locale`` (``--locale``), or a clear error naming it."""
    try:
        return IntentMatcher.for_locale(locale)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise UserError(f"No interaction model for locale {locale!r}.") from exc
