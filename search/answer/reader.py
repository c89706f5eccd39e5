"""The reader: which candidate answers, and whether any does.

A linear ranking model per candidate family (figure, entity, span) over the features of
features.py, learned from pairs of candidates of one question (pairwise logistic
regression); a candidate's score is its share of the question's candidates under a
softmax of those linear scores — how clearly it beats the others. Its weights are learned from the labelled questions by
`python -m eval.reader_train` (scikit-learn, evaluated with cross-validation grouped by
document) and live in one file, reader_weights.json beside this one: nothing here is
tuned by hand. The answer is the best-scoring candidate; below the family's learned
threshold the answerer abstains, since a wrong figure is worse than none.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("reader_weights.json")


class LinearModel:
    """Standardise, dot, sigmoid: what sklearn's StandardScaler + LogisticRegression compute."""

    def __init__(self, spec: dict):
        self.features: list[str] = spec["features"]
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.intercept = float(spec["intercept"])
        self.threshold = float(spec.get("threshold", 0.5))

    def matrix(self, rows: list[dict]) -> np.ndarray:
        return np.asarray([[row.get(name, 0.0) for name in self.features] for row in rows], dtype=np.float64)

    def scores(self, rows: list[dict]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        z = (self.matrix(rows) - self.mean) / self.scale
        return z @ self.coef + self.intercept

    def probabilities(self, rows: list[dict]) -> np.ndarray:
        """Softmax over one question's candidates."""
        s = self.scores(rows)
        if not len(s):
            return s
        e = np.exp(s - s.max())
        return e / e.sum()

    def contributions(self, row: dict) -> dict[str, float]:
        """Each feature's share of the logit, for the response's `scores` (why this one)."""
        z = (self.matrix([row])[0] - self.mean) / self.scale
        parts = z * self.coef
        order = np.argsort(-np.abs(parts))[:6]
        return {self.features[i]: round(float(parts[i]), 3) for i in order if abs(parts[i]) > 1e-6}


class Reader:
    def __init__(self, weights: dict | None = None, path: Path = WEIGHTS_PATH):
        if weights is None:
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: train the reader with `python -m eval.reader_train`")
            weights = json.loads(path.read_text(encoding="utf-8"))
        self.weights = weights
        self.models = {family: LinearModel(spec) for family, spec in weights["models"].items()}

    def score(self, family: str, candidates: list) -> None:
        model = self.models[family]
        for c, p in zip(candidates, model.probabilities([c.features for c in candidates])):
            c.score = float(p)

    def threshold(self, family: str) -> float:
        return self.models[family].threshold

    def explain(self, family: str, candidate) -> dict[str, float]:
        return self.models[family].contributions(candidate.features)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
