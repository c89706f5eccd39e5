"""Exhaustive vs HNSW dense search in the local store: recall@10 against exact search and
latency, at 10k / 100k / 1M passages (`make bench`; never part of `make test`).

    python -m eval.dense_ann [--sizes 10000,100000,1000000] [--real 4000] [--queries 200]

Vectors: the first --real passages of ../shared/datasets/vlc-laws-2 (real law text,
segmented by our chunker, in a fixed shuffled order) embedded by the real model
(multilingual-e5-small; cached in eval/.cache/dense_ann/ so a re-run embeds nothing).
Beyond them the vectors are SYNTHETIC, labelled so in every row: normalised mixtures of
two real embeddings (weight U(0.2, 0.8)) plus Gaussian noise σ=0.005 per dimension —
they stay inside the region real embeddings occupy, unlike random vectors, so the graph
is as hard to search as for real text (embedding 1M passages here would take ~35 hours).
Queries: real VLSP 2023 legal questions encoded by the real model.

Measured per size, in one process, one query at a time (what a server does):
- exhaustive search (IndexFlatIP) p50/p95 latency;
- HNSW (IndexHNSWFlat, M and efConstruction as the store builds it) build time and
  memory, then recall@10 against exhaustive search and p50/p95 for several efSearch;
- the store's own DenseIndex (indexer/store/dense.py) with its defaults, unfiltered and
  with filters allowing 10% and 1% of the passages (whole documents, as filters do):
  recall@10 against exhaustive search over the allowed rows, and latency.
Writes eval/results/dense_ann.json and .md with date, machine, load average, versions.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "datasets" / "vlc-laws-2"
VLSP_QUERIES = ROOT.parent / "shared" / "datasets" / "vlsp2023-legal-retrieval" / "queries.jsonl"
CACHE = Path(os.environ.get("TRACUU_EVAL_CACHE", ROOT / "eval" / ".cache")) / "dense_ann"
NOISE_SIGMA = 0.005
EF_SEARCHES = (16, 32, 64, 96, 128, 256)
PASSAGES_PER_DOC = 60  # filters keep whole documents: rows are grouped into "documents" of this size


def log(msg: str) -> None:
    print(f"[dense_ann {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentiles(ms: list[float]) -> dict:
    arr = np.asarray(ms)
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)), "n": len(ms)}


def law_passages(n: int) -> list[str]:
    """Index texts of vlc-laws-2 passages (our reader and chunker), shuffled reproducibly."""
    from indexer.chunker import chunk_document
    from indexer.documents import IngestError, read_path

    texts = []
    for path in sorted(LAWS.glob("*.txt")):
        try:
            docs = read_path(path, LAWS)
        except IngestError:
            continue
        for doc in docs:
            texts += [p.index_text() for p in chunk_document(doc.doc_id, doc.title, doc.text)]
    random.Random(0).shuffle(texts)
    return texts[:n]


def real_vectors(n: int, encoder) -> np.ndarray:
    """The real embeddings of the first n shuffled law passages, embedded once and cached
    in slices (an interrupted run resumes)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    texts = law_passages(n)
    path = CACHE / f"laws2-{encoder.id}-{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    parts, step = [], 500
    for first in range(0, len(texts), step):
        part = CACHE / f"laws2-{encoder.id}-part{first:07d}-{step}.npy"
        if not part.exists():
            started = time.perf_counter()
            vectors = encoder.encode_passages(texts[first:first + step])
            np.save(part, vectors)
            log(f"embedded {first + len(vectors)}/{len(texts)} ({len(vectors) / (time.perf_counter() - started):.1f}/s)")
        parts.append(np.load(part))
    vectors = np.ascontiguousarray(np.concatenate(parts)[:len(texts)], dtype=np.float32)
    np.save(path, vectors)
    return vectors


