"""Train the answer reader and measure it with cross-validation grouped by document.

    python -m eval.reader_train            # features → grouped CV report → search/answer/reader_weights.json

Labelled questions (eval/data/corpus_qa.jsonl over corpus/, eval/data/laws_qa.jsonl over
the laws of ../shared/datasets/vlc-laws-2 they cite, ../shared/datasets/viwiki-qa with its
gold contexts) go through the real answer stage up to its candidates and features
(`LearnedAnswerer.read`, search/answer/learned.py). A candidate is a positive when it is the
gold answer (the same value for figures and dates, the gold name for entities; for spans
a token F1 with the gold span of at least 0.5). One model per candidate family (figure,
entity, span): a LightGBM lambdarank ranker, exported as trees to
search/answer/reader_weights.json (served with numpy, search/answer/reader.py). Whether the
first choice is given: for figures a logistic verifier over its margin, its score and a few
of its features, the span reader's opinion among them (fit_verifier), for names and spans a threshold
on its margin over the best other answer (search/answer/reader.py decision_scores), with a
logistic calibration of that margin into the confidence shown; all chosen on out-of-fold
outcomes of the training part only (the cuts: the most right answers with at most
WRONG_SHARE of them wrong).

Cross-validation: GroupKFold over documents (a viwiki context, a law, a report), so no
question is scored by a model that saw its document; the per-question outcomes of those
folds are what eval/qa.py reports. The committed weights are fitted on everything.
"""
from __future__ import annotations

import argparse
import os
import hashlib
import json
import pickle
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "eval" / "data"
SHARED = Path(os.environ.get("TRACUU_SHARED", ROOT.parent / "shared")) / "datasets"
LAWS = SHARED / "vlc-laws-2"
VIWIKI = SHARED / "viwiki-qa"
WEIGHTS = ROOT / "search" / "answer" / "reader_weights.json"
FOLDS = 5
# the share of wrong answers the abstention threshold allows on the training folds: the target, ≤ 2% of
# the questions get a wrong figure (held-out documents may do worse: eval/qa.py reports what they do)
WRONG_SHARE = float(os.environ.get("TRACUU_WRONG_SHARE", 0.02))
SETS = ("corpus", "laws", "viwiki")


def _cache_dir() -> Path:
    from eval.datasets import CACHE_DIR

    return CACHE_DIR


