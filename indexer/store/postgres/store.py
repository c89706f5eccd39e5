"""`PostgresStore`: the store on PostgreSQL + pgvector, one server or a sharded coordinator.

Every retrieval is one SQL statement that PostgreSQL plans and, on a coordinator,
distributes: filters are WHERE clauses on indexed columns, the dense top-k is
`ORDER BY embedding <#> q LIMIT k` (HNSW; an `inner_product(…)` ordering forces the exact
scan), the BM25 top-k is `ORDER BY <Okapi BM25 expression> LIMIT k` over the passages
whose term ids overlap the query's (GIN postings). On a coordinator each top k runs on
every shard, LIMIT included, and only the shards' k rows each are merged (`top_k`): by
default the store sends the statement to each shard over its own connections,
concurrently, and merges in Python; its fallback is one coordinator statement naming each
shard's partition in its own branch of a UNION ALL (`top_k_sql`), which postgres_fdw
ships whole (WHERE, ORDER BY, LIMIT k) — see `explain()`. Over the partitioned table
itself the planner cannot push the LIMIT down and, at 100k passages, chose to pull every
passage's vector to the coordinator and sort there (eval/results/store_bench.md).
Everything else (filters' candidates, documents, passages by id) is one statement on
the coordinator.

BM25 equals rank_bm25.BM25Okapi (search/bm25.py has the formula): the corpus statistics
(N, average length, document frequencies, the mean idf behind the epsilon floor) are
the version's, kept on the coordinator, never per shard; idf is computed in SQL from
them and enters the per-shard statement as constants; each passage's weight is computed
with the same float64 operations in the same order as search/bm25.py, ties broken by
passage order.
"""
from __future__ import annotations

import copy
import functools
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

from indexer.store.base import DocumentSummary, Hit, Store, StoreError, StoreUnavailable
from indexer.store.factindex import FactQuery
from indexer.store.filters import Filters, doc_years, reference_spellings
from indexer.store.postgres import schema
from indexer.textnorm import search_key

WRITER_LOCK_KEY = 7_310_511_800  # pg_advisory_lock key: one writer per index
DEFAULT_BM25 = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
EXACT_BELOW = 20_000  # passages: under this, dense search scans exactly (it is as fast)
SEED_POSTINGS = 2_000  # BM25's first pass (the MaxScore threshold) scores at most this many postings
# Readers' statements end after this long (a stuck shard or a runaway query does not hold a
# request, nor a connection, for ever); 0 turns it off. The writer's connection has none.
STATEMENT_TIMEOUT_ENV = "TRACUU_PG_STATEMENT_TIMEOUT_MS"
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
PROBE_SECONDS = 2  # connect timeout of /health's probes of the server and each shard (all shards at once)


class QueryTerm(NamedTuple):
    id: int  # term id (tracuu_vocab)
    idf: float  # rank_bm25's idf, epsilon floor included, from the version's statistics
    mult: int  # how often the query repeats it
    df: int  # passages holding it


class TopK(NamedTuple):
    """A top-k retrieval before it is distributed: `sql` reads `{table}` and returns rows
    (passage_id, rank_key, ord) ranked by rank_key — a score, higher first (`descending`),
    or a distance, lower first — then ord, ending with `LIMIT %(k)s`. Run as it is on one
    server or on each shard (`PostgresStore.top_k`), or as one coordinator statement
    (`PostgresStore.top_k_sql`)."""
    sql: str
    params: dict
    descending: bool


def mask_password(location: str) -> str:
    """The URL with any password replaced by ***: what logs, errors and /health show."""
    masked = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", location)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", masked)


def live(alias: str = "", param: str = "gen") -> str:
    """A row belongs to version %(gen)s."""
    a = f"{alias}." if alias else ""
    return f"{a}gen_added <= %({param})s AND ({a}gen_removed IS NULL OR {a}gen_removed > %({param})s)"


def filter_keys(metadata: dict) -> dict:
    """What filters compare, computed once at write time as Filters.accepts does: folded
    province/district/type, the years spoken for, the cited directives."""
    years = doc_years(metadata)
    return {"province": _key(metadata.get("province")), "district": _key(metadata.get("district")),
            "doc_type": _key(metadata.get("doc_type")),
            "year_lo": years[0] if years else None, "year_hi": years[1] if years else None,
            "refs": reference_spellings(metadata)}


