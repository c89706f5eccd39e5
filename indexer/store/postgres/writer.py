"""The PostgreSQL writer: one transaction per new version.

Everything a writer does — withdrawing documents, adding documents and passages (COPY,
routed to the shards by postgres_fdw on a coordinator), the document frequencies and
corpus statistics of the new version, the version row itself — happens in one
transaction on the coordinator (postgres_fdw opens one remote transaction per shard
inside it and commits them with it). Until `commit()` readers see the previous version;
a writer killed at any point (its connection drops) is rolled back by the server, and
the previous version stays served. Rows are versioned (gen_added/gen_removed), so a
reader pinned to the previous version keeps reading it after the commit; rows no
version still in reach needs are purged by the next writer.

BM25 statistics after a commit are exact: document frequencies are updated from the
terms of the passages added and withdrawn, and the mean idf (rank_bm25's epsilon floor)
is recomputed over the whole vocabulary from the histogram of document frequencies
(Σ over df values of count × idf(df)), so no full scan of the vocabulary is needed.
"""
from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence

from indexer.facts import document_facts
from indexer.store.base import PassageRecord, StoreError, StoreWriter
from indexer.store.postgres import schema
from indexer.store.postgres.store import (WRITER_LOCK_KEY, PostgresStore, filter_keys, int_array_text, live,
                                          mask_password, sparse_text, vector_text)

COPY_BATCH = 2000
LOCK_TIMEOUT_S = 600.0


def mean_idf(df_hist: dict[int, int], n: int) -> float:
    """rank_bm25's average idf over the vocabulary, from the histogram {df: terms}."""
    vocabulary = sum(df_hist.values())
    if not vocabulary:
        return 0.0
    total = math.fsum(count * (math.log(n - df + 0.5) - math.log(df + 0.5)) for df, count in df_hist.items())
    return total / vocabulary


