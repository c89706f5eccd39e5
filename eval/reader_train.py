"""Train the answer reader and measure it with cross-validation grouped by document.

    python -m eval.reader_train            # features → grouped CV report → search/answer/reader_weights.json

Labelled questions (eval/data/corpus_qa.jsonl over corpus/, eval/data/laws_qa.jsonl over
the laws of ../shared/datasets/vlc-laws-2 they cite, ../shared/datasets/viwiki-qa with its
gold contexts) go through the real answer stage up to its candidates and features
(`Answerer.read`). A candidate is a positive when it is the gold answer (the same value
for figures and dates, the gold name for entities; for spans the token F1 with the gold
span is its soft label). One logistic model per candidate family (figure, entity, span),
scikit-learn's StandardScaler + LogisticRegression, and an abstention threshold per
family chosen on out-of-fold scores of the training part only (most right answers with
a wrong answer costing four abstentions).

Cross-validation: GroupKFold over documents (a viwiki context, a law, a report), so no
question is scored by a model that saw its document; the per-question outcomes of those
folds are what eval/qa.py reports. The committed weights are fitted on everything.
"""
from __future__ import annotations

import argparse
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
SHARED = ROOT.parent / "shared" / "datasets"
LAWS = SHARED / "vlc-laws-2"
VIWIKI = SHARED / "viwiki-qa"
WEIGHTS = ROOT / "search" / "answer" / "reader_weights.json"
FOLDS = 5
WRONG_COST = 4.0  # one wrong answer costs as much as four abstentions
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
    names = sorted({i["gold"]["doc_id"] for i in items if i.get("gold")} |
                   {d for i in items for d in i.get("distractors", [])})
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


def engine_for(name: str, items: list[dict], encoder=None, log=print):
    from eval.datasets import Dataset, ensure_index, load_corpus_set
    from search.engine import SearchEngine

    if name == "corpus":
        dataset = load_corpus_set()
    elif name == "laws":
        dataset = Dataset(name="laws", kind="spans", corpus_path=law_corpus(items), queries=[])
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
        from search.answer.answerer import Answerer

        return float(value_matches(Answerer.answer_fields(c)["value"], item["value"]))
    gold, got = normalize_answer(item.get("answer") or ""), normalize_answer(c.text)
    return float(bool(gold and got and (gold in got or got in gold) and len(got) >= 0.5 * len(gold)))


def _value(c) -> dict:
    q = c.figure.quantity
    return {"kind": q.kind, "number": q.number, "unit": q.unit, "denominator": q.denominator,
            "date": q.date, "end_number": q.end_number}


# --- features, computed once per labelled set --------------------------------------------------
def question_records(name: str, encoder=None, refresh: bool = False, log=print) -> list[dict]:
    """Per question: the item, the response skeleton, its candidates (features + label), its group."""
    items = load_items(name)
    if not items:
        return []
    from search.answer.answerer import Answerer
    from search.answer.reader import Reader

    code = hashlib.sha256(b"".join((ROOT / "search" / "answer" / f).read_bytes() for f in
                                   ("answerer.py", "candidates.py", "features.py", "question.py"))
                          + (ROOT / "indexer" / "clauses.py").read_bytes()
                          + json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]
    cache = _cache_dir() / f"reader-features-{name}-{code}.pkl"
    if cache.exists() and not refresh:
        with open(cache, "rb") as fh:
            return pickle.load(fh)
    engine = engine_for(name, items, encoder, log)
    answerer = Answerer(engine, reader=Reader({"models": {}}))
    vectors = _cache_dir() / "reader-sentence-vectors.pkl"  # encoder outputs by text, kept across runs
    if vectors.exists():
        with open(vectors, "rb") as fh:
            answerer.similarity_cache.update(pickle.load(fh))
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
        if n % 50 == 0:
            log(f"{name}: {n}/{len(items)} questions read ({time.perf_counter() - started:.0f} s)")
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache, "wb") as fh:
        pickle.dump(records, fh)
    with open(vectors, "wb") as fh:
        pickle.dump(dict(answerer.similarity_cache), fh)
    return records


def _top_doc(response: dict, found: dict) -> str:
    """A must-abstain question's group: the document its best passage came from (or its own id)."""
    if response.get("passages"):
        return response["passages"][0]["doc_id"]
    return "none"


# --- fitting ------------------------------------------------------------------------------------
def _rows(records: list[dict], family: str):
    feats, labels, weights = [], [], []
    for r in records:
        for c in r["found"].get(family, []):
            feats.append(c.features)
            labels.append(c.label)
    return feats, labels


