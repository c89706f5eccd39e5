"""The table of figures at 100k passages: p50 of a table query through the store's index of
facts (issue 23).

    python -m eval.facts_bench                  # 100k passages (make bench)
    python -m eval.facts_bench --passages 20000

Data: SYNTHETIC. The real index of corpus/ (5 documents, its passages, BM25 terms, model
vectors and the facts the writer extracted) is repeated as many times as it takes to
reach the size asked; each copy is a document of its own (doc_id "copyN/…") with the same
facts, so a table query matches N times as many facts as over corpus/ and every row of
the results says so. Written with the local store's writer (no HNSW: the dense index
plays no part in a table query).

Measured, warm (after one query has loaded the version's facts), over repeated runs:
- `store.facts(FactQuery)`: the indexed query (postings by predicate and word);
- the same answer by scanning every fact with `FactQuery.accepts` (what the index saves);
- `FactTable.table(...)`: the whole table as GET /facts builds it (query, cells, ranks,
  citations, chart, notes).
Results: eval/results/facts_bench.md and .json (date, machine, versions).
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "eval" / "results"
TABLES = ["lượt tiếp công dân", "đơn khiếu nại thuộc thẩm quyền đã giải quyết", "đơn khiếu nại đã tiếp nhận"]


def corpus_index(cache: Path) -> Path:
    from eval.facts import corpus_index as build

    return build(cache)


def synthetic_store(source: Path, target: Path, passages: int) -> dict:
    """`source` repeated to `passages` passages in a new local store at `target`."""
    from indexer.store import PassageRecord
    from indexer.store.local import LocalStore

    real = LocalStore(source)
    documents = [real.document(d.doc_id) for d in real.documents()]
    by_doc = {d["doc_id"]: real.passages(real.passage_ids(d["doc_id"])) for d in documents}
    reused = real.reusable(p["content_hash"] for ps in by_doc.values() for p in ps)
    facts = {d["doc_id"]: [] for d in documents}
    for fact in real.facts():
        facts[fact["doc_id"]].append(fact)
    per_copy = sum(len(ps) for ps in by_doc.values())
    copies = max(1, -(-passages // per_copy))
    store = LocalStore(target, ann_min_passages=10**12)
    t0 = time.perf_counter()
    with store.writer() as writer:
        writer.reset()
        for n in range(copies):
            for record in documents:
                doc_id = f"copy{n}/{record['doc_id']}"
                items = []
                for p in by_doc[record["doc_id"]]:
                    terms, vector = reused[p["content_hash"]]
                    copy = dict(p, doc_id=doc_id, passage_id=f"copy{n}/{p['passage_id']}")
                    items.append(PassageRecord(copy, terms, vector))
                writer.add_document(dict(record, doc_id=doc_id), items)
                writer.set_facts(doc_id, [dict(f, doc_id=doc_id, passage_id=f"copy{n}/{f['passage_id']}")
                                          for f in facts[record["doc_id"]]])
        manifest = {k: v for k, v in real.manifest().items() if k != "files"}
        writer.set_manifest(manifest)
        writer.commit()
    return {"copies": copies, "passages": copies * per_copy, "documents": copies * len(documents),
            "facts": copies * sum(len(f) for f in facts.values()), "write_s": round(time.perf_counter() - t0, 1)}


def timed(fn, runs: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            "runs": runs}


def main(argv=None) -> int:
    from eval.datasets import CACHE_DIR
    from indexer.facts import parse_indicator, parse_qualifiers
    from indexer.store.factindex import FactQuery
    from indexer.store.local import LocalStore
    from search.answer.facts import FactTable
    from search.engine import SearchEngine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--index-dir", type=Path, help="a real index of corpus/ to repeat (default: built and "
                                                       "cached under eval/.cache)")
    args = parser.parse_args(argv)
    source = args.index_dir or corpus_index(CACHE_DIR)
    with tempfile.TemporaryDirectory(prefix="facts-bench-") as tmp:
        size = synthetic_store(source, Path(tmp) / "index", args.passages)
        store = LocalStore(Path(tmp) / "index")
        t = time.perf_counter()
        every = list(store.facts())
        load_s = time.perf_counter() - t
        engine = SearchEngine(Path(tmp) / "index")
        table = FactTable(engine)
        rows = []
        for phrase in TABLES:
            predicate, words, rate, unit = parse_indicator(phrase)
            query = FactQuery(predicate=predicate, words=tuple(sorted(words)), unit_class=unit,
                              qualifiers=tuple(parse_qualifiers(phrase)))
            matched = sum(1 for _ in store.facts(None, query))
            rows.append({"indicator": phrase, "facts_matched": matched, "data": "synthetic (corpus/ repeated "
                                                                                f"{size['copies']}×)",
                         "store_query": timed(lambda: list(store.facts(None, query)), args.runs),
                         "full_scan": timed(lambda: [f for f in every if query.accepts(f)], max(5, args.runs // 3)),
                         "table": timed(lambda: table.table(phrase), max(5, args.runs // 3)),
                         "cells": len(table.table(phrase)["cells"])})
    report = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": _machine(), "size": size,
              "facts_load_s": round(load_s, 2), "rows": rows,
              "versions": {"python": platform.python_version()}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "facts_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "facts_bench.md").write_text(_markdown(report), encoding="utf-8")
    print(_markdown(report))
    return 0


def _machine() -> str:
    from eval.facts import _machine as machine

    return machine()


def _markdown(r: dict) -> str:
    s = r["size"]
    lines = ["# Table of figures at scale (issue 23)", "",
             f"{r['date']}, {r['machine']}. `python -m eval.facts_bench` (local files store).", "",
             f"**Synthetic data**: the real index of corpus/ repeated {s['copies']}× → {s['passages']} passages, "
             f"{s['documents']} documents, {s['facts']} facts (written in {s['write_s']} s; the version's facts load "
             f"in {r['facts_load_s']} s on first use).", "",
             "| indicator asked | data | facts matched | store query p50 / p95 ms | full scan p50 ms | "
             "whole table p50 / p95 ms | cells |", "|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        lines.append(f"| {row['indicator']} | {row['data']} | {row['facts_matched']} | "
                     f"{row['store_query']['p50_ms']} / {row['store_query']['p95_ms']} | "
                     f"{row['full_scan']['p50_ms']} | {row['table']['p50_ms']} / {row['table']['p95_ms']} | "
                     f"{row['cells']} |")
    lines += ["", "The store query reads the postings of the predicate and of each word asked and tests only "
              "the facts in their intersection; the full scan tests every fact. The whole table adds the cells' "
              "ranking and their citations (one document read per cell)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
