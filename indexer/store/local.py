"""The local-files store (the embedded default): versioned folders under one directory.

Layout and atomicity: indexer/store/files.py. A `LocalStore` serves the version CURRENT
names, loaded into memory (`_Version`: passages, documents, the BM25 weight matrix, the
dense index; embeddings memory-mapped). Integer rows index those arrays here and nowhere
else: everything leaving the store is named by `passage_id` / `doc_id`.

A damaged current version does not stop a reader: when CURRENT's version is corrupt,
incomplete or missing, the newest intact version is served instead, with a loud
warning (`warnings()`, logged, shown by /health); `repair()` re-points CURRENT to it and
removes the broken and partial versions (`tracuu index --repair`).
"""
from __future__ import annotations

import copy
import json
import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from indexer.facts import document_facts, extractor_fingerprint
from indexer.store import files
from indexer.store.base import DocumentSummary, Hit, PassageRecord, Store, StoreError, StoreWriter
from indexer.store.bm25 import BM25Index, assemble_term_matrix
from indexer.store.dense import (HNSW_EF_CONSTRUCTION, HNSW_M, DenseIndex, ann_min_passages,
                                  build_hnsw)
from indexer.store.factindex import FACTS_FILE, FactIndex, FactQuery
from indexer.store.filters import Filters

log = logging.getLogger("tracuu.store")
FILTER_CACHE = 64  # filter masks kept per version