def _key(value) -> str | None:
    return search_key(value) if value else None


def filter_sql(filters: Filters | None, alias: str = "") -> tuple[str, dict]:
    """The WHERE clause (starting with AND) for `filters` over the denormalised filter
    columns, with its parameters. Same semantics as Filters.accepts."""
    if filters is None or filters.is_empty():
        return "", {}
    a = f"{alias}." if alias else ""
    clauses, params = [], {}
    for field in ("province", "district", "doc_type"):
        value = getattr(filters, field)
        if value:
            clauses.append(f"{a}{field} = %(f_{field})s")
            params[f"f_{field}"] = search_key(value)
    if filters.year_from or filters.year_to:
        clauses.append(f"{a}year_hi >= %(f_low)s AND {a}year_lo <= %(f_high)s")
        params["f_low"] = filters.year_from or -10**6
        params["f_high"] = filters.year_to or 10**6
    if filters.references:
        clauses.append(f"{a}refs @> ARRAY[%(f_ref)s]::text[]")
        params["f_ref"] = filters.references
    if getattr(filters, "doc_ids", None) is not None:  # doc_id is the partition key: shards are pruned
        clauses.append(f"{a}doc_id = ANY(%(f_docs)s)")
        params["f_docs"] = sorted(filters.doc_ids)
    return "".join(" AND " + c for c in clauses), params


@functools.lru_cache(maxsize=8)
def _vector_format(dim: int) -> str:
    return "[" + ",".join(["%.9g"] * dim) + "]"


def vector_text(vector: np.ndarray) -> str:
    """pgvector's literal of a float32 vector. Nine significant digits give back the very
    same float32 (it is what float32 needs to round-trip) in about 5 KB at dimension 384,
    against 8 KB of float64 digits from str(), and one %-format in C is over twice as fast
    as str() per element: this runs once per passage of a build."""
    values = np.asarray(vector, dtype=np.float32).ravel().tolist()
    return _vector_format(len(values)) % tuple(values)


def int_array_text(values) -> str:
    """PostgreSQL's array literal of integers, for COPY (psycopg's list dumper costs ~3× more)."""
    return "{" + ",".join(map(str, values)) + "}"


def sparse_text(counts: dict[int, int]) -> str:
    """Term id → count as pgvector's sparsevec literal (indices ascending)."""
    items = sorted(counts.items())
    return "{" + ",".join(["%d:%d"] * len(items)) % tuple(x for item in items for x in item) \
        + f"}}/{schema.TERM_DIM}"


def parse_sparse(text: str) -> dict[int, int]:
    body = text[text.index("{") + 1:text.index("}")]
    return {int(t): int(float(c)) for t, c in (item.split(":") for item in body.split(",") if item)}


def parse_vector(text: str) -> np.ndarray:
    return np.array(text.strip("[]").split(","), dtype=np.float32)


def _operational_errors():
    import psycopg

    return psycopg.OperationalError