class PostgresWriter(StoreWriter):
    def __init__(self, store: PostgresStore):
        import psycopg

        self.store = store
        try:
            self.conn = psycopg.connect(store.url, autocommit=True, connect_timeout=schema.connect_timeout_s())
        except psycopg.OperationalError as err:
            raise StoreError(f"cannot connect to {store.describe()}: {mask_password(str(err)).strip()}") from None
        self._lock()
        self.conn.autocommit = False
        self.manifest: dict | None = None
        self.base: dict | None = None  # the newest committed version when the writer opened
        self.gen: int | None = None
        self._reset = False
        self._pending: list[tuple] = []
        self._live_docs: set[str] = set()  # documents of the version being written
        self._df_delta: Counter = Counter()
        self._n_delta = self._len_delta = self._docs_delta = 0
        self._vocab: dict[str, int] = {}
        self._next_term_id: int | None = None
        self._next_ord = 0
        self._open = True
        self._ready = False
        self.dim: int | None = None
        self.sharded = False

    # --- setup -------------------------------------------------------------------------------
    def _lock(self) -> None:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while not self.conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() > deadline:
                self.conn.close()
                raise StoreError(f"{self.store.describe()} is locked by another indexing run "
                                 f"(tracuu index/add/remove) for over {LOCK_TIMEOUT_S:.0f}s")
            time.sleep(0.2)

    def _prepare(self, dim: int | None = None) -> bool:
        """Schema (first build, or a rebuild with another vector dimension), then the base
        version. The dimension comes from the manifest, else from the first vector written;
        False while neither is known and there is no schema yet (nothing to read or withdraw)."""
        if self._ready:
            return True
        if self.manifest is not None and (self.manifest.get("model") or {}).get("dim"):
            dim = int(self.manifest["model"]["dim"])
        current = schema.passage_dim(self.conn)
        if current is not None and not schema.has_term_vectors(self.conn):
            if not self._reset:
                raise StoreError(f"{self.store.describe()} was built by an older tracuu (term counts as JSONB); "
                                 f"rebuild it with --force")
            self._ddl(schema.drop_schema)
            current = None
        if current is not None and dim is not None and current != dim:
            if not self._reset:
                raise StoreError(f"{self.store.describe()} holds {current}-dimensional vectors, the model gives "
                                 f"{dim}; rebuild with --force")
            self._ddl(schema.drop_schema)
            current = None
        if current is None or not schema.has_schema(self.conn):
            if dim is None:
                return False
            # a first build: its rows go into the table before its indexes (HNSW, GIN
            # postings, B-trees), which commit() builds over them (schema.BULK_INDEXES; on
            # the shards of a coordinator right after the commit)
            self._ddl(lambda conn: schema.create_schema(conn, dim, bulk_indexes=False))
        self.conn.execute(schema.FACT_TABLES)  # idempotent: an index from before facts were kept gets the table
        self.sharded = bool(schema.shard_servers(self.conn))
        self.dim = dim or current
        row = self.conn.execute("SELECT gen, documents, passages, total_len, df_hist, next_ord "
                                "FROM tracuu_versions ORDER BY gen DESC LIMIT 1 FOR UPDATE").fetchone()
        if row is None:
            self.base = {"gen": 0, "documents": 0, "passages": 0, "total_len": 0, "df_hist": {}, "next_ord": 0}
        else:
            self.base = {"gen": row[0], "documents": row[1], "passages": row[2], "total_len": row[3],
                         "df_hist": {int(k): v for k, v in row[4].items()}, "next_ord": row[5]}
        self.gen = self.base["gen"] + 1
        self._next_ord = self.base["next_ord"]
        self._next_term_id = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM tracuu_vocab").fetchone()[0]
        self._live_docs = {d for (d,) in self.conn.execute(
            "SELECT doc_id FROM tracuu_documents WHERE gen_removed IS NULL AND gen_added <= %s",
            (self.base["gen"],))}
        self._ready = True
        if self._reset:
            self._start_afresh()
        return True

    def _ddl(self, action) -> None:
        """Schema changes outside the version's transaction: on a coordinator they also go
        to the shards over other connections, which must see them committed."""
        self.conn.commit()
        self.conn.autocommit = True
        try:
            action(self.conn)
        finally:
            self.conn.autocommit = False

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("this writer is closed (committed or aborted); open a new one")

    # --- StoreWriter ----------------------------------------------------------------------
    def set_manifest(self, manifest: dict) -> None:
        self._check_open()
        self.manifest = manifest

    def reset(self) -> None:
        self._check_open()
        self._reset = True
        if self._ready:
            self._start_afresh()

    def _withdraw(self, where: str, params: dict) -> None:
        """Mark the live rows matched by `where` removed in this version (the previous
        version keeps them); rows added by this writer itself are simply deleted."""
        self._flush()
        p = {"gen": self.gen, "base": self.base["gen"], **params}
        base_live = "gen_removed IS NULL AND gen_added <= %(base)s"  # live at base, not yet withdrawn
        rows = self.conn.execute(
            f"UPDATE tracuu_passages SET gen_removed = %(gen)s WHERE {where} AND {base_live} "
            f"RETURNING tids, len", p).fetchall()
        rows += self.conn.execute(f"DELETE FROM tracuu_passages WHERE {where} AND gen_added = %(gen)s "
                                  f"RETURNING tids, len", p).fetchall()
        for tids, length in rows:
            self._df_delta.update({t: -1 for t in tids})
            self._n_delta -= 1
            self._len_delta -= length
        self.conn.execute(f"UPDATE tracuu_facts SET gen_removed = %(gen)s WHERE {where} AND {base_live}", p)
        self.conn.execute(f"DELETE FROM tracuu_facts WHERE {where} AND gen_added = %(gen)s", p)
        docs = self.conn.execute(f"UPDATE tracuu_documents SET gen_removed = %(gen)s WHERE {where} "
                                 f"AND {base_live} RETURNING doc_id", p).fetchall()
        docs += self.conn.execute(f"DELETE FROM tracuu_documents WHERE {where} AND gen_added = %(gen)s "
                                  f"RETURNING doc_id", p).fetchall()
        self._docs_delta -= len(docs)
        self._live_docs -= {d for (d,) in docs}

    def _start_afresh(self) -> None:
        """reset(): withdraw everything; the new version's statistics start from zero."""
        self._withdraw("TRUE", {})
        self._df_delta = Counter()
        self._n_delta = self._len_delta = self._docs_delta = 0

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        self._check_open()
        if not self._prepare():
            return  # no index yet: nothing to withdraw
        doc_ids = sorted(set(doc_ids) & self._live_docs)
        if doc_ids:
            self._withdraw("doc_id = ANY(%(docs)s)", {"docs": doc_ids})

    def _term_ids(self, terms: Iterable[str]) -> dict[str, int]:
        missing = [t for t in terms if t not in self._vocab]
        if missing:
            missing = sorted(set(missing))
            known = dict(self.conn.execute("SELECT term, id FROM tracuu_vocab WHERE term = ANY(%s)",
                                           (missing,)).fetchall())
            self._vocab.update(known)
            new = [t for t in missing if t not in known]
            if new:
                ids = range(self._next_term_id, self._next_term_id + len(new))
                self._next_term_id += len(new)
                with self.conn.cursor().copy("COPY tracuu_vocab (term, id) FROM STDIN") as copy:
                    for term, tid in zip(new, ids):
                        copy.write_row((term, tid))
                self._vocab.update(zip(new, ids))
        return self._vocab

    def add_document(self, record: dict, passages: Sequence[PassageRecord]) -> None:
        self._check_open()
        self._prepare(len(passages[0].vector) if passages else None)
        if not self._ready:
            raise StoreError("the vector dimension is unknown: call set_manifest() first")
        doc_id = record["doc_id"]
        if doc_id in self._live_docs:  # replacing: the old one goes
            self._withdraw("doc_id = %(doc)s", {"doc": doc_id})
        metadata = record.get("metadata") or {}
        keys = filter_keys(metadata)
        dim = self.dim
        vocab = self._term_ids({t for p in passages for t in p.terms})
        self.conn.execute(
            "INSERT INTO tracuu_documents (doc_id, ord, gen_added, title, source, passages, metadata, record, "
            "province, district, doc_type, year_lo, year_hi, refs) VALUES (%(doc_id)s, %(ord)s, %(gen)s, "
            "%(title)s, %(source)s, %(n)s, %(metadata)s::jsonb, %(record)s::jsonb, %(province)s, %(district)s, "
            "%(doc_type)s, %(year_lo)s, %(year_hi)s, %(refs)s)",
            {"doc_id": doc_id, "ord": self._next_ord, "gen": self.gen, "title": record.get("title", ""),
             "source": record.get("source"), "n": len(passages), "metadata": _json(metadata),
             "record": _json(record), **keys})
        for p in passages:
            vector = p.vector
            if vector.shape != (dim,):
                raise StoreError(f"passage {p.passage.get('passage_id')!r} has a vector of shape {vector.shape}, "
                                 f"the manifest says {dim}")
            ids = [vocab[t] for t in p.terms]
            self._pending.append((p.passage["passage_id"], doc_id, self._next_ord, self.gen,
                                  p.passage.get("content_hash"), sum(p.terms.values()), int_array_text(ids),
                                  sparse_text({vocab[t]: c for t, c in p.terms.items()}),
                                  _json(p.passage), vector_text(vector),
                                  keys["province"], keys["district"], keys["doc_type"], keys["year_lo"],
                                  keys["year_hi"], keys["refs"]))
            self._next_ord += 1
            self._df_delta.update(ids)
            self._n_delta += 1
            self._len_delta += sum(p.terms.values())
        self._write_facts(doc_id, document_facts(record, [p.passage for p in passages]), keys)
        self._docs_delta += 1
        self._live_docs.add(doc_id)
        if len(self._pending) >= COPY_BATCH:
            self._flush()

    def set_facts(self, doc_id: str, facts: Sequence[dict]) -> None:
        self._check_open()
        if not self._ready or doc_id not in self._live_docs:
            raise ValueError(f"set_facts: {doc_id} was not added by this writer")
        self.conn.execute("DELETE FROM tracuu_facts WHERE doc_id = %s AND gen_added = %s", (doc_id, self.gen))
        row = self.conn.execute("SELECT metadata FROM tracuu_documents WHERE doc_id = %s AND gen_added = %s",
                                (doc_id, self.gen)).fetchone()
        if row is None:
            raise ValueError(f"set_facts: {doc_id} was not added by this writer")
        self._write_facts(doc_id, facts, filter_keys(row[0]))

    def _backfill_facts(self, base_gen: int) -> None:
        """The base version was written before facts were kept: the documents it carries over
        get theirs now, so the new version's facts are whole."""
        kept = self.conn.execute("SELECT manifest ? 'facts' FROM tracuu_versions WHERE gen = %s",
                                 (base_gen,)).fetchone()
        if kept is None or kept[0]:
            return
        rows = self.conn.execute(f"SELECT doc_id, record, metadata FROM tracuu_documents WHERE {live()} "
                                 f"AND gen_added < %(gen)s", {"gen": self.gen}).fetchall()
        for doc_id, record, metadata in rows:
            passages = [r[0] for r in self.conn.execute(
                f"SELECT data FROM tracuu_passages WHERE doc_id = %(doc)s AND {live()} ORDER BY ord",
                {"doc": doc_id, "gen": self.gen})]
            self._write_facts(doc_id, document_facts(record, passages), filter_keys(metadata))

    def _write_facts(self, doc_id: str, facts: Sequence[dict], keys: dict) -> None:
        """The document's facts with their index columns (schema.FACT_TABLES)."""
        if not facts:
            return
        columns = ", ".join(schema.FACT_FIELDS)
        with self.conn.cursor().copy(f"COPY tracuu_facts ({columns}) FROM STDIN") as copy:
            for i, fact in enumerate(facts):
                period = fact.get("period") or {}
                low, high = period.get("from"), period.get("to") or period.get("from")
                copy.write_row((doc_id, i, self.gen, fact.get("predicate"), list(fact.get("words") or []),
                                "+".join(sorted(fact.get("qualifiers") or [])), fact.get("unit_class"),
                                fact.get("kind") == "percent", keys["province"], keys["district"],
                                keys["doc_type"], low, high, keys["refs"], _json(fact)))
        self._facts_written = True

    def _flush(self) -> None:
        if not self._pending:
            return
        columns = ", ".join(schema.PASSAGE_FIELDS)
        with self.conn.cursor().copy(f"COPY tracuu_passages ({columns}) FROM STDIN") as copy:
            for row in self._pending:
                copy.write_row(row)
        self._pending = []

    def commit(self) -> str:
        self._check_open()
        if self.manifest is None:
            raise StoreError("set_manifest() must come before commit(): a version needs its manifest")
        if not self._prepare():
            raise StoreError("nothing to commit: no passages and no vector dimension in the manifest")
        self._flush()
        base, gen = self.base, self.gen
        base_gen = 0 if self._reset else base["gen"]  # after reset() the df of the base version do not count
        changed = sorted(t for t, d in self._df_delta.items() if d != 0)
        old = {}
        if changed and base_gen:
            old = dict(self.conn.execute(
                "SELECT DISTINCT ON (id) id, df FROM tracuu_terms WHERE id = ANY(%s) AND gen <= %s "
                "ORDER BY id, gen DESC", (changed, base_gen)).fetchall())
        hist = Counter() if self._reset else Counter(base["df_hist"])
        new_rows = []
        for tid in changed:
            before = old.get(tid, 0)
            after = before + self._df_delta[tid]
            if after < 0:
                raise StoreError(f"document frequency of term {tid} would be {after}: the index is inconsistent")
            if before == after:
                continue
            if before:
                hist[before] -= 1
            if after:
                hist[after] += 1
            new_rows.append((tid, gen, after))
        if self._reset and base["gen"]:
            # every term the new version has is in `changed` (df from 0); the others drop to 0
            dropped = self.conn.execute(
                "SELECT DISTINCT ON (id) id, df FROM tracuu_terms WHERE gen <= %s ORDER BY id, gen DESC",
                (base["gen"],)).fetchall()
            touched = {r[0] for r in new_rows}
            new_rows += [(tid, gen, 0) for tid, df in dropped if df > 0 and tid not in touched]
        hist = {df: c for df, c in hist.items() if c > 0}
        if new_rows:
            with self.conn.cursor().copy("COPY tracuu_terms (id, gen, df) FROM STDIN") as copy:
                for row in new_rows:
                    copy.write_row(row)
        n = (0 if self._reset else base["passages"]) + self._n_delta
        total_len = (0 if self._reset else base["total_len"]) + self._len_delta
        documents = (0 if self._reset else base["documents"]) + self._docs_delta
        if not self._reset and base["gen"]:
            self._backfill_facts(base["gen"])
        manifest = dict(self.manifest)
        manifest["facts"] = True  # every document added through this writer has its facts (tracuu_facts)
        manifest.setdefault("corpus", {})
        manifest["corpus"] = {**manifest["corpus"], "documents": documents, "passages": n}
        if not self.sharded and schema.missing_bulk_indexes(self.conn):
            # the first build's rows are in: build the indexes over them, in this transaction
            # (a build killed before this point leaves the table empty and without them; the
            # next build makes them)
            schema.create_bulk_indexes(self.conn)
        self.conn.execute(
            "INSERT INTO tracuu_versions (gen, manifest, documents, passages, total_len, vocabulary, mean_idf, "
            "df_hist, next_ord) VALUES (%s, %s::jsonb, %s, %s, %s, %s, %s, %s::jsonb, %s)",
            (gen, _json(manifest), documents, n, total_len, sum(hist.values()), mean_idf(hist, n),
             json.dumps({str(k): v for k, v in sorted(hist.items())}), self._next_ord))
        self._purge(base["gen"])
        self.conn.commit()
        self.conn.autocommit = True
        if self.sharded:
            schema.create_shard_bulk_indexes(self.conn)
        schema.analyze(self.conn)
        self._close()
        return str(gen)

    def _purge(self, base_gen: int) -> None:
        """Drop rows no reader can need: those withdrawn up to the previous version (readers
        of the previous version did not see them either) and superseded frequencies."""
        if base_gen < 1:
            return
        self.conn.execute("DELETE FROM tracuu_passages WHERE gen_removed <= %s", (base_gen,))
        self.conn.execute("DELETE FROM tracuu_documents WHERE gen_removed <= %s", (base_gen,))
        self.conn.execute("DELETE FROM tracuu_facts WHERE gen_removed <= %s", (base_gen,))
        self.conn.execute("DELETE FROM tracuu_terms t USING tracuu_terms newer WHERE newer.id = t.id "
                          "AND newer.gen > t.gen AND newer.gen <= %s", (base_gen,))
        self.conn.execute("DELETE FROM tracuu_versions WHERE gen < %s", (base_gen,))

    def abort(self) -> None:
        if not self._open:
            return
        try:
            self.conn.rollback()
        finally:
            self._close()

    def _close(self) -> None:
        self._open = False
        try:
            if not self.conn.closed:
                self.conn.autocommit = True
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (WRITER_LOCK_KEY,))
        finally:
            self.conn.close()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=_default)


def _default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} as JSON")
