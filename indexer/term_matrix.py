"""Passages × terms count matrix: the statistics BM25 needs, stored with the index."""
from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse


def build_term_matrix(term_lists: list[list[str]],
                      vocabulary: dict[str, int] | None = None) -> tuple[sparse.csr_matrix, dict[str, int]]:
    """Raw term counts per passage; new terms are appended to `vocabulary` (copied)."""
    vocabulary = dict(vocabulary or {})
    rows, cols, vals = [], [], []
    for row, terms in enumerate(term_lists):
        for term, count in Counter(terms).items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            vals.append(count)
    matrix = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32),
         (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(len(term_lists), len(vocabulary)))
    matrix.sort_indices()
    return matrix, vocabulary


def vocabulary_list(vocabulary: dict[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, col in vocabulary.items():
        terms[col] = term
    return terms
