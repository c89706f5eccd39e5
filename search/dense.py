"""Dense retrieval: exact inner product (= cosine on L2-normalised vectors) with FAISS."""
from __future__ import annotations

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, embeddings: np.ndarray):
        embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.dim = embeddings.shape[1]
        self.index = faiss.IndexFlatIP(self.dim)
        if len(embeddings):
            self.index.add(embeddings)

    @property
    def size(self) -> int:
        return self.index.ntotal

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, self.size)
        if k <= 0:
            return []
        scores, rows = self.index.search(np.asarray(query_vector, dtype=np.float32).reshape(1, -1), k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]
