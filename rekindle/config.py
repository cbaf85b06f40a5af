"""Where Rekindle keeps its data and which household store to open.

``REKINDLE_HOME`` overrides the data folder (default: the platform's user data
directory); ``REKINDLE_STORE`` picks the store by URL:

- ``sqlite:///path/to/file.db`` (default: ``<data folder>/rekindle.db``)
- ``dynamodb://TABLE`` (the Alexa skill on AWS Lambda)
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import platformdirs

from intents.sqlite_store import SqliteStore
from intents.store import HouseholdStore, StoreError

from .errors import UserError

DEFAULT_HOUSEHOLD = "home"


def data_dir() -> Path:
    """The folder for the database and downloaded models."""
    override = os.environ.get("REKINDLE_HOME")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("rekindle"))


def store_url() -> str:
    return os.environ.get("REKINDLE_STORE") or f"sqlite:///{data_dir() / 'rekindle.db'}"


def household() -> str:
    """The household id used by the laptop and a self-hosted skill."""
    value = os.environ.get("REKINDLE_HOUSEHOLD") or DEFAULT_HOUSEHOLD
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 arrive as lone surrogates and no store can keep them
        raise UserError("REKINDLE_HOUSEHOLD is not valid UTF-8 text. Set it to a plain name, such as home.") from None
    return value


def describe_store(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return f"SQLite file {sqlite_path(url)}"
    if parsed.scheme == "dynamodb":
        return f"DynamoDB table {parsed.netloc or parsed.path.lstrip('/')}"
    return url


def sqlite_path(url: str) -> Path:
    """``sqlite:///abs/file.db`` is an absolute path; ``sqlite://rel.db`` is relative."""
    rest = url[len("sqlite://"):]
    if rest.startswith("//"):
        rest = rest[1:]
    if not rest or rest == "/":
        raise StoreError(f"REKINDLE_STORE={url!r} names no file. Use sqlite:///path/to/rekindle.db.")
    return Path(rest).expanduser()


def open_store(url: str | None = None) -> HouseholdStore:
    """Open the store a URL names; a wrong URL raises StoreError saying what is accepted."""
    url = url or store_url()
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return SqliteStore(sqlite_path(url))
    if scheme == "dynamodb":
        table = urlparse(url).netloc or urlparse(url).path.lstrip("/")
        if not table:
            raise StoreError(f"REKINDLE_STORE={url!r} names no table. Use dynamodb://TABLE_NAME.")
        try:
            from skill.dynamodb_store import DynamoDbHouseholdStore
        except ImportError as exc:
            raise StoreError(
                "The DynamoDB store needs the Alexa extras: pip install 'rekindle[alexa]'"
            ) from exc
        dynamo: HouseholdStore = DynamoDbHouseholdStore.from_table(table)
        return dynamo
    raise StoreError(
        f"REKINDLE_STORE={url!r} is not a store Rekindle knows. "
        "Use sqlite:///path/to/rekindle.db or dynamodb://TABLE_NAME."
    )
