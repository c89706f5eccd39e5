"""Incremental index builds: reuse everything an unchanged input already produced.

A build compares the corpus with the version being served:
- a source file whose bytes (sha256) are unchanged keeps its document records and
  passages without being read again (`manifest["sources"]`);
- a passage whose index text (title, headings, text, footnotes; sha256 = its
  `content_hash`) was in the previous version keeps its embedding and its BM25 term
  counts: only new passage texts are segmented and embedded;
- deleted files simply are not carried over.
BM25 statistics are then recomputed over all passages (document frequencies, idf,
average length come from the full term matrix at load time), and the vocabulary is
written in sorted order with unused terms dropped, so an incremental build writes the
very same term matrix as a build from scratch (tests/test_incremental.py checks it).

Writers take an exclusive lock (INDEX_DIR/.lock) so `tracuu add`, `tracuu remove`,
`tracuu index` and the API's uploads never interleave; readers never lock: they see
CURRENT's old or new value (index_files.publish_version).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
from scipy import sparse

from indexer import index_files as files

LOCK_NAME = ".lock"
# tests: seconds to sleep before each data file is written (to kill a build mid-write)
WRITE_DELAY_ENV = "TRACUU_DEBUG_WRITE_DELAY"


def content_hash(index_text: str) -> str:
    return hashlib.sha256(index_text.encode("utf-8")).hexdigest()


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = 600.0):
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_NAME, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise files.IndexError_(f"{index_dir} is locked by another indexing run "
                                            f"(tracuu index/add/remove) for over {timeout:.0f}s")
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class PreviousVersion:
    """What the served version can give a new build (empty when there is none)."""

    def __init__(self, index_dir: Path | None, settings: dict | None = None):
        self.manifest: dict = {}
        self.documents: dict[str, dict] = {}
        self.passages: list[dict] = []
        self.rows_by_doc: dict[str, list[int]] = {}
        self.row_by_hash: dict[str, int] = {}
        self.term_freqs = None
        self.vocabulary: list[str] = []
        self.embeddings = None
        self.version = None
        if index_dir is None:
            return
        version = files.current_version(index_dir)
        if version is None or not version.exists():
            return
        try:
            manifest = files.read_manifest(version)
            if settings is not None and manifest.get("settings") != settings:
                return  # built differently: nothing can be reused
            files.verify_files(version, manifest)
            self.documents = {d["doc_id"]: d for d in files.read_jsonl(version / files.DOCUMENTS)}
            self.passages = files.read_jsonl(version / files.PASSAGES)
            self.term_freqs = files.load_term_freqs(version / files.BM25_TF)
            self.vocabulary = json.loads((version / files.BM25_VOCAB).read_text(encoding="utf-8"))
            self.embeddings = np.load(version / files.EMBEDDINGS, mmap_mode="r")
        except (files.IndexError_, OSError, ValueError, KeyError):
            # a damaged previous version is not reused; the new build starts from scratch
            self.documents, self.passages, self.term_freqs, self.embeddings = {}, [], None, None
            return
        self.manifest = manifest
        self.version = version
        for row, passage in enumerate(self.passages):
            self.rows_by_doc.setdefault(passage["doc_id"], []).append(row)
            if passage.get("content_hash"):
                self.row_by_hash.setdefault(passage["content_hash"], row)

    @property
    def sources(self) -> dict[str, dict]:
        return self.manifest.get("sources", {})

    def term_counts(self, row: int) -> dict[str, int]:
        tf = self.term_freqs
        start, end = tf.indptr[row], tf.indptr[row + 1]
        return {self.vocabulary[c]: int(v) for c, v in zip(tf.indices[start:end], tf.data[start:end])}


def assemble_term_matrix(rows: list[dict[str, int] | None], new_term_lists: list[list[str]],
                         ) -> tuple[sparse.csr_matrix, list[str]]:
    """Passages × terms counts in passage order, vocabulary sorted. `rows[i]` is the
    reused term counts of passage i, or None when it is new: its terms come, in order,
    from `new_term_lists`."""
    from collections import Counter

    new_iter = iter(new_term_lists)
    counts = [row if row is not None else Counter(next(new_iter)) for row in rows]
    vocabulary = sorted({term for row in counts for term in row})
    column = {term: i for i, term in enumerate(vocabulary)}
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    indices, data = [], []
    for i, row in enumerate(counts):
        cols = sorted(column[t] for t in row)
        indices.extend(cols)
        data.extend(row[vocabulary[c]] for c in cols)
        indptr[i + 1] = len(indices)
    matrix = sparse.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                                indptr), shape=(len(counts), len(vocabulary)))
    return matrix, vocabulary


def write_delay() -> float:
    try:
        return float(os.environ.get(WRITE_DELAY_ENV, "0") or 0)
    except ValueError:
        return 0.0
