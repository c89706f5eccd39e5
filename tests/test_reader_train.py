"""The reader's training harness (eval/reader_train.py): pairwise fitting learns what
separates right candidates from the others, and cross-validation never scores a question
with a model fitted on its own document."""
import numpy as np

from eval import reader_train
from search.answer.candidates import Candidate
from search.answer.reader import Reader


def make_records(n_docs=6, per_doc=5, seed=3):
    rng = np.random.default_rng(seed)
    records = []
    for d in range(n_docs):
        for q in range(per_doc):
            hit = {"text": "x" * 50, "doc_id": f"d{d}", "passage_id": f"d{d}#p1"}
            cands = []
            right = int(rng.integers(0, 4))
            for i in range(4):
                c = Candidate("figure", hit, 1, (0, 50), (0, 50), i, i + 1)
                # "predicate_near" tells the right one; "noise" does not
                c.features = {"predicate_near": float(i == right), "noise": float(rng.random())}
                c.label = float(i == right)
                cands.append(c)
            records.append({"set": "corpus", "group": f"corpus:d{d}", "found": {"figure": cands},
                            "answer_type": "number",
                            "item": {"id": f"q{d}-{q}", "answerable": True, "variant": "vi",
                                     "answer_type": "number", "answer": "1", "value": None}})
    return records


def test_pairwise_fit_learns_the_separating_feature():
    spec = reader_train.fit_family(make_records(), "figure")
    weights = dict(zip(spec["features"], spec["coef"]))
    assert weights["predicate_near"] > 1.0 and abs(weights["noise"]) < weights["predicate_near"] / 4
    reader = Reader({"models": {"figure": spec}})
    cands = make_records(1, 1, seed=9)[0]["found"]["figure"]
    reader.score("figure", cands)
    assert max(cands, key=lambda c: c.score).label == 1.0
    assert abs(sum(c.score for c in cands) - 1.0) < 1e-9  # a softmax over the question's candidates


def test_cross_validation_is_grouped_by_document(monkeypatch):
    records = make_records()
    seen = []
    real_fit = reader_train.fit

    def fit_and_remember(train, inner_folds=3):
        seen.append({r["group"] for r in train})
        return real_fit(train, inner_folds)

    monkeypatch.setattr(reader_train, "fit", fit_and_remember)
    outcomes = reader_train.cross_validate(records, folds=3, inner_folds=0)
    assert len(outcomes) == len(records) and all(o is not None for o in outcomes)
    # each outer fold's model saw none of the documents it scored
    outer = seen[:3] if len(seen) == 3 else [s for s in seen if len(s) == 4]
    for groups in outer:
        scored = {r["group"] for r in records} - groups
        assert scored and not (scored & groups)
    assert sum(o["right"] for o in outcomes) == len(records)