class _Version:
    """One published version in memory; immutable, shared by every reader pinned to it."""

    def __init__(self, path: Path, verify: bool = True):
        self.path = path
        self.name = path.name
        if not path.is_dir():
            raise StoreError(f"{path} is missing; {files.rebuild_hint(path.parent)}")
        manifest = files.read_manifest(path)
        if manifest.get("format") != files.FORMAT_VERSION:
            raise StoreError(f"the index in {path.parent} has format {manifest.get('format')}, this "
                             f"tracuu reads format {files.FORMAT_VERSION}; {files.rebuild_hint(path.parent)}")
        if verify:
            files.verify_files(path, manifest)
        self.manifest = manifest
        try:
            self.passages: list[dict] = files.read_jsonl(path / files.PASSAGES)
            records = files.read_jsonl(path / files.DOCUMENTS)
            vocabulary = json.loads((path / files.BM25_VOCAB).read_text(encoding="utf-8"))
            self.term_freqs = files.load_term_freqs(path / files.BM25_TF)
            self.embeddings = np.load(path / files.EMBEDDINGS, mmap_mode="r")
        except (OSError, ValueError, KeyError, TypeError) as err:  # JSON, npz, npy damage
            raise StoreError(f"the index version {path} is corrupted ({err}); "
                             f"{files.rebuild_hint(path.parent)}") from None
        n = len(self.passages)
        if self.term_freqs.shape[0] != n or self.embeddings.shape[0] != n or self.embeddings.ndim != 2:
            raise StoreError(f"the index version {path} is inconsistent ({n} passages, "
                             f"{self.term_freqs.shape[0]} BM25 rows, {self.embeddings.shape[0]} vectors); "
                             f"{files.rebuild_hint(path.parent)}")
        self.documents: dict[str, dict] = {d["doc_id"]: d for d in records}
        self.doc_order = [d["doc_id"] for d in records]
        self.vocabulary = {term: col for col, term in enumerate(vocabulary)}
        self.row_of: dict[str, int] = {}
        self.rows_by_doc: dict[str, list[int]] = {d: [] for d in self.doc_order}
        self.row_by_hash: dict[str, int] = {}
        doc_number = {d: i for i, d in enumerate(self.doc_order)}
        self.doc_of_row = np.empty(n, dtype=np.int32)
        for row, passage in enumerate(self.passages):
            self.row_of[passage["passage_id"]] = row
            doc_id = passage["doc_id"]
            if doc_id not in doc_number:
                raise StoreError(f"the index version {path} is inconsistent (passage {passage['passage_id']} "
                                 f"of unknown document {doc_id}); {files.rebuild_hint(path.parent)}")
            self.rows_by_doc[doc_id].append(row)
            self.doc_of_row[row] = doc_number[doc_id]
            if passage.get("content_hash"):
                self.row_by_hash.setdefault(passage["content_hash"], row)
        self._bm25: BM25Index | None = None
        self._dense: DenseIndex | None = None
        self._masks: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._facts: FactIndex | None = None
        self.doc_number = doc_number

    @property
    def fact_index(self) -> FactIndex | None:
        """The version's facts and their postings (None: a version written before facts were kept)."""
        if self._facts is None and FACTS_FILE in self.manifest.get("files", {}):
            with self._lock:
                if self._facts is None:
                    try:
                        facts = files.read_jsonl(self.path / FACTS_FILE)
                    except (OSError, ValueError) as err:
                        raise StoreError(f"{self.path / FACTS_FILE} is corrupted ({err}); "
                                         f"{files.rebuild_hint(self.path.parent)}") from None
                    self._facts = FactIndex(facts, self.doc_number)
        return self._facts

    # built on first use: a writer reusing this version's passages needs neither
    @property
    def bm25(self) -> BM25Index:
        if self._bm25 is None:
            with self._lock:
                if self._bm25 is None:
                    params = self.manifest["settings"]["bm25"]
                    self._bm25 = BM25Index(self.term_freqs, self.vocabulary, **params)
        return self._bm25

    @property
    def dense(self) -> DenseIndex:
        if self._dense is None:
            with self._lock:
                if self._dense is None:
                    if files.DENSE_ANN in self.manifest["files"]:
                        import faiss

                        try:
                            ann = faiss.read_index(str(self.path / files.DENSE_ANN))
                        except RuntimeError as err:
                            raise StoreError(f"{self.path / files.DENSE_ANN} is corrupted ({err}); "
                                             f"{files.rebuild_hint(self.path.parent)}") from None
                        if ann.ntotal != len(self.passages) or ann.d != self.embeddings.shape[1]:
                            raise StoreError(f"{self.path / files.DENSE_ANN} does not match the passages; "
                                             f"{files.rebuild_hint(self.path.parent)}")
                        self._dense = DenseIndex(ann=ann)
                    else:
                        self._dense = DenseIndex(self.embeddings)
        return self._dense

    def allowed(self, filters: Filters | None) -> tuple[np.ndarray, int] | None:
        """(boolean mask over rows, rows allowed) for the filters; None when unfiltered."""
        if filters is None or filters.is_empty():
            return None
        key = filters.key()
        with self._lock:
            found = self._masks.get(key)
            if found is not None:
                self._masks.move_to_end(key)
                return found
        docs = np.fromiter((filters.accepts(self.documents[d].get("metadata") or {}, d) for d in self.doc_order),
                           dtype=bool, count=len(self.doc_order))
        mask = docs[self.doc_of_row] if len(self.doc_of_row) else np.zeros(0, dtype=bool)
        found = (mask, int(mask.sum()))
        with self._lock:
            self._masks[key] = found
            while len(self._masks) > FILTER_CACHE:
                self._masks.popitem(last=False)
        return found


