"""The store contract every backend passes (tests/store_contract.py), on real PostgreSQL
servers: one server, and a coordinator with 2 shards (the session's `pg_servers`). Each
contract test gets a new, empty database on the running servers."""
from __future__ import annotations

import itertools

import pytest

from pg_fixtures import new_index_url
from store_contract import StoreContract, stored_corpus  # noqa: F401  (session fixture)

_databases = itertools.count()


def _store_factory(pg_servers, backend: str):
    from indexer.store.postgres import PostgresStore

    stores = []

    def make():
        store = PostgresStore(new_index_url(pg_servers, backend, f"contract_{backend}_{next(_databases)}"))
        stores.append(store)
        return store

    return make, stores


class TestPostgresServer(StoreContract):
    @pytest.fixture
    def make_store(self, pg_servers):
        make, stores = _store_factory(pg_servers, "single")
        yield make
        for store in stores:
            store.close()


class TestPostgresCluster(StoreContract):
    @pytest.fixture
    def make_store(self, pg_servers):
        make, stores = _store_factory(pg_servers, "cluster")
        yield make
        for store in stores:
            store.close()