class _Pool:
    """A few autocommit connections shared by reader threads."""

    def __init__(self, url: str, settings: dict[str, str], size: int = 8):
        self.url, self.settings, self.size = url, settings, size
        self._idle: list = []
        self._lock = threading.Lock()

    def connect(self):
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=schema.connect_timeout_s())
        except psycopg.OperationalError as err:
            raise server_down(self.url, err) from None
        for key, value in self.settings.items():
            conn.execute(f"SET {key} = '{value}'")
        return conn

    def get(self):
        return _Lease(self)

    def put(self, conn) -> None:
        if conn.closed or conn.broken or conn.info.transaction_status != 0:  # 0 = idle
            conn.close()
            return
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def statement_timeout_ms() -> int:
    import os

    raw = os.environ.get(STATEMENT_TIMEOUT_ENV, "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_STATEMENT_TIMEOUT_MS


def server_down(url: str, err: Exception | None = None) -> StoreUnavailable:
    """The server (or coordinator) at `url` cannot be reached: no query can be served."""
    where = mask_password(url)
    reason = mask_password(str(err)).strip().splitlines()[0] if err is not None and str(err).strip() else ""
    return StoreUnavailable(f"cannot connect to {where}{': ' + reason if reason else ''}. Is the server running "
                            f"(`tracuu db start`)?", part=where,
                            detail_vi=f"máy chủ cơ sở dữ liệu {where} không phản hồi", whole=True)


def shard_down(name: str, err: Exception | None = None) -> StoreUnavailable:
    reason = str(err).strip().splitlines()[0] if err is not None and str(err).strip() else "no answer"
    return StoreUnavailable(f"shard server {name} cannot be reached: {mask_password(reason)}", part=name,
                            detail_vi=f"máy chủ phân mảnh {name} không phản hồi")


SHARD_NAMED = re.compile(r'server "(' + schema.SHARD_SERVER_RE.strip("^$") + r')"')


class _Lease:
    def __init__(self, pool: _Pool):
        self.pool = pool

    def __enter__(self):
        with self.pool._lock:
            conn = self.pool._idle.pop() if self.pool._idle else None
        if conn is None or conn.closed:
            conn = self.pool.connect()
        self.conn = conn
        return conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and not self.conn.closed and self.conn.info.transaction_status != 0:
            self.conn.close()
        self.pool.put(self.conn)


class PostgresStore(Store):
    def __init__(self, url: str, dense_exact_below: int = EXACT_BELOW, fan_out: bool = True):
        self.location = url
        self.url = url
        self.dense_exact_below = dense_exact_below
        self.seed_postings = SEED_POSTINGS
        self.pool = _Pool(url, {"jit": "off", **schema.HNSW_SETTINGS,
                                "statement_timeout": str(statement_timeout_ms())})
        self._gen: int | None = None
        self._stats: dict | None = None
        self._sharded: bool | None = None
        self._partitions: list[str] = []  # a coordinator's per-shard passage tables
        self.fan_out = fan_out  # top-k sent to the shards directly (`top_k`), when they can be reached
        self._shard_pools: list[_Pool] = []
        self._executor = None
        self._threads_lock = threading.Lock()
        self._empty_reason: str | None = None
        self._probed: tuple[float, list[StoreUnavailable]] = (0.0, [])
        self.refresh()

    # --- versions -----------------------------------------------------------------------
    def describe(self) -> str:
        return mask_password(self.location)

    def _query(self, sql: str, params=None) -> list[tuple]:
        import psycopg

        for attempt in (1, 2):
            with self.pool.get() as conn:
                try:
                    return conn.execute(sql, params).fetchall()
                except psycopg.OperationalError as err:  # connection lost, a shard down, a timeout
                    if attempt == 1 and conn.broken:
                        # the server dropped the pooled connections (it restarted): once more, afresh
                        self.pool.close()
                        continue
                    raise self._unavailable(err, conn) from None

    def _unavailable(self, err, conn) -> StoreUnavailable:
        """What the failure of a reader's statement means: which part is down, or that it timed out."""
        import psycopg

        if isinstance(err, psycopg.errors.QueryCanceled):
            # a coordinator's statement waits for a shard that does not answer until its
            # timeout (postgres_fdw has no connect timeout): name the shard when it is that
            down = [p for p in self.unavailable(fresh=True) if not p.whole] if self._sharded else []
            if down:
                return down[0]
            seconds = statement_timeout_ms() / 1000
            return StoreUnavailable(f"a query on {self.describe()} ran out of time ({STATEMENT_TIMEOUT_ENV}="
                                    f"{statement_timeout_ms()}): {str(err).strip().splitlines()[0]}",
                                    part=self.describe(), detail_vi=f"truy vấn trên {self.describe()} quá thời "
                                                                    f"gian chờ ({seconds:g} giây)")
        if conn.closed or conn.broken:
            return server_down(self.location, err)
        named = SHARD_NAMED.search(str(err))
        if named:
            return shard_down(named.group(1), err)
        # a shard's connection dropped mid-query: the message names no server; ask each one
        down = [p for p in self.unavailable(fresh=True) if not p.whole]
        if down:
            return down[0]
        return shard_down("(không rõ)", err) if self._sharded else server_down(self.location, err)

    def unavailable(self, fresh: bool = False) -> list[StoreUnavailable]:
        """The server (coordinator) and, on a coordinator, each shard, probed with a connection
        of PROBE_SECONDS timeout (the shards concurrently: with hosts that do not answer,
        the probe takes two timeouts whatever their number); the answer is kept a second (a
        /health poll costs a few connections a second at most)."""
        import time
        from concurrent.futures import ThreadPoolExecutor

        import psycopg

        at, found = self._probed
        if not fresh and time.monotonic() - at < 1.0:
            return found
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=PROBE_SECONDS) as conn:
                conn.execute("SELECT 1")
                shards = schema.shard_servers(conn) if self._sharded else []
        except psycopg.OperationalError as err:
            found = [server_down(self.location, err)]
        else:
            def probe(shard) -> StoreUnavailable | None:
                name, info = shard
                try:
                    with psycopg.connect(schema.shard_conninfo(info), autocommit=True,
                                         connect_timeout=PROBE_SECONDS) as conn:
                        conn.execute("SELECT 1")
                except psycopg.OperationalError as err:
                    return shard_down(name, err)
                return None

            found = []
            if shards:
                with ThreadPoolExecutor(max_workers=len(shards), thread_name_prefix="tracuu-probe") as probes:
                    found = [down for down in probes.map(probe, shards) if down is not None]
        self._probed = (time.monotonic(), found)
        return found

    def refresh(self) -> bool:
        """Opening an empty database does not fail (a writer creates the first version);
        reading one raises StoreError saying how to build it."""
        import psycopg

        with self.pool.get() as conn:
            try:
                shards = schema.shard_servers(conn)
                self._sharded = bool(shards)
                if [p.url for p in self._shard_pools] != [schema.shard_conninfo(info) for _, info in shards]:
                    for pool in self._shard_pools:
                        pool.close()
                    self._shard_pools = [_Pool(schema.shard_conninfo(info), self.pool.settings) for _, info in shards]
                row = None
                if schema.has_schema(conn):
                    self._partitions = schema.shard_partitions(conn) if self._sharded else []
                    row = conn.execute("SELECT gen, manifest, documents, passages, total_len, vocabulary, mean_idf "
                                       "FROM tracuu_versions ORDER BY gen DESC LIMIT 1").fetchone()
            except psycopg.OperationalError as err:
                raise self._unavailable(err, conn) from None
        if row is None:
            return False
        changed = row[0] != self._gen
        self._gen = row[0]
        self._stats = {"manifest": row[1], "documents": row[2], "passages": row[3], "total_len": row[4],
                       "vocabulary": row[5], "mean_idf": row[6]}
        return changed

    def _served(self) -> dict:
        if self._stats is None:
            raise StoreError(f"no index in {self.describe()}; build one with "
                             f"`tracuu index corpus --store {self.describe()}`")
        return self._stats

    def version(self) -> str:
        self._served()
        return str(self._gen)

    def manifest(self) -> dict:
        return copy.deepcopy(self._served()["manifest"])

    def snapshot(self) -> "PostgresStore":
        """Pinned to this version: its queries keep reading version `gen` (rows carry the
        versions they live in) whatever a writer commits meanwhile."""
        return copy.copy(self)

    @property
    def sharded(self) -> bool:
        return bool(self._sharded)

    def _p(self, **params) -> dict:
        self._served()
        return {"gen": self._gen, **params}

    # --- documents and passages ----------------------------------------------------------
    def count(self) -> tuple[int, int]:
        stats = self._served()
        return stats["documents"], stats["passages"]

    def document(self, doc_id: str) -> dict | None:
        rows = self._query(f"SELECT record FROM tracuu_documents WHERE doc_id = %(doc)s AND {live()}",
                           self._p(doc=doc_id))
        return rows[0][0] if rows else None

    def facts(self, filters: Filters | None = None, query: FactQuery | None = None) -> Iterator[dict] | None:
        """From tracuu_facts through its indexes (predicate and qualifiers, GIN on the words);
        None for a version written before facts were kept."""
        if not self._served()["manifest"].get("facts"):
            return None
        query = query or FactQuery()
        if filters is not None and (query.year_from is None and query.year_to is None):
            query = FactQuery(**{**query.__dict__, "year_from": filters.year_from, "year_to": filters.year_to})
        where, params = filter_sql(filters and Filters(**{**filters.__dict__, "year_from": None, "year_to": None}),
                                   alias="f")
        clauses = []
        if query.predicate:
            clauses.append("f.predicate = %(q_pred)s")
            params["q_pred"] = query.predicate
        if query.words:
            clauses.append("f.words @> %(q_words)s::text[]")
            params["q_words"] = list(query.words)
        if query.qualifiers is not None:
            clauses.append("f.qualifiers = %(q_quals)s")
            params["q_quals"] = "+".join(sorted(query.qualifiers))
        if query.rate is not None:
            clauses.append("f.rate = %(q_rate)s")
            params["q_rate"] = query.rate
        if query.unit_class:
            clauses.append("f.unit_class = %(q_unit)s")
            params["q_unit"] = query.unit_class
        if query.year_from is not None or query.year_to is not None:
            clauses.append("f.year_hi >= %(q_low)s AND f.year_lo <= %(q_high)s")
            params["q_low"], params["q_high"] = query.year_from or -10**6, query.year_to or 10**6
        extra = "".join(" AND " + c for c in clauses)
        rows = self._query(f"SELECT f.data FROM tracuu_facts f JOIN tracuu_documents d ON d.doc_id = f.doc_id "
                           f"WHERE {live('f')} AND {live('d')}{extra}{where} "
                           f"ORDER BY d.ord, f.ord", self._p(**params))
        return iter([r[0] for r in rows])

    def documents(self, filters: Filters | None = None) -> Iterator[DocumentSummary]:
        where, params = filter_sql(filters)
        rows = self._query(f"SELECT doc_id, title, source, metadata, passages, record->'extra' "
                           f"FROM tracuu_documents WHERE {live()}{where} ORDER BY ord", self._p(**params))
        for doc_id, title, source, metadata, passages, extra in rows:
            yield DocumentSummary(doc_id, title, source, metadata, passages, extra or {})

    def passages(self, passage_ids: Sequence[str]) -> list[dict]:
        if not passage_ids:
            return []
        # doc_id is the partition key: naming it lets a coordinator ask only the shards holding them
        docs = sorted({pid.split("#", 1)[0] for pid in passage_ids})
        rows = self._query(f"SELECT passage_id, data FROM tracuu_passages WHERE doc_id = ANY(%(docs)s) "
                           f"AND passage_id = ANY(%(ids)s) AND {live()}",
                           self._p(docs=docs, ids=list(passage_ids)))
        found = dict(rows)
        missing = [pid for pid in passage_ids if pid not in found]
        if missing:
            raise KeyError(missing[0])
        return [found[pid] for pid in passage_ids]

    def passage_ids(self, doc_id: str) -> list[str]:
        rows = self._query(f"SELECT passage_id FROM tracuu_passages WHERE doc_id = %(doc)s AND {live()} "
                           f"ORDER BY ord", self._p(doc=doc_id))
        return [r[0] for r in rows]

    def iter_passages(self, batch: int = 1000) -> Iterator[dict]:
        """Every passage in index order, streamed through a server-side cursor."""
        import psycopg

        params = self._p()
        with self.pool.get() as conn:
            try:
                with conn.transaction():
                    with conn.cursor(name="tracuu_iter_passages") as cur:
                        cur.itersize = batch
                        cur.execute(f"SELECT data FROM tracuu_passages WHERE {live()} ORDER BY ord", params)
                        for (data,) in cur:
                            yield data
            except psycopg.OperationalError as err:  # as _query: a named StoreUnavailable
                raise self._unavailable(err, conn) from None

    def candidates(self, filters: Filters) -> set[str] | None:
        if filters is None or filters.is_empty():
            return None
        where, params = filter_sql(filters)
        rows = self._query(f"SELECT passage_id FROM tracuu_passages WHERE {live()}{where}", self._p(**params))
        return {r[0] for r in rows}

    # --- retrieval ------------------------------------------------------------------------
    def _bm25_params(self) -> dict:
        params = dict(DEFAULT_BM25)
        params.update(self.manifest().get("settings", {}).get("bm25") or {})
        return params

    def query_weights(self, terms: Sequence[str]) -> list[QueryTerm]:
        """The query's terms in the vocabulary, in order of first occurrence (search/bm25.py's
        column order): term id, idf, multiplicity, document frequency. idf = ln(N - df +
        0.5) - ln(df + 0.5), floored to epsilon × mean idf when negative, all from the
        version's corpus-wide statistics."""
        counts = Counter(terms)
        if not counts:
            return []
        params = self._bm25_params()
        stats = self._served()
        rows = self._query(
            "SELECT v.term, v.id, CASE WHEN i.idf < 0 THEN %(eps)s * %(mean)s ELSE i.idf END, d.df "
            "FROM tracuu_vocab v "
            "JOIN LATERAL (SELECT df FROM tracuu_terms t WHERE t.id = v.id AND t.gen <= %(gen)s "
            "              ORDER BY t.gen DESC LIMIT 1) d ON d.df > 0 "
            "CROSS JOIN LATERAL (SELECT ln(%(n)s - d.df + 0.5) - ln(d.df + 0.5) AS idf) i "
            "WHERE v.term = ANY(%(terms)s)",
            self._p(eps=float(params["epsilon"]), mean=float(stats["mean_idf"]),
                    n=float(stats["passages"]), terms=list(counts)))
        found = {term: (tid, float(idf), int(df)) for term, tid, idf, df in rows}
        return [QueryTerm(found[t][0], found[t][1], n, found[t][2]) for t, n in counts.items() if t in found]

    def bm25_sql(self, weights: Sequence[QueryTerm], k: int, filters: Filters | None,
                 match: Sequence[int] | None = None) -> tuple[str, dict]:
        """bm25_top_k as one statement (on a coordinator: the shards' branches under a UNION ALL)."""
        return self.top_k_sql(self.bm25_top_k(weights, k, filters, match))

    def bm25_top_k(self, weights: Sequence[QueryTerm], k: int, filters: Filters | None,
                   match: Sequence[int] | None = None) -> TopK:
        """Top-k by the exact BM25 score over the passages holding at least one of the term
        ids `match` (default: every query term). The score adds every query term, matched or
        not; each term's count is `-(tfv <#> e_t)` (0 when absent)."""
        params = self._bm25_params()
        n = self._stats["passages"]
        avgdl = self._stats["total_len"] / max(n, 1)
        where, fparams = filter_sql(filters)
        ids = [w.id for w in weights] if match is None else list(match)
        values = self._p(**fparams, k=int(k), ids=ids, k1=float(params["k1"]),
                         k1p1=float(params["k1"]) + 1, one_minus_b=1 - float(params["b"]),
                         b=float(params["b"]), avgdl=float(avgdl if avgdl else 1.0))
        parts = []
        for i, w in enumerate(weights):
            values[f"e{i}"] = f"{{{w.id}:1}}/{schema.TERM_DIM}"
            values[f"idf{i}"], values[f"m{i}"] = w.idf, float(w.mult)
            f = f"(-(tfv <#> %(e{i})s::sparsevec))"
            # w(t, d) = idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))), times its
            # multiplicity: rank_bm25's float operations in its order (0 when tf = 0)
            parts.append(f"%(idf{i})s * ({f} * %(k1p1)s / ({f} + %(k1)s * (%(one_minus_b)s + %(b)s * len / "
                         f"%(avgdl)s))) * %(m{i})s")
        score = " + ".join(parts)
        # every passage holding a query term scores > 0 when every idf is > 0 (the usual
        # case: the epsilon floor is positive); otherwise rank_bm25's "score 0 is no hit" is a filter
        positive = "" if all(w.idf > 0 for w in weights) else " WHERE score > 0"
        sql = (f"SELECT passage_id, score AS rank_key, ord FROM (SELECT passage_id, ord, {score} AS score "
               f"FROM {{table}} WHERE tids && %(ids)s::integer[] AND {live()}{where}) s{positive} "
               f"ORDER BY rank_key DESC, ord LIMIT %(k)s")
        return TopK(sql, values, descending=True)

    def top_k_sql(self, top: TopK) -> tuple[str, dict]:
        """`top` as one statement. On one server: over tracuu_passages. On a coordinator: one
        branch per shard's partition, `(top) UNION ALL (top) …`, ranked again, LIMIT k. A
        branch is a query on one foreign table, which postgres_fdw sends whole (LIMIT
        included) to its shard, so a shard returns k rows whatever the planner estimates; a
        branch's output columns are its ORDER BY's own, so the branches stay plain foreign
        scans, run concurrently (Async Foreign Scan under an Append). The outer ranking is
        written so that it is not the branches' own (`-rank_key` for `rank_key DESC`,
        `score DESC` for a distance): a Merge Append of the branches would run them one after
        the other, and with k rows each there is nothing for it to save."""
        columns, order = (("passage_id, rank_key AS score", "-rank_key, ord") if top.descending
                          else ("passage_id, -rank_key AS score", "score DESC, ord"))
        if not self._partitions:
            return f"SELECT {columns} FROM ({top.sql.replace('{table}', 'tracuu_passages')}) t ORDER BY {order}", \
                top.params
        branches = " UNION ALL ".join(f"({top.sql.replace('{table}', table)})" for table in self._partitions)
        return f"SELECT {columns} FROM ({branches}) t ORDER BY {order} LIMIT %(k)s", top.params

    def top_k(self, top: TopK) -> list[Hit]:
        """Run a top-k retrieval. On a coordinator whose shards this process can reach
        (their connection options are the coordinator's foreign servers'), it is sent to
        each shard over a connection of its own, concurrently, and the shards' k rows each
        are merged here: no planning on the coordinator, no postgres_fdw cursor round trips,
        only ids and scores on the wire (faster than the coordinator's UNION ALL statement
        at every size measured: eval/results/store_bench.md). When a shard cannot be reached directly (down,
        or its options are not readable here), the coordinator's statement runs instead, and
        its error, if any, is the coordinator's. Unless a shard is down (probed, `unavailable`:
        refused, or no answer within TRACUU_PG_CONNECT_TIMEOUT_S): then it is named at once,
        as the coordinator's statement would only wait for it until its statement timeout."""
        k = int(top.params["k"])
        if self.fan_out and self._shard_pools:
            try:
                return self._fan_out(top, k)
            except (StoreError, _operational_errors()):
                down = [p for p in self.unavailable() if not p.whole]
                if down:
                    raise down[0] from None
        return [(pid, float(score)) for pid, score in self._query(*self.top_k_sql(top))]

    def _fan_out(self, top: TopK, k: int) -> list[Hit]:
        sql = top.sql.replace("{table}", "tracuu_passages")

        def run(pool):
            with pool.get() as conn:
                return conn.execute(sql, top.params).fetchall()

        parts = [self._threads().submit(run, pool) for pool in self._shard_pools[1:]]
        rows = run(self._shard_pools[0]) + [row for part in parts for row in part.result()]
        if top.descending:  # a score
            rows.sort(key=lambda row: (-row[1], row[2]))
            return [(pid, float(key)) for pid, key, _ in rows[:k]]
        rows.sort(key=lambda row: (row[1], row[2]))  # a distance: the score is its negation
        return [(pid, -float(key)) for pid, key, _ in rows[:k]]

    def _threads(self):
        with self._threads_lock:
            if self._executor is None:
                from concurrent.futures import ThreadPoolExecutor

                self._executor = ThreadPoolExecutor(max_workers=4 * len(self._shard_pools),
                                                    thread_name_prefix="tracuu-shard")
            return self._executor

    def bm25_match(self, weights: Sequence[QueryTerm], k: int, filters: Filters | None = None
                   ) -> tuple[list[int], list[Hit] | None]:
        """Which query terms a passage must hold to be scored (MaxScore, exact).

        A passage holding only terms of a set S scores at most Σ_{t∈S} m_t·idf_t·(k1+1)
        (each term's weight is below idf·(k1+1)). A first pass scores, exactly, the
        passages holding the rarest terms (at most `seed_postings` postings): its k-th score θ
        is a lower bound of the true k-th score. The commonest terms whose bounds add up to
        less than θ cannot lift a passage into the top k on their own, so only passages
        holding one of the other terms need scoring, with every term. Returns (term ids to
        match, the first pass's hits when they already are the answer, else None)."""
        ids = [w.id for w in weights]
        if sum(w.df for w in weights) <= self.seed_postings or any(w.idf <= 0 for w in weights):
            return ids, None
        seed, postings = [], 0
        for w in sorted(weights, key=lambda w: (w.df, -w.idf * w.mult)):
            if seed and postings + w.df > self.seed_postings:
                break
            seed.append(w.id)
            postings += w.df
        first = self.top_k(self.bm25_top_k(weights, k, filters, seed))
        if len(first) < k:
            return ids, None  # fewer than k passages hold a rare term: no bound, match every term
        theta = float(first[-1][1]) * (1 - 1e-9)  # margin for the float rounding of the sums
        k1p1 = float(self._bm25_params()["k1"]) + 1
        common, bound = set(), 0.0
        for w in sorted(weights, key=lambda w: w.idf * w.mult):
            if bound + w.idf * w.mult * k1p1 >= theta:
                break
            bound += w.idf * w.mult * k1p1
            common.add(w.id)
        match = [i for i in ids if i not in common]
        if set(match) <= set(seed):  # the first pass already scored every passage that can rank
            return match, first
        return match, None

    def bm25(self, terms: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        weights = self.query_weights(terms)
        if not weights or k <= 0:
            return []
        match, hits = self.bm25_match(weights, k, filters)
        if hits is not None:
            return hits
        return self.top_k(self.bm25_top_k(weights, k, filters, match))

    def use_exact(self, exact: bool | None) -> bool:
        return exact if exact is not None else self._stats["passages"] < self.dense_exact_below

    def dense_sql(self, vector: np.ndarray, k: int, filters: Filters | None, exact: bool) -> tuple[str, dict]:
        """dense_top_k as one statement (on a coordinator: the shards' branches under a UNION ALL)."""
        return self.top_k_sql(self.dense_top_k(vector, k, filters, exact))

    def dense_top_k(self, vector: np.ndarray, k: int, filters: Filters | None, exact: bool) -> TopK:
        where, fparams = filter_sql(filters)
        params = self._p(**fparams, q=vector_text(vector), k=int(k))
        if exact:
            # a function, not the operator: no index serves it, so every shard scans exactly
            return TopK(f"SELECT passage_id, inner_product(embedding, %(q)s::vector) AS rank_key, ord FROM {{table}} "
                        f"WHERE {live()}{where} ORDER BY rank_key DESC, ord LIMIT %(k)s", params, descending=True)
        # the distance itself is the ORDER BY (the HNSW index serves `ORDER BY embedding <#> q`)
        return TopK(f"SELECT passage_id, embedding <#> %(q)s::vector AS rank_key, ord FROM {{table}} "
                    f"WHERE {live()}{where} ORDER BY rank_key LIMIT %(k)s", params, descending=False)

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None,
              exact: bool | None = None) -> list[Hit]:
        if k <= 0:
            return []
        return self.top_k(self.dense_top_k(vector, k, filters, self.use_exact(exact)))

    def matching_documents(self, terms: Sequence[str], filters: Filters | None = None) -> list[str]:
        ids = [w.id for w in self.query_weights(terms)]
        if not ids:
            return []
        where, params = filter_sql(filters)
        rows = self._query(f"SELECT DISTINCT doc_id FROM tracuu_passages WHERE tids && %(ids)s::integer[] "
                           f"AND {live()}{where}", self._p(**params, ids=ids))
        return sorted(r[0] for r in rows)

    def explain(self, sql: str, params: dict) -> str:
        """EXPLAIN VERBOSE of a retrieval statement: the plan's shape (tests check it)."""
        return "\n".join(r[0] for r in self._query("EXPLAIN VERBOSE " + sql, params))

    # --- reuse ------------------------------------------------------------------------------
    def reusable(self, content_hashes: Iterable[str]) -> dict[str, tuple[dict[str, int], np.ndarray]]:
        hashes = list(set(content_hashes))
        if not hashes or self._stats is None:  # nothing asked, or nothing indexed yet
            return {}
        rows = self._query(f"SELECT DISTINCT ON (content_hash) content_hash, tfv::text, embedding::text "
                           f"FROM tracuu_passages WHERE content_hash = ANY(%(h)s) AND {live()}",
                           self._p(h=hashes))
        counts = {h: parse_sparse(tfv) for h, tfv, _ in rows}
        ids = sorted({t for c in counts.values() for t in c})
        names = dict(self._query("SELECT id, term FROM tracuu_vocab WHERE id = ANY(%s)", (ids,))) if ids else {}
        return {h: ({names[t]: n for t, n in counts[h].items()}, parse_vector(vec)) for h, _, vec in rows}

    # --- writing ------------------------------------------------------------------------------
    def writer(self):
        from indexer.store.postgres.writer import PostgresWriter

        return PostgresWriter(self)

    def close(self) -> None:
        self.pool.close()
        for pool in self._shard_pools:
            pool.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None


