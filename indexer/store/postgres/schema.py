"""The tables of a tracuu index in PostgreSQL, on one server or a coordinator with shards.

    tracuu_versions   one row per committed version: manifest, corpus statistics for BM25
                      (passages N, total length, vocabulary size, mean idf, the histogram
                      of document frequencies), next passage order
    tracuu_documents  one row per document version: record (text, paragraphs…) and
                      metadata as JSONB (GIN-indexed), the filter keys as columns
    tracuu_vocab      term → integer id (ids are never reused)
    tracuu_terms      document frequency of each term id, one row per version it changed in
    tracuu_passages   one row per passage version: passage_id, doc_id, order, text and
                      citation fields (JSONB `data`), its term ids `tids` (integer[],
                      GIN-indexed: the postings), its term counts `tfv` (a pgvector
                      `sparsevec`: term id → tf), `len`, the embedding `vector(dim)` with an
                      HNSW index (inner product), the document's filter keys

Rows are never updated in place: a version g sees a row when gen_added <= g and
(gen_removed is null or gen_removed > g), so a reader keeps reading the version it
opened while a writer commits the next one (MVCC on top of PostgreSQL's own).

BM25 (store.py): the GIN postings give the candidate passages (`tids && ARRAY[...]`), and a
candidate's count of query term t is `-(tfv <#> e_t)`, the inner product of its sparse
term vector with the one-hot vector of t: pgvector's C merge of two sorted index lists,
0 when the passage lacks the term, so the score needs neither CASE nor COALESCE. Both are
plain built-in or `vector` operators on integer and sparsevec columns: postgres_fdw ships
the whole score, the postings match, the filters and the ORDER BY to each shard. (The
first version read counts from JSONB with text keys: postgres_fdw ships a text
expression only when its collation comes from a column, and each lookup cost ~2.5x the
inner product.) Which query terms must match is decided by a MaxScore bound, so common
terms do not make every passage a candidate (store.py, `PostgresStore.bm25`).

Sharded: on the coordinator `tracuu_passages` is partitioned by hash of doc_id; each
partition is a postgres_fdw foreign table over the shard's own `tracuu_passages`
(where its indexes live). Documents, terms and versions stay on the coordinator, so
BM25 uses corpus-wide statistics; the scoring, filters and top-k run on each shard.
"""
from __future__ import annotations

import re

SHARD_SERVER = "tracuu_shard{}"
TERM_DIM = 1_000_000_000  # sparsevec dimension of the term counts: term ids are 1 … 10^9 (pgvector's limit)
SHARD_SERVER_RE = r"^tracuu_shard[0-9]+$"
# HNSW: how wide to search. ef_search 100 keeps recall@10 >= 0.98 against exact on our sets
# (tests/test_store_postgres.py); iterative scans keep going until k rows pass the filters.
HNSW_SETTINGS = {"hnsw.ef_search": "100", "hnsw.iterative_scan": "strict_order",
                 "hnsw.max_scan_tuples": "200000"}
HNSW_BUILD = "(m = 16, ef_construction = 64)"
# How long a connection of the store's own to a server or shard may take to open (libpq
# connect_timeout, whole seconds; libpq reads 1 as 2; 0 = wait for the OS), so a shard host
# that does not answer is a named error in seconds (store.py, `PostgresStore.top_k`). Not a
# foreign server option: postgres_fdw opens its connections with libpq's asynchronous
# calls, which do not apply connect_timeout (measured: a coordinator statement reaching a
# host that never answers waited for its statement timeout with connect_timeout '2' set).
CONNECT_TIMEOUT_ENV = "TRACUU_PG_CONNECT_TIMEOUT_S"
DEFAULT_CONNECT_TIMEOUT_S = 5


