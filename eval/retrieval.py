"""Retrieval evaluation runner: every mode of the real engine over a labelled dataset.

    python -m eval corpus                                   # our labelled set over corpus/
    python -m eval ../shared/datasets/vlsp2023-legal-retrieval --mode bm25,dense,hybrid
    tracuu eval DATASET [--mode bm25,dense,hybrid] [--index-dir DIR] [--out eval/results]

Writes OUT/<dataset>.json (per-mode and per-variant metrics, per-query first-hit ranks,
date, machine, versions) and OUT/<dataset>.md (the tables). See eval/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

from eval.datasets import Dataset, Query, ensure_index, load_dataset
from eval.metrics import DEFAULT_METRICS, average, compute, dedupe

MODES = ("bm25", "dense", "hybrid")
RETRIEVE_K = 100  # passages asked from the engine (its MAX_K); units are deduped from these
METRIC_LABELS = {"recall@1": "R@1", "recall@5": "R@5", "recall@10": "R@10", "mrr@10": "MRR@10",
                 "ndcg@10": "nDCG@10"}
VARIANT_ORDER = ("vi", "vi_nodiac", "abbrev", "en", "cross")


# --- machine / provenance ------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version()}
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["ram_gb"] = round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except Exception:  # pragma: no cover
        pass
    return info


def versions() -> dict:
    from indexer.build import package_versions

    return package_versions()


# --- relevance ------------------------------------------------------------------------
class SpanJudge:
    """Gold spans → character offsets in the indexed document text; passages → the gold
    units (spans) they overlap."""

    def __init__(self, store):
        from indexer.textnorm import normalize_source

        self.store = store
        self._normalize = normalize_source
        self._offsets: dict[tuple[str, str], tuple[int, int]] = {}

    def offsets(self, doc_id: str, span: str) -> tuple[int, int]:
        key = (doc_id, span)
        if key not in self._offsets:
            record = self.store.document(doc_id)
            if record is None:
                raise KeyError(f"gold document {doc_id!r} is not in the index")
            text = record["text"]
            start = text.find(span)
            if start < 0:
                span_n = self._normalize(span).strip()
                start = text.find(span_n)
                span = span_n
            if start < 0:
                raise ValueError(f"gold span not found in {doc_id}: {span[:60]!r}")
            self._offsets[key] = (start, start + len(span))
        return self._offsets[key]

    def units(self, query: Query) -> list[tuple[str, int, int]]:
        return [(doc, *self.offsets(doc, span)) for doc, span in query.gold_spans]

    def ranking(self, query: Query, passages: list[dict]) -> tuple[list[str], dict[str, int]]:
        gold = self.units(query)
        qrels = {f"gold{j}": 1 for j in range(len(gold))}
        seen: set[str] = set()
        ranking: list[str] = []
        for p in passages:
            covered = [f"gold{j}" for j, (doc, s, e) in enumerate(gold)
                       if p["doc_id"] == doc and p["start"] < e and p["end"] > s]
            if not covered:
                ranking.append(f"passage:{p['passage_id']}")
                continue
            # a second passage over the same span adds nothing: units ranked by best passage
            ranking += [u for u in covered if u not in seen]
            seen.update(covered)
        return ranking, qrels


def unit_ranking(dataset: Dataset, judge: SpanJudge | None, store, query: Query,
                 passage_ids: list[str]) -> tuple[list[str], dict[str, int]]:
    passages = store.passages(passage_ids)
    if dataset.kind == "spans":
        return judge.ranking(query, passages)
    return dedupe(p["doc_id"] for p in passages), dict(query.qrels)


def first_relevant_rank(ranking: list[str], qrels: dict[str, int]) -> int | None:
    for rank, unit in enumerate(ranking, start=1):
        if qrels.get(unit, 0) > 0:
            return rank
    return None


# --- the run --------------------------------------------------------------------------
def evaluate(engine, dataset: Dataset, modes=MODES, limit: int | None = None,
             rankers: dict | None = None, log=lambda m: None) -> dict:
    """Metrics per mode (and per variant) for `dataset` on `engine`. `rankers` maps a mode
    name to a function (query text → passage ids) to evaluate something other than the
    engine's own modes (the ablations do)."""
    store = engine.store
    judge = SpanJudge(store) if dataset.kind == "spans" else None
    queries = dataset.queries[:limit] if limit else dataset.queries
    rankers = rankers or {mode: (lambda text, m=mode: [pid for pid, _, _ in engine.rank(text, RETRIEVE_K, m)])
                          for mode in modes}
    results: dict[str, dict] = {}
    per_query: dict[str, dict] = {q.qid: {"query": q.text, "variant": q.variant} for q in queries}
    for mode, ranker in rankers.items():
        scores, took = [], []
        by_variant: dict[str, list[dict]] = {}
        for q in queries:
            started = time.perf_counter()
            passage_ids = ranker(q.text)
            took.append((time.perf_counter() - started) * 1000)
            ranking, qrels = unit_ranking(dataset, judge, store, q, passage_ids)
            metrics = compute(ranking, qrels)
            scores.append(metrics)
            by_variant.setdefault(q.variant, []).append(metrics)
            per_query[q.qid][mode] = {"first_relevant_rank": first_relevant_rank(ranking, qrels),
                                      "ndcg@10": round(metrics["ndcg@10"], 4)}
        took.sort()
        results[mode] = {"all": average(scores) | {"n": len(scores)},
                         "variants": {v: average(s) | {"n": len(s)} for v, s in by_variant.items()},
                         "median_ms": took[len(took) // 2] if took else None}
        log(f"{mode:>8}: " + "  ".join(f"{METRIC_LABELS[m]} {results[mode]['all'][m]:.3f}"
                                       for m in DEFAULT_METRICS))
    return {"results": results, "per_query": per_query}


def hybrid_check(results: dict, metric: str = "ndcg@10") -> dict | None:
    if not {"bm25", "dense", "hybrid"} <= set(results):
        return None
    singles = {m: results[m]["all"][metric] for m in ("bm25", "dense")}
    best = max(singles, key=singles.get)
    hybrid = results["hybrid"]["all"][metric]
    return {"metric": metric, "best_single": best, "best_single_value": singles[best],
            "hybrid": hybrid, "hybrid_wins": hybrid >= singles[best]}


def markdown(report: dict) -> str:
    res = report["results"]
    head = "| mode | " + " | ".join(METRIC_LABELS[m] for m in DEFAULT_METRICS) + " | n | median ms |"
    sep = "|" + "---|" * (len(DEFAULT_METRICS) + 3)
    lines = [f"### {report['dataset']} — {report['index']['documents']} documents, "
             f"{report['index']['passages']} passages, {report['queries']} queries",
             "", f"{report['date']} · {report['machine']['cpu']} ({report['machine']['cores']} cores) · "
                 f"model {report['index']['model']} · fusion {report['settings']['fusion']} "
                 f"k={report['settings']['rrf_k']} · relevance: {report['relevance']}", "", head, sep]
    for mode, r in res.items():
        a = r["all"]
        lines.append(f"| {mode} | " + " | ".join(f"{a[m]:.3f}" for m in DEFAULT_METRICS)
                     + f" | {a['n']} | {r['median_ms']:.0f} |")
    variants = sorted({v for r in res.values() for v in r["variants"]},
                      key=lambda v: (VARIANT_ORDER.index(v) if v in VARIANT_ORDER else 99, v))
    if len(variants) > 1:
        lines += ["", "By query variant:", "", "| variant | mode | " + " | ".join(
            METRIC_LABELS[m] for m in DEFAULT_METRICS) + " | n |", "|" + "---|" * (len(DEFAULT_METRICS) + 3)]
        for v in variants:
            for mode, r in res.items():
                a = r["variants"].get(v)
                if a:
                    lines.append(f"| {v} | {mode} | " + " | ".join(f"{a[m]:.3f}" for m in DEFAULT_METRICS)
                                 + f" | {a['n']} |")
    check = report.get("hybrid_check")
    if check:
        verdict = "hybrid ≥ best single" if check["hybrid_wins"] else "**hybrid loses to the best single retriever**"
        lines += ["", f"{verdict}: hybrid {check['metric']} {check['hybrid']:.3f} vs "
                      f"{check['best_single']} {check['best_single_value']:.3f}."]
    return "\n".join(lines) + "\n"


def run(dataset_arg: str, modes=MODES, index_dir: str | Path | None = None, out_dir: Path | None = Path("eval/results"),
        limit: int | None = None, encoder=None, log=lambda m: print(m, file=sys.stderr, flush=True),
        fusion: str | None = None) -> dict:
    from search.engine import SearchEngine

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    dataset = load_dataset(dataset_arg)
    needs_model = any(m != "bm25" for m in modes)
    if encoder is None and (needs_model or index_dir is None):
        from indexer.embedding import Encoder

        encoder = Encoder()
    if index_dir is None:
        index_dir = ensure_index(dataset, encoder=encoder, log=log)
    engine = SearchEngine(str(index_dir), encoder=encoder, **({"fusion": fusion} if fusion else {}))
    documents, passages = engine.store.count()
    manifest = engine.view.manifest
    log(f"{dataset.name}: {len(dataset.queries)} queries, index {engine.location} "
        f"({documents} documents, {passages} passages)")
    evaluation = evaluate(engine, dataset, modes, limit, log=log)
    report = {
        "dataset": dataset.name,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": versions(),
        "relevance": ("passage overlaps a gold span (one unit per span)" if dataset.kind == "spans"
                      else "document level (graded qrels; documents ranked by best passage)"),
        "queries": len(dataset.queries[:limit] if limit else dataset.queries),
        "index": {"dir": engine.location, "documents": documents, "passages": passages,
                  "model": engine.view.model_id, "settings": manifest["settings"],
                  "corpus_checksum": manifest["corpus"]["checksum"]},
        "settings": {"fusion": engine.fusion, "rrf_k": engine.rrf_k, "weights": engine.weights,
                     "depth": engine.depth, "retrieve_k": RETRIEVE_K},
        "metrics": list(DEFAULT_METRICS),
        **evaluation,
    }
    report["hybrid_check"] = hybrid_check(report["results"])
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = dataset.name + (f"-fusion-{fusion}" if fusion else "")
        (out_dir / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
        (out_dir / f"{name}.md").write_text(markdown(report), encoding="utf-8")
        log(f"wrote {out_dir / (name + '.json')} and .md")
    return report


def parse_modes(value: str) -> tuple[str, ...]:
    modes = tuple(m.strip() for m in value.split(",") if m.strip())
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise argparse.ArgumentTypeError(f"modes are a comma list of {', '.join(MODES)}; got {value!r}")
    return modes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", help="'corpus' (labelled set over corpus/) or a BEIR folder "
                                   "(corpus.jsonl, queries.jsonl, qrels.tsv)")
    p.add_argument("--mode", type=parse_modes, default=MODES, help="comma list (default: bm25,dense,hybrid)")
    p.add_argument("--index-dir", "--store", dest="index_dir", default=None,
                   help="evaluate this index (a directory or a postgresql:// URL) of the dataset's corpus "
                        "instead of building/reusing one under eval/.cache/")
    p.add_argument("--out", type=Path, default=Path("eval/results"), help="results folder (default: %(default)s)")
    p.add_argument("--limit", type=int, default=None, help="only the first N queries (smoke runs)")
    p.add_argument("--fusion", choices=("rrf", "score"), default=None,
                   help="hybrid fusion instead of the engine default (results go to <dataset>-fusion-<f>.*)")


def save_partial(out: Path, stem: str, results: dict, markdown) -> None:
    """A benchmark's results as OUT/<stem>.json and .md, written after every phase so an
    interrupted run keeps what it measured ("partial" until "seconds" is set at the end)."""
    out.mkdir(parents=True, exist_ok=True)
    results = {**results, "partial": "seconds" not in results}
    results.setdefault("load_average_after", os.getloadavg())
    (out / f"{stem}.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / f"{stem}.md").write_text(markdown(results), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        report = run(args.dataset, args.mode, args.index_dir, args.out, args.limit, fusion=args.fusion)
    except (FileNotFoundError, KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(markdown(report))
    return 0
