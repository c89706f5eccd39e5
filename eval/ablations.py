"""Ablations over the real indexes of each dataset (results in eval/results/ablations.*).

    python -m eval.ablations [--datasets corpus,../shared/datasets/vlsp2023-legal-retrieval]

1. BM25 analyser streams: pyvi words vs syllables vs both; accent-folded stream on/off;
   folded bigrams on/off; glossary on/off. BM25 indexes are built in memory from the
   indexed passages (no re-embedding); each stream is analysed once and combined.
2. Fusion: RRF k ∈ {10, 30, 60, 100} × weights vs min-max normalised-score fusion,
   over the same cached BM25 / dense lists (query vectors encoded once).
3. Passage length 500 / 1000 / 1500 characters (our corpus only: it re-embeds; the cost
   on VLSP is recorded as not run).
Every row is evaluated with the same relevance rules as eval/retrieval.py.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path

from eval.datasets import ensure_index, load_dataset
from eval.metrics import DEFAULT_METRICS
from eval.retrieval import METRIC_LABELS, RETRIEVE_K, evaluate, machine_info, versions

DEPTH = 300  # what SearchEngine.rank looks at for k=100 (max(depth, 3k)): the runner's setting
STREAMS = ("words", "syllables", "folded", "folded_bigrams")
BM25_SETTINGS = {  # name: (streams, glossary)
    "default: words+folded+bigrams+glossary": (("words", "folded", "folded_bigrams"), True),
    "syllables+folded+bigrams+glossary (no pyvi)": (("syllables", "folded", "folded_bigrams"), True),
    "words+syllables+folded+bigrams+glossary": (("words", "syllables", "folded", "folded_bigrams"), True),
    "words+bigrams+glossary (folded off)": (("words", "folded_bigrams"), True),
    "words+folded+glossary (bigrams off)": (("words", "folded"), True),
    "words+glossary (folded, bigrams off)": (("words",), True),
    "words+folded+bigrams (glossary off)": (("words", "folded", "folded_bigrams"), False),
    "syllables+glossary only": (("syllables",), True),
    "words only": (("words",), False),
}
RRF_KS = (10, 30, 60, 100)
WEIGHTS = ((1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (1.0, 3.0), (3.0, 1.0))
SCORE_WEIGHTS = ((1.0, 1.0), (1.0, 2.0), (2.0, 1.0))
CHUNK_SIZES = (500, 1000, 1500)


def index_text(passage: dict) -> str:
    from indexer.chunker import Passage

    names = {f.name for f in dataclasses.fields(Passage)}
    return Passage(**{k: v for k, v in passage.items() if k in names}).index_text()


class StreamCache:
    """Per-stream term lists for passages and queries, each stream analysed once."""

    def __init__(self, texts: list[str], log):
        from indexer.analysis import Analyzer, AnalyzerConfig, expand_abbreviations

        self.analyzers = {(s, g): Analyzer(AnalyzerConfig(**{x: x == s for x in STREAMS}, glossary=g))
                          for s in STREAMS for g in (True, False)}
        self.expand = expand_abbreviations
        self.passages: dict[tuple[str, bool], list[list[str]]] = {}
        for (stream, glossary), analyzer in self.analyzers.items():
            started = time.perf_counter()
            if not glossary and ("words", True) in self.passages and stream == "words":
                # identical to the glossary run wherever the glossary expands nothing
                with_glossary = self.passages[("words", True)]
                self.passages[(stream, glossary)] = [
                    terms if self.expand(t) == t else analyzer.terms(t)
                    for t, terms in zip(texts, with_glossary)]
            else:
                self.passages[(stream, glossary)] = [analyzer.terms(t) for t in texts]
            log(f"  stream {stream} glossary={glossary}: {time.perf_counter() - started:.1f}s")

    def query(self, text: str, streams, glossary: bool) -> list[str]:
        return [t for s in streams for t in self.analyzers[(s, glossary)].terms(text)]

    def documents(self, streams, glossary: bool) -> list[list[str]]:
        lists = [self.passages[(s, glossary)] for s in streams]
        return [[t for lst in parts for t in lst] for parts in zip(*lists)]


def rows(ranking) -> list[str]:
    """The passage ids of a ranking, as many as the runner evaluates."""
    return [pid for pid, _ in ranking][:RETRIEVE_K]


def ablate_dataset(dataset_arg: str, encoder, log, index_dir: Path | None = None,
                   bm25_only: bool = False) -> dict:
    from indexer.store.bm25 import BM25Index
    from search.engine import SearchEngine
    from search.fusion import normalized_score_fusion, reciprocal_rank_fusion

    dataset = load_dataset(dataset_arg)
    index_dir = index_dir or ensure_index(dataset, encoder=encoder, log=log)
    engine = SearchEngine(str(index_dir), encoder=encoder)
    store = engine.store
    params = engine.view.manifest["settings"]["bm25"]
    passages = list(store.iter_passages())
    passage_ids = [p["passage_id"] for p in passages]
    out = {"dataset": dataset.name, "passages": len(passages), "queries": len(dataset.queries),
           "groups": {}}
    log(f"{dataset.name}: {len(passages)} passages, {len(dataset.queries)} queries")

    # the engine's query-side BM25 processing (English content words → Vietnamese terms)
    bm25_text = getattr(engine, "bm25_query", lambda text: text)

    # dense lists once
    dense_lists = {}
    for q in ([] if bm25_only else dataset.queries):
        vector = encoder.encode_queries([engine.dense_query(q.text)])[0]
        dense_lists[q.text] = store.dense(vector, DEPTH, exact=True)

    # 1. BM25 streams (BM25 alone, and fused with dense by the default RRF); the in-memory
    #    BM25 indexes here number passages in index order, mapped back to passage ids
    cache = StreamCache([index_text(p) for p in passages], log)
    rankers, bm25_lists = {}, {}
    for name, (streams, glossary) in BM25_SETTINGS.items():
        index = BM25Index.from_terms(cache.documents(streams, glossary), **params)
        lists = {q.text: [(passage_ids[row], score) for row, score in
                          index.search(cache.query(bm25_text(q.text), streams, glossary), DEPTH)]
                 for q in dataset.queries}
        bm25_lists[name] = lists
        rankers[f"bm25 | {name}"] = lambda text, l=lists: rows(l[text])
        if bm25_only:
            continue
        rankers[f"hybrid rrf60 | {name}"] = lambda text, l=lists: rows(reciprocal_rank_fusion(
            {"bm25": l[text], "dense": dense_lists[text]}, k=60.0))
    out["groups"]["bm25_streams"] = evaluate(engine, dataset, rankers=rankers)["results"]

    if bm25_only:
        out["groups"]["fusion"] = out["groups"]["passage_length"] = None
        out["passage_length_note"] = out["fusion_note"] = "not run (BM25-only run: no embeddings yet)"
        return out
    # 2. fusion over the default BM25 and dense lists
    default_bm25 = bm25_lists[next(iter(BM25_SETTINGS))]
    rankers = {"bm25 alone": lambda text: rows(default_bm25[text]),
               "dense alone": lambda text: rows(dense_lists[text])}
    for k in RRF_KS:
        for wb, wd in WEIGHTS:
            rankers[f"rrf k={k} w={wb:g}:{wd:g}"] = lambda text, k=k, w={"bm25": wb, "dense": wd}: rows(
                reciprocal_rank_fusion({"bm25": default_bm25[text], "dense": dense_lists[text]}, k=k, weights=w))
    for wb, wd in SCORE_WEIGHTS:
        rankers[f"minmax score w={wb:g}:{wd:g}"] = lambda text, w={"bm25": wb, "dense": wd}: rows(
            normalized_score_fusion({"bm25": default_bm25[text], "dense": dense_lists[text]}, w))
    out["groups"]["fusion"] = evaluate(engine, dataset, rankers=rankers)["results"]

    # 3. passage length (re-embeds: our corpus only)
    if dataset.kind == "spans":
        results = {}
        for size in CHUNK_SIZES:
            idx = ensure_index(dataset, encoder=encoder, max_chars=size, log=log)
            eng = SearchEngine(str(idx), encoder=encoder)
            res = evaluate(eng, dataset)["results"]
            for mode, r in res.items():
                results[f"max_chars={size} ({eng.store.count()[1]} passages) | {mode}"] = r
        out["groups"]["passage_length"] = results
    else:
        out["groups"]["passage_length"] = None
        out["passage_length_note"] = ("not run: re-chunking re-embeds the whole corpus "
                                      f"({len(passages)} passages at ~16 passages/s per setting)")
    return out


def markdown(report: dict) -> str:
    cols = ("ndcg@10", "recall@1", "recall@10", "mrr@10")
    lines = [f"## Ablations — {report['date']} · {report['machine']['cpu']} ({report['machine']['cores']} cores)",
             "", "Metric columns: " + ", ".join(METRIC_LABELS[c] for c in cols) +
             f". Fusion/stream rows fuse the top {DEPTH} of each retriever, as the runner does.", ""]
    for ds in report["datasets"]:
        lines.append(f"### {ds['dataset']} ({ds['passages']} passages, {ds['queries']} queries)")
        for group, results in ds["groups"].items():
            lines += ["", f"**{group.replace('_', ' ')}**", ""]
            if results is None:
                lines.append(ds.get(f"{group}_note", "not run"))
                continue
            lines += ["| setting | " + " | ".join(METRIC_LABELS[c] for c in cols) + " |",
                      "|---|" + "---|" * len(cols)]
            best = max(r["all"]["ndcg@10"] for r in results.values())
            for name, r in results.items():
                a = r["all"]
                mark = " ★" if a["ndcg@10"] == best else ""
                lines.append(f"| {name.replace(' | ', ' · ')}{mark} | " + " | ".join(f"{a[c]:.3f}" for c in cols) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.ablations")
    parser.add_argument("--datasets", default="corpus,../shared/datasets/vlsp2023-legal-retrieval")
    parser.add_argument("--out", type=Path, default=Path("eval/results"))
    parser.add_argument("--index-dir", type=Path, default=None, help="use this index (one dataset only)")
    parser.add_argument("--bm25-only", action="store_true", help="analyser-stream ablations only (no model)")
    parser.add_argument("--merge", nargs="+", type=Path, default=None,
                        help="combine ablations.json files of separate runs into OUT (no computation)")
    args = parser.parse_args(argv)
    if args.merge:
        parts = [json.loads(Path(f).read_text(encoding="utf-8")) for f in args.merge]
        report = parts[0] | {"datasets": [d for part in parts for d in part["datasets"]],
                             "runs": [{"date": part["date"], "datasets": [d["dataset"] for d in part["datasets"]]}
                                      for part in parts]}
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "ablations.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                                 encoding="utf-8")
        (args.out / "ablations.md").write_text(markdown(report), encoding="utf-8")
        print(markdown(report))
        return 0
    from indexer.embedding import Encoder

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    encoder = None if args.bm25_only else Encoder()
    report = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
              "machine": machine_info(), "versions": versions(), "depth": DEPTH,
              "metrics": list(DEFAULT_METRICS), "datasets": []}
    for arg in [a for a in args.datasets.split(",") if a]:
        path = Path(arg)
        if arg != "corpus" and not path.exists():
            log(f"skipping {arg}: not found")
            continue
        report["datasets"].append(ablate_dataset(arg, encoder, log, args.index_dir, args.bm25_only))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablations.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (args.out / "ablations.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
