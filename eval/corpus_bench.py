"""Timings on the shipped corpus: `python -m eval.corpus_bench [--runs N]`.

Index build time split into reading+chunking, segmentation, embedding and index writing
(a full rebuild each run), model load time, and warm query latency per mode over the 79
labelled questions. Medians of N runs; writes eval/results/corpus_bench.{json,md}.
Part of `make bench`, never of `make test`.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.corpus_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)

    from eval.datasets import load_corpus_set
    from eval.retrieval import machine_info, versions
    from indexer.build import build_index
    from indexer.embedding import Encoder
    from search.engine import MODES, SearchEngine

    loads = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        encoder = Encoder()
        encoder.encode_queries(["khởi động"])  # first forward pass included: what a user waits for
        loads.append(time.perf_counter() - t0)

    builds = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            report = build_index(ROOT / "corpus", Path(tmp) / "index", encoder=encoder, force=True,
                                 log=lambda msg: None)
            builds.append(report.timings)
        passages = report.passages
        engine = SearchEngine(Path(tmp) / "index", encoder=encoder)
        queries = [q.text for q in load_corpus_set().queries]
        for q in queries[:5]:  # warm-up: restorer table, caches
            engine.search(q, k=10, mode="hybrid")
        latency = {}
        for mode in MODES:
            samples = []
            for _ in range(args.runs):
                for q in queries:
                    t0 = time.perf_counter()
                    engine.search(q, k=10, mode=mode)
                    samples.append((time.perf_counter() - t0) * 1000)
            samples.sort()
            latency[mode] = {"p50_ms": round(statistics.median(samples), 2),
                             "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2), "n": len(samples)}

    stages = ("read_chunk_s", "segment_s", "embed_s", "write_s", "total_s")
    build = {stage: round(statistics.median(b[stage] for b in builds), 2) for stage in stages}
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine_info(), "versions": versions(),
              "runs": args.runs, "passages": passages, "model_load_s": round(statistics.median(loads), 2),
              "build_s": build, "query_latency": latency}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "corpus_bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    m = report["machine"]
    md = [f"### Shipped corpus timings — {report['date']} · {m['cpu']} ({m['cores']} cores) · medians of {args.runs} runs",
          "", f"Index build, {passages} passages (full rebuild): " + ", ".join(
              f"{k.removesuffix('_s').replace('_', '+')} {v:.2f} s" for k, v in build.items()),
          f"Model load (incl. first forward pass): {report['model_load_s']:.2f} s", "",
          "| mode | warm p50 ms | p95 ms | queries |", "|---|---|---|---|"]
    md += [f"| {mode} | {v['p50_ms']} | {v['p95_ms']} | {v['n']} |" for mode, v in latency.items()]
    (args.out / "corpus_bench.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
