"""The store: the seam between indexing and searching (interface: indexer/store/base.py).

    store = open_store("index")                         # a directory: the local files
    store = open_store("postgresql://user@host/tracuu")  # PostgreSQL + pgvector

The location comes from `--store` / TRACUU_STORE; without it, the index directory
(`--index-dir` / TRACUU_INDEX_DIR, default `index`).
"""
from __future__ import annotations

import os
from pathlib import Path

from indexer.store.base import (DocumentSummary, Hit, PassageRecord, Store, StoreError, StoreUnavailable,
                                 StoreWriter)
from indexer.store.files import FORMAT_VERSION
from indexer.store.filters import FilterError, Filters

STORE_ENV = "TRACUU_STORE"
INDEX_DIR_ENV = "TRACUU_INDEX_DIR"
DEFAULT_INDEX_DIR = "index"
URL_SCHEMES = ("postgresql://", "postgres://")

__all__ = ["open_store", "default_location", "is_url", "Store", "StoreWriter", "StoreError", "StoreUnavailable",
           "PassageRecord", "DocumentSummary", "Hit", "Filters", "FilterError", "FORMAT_VERSION", "STORE_ENV"]


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def default_location() -> str:
    """TRACUU_STORE, else TRACUU_INDEX_DIR, else `index`."""
    return os.environ.get(STORE_ENV) or os.environ.get(INDEX_DIR_ENV) or DEFAULT_INDEX_DIR


def open_store(location: str | Path | Store | None = None, verify: bool = True) -> Store:
    """The store at `location`: a `postgresql://` (or `postgres://`) URL → PostgresStore,
    anything else → a local index directory. A Store is returned as it is."""
    if isinstance(location, Store):
        return location
    location = default_location() if location is None or location == "" else location
    if is_url(location):
        try:
            from indexer.store.postgres import PostgresStore
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("indexer.store.postgres"):
                raise StoreError(f"the PostgreSQL backend is not installed in this tracuu "
                                 f"(indexer/store/postgres.py is missing); cannot open {mask_password(location)}"
                                 ) from None
            raise StoreError(f"the PostgreSQL backend needs the package {err.name!r}: {err}") from None
        return PostgresStore(location)
    from indexer.store.local import LocalStore

    return LocalStore(Path(location), verify=verify)


def mask_password(url: str) -> str:
    """postgresql://user:secret@host/db → postgresql://user:***@host/db"""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