def corpus_vectors(real: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """`size` vectors: the real ones first, then synthetic mixtures of two real ones + noise."""
    if size <= len(real):
        return real[:size].copy()
    rng = np.random.default_rng(seed)
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[:len(real)] = real
    for first in range(len(real), size, 100_000):
        n = min(100_000, size - first)
        a, b = rng.integers(0, len(real), n), rng.integers(0, len(real), n)
        w = rng.uniform(0.2, 0.8, (n, 1)).astype(np.float32)
        block = w * real[a] + (1 - w) * real[b] + rng.normal(0, NOISE_SIGMA, (n, real.shape[1])).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[first:first + n] = block
    return out


def timed_searches(search, queries: np.ndarray) -> tuple[list, list[float]]:
    results, took = [], []
    for q in queries:
        t0 = time.perf_counter()
        results.append(search(q))
        took.append((time.perf_counter() - t0) * 1000)
    return results, took


def recall_at_10(found: list[list[int]], truth: list[list[int]]) -> float:
    hits = sum(len(set(f[:10]) & set(t[:10])) for f, t in zip(found, truth))
    return hits / max(1, sum(min(10, len(t)) for t in truth))


def measure(size: int, real: np.ndarray, queries: np.ndarray, args) -> dict:
    import faiss

    from indexer.store.dense import (EXACT_ALLOWED_MAX, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M, DenseIndex,
                                     build_hnsw)

    vectors = corpus_vectors(real, size)
    label = (f"{min(size, len(real)):,} real embeddings" +
             (f" + {size - len(real):,} synthetic (mixtures of two real + noise σ={NOISE_SIGMA})"
              if size > len(real) else ""))
    log(f"{size:,}: {label}")
    flat = DenseIndex(vectors)
    truth, took = timed_searches(lambda q: [r for r, _ in flat.search(q, 10)], queries)
    out = {"size": size, "vectors": label, "real_vectors": min(size, len(real)), "exact": percentiles(took)}
    log(f"{size:,}: exhaustive p50 {out['exact']['p50']:.2f} ms")

    started = time.perf_counter()
    ann = build_hnsw(vectors)
    out["hnsw_build_s"] = time.perf_counter() - started
    path = CACHE / f"hnsw-{size}.faiss"
    faiss.write_index(ann, str(path))
    out["hnsw_file_mb"] = path.stat().st_size / 2**20
    path.unlink()
    out["flat_mb"] = vectors.nbytes / 2**20
    log(f"{size:,}: HNSW M={HNSW_M} efC={HNSW_EF_CONSTRUCTION} built in {out['hnsw_build_s']:.1f}s")
    out["hnsw"] = {}
    for ef in EF_SEARCHES:
        params = faiss.SearchParametersHNSW(efSearch=ef)
        found, took = timed_searches(lambda q: ann.search(q.reshape(1, -1), 10, params=params)[1][0].tolist(),
                                     queries)
        out["hnsw"][ef] = {"recall@10": recall_at_10(found, truth), **percentiles(took)}
        log(f"{size:,}: efSearch {ef}: recall@10 {out['hnsw'][ef]['recall@10']:.4f}, "
            f"p50 {out['hnsw'][ef]['p50']:.2f} ms")

    # the store's DenseIndex with its defaults, unfiltered and filtered
    dense = DenseIndex(ann=ann)
    store_rows = {}
    found, took = timed_searches(lambda q: [r for r, _ in dense.search(q, 10)], queries)
    store_rows["unfiltered"] = {"recall@10": recall_at_10(found, truth), **percentiles(took)}
    rng = np.random.default_rng(1)
    n_docs = max(1, size // PASSAGES_PER_DOC)
    for share in (0.10, 0.01):
        docs = rng.random(n_docs) < share
        allowed = np.repeat(docs, PASSAGES_PER_DOC)[:size]
        if len(allowed) < size:
            allowed = np.concatenate([allowed, np.zeros(size - len(allowed), dtype=bool)])
        count = int(allowed.sum())
        truth_f, _ = timed_searches(lambda q: [r for r, _ in dense.search(q, 10, allowed, count, exact=True)],
                                    queries)
        found, took = timed_searches(lambda q: [r for r, _ in dense.search(q, 10, allowed, count)], queries)
        how = "exhaustive over the allowed rows" if count <= EXACT_ALLOWED_MAX else "HNSW with a selector"
        store_rows[f"filter {share:.0%} ({count:,} rows)"] = {"recall@10": recall_at_10(found, truth_f),
                                                            "how": how, **percentiles(took)}
    out["store_default"] = {"ef_search": HNSW_EF_SEARCH, **store_rows}
    for name, row in store_rows.items():
        log(f"{size:,}: store default, {name}: recall@10 {row['recall@10']:.4f}, p50 {row['p50']:.2f} ms")
    return out


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [f"## Dense search: exhaustive vs HNSW — {report['date']}", "",
             f"{m['cpu']}, {m['cores']} cores; faiss {report['versions'].get('faiss-cpu')}; load average at "
             f"start/end {report['loadavg_start'][0]:.1f}/{report['loadavg_end'][0]:.1f} (other work shared the "
             f"CPU when above {m['cores']}). One query at a time, k=10, {report['queries']} real VLSP queries "
             f"encoded by {report['model']}. Recall@10 is against exhaustive search over the same vectors.", "",
             "| passages | vectors | exhaustive p50 ms | p95 | HNSW build s | HNSW file MB (vectors MB) |",
             "|---|---|---|---|---|---|"]
    for r in report["sizes"]:
        lines.append(f"| {r['size']:,} | {r['vectors']} | {r['exact']['p50']:.2f} | {r['exact']['p95']:.2f} | "
                     f"{r['hnsw_build_s']:.1f} | {r['hnsw_file_mb']:.0f} ({r['flat_mb']:.0f}) |")
    lines += ["", f"HNSW M={report['hnsw']['M']}, efConstruction={report['hnsw']['ef_construction']}: "
                  "recall@10 / p50 ms per efSearch", "",
              "| passages | " + " | ".join(f"ef={ef}" for ef in EF_SEARCHES) + " |",
              "|---|" + "---|" * len(EF_SEARCHES)]
    for r in report["sizes"]:
        cells = [f"{r['hnsw'][str(ef)]['recall@10']:.4f} / {r['hnsw'][str(ef)]['p50']:.2f}" for ef in EF_SEARCHES]
        lines.append(f"| {r['size']:,} | " + " | ".join(cells) + " |")
    lines += ["", f"The store's defaults (indexer/store/dense.py: efSearch {report['sizes'][0]['store_default']['ef_search']}, "
                  "widened for filters; exhaustive when a filter allows few rows):", "",
              "| passages | search | recall@10 | p50 ms | p95 ms |", "|---|---|---|---|---|"]
    for r in report["sizes"]:
        for name, row in r["store_default"].items():
            if name == "ef_search":
                continue
            how = f" — {row['how']}" if "how" in row else ""
            lines.append(f"| {r['size']:,} | {name}{how} | {row['recall@10']:.4f} | {row['p50']:.2f} | {row['p95']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.dense_ann")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--real", type=int, default=4000, help="real law passages embedded (cached)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not LAWS.exists() or not VLSP_QUERIES.exists():
        print(f"error: needs {LAWS} and {VLSP_QUERIES} (../shared/datasets)", file=sys.stderr)
        return 2
    from eval.retrieval import machine_info, versions
    from indexer.embedding import Encoder
    from indexer.store.dense import HNSW_EF_CONSTRUCTION, HNSW_M

    report = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine_info(),
              "versions": versions(), "loadavg_start": os.getloadavg(), "settings": vars(args) | {"out": str(args.out)},
              "hnsw": {"M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION}, "sizes": []}
    encoder = Encoder()
    report["model"] = encoder.id
    real = real_vectors(args.real, encoder)
    rows = [json.loads(line) for line in VLSP_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = encoder.encode_queries([r["text"] for r in rows[:args.queries]])
    report["queries"] = len(queries)
    del encoder
    for size in [int(s) for s in args.sizes.split(",") if s]:
        report["sizes"].append(measure(size, real, queries, args))
    report["loadavg_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dense_ann.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    text = markdown(json.loads(json.dumps(report)))  # the JSON's string keys
    (args.out / "dense_ann.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