def fit_family(records: list[dict], family: str) -> dict | None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    feats, labels = _rows(records, family)
    if not feats or max(labels, default=0) <= 0:
        return None
    names = sorted({k for f in feats for k in f})
    X = np.asarray([[f.get(k, 0.0) for k in names] for f in feats])
    y = np.asarray(labels, dtype=float)
    soft = family == "span"
    if soft:  # cross-entropy against the F1 of each span: every row twice, weighted
        X = np.vstack([X, X])
        weight = np.concatenate([y, 1 - y])
        y = np.concatenate([np.ones(len(labels)), np.zeros(len(labels))])
    else:
        y = (y > 0.5).astype(float)
        weight = np.ones(len(y))
        if y.min() == y.max():
            return None
    scaler = StandardScaler().fit(X)
    scale = np.where(scaler.scale_ > 1e-9, scaler.scale_, 1.0)
    model = LogisticRegression(C=0.5, max_iter=2000, class_weight=None if soft else "balanced")
    model.fit((X - scaler.mean_) / scale, y, sample_weight=weight)
    return {"features": names, "mean": scaler.mean_.tolist(), "scale": scale.tolist(),
            "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]), "threshold": 0.5,
            "rows": int(len(labels)), "positives": int(sum(1 for v in labels if v > 0.5))}


def fit(records: list[dict], inner_folds: int = 3) -> dict:
    """Models per family, with thresholds chosen on inner out-of-fold scores."""
    models = {}
    for family in ("figure", "entity", "span"):
        spec = fit_family(records, family)
        if spec is not None:
            models[family] = spec
    weights = {"models": models}
    thresholds = choose_thresholds(records, inner_folds) if inner_folds else {}
    for family, t in thresholds.items():
        if family in models:
            models[family]["threshold"] = t
    if "span" in models:
        models["span"]["threshold"] = 0.0  # a span answers with its sentence as evidence: never withheld
    return weights


def choose_thresholds(records: list[dict], folds: int) -> dict[str, float]:
    outcomes = cross_validate(records, folds=folds, inner_folds=0)
    thresholds = {}
    for family in ("figure", "entity"):
        rows = [(o["score"], o["right"], o["answerable"]) for o in outcomes if o["family"] == family]
        if not rows:
            continue
        best_t, best_gain = 0.5, -1e9
        for t in sorted({0.0, *[s for s, _, _ in rows]}):
            gain = sum((1.0 if right else -WRONG_COST) for s, right, _ in rows if s >= t)
            if gain > best_gain:
                best_t, best_gain = t, gain
        thresholds[family] = float(best_t)
    return thresholds


def cross_validate(records: list[dict], folds: int = FOLDS, inner_folds: int = 3) -> list[dict]:
    """Out-of-fold outcome per question: GroupKFold over documents."""
    from sklearn.model_selection import GroupKFold

    from search.answer.answerer import Answerer
    from search.answer.reader import Reader

    groups = [r["group"] for r in records]
    n_splits = min(folds, len(set(groups)))
    outcomes: list[dict | None] = [None] * len(records)
    for train_idx, test_idx in GroupKFold(n_splits=n_splits).split(records, groups=groups):
        weights = fit([records[i] for i in train_idx], inner_folds)
        reader = Reader(weights)
        chooser = Answerer.__new__(Answerer)
        chooser.reader = reader
        for i in test_idx:
            outcomes[i] = outcome(records[i], chooser, reader)
    return outcomes


def outcome(record: dict, chooser, reader) -> dict:
    """What /ask would answer for this question with this reader, judged."""
    from eval.qa import judge_corpus, token_f1

    found = {f: cs for f, cs in record["found"].items() if f in reader.models}
    family, best = chooser.choose(found) if found else (None, None)
    item = record["item"]
    answered = best is not None and best.score >= reader.threshold(family)
    answer = None
    response = {"answer": None, "value": None}
    if answered:
        response = chooser.answer_fields(best)
        answer = response["answer"]
    result = {"id": item["id"], "set": record["set"], "group": record["group"], "family": family,
              "score": best.score if best is not None else 0.0, "answer": answer,
              "answerable": item.get("answerable", True), "variant": item.get("variant"),
              "answer_type": item.get("answer_type"), "asked": record["answer_type"],
              "gold": item.get("answer") or item.get("answers"),
              "right": bool(best is not None and best.label > 0.5)}
    if item.get("answers") is not None:
        from eval.qa import exact_match

        result["f1"] = token_f1(answer, item["answers"])
        result["em"] = exact_match(answer, item["answers"])
        result["sentence_f1"] = token_f1(best.sentence_text, item["answers"]) if best is not None else 0.0
    else:
        result["verdict"] = judge_corpus(item, {**response, "answer": answer})
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.reader_train", description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="labelled sets to use (corpus,laws,viwiki)")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--refresh", action="store_true", help="recompute the candidates and features")
    parser.add_argument("--no-cv", action="store_true", help="fit only, skip the grouped cross-validation")
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    from eval.datasets import CachingEncoder  # noqa: F401
    from indexer.embedding import Encoder

    encoder = Encoder()
    records = []
    for name in args.sets.split(","):
        if name in ("laws", "viwiki") and not SHARED.exists():
            log(f"{SHARED} is absent: training without the {name} set")
            continue
        records += question_records(name, encoder, args.refresh, log)
    if not args.no_cv:
        from eval.qa import summarize_outcomes

        print(json.dumps(summarize_outcomes(cross_validate(records)), ensure_ascii=False, indent=1))
    weights = fit(records)
    weights["trained_on"] = {name: sum(1 for r in records if r["set"] == name) for name in SETS}
    weights["how"] = ("python -m eval.reader_train: StandardScaler + LogisticRegression per family; "
                      "thresholds from grouped out-of-fold scores")
    args.out.write_text(json.dumps(weights, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
