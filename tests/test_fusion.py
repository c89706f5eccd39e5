import pytest

from search.fusion import normalized_score_fusion, reciprocal_rank_fusion


def test_rrf_hand_computed():
    fused = dict(reciprocal_rank_fusion({"bm25": [(1, 9.0), (2, 5.0)], "dense": [(2, 0.9), (3, 0.8)]}, k=60))
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[3] == pytest.approx(1 / 62)
    order = [row for row, _ in reciprocal_rank_fusion({"bm25": [(1, 9.0), (2, 5.0)],
                                                       "dense": [(2, 0.9), (3, 0.8)]}, k=60)]
    assert order == [2, 1, 3]


def test_rrf_weights_and_k():
    rankings = {"bm25": [(1, 3.0)], "dense": [(2, 0.5)]}
    fused = dict(reciprocal_rank_fusion(rankings, k=10, weights={"bm25": 2.0, "dense": 1.0}))
    assert fused == {1: pytest.approx(2 / 11), 2: pytest.approx(1 / 11)}
    # equal contributions tie; ties keep the order the retrievers listed them (stable)
    assert [r for r, _ in reciprocal_rank_fusion(rankings, k=10)] == [1, 2]


def test_normalized_score_fusion():
    fused = dict(normalized_score_fusion({"bm25": [(1, 10.0), (2, 0.0)], "dense": [(2, 0.9), (1, 0.7)]}))
    assert fused[1] == pytest.approx(1.0 + 0.0)
    assert fused[2] == pytest.approx(0.0 + 1.0)
