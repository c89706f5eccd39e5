"""Ranking metrics over one query: a ranked list of item ids and the relevant ones.

`ranking`: item ids, best first, without duplicates (callers dedupe: passages → gold
units or documents). `qrels`: {item id: grade}; grade > 0 is relevant. Binary metrics
use grade > 0; nDCG uses the grades (gain = grade, so binary labels give binary nDCG).

- Recall@k   = |relevant ∩ top k| / |relevant|
- MRR@k      = 1 / rank of the first relevant item within the top k, else 0
- nDCG@k     = DCG@k / IDCG@k, DCG@k = Σ_{i=1..k} gain_i / log2(i + 1); IDCG is the DCG of
               the relevant items sorted by grade (at most k of them). Linear gain
               (trec_eval / BEIR's pytrec_eval convention), not 2^grade - 1.
A query with no relevant items scores 0 on every metric (callers should not include
such queries; the runners only evaluate labelled queries).
"""
from __future__ import annotations

import math
from statistics import mean

DEFAULT_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def recall_at_k(ranking: list, qrels: dict, k: int) -> float:
    relevant = {item for item, grade in qrels.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: list, qrels: dict, k: int) -> float:
    for rank, item in enumerate(ranking[:k], start=1):
        if qrels.get(item, 0) > 0:
            return 1.0 / rank
    return 0.0


def dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 1) for i, g in enumerate(gains, start=1))


def ndcg_at_k(ranking: list, qrels: dict, k: int, graded: bool = True) -> float:
    def gain(grade):
        return (float(grade) if graded else 1.0) if grade > 0 else 0.0

    ideal = sorted((gain(g) for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = dcg(ideal)
    if idcg == 0:
        return 0.0
    return dcg([gain(qrels.get(item, 0)) for item in ranking[:k]]) / idcg


def compute(ranking: list, qrels: dict, metrics=DEFAULT_METRICS) -> dict[str, float]:
    out = {}
    for name in metrics:
        kind, k = name.split("@")
        k = int(k)
        if kind == "recall":
            out[name] = recall_at_k(ranking, qrels, k)
        elif kind == "mrr":
            out[name] = mrr_at_k(ranking, qrels, k)
        elif kind == "ndcg":
            out[name] = ndcg_at_k(ranking, qrels, k)
        else:
            raise ValueError(f"unknown metric {name!r}")
    return out


def average(per_query: list[dict[str, float]]) -> dict[str, float]:
    if not per_query:
        return {}
    return {name: mean(q[name] for q in per_query) for name in per_query[0]}


def dedupe(items) -> list:
    """Items in first-seen order, duplicates dropped (rank documents by their best passage)."""
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