# --- the labelled sets -----------------------------------------------------------------------
def load_items(name: str) -> list[dict]:
    if name == "viwiki":
        rows = [json.loads(line) for line in (VIWIKI / "questions.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
        return [{"id": r["_id"], "question": r["question"], "answerable": True, "answers": r["answers"],
                 "answer_type": "span", "variant": "vi", "context_id": r["context_id"]} for r in rows]
    path = DATA / f"{name}_qa.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def law_corpus(items: list[dict]) -> Path:
    """The laws the law questions cite, copied into one folder under eval/.cache (the whole of
    vlc-laws-2 would take hours to embed here)."""
    names = {i["gold"]["doc_id"] for i in items if i.get("gold")}
    # the laws a must-abstain question names ("Theo Luật Thủ đô 2012, …"): the tempting wrong answer
    import re

    from indexer.textnorm import search_key

    for path in LAWS.glob("*.txt"):
        title = re.split(r"-(?:19|20)\d{2}\b|-\d", path.stem)[0].replace("-", " ")
        words = search_key(title).split()
        for i in items:
            if not i.get("answerable") and len(words) >= 2 and \
                    re.search(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", search_key(i["question"])):
                names.add(path.name)
    names = sorted(names)
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
    folder = _cache_dir() / f"laws-corpus-{digest}"
    if not folder.exists():
        tmp = folder.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in names:
            shutil.copyfile(LAWS / name, tmp / name)
        tmp.rename(folder)
    return folder


class NoVectors:
    """The encoder slot of a lexical-only index: every passage gets the same unit vector, so
    dense search ranks nothing and retrieval is BM25's alone. For the law set: embedding the
    ~9,400 passages of the 60 laws it cites takes hours on this shared 2-core machine;
    TRACUU_EVAL_LAW_VECTORS=1 embeds them for real (hybrid retrieval) where time allows."""
    # recorded as the index's backend, so that whichever encoder TRACUU_ENCODER names, the
    # lexical index is neither refused nor re-embedded
    name = id = backend = "no-vectors"
    dim = 4

    def encode_passages(self, texts, batch_size=32, progress=False):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out

    def encode_queries(self, texts, batch_size=32):
        return self.encode_passages(texts)


def law_retrieval_mode() -> str:
    return "hybrid" if os.environ.get("TRACUU_EVAL_LAW_VECTORS") == "1" else "bm25"


def engine_for(name: str, items: list[dict], encoder=None, log=print):
    from eval.datasets import Dataset, ensure_index, load_corpus_set
    from search.engine import SearchEngine

    if name == "corpus":
        dataset = load_corpus_set()
    elif name == "laws":
        dataset = Dataset(name="laws", kind="spans", corpus_path=law_corpus(items), queries=[])
        if law_retrieval_mode() == "bm25":
            from indexer.build import build_index

            index_dir = _cache_dir() / f"index-laws-{dataset.checksum()[:12]}-lexical"
            log(build_index(dataset.corpus_path, index_dir, encoder=NoVectors(), log=log).summary())
            return SearchEngine(index_dir, encoder=NoVectors())
    else:
        dataset = Dataset(name="viwiki-qa", kind="beir", corpus_path=VIWIKI / "contexts.jsonl", queries=[])
    index_dir = ensure_index(dataset, encoder=encoder, log=log)
    return SearchEngine(index_dir, encoder=encoder)


# --- judging a candidate ---------------------------------------------------------------------
def candidate_label(item: dict, family: str, c) -> float:
    from eval.qa import normalize_answer, token_f1, value_matches

    if item.get("answers") is not None:  # viwiki: soft label, the span's F1
        return token_f1(c.text, item["answers"])
    if not item.get("answerable"):
        return 0.0
    if family == "figure":
        if not item.get("value"):
            return 0.0
        return float(value_matches(_value(c), item["value"]))
    if item.get("value"):  # a span that is the gold figure ("3.849 km²")
        from search.answer.learned import LearnedAnswerer as Answerer

        return float(value_matches(Answerer.answer_fields(c)["value"], item["value"]))
    gold, got = normalize_answer(item.get("answer") or ""), normalize_answer(c.text)
    return float(bool(gold and got and (gold in got or got in gold) and len(got) >= 0.5 * len(gold)))


def _value(c) -> dict:
    q = c.figure.quantity
    return {"kind": q.kind, "number": q.number, "unit": q.unit, "denominator": q.denominator,
            "date": q.date, "end_number": q.end_number}


# --- features, computed once per labelled set --------------------------------------------------
# part of the records' cache key beside the answer code and the items: bump it when what
# question_records computes changes in this file (2: the rule answerer's confidence is kept;
# passages retrieved are cached by the question's analysis, no longer by its text alone; 3: a
# question about a document itself has its metadata answer as the family "metadata")
RECORDS_VERSION = "5"  # 4: the span reader's spans as features and candidates; 5: no rule answerer


def span_reader_identity() -> str:
    """Which span reader export the features are read with (its export record: the adapter's
    and the source model's digests), '' when none is exported: part of the records' cache key,
    so a retrained reader (a new export in place) recomputes them."""
    from search.answer.span_reader import DEFAULT_MODEL_DIR
    from search.answer.span_reader_export import export_path

    record = export_path(DEFAULT_MODEL_DIR).parent / ".complete"
    return hashlib.sha256(record.read_bytes()).hexdigest()[:12] if record.exists() else ""


def question_records(name: str, encoder=None, refresh: bool = False, log=print) -> list[dict]:
    """Per question: the item, the response skeleton, its candidates (features + label), its group."""
    items = load_items(name)
    if not items:
        return []
    from search.answer.learned import LearnedAnswerer as Answerer
    from search.answer.reader import Reader

    sources = [ROOT / "search" / "answer" / f for f in ("learned.py", "candidates.py", "features.py", "question.py",
                                                      "span_reader.py")]
    sources += [ROOT / "indexer" / f for f in ("clauses.py", "numbers.py", "analysis.py", "gazetteer.py")]
    spans_id = span_reader_identity()
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sources) + RECORDS_VERSION.encode() + spans_id.encode()
                          + json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]
    cache = _cache_dir() / f"reader-features-{name}-{code}.pkl"
    if cache.exists() and not refresh:
        return _load(cache, [])
    engine = engine_for(name, items, encoder, log)
    from search.answer import served_span_reader

    answerer = Answerer(engine, reader=Reader({"models": {}}), encoder=encoder,
                        mode=law_retrieval_mode() if name == "laws" else "hybrid",
                        span_reader=served_span_reader() if spans_id else None)
    # the span reader's spans per (question, passage), kept across runs for one export
    spans_path = _cache_dir() / f"reader-spans-{spans_id}-{name}.pkl"
    answerer.span_cache.update(_load(spans_path, {}))
    # what costs encoder time is kept across runs: sentence vectors by text and the passages
    # retrieved per question (the index does not change between runs of one labelled set)
    # (per set: two sets read in two processes at once would overwrite each other's)
    vectors = _cache_dir() / f"reader-sentence-vectors-{name}.pkl"
    retrieved_path = _cache_dir() / f"reader-retrieved-{name}-{engine.health()['index_version']}.pkl"
    retrieved = _load(retrieved_path, {})
    answerer.similarity_cache.update(_load(vectors, {}) or _load(_cache_dir() / "reader-sentence-vectors.pkl", {}))
    search = answerer.passages_to_read

    def cached_search(analysis, allowed, filters, doc_id, k):
        # keyed by the whole analysis, not the question's text: a change to the question analysis
        # (the English glossary, say) changes the query, and the passages read must follow
        key = (json.dumps(analysis.to_dict(), sort_keys=True, default=str),
               tuple(sorted(allowed)) if allowed is not None else None, doc_id, k)
        if key not in retrieved:
            retrieved[key] = search(analysis, allowed, filters, doc_id, k)
        return retrieved[key]

    answerer.passages_to_read = cached_search
    records, started = [], time.perf_counter()
    for n, item in enumerate(items, start=1):
        if name == "viwiki":
            response, analysis, found = answerer.read(item["question"], doc_id=item["context_id"])
        else:
            response, analysis, found = answerer.read(item["question"])
        for family, cands in found.items():
            for c in cands:
                c.label = candidate_label(item, family, c)
        group = f"{name}:{item.get('context_id') or (item.get('gold') or {}).get('doc_id') or _top_doc(response, found)}"
        records.append({"set": name, "item": item, "response": response, "found": found, "group": group,
                        "answer_type": analysis.asks})
        if n % 25 == 0 or n == len(items):
            log(f"{name}: {n}/{len(items)} questions read ({time.perf_counter() - started:.0f} s)")
            _save(vectors, dict(answerer.similarity_cache))
            _save(retrieved_path, retrieved)
            if spans_id:
                _save(spans_path, dict(answerer.span_cache))
    _save(cache, records)
    return records


def _load(path: Path, default):
    if path.exists():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    return default


def _save(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh)
    os.replace(tmp, path)


def _top_doc(response: dict, found: dict) -> str:
    """A must-abstain question's group: the document its best passage came from (or its own id)."""
    if response.get("passages"):
        return response["passages"][0]["doc_id"]
    return "none"


# --- fitting ------------------------------------------------------------------------------------
# LightGBM's lambdarank, one thread (on a shared 2-core machine a second spin-waiting thread makes a
# fit slower, not faster). Measured side by side on the pooled labelled sets with grouped 5-fold
# cross-validation (first choice right where the gold is a candidate, figure family): this ranker
# 0.66 corpus / 0.83 laws / 0.83 viwiki; the pointwise HistGradientBoostingClassifier it replaces
# 0.64 / 0.77 / 0.78, and a pairwise logistic model 0.67 / 0.80 / 0.74; the ranker fits ~80×
# faster than the classifier (seconds for the whole cross-validation).
# reg_lambda (L2 on the leaves' values): a few hundred labelled questions are easy to overfit;
# 10 against none gave 0.683 / 0.833 / 0.782 against 0.670 / 0.807 / 0.765 (mean of 3 seeds, the
# same grouped 5 folds, on which it was also chosen among 5, 10, 20; fewer trees or leaves did less)
RANKER = {"objective": "lambdarank", "n_estimators": 300, "learning_rate": 0.05, "num_leaves": 15,
          "min_child_samples": 10, "colsample_bytree": 0.5, "lambdarank_truncation_level": 10,
          "reg_lambda": 10.0, "random_state": 0, "n_jobs": 1, "verbose": -1}


def fit_family(records: list[dict], family: str) -> dict | None:
    """A ranker over one family's candidates: per question, its candidates are one group and
    the right ones (label ≥ 0.5; a viwiki span: its F1 with the gold ≥ 0.5) should come
    first. Questions without a right candidate teach a ranker nothing and are left out (they
    set the abstention threshold instead, choose_thresholds). Trees, not a linear model: a
    signal only counts next to another (a unit that names the counted thing matters when the
    predicate matches too; 'từ' marks the start of a change only when the end is asked)."""
    import lightgbm

    from search.answer.reader import trees_from_lightgbm

    records = [r for r in records if r["found"].get(family)]
    names = feature_names(records, family)
    parts = [training_rows(r, family, names) for r in records]
    parts = [(x, y) for x, y in parts if y.any() and not y.all()]
    if len(parts) < 2:
        return None
    X = np.vstack([x for x, _ in parts])
    y = np.concatenate([labels for _, labels in parts]).astype(int)
    model = lightgbm.LGBMRanker(**RANKER).fit(X, y, group=[len(labels) for _, labels in parts])
    spec = trees_from_lightgbm(model.booster_.dump_model(), names, 0.0)
    spec["questions"] = len(parts)
    return spec


# a question's span candidates number in the hundreds (every run of words between two cut
# points): training keeps its positives and its NEGATIVES_KEPT hardest negatives (the ones whose
# words align best with the question), so a fit takes seconds, not minutes; scoring (served, and
# the held-out folds) still reads every candidate
NEGATIVES_KEPT = 60


def training_rows(record: dict, family: str, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    X = matrix(record, family, names)
    y = np.asarray([c.label >= 0.5 for c in record["found"][family]], dtype=bool)
    negatives = np.flatnonzero(~y)
    if family != "span" or len(negatives) <= NEGATIVES_KEPT:
        return X, y
    align = np.asarray([c.features.get("align_10", 0.0) for c in record["found"][family]])
    keep = np.sort(np.concatenate([np.flatnonzero(y), negatives[np.argsort(-align[negatives], kind="stable")
                                                                [:NEGATIVES_KEPT]]]))
    return X[keep], y[keep]


def feature_names(records: list[dict], family: str) -> list[str]:
    return sorted({k for r in records for c in r["found"].get(family, []) for k in c.features})


def matrix(record: dict, family: str, names: list[str]) -> np.ndarray:
    """A question's candidates as a matrix over `names`, kept on the record (features are
    fixed once computed; fitting runs many times in cross-validation)."""
    cache = record.setdefault("_matrices", {})
    key = (family, tuple(names))
    if key not in cache:
        cache[key] = np.asarray([[c.features.get(k, 0.0) for k in names] for c in record["found"][family]],
                                dtype=np.float64).reshape(len(record["found"][family]), len(names))
    return cache[key]


def fit(records: list[dict], inner_folds: int = 3) -> dict:
    """Models per family, with thresholds, calibration and the figures' verifier chosen on
    inner out-of-fold outcomes."""
    models = {}
    for family in ("figure", "entity", "span"):
        spec = fit_family(records, family)
        if spec is not None:
            models[family] = spec
    weights = {"models": models}
    if inner_folds:
        outcomes = [o for o in cross_validate(records, folds=inner_folds, inner_folds=0) if o is not None]
        for family, calibration in calibrate(outcomes).items():
            if family in models:
                models[family]["calibration"] = calibration
        for family, threshold in choose_thresholds(outcomes).items():
            if family in models:
                models[family]["threshold"] = threshold
        verifier = fit_verifier(outcomes, "figure")
        if verifier is not None and "figure" in models:
            models["figure"]["verifier"] = verifier
    return weights


def calibrate(outcomes: list[dict]) -> dict[str, list[float]]:
    """Per family, P(the first choice is right) as a logistic function of its margin, fitted on
    out-of-fold outcomes (every set: how sure the reader should say it is)."""
    from sklearn.linear_model import LogisticRegression

    out = {}
    for family in ("figure", "entity", "span"):
        rows = [(o["score"], bool(o["right"])) for o in outcomes if o["family"] == family]
        if len({right for _, right in rows}) < 2:
            continue
        X = np.asarray([[score] for score, _ in rows])
        model = LogisticRegression().fit(X, [right for _, right in rows])
        out[family] = [round(float(model.coef_[0][0]), 6), round(float(model.intercept_[0]), 6)]
    return out


def most_right_within_budget(scores, right, budget: float) -> tuple[int, float]:
    """The cut on `scores` giving the most right answers while the wrong ones (`right` False:
    a wrong figure, or any answer to a must-abstain question) number at most `budget`:
    (right answers, cut). Above every score (never answer) when no cut keeps within it."""
    order = sorted(zip(scores, right), key=lambda sr: -sr[0])
    best = (0, (order[0][0] + 1e-6) if order else 1.0)
    got = wrong = 0
    for score, ok in order:
        got, wrong = got + bool(ok), wrong + (not ok)
        if wrong > budget:
            break
        if got > best[0]:
            best = (got, float(score))
    return best


def choose_thresholds(outcomes: list[dict]) -> dict[str, float]:
    """Per family, from out-of-fold scores of the training part: the margin above which the
    reader answers (names and spans; for figures the verifier decides, fit_verifier, and this
    one is used only where no verifier could be fitted) — the one giving the most right answers
    while the wrong ones stay within WRONG_SHARE of the family's questions over corpus/ and the
    laws. Reading comprehension (viwiki, a gold context known to hold the answer) does not set
    them."""
    thresholds = {}
    for family in ("figure", "entity", "span"):
        rows = [(o["score"], bool(o["right"])) for o in outcomes if o["family"] == family and o["set"] != "viwiki"]
        if rows:
            _, cut = most_right_within_budget([s for s, _ in rows], [r for _, r in rows], WRONG_SHARE * len(rows))
            thresholds[family] = cut
    return thresholds


# the verifier's regularisation, chosen per fit among these by the most right answers within the
# budget on the training part's own out-of-fold probabilities (so the choice is nested too)
VERIFIER_C = (0.01, 0.03, 0.1, 0.3)


def fit_verifier(outcomes: list[dict], family: str) -> dict | None:
    """A logistic model of P(the first choice is right) over learned.verification_features,
    fitted on the out-of-fold outcomes of the training part (corpus/ and the laws: questions
    over a whole index), with the probability
    threshold for at most WRONG_SHARE wrong answers taken from grouped out-of-fold
    probabilities. Measured on the pooled labelled sets (grouped 5-fold, the same first
    choices), it gave 93–104 right figures where the margin threshold with the rules'
    agreement gave 80, at the same ~2% wrong."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rows = [o for o in outcomes if o["family"] == family and o["set"] != "viwiki" and o.get("verify")]
    y = np.asarray([bool(o["right"]) for o in rows])
    groups = [o["group"] for o in rows]
    if len(rows) < 30 or y.all() or not y.any() or len(set(groups)) < 3:
        return None
    names = sorted({k for o in rows for k in o["verify"]})
    X = np.asarray([[o["verify"].get(k, 0.0) for k in names] for o in rows], dtype=np.float64)
    budget = WRONG_SHARE * len(rows)
    best = None
    for C in VERIFIER_C:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
        p = cross_val_predict(model, X, y, cv=GroupKFold(3), groups=groups, method="predict_proba")[:, 1]
        right, cut = most_right_within_budget(p, y, budget)
        if best is None or right > best[0]:
            best = (right, cut, C)
    _, cut, C = best
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)).fit(X, y)
    scaler, lr = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    return {"features": names, "mean": [round(float(v), 8) for v in scaler.mean_],
            "scale": [round(float(v), 8) for v in scaler.scale_], "coef": [round(float(v), 8) for v in lr.coef_[0]],
            "intercept": round(float(lr.intercept_[0]), 8), "threshold": round(float(cut), 6), "C": C,
            "questions": len(rows)}


def cross_validate(records: list[dict], folds: int = FOLDS, inner_folds: int = 3) -> list[dict]:
    """Out-of-fold outcome per question: GroupKFold over documents."""
    from sklearn.model_selection import GroupKFold

    from search.answer.learned import LearnedAnswerer as Answerer
    from search.answer.reader import Reader

    groups = [r["group"] for r in records]
    n_splits = min(folds, len(set(groups)))
    outcomes: list[dict | None] = [None] * len(records)
    for fold, (train_idx, test_idx) in enumerate(GroupKFold(n_splits=n_splits).split(records, groups=groups)):
        weights = fit([records[i] for i in train_idx], inner_folds)
        reader = Reader(weights)
        chooser = Answerer.__new__(Answerer)
        chooser.reader = reader
        for i in test_idx:
            outcomes[i] = outcome(records[i], chooser, reader) | {"fold": fold}
    return outcomes


def outcome(record: dict, chooser, reader) -> dict:
    """What /ask would answer for this question with this reader, judged."""
    from eval.qa import judge_corpus, token_f1
    from search.answer.reader import set_scores

    found = {f: cs for f, cs in record["found"].items() if (f in reader.models or f == "metadata") and cs}
    for f, cs in found.items():  # from the record's matrix: the same numbers as Reader.score
        if f == "metadata":
            continue  # a document's own metadata, not scored (LearnedAnswerer.document_answer)
        model = reader.models[f]
        set_scores(cs, model.raw(matrix(record, f, model.features)), model.calibration)
    family, best = chooser.choose(found, scored=True) if found else (None, None)
    item = record["item"]
    # as LearnedAnswerer.ask, by its decide: figures by the verifier, names and spans by the margin
    verify, confidence, answered = None, 0.0, False
    if best is not None:
        confidence, answered, verify = chooser.decide(family, best, found[family], item["question"],
                                                      record["answer_type"])
        if verify is None and family == "figure":
            # a reader without a verifier yet (the inner folds fitting one): its signs are still
            # what fit_verifier learns from
            from search.answer.learned import verification_features

            verify = verification_features(best, found[family], item["question"], record["answer_type"])
    answer = None
    response = {"answer": None, "value": None}
    if answered:
        response = chooser.answer_fields(best)
        answer = response["answer"]
    if item.get("answers") is not None:
        right_f1 = token_f1(chooser.answer_fields(best)["answer"], item["answers"]) if best is not None else 0.0
    result = {"id": item["id"], "set": record["set"], "group": record["group"], "family": family,
              "score": best.score if best is not None else 0.0, "answer": answer, "confidence": confidence,
              "verify": verify,
              "answerable": item.get("answerable", True), "variant": item.get("variant"),
              "answer_type": item.get("answer_type"), "asked": record["answer_type"],
              "gold": item.get("answer") or item.get("answers"),
              "right": bool(best is not None and best.label > 0.5),
              # where the answerable ones are lost: the gold span in a passage read, the gold among
              # the candidates, the reader's first choice (before its threshold)
              "gold_passage_read": gold_passage_read(record),
              "gold_candidate": any(c.label >= 0.5 for cs in record["found"].values() for c in cs)}
    if item.get("answers") is not None:
        from eval.qa import exact_match

        result["f1_if_answered"] = right_f1
        result["f1"] = token_f1(answer, item["answers"])
        result["em"] = exact_match(answer, item["answers"])
        result["sentence_f1"] = token_f1(best.sentence_text, item["answers"]) if best is not None else 0.0
    else:
        result["verdict"] = judge_corpus(item, {**response, "answer": answer})
    return result


def gold_passage_read(record: dict) -> bool | None:
    """Whether a passage the answerer read holds the gold span (None: no gold span)."""
    from indexer.textnorm import search_key

    span = ((record["item"].get("gold") or {}).get("span") or "").strip()
    if not span:
        return None
    key = " ".join(search_key(span).split())
    read = {c.hit["passage_id"]: c.hit["text"] for cs in record["found"].values() for c in cs}
    read.update({p["passage_id"]: p["text"] for p in record["response"].get("passages") or []})
    return any(key in " ".join(search_key(text).split()) for text in read.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.reader_train", description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="labelled sets to use (corpus,laws,viwiki)")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--refresh", action="store_true", help="recompute the candidates and features")
    parser.add_argument("--no-cv", action="store_true", help="fit only, skip the grouped cross-validation")
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    from indexer.embedding import Encoder

    encoder = Encoder()
    records = []
    for name in args.sets.split(","):
        if name in ("laws", "viwiki") and not SHARED.exists():
            log(f"{SHARED} is absent: training without the {name} set")
            continue
        records += question_records(name, encoder, args.refresh, log)
    if not args.no_cv:
        from eval.qa import summarize, summarize_viwiki

        outcomes = cross_validate(records)
        for name in SETS:
            rows = [o for o in outcomes if o["set"] == name]
            if rows:
                summary = summarize_viwiki(rows) if name == "viwiki" else summarize(rows)
                print(name, json.dumps(summary.get("all") or summary.get("gold_context"), ensure_ascii=False))
    weights = fit(records)
    weights["trained_on"] = {name: sum(1 for r in records if r["set"] == name) for name in SETS}
    weights["how"] = ("python -m eval.reader_train: LightGBM LGBMRanker per family "
                      f"({RANKER}); thresholds and calibration from grouped out-of-fold scores")
    # one tree per line: readable, and a refit's diff stays the size of the trees
    lines = json.dumps(weights, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(lines.replace('{"feature":', '\n{"feature":') + "\n", encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