class LocalStore(Store):
    """An index directory. Opening never fails on an empty or missing directory (a writer
    creates the first version); reading one raises StoreError saying how to build it."""

    def __init__(self, path: str | Path, verify: bool = True, ann_min_passages: int | None = None):
        """`ann_min_passages`: versions with at least this many passages get an HNSW graph
        (default: indexer.store.dense.ANN_MIN_PASSAGES, or $TRACUU_ANN_MIN_PASSAGES)."""
        self.path = Path(path)
        self.location = str(self.path)
        self.verify = verify
        self.ann_min_passages = ann_min_passages
        self._version: _Version | None = None
        self._warnings: list[str] = []
        self._pointer: str | None = None  # what CURRENT named when last looked at
        self._error: str | None = None  # why nothing can be served, when nothing can
        self._refresh_lock = threading.Lock()
        try:
            self._open_served()
        except StoreError:
            pass  # kept in self._error: reading raises it, repair() can still run

    # --- versions -----------------------------------------------------------------------
    def _open_served(self) -> bool:
        """Load the version CURRENT names, or else the newest intact one (with a warning).
        Returns whether the version served changed."""
        pointer_error = None
        try:
            name = files.current_name(self.path)
        except StoreError as err:
            name, pointer_error = None, str(err)
        pointer = name if pointer_error is None else f"!{pointer_error}"
        if pointer == self._pointer:
            return False
        self._pointer = pointer
        if name is not None and self._version is not None and name == self._version.name:
            self._warnings = []
            return False
        problems = [pointer_error] if pointer_error else []
        if name is not None:
            try:
                self._version = _Version(self.path / name, self.verify)
                self._warnings, self._error = [], None
                return True
            except StoreError as err:
                problems.append(str(err))
        elif not pointer_error:
            if not files.version_dirs(self.path):
                return False  # an empty store
            problems.append(f"{self.path / files.CURRENT} is missing")
        # the version named is damaged: serve the newest intact one instead
        for path in files.version_dirs(self.path):
            if path.name == name:
                continue
            if self._version is not None and path.name == self._version.name:
                fallback = self._version
            else:
                try:
                    fallback = _Version(path, self.verify)
                except StoreError as err:
                    problems.append(str(err))
                    continue
            changed = fallback is not self._version
            self._version = fallback
            self._warnings = [f"the current index version is damaged: {problems[0]}; serving the newest "
                              f"intact version {fallback.name} (built {fallback.manifest.get('created_at')}) "
                              f"instead. Run `tracuu index --repair --index-dir {self.path}` and re-index."]
            log.warning("%s", self._warnings[0])
            return changed
        self._warnings = [f"the current index version is damaged ({problems[0]}) and no intact version "
                          f"is left to serve; {files.rebuild_hint(self.path)}"]
        log.error("%s", self._warnings[0])
        if self._version is not None:
            return False  # keep serving what was loaded before
        self._error = "; ".join(problems)
        raise StoreError(self._error)

    def _served(self) -> _Version:
        version = self._version
        if version is None:
            if self._error:
                raise StoreError(self._error)
            raise StoreError(f"no index in {self.path}; build one with "
                             f"`tracuu index corpus --index-dir {self.path}`")
        return version

    def version(self) -> str:
        return self._served().name

    def refresh(self) -> bool:
        with self._refresh_lock:
            try:
                return self._open_served()
            except StoreError:
                if self._version is None:
                    raise
                return False

    def manifest(self) -> dict:
        return copy.deepcopy(self._served().manifest)

    def warnings(self) -> list[str]:
        return list(self._warnings)

    def snapshot(self) -> "LocalStore":
        pinned = copy.copy(self)
        pinned._warnings = list(self._warnings)
        pinned._refresh_lock = threading.Lock()
        return pinned

    # --- documents and passages -----------------------------------------------------------
    def count(self) -> tuple[int, int]:
        v = self._served()
        return len(v.documents), len(v.passages)

    def document(self, doc_id: str) -> dict | None:
        record = self._served().documents.get(doc_id)
        return dict(record) if record is not None else None

    def documents(self, filters: Filters | None = None) -> Iterator[DocumentSummary]:
        v = self._served()
        for doc_id in v.doc_order:
            record = v.documents[doc_id]
            metadata = record.get("metadata") or {}
            if filters is not None and not filters.accepts(metadata, doc_id):
                continue
            yield DocumentSummary(doc_id, record["title"], record["source"], metadata,
                                  len(v.rows_by_doc[doc_id]), record.get("extra") or {})

    def passages(self, passage_ids: Sequence[str]) -> list[dict]:
        v = self._served()
        out = []
        for pid in passage_ids:
            row = v.row_of.get(pid)
            if row is None:
                raise KeyError(pid)
            out.append(dict(v.passages[row]))
        return out

    def passage_ids(self, doc_id: str) -> list[str]:
        v = self._served()
        return [v.passages[row]["passage_id"] for row in v.rows_by_doc.get(doc_id, [])]

    def iter_passages(self, batch: int = 1000) -> Iterator[dict]:
        for passage in self._served().passages:
            yield dict(passage)

    def facts(self, filters: Filters | None = None, query: FactQuery | None = None) -> Iterator[dict] | None:
        v = self._served()
        index = v.fact_index
        if index is None:
            return None
        query = query or FactQuery()
        allowed = None
        if filters is not None:
            if filters.year_from or filters.year_to:  # years are the facts' own (FactQuery)
                query = FactQuery(**{**query.__dict__, "year_from": query.year_from or filters.year_from,
                                     "year_to": query.year_to or filters.year_to})
                filters = Filters(**{**filters.__dict__, "year_from": None, "year_to": None})
            if not filters.is_empty():
                allowed = {v.doc_number[d] for d in v.doc_order
                           if filters.accepts(v.documents[d].get("metadata") or {}, d)}
        return iter([dict(index.facts[row]) for row in index.rows(query, allowed)])

    def candidates(self, filters: Filters) -> set[str] | None:
        v = self._served()
        allowed = v.allowed(filters)
        if allowed is None:
            return None
        return {v.passages[row]["passage_id"] for row in np.flatnonzero(allowed[0])}

    # --- retrieval --------------------------------------------------------------------------
    def bm25(self, terms: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        v = self._served()
        allowed = v.allowed(filters)
        if allowed is not None and not allowed[1]:
            return []
        hits = v.bm25.search(list(terms), k, None if allowed is None else allowed[0])
        return [(v.passages[row]["passage_id"], score) for row, score in hits]

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None,
              exact: bool | None = None) -> list[Hit]:
        v = self._served()
        allowed = v.allowed(filters)
        if allowed is not None and not allowed[1]:
            return []
        hits = v.dense.search(vector, k, *(allowed or (None, None)), exact=exact)
        return [(v.passages[row]["passage_id"], score) for row, score in hits]

    def matching_documents(self, terms: Sequence[str], filters: Filters | None = None) -> list[str]:
        v = self._served()
        rows = v.bm25.matching_rows(list(terms))
        allowed = v.allowed(filters)
        if allowed is not None:
            rows = rows[allowed[0][rows]]
        return [v.doc_order[i] for i in np.unique(v.doc_of_row[rows])]

    # --- reuse ------------------------------------------------------------------------------
    def reusable(self, content_hashes: Iterable[str]) -> dict[str, tuple[dict[str, int], np.ndarray]]:
        v = self._version
        if v is None:
            return {}
        out = {}
        for h in content_hashes:
            row = v.row_by_hash.get(h)
            if row is not None and h not in out:
                out[h] = (_term_counts(v, row), np.array(v.embeddings[row], dtype=np.float32))
        return out

    # --- writing and repair -------------------------------------------------------------------
    def writer(self) -> "LocalWriter":
        return LocalWriter(self)

    def repair(self) -> list[str]:
        """Re-point CURRENT to the newest intact version, remove broken versions and
        leftovers of killed builds; says what it did, or that a rebuild is needed."""
        done: list[str] = []
        if not self.path.is_dir():
            return [f"{self.path} does not exist: nothing to repair; build an index with "
                    f"`tracuu index CORPUS --index-dir {self.path}`"]
        with files.writer_lock(self.path):
            for tmp in sorted(self.path.glob(files.TMP_PREFIX + "*")):
                shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
                done.append(f"removed {tmp.name} (left by an interrupted build)")
            try:
                current = files.current_name(self.path)
            except StoreError as err:
                current = None
                done.append(f"{err}")
            intact: list[str] = []
            for path in files.version_dirs(self.path):
                try:
                    _Version(path, verify=True)
                    intact.append(path.name)
                except StoreError as err:
                    shutil.rmtree(path, ignore_errors=True)
                    done.append(f"removed broken version {path.name}: {err}")
            if not intact:
                if current is not None or done:
                    (self.path / files.CURRENT).unlink(missing_ok=True)
                done.append(f"no intact index version is left in {self.path}: rebuild it with "
                            f"`tracuu index CORPUS --index-dir {self.path} --force`")
                return done
            if current != intact[0] and current not in intact:
                files.point_current(self.path, intact[0])
                done.append(f"CURRENT now names {intact[0]}, the newest intact version"
                            + (f" (it named {current})" if current else ""))
            if not done:
                done.append(f"{self.path}: every version is intact; CURRENT names {current}; nothing to repair")
            else:
                done.append(f"serving {current if current in intact else intact[0]}; documents added after "
                            f"it was built are re-indexed by `tracuu index CORPUS --index-dir {self.path}`")
        self.refresh()
        return done


