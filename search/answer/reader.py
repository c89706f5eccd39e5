"""The reader: which candidate answers, and whether any does.

One model per candidate family (figure, entity, span) over the features of features.py:
gradient-boosted decision trees (scikit-learn's HistGradientBoostingClassifier, fitted by
`python -m eval.reader_train` on the labelled questions and evaluated there with
cross-validation grouped by document). A candidate's score is the model's probability
that it is the right answer; the answer is the question's most probable candidate, and
when its margin over the most probable other answer (decision_scores) is below the
family's learned threshold the answerer abstains, since a wrong figure is worse than none.

The trees live in one file, reader_weights.json beside this one (feature names, per tree
its split features, thresholds, children and leaf values), and are evaluated here with
numpy: serving needs neither scikit-learn nor a pickle, and nothing here is tuned by hand.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("reader_weights.json")


class TreeEnsemble:
    """Sum of regression trees plus a baseline, through a sigmoid: what
    HistGradientBoostingClassifier.predict_proba computes for the positive class."""

    def __init__(self, spec: dict):
        self.features: list[str] = spec["features"]
        self.baseline = float(spec["baseline"])
        self.threshold = float(spec.get("threshold", 0.5))
        self.trees = [{key: np.asarray(tree[key]) for key in ("feature", "threshold", "left", "right", "value",
                                                             "leaf")} for tree in spec["trees"]]

    def matrix(self, rows: list[dict]) -> np.ndarray:
        return np.asarray([[row.get(name, 0.0) for name in self.features] for row in rows],
                          dtype=np.float64).reshape(len(rows), len(self.features))

    def raw(self, X: np.ndarray) -> np.ndarray:
        out = np.full(len(X), self.baseline)
        rows = np.arange(len(X))
        for tree in self.trees:
            node = np.zeros(len(X), dtype=np.int64)
            while True:
                inner = ~tree["leaf"][node]
                if not inner.any():
                    break
                at = node[inner]
                go_left = X[rows[inner], tree["feature"][at]] <= tree["threshold"][at]
                node[inner] = np.where(go_left, tree["left"][at], tree["right"][at])
            out += tree["value"][node]
        return out

    def probabilities(self, rows: list[dict]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        return 1.0 / (1.0 + np.exp(-self.raw(self.matrix(rows))))

    def contributions(self, row: dict, top: int = 6) -> dict[str, float]:
        """The features the candidate's path splits on, with the change of the raw score at
        each split summed per feature (the response's `scores`: why this one)."""
        x = self.matrix([row])[0]
        parts: dict[str, float] = {}
        for tree in self.trees:
            node = 0
            while not tree["leaf"][node]:
                nxt = tree["left"][node] if x[tree["feature"][node]] <= tree["threshold"][node] else tree["right"][node]
                name = self.features[int(tree["feature"][node])]
                parts[name] = parts.get(name, 0.0) + float(tree["value"][nxt] - tree["value"][node])
                node = int(nxt)
        order = sorted(parts, key=lambda k: -abs(parts[k]))[:top]
        return {k: round(parts[k], 3) for k in order if abs(parts[k]) > 1e-6}


def export_trees(model, features: list[str], threshold: float) -> dict:
    """A fitted HistGradientBoostingClassifier (binary) as the JSON spec TreeEnsemble reads.
    Inner nodes keep the mean value of their leaves' samples, for `contributions`."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append({"feature": nodes["feature_idx"].astype(int).tolist(),
                      "threshold": [float(t) for t in nodes["num_threshold"]],
                      "left": nodes["left"].astype(int).tolist(), "right": nodes["right"].astype(int).tolist(),
                      "value": [round(float(v), 6) for v in nodes["value"]],
                      "leaf": nodes["is_leaf"].astype(bool).tolist()})
    baseline = float(np.ravel(model._baseline_prediction)[0])
    return {"kind": "trees", "features": features, "baseline": baseline, "trees": trees, "threshold": threshold}


def decision_scores(probabilities: np.ndarray, texts: list[str]) -> np.ndarray:
    """Each candidate's probability minus the best probability of a candidate saying something
    else (the same figure quoted twice is no rival): what the threshold is set on. Measured on
    grouped out-of-fold scores, this margin keeps wrong answers rare with more right answers than
    the probability alone (a sentence with two likely figures is a reason to abstain). The
    question's best candidate is the same either way."""
    p = np.asarray(probabilities, dtype=np.float64)
    if len(p) == 0:
        return p
    best_of: dict[str, float] = {}
    for text, value in zip(texts, p):
        best_of[text] = max(value, best_of.get(text, -1.0))
    ranked = sorted(best_of.items(), key=lambda kv: -kv[1])
    first_text, first = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return np.asarray([value - (second if text == first_text else first) for text, value in zip(texts, p)])


class Reader:
    def __init__(self, weights: dict | None = None, path: Path = WEIGHTS_PATH):
        if weights is None:
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: train the reader with `python -m eval.reader_train`")
            weights = json.loads(path.read_text(encoding="utf-8"))
        self.weights = weights
        self.models = {family: TreeEnsemble(spec) for family, spec in weights["models"].items()}

    def score(self, family: str, candidates: list) -> None:
        model = self.models[family]
        probabilities = model.probabilities([c.features for c in candidates])
        for c, p, score in zip(candidates, probabilities, decision_scores(probabilities, [c.text for c in candidates])):
            c.probability, c.score = float(p), float(score)

    def threshold(self, family: str) -> float:
        return self.models[family].threshold

    def explain(self, family: str, candidate) -> dict[str, float]:
        return self.models[family].contributions(candidate.features)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
