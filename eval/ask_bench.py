"""`/ask` latency in process: `python -m eval.ask_bench [--questions N]`.

The served answerer (search/answer.served_answerer: the learned reader, the neural span
reader's spans among its features and candidates) over the labelled
questions of eval/data/corpus_qa.jsonl, on an index of corpus/ built with the default
encoder, in two ways side by side in one run: as served, and with the span reader switched
off (`LearnedAnswerer.span_reader = None`: what its reading costs per question; an ablation
made here, not a setting users have). The two alternate per question, which goes first
alternating too, each with its own answerer (so its own vector and span caches); a few
questions warm both up first. Wall time of `ask()` per question; medians, p95 and their
ratio; and the process's resident memory after the index is loaded, after the span-off way
has answered its warm-up questions (the span reader not loaded yet), after the span reader is
loaded, after the served way's warm-up, and at its peak (ru_maxrss) at the end. Writes
eval/results/ask_latency.{json,md}. Part of `make bench`, never of `make test`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 5


def load_questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "data" / "corpus_qa.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r["question"] for r in rows][:n]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.ask_bench")
    parser.add_argument("--questions", type=int, default=120, help="labelled questions asked (the first N)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)
    from eval.bench import percentiles
    from eval.datasets import ensure_index, load_corpus_set
    from eval.retrieval import machine_info, versions
    from indexer.embedding import Encoder
    from collections import OrderedDict

    from search.answer import served_answerer
    from search.engine import SearchEngine

    encoder = Encoder()
    engine = SearchEngine(ensure_index(load_corpus_set(), encoder=encoder, log=lambda m: None), encoder=encoder)
    import resource

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    memory = {"index_loaded_mb": rss_mb()}
    import search.answer as answer_stage

    # the span-off way first, built before the span reader is loaded (served_answerer loads it
    # for weights fitted on its features), so that its warm memory is the answer stage's without it
    loader = answer_stage.served_span_reader
    answer_stage.served_span_reader = lambda: None
    try:
        off = served_answerer(engine)
    finally:
        answer_stage.served_span_reader = loader
    off.span_reader = None
    off.similarity_cache, off.span_cache = OrderedDict(), OrderedDict()
    questions = load_questions(args.questions + WARMUP)
    load_start = os.getloadavg()[0]
    for q in questions[:WARMUP]:
        off.ask(q)
    memory["span_reader_off_warm_mb"] = rss_mb()
    served = served_answerer(engine)
    served.span_reader = loader()  # whatever weights are served
    served.similarity_cache, served.span_cache = OrderedDict(), OrderedDict()  # each way pays its own
    memory["span_reader_loaded_mb"] = rss_mb()
    ways = {"as served (with the span reader)": served, "span reader off (ablation)": off}
    for q in questions[:WARMUP]:
        served.ask(q)
    memory["served_warm_mb"] = rss_mb()
    times: dict[str, list[float]] = {name: [] for name in ways}
    answered: dict[str, int] = {name: 0 for name in ways}
    for i, q in enumerate(questions[WARMUP:]):
        order = list(ways) if i % 2 == 0 else list(ways)[::-1]
        for name in order:
            t0 = time.perf_counter()
            response = ways[name].ask(q)
            times[name].append(1000 * (time.perf_counter() - t0))
            answered[name] += response.get("answer") is not None
    rows = {name: {"median_ms": round(p["p50"], 1), "p95_ms": round(p["p95"], 1), "n": p["n"], "answered": answered[name]}
            for name, p in ((name, percentiles(ms)) for name, ms in times.items())}
    names = list(ways)
    memory["end_mb"] = rss_mb()
    memory["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report = {"memory": memory, "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
              "versions": versions(), "encoder": f"{encoder.id} ({encoder.backend})", "questions": len(questions) - WARMUP,
              "load_average": [round(load_start, 2), round(os.getloadavg()[0], 2)], "ways": rows,
              "median_ratio": round(rows[names[0]]["median_ms"] / rows[names[1]]["median_ms"], 2)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ask_latency.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    lines = [f"## /ask latency in process — {report['date']}", "",
             f"{report['machine'].get('cpu')}, {report['machine'].get('cores')} cores; encoder {report['encoder']}; "
             f"{report['questions']} labelled questions of eval/data/corpus_qa.jsonl (real), each asked once per way, "
             f"alternating; load average at start/end {report['load_average'][0]}/{report['load_average'][1]}. "
             "Medians and the ratio from this one run (`python -m eval.ask_bench`).", "",
             "| way | questions | median ms | p95 ms | answered |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {r['n']} | {r['median_ms']} | {r['p95_ms']} | {r['answered']} |" for name, r in rows.items()]
    lines += ["", f"Median ratio (as served / ablation): {report['median_ratio']}×; the span reader's cost per question "
              f"(median difference): {rows[names[0]]['median_ms'] - rows[names[1]]['median_ms']:.1f} ms. The ablation "
              "answers with weights trained on the span reader's features, so its answers are not a quality measure "
              "(eval/results/*_qa.md is).", "",
              f"Resident memory (MB): index loaded {memory['index_loaded_mb']}; the span-off way warm "
              f"({WARMUP} questions, span reader not loaded) {memory['span_reader_off_warm_mb']}; span reader loaded "
              f"{memory['span_reader_loaded_mb']}; served way warm {memory['served_warm_mb']}; at the end "
              f"{memory['end_mb']}; peak {memory['peak_mb']}. The span reader (loaded and reading, the served way's "
              f"caches included) adds {memory['peak_mb'] - memory['span_reader_off_warm_mb']:.0f} MB at most "
              f"(peak − span-off warm); the whole answer stage {memory['peak_mb'] - memory['index_loaded_mb']:.0f} MB "
              "(peak − index loaded)."]
    (args.out / "ask_latency.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
