"""Performance benchmarks (`make bench`; never part of `make test`).

    python -m eval.bench [--sizes 10000,100000] [--queries 50] [--seg-sample 10000] [--embed-sample 1000]

Measured in one run, on ../shared/datasets/vlc-laws (110 laws; ~62k passages with the default chunker):
1. Indexing throughput (passages/s) per stage, on real text:
   reading+chunking (all files), segmentation (the default analyser, pyvi included, on
   the first --seg-sample passages), embedding (the real model on --embed-sample
   passages), index writing (term matrix + files + manifest, at each size).
2. For each size (10k, 100k passages) an index is assembled in a separate worker process
   (so its peak RSS is its own) from:
   - BM25 terms: the segmented real passages; beyond them, perturbed copies (each copy
     drops 10% of its passage's terms at random) — labelled in the rows;
   - dense vectors: the real embeddings of the embedding sample, tiled with Gaussian
     noise (σ=0.02 per dimension, re-normalised) — embedding 100k passages here would
     take hours; labelled in the rows.
   Queries are real: the VLSP 2023 legal statements, encoded by the real model at query
   time. Warm latency p50/p95/p99 per mode in-process (SearchEngine.search, k=10) and
   over HTTP (`tracuu serve` on a free local port, GET /search), peak RSS of both.
3. In the same worker: our BM25 query path (Store.bm25) vs rank_bm25's
   BM25Okapi.get_scores + top-10 sort on the same term lists and queries: latency ratio
   and top-10 equality.
Writes eval/results/bench.json, bench.md and bench_latency.png.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from eval.retrieval import machine_info, versions

ROOT = Path(__file__).resolve().parents[1]
VLC = ROOT.parent / "shared" / "datasets" / "vlc-laws"
VLSP_QUERIES = ROOT.parent / "shared" / "datasets" / "vlsp2023-legal-retrieval" / "queries.jsonl"
CACHE = Path(os.environ.get("TRACUU_EVAL_CACHE", ROOT / "eval" / ".cache")) / "bench"
MODES = ("bm25", "dense", "hybrid")
NOISE_SIGMA = 0.02
DROP_P = 0.10


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb(pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def percentiles(values_ms: list[float]) -> dict:
    arr = np.asarray(values_ms)
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)),
            "p99": float(np.percentile(arr, 99)), "mean": float(arr.mean()), "n": len(values_ms)}


def load_queries(n: int) -> list[str]:
    rows = [json.loads(line) for line in VLSP_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows][:n]


# --- parent: real-text stages -----------------------------------------------------------
def stage_read_chunk() -> tuple[list, list[dict], list[str], dict]:
    from indexer.build import document_record
    from indexer.chunker import chunk_document
    from indexer.documents import IngestError, read_path

    started = time.perf_counter()
    documents, passages, texts = [], [], []
    for path in sorted(VLC.glob("*.txt")):
        try:
            docs = read_path(path, VLC)
        except IngestError:
            continue  # the empty file
        for doc in docs:
            record, parsed = document_record(doc)
            documents.append(record)
            for p in chunk_document(doc.doc_id, doc.title, doc.text, parsed):
                passages.append(p.to_dict())
                texts.append(p.index_text())
    seconds = time.perf_counter() - started
    return documents, passages, texts, {"seconds": seconds, "passages": len(passages),
                                        "documents": len(documents),
                                        "passages_per_s": len(passages) / seconds}


def stage_segment(texts: list[str]) -> tuple[list[list[str]], dict]:
    from indexer.analysis import Analyzer

    analyzer = Analyzer()
    analyzer.terms("khởi động")  # load pyvi's model outside the timing
    started = time.perf_counter()
    terms = [analyzer.terms(t) for t in texts]
    seconds = time.perf_counter() - started
    return terms, {"seconds": seconds, "passages": len(texts), "passages_per_s": len(texts) / seconds}


def stage_embed(texts: list[str]) -> tuple[np.ndarray, dict]:
    from indexer.embedding import Encoder

    encoder = Encoder()
    encoder.encode_passages(texts[:8])  # warm-up
    started = time.perf_counter()
    vectors = encoder.encode_passages(texts)
    seconds = time.perf_counter() - started
    return vectors, {"seconds": seconds, "passages": len(texts), "passages_per_s": len(texts) / seconds,
                     "model": encoder.id, "dim": encoder.dim,
                     "mean_chars": float(np.mean([len(t) for t in texts]))}


# --- worker: one corpus size ------------------------------------------------------------
def synthetic_corpus(size: int, base: dict) -> tuple[list[dict], list[list[str]], np.ndarray, dict]:
    rng = random.Random(size)
    nrng = np.random.default_rng(size)
    passages_in, terms_in, vectors_in = base["passages"], base["terms"], base["vectors"]
    n_real, n_vec = len(terms_in), len(vectors_in)
    passages, terms = [], []
    vec_rows = np.empty(size, dtype=np.int64)
    for i in range(size):
        j, copy = i % n_real, i // n_real
        p = dict(passages_in[j])
        if copy:
            p["passage_id"] = f"{p['passage_id']}~copy{copy}"
            terms.append([t for t in terms_in[j] if rng.random() >= DROP_P] or terms_in[j][:1])
        else:
            terms.append(terms_in[j])
        passages.append(p)
        vec_rows[i] = j % n_vec
    vectors = vectors_in[vec_rows].astype(np.float32)
    exact = np.arange(size) < n_vec  # the first n_vec passages keep their real embedding
    noise = nrng.normal(0, NOISE_SIGMA, vectors.shape).astype(np.float32)
    noise[exact] = 0
    vectors += noise
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    label = {"bm25_terms": f"{min(size, n_real):,} real segmented passages"
                           + (f" + {size - n_real:,} perturbed copies (10% of terms dropped)" if size > n_real else ""),
             "dense_vectors": f"{n_vec:,} real embeddings" + (
                 f" tiled with Gaussian noise σ={NOISE_SIGMA} to {size:,}" if size > n_vec else ""),
             "real_terms": min(size, n_real), "real_vectors": min(size, n_vec)}
    return passages, terms, np.ascontiguousarray(vectors), label


def write_index(index_dir: Path, documents: list[dict], passages: list[dict], terms: list[list[str]],
                vectors: np.ndarray, model_info: dict, label: dict) -> tuple[str, float]:
    """The synthetic corpus written through the store's writer, as a build writes it."""
    from collections import Counter

    from indexer.analysis import AnalyzerConfig
    from indexer.build import BM25_PARAMS, build_settings, package_versions
    from indexer.chunker import MAX_PASSAGE_CHARS
    from indexer.store import FORMAT_VERSION, PassageRecord, open_store

    started = time.perf_counter()
    by_doc: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        by_doc.setdefault(p["doc_id"], []).append(i)
    store = open_store(index_dir)
    with store.writer() as writer:
        writer.reset()
        for record in documents:
            writer.add_document(record, [PassageRecord(passages[i], Counter(terms[i]), vectors[i])
                                         for i in by_doc.get(record["doc_id"], [])])
        writer.set_manifest({
            "format": FORMAT_VERSION, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "settings": build_settings(model_info["name"], AnalyzerConfig(), MAX_PASSAGE_CHARS),
            "model": model_info, "bm25": BM25_PARAMS,
            "corpus": {"root": str(VLC), "checksum": f"bench-{len(passages)}", "documents": len(documents),
                       "passages": len(passages)},
            "sources": {}, "sidecars": {}, "versions": package_versions(), "synthetic": label})
        version = writer.commit()
    return version, time.perf_counter() - started


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_latency(index_dir: Path, model: str, queries: list[str], warmup: int) -> dict:
    import httpx

    port = free_port()
    logfile = open(index_dir / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port),
                             "--index-dir", str(index_dir), "--model", model],
                            cwd=ROOT, stdout=logfile, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    try:
        with httpx.Client(timeout=120) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError("server exited: " + (index_dir / "server.log").read_text()[-2000:])
                try:
                    if client.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
                if time.perf_counter() - started > 900:
                    raise RuntimeError("server did not start in 900 s")
            startup = time.perf_counter() - started
            out = {"startup_s": startup}
            for mode in MODES:
                for q in queries[:warmup]:
                    client.get(base + "/search", params={"q": q, "mode": mode, "k": 10}).raise_for_status()
                took = []
                for q in queries:
                    t0 = time.perf_counter()
                    client.get(base + "/search", params={"q": q, "mode": mode, "k": 10}).raise_for_status()
                    took.append((time.perf_counter() - t0) * 1000)
                out[mode] = percentiles(took)
            out["server_peak_rss_mb"] = peak_rss_mb(proc.pid)
            return out
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        logfile.close()


