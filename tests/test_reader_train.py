"""The reader's training harness (eval/reader_train.py): the trees learn what separates
right candidates from the others, the exported trees compute what LightGBM does, and
cross-validation never scores a question with a model fitted on its own document."""
import numpy as np

from eval import reader_train
from search.answer.candidates import Candidate
from search.answer.reader import Reader, Verifier


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
                            "item": {"id": f"q{d}-{q}", "question": "bao nhiêu?", "answerable": True, "variant": "vi",
                                     "answer_type": "number", "answer": "1", "value": None}})
    return records


def test_trees_learn_the_separating_feature():
    spec = reader_train.fit_family(make_records(), "figure")
    reader = Reader({"models": {"figure": spec}})
    for seed in (9, 10, 11):
        cands = make_records(1, 1, seed=seed)[0]["found"]["figure"]
        reader.score("figure", cands)
        assert max(cands, key=lambda c: c.score).label == 1.0
    assert set(reader.explain("figure", cands[0])) <= {"predicate_near", "noise"}


def test_exported_trees_compute_what_lightgbm_computes():
    # serving evaluates the trees from reader_weights.json with numpy: it must agree with the
    # fitted model, or the cross-validated numbers would not be the served reader's
    import lightgbm

    from search.answer.reader import TreeEnsemble, trees_from_lightgbm

    rng = np.random.default_rng(5)
    X = rng.random((400, 3))
    y = ((X[:, 0] + 0.3 * X[:, 1] + 0.2 * rng.random(400)) > 0.8).astype(int)
    model = lightgbm.LGBMRanker(**reader_train.RANKER).fit(X, y, group=[8] * 50)
    ensemble = TreeEnsemble(trees_from_lightgbm(model.booster_.dump_model(), ["a", "b", "c"], 0.0))
    assert len(ensemble.trees) > 10
    assert np.allclose(ensemble.raw(X), model.predict(X), atol=1e-9)


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


def test_thresholds_keep_wrong_answers_within_the_budget(monkeypatch):
    # 100 name questions, margins 0..99: the right first choices are the high ones except two
    # wrong ones at the top; the cut goes down to the third wrong one (2% of 100 allowed)
    monkeypatch.setattr(reader_train, "WRONG_SHARE", 0.02)
    outcomes = [{"family": "entity", "set": "corpus", "score": float(i), "right": i >= 60 and i not in (98, 97)}
                for i in range(100)]
    cut = reader_train.choose_thresholds(outcomes)["entity"]
    answered = [o for o in outcomes if o["score"] >= cut]
    assert cut == 60.0 and sum(not o["right"] for o in answered) == 2 and len(answered) == 40


def test_the_verifier_learns_what_the_margin_alone_misses(monkeypatch):
    # 300 figure questions over 12 documents: when a second sign ("agrees") is set the
    # first choice is almost always right whatever its margin; otherwise only a high margin is
    monkeypatch.setattr(reader_train, "WRONG_SHARE", 0.02)
    rng = np.random.default_rng(0)
    outcomes = []
    for i in range(300):
        margin, agrees = float(rng.random() * 10), bool(rng.random() < 0.5)
        right = bool(rng.random() < (0.99 if agrees else 0.95 if margin > 9 else 0.3))
        outcomes.append({"family": "figure", "set": "corpus", "group": f"corpus:d{i % 12}", "score": margin,
                         "right": right, "verify": {"margin": margin, "agrees": float(agrees),
                                                    "noise": float(rng.random())}})
    spec = reader_train.fit_verifier(outcomes, "figure")
    verifier = Verifier(spec)
    assert spec["features"] == ["agrees", "margin", "noise"] and 0.5 < verifier.threshold < 1.0
    answered = [o for o in outcomes if verifier.probability(o["verify"]) >= verifier.threshold]
    by_margin = [o for o in outcomes if o["score"] >= reader_train.choose_thresholds(outcomes)["figure"]]
    right = sum(o["right"] for o in answered)
    assert right > 2 * sum(o["right"] for o in by_margin)
    assert sum(not o["right"] for o in answered) <= 0.03 * len(outcomes)
    # the agreement carries the weight, the noise next to nothing
    weights = dict(zip(spec["features"], spec["coef"]))
    assert weights["agrees"] > 5 * abs(weights["noise"])
