"""Encoder benchmark (issue 11): `python -m eval.encoder_bench` (part of `make bench`).

One run, one command, so it can be repeated on a quiet machine:
1. Passages: real vlc-laws-2 text (../shared/datasets/vlc-laws-2). Law clauses are short
   (median ~310 characters after chunking), so consecutive passages of one law are joined
   until ≥ 900 characters (cut at 1,200) to reach our report passages' length (~1,000
   characters, ~265 tokens); labelled so in the results.
2. Speed, side by side: the passages in slices of 32; each slice is embedded by torch
   fp32, onnx-fp32 (the default) and onnx-int8 one right after the other (2 threads each),
   the order rotated per slice, so all see the same machine load; passages/s = the median
   of the per-slice rates, × torch = the median of the per-slice time ratios. Then the
   same passages with `--workers` processes, and on Ray with 1 and 3 local nodes
   (`ray.cluster_utils.Cluster` on this one machine: the 3-node row measures the overhead
   of distribution, not a scale-out), with the default backend.
3. Quality: cosine between each ONNX backend's vectors and torch fp32's over every passage
   torch embedded (min, mean) and over the VLSP 2023 queries; nDCG@10 (dense and hybrid)
   on our labelled set and on VLSP 2023 with each backend.
4. Queries: single-query latency p50/p95 per backend; 12 concurrent clients on the default.
5. Share of a full build of corpus/ that embedding takes with the default encoder.
Peak RSS per backend: a fresh process per backend loads it and embeds one slice (VmHWM).
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


def cpu_simd() -> str:
    """Which vector instruction sets the CPU exposes (int8 and bf16 speed depend on them)."""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return "unknown"
    flags = set(flags.split(":", 1)[1].split())
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8")
    have = [f for f in wanted if f in flags]
    return " ".join(have) + (" (no AVX-512, no VNNI)" if "avx512f" not in flags and "avx_vnni" not in flags else "")


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


def speed_side_by_side(texts, encoders: dict, torch_limit: int) -> dict:
    """Every backend embeds every slice of SLICE passages, one right after the other, the
    order rotated by one backend per slice (so none always runs first, or just after torch
    heated the caches): all see the same machine load. torch fp32 embeds only the first
    `torch_limit` passages. Per backend: passages/s per slice (median) and over the run,
    and the ratio to torch fp32 per slice (median) and over the slices torch ran."""
    names = list(encoders)
    for encoder in encoders.values():  # warm-up: the first pass allocates; not timed
        encoder.encode_passages(texts[:4])
    seconds = {n: 0.0 for n in names}
    passages = {n: 0 for n in names}
    rates: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names if n != "torch"}
    on_torch_slices_s = {n: 0.0 for n in names}
    vectors: dict[str, list] = {n: [] for n in names}
    loads = [os.getloadavg()[0]]
    for k, start in enumerate(range(0, len(texts), SLICE)):
        part = texts[start:start + SLICE]
        order = names[k % len(names):] + names[:k % len(names)]
        took = {}
        for name in order:
            if name == "torch" and start >= torch_limit:
                continue
            t0 = time.perf_counter()
            vectors[name].append(encoders[name].encode_passages(part))
            took[name] = time.perf_counter() - t0
            seconds[name] += took[name]
            passages[name] += len(part)
            rates[name].append(len(part) / took[name])
        if "torch" in took:
            for name in ratios:
                ratios[name].append(took["torch"] / took[name])
                on_torch_slices_s[name] += took[name]
            on_torch_slices_s["torch"] += took["torch"]
        if k % 5 == 0:
            loads.append(os.getloadavg()[0])
            log(f"  {start + len(part)}/{len(texts)} passages; × torch (median of slices) so far: "
                + ", ".join(f"{n} {statistics.median(r):.2f}" for n, r in ratios.items() if r)
                + f"; load {loads[-1]:.1f}")
    out = {"vectors": {n: np.concatenate(v) for n, v in vectors.items() if v}, "slices": max(map(len, rates.values())),
           "slice_passages": SLICE, "load_average_1min_during": {"min": min(loads), "max": max(loads),
                                                                  "median": statistics.median(loads)},
           "backends": {}}
    for name in names:
        row = {"passages": passages[name], "slices": len(rates[name]),
               "passages_per_s_median_slice": statistics.median(rates[name]) if rates[name] else None,
               "passages_per_s_total": passages[name] / seconds[name] if seconds[name] else None}
        if name in ratios and ratios[name]:
            row["vs_torch_median_slice"] = statistics.median(ratios[name])
            row["vs_torch_total"] = on_torch_slices_s["torch"] / on_torch_slices_s[name]
            row["slices_with_torch"] = len(ratios[name])
        out["backends"][name] = row
    return out


def peak_rss_child(backend: str, texts: list[str]) -> dict:
    """Peak RSS (VmHWM) of a fresh process that loads `backend` and embeds `texts`: one
    process per backend, so one backend's memory is not counted in another's."""
    import subprocess

    code = ("import json, sys, time\n"
            "from eval.encoder_bench import rss_mb\n"
            "from indexer.encoders import Encoder\n"
            "texts = json.load(sys.stdin)\n"
            "e = Encoder(backend=sys.argv[1])\n"
            "loaded = rss_mb('VmRSS')\n"
            "e.encode_passages(texts)\n"
            "print(json.dumps({'rss_after_loading_mb': loaded, 'peak_rss_mb': rss_mb()}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code, backend], input=json.dumps(texts), capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=1800)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "passages": len(texts)}


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
    parser.add_argument("--quality", type=int, default=500,
                        help="at least this many passages (the cosine to fp32 is over every passage torch embeds)")
    parser.add_argument("--backends", default="torch,onnx-fp32,onnx-int8",
                        help="comma list of the backends measured side by side (torch is the reference)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queries", type=int, default=100, help="queries for the single-query latency")
    parser.add_argument("--skip", default="",
                        help="comma list of: rss, workers, ray, ndcg, ndcg-torch, vlsp, build")
    parser.add_argument("--vlsp-docs", type=int, default=0,
                        help="nDCG on VLSP over the relevant documents plus random others up to this many "
                             "(0: the whole corpus)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
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
                     "command": "python -m eval.encoder_bench" + (" " + " ".join(argv if argv is not None
                                                                                   else sys.argv[1:])).rstrip(),
                     "machine": {**machine_info(), "simd": cpu_simd()}, "versions": versions(),
                     "load_average_before": load_before,
                     "passages": {"source": "vlc-laws-2, consecutive chunker passages of one law joined to "
                                            "≥ 900 characters (cut at 1,200)", "count": len(texts),
                                  "mean_chars": float(np.mean([len(t) for t in texts]))}}

    from indexer.encoders import DEFAULT_BACKEND

    backends = [b for b in ("torch", "onnx-fp32", "onnx-int8") if b in args.backends]
    encoders, rss_after = {}, {}
    for name in sorted(backends, key=lambda b: b == "torch"):  # torch last: its import grows the process most
        encoders[name] = Encoder(backend=name)
        rss_after[" + ".join(encoders)] = rss_mb("VmRSS")
    encoders = {name: encoders[name] for name in backends}
    results["rss_mb_after_loading_in_process"] = rss_after
    default = DEFAULT_BACKEND if DEFAULT_BACKEND in encoders else backends[-1]
    results["default_backend"] = DEFAULT_BACKEND
    log(f"speed: {', '.join(backends)}, slice by slice, order rotated per slice")
    speed = speed_side_by_side(texts, encoders, args.torch_passages)
    vectors = speed.pop("vectors")
    results["speed"] = speed
    log(f"speed: {speed}")

    quality: dict = {}
    queries = []
    if VLSP.exists():
        queries = [json.loads(line)["text"] for line in (VLSP / "queries.jsonl").read_text(encoding="utf-8").splitlines()
                   if line.strip()][:120]
    query_vectors = {name: e.encode_queries(queries) for name, e in encoders.items()} if queries else {}
    if "torch" in vectors:
        for name in backends:
            if name == "torch":
                continue
            q = len(vectors["torch"])
            cos = (vectors[name][:q] * vectors["torch"]).sum(axis=1)
            quality[name] = {"passages": int(q), "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
                             "cosine_p01": float(np.percentile(cos, 1))}
            if queries:
                qc = (query_vectors[name] * query_vectors["torch"]).sum(axis=1)
                quality[name].update({"queries": len(queries), "query_cosine_min": float(qc.min()),
                                      "query_cosine_mean": float(qc.mean())})
    results["quality"] = quality
    log(f"quality: {quality}")

    queries = queries or [t[:80] for t in texts[:120]]
    results["query_latency"] = {name: query_latency(e, queries[:args.queries]) for name, e in encoders.items()}
    results["query_latency"][f"{default} 12 concurrent clients"] = concurrent_latency(encoders[default],
                                                                                      queries[:120])
    log(f"queries: {results['query_latency']}")
    results["peak_rss_mb_in_process"] = rss_mb()
    save(args.out, results)
    fast, fast_vectors = encoders[default], vectors[default]
    encoders = {name: e for name, e in encoders.items() if name == default}

    if "rss" not in skip:
        results["peak_rss_per_backend"] = {}
        for name in backends:
            log(f"peak RSS of a process running {name} alone")
            results["peak_rss_per_backend"][name] = peak_rss_child(name, texts[:SLICE])
            save(args.out, results)

    rows = results["rows"] = []
    for name in backends:
        b = speed["backends"][name]
        rows.append({"setup": f"{name}{' (default)' if name == DEFAULT_BACKEND else ''}, 1 process × "
                              f"{getattr(fast, 'threads', 2)} threads, side by side",
                     "backend": name, "passages": b["passages"],
                     "passages_per_s": b["passages_per_s_median_slice"],
                     "vs_torch": 1.0 if name == "torch" else b.get("vs_torch_median_slice")})
    if "workers" not in skip:
        log(f"{args.workers} worker processes")
        r = embed_rate(texts, fast, EmbedPlan(workers=args.workers))
        rows.append({"setup": f"{default}, --workers {args.workers} (× {threads_per_worker(args.workers)} thread), "
                              "run after the side-by-side phase", "backend": default,
                     "passages": len(texts), "passages_per_s": r["passages_per_s"],
                     "cosine_to_in_process_min": float((r["vectors"] * fast_vectors).sum(axis=1).min())})
        save(args.out, results)
    if "ray" not in skip:
        for nodes, cpus in ((1, 2), (3, 1)):
            log(f"Ray, {nodes} local node(s)")
            r = ray_rate(texts, fast, nodes, cpus)
            rows.append({"setup": f"{default} on Ray, {nodes} local node(s) × {cpus} CPU, 1 thread per actor"
                                  + (" (one machine: overhead, not scale-out)" if nodes > 1 else ""),
                         "backend": default, "passages": len(texts), "passages_per_s": r["passages_per_s"],
                         "cosine_to_in_process_min": float((r["vectors"] * fast_vectors).sum(axis=1).min())})
            save(args.out, results)
    torch_rate = speed["backends"].get("torch", {}).get("passages_per_s_median_slice")
    for row in rows:
        if row.get("vs_torch") is None and row["passages_per_s"] and torch_rate:
            row["vs_torch"] = row["passages_per_s"] / torch_rate
            row["vs_torch_not_side_by_side"] = True
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
            results["ndcg@10"][key] = {b: ndcg(name, b) for b in backends
                                       if not (b == "torch" and "ndcg-torch" in skip)}
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


def _f(value, fmt: str = ".2f", missing: str = "—") -> str:
    return missing if value is None else format(value, fmt)


def markdown(r: dict) -> str:
    s, q = r["speed"], r.get("quality", {})
    la = r.get("load_average_after")
    lines = [f"# Encoder benchmark ({r['date']}"
             f"{'; partial: the run stopped after the phases shown' if r.get('partial') else ''})", "",
             f"`{r.get('command', 'python -m eval.encoder_bench')}` — machine: {r['machine']['cpu']}, "
             f"{r['machine']['cores']} cores ({r['machine'].get('simd', '?')}), {r['machine'].get('ram_gb')} GB; "
             f"load average before {', '.join(f'{x:.1f}' for x in r['load_average_before'])}"
             + (f", after {', '.join(f'{x:.1f}' for x in la)}" if la else "")
             + (f"; 1-minute load during the side-by-side phase {s['load_average_1min_during']['min']:.1f}–"
                f"{s['load_average_1min_during']['max']:.1f} (median {s['load_average_1min_during']['median']:.1f})"
                if "load_average_1min_during" in s else "")
             + " (other engineers shared the machine: compare the ratios, measured side by side, more than "
               "the absolute rates).", "",
             f"Passages: {r['passages']['count']} × {r['passages']['mean_chars']:.0f} characters on average — "
             f"{r['passages']['source']}; real text, none synthetic or repeated.", ""]
    if "backends" in s:
        rss = r.get("peak_rss_per_backend", {})
        slices = max(b["slices"] for b in s["backends"].values())
        torch_slices = s["backends"].get("torch", {}).get("slices")
        lines += [f"Side by side: {slices} slices of {s['slice_passages']} passages; every slice embedded by "
                  "each backend one right after the other" + (
                      f" (torch fp32 the first {torch_slices} only: its rate here would have made the run "
                      "twice as long)" if torch_slices and torch_slices < slices else "")
                  + ", the order rotated by one backend per slice. "
                  "passages/s = the median over slices of the slice's rate; × torch = the median over slices of "
                  "torch's time / the backend's time on the same slice (total: summed times over the slices "
                  "torch ran). Peak RSS: a fresh process per backend loading it and embedding "
                  f"{SLICE} passages.", "",
                  "| backend | passages | passages/s (median slice / total) | × torch fp32 (median slice / total) "
                  "| cosine to torch fp32 min / mean (passages) | cosine to torch, VLSP queries min / mean "
                  "| peak RSS MB (after loading) | nDCG@10 ours dense / hybrid |",
                  "|---|---|---|---|---|---|---|---|"]
        ours = (r.get("ndcg@10") or {}).get("ours", {})
        for name, b in s["backends"].items():
            qq = q.get(name, {})
            peak = rss.get(name, {})
            nd = ours.get(name)
            label = name + (" (default)" if name == r.get("default_backend") else "") + (
                " (reference)" if name == "torch" else "")
            lines.append(
                f"| {label} | {b['passages']} | {_f(b['passages_per_s_median_slice'])} / "
                f"{_f(b['passages_per_s_total'])} | "
                + ("1" if name == "torch" else f"{_f(b.get('vs_torch_median_slice'))} / {_f(b.get('vs_torch_total'))}")
                + " | " + ("1" if name == "torch" else
                           f"{_f(qq.get('cosine_min'), '.5f')} / {_f(qq.get('cosine_mean'), '.5f')} "
                           f"({qq.get('passages', '—')})")
                + " | " + ("1" if name == "torch" else
                           f"{_f(qq.get('query_cosine_min'), '.4f')} / {_f(qq.get('query_cosine_mean'), '.4f')}")
                + " | " + (f"{peak['peak_rss_mb']:.0f} ({peak['rss_after_loading_mb']:.0f})" if "peak_rss_mb" in peak
                           else peak.get("error", "not run"))
                + " | " + (f"{nd['dense']:.3f} / {nd['hybrid']:.3f}" if nd else "not run") + " |")
    extra = [row for row in r.get("rows", []) if "side by side" not in row["setup"]]
    if extra:
        lines += ["", "Run after the side-by-side phase, each under the load of its own minutes (so their × torch "
                      "divides by the torch rate measured before, not side by side):", "",
                  "| setup | passages | passages/s | × torch fp32 (not side by side) |", "|---|---|---|---|"]
        for row in extra:
            lines.append(f"| {row['setup']} | {row['passages']} | {row['passages_per_s']:.2f} | "
                         f"{_f(row.get('vs_torch'))} |")
    if len(r.get("ndcg@10") or {}) > 1 or any(k != "ours" for k in r.get("ndcg@10") or {}):
        lines += ["", "| nDCG@10 dense / hybrid | " + " | ".join(s.get("backends", {})) + " |",
                  "|---|" + "---|" * len(s.get("backends", {}))]
        for name, by in r["ndcg@10"].items():
            lines.append(f"| {name} | " + " | ".join(
                f"{by[b]['dense']:.3f} / {by[b]['hybrid']:.3f}" if b in by else "not run"
                for b in s.get("backends", {})) + " |")
    ql = r.get("query_latency")
    if ql:
        parts = [f"{name} p50 {v['p50_ms']:.1f} ms (p95 {v['p95_ms']:.1f})" for name, v in ql.items()
                 if "clients" not in name]
        conc = [(name, v) for name, v in ql.items() if "clients" in name]
        lines += ["", "Query encoding (one query at a time, warm, after the passages): " + "; ".join(parts) + "."
                  + "".join(f" {name}: p50 {v['p50_ms']:.1f} ms, p99 {v['p99_ms']:.1f} ms, "
                            f"{v['queries_per_s']:.0f} queries/s." for name, v in conc)]
    if r.get("rss_mb_after_loading_in_process"):
        lines += ["", "RSS of the bench process after loading (in order): " + "; ".join(
            f"{k} {v} MB" for k, v in r["rss_mb_after_loading_in_process"].items())
            + f"; its peak {r.get('peak_rss_mb_in_process')} MB."]
    if "corpus_build" in r:
        b = r["corpus_build"]
        lines += ["", f"Full build of corpus/ ({b['passages']} passages) with the default encoder: {b['total_s']:.1f} s "
                      f"— read+chunk {b['read_chunk_s']:.1f} s, segment {b['segment_s']:.1f} s, embed "
                      f"{b['embed_s']:.1f} s, write {b['write_s']:.1f} s: embedding is {b['embed_share']:.0%} of it."]
    lines += ["", f"Versions: {', '.join(f'{k} {v}' for k, v in r['versions'].items() if v)}.",
              f"Run time {r['seconds']:.0f} s." if "seconds" in r else "Run interrupted or still running."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
