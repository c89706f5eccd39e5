"""`PostgresStore`: the store on PostgreSQL + pgvector, one server or a sharded coordinator.

Every retrieval is one SQL statement that PostgreSQL plans and, on a coordinator,
distributes: filters are WHERE clauses on indexed columns, the dense top-k is
`ORDER BY embedding <#> q LIMIT k` (HNSW; an `inner_product(…)` ordering forces the exact
scan), the BM25 top-k is `ORDER BY <Okapi BM25 expression> LIMIT k` over the passages
whose term ids overlap the query's (GIN postings). On a coordinator each of these runs
on every shard (postgres_fdw pushes the WHERE, the ORDER BY and the score down) and the
coordinator merges the shards' sorted streams (Merge Append) — see `explain()`.

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

from indexer.store.base import DocumentSummary, Hit, Store, StoreError
from indexer.store.factindex import FactQuery
from indexer.store.filters import Filters, doc_years, reference_spellings
from indexer.store.postgres import schema
from indexer.textnorm import search_key

WRITER_LOCK_KEY = 7_310_511_800  # pg_advisory_lock key: one writer per index
DEFAULT_BM25 = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}
EXACT_BELOW = 20_000  # passages: under this, dense search scans exactly (it is as fast)
SEED_POSTINGS = 2_000  # BM25's first pass (the MaxScore threshold) scores at most this many postings


class QueryTerm(NamedTuple):
    id: int  # term id (tracuu_vocab)
    idf: float  # rank_bm25's idf, epsilon floor included, from the version's statistics
    mult: int  # how often the query repeats it
    df: int  # passages holding it


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


class _Pool:
    """A few autocommit connections shared by reader threads."""

    def __init__(self, url: str, settings: dict[str, str], size: int = 8):
        self.url, self.settings, self.size = url, settings, size
        self._idle: list = []
        self._lock = threading.Lock()

    def connect(self):
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as err:
            raise StoreError(f"cannot connect to {mask_password(self.url)}: "
                             f"{mask_password(str(err)).strip()}. Is the server running "
                             f"(`tracuu db start`)?") from None
        for key, value in self.settings.items():
            conn.execute(f"SET {key} = '{value}'")
        return conn

    def get(self):
        return _Lease(self)

    def put(self, conn) -> None:
        if conn.closed or conn.info.transaction_status != 0:  # 0 = idle
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
    def __init__(self, url: str, dense_exact_below: int = EXACT_BELOW):
        self.location = url
        self.url = url
        self.dense_exact_below = dense_exact_below
        self.seed_postings = SEED_POSTINGS
        self.pool = _Pool(url, {"jit": "off", **schema.HNSW_SETTINGS})
        self._gen: int | None = None
        self._stats: dict | None = None
        self._sharded: bool | None = None
        self._empty_reason: str | None = None
        self.refresh()

    # --- versions -----------------------------------------------------------------------
    def describe(self) -> str:
        return mask_password(self.location)

    def _query(self, sql: str, params=None) -> list[tuple]:
        with self.pool.get() as conn:
            return conn.execute(sql, params).fetchall()

    def refresh(self) -> bool:
        """Opening an empty database does not fail (a writer creates the first version);
        reading one raises StoreError saying how to build it."""
        with self.pool.get() as conn:
            self._sharded = bool(schema.shard_servers(conn))
            row = None
            if schema.has_schema(conn):
                row = conn.execute("SELECT gen, manifest, documents, passages, total_len, vocabulary, mean_idf "
                                   "FROM tracuu_versions ORDER BY gen DESC LIMIT 1").fetchone()
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
        params = self._p()
        with self.pool.get() as conn:
            with conn.transaction():
                with conn.cursor(name="tracuu_iter_passages") as cur:
                    cur.itersize = batch
                    cur.execute(f"SELECT data FROM tracuu_passages WHERE {live()} ORDER BY ord", params)
                    for (data,) in cur:
                        yield data

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
        sql = (f"SELECT passage_id, score FROM (SELECT passage_id, ord, {score} AS score FROM tracuu_passages "
               f"WHERE tids && %(ids)s::integer[] AND {live()}{where}) s{positive} "
               f"ORDER BY score DESC, ord LIMIT %(k)s")
        return sql, values

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
        first = self._query(*self.bm25_sql(weights, k, filters, seed))
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
            return match, [(pid, float(score)) for pid, score in first]
        return match, None

    def bm25(self, terms: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        weights = self.query_weights(terms)
        if not weights or k <= 0:
            return []
        match, hits = self.bm25_match(weights, k, filters)
        if hits is not None:
            return hits
        sql, params = self.bm25_sql(weights, k, filters, match)
        return [(pid, float(score)) for pid, score in self._query(sql, params)]

    def use_exact(self, exact: bool | None) -> bool:
        return exact if exact is not None else self._stats["passages"] < self.dense_exact_below

    def dense_sql(self, vector: np.ndarray, k: int, filters: Filters | None, exact: bool) -> tuple[str, dict]:
        where, fparams = filter_sql(filters)
        params = self._p(**fparams, q=vector_text(vector), k=int(k))
        if exact:
            # a function, not the operator: no index serves it, so every shard scans exactly
            return (f"SELECT passage_id, inner_product(embedding, %(q)s::vector) AS score FROM tracuu_passages "
                    f"WHERE {live()}{where} ORDER BY score DESC, ord LIMIT %(k)s", params)
        return (f"SELECT passage_id, -(embedding <#> %(q)s::vector) AS score FROM tracuu_passages "
                f"WHERE {live()}{where} ORDER BY embedding <#> %(q)s::vector LIMIT %(k)s", params)

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None,
              exact: bool | None = None) -> list[Hit]:
        if k <= 0:
            return []
        sql, params = self.dense_sql(vector, k, filters, self.use_exact(exact))
        return [(pid, float(score)) for pid, score in self._query(sql, params)]

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


