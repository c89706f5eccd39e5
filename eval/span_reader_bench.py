"""Measure the exported span reader: span F1 / EM and serving cost.

    python -m eval.span_reader_bench [--int8] [--limit N]   # → eval/results/span_reader.{md,json}

Quality, given the right passage (the question's own context), of the first span read:
UIT-ViQuAD 1.0 on the articles held out of training (eval/span_reader_train.py DEV_TITLES) and
viwiki-qa (never trained on; its contexts are not ViQuAD's). F1 and EM are SQuAD's, max over
the gold answers. Cost: one `SpanReader.read` of a question over 5 passages (ViQuAD dev
paragraphs, about 200 tokens each, as many as the answer stage reads), p50 / p95 ms over
QUESTIONS_TIMED questions after a warm-up; memory: the process's resident set before the
session is made and its peak after the timed reads.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from eval.retrieval import cpu_model
from eval.span_reader_train import SHARED, load_viquad, split_titles
from search.answer.span_reader import (ADAPTER_PATH, DEFAULT_MODEL_DIR, SpanReader, exact_match, token_f1)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "eval" / "results"
VIWIKI = SHARED / "viwiki-qa"
QUESTIONS_TIMED = 15
PASSAGES_PER_QUESTION = 5


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def viwiki_rows() -> list[dict]:
    contexts = {}
    with open(VIWIKI / "contexts.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            contexts[row["_id"]] = row["text"]
    rows = []
    with open(VIWIKI / "questions.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            rows.append({"question": q["question"], "context": contexts[q["context_id"]],
                         "golds": list(q["answers"])})
    return rows


def score(reader: SpanReader, rows: list[dict]) -> dict:
    f1s, ems = [], []
    for row in rows:
        spans = reader.read(row["question"], [row["context"]], top_k=1)
        text = spans[0].text if spans else ""
        f1s.append(max(token_f1(text, g) for g in row["golds"]))
        ems.append(max(exact_match(text, g) for g in row["golds"]))
    return {"questions": len(rows), "f1": round(statistics.mean(f1s), 4), "em": round(statistics.mean(ems), 4)}


def timing(reader: SpanReader, rows: list[dict]) -> dict:
    rng = random.Random(7)
    contexts = sorted({r["context"] for r in rows})
    questions = rng.sample(rows, min(QUESTIONS_TIMED, len(rows)))
    times = []
    for i, row in enumerate([questions[0]] * 2 + questions):
        others = rng.sample([c for c in contexts if c != row["context"]], PASSAGES_PER_QUESTION - 1)
        passages = [row["context"], *others]
        started = time.perf_counter()
        reader.read(row["question"], passages)
        if i >= 2:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"questions": len(times), "passages": PASSAGES_PER_QUESTION, "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}


def machine() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores visible (shared with other jobs)"


def main(argv: list[str] | None = None) -> int:
    import onnxruntime
    from safetensors import safe_open

    parser = argparse.ArgumentParser(prog="python -m eval.span_reader_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--int8", action="store_true", help="also measure the int8 export (the one served; `make model` writes both)")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N questions of each set")
    parser.add_argument("--out", type=Path, default=RESULTS / "span_reader")
    parser.add_argument("--threads", type=int, default=1,
                        help="onnxruntime threads (1: on the shared machine two threads waited on each other)")
    args = parser.parse_args(argv)
    if not VIWIKI.exists():
        print(f"error: {VIWIKI} is absent (../shared)", file=sys.stderr)
        return 1
    _, dev = split_titles(load_viquad())
    dev_rows = [{"question": r["question"], "context": r["context"], "golds": [t for _, t in r["answers"]]}
                for r in dev if r["answers"]]
    wiki = viwiki_rows()
    timed_rows = dev_rows
    if args.limit:
        dev_rows, wiki = dev_rows[:args.limit], wiki[:args.limit]
    with safe_open(str(ADAPTER_PATH), framework="np") as f:
        training = f.metadata()
    from search.answer.span_reader_export import export_path

    variants = {"fp32": export_path(args.model)}
    if args.int8:
        variants["int8"] = export_path(args.model, int8=True)
    load_start = os.getloadavg()[0]
    results = {"date": date.today().isoformat(), "threads": args.threads, "limit": args.limit, "machine": machine(), "python": platform.python_version(),
               "onnxruntime": onnxruntime.__version__, "adapter_mb": round(ADAPTER_PATH.stat().st_size / 1e6, 2),
               "training": training, "variants": {}}
    for name, path in variants.items():
        rss_before = _rss_mb()
        reader = SpanReader(args.model, onnx_file=path, threads=args.threads)
        started = time.perf_counter()
        entry = {"file_mb": round(path.stat().st_size / 1e6, 1), "viquad_dev": score(reader, dev_rows),
                 "viwiki_qa": score(reader, wiki)}
        entry["scoring_seconds"] = round(time.perf_counter() - started, 1)
        entry["latency"] = timing(reader, timed_rows)
        entry["memory_mb"] = {"rss_before_session": round(rss_before, 1), "rss_after": round(_rss_mb(), 1),
                              "peak": round(_peak_mb(), 1)}
        results["variants"][name] = entry
        print(name, json.dumps(entry, ensure_ascii=False), flush=True)
        del reader
    results["load_average"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    args.out.with_suffix(".md").write_text(render(results), encoding="utf-8")
    print(f"wrote {args.out.with_suffix('.md')}")
    return 0


def render(r: dict) -> str:
    t = r["training"]
    lines = [f"# Span reader (issue 22, item 1) — {r['date']}", "",
             f"Machine: {r['machine']}; Python {r['python']}, onnxruntime {r['onnxruntime']}. "
             f"`python -m eval.span_reader_bench{' --int8' if 'int8' in r['variants'] else ''}"
             f"{' --limit ' + str(r['limit']) if r['limit'] else ''}`.", "",
             "Given the question's own passage, the first span read (SQuAD F1 / EM, max over gold answers). "
             "ViQuAD dev = UIT-ViQuAD 1.0 articles held out of training; viwiki-qa never trained on. "
             f"Latency: one `SpanReader.read` over 5 passages of ~200 tokens ({r['threads']} onnxruntime thread(s); "
             f"the 2 cores shared with other jobs, load average {r.get('load_average', ['?', '?'])[0]} at the start and "
             f"{r.get('load_average', ['?', '?'])[1]} at the end, so these are upper bounds).", "",
             "| export | file MB | ViQuAD dev F1 | EM | viwiki-qa F1 | EM | p50 ms / 5 passages | p95 ms | "
             "RSS before → after MB | peak MB |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, e in r["variants"].items():
        m = e["memory_mb"]
        lines.append(f"| {name} | {e['file_mb']} | {e['viquad_dev']['f1']:.3f} | {e['viquad_dev']['em']:.3f} | "
                     f"{e['viwiki_qa']['f1']:.3f} | {e['viwiki_qa']['em']:.3f} | {e['latency']['p50_ms']} | "
                     f"{e['latency']['p95_ms']} | {m['rss_before_session']} → {m['rss_after']} | {m['peak']} |")
    lines += ["", f"Questions: ViQuAD dev {next(iter(r['variants'].values()))['viquad_dev']['questions']}, "
                  f"viwiki-qa {next(iter(r['variants'].values()))['viwiki_qa']['questions']}.", "",
              "## Training (`make span-reader`, eval/span_reader_train.py)", "",
              f"Adapter file search/answer/span_reader.safetensors: {r['adapter_mb']} MB.", "",
              "| setting | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(t.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
