"""The PostgreSQL + pgvector backend of the store (one server, or a coordinator with
postgres_fdw shards). `open_store("postgresql://…")` returns a `PostgresStore`."""
from indexer.store.postgres.store import PostgresStore, mask_password

__all__ = ["PostgresStore", "mask_password"]