def rank_bm25_parity(engine, terms: list[list[str]], passages: list[dict], queries: list[str],
                     n_queries: int) -> dict:
    """Our BM25 through the store vs rank_bm25 over the same term lists, in the store's
    passage order (ties are broken by that order on both sides)."""
    from rank_bm25 import BM25Okapi

    from indexer.store.bm25 import top_k

    store = engine.store
    index_of = {p["passage_id"]: i for i, p in enumerate(passages)}
    order = [p["passage_id"] for p in store.iter_passages()]
    started = time.perf_counter()
    reference = BM25Okapi([terms[index_of[pid]] for pid in order])
    build_s = time.perf_counter() - started
    ours_ms, theirs_ms, same_rows, same_scores, max_diff = [], [], 0, 0, 0.0
    qs = queries[:n_queries]
    for q in qs:
        q_terms = engine.query_terms(q)
        t0 = time.perf_counter()
        ours = store.bm25(q_terms, 10)
        ours_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        scores = reference.get_scores(q_terms)
        theirs = [(order[row], score) for row, score in top_k(np.asarray(scores), 10)]  # same tie-break
        theirs_ms.append((time.perf_counter() - t0) * 1000)
        same_rows += [r for r, _ in ours] == [r for r, _ in theirs]
        ours_scores = np.array([s for _, s in ours])
        theirs_scores = np.array([s for _, s in theirs])
        if len(ours_scores) == len(theirs_scores):
            diff = float(np.max(np.abs(ours_scores - theirs_scores))) if len(ours_scores) else 0.0
            max_diff = max(max_diff, diff)
            same_scores += diff <= 1e-6 * max(1.0, float(np.max(np.abs(theirs_scores), initial=0)))
    ours_p, theirs_p = percentiles(ours_ms), percentiles(theirs_ms)
    return {"queries": len(qs), "rank_bm25_build_s": build_s, "ours": ours_p, "rank_bm25": theirs_p,
            "speedup_p50": theirs_p["p50"] / ours_p["p50"] if ours_p["p50"] else None,
            "top10_rows_identical": same_rows, "top10_scores_identical": same_scores,
            "max_score_abs_diff": max_diff}


