"""Encoder benchmark (issue 11): `python -m eval.encoder_bench` (part of `make bench`).

One run, one command, so it can be repeated on a quiet machine:
1. Passages: real vlc-laws-2 text (../shared/datasets/vlc-laws-2). Law clauses are short
   (median ~310 characters after chunking), so consecutive passages of one law are joined
   until ≥ 900 characters (cut at 1,200) to reach our report passages' length (~1,000
   characters, ~265 tokens); labelled so in the results.
2. Speed, side by side: the passages in slices of 32; each slice is embedded by torch
   fp32 and by onnx-int8 one right after the other (2 threads each), so both see the
   same machine load; passages/s = passages / summed seconds, plus the median of the
   per-slice ratios. Then the same passages with `--workers` processes, and on Ray with
   1 and 3 local nodes (`ray.cluster_utils.Cluster` on this one machine: the 3-node row
   measures the overhead of distribution, not a scale-out).
3. Quality: cosine between the onnx-int8 and torch fp32 vectors of the first --quality
   passages (min, mean) and of the VLSP 2023 queries; nDCG@10 (dense and hybrid) on our
   labelled set and on VLSP 2023 with each backend.
4. Queries: single-query latency p50/p95 per backend; 12 concurrent clients on onnx-int8.
5. Share of a full build of corpus/ that embedding takes with the default encoder.
Peak RSS per phase (VmHWM of this process, and of the worker processes).
Writes eval/results/encoder_bench.json and .md with the date, machine, versions and the
load average before and after.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRACUU_SHARED_DIR", ROOT.parent / "shared"))  # ../shared beside the repository
LAWS = SHARED / "datasets" / "vlc-laws-2"
VLSP = SHARED / "datasets" / "vlsp2023-legal-retrieval"
SLICE = 32


def log(msg: str) -> None:
    print(f"[encoder-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def rss_mb(field: str = "VmHWM", pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def law_passages(limit: int) -> list[str]:
    """Consecutive chunker passages of each law joined to ~1,000 characters, in file order,
    then shuffled with a fixed seed."""
    import random

    from indexer.chunker import chunk_document, parse_document
    from indexer.documents import read_path

    out: list[str] = []
    for path in sorted(LAWS.glob("*.txt")):
        for doc in read_path(path, LAWS):
            current = ""
            for passage in chunk_document(doc.doc_id, doc.title, doc.text, parse_document(doc.text)):
                current = f"{current}\n{passage.text}" if current else passage.text
                if len(current) >= 900:
                    out.append(current[:1200])
                    current = ""
    random.Random(11).shuffle(out)
    return out[:limit]


def speed_side_by_side(texts, torch_encoder, fast_encoder, torch_limit: int) -> dict:
    fast_s, torch_s, fast_on_torch_slices_s = 0.0, 0.0, 0.0
    ratios, fast_vectors, torch_vectors = [], [], []
    fast_encoder.encode_passages(texts[:4])  # warm-up
    torch_encoder.encode_passages(texts[:4])
    for start in range(0, len(texts), SLICE):
        part = texts[start:start + SLICE]
        t0 = time.perf_counter()
        fast_vectors.append(fast_encoder.encode_passages(part))
        fast = time.perf_counter() - t0
        fast_s += fast
        if start < torch_limit:
            t0 = time.perf_counter()
            torch_vectors.append(torch_encoder.encode_passages(part))
            slow = time.perf_counter() - t0
            torch_s += slow
            fast_on_torch_slices_s += fast
            ratios.append(slow / fast)
        if start // SLICE % 5 == 0:
            log(f"  {start + len(part)}/{len(texts)} passages; torch/onnx ratio so far "
                f"{statistics.median(ratios):.2f}" if ratios else f"  {start + len(part)}/{len(texts)}")
    torch_n = min(torch_limit, len(texts))
    return {"fast": np.concatenate(fast_vectors), "torch": np.concatenate(torch_vectors) if torch_vectors else None,
            "onnx_int8_passages_per_s": len(texts) / fast_s, "onnx_int8_passages": len(texts),
            "torch_passages_per_s": torch_n / torch_s if torch_s else None, "torch_passages": torch_n,
            # side by side: the same slices, each embedded by both right after the other
            "speedup_total": torch_s / fast_on_torch_slices_s if torch_s else None,
            "speedup_median_of_slices": statistics.median(ratios) if ratios else None,
            "slices": len(ratios)}


def embed_rate(texts, encoder, plan) -> dict:
    from indexer.embed_pipeline import embed_passages

    t0 = time.perf_counter()
    vectors = embed_passages(texts, encoder, plan, log=log)
    seconds = time.perf_counter() - t0
    return {"passages_per_s": len(texts) / seconds, "seconds": seconds, "vectors": vectors}


def ray_rate(texts, encoder, nodes: int, cpus_per_node: int) -> dict:
    import ray
    from ray.cluster_utils import Cluster

    from indexer.embed_pipeline import EmbedPlan

    cluster = Cluster(initialize_head=True, connect=False,
                      head_node_args={"num_cpus": cpus_per_node, "include_dashboard": False})
    for _ in range(nodes - 1):
        cluster.add_node(num_cpus=cpus_per_node)
    try:
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        plan = EmbedPlan(ray_address=cluster.address)
        embed_rate(texts[:8], encoder, plan)  # actors start and load the model: not timed
        result = embed_rate(texts, encoder, plan)
    finally:
        ray.shutdown()
        cluster.shutdown()
    return result


def query_latency(encoder, queries: list[str]) -> dict:
    encoder.encode_queries(queries[:2])
    times = []
    for q in queries:
        t0 = time.perf_counter()
        encoder.encode_queries([q])
        times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)), "n": len(times)}


def concurrent_latency(encoder, queries: list[str], clients: int = 12) -> dict:
    times: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(i):
        barrier.wait()
        for q in queries[i::clients]:
            t0 = time.perf_counter()
            encoder.encode_queries([q])
            with lock:
                times.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"clients": clients, "p50_ms": float(np.percentile(times, 50)), "p99_ms": float(np.percentile(times, 99)),
            "queries_per_s": len(times) / wall, "n": len(times)}


def ndcg(dataset: str, backend: str) -> dict:
    from eval.retrieval import run
    from indexer.encoders import Encoder

    report = run(dataset, ("dense", "hybrid"), out_dir=None, encoder=Encoder(backend=backend), log=log)
    return {mode: report["results"][mode]["all"]["ndcg@10"] for mode in ("dense", "hybrid")}


def vlsp_subset(docs: int, out: Path, seed: int = 0) -> Path:
    """A BEIR folder with every VLSP 2023 query and qrel, over the documents some query
    judges relevant plus random others (seeded) up to `docs`: nDCG of two encoders side by
    side in minutes where the whole corpus takes torch fp32 an hour here. Scores over it are
    higher than over the whole corpus (fewer distractors); only the difference counts."""
    import random

    out.mkdir(parents=True, exist_ok=True)
    qrels = (VLSP / "qrels.tsv").read_text(encoding="utf-8").splitlines()
    relevant = {line.split("\t")[1] for line in qrels[1:] if line.strip()}
    rows = [line for line in (VLSP / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    others = [r for r in rows if json.loads(r)["_id"] not in relevant]
    random.Random(seed).shuffle(others)
    keep = [r for r in rows if json.loads(r)["_id"] in relevant] + others[:max(0, docs - len(relevant))]
    (out / "corpus.jsonl").write_text("\n".join(keep) + "\n", encoding="utf-8")
    for name in ("queries.jsonl", "qrels.tsv"):
        (out / name).write_text((VLSP / name).read_text(encoding="utf-8"), encoding="utf-8")
    return out


def build_share() -> dict:
    from indexer.build import build_index

    with tempfile.TemporaryDirectory() as tmp:
        report = build_index(ROOT / "corpus", Path(tmp) / "index", force=True, log=log)
    t = report.timings
    return {"passages": report.passages, **{k: round(v, 2) for k, v in t.items()},
            "embed_share": t["embed_s"] / t["total_s"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.encoder_bench")
    parser.add_argument("--passages", type=int, default=2000, help="vlc-laws passages for the speed rows")
    parser.add_argument("--torch-passages", type=int, default=2000,
                        help="how many of them torch fp32 embeds too (side by side)")
    parser.add_argument("--quality", type=int, default=500, help="passages for the cosine to fp32")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queries", type=int, default=100, help="queries for the single-query latency")
    parser.add_argument("--skip", default="",
                        help="comma list of: workers, ray, ndcg, ndcg-torch, vlsp, build")
    parser.add_argument("--vlsp-docs", type=int, default=0,
                        help="nDCG on VLSP over the relevant documents plus random others up to this many "
                             "(0: the whole corpus)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not LAWS.exists():
        print(f"error: {LAWS} is absent; the benchmark reads the shared datasets beside the repository",
              file=sys.stderr)
        return 2

    from eval.retrieval import machine_info, versions
    from indexer.embed_pipeline import EmbedPlan, threads_per_worker
    from indexer.encoders import Encoder

    load_before = os.getloadavg()
    started = time.perf_counter()
    texts = law_passages(max(args.passages, args.quality))
    log(f"{len(texts)} passages, mean {np.mean([len(t) for t in texts]):.0f} characters")
    results: dict = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                     "machine": machine_info(), "versions": versions(), "load_average_before": load_before,
                     "passages": {"source": "vlc-laws-2, consecutive chunker passages of one law joined to "
                                            "≥ 900 characters (cut at 1,200)", "count": len(texts),
                                  "mean_chars": float(np.mean([len(t) for t in texts]))}}

    fast = Encoder(backend="onnx-int8")
    rss_fast = rss_mb("VmRSS")
    slow = Encoder(backend="torch")
    results["rss_mb_after_loading"] = {"onnx-int8": rss_fast, "onnx-int8 + torch": rss_mb("VmRSS")}
    log("speed: torch fp32 vs onnx-int8, slice by slice")
    speed = speed_side_by_side(texts, slow, fast, args.torch_passages)
    fast_vectors, torch_vectors = speed.pop("fast"), speed.pop("torch")
    results["speed"] = speed
    log(f"speed: {speed}")

    q = min(args.quality, len(torch_vectors) if torch_vectors is not None else 0)
    cos = (fast_vectors[:q] * torch_vectors[:q]).sum(axis=1)
    quality = {"passages": int(q), "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
               "cosine_p01": float(np.percentile(cos, 1))}
    queries = []
    if VLSP.exists():
        queries = [json.loads(line)["text"] for line in (VLSP / "queries.jsonl").read_text(encoding="utf-8").splitlines()
                   if line.strip()][:120]
        qc = (fast.encode_queries(queries) * slow.encode_queries(queries)).sum(axis=1)
        quality.update({"queries": len(queries), "query_cosine_min": float(qc.min()),
                        "query_cosine_mean": float(qc.mean())})
    results["quality"] = quality
    log(f"quality: {quality}")

    queries = queries or [t[:80] for t in texts[:120]]
    results["query_latency"] = {"onnx-int8": query_latency(fast, queries[:args.queries]),
                                "torch": query_latency(slow, queries[:args.queries]),
                                "onnx-int8 12 concurrent clients": concurrent_latency(fast, queries[:120])}
    log(f"queries: {results['query_latency']}")
    save(args.out, results)
    del slow
    results["peak_rss_mb_in_process"] = rss_mb()

    rows = results["rows"] = [
        {"setup": "torch fp32, 1 process × 2 threads", "passages": speed["torch_passages"],
         "passages_per_s": speed["torch_passages_per_s"]},
        {"setup": "onnx-int8 (default), 1 process × 2 threads", "passages": len(texts),
         "passages_per_s": speed["onnx_int8_passages_per_s"]}]
    if "workers" not in skip:
        log(f"{args.workers} worker processes")
        r = embed_rate(texts, fast, EmbedPlan(workers=args.workers))
        rows.append({"setup": f"onnx-int8, --workers {args.workers} (× {threads_per_worker(args.workers)} thread)",
                     "passages": len(texts), "passages_per_s": r["passages_per_s"],
                     "cosine_to_in_process_min": float((r["vectors"] * fast_vectors).sum(axis=1).min())})
        save(args.out, results)
    if "ray" not in skip:
        for nodes, cpus in ((1, 2), (3, 1)):
            log(f"Ray, {nodes} local node(s)")
            r = ray_rate(texts, fast, nodes, cpus)
            rows.append({"setup": f"onnx-int8 on Ray, {nodes} local node(s) × {cpus} CPU, 1 thread per actor"
                                  + (" (one machine: overhead, not scale-out)" if nodes > 1 else ""),
                         "passages": len(texts), "passages_per_s": r["passages_per_s"],
                         "cosine_to_in_process_min": float((r["vectors"] * fast_vectors).sum(axis=1).min())})
            save(args.out, results)
    for row in rows:
        if row["passages_per_s"] and speed["torch_passages_per_s"]:
            row["vs_torch"] = row["passages_per_s"] / speed["torch_passages_per_s"]
    log(f"rows: {rows}")
    save(args.out, results)

    if "ndcg" not in skip:
        vlsp = str(VLSP)
        if args.vlsp_docs and VLSP.exists():
            vlsp = str(vlsp_subset(args.vlsp_docs, Path(tempfile.mkdtemp()) / f"vlsp2023-subset-{args.vlsp_docs}"))
        datasets = ["corpus"] + ([vlsp] if VLSP.exists() and "vlsp" not in skip else [])
        results["ndcg@10"] = {}
        for name in datasets:
            key = "ours" if name == "corpus" else (
                f"VLSP 2023 (all 123 queries; {args.vlsp_docs} of 2,256 documents: the relevant ones + random others)"
                if args.vlsp_docs else "VLSP 2023")
            backends = ("onnx-int8",) if "ndcg-torch" in skip else ("torch", "onnx-int8")
            results["ndcg@10"][key] = {b: ndcg(name, b) for b in backends}
            save(args.out, results)
            log(f"nDCG@10 {key}: {results['ndcg@10'][key]}")
    if "build" not in skip:
        results["corpus_build"] = build_share()
        log(f"corpus build: {results['corpus_build']}")
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    save(args.out, results)
    log(f"wrote {args.out / 'encoder_bench.md'}")
    return 0


def save(out: Path, results: dict) -> None:
    from eval.retrieval import save_partial

    save_partial(out, "encoder_bench", results, markdown)


def markdown(r: dict) -> str:
    s, q = r["speed"], r["quality"]
    lines = [f"# Encoder benchmark ({r['date']}"
             f"{'; partial: the run stopped after the phases shown' if r.get('partial') else ''})", "",
             f"`python -m eval.encoder_bench` — machine: {r['machine']['cpu']}, {r['machine']['cores']} cores; "
             f"load average before {', '.join(f'{x:.1f}' for x in r['load_average_before'])}, after "
             f"{', '.join(f'{x:.1f}' for x in r['load_average_after'])} (other work shared the machine: "
             f"compare the ratios, measured side by side, more than the absolute rates).", "",
             f"Passages: {r['passages']['count']} × {r['passages']['mean_chars']:.0f} characters on average — "
             f"{r['passages']['source']}.", "",
             "| setup | passages | passages/s | × torch fp32 |", "|---|---|---|---|"]
    for row in r.get("rows", []):
        vs = f"{row['vs_torch']:.2f}" if row.get("vs_torch") else "—"
        lines.append(f"| {row['setup']} | {row['passages']} | {row['passages_per_s']:.2f} | {vs} |")
    total = (f"{s['speedup_total']:.2f}× torch fp32 over the same passages (median of the per-slice ratios "
             f"{s['speedup_median_of_slices']:.2f}×)" if s.get("speedup_total") else
             f"{s['speedup_median_of_slices']:.2f}× torch fp32 (median of the per-slice ratios)")
    lines += ["", f"Side by side, slice by slice ({s['slices']} slices of {SLICE}, each embedded by torch fp32 "
                  f"and by onnx-int8 one right after the other): onnx-int8 is {total}.", "",
              f"Quality: cosine onnx-int8 vs torch fp32 over {q['passages']} passages min {q['cosine_min']:.4f}, "
              f"mean {q['cosine_mean']:.4f} (1st percentile {q['cosine_p01']:.4f})"
              + (f"; over {q['queries']} VLSP queries min {q['query_cosine_min']:.4f}, mean "
                 f"{q['query_cosine_mean']:.4f}." if "queries" in q else ".")]
    if "ndcg@10" in r:
        lines += ["", "| nDCG@10 | torch fp32 dense / hybrid | onnx-int8 dense / hybrid | Δ hybrid |", "|---|---|---|---|"]
        for name, by in r["ndcg@10"].items():
            t, o = by.get("torch"), by.get("onnx-int8")
            if not o:
                continue
            lines.append(f"| {name} | " + (f"{t['dense']:.3f} / {t['hybrid']:.3f}" if t else "not run here") +
                         f" | {o['dense']:.3f} / {o['hybrid']:.3f} | " +
                         (f"{o['hybrid'] - t['hybrid']:+.3f}" if t else "—") + " |")
    ql = r.get("query_latency")
    if not ql:
        return "\n".join(lines) + "\n"
    lines += ["", f"Query encoding (one query, warm): onnx-int8 p50 {ql['onnx-int8']['p50_ms']:.1f} ms "
                  f"(p95 {ql['onnx-int8']['p95_ms']:.1f}), torch p50 {ql['torch']['p50_ms']:.1f} ms "
                  f"(p95 {ql['torch']['p95_ms']:.1f}); 12 concurrent clients on onnx-int8: p50 "
                  f"{ql['onnx-int8 12 concurrent clients']['p50_ms']:.1f} ms, p99 "
                  f"{ql['onnx-int8 12 concurrent clients']['p99_ms']:.1f} ms, "
                  f"{ql['onnx-int8 12 concurrent clients']['queries_per_s']:.0f} queries/s.", "",
              (f"Memory: RSS after loading onnx-int8 {r['rss_mb_after_loading']['onnx-int8']} MB, with torch too "
               f"{r['rss_mb_after_loading']['onnx-int8 + torch']} MB; peak RSS of the bench process "
               f"{r.get('peak_rss_mb_in_process')} MB." if r.get("rss_mb_after_loading", {}).get("onnx-int8")
               else "Memory: not recorded by this run.")]
    if "corpus_build" in r:
        b = r["corpus_build"]
        lines += ["", f"Full build of corpus/ ({b['passages']} passages) with the default encoder: {b['total_s']:.1f} s "
                      f"— read+chunk {b['read_chunk_s']:.1f} s, segment {b['segment_s']:.1f} s, embed "
                      f"{b['embed_s']:.1f} s, write {b['write_s']:.1f} s: embedding is {b['embed_share']:.0%} of it."]
    lines += ["", f"Versions: {', '.join(f'{k} {v}' for k, v in r['versions'].items() if v)}.",
              f"Run time {r['seconds']:.0f} s." if "seconds" in r else "Run interrupted."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