def connect_timeout_s() -> int:
    import os

    raw = os.environ.get(CONNECT_TIMEOUT_ENV, "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_CONNECT_TIMEOUT_S

COORDINATOR_TABLES = """
CREATE TABLE IF NOT EXISTS tracuu_versions (
    gen bigint PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    manifest jsonb NOT NULL,
    documents bigint NOT NULL,
    passages bigint NOT NULL,
    total_len bigint NOT NULL,
    vocabulary bigint NOT NULL,
    mean_idf float8 NOT NULL,
    df_hist jsonb NOT NULL,
    next_ord bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS tracuu_documents (
    doc_id text NOT NULL,
    ord bigint NOT NULL,
    gen_added bigint NOT NULL,
    gen_removed bigint,
    title text NOT NULL,
    source text,
    passages integer NOT NULL,
    metadata jsonb NOT NULL,
    record jsonb NOT NULL,
    province text, district text, doc_type text, year_lo integer, year_hi integer, refs text[]
);
CREATE INDEX IF NOT EXISTS tracuu_documents_doc_id ON tracuu_documents (doc_id);
CREATE INDEX IF NOT EXISTS tracuu_documents_ord ON tracuu_documents (ord);
CREATE INDEX IF NOT EXISTS tracuu_documents_metadata ON tracuu_documents USING gin (metadata jsonb_path_ops);
CREATE TABLE IF NOT EXISTS tracuu_vocab (
    term text PRIMARY KEY,
    id integer NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS tracuu_terms (
    id integer NOT NULL,
    gen bigint NOT NULL,
    df bigint NOT NULL,
    PRIMARY KEY (id, gen)
);
"""

# The figures of each document (indexer/facts.py), queried by indicator, place and period
# (indexer/store/factindex.py): B-tree on the predicate and qualifiers, GIN on the counted
# words; year_lo/year_hi are the fact's own period, the other filter keys its document's.
# On the coordinator only: a table query reads a few hundred rows, never the passages.
FACT_TABLES = """
CREATE TABLE IF NOT EXISTS tracuu_facts (
    doc_id text NOT NULL,
    ord bigint NOT NULL,
    gen_added bigint NOT NULL,
    gen_removed bigint,
    predicate text,
    words text[] NOT NULL,
    qualifiers text NOT NULL,
    unit_class text,
    rate boolean NOT NULL,
    province text, district text, doc_type text, year_lo integer, year_hi integer, refs text[],
    data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS tracuu_facts_predicate ON tracuu_facts (predicate, qualifiers);
CREATE INDEX IF NOT EXISTS tracuu_facts_words ON tracuu_facts USING gin (words);
CREATE INDEX IF NOT EXISTS tracuu_facts_doc ON tracuu_facts (doc_id);
"""
FACT_FIELDS = ("doc_id", "ord", "gen_added", "predicate", "words", "qualifiers", "unit_class", "rate", "province",
               "district", "doc_type", "year_lo", "year_hi", "refs", "data")

PASSAGE_COLUMNS = """
    passage_id text NOT NULL,
    doc_id text NOT NULL,
    ord bigint NOT NULL,
    gen_added bigint NOT NULL,
    gen_removed bigint,
    content_hash text,
    len integer NOT NULL,
    tids integer[] NOT NULL,
    tfv sparsevec({TERM_DIM}) NOT NULL,
    data jsonb NOT NULL,
    embedding vector({dim}) NOT NULL,
    province text, district text, doc_type text, year_lo integer, year_hi integer, refs text[]
"""
# copy order used by the writer
PASSAGE_FIELDS = ("passage_id", "doc_id", "ord", "gen_added", "content_hash", "len", "tids", "tfv", "data",
                  "embedding", "province", "district", "doc_type", "year_lo", "year_hi", "refs")

PASSAGE_INDEXES = """
CREATE INDEX IF NOT EXISTS tracuu_passages_passage_id ON tracuu_passages (passage_id);
CREATE INDEX IF NOT EXISTS tracuu_passages_doc ON tracuu_passages (doc_id, ord);
CREATE INDEX IF NOT EXISTS tracuu_passages_hash ON tracuu_passages (content_hash);
CREATE INDEX IF NOT EXISTS tracuu_passages_removed ON tracuu_passages (gen_removed) WHERE gen_removed IS NOT NULL;
CREATE INDEX IF NOT EXISTS tracuu_passages_province ON tracuu_passages (province);
CREATE INDEX IF NOT EXISTS tracuu_passages_district ON tracuu_passages (district);
CREATE INDEX IF NOT EXISTS tracuu_passages_doc_type ON tracuu_passages (doc_type);
CREATE INDEX IF NOT EXISTS tracuu_passages_years ON tracuu_passages (year_lo, year_hi);
CREATE INDEX IF NOT EXISTS tracuu_passages_refs ON tracuu_passages USING gin (refs);
"""
# The passage table's indexes. A first build copies its rows into the empty table without
# them and builds them at its commit, in the same transaction (writer.py): pgvector builds
# an HNSW graph over loaded rows in memory, faster than inserting row after row; GIN is
# likewise faster built than updated, and a B-tree is built by one sort instead of a
# random insert per row (at 1M passages they outgrow shared_buffers).
# On a coordinator the shards' tables of a first build are likewise made without them, and
# the writer builds them on each shard right after its commit (`create_shard_bulk_indexes`:
# the rows arrive through postgres_fdw's remote transaction, which no other connection can
# index before it commits).
BULK_INDEXES = PASSAGE_INDEXES + """
CREATE INDEX IF NOT EXISTS tracuu_passages_postings ON tracuu_passages USING gin (tids);
CREATE INDEX IF NOT EXISTS tracuu_passages_embedding ON tracuu_passages
    USING hnsw (embedding vector_ip_ops) WITH {hnsw};
"""


# The BM25 expression reads `tfv` once per query term and PostgreSQL detoasts a value at
# every read: `tfv` must stay inline and uncompressed (STORAGE MAIN, rows kept whole up to
# a page), and when a row is too big the passage `data` goes out of line first.
# Measured on VLSP (124-term query, 2,256 passages): 20.7 s with the term counts toasted.
PASSAGE_STORAGE = """
ALTER TABLE tracuu_passages ALTER COLUMN tfv SET STORAGE MAIN, ALTER COLUMN tids SET STORAGE MAIN, ALTER COLUMN data SET STORAGE EXTERNAL,
    ALTER COLUMN embedding SET STORAGE MAIN;
ALTER TABLE tracuu_passages SET (toast_tuple_target = 8160);
"""


def passage_columns(dim: int) -> str:
    return PASSAGE_COLUMNS.format(dim=int(dim), TERM_DIM=TERM_DIM)


def passage_table_sql(dim: int, bulk_indexes: bool = True) -> str:
    return (f"CREATE TABLE IF NOT EXISTS tracuu_passages ({passage_columns(dim)});\n"
            + PASSAGE_STORAGE + (bulk_index_sql() if bulk_indexes else ""))


def bulk_index_sql() -> str:
    return BULK_INDEXES.format(hnsw=HNSW_BUILD)


BULK_INDEX_NAMES = tuple(re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", BULK_INDEXES))


def missing_bulk_indexes(conn) -> list[str]:
    """Which of the passage table's bulk indexes do not exist (in the current schema)."""
    return [name for name in BULK_INDEX_NAMES
            if conn.execute("SELECT to_regclass(%s) IS NULL", (name,)).fetchone()[0]]


def create_bulk_indexes(conn) -> None:
    """The passage table's indexes (HNSW, GIN postings, B-trees), where they are missing (a no-op
    when they exist): on a single server, inside the writer's transaction."""
    conn.execute(bulk_index_sql())


def create_shard_bulk_indexes(conn) -> list[str]:
    """On a coordinator: each shard's passage indexes where they are missing,
    over a direct connection (committed at once); the shards that got them. A first build
    runs it after its commit; every later commit runs it again, so a build killed between
    its commit and these indexes leaves shards that answer correctly (by scanning) until
    the next commit makes them."""
    import psycopg

    built = []
    for name, info in shard_servers(conn):
        with psycopg.connect(shard_conninfo(info), autocommit=True) as shard:
            if missing_bulk_indexes(shard):
                create_bulk_indexes(shard)
                built.append(name)
    return built


def shard_servers(conn) -> list[tuple[str, dict]]:
    """The coordinator's shard servers in order, with their connection options
    (user mapping included), or [] on a single server."""
    rows = conn.execute(
        "SELECT s.srvname, s.srvoptions, um.umoptions FROM pg_foreign_server s "
        "LEFT JOIN pg_user_mappings um ON um.srvid = s.oid AND um.usename IN (current_user, 'public') "
        "WHERE s.srvname ~ %s", (SHARD_SERVER_RE,)).fetchall()
    servers = []
    for name, options, mapping in rows:
        info = dict(o.split("=", 1) for o in options or [])
        info.update(dict(o.split("=", 1) for o in mapping or []))
        servers.append((name, info))
    return sorted(servers, key=lambda s: int(re.sub(r"\D", "", s[0])))


def shard_partitions(conn) -> list[str]:
    """On a coordinator: the foreign tables that are the partitions of `tracuu_passages`,
    one per shard, in shard order ([] on a single server or before the first build).
    Retrieval names them one by one so each shard's top k is computed on the shard
    (store.py, `PostgresStore.top_k_sql`)."""
    rows = conn.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                        "WHERE i.inhparent = to_regclass('tracuu_passages') AND c.relkind = 'f'").fetchall()
    return sorted((r[0] for r in rows), key=lambda name: int(re.sub(r"\D", "", name) or 0))


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def attach_shards(conn, shards: list[dict]) -> None:
    """On the coordinator: one postgres_fdw server per shard (libpq options host, port,
    dbname; user and password go in the user mapping). `extensions 'vector'` lets pgvector's
    operators be shipped to the shards, `use_remote_estimate` gives the coordinator the
    shards' own costs (so ORDER BY … LIMIT runs on each shard and is merged instead of
    pulling every row), `async_capable` scans the shards concurrently under an Append."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
    gucs = shard_options(HNSW_SETTINGS)
    # one transaction: `tracuu db start` re-attaches the shards of a running cluster (a shard
    # restarted), and a query between the DROP and the CREATE of a user mapping would fail
    # ("user mapping not found") instead of seeing the old or the new one
    with conn.transaction():
        _attach_shards(conn, shards, gucs)


def _attach_shards(conn, shards: list[dict], gucs: str) -> None:
    for i, shard in enumerate(shards):
        name = SHARD_SERVER.format(i)
        options = {"host": shard["host"], "port": str(shard.get("port", 5432)), "dbname": shard["dbname"],
                   "extensions": "vector", "use_remote_estimate": "true", "async_capable": "true",
                   "fetch_size": "100", "batch_size": "500", "options": gucs}
        exists = conn.execute("SELECT 1 FROM pg_foreign_server WHERE srvname = %s", (name,)).fetchone()
        if exists:
            current = dict(shard_servers(conn))[name]
            changes = ", ".join(f"{'SET' if k in current else 'ADD'} {k} {_quote(v)}" for k, v in options.items())
            conn.execute(f"ALTER SERVER {name} OPTIONS ({changes})")
        else:
            opts = ", ".join(f"{k} {_quote(v)}" for k, v in options.items())
            conn.execute(f"CREATE SERVER {name} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({opts})")
        mapping = {"user": shard.get("user", "postgres")}
        if shard.get("password"):
            mapping["password"] = shard["password"]
        conn.execute(f"DROP USER MAPPING IF EXISTS FOR PUBLIC SERVER {name}")
        opts = ", ".join(f"{k} {_quote(v)}" for k, v in mapping.items())
        conn.execute(f"CREATE USER MAPPING FOR PUBLIC SERVER {name} OPTIONS ({opts})")


def shard_options(settings: dict[str, str]) -> str:
    """The libpq `options` with which the coordinator's postgres_fdw connects to a shard:
    the search settings the shards' own HNSW scans run with."""
    return " ".join(f"-c {k}={v}" for k, v in settings.items())


def set_shard_settings(conn, settings: dict[str, str]) -> None:
    """Change search settings (e.g. hnsw.ef_search) on every shard of a coordinator, for
    connections opened from now on (postgres_fdw reconnects after ALTER SERVER)."""
    for name, info in shard_servers(conn):
        current = dict(pair.split("=", 1) for pair in info.get("options", "").replace("-c ", "").split())
        current.update(settings)
        conn.execute(f"ALTER SERVER {name} OPTIONS (SET options {_quote(shard_options(current))})")


def shard_conninfo(info: dict) -> str:
    from psycopg.conninfo import make_conninfo

    keys = ("host", "port", "dbname", "user", "password")
    return make_conninfo(**{k: info[k] for k in keys if info.get(k)})


def passage_dim(conn) -> int | None:
    """The vector dimension of the passage table, None when there is none yet."""
    row = conn.execute("SELECT a.atttypmod FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                       "WHERE c.relname = 'tracuu_passages' AND c.relnamespace = current_schema()::regnamespace "
                       "AND a.attname = 'embedding' AND NOT a.attisdropped").fetchone()
    return None if row is None else int(row[0])


def has_term_vectors(conn) -> bool:
    """Whether the passage table keeps its term counts as a sparsevec (`tfv`); the first
    layout kept them as JSONB and needs a rebuild."""
    return conn.execute("SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                        "WHERE c.relname = 'tracuu_passages' AND c.relnamespace = current_schema()::regnamespace "
                        "AND a.attname = 'tfv' AND NOT a.attisdropped").fetchone() is not None


def has_schema(conn) -> bool:
    return conn.execute("SELECT to_regclass('tracuu_versions') IS NOT NULL").fetchone()[0]


def create_schema(conn, dim: int, bulk_indexes: bool = True) -> None:
    """Create the tables (idempotent). On a coordinator the shards get their passage table
    and indexes over a direct connection (DDL is not shipped by postgres_fdw), then the
    coordinator's partitioned table gets one foreign partition per shard. `bulk_indexes`
    False: the passage table's indexes are left to `create_bulk_indexes` (one
    server, in the first build's transaction after loading its rows) or
    `create_shard_bulk_indexes` (the shards, after the first build's commit)."""
    import psycopg

    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.execute(COORDINATOR_TABLES)
    conn.execute(FACT_TABLES)
    shards = shard_servers(conn)
    if not shards:
        conn.execute(passage_table_sql(dim, bulk_indexes))
        return
    for _, info in shards:
        with psycopg.connect(shard_conninfo(info), autocommit=True) as shard:
            shard.execute("CREATE EXTENSION IF NOT EXISTS vector")
            shard.execute(passage_table_sql(dim, bulk_indexes))
    if passage_dim(conn) is None:
        conn.execute(f"CREATE TABLE tracuu_passages ({passage_columns(dim)}) "
                     "PARTITION BY HASH (doc_id)")
    for i, (name, _) in enumerate(shards):
        conn.execute(f"CREATE FOREIGN TABLE IF NOT EXISTS tracuu_passages_{name} PARTITION OF tracuu_passages "
                     f"FOR VALUES WITH (MODULUS {len(shards)}, REMAINDER {i}) SERVER {name} "
                     "OPTIONS (table_name 'tracuu_passages')")


def drop_schema(conn) -> None:
    """Drop every tracuu table (a rebuild with another vector dimension)."""
    import psycopg

    for _, info in shard_servers(conn):
        with psycopg.connect(shard_conninfo(info), autocommit=True) as shard:
            shard.execute("DROP TABLE IF EXISTS tracuu_passages")
    conn.execute("DROP TABLE IF EXISTS tracuu_passages, tracuu_terms, tracuu_vocab, tracuu_documents, tracuu_versions, "
                 "tracuu_facts CASCADE")


def analyze(conn) -> None:
    """Fresh planner statistics after a commit: on the shards themselves (their estimates
    are what `use_remote_estimate` asks for) and on the coordinator."""
    import psycopg

    for _, info in shard_servers(conn):
        with psycopg.connect(shard_conninfo(info), autocommit=True) as shard:
            shard.execute("ANALYZE tracuu_passages")
    conn.execute("ANALYZE tracuu_passages, tracuu_documents, tracuu_terms, tracuu_vocab")
    if conn.execute("SELECT to_regclass('tracuu_facts') IS NOT NULL").fetchone()[0]:
        conn.execute("ANALYZE tracuu_facts")
