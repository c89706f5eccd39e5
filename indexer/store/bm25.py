"""BM25 over a precomputed sparse weight matrix, scored exactly as rank_bm25.BM25Okapi.

rank_bm25 is the reference (tests/test_bm25.py holds our scores against
`BM25Okapi.get_scores`), but it loops over every document in Python for each query
term. Here every (passage, term) weight is computed once at load time into a CSC
matrix, so a query is a column slice and a sparse-vector product.

Okapi BM25 as rank_bm25 0.2.2 computes it:
  idf(t) = ln(N - df + 0.5) - ln(df + 0.5); a negative idf is replaced by
           epsilon * mean(idf over the vocabulary)
  w(t, d) = idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))
  score(q, d) = sum over query terms, repeated terms counted again, of w(t, d).

Rows are the local store's integer passage rows; they never leave indexer/store/.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse


def build_term_matrix(term_lists: list[list[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Raw term counts per passage (rows in order), vocabulary sorted."""
    return assemble_term_matrix([Counter(terms) for terms in term_lists])


def assemble_term_matrix(counts: list[dict[str, int]]) -> tuple[sparse.csr_matrix, list[str]]:
    """Passages × terms counts in passage order, vocabulary sorted and holding only the
    terms in use: an incremental build writes the very matrix a build from scratch writes."""
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


class BM25Index:
    def __init__(self, term_freqs: sparse.csr_matrix, vocabulary: dict[str, int],
                 k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.term_freqs = term_freqs.tocsr()  # passages × terms, raw counts
        self.vocabulary = vocabulary
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.weights = self._weights()

    @classmethod
    def from_terms(cls, documents: list[list[str]], **params) -> "BM25Index":
        matrix, vocabulary = build_term_matrix(documents)
        return cls(matrix, {t: i for i, t in enumerate(vocabulary)}, **params)

    @property
    def size(self) -> int:
        return self.term_freqs.shape[0]

    def idf(self) -> np.ndarray:
        n_docs = self.size
        doc_freq = np.bincount(self.term_freqs.indices, minlength=len(self.vocabulary))
        idf = np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5)
        if len(idf):
            floor = self.epsilon * float(idf.mean())
            idf = np.where(idf < 0, floor, idf)
        return idf

    def _weights(self) -> sparse.csc_matrix:
        tf = self.term_freqs
        doc_len = np.asarray(tf.sum(axis=1)).ravel().astype(np.float64)
        avgdl = doc_len.sum() / max(self.size, 1)
        norm = self.k1 * (1 - self.b + self.b * doc_len / (avgdl if avgdl else 1.0))
        row_of_entry = np.repeat(np.arange(self.size), np.diff(tf.indptr))
        freqs = tf.data.astype(np.float64)
        idf = self.idf()
        data = idf[tf.indices] * freqs * (self.k1 + 1) / (freqs + norm[row_of_entry])
        return sparse.csr_matrix((data, tf.indices, tf.indptr), shape=tf.shape).tocsc()

    def scores(self, query_terms: list[str]) -> np.ndarray:
        counts = Counter(t for t in query_terms if t in self.vocabulary)
        if not counts:
            return np.zeros(self.size)
        cols = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64)
        mult = np.fromiter(counts.values(), dtype=np.float64)
        return np.asarray(self.weights[:, cols] @ mult).ravel()

    def matching_rows(self, query_terms: list[str]) -> np.ndarray:
        """Rows holding at least one of the terms (sorted)."""
        cols = [self.vocabulary[t] for t in set(query_terms) if t in self.vocabulary]
        if not cols:
            return np.zeros(0, dtype=np.int64)
        w = self.weights
        return np.unique(np.concatenate([w.indices[w.indptr[c]:w.indptr[c + 1]] for c in cols]))

    def search(self, query_terms: list[str], k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score), ties broken by row order; passages with score 0 are left out.
        `allowed` (a boolean mask over rows) keeps only the rows the filters accept: the
        best k of those, however far down they rank overall."""
        scores = self.scores(query_terms)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        return top_k(scores, k)


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    positive = np.flatnonzero(scores > 0)
    if len(positive) == 0 or k <= 0:
        return []
    if len(positive) > k:
        # argpartition then an exact sort of the survivors; ties resolved by row id
        cut = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
        positive = positive[scores[positive] >= cut]
    order = np.lexsort((positive, -scores[positive]))
    chosen = positive[order][:k]
    return [(int(i), float(scores[i])) for i in chosen]
