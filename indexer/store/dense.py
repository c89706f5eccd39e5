"""Dense retrieval over the local store's embeddings: inner product (= cosine on
L2-normalised vectors) with FAISS.

Small indexes are searched exhaustively (IndexFlatIP). From `ANN_MIN_PASSAGES` passages
on, the writer also builds an HNSW graph (IndexHNSWFlat) saved with the version, and
queries walk the graph: eval/dense_ann.py measured where exhaustive search gets too slow
and which graph settings keep recall@10 ≥ 0.98 against exact search
(eval/results/dense_ann.md). `exact=True` forces the exhaustive scan; the graph's own
copy of the vectors serves it, so the vectors are held in memory once.

Filters are applied inside the search (a FAISS IDSelector over the rows allowed), so
the best k allowed passages come back: exhaustively when few rows are allowed, else
through the graph with a search breadth widened in proportion to the share filtered out.

Rows are the local store's integer passage rows; they never leave indexer/store/.
"""
from __future__ import annotations

import math
import os

import faiss
import numpy as np

ANN_MIN_PASSAGES_ENV = "TRACUU_ANN_MIN_PASSAGES"
ANN_MIN_PASSAGES = 50_000  # exhaustive below; see eval/results/dense_ann.md
HNSW_M = 32  # graph degree
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96  # search breadth for k ≤ 10 (widened for larger k and for filters)
EF_MAX = 2048  # wider than this, an exhaustive scan is as cheap and exact
EXACT_ALLOWED_MAX = 20_000  # filters allowing at most this many rows: exhaustive over them


def ann_min_passages() -> int:
    try:
        return int(os.environ.get(ANN_MIN_PASSAGES_ENV) or ANN_MIN_PASSAGES)
    except ValueError:
        return ANN_MIN_PASSAGES


def build_hnsw(embeddings: np.ndarray, m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION) -> faiss.Index:
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    index = faiss.IndexHNSWFlat(embeddings.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    for first in range(0, len(embeddings), 65536):  # bounded temporary copies
        index.add(embeddings[first:first + 65536])
    return index


def row_selector(allowed: np.ndarray):
    """A FAISS selector over a boolean row mask (the caller keeps `bits` alive)."""
    bits = np.packbits(allowed, bitorder="little")
    return faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits)), bits


class DenseIndex:
    """`embeddings` (exhaustive only) or `ann` (an HNSW index, whose storage serves
    exhaustive searches)."""

    def __init__(self, embeddings: np.ndarray | None = None, ann: faiss.Index | None = None,
                 ef_search: int = HNSW_EF_SEARCH):
        # downcast_index returns a non-owning view: keep the owner alive with it
        self._owner = ann
        self.ann = faiss.downcast_index(ann) if ann is not None else None
        self.ef_search = ef_search
        if self.ann is not None:
            self.flat = faiss.downcast_index(self.ann.storage)
        else:
            embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
            self.flat = faiss.IndexFlatIP(embeddings.shape[1])
            for first in range(0, len(embeddings), 65536):
                self.flat.add(embeddings[first:first + 65536])
        self.dim = self.flat.d

    @property
    def size(self) -> int:
        return self.flat.ntotal

    def search(self, query_vector: np.ndarray, k: int, allowed: np.ndarray | None = None,
               allowed_count: int | None = None, exact: bool | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score); `allowed` is a boolean mask over rows (None: every row)."""
        if allowed is not None and allowed_count is None:
            allowed_count = int(allowed.sum())
        limit = self.size if allowed is None else allowed_count
        k = min(k, limit)
        if k <= 0:
            return []
        query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        selector = bits = None
        if allowed is not None:
            selector, bits = row_selector(allowed)
        ef = max(self.ef_search, 2 * k)
        if allowed is not None:
            ef = math.ceil(ef * self.size / allowed_count)  # the share of the graph it may return
        if exact is None:
            exact = (self.ann is None or ef > EF_MAX
                     or (allowed is not None and allowed_count <= EXACT_ALLOWED_MAX))
        if not exact:
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=ef) if selector is not None \
                else faiss.SearchParametersHNSW(efSearch=ef)
            scores, rows = self.ann.search(query, k, params=params)
            hits = [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]
            if len(hits) == k:
                return hits
            # the graph walk ran out of allowed rows before finding k: scan them all
        params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, rows = self.flat.search(query, k, params=params)
        del bits
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]
