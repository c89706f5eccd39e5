"""The reader: which candidate answers, and whether any does.

One ranker per candidate family (figure, entity, span) over the features of features.py:
gradient-boosted decision trees fitted with a ranking objective (LightGBM's lambdarank,
by `python -m eval.reader_train` on the labelled questions, evaluated there with
cross-validation grouped by document): the trees order the candidates of one question, so
what they learn is which of a sentence's figures is the one asked, not how likely figures
are in general. A candidate's score is its margin over the best candidate saying something
else (decision_scores). Whether the first choice is given: for figures, a logistic verifier
(Verifier) estimates the probability that it is right from its margin, its score, the rule
answerer's agreement and a few of its features, and the answerer abstains below a learned
threshold, since a wrong figure is worse than none; for names and spans, the margin against
the family's learned threshold. The confidence shown is that probability (figures) or the
margin through a logistic calibration (names, spans), both fitted on out-of-fold outcomes.

The trees and the verifier live in one file, reader_weights.json beside this one (feature
names, per tree its split features, thresholds, children and leaf values; the verifier's
coefficients), and are evaluated here with numpy: serving needs neither LightGBM nor
scikit-learn, and nothing here is tuned by hand.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

WEIGHTS_PATH = Path(__file__).with_name("reader_weights.json")


class TreeEnsemble:
    """Sum of regression trees plus a baseline: the ranker's raw score (what LightGBM's
    predict computes)."""

    def __init__(self, spec: dict):
        self.features: list[str] = spec["features"]
        self.baseline = float(spec["baseline"])
        self.threshold = float(spec.get("threshold", 0.5))
        if spec.get("kind") != "ranker":
            raise ValueError(f"reader weights of kind {spec.get('kind')!r}: refit them with `make reader`")
        # P(right) = sigmoid(a · margin + b), fitted on out-of-fold outcomes (reader_train.calibrate)
        self.calibration = tuple(spec.get("calibration") or (1.0, 0.0))
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


def trees_from_lightgbm(dump: dict, features: list[str], threshold: float) -> dict:
    """A LightGBM model (Booster.dump_model(), nested nodes) as the flat JSON spec
    TreeEnsemble reads. Leaf values already carry the learning rate; inner nodes keep
    LightGBM's internal value, for `contributions`. Missing values never occur (a feature a
    candidate lacks is 0.0), so only "<=" splits on numbers are expected."""
    trees = []
    for info in dump["tree_info"]:
        tree = {"feature": [], "threshold": [], "left": [], "right": [], "value": [], "leaf": []}

        def add(node: dict) -> int:
            at = len(tree["leaf"])
            for key in tree:
                tree[key].append(0)
            if "leaf_value" in node:
                tree["value"][at], tree["leaf"][at] = float(node["leaf_value"]), True
                tree["threshold"][at] = 0.0
                return at
            if node.get("decision_type", "<=") != "<=":
                raise ValueError(f"unsupported split {node.get('decision_type')!r} in the reader's trees")
            tree["feature"][at] = int(node["split_feature"])
            tree["threshold"][at] = float(node["threshold"])
            tree["value"][at] = float(node.get("internal_value", 0.0))
            tree["leaf"][at] = False
            tree["left"][at] = add(node["left_child"])
            tree["right"][at] = add(node["right_child"])
            return at

        add(info["tree_structure"])
        trees.append(tree)
    return {"kind": "ranker", "features": features, "baseline": 0.0, "trees": trees, "threshold": threshold}


def decision_scores(scores: np.ndarray, texts: list[str]) -> np.ndarray:
    """Each candidate's ranker score minus the best score of a candidate saying something else
    (the same figure quoted twice is no rival; a lone answer is measured against 0): what the
    threshold is set on. Measured on grouped out-of-fold scores, such a margin keeps wrong
    answers rare with more right answers than the score alone (a sentence with two likely
    figures is a reason to abstain). The question's best candidate is the same either way."""
    p = np.asarray(scores, dtype=np.float64)
    if len(p) == 0:
        return p
    best_of: dict[str, float] = {}
    for text, value in zip(texts, p):
        best_of[text] = max(value, best_of.get(text, -math.inf))
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
        self.verifiers = {family: Verifier(spec["verifier"]) for family, spec in weights["models"].items()
                          if spec.get("verifier")}

    def score(self, family: str, candidates: list) -> None:
        model = self.models[family]
        raw = model.raw(model.matrix([c.features for c in candidates]))
        set_scores(candidates, raw, model.calibration)

    def threshold(self, family: str) -> float:
        return self.models[family].threshold

    def verifier(self, family: str) -> "Verifier | None":
        return self.verifiers.get(family)

    def explain(self, family: str, candidate) -> dict[str, float]:
        return self.models[family].contributions(candidate.features)


def set_scores(candidates: list, raw: np.ndarray, calibration: tuple[float, float]) -> None:
    """Each candidate's ranker score (`raw`), its margin over the best candidate saying
    something else (`score`, decision_scores) and that margin calibrated (`probability`)."""
    margins = decision_scores(raw, [c.text for c in candidates])
    for c, r, margin in zip(candidates, raw, margins):
        c.raw, c.score, c.probability = float(r), float(margin), calibrated(calibration, float(margin))


class Verifier:
    """P(the reader's first choice is right), a logistic model over what is known once the
    first choice is made (learned.verification_features: its margin and ranker score, a few
    of its own features, the span reader's opinion of it among them, how many answers
    compete), fitted by eval/reader_train.py on out-of-fold outcomes; the answerer answers at
    or above `threshold`, chosen there for at most 2% wrong answers. On the same out-of-fold
    first choices it gave more right answers than a cut on the margin, at the same share of
    wrong ones (fit_verifier in eval/reader_train.py)."""

    def __init__(self, spec: dict):
        self.features: list[str] = spec["features"]
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.intercept = float(spec["intercept"])
        self.threshold = float(spec["threshold"])

    def probability(self, x: dict[str, float]) -> float:
        row = np.asarray([float(x.get(name, 0.0)) for name in self.features])
        return sigmoid(float(np.dot(self.coef, (row - self.mean) / self.scale)) + self.intercept)


def calibrated(calibration: tuple[float, float], margin: float) -> float:
    """How often an answer with this margin was right, out of fold (a logistic fit)."""
    a, b = calibration
    return sigmoid(a * margin + b)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))
