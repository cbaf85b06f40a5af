"""Which household store a URL names, and opening it.

``REKINDLE_STORE`` picks the store by URL:

- ``sqlite:///path/to/file.db`` (an absolute path; ``sqlite://~/file.db`` starts from the home folder).
  A relative path is refused: it would put the household's data wherever Rekindle happened to start.
- ``dynamodb://TABLE`` (the Alexa skill on AWS Lambda)

The URL is parsed here; the caller brings the opener for a DynamoDB table
(:meth:`~intents.household.dynamodb.DynamoDbHouseholdStore.from_table`, which imports
boto3 only then), so importing the core loads no cloud library and the Lambda bundle
never needs the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .sqlite import SqliteStore
from .store import HouseholdStore, StoreError

STORE_ENV = "REKINDLE_STORE"
DYNAMODB_NEEDS_EXTRAS = "The DynamoDB store needs the Alexa extras: pip install 'rekindle[alexa]'"


@dataclass(frozen=True)
class SqliteLocation:
    """An SQLite file."""

    path: Path

    def describe(self) -> str:
        return f"SQLite file {self.path}"


@dataclass(frozen=True)
class DynamoDbLocation:
    """A DynamoDB table."""

    table: str

    def describe(self) -> str:
        return f"DynamoDB table {self.table}"


StoreLocation = SqliteLocation | DynamoDbLocation
OpenTable = Callable[[str], HouseholdStore]


def parse_store_url(url: str) -> StoreLocation:
    """The store a URL names; a URL Rekindle does not accept raises StoreError saying what is."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        rest = url[len("sqlite://"):]
        if rest.startswith("//"):
            rest = rest[1:]
        if not rest or rest == "/":
            raise StoreError(f"{STORE_ENV}={url!r} names no file. Use sqlite:///path/to/rekindle.db.")
        path = Path(rest).expanduser()
        if not path.is_absolute():
            raise StoreError(
                f"{STORE_ENV}={url!r} names a relative path, which would put your data in whatever folder Rekindle "
                f"is started from. Use an absolute one, such as sqlite://{Path.cwd() / path}."
            )
        return SqliteLocation(path)
    if scheme == "dynamodb":
        parsed = urlparse(url)
        table = parsed.netloc or parsed.path.lstrip("/")
        if not table:
            raise StoreError(f"{STORE_ENV}={url!r} names no table. Use dynamodb://TABLE_NAME.")
        return DynamoDbLocation(table)
    raise StoreError(
        f"{STORE_ENV}={url!r} is not a store Rekindle knows. "
        "Use sqlite:///path/to/rekindle.db or dynamodb://TABLE_NAME."
    )


def open_location(location: StoreLocation, open_table: OpenTable | None = None,
                  create_folder: bool = False) -> HouseholdStore:
    """Open a parsed store.

    An SQLite file's folder is created only with ``create_folder`` (the default data folder):
    a configured path whose folder is missing is a typo far more often than a wish, so it is
    refused with the folder named rather than starting an empty household somewhere unexpected.
    ``open_table`` opens a DynamoDB table by name; without it such a URL is refused.
    """
    if isinstance(location, DynamoDbLocation):
        if open_table is None:
            raise StoreError(DYNAMODB_NEEDS_EXTRAS)
        return open_table(location.table)
    folder = location.path.parent
    if not create_folder and not folder.exists():
        raise StoreError(
            f"The Rekindle database's folder {folder} does not exist. Check {STORE_ENV} for a typo, "
            "or create the folder first."
        )
    return SqliteStore(location.path)