def _facts_by_doc(v: _Version | None) -> dict[str, list[dict]] | None:
    """The base version's facts by document (None: it kept none, or other extraction code wrote
    them; they are extracted again)."""
    if v is not None and v.manifest.get("facts_extractor") != extractor_fingerprint():
        return None
    if v is None or v.fact_index is None:
        return None if v is not None else {}
    out: dict[str, list[dict]] = {}
    for fact in v.fact_index.facts:
        out.setdefault(fact["doc_id"], []).append(fact)
    return out


def _term_counts(v: _Version, row: int) -> dict[str, int]:
    """One passage's raw counts without building the BM25 weights (a writer reusing rows)."""
    if not hasattr(v, "_terms"):
        terms = [""] * len(v.vocabulary)
        for term, col in v.vocabulary.items():
            terms[col] = term
        v._terms = terms
    tf = v.term_freqs
    start, end = tf.indptr[row], tf.indptr[row + 1]
    return {v._terms[c]: int(x) for c, x in zip(tf.indices[start:end], tf.data[start:end])}


class LocalWriter(StoreWriter):
    """Holds the directory's writer lock from creation to commit/abort; writes a new
    version folder and publishes it atomically (files.publish_version)."""

    def __init__(self, store: LocalStore):
        self._store = store
        self._lock = files.writer_lock(store.path)
        self._lock.__enter__()
        self._open = True
        try:
            store.refresh()  # another writer may have committed before the lock was ours
        except StoreError:
            pass
        self._base = store._version
        self._manifest: dict | None = None
        # doc_id → ("base", None) (kept from the base version) | ("new", record, passages)
        self._docs: dict[str, tuple] | None = None
        self._tmp: Path | None = None

    def _entries(self) -> dict[str, tuple]:
        if self._docs is None:
            self._docs = {d: ("base", None) for d in (self._base.doc_order if self._base else [])}
        return self._docs

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError("this writer was committed or aborted; open a new one with store.writer()")

    def set_manifest(self, manifest: dict) -> None:
        self._check_open()
        self._manifest = copy.deepcopy(manifest)

    def reset(self) -> None:
        self._check_open()
        self._docs = {}

    def add_document(self, record: dict, passages: Sequence[PassageRecord]) -> None:
        self._check_open()
        doc_id = record["doc_id"]
        for p in passages:
            if p.passage.get("doc_id") != doc_id:
                raise ValueError(f"passage {p.passage.get('passage_id')} belongs to {p.passage.get('doc_id')}, "
                                 f"not {doc_id}")
        self._entries()[doc_id] = ("new", record, list(passages), None)

    def set_facts(self, doc_id: str, facts: Sequence[dict]) -> None:
        self._check_open()
        entry = self._entries().get(doc_id)
        if entry is None or entry[0] != "new":
            raise ValueError(f"set_facts: {doc_id} was not added by this writer")
        self._entries()[doc_id] = entry[:3] + (list(facts),)

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        self._check_open()
        entries = self._entries()
        for doc_id in doc_ids:
            entries.pop(doc_id, None)

    def commit(self) -> str:
        self._check_open()
        if self._manifest is None:
            raise StoreError("set_manifest() must be called before commit()")
        base, entries = self._base, self._entries()
        records, passages, counts, vectors, facts = [], [], [], [], []
        dim = (self._manifest.get("model") or {}).get("dim")
        base_facts = _facts_by_doc(base)
        for doc_id, entry in entries.items():
            if entry[0] == "base":
                records.append(base.documents[doc_id])
                facts += base_facts.get(doc_id, []) if base_facts is not None else \
                    document_facts(base.documents[doc_id], [base.passages[row] for row in base.rows_by_doc[doc_id]])
                for row in base.rows_by_doc[doc_id]:
                    passages.append(base.passages[row])
                    counts.append(_term_counts(base, row))
                    vectors.append(base.embeddings[row])
                continue
            _, record, items, own_facts = entry
            records.append(record)
            facts += own_facts if own_facts is not None else document_facts(record, [i.passage for i in items])
            for item in items:
                passages.append(item.passage)
                counts.append(dict(item.terms))
                vectors.append(item.vector)
        dim = int(dim or (len(vectors[0]) if vectors else 0))
        embeddings = np.zeros((len(passages), dim), dtype=np.float32)
        for i, vector in enumerate(vectors):
            vector = np.asarray(vector, dtype=np.float32).ravel()
            if vector.shape != (dim,):
                raise ValueError(f"passage {passages[i]['passage_id']} has a vector of dimension "
                                 f"{vector.shape[0]}, not {dim}")
            embeddings[i] = vector
        seen: set[str] = set()
        for p in passages:
            if p["passage_id"] in seen:
                raise ValueError(f"passage id {p['passage_id']} occurs twice")
            seen.add(p["passage_id"])
        term_freqs, vocabulary = assemble_term_matrix(counts)
        threshold = self._store.ann_min_passages
        threshold = ann_min_passages() if threshold is None else threshold
        ann = build_hnsw(embeddings) if len(passages) >= max(threshold, 1) else None

        manifest = self._manifest
        manifest["format"] = files.FORMAT_VERSION
        corpus = manifest.setdefault("corpus", {})
        corpus["documents"], corpus["passages"] = len(records), len(passages)
        manifest["dense"] = ({"index": "hnsw", "M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION}
                             if ann is not None else {"index": "flat"})
        delay = files.write_delay()
        self._tmp = tmp = files.new_version_dir(self._store.path)
        writes = [(files.DOCUMENTS, lambda p: files.write_jsonl(p, records)),
                  (files.PASSAGES, lambda p: files.write_jsonl(p, passages)),
                  (files.BM25_TF, lambda p: files.save_term_freqs(p, term_freqs)),
                  (files.BM25_VOCAB, lambda p: files.write_json(p, vocabulary)),
                  (files.EMBEDDINGS, lambda p: np.save(p, embeddings)),
                  (FACTS_FILE, lambda p: files.write_jsonl(p, facts))]
        if ann is not None:
            import faiss

            writes.append((files.DENSE_ANN, lambda p: faiss.write_index(ann, str(p))))
        for name, write in writes:
            if delay:
                time.sleep(delay)
            write(tmp / name)
        if delay:
            time.sleep(delay)
        files.write_manifest(tmp, manifest, [name for name, _ in writes])
        version = files.publish_version(self._store.path, tmp)
        self._tmp = None
        self._release()
        return version.name

    def abort(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self._release()

    def _release(self) -> None:
        if self._open:
            self._open = False
            self._lock.__exit__(None, None, None)