def worker(size: int, args) -> dict:
    from indexer.embedding import Encoder
    from search.engine import SearchEngine

    with open(CACHE / "base.pkl", "rb") as fh:
        base = pickle.load(fh)
    passages, terms, vectors, label = synthetic_corpus(size, base)
    index_dir = CACHE / f"index-{size}"
    import shutil

    shutil.rmtree(index_dir, ignore_errors=True)
    encoder = Encoder()
    model_info = {"id": encoder.id, "name": encoder.name, "dim": encoder.dim}
    doc_ids = {p["doc_id"] for p in passages}
    documents = [d for d in base["documents"] if d["doc_id"] in doc_ids]
    version, write_s = write_index(index_dir, documents, passages, terms, vectors, model_info, label)
    log(f"{size}: index written in {write_s:.1f}s")
    t0 = time.perf_counter()
    engine = SearchEngine(str(index_dir), encoder=encoder)
    load_s = time.perf_counter() - t0
    queries = load_queries(args.queries)
    inproc = {}
    for mode in MODES:
        for q in queries[:args.warmup]:
            engine.search(q, k=10, mode=mode)
        took = []
        for q in queries:
            t1 = time.perf_counter()
            engine.search(q, k=10, mode=mode)
            took.append((time.perf_counter() - t1) * 1000)
        inproc[mode] = percentiles(took)
        log(f"{size}: in-process {mode} p50 {inproc[mode]['p50']:.1f} ms")
    rss = peak_rss_mb()
    http = http_latency(index_dir, encoder.name, queries, args.warmup)
    log(f"{size}: http " + ", ".join(f"{m} p50 {http[m]['p50']:.1f} ms" for m in MODES))
    n_ref = args.ref_queries if size <= 20000 else max(5, args.ref_queries // 2)
    parity = rank_bm25_parity(engine, terms, passages, queries, n_ref)
    log(f"{size}: rank_bm25 p50 {parity['rank_bm25']['p50']:.0f} ms vs ours {parity['ours']['p50']:.2f} ms; "
        f"top-10 identical {parity['top10_rows_identical']}/{parity['queries']}")
    result = {"size": size, "label": label, "index_write_s": write_s,
              "index_write_passages_per_s": size / write_s, "index_load_s": load_s,
              "in_process": inproc, "in_process_peak_rss_mb": rss, "http": http, "bm25_vs_rank_bm25": parity,
              "peak_rss_with_rank_bm25_mb": peak_rss_mb()}
    shutil.rmtree(index_dir, ignore_errors=True)
    return result


# --- report ------------------------------------------------------------------------------
def markdown(report: dict) -> str:
    st = report["stages"]
    lines = [f"## Benchmarks — {report['date']}",
             "", f"{report['machine']['cpu']}, {report['machine']['cores']} cores, {report['machine'].get('ram_gb')} GB; "
                 f"torch {report['versions'].get('torch')}, load average at start/end "
                 f"{report['loadavg_start'][0]:.1f}/{report['loadavg_end'][0]:.1f} (other processes shared the CPU "
                 "when the load average exceeds the core count). Medians and ratios from this one run.",
             "", "### Indexing throughput (real text, vlc-laws)", "",
             "| stage | passages | seconds | passages/s | note |", "|---|---|---|---|---|"]
    for name, note in (("read_chunk", "all 110 law files"), ("segmentation", "default analyser (pyvi words + folded + bigrams + glossary)"),
                       ("embedding", f"{st['embedding'].get('model')} fp32 on CPU, mean {st['embedding'].get('mean_chars', 0):.0f} chars/passage")):
        s = st[name]
        lines.append(f"| {name.replace('_', '+')} | {s['passages']:,} | {s['seconds']:.1f} | {s['passages_per_s']:.1f} | {note} |")
    for r in report["sizes"]:
        lines.append(f"| index writing @ {r['size']:,} | {r['size']:,} | {r['index_write_s']:.1f} | "
                     f"{r['index_write_passages_per_s']:.0f} | term matrix + files + checksums |")
    lines += ["", "### Warm query latency (ms, k=10, real VLSP queries)", "",
              "| passages | mode | in-process p50 | p95 | p99 | HTTP p50 | p95 | p99 |", "|---|---|---|---|---|---|---|---|"]
    for r in report["sizes"]:
        for mode in MODES:
            a, h = r["in_process"][mode], r["http"][mode]
            lines.append(f"| {r['size']:,} | {mode} | {a['p50']:.1f} | {a['p95']:.1f} | {a['p99']:.1f} | "
                         f"{h['p50']:.1f} | {h['p95']:.1f} | {h['p99']:.1f} |")
    lines += ["", "### Corpus composition and memory", "",
              "| passages | BM25 terms | dense vectors | peak RSS in-process (MB) | peak RSS server (MB) | index load s | server start s |",
              "|---|---|---|---|---|---|---|"]
    for r in report["sizes"]:
        lines.append(f"| {r['size']:,} | {r['label']['bm25_terms']} | {r['label']['dense_vectors']} | "
                     f"{r['in_process_peak_rss_mb']:.0f} | {r['http']['server_peak_rss_mb'] or 0:.0f} | "
                     f"{r['index_load_s']:.1f} | {r['http']['startup_s']:.1f} |")
    lines += ["", "### BM25 query path vs rank_bm25 `BM25Okapi.get_scores` (same terms, same queries)", "",
              "| passages | queries | ours p50 ms | rank_bm25 p50 ms | speed-up (p50 ratio) | identical top-10 rows | identical top-10 scores | max |Δscore| |",
              "|---|---|---|---|---|---|---|---|"]
    for r in report["sizes"]:
        p = r["bm25_vs_rank_bm25"]
        lines.append(f"| {r['size']:,} | {p['queries']} | {p['ours']['p50']:.2f} | {p['rank_bm25']['p50']:.0f} | "
                     f"{p['speedup_p50']:.0f}× | {p['top10_rows_identical']}/{p['queries']} | "
                     f"{p['top10_scores_identical']}/{p['queries']} | {p['max_score_abs_diff']:.1e} |")
    lines += ["", "![latency vs corpus size](bench_latency.png)", ""]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["size"] for r in report["sizes"]]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for mode, color in zip(MODES, ("tab:blue", "tab:orange", "tab:green")):
        ax.plot(sizes, [r["in_process"][mode]["p50"] for r in report["sizes"]], "o-", color=color,
                label=f"{mode} in-process p50")
        ax.plot(sizes, [r["http"][mode]["p50"] for r in report["sizes"]], "s--", color=color,
                label=f"{mode} HTTP p50")
    ax.plot(sizes, [r["bm25_vs_rank_bm25"]["rank_bm25"]["p50"] for r in report["sizes"]], "x:", color="tab:red",
            label="rank_bm25 get_scores p50")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s:,}" for s in sizes])
    ax.set_xlabel("passages (vlc-laws; beyond the real ones: perturbed copies / tiled embeddings)")
    ax.set_ylabel("warm latency, ms (log)")
    ax.set_title(f"tracuu query latency vs corpus size — {report['date'][:10]}, {report['machine']['cores']} cores")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=50, help="timed queries per mode")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--ref-queries", type=int, default=20, help="queries for the rank_bm25 comparison")
    parser.add_argument("--seg-sample", type=int, default=10000, help="real passages segmented")
    parser.add_argument("--embed-sample", type=int, default=1000, help="real passages embedded")
    parser.add_argument("--out", type=Path, default=Path("eval/results"))
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not VLC.exists():
        print(f"error: {VLC} is absent; the benchmark needs ../shared/datasets/vlc-laws", file=sys.stderr)
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.worker:
        result = worker(args.worker, args)
        (CACHE / f"worker-{args.worker}.json").write_text(json.dumps(result), encoding="utf-8")
        return 0

    report = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine_info(),
              "versions": versions(), "loadavg_start": os.getloadavg(), "settings": vars(args) | {"out": str(args.out)},
              "stages": {}, "sizes": []}
    log("reading + chunking vlc-laws")
    documents, passages, texts, report["stages"]["read_chunk"] = stage_read_chunk()
    log(f"{len(passages):,} passages from {len(documents)} documents "
        f"({report['stages']['read_chunk']['passages_per_s']:.0f}/s)")
    # spread the samples over all laws, reproducibly
    order = list(range(len(passages)))
    random.Random(0).shuffle(order)
    seg_rows = sorted(order[:args.seg_sample])
    log(f"segmenting {len(seg_rows):,} passages")
    terms, report["stages"]["segmentation"] = stage_segment([texts[i] for i in seg_rows])
    log(f"segmentation {report['stages']['segmentation']['passages_per_s']:.1f} passages/s")
    emb_rows = seg_rows[:: max(1, len(seg_rows) // args.embed_sample)][:args.embed_sample]
    log(f"embedding {len(emb_rows):,} passages")
    vectors, report["stages"]["embedding"] = stage_embed([texts[i] for i in emb_rows])
    log(f"embedding {report['stages']['embedding']['passages_per_s']:.1f} passages/s")
    # base for the workers: segmented passages, with the embedded ones first
    emb_set = set(emb_rows)
    base_rows = emb_rows + [i for i in seg_rows if i not in emb_set]
    term_of = dict(zip(seg_rows, terms))
    with open(CACHE / "base.pkl", "wb") as fh:
        pickle.dump({"passages": [passages[i] for i in base_rows], "terms": [term_of[i] for i in base_rows],
                     "vectors": vectors, "documents": documents}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    del documents, passages, texts, terms
    for size in [int(s) for s in args.sizes.split(",") if s]:
        log(f"size {size:,}: worker process")
        cmd = [sys.executable, "-m", "eval.bench", "--worker", str(size), "--queries", str(args.queries),
               "--warmup", str(args.warmup), "--ref-queries", str(args.ref_queries)]
        subprocess.run(cmd, cwd=ROOT, check=True)
        report["sizes"].append(json.loads((CACHE / f"worker-{size}.json").read_text(encoding="utf-8")))
    report["loadavg_end"] = os.getloadavg()
    report["parent_peak_rss_mb"] = peak_rss_mb()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    plot(report, args.out / "bench_latency.png")
    (args.out / "bench.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
