"""Scale: ingest ../shared/datasets/vlc-laws (110 laws, one empty file).

The test is about reading, chunking and BM25 at scale, not embeddings (11k articles
would take ~30 min to embed at ~16 passages/s on CI's 2 cores): it builds with a
cheap deterministic stand-in encoder and searches in BM25 mode. Tests about
embeddings (test_incremental.py) use the real model.
"""
from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest

from conftest import shared_path


class HashEncoder:
    name = id = "hash-stand-in"
    dim = 8

    def encode_passages(self, texts, progress=False, batch_size=32):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = np.frombuffer(hashlib.sha256(text.encode()).digest()[:32], dtype=np.uint8)[:8]
        out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-9
        return out

    def encode_queries(self, texts, batch_size=32):
        return self.encode_passages(texts)


@pytest.mark.slow
def test_ingest_vlc_laws(tmp_path):
    from indexer.build import build_index
    from search.engine import SearchEngine

    laws = shared_path("vlc-laws")
    files = sorted(p for p in laws.iterdir() if p.is_file())
    started = time.perf_counter()
    report = build_index(laws, tmp_path / "index", encoder=HashEncoder())
    took = time.perf_counter() - started
    print(f"\nvlc-laws: {report.documents} documents, {report.passages} passages, "
          f"{len(report.rejected)} rejected, {took:.0f}s ({report.timings})")
    assert report.documents == len(files) - 1
    assert len(report.rejected) == 1 and report.rejected[0].reason == "empty file"
    assert report.passages > 10000
    engine = SearchEngine(tmp_path / "index", encoder=HashEncoder())
    hits = engine.search("thời hiệu khởi kiện vụ án dân sự", k=5, mode="bm25")["results"]
    assert hits and any("to-tung-dan-su" in h["doc_id"] or "dan-su" in h["doc_id"] for h in hits)
    assert all("Điều" in h["citation"] for h in hits[:3])

    # a second run reads nothing and is up to date
    again = build_index(laws, tmp_path / "index", encoder=HashEncoder())
    assert again.skipped and again.files_read == 1  # only the rejected empty file is tried again
