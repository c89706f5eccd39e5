"""The store contract every backend passes (tests/store_contract.py), on real PostgreSQL
servers: one server, and a coordinator with 2 shards (the session's `pg_servers`). Each
contract test gets an empty store: a database created once per session and emptied
(every tracuu table dropped, on the shards too) before each use, which costs far less
than creating databases on three servers for every test."""
from __future__ import annotations

import pytest

from pg_fixtures import new_index_url
from store_contract import StoreContract, stored_corpus  # noqa: F401  (session fixture)

_urls: dict[str, str] = {}


def _store_factory(pg_servers, backend: str):
    import psycopg

    from indexer.store.postgres import PostgresStore, schema

    stores = []

    def make():
        name = f"contract_{backend}_{len(stores)}"  # a test asking for two stores gets two databases
        if name not in _urls:
            _urls[name] = new_index_url(pg_servers, backend, name)
        else:
            with psycopg.connect(_urls[name], autocommit=True) as conn:
                schema.drop_schema(conn)
        store = PostgresStore(_urls[name])
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
