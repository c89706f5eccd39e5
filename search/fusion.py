"""Fusing ranked lists from several retrievers into one ranking."""
from __future__ import annotations

Ranking = list[tuple[str, float]]  # (passage_id, retriever score), best first
# ties keep the order in which the retrievers listed the passages (sorted() is stable)


def reciprocal_rank_fusion(rankings: dict[str, Ranking], k: float = 60.0,
                           weights: dict[str, float] | None = None) -> Ranking:
    """RRF (Cormack et al., 2009): score(d) = Σ_r w_r / (k + rank_r(d)), rank 1-based.
    Uses ranks only, so BM25's unbounded scores and cosine similarities need no calibration."""
    weights = weights or {}
    fused: dict[str, float] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, (row, _score) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def normalized_score_fusion(rankings: dict[str, Ranking],
                            weights: dict[str, float] | None = None) -> Ranking:
    """Convex combination of min-max normalised scores (the alternative RRF is compared
    with in the ablations); a passage missing from a list gets 0 from that retriever."""
    weights = weights or {}
    fused: dict[str, float] = {}
    for name, ranking in rankings.items():
        if not ranking:
            continue
        scores = [s for _, s in ranking]
        low, high = min(scores), max(scores)
        span = (high - low) or 1.0
        weight = weights.get(name, 1.0)
        for row, score in ranking:
            fused[row] = fused.get(row, 0.0) + weight * (score - low) / span
    return sorted(fused.items(), key=lambda item: -item[1])
