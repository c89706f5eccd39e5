"""eval/metrics.py on toy rankings; every expected value is worked out by hand in the comment."""
import math

import pytest

from eval.metrics import (average, compute, dcg, dedupe, mrr_at_k, ndcg_at_k, recall_at_k)

RANKING = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]


def test_recall_binary():
    qrels = {"b": 1, "e": 1, "z": 1}  # z is never retrieved
    assert recall_at_k(RANKING, qrels, 1) == 0.0          # top1 = {a}
    assert recall_at_k(RANKING, qrels, 5) == pytest.approx(2 / 3)  # b, e of {b, e, z}
    assert recall_at_k(RANKING, qrels, 10) == pytest.approx(2 / 3)
    assert recall_at_k(["b"], {"b": 1}, 1) == 1.0


def test_recall_ignores_zero_grades_and_empty_qrels():
    assert recall_at_k(RANKING, {"a": 0, "b": 1}, 1) == 0.0  # a has grade 0: not relevant
    assert recall_at_k(RANKING, {"a": 0, "b": 1}, 2) == 1.0
    assert recall_at_k(RANKING, {}, 10) == 0.0


def test_mrr():
    assert mrr_at_k(RANKING, {"c": 1, "f": 1}, 10) == pytest.approx(1 / 3)  # first hit at rank 3
    assert mrr_at_k(RANKING, {"a": 1}, 10) == 1.0
    assert mrr_at_k(RANKING, {"k": 1}, 10) == 0.0  # rank 11 is beyond the cut-off
    assert mrr_at_k(RANKING, {"k": 1}, 11) == pytest.approx(1 / 11)
    assert mrr_at_k([], {"a": 1}, 10) == 0.0


def test_ndcg_binary_by_hand():
    # relevant b (rank 2) and d (rank 4): DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161
    # ideal: ranks 1, 2: IDCG = 1/log2(2) + 1/log2(3) = 1 + 0.63093 = 1.63093 → nDCG = 0.65092
    value = ndcg_at_k(RANKING, {"b": 1, "d": 1}, 10)
    assert value == pytest.approx(0.650921, abs=1e-6)
    assert value == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k(["b", "d"], {"b": 1, "d": 1}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(RANKING, {"z": 1}, 10) == 0.0
    assert ndcg_at_k(RANKING, {}, 10) == 0.0


def test_ndcg_graded_by_hand():
    qrels = {"a": 1, "c": 2, "z": 3}
    # DCG: a (gain 1) at rank 1 → 1; c (gain 2) at rank 3 → 2/log2(4) = 1 → DCG = 2
    # IDCG: gains 3, 2, 1 at ranks 1, 2, 3 → 3 + 2/log2(3) + 1/2 = 3 + 1.26186 + 0.5 = 4.76186
    assert ndcg_at_k(RANKING, qrels, 10) == pytest.approx(2 / 4.761860, abs=1e-6)
    # graded=False treats every positive grade as 1: DCG = 1 + 0.5; IDCG = 1 + 0.63093 + 0.5
    assert ndcg_at_k(RANKING, qrels, 10, graded=False) == pytest.approx(1.5 / 2.130930, abs=1e-6)
    # the ideal list is cut at k: k=1 → IDCG = 3, DCG = 1 (a)
    assert ndcg_at_k(RANKING, qrels, 1) == pytest.approx(1 / 3)


def test_dcg():
    assert dcg([]) == 0.0
    assert dcg([1, 1]) == pytest.approx(1 + 1 / math.log2(3))


def test_compute_and_average():
    q1 = compute(["x", "a", "y"], {"a": 1})
    # a at rank 2: R@1 0, R@5 1, R@10 1, MRR 1/2, nDCG (1/log2 3)/1 = 0.63093
    assert q1 == pytest.approx({"recall@1": 0.0, "recall@5": 1.0, "recall@10": 1.0,
                                "mrr@10": 0.5, "ndcg@10": 1 / math.log2(3)})
    q2 = compute(["a"], {"a": 1})
    assert q2 == {"recall@1": 1.0, "recall@5": 1.0, "recall@10": 1.0, "mrr@10": 1.0, "ndcg@10": 1.0}
    mean = average([q1, q2])
    assert mean["mrr@10"] == pytest.approx(0.75)
    assert mean["recall@1"] == pytest.approx(0.5)
    assert average([]) == {}
    with pytest.raises(ValueError):
        compute(["a"], {"a": 1}, metrics=("map@10",))


def test_dedupe_ranks_documents_by_best_passage():
    # passages of documents d1, d2, d1, d3 → documents d1, d2, d3
    assert dedupe(["d1", "d2", "d1", "d3", "d2"]) == ["d1", "d2", "d3"]
