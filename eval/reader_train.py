"""Train the answer reader and measure it with cross-validation grouped by document.

    python -m eval.reader_train            # features → grouped CV report → search/answer/reader_weights.json

Labelled questions (eval/data/corpus_qa.jsonl over corpus/, eval/data/laws_qa.jsonl over
the laws of ../shared/datasets/vlc-laws-2 they cite, ../shared/datasets/viwiki-qa with its
gold contexts) go through the real answer stage up to its candidates and features
(`LearnedAnswerer.read`, search/answer/learned.py). A candidate is a positive when it is the
gold answer (the same value for figures and dates, the gold name for entities; for spans
a token F1 with the gold span of at least 0.5). One model per candidate family (figure,
entity, span): scikit-learn's HistGradientBoostingClassifier, exported as trees to
search/answer/reader_weights.json; and an abstention threshold per family on the best
candidate's margin over the best other answer (search/answer/reader.py decision_scores),
chosen on out-of-fold scores of the training part only (the most right answers with at most
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
    name = id = "no-vectors"
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
def question_records(name: str, encoder=None, refresh: bool = False, log=print) -> list[dict]:
    """Per question: the item, the response skeleton, its candidates (features + label), its group."""
    items = load_items(name)
    if not items:
        return []
    from search.answer.learned import LearnedAnswerer as Answerer
    from search.answer.reader import Reader

    sources = [ROOT / "search" / "answer" / f for f in ("learned.py", "candidates.py", "features.py", "question.py")]
    sources += [ROOT / "indexer" / f for f in ("clauses.py", "numbers.py", "analysis.py", "gazetteer.py")]
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sources)
                          + json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]
    cache = _cache_dir() / f"reader-features-{name}-{code}.pkl"
    if cache.exists() and not refresh:
        return _load(cache, [])
    engine = engine_for(name, items, encoder, log)
    answerer = Answerer(engine, reader=Reader({"models": {}}), encoder=encoder,
                        mode=law_retrieval_mode() if name == "laws" else "hybrid")
    # what costs encoder time is kept across runs: sentence vectors by text and the passages
    # retrieved per question (the index does not change between runs of one labelled set)
    vectors = _cache_dir() / "reader-sentence-vectors.pkl"
    retrieved_path = _cache_dir() / f"reader-retrieved-{name}-{engine.health()['index_version']}.pkl"
    retrieved = _load(retrieved_path, {})
    answerer.similarity_cache.update(_load(vectors, {}))
    search = answerer.passages_to_read

    def cached_search(analysis, allowed, filters, doc_id, k):
        key = (analysis.question, tuple(sorted(allowed)) if allowed is not None else None, doc_id, k)
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
TREES = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 20,
         "l2_regularization": 1.0}


def fit_family(records: list[dict], family: str) -> dict | None:
    """Gradient-boosted trees over one family's candidates, pointwise: a candidate is a
    positive when its label is ≥ 0.5 (a viwiki span: its F1 with the gold ≥ 0.5). Each
    question weighs the same whatever its number of candidates. Trees, not a linear
    model: a signal only counts next to another (a unit that names the counted thing
    matters when the predicate matches too; 'trong đó' marks a part only when a whole is
    asked); the relative features (_gap, _place) compare a candidate with its question's
    others."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from search.answer.reader import export_trees

    records = [r for r in records if r["found"].get(family)]
    if not records:
        return None
    names = feature_names(records, family)
    parts = [training_rows(r, family, names) for r in records]
    X = np.vstack([x for x, _ in parts])
    y = np.concatenate([labels for _, labels in parts])
    if y.all() or not y.any():
        return None
    weight = np.concatenate([np.full(len(labels), 1.0 / len(labels)) for _, labels in parts]) * len(records)
    from threadpoolctl import threadpool_limits

    # one thread: scikit-learn's OpenMP threads spin-wait, and on a shared 2-core machine a
    # second one makes each fit ten times slower, not twice as fast
    with threadpool_limits(1):
        model = HistGradientBoostingClassifier(random_state=0, **TREES).fit(X, y, sample_weight=weight)
    spec = export_trees(model, names, 0.5)
    spec["questions"] = len(records)
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
    return weights


def choose_thresholds(records: list[dict], folds: int) -> dict[str, float]:
    """Per family, the score below which the answer is withheld, from out-of-fold scores of
    the training part: the lowest threshold at which the wrong answers (a wrong figure, or
    any answer to a must-abstain question) stay within WRONG_SHARE of the family's
    questions over corpus/ and the laws. Reading comprehension (viwiki, a gold context
    known to hold the answer) does not set it."""
    outcomes = cross_validate(records, folds=folds, inner_folds=0)
    thresholds = {}
    for family in ("figure", "entity", "span"):
        rows = [(o["score"], bool(o["right"])) for o in outcomes if o["family"] == family and o["set"] != "viwiki"]
        if not rows:
            continue
        budget = WRONG_SHARE * len(rows)
        chosen = 1.0
        for t in sorted({score for score, _ in rows}, reverse=True):
            if sum(1 for score, right in rows if score >= t and not right) > budget:
                break
            chosen = t
        thresholds[family] = float(chosen)
    return thresholds


def cross_validate(records: list[dict], folds: int = FOLDS, inner_folds: int = 3) -> list[dict]:
    """Out-of-fold outcome per question: GroupKFold over documents."""
    from sklearn.model_selection import GroupKFold

    from search.answer.learned import LearnedAnswerer as Answerer
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

    found = {f: cs for f, cs in record["found"].items() if f in reader.models and cs}
    from search.answer.reader import decision_scores

    for f, cs in found.items():  # from the record's matrix: the same numbers as Reader.score
        model = reader.models[f]
        p = 1.0 / (1.0 + np.exp(-model.raw(matrix(record, f, model.features))))
        for c, score in zip(cs, decision_scores(p, [c.text for c in cs])):
            c.score = float(score)
    family, best = chooser.choose(found, scored=True) if found else (None, None)
    item = record["item"]
    answered = best is not None and best.score >= reader.threshold(family)
    answer = None
    response = {"answer": None, "value": None}
    if answered:
        response = chooser.answer_fields(best)
        answer = response["answer"]
    if item.get("answers") is not None:
        right_f1 = token_f1(chooser.answer_fields(best)["answer"], item["answers"]) if best is not None else 0.0
    result = {"id": item["id"], "set": record["set"], "group": record["group"], "family": family,
              "score": best.score if best is not None else 0.0, "answer": answer,
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
    weights["how"] = ("python -m eval.reader_train: HistGradientBoostingClassifier per family "
                      f"({TREES}); thresholds from grouped out-of-fold scores")
    args.out.write_text(json.dumps(weights, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
