"""Answer evaluation: `python -m eval.qa [corpus|viwiki|all]`.

corpus  eval/data/corpus_qa.jsonl over corpus/: answerable questions are right when the
        parsed value matches the gold value (numbers, percents, ratios, dates) or the
        quoted answer matches the gold text (entities); unanswerable ones are right when
        /ask abstains. "wrong" counts answers given that are not right — the harmful case.
viwiki  ../shared/datasets/viwiki-qa (extractive reading comprehension, encyclopedic
        text): exact match and token F1 against the gold spans, once with the gold
        context (retrieval restricted to it) and once with retrieval over all contexts.
        Our extractor is built for figures and dates in reports, so this is an external
        check of span extraction, reported as measured.
Writes eval/results/qa_<dataset>.json and .md.
"""
from __future__ import annotations

import argparse
import json
import re
import string
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QA_LABELS = ROOT / "eval" / "data" / "corpus_qa.jsonl"
VIWIKI = ROOT.parent / "shared" / "datasets" / "viwiki-qa"
RESULTS = ROOT / "eval" / "results"


# --- judging ----------------------------------------------------------------------------
def normalize_answer(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").lower()
    text = "".join(" " if ch in string.punctuation or ch in "“”‘’–—…" else ch for ch in text)
    return " ".join(text.split())


def exact_match(prediction: str | None, golds: list[str]) -> float:
    if prediction is None:
        return 0.0
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def token_f1(prediction: str | None, golds: list[str]) -> float:
    if prediction is None:
        return 0.0
    best = 0.0
    pred = normalize_answer(prediction).split()
    for gold in golds:
        ref = normalize_answer(gold).split()
        common = sum(min(pred.count(t), ref.count(t)) for t in set(pred) & set(ref))
        if not common:
            continue
        precision, recall = common / len(pred), common / len(ref)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def value_matches(predicted: dict | None, gold: dict | None) -> bool:
    if not predicted or not gold:
        return False
    if gold.get("kind") == "date":
        return predicted.get("date") == gold.get("date")
    if gold.get("kind") == "ratio" and gold.get("denominator") is not None:
        return predicted.get("number") == gold.get("number") and predicted.get("denominator") == gold.get("denominator")
    number = gold.get("number")
    return number is not None and predicted.get("number") is not None and abs(predicted["number"] - number) < 1e-6


def judge_corpus(item: dict, response: dict) -> str:
    """'right' | 'wrong' | 'abstained'."""
    answer = response.get("answer")
    if answer is None:
        return "right" if not item["answerable"] else "abstained"
    if not item["answerable"]:
        return "wrong"
    if item.get("value"):
        return "right" if value_matches(response.get("value"), item["value"]) else "wrong"
    gold = normalize_answer(item["answer"])
    got = normalize_answer(answer)
    return "right" if gold and (gold in got or got in gold) else "wrong"


# --- runs ---------------------------------------------------------------------------------
def _answerer(index_dir: Path):
    from search.answer import Answerer
    from search.engine import SearchEngine

    return Answerer(SearchEngine(index_dir))


def run_corpus(limit: int | None = None, log=print) -> dict:
    from eval.datasets import load_corpus_set, ensure_index

    items = [json.loads(line) for line in QA_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = items[:limit] if limit else items
    answerer = _answerer(ensure_index(load_corpus_set(), log=log))
    rows, started = [], time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        response = answerer.ask(item["question"])
        verdict = judge_corpus(item, response)
        evidence_doc = response["evidence"][0]["doc_id"] if response["evidence"] else None
        rows.append({"id": item["id"], "variant": item["variant"], "answerable": item["answerable"],
                     "answer_type": item.get("answer_type"), "verdict": verdict, "gold": item.get("answer"),
                     "answer": response["answer"], "confidence": response["confidence"],
                     "evidence_doc_right": (evidence_doc == item["gold"]["doc_id"]) if item.get("gold") and evidence_doc else None,
                     "ms": round((time.perf_counter() - t0) * 1000, 1)})
    return {"dataset": "corpus_qa", "questions": len(rows), "seconds": round(time.perf_counter() - started, 1),
            "summary": summarize(rows), "rows": rows}


def summarize(rows: list[dict]) -> dict:
    def block(selected):
        n = len(selected)
        answerable = [r for r in selected if r["answerable"]]
        unanswerable = [r for r in selected if not r["answerable"]]
        return {
            "n": n,
            "accuracy": round(sum(r["verdict"] == "right" for r in selected) / n, 3) if n else None,
            "answerable_right": round(sum(r["verdict"] == "right" for r in answerable) / len(answerable), 3) if answerable else None,
            "abstained_when_answerable": round(sum(r["verdict"] == "abstained" for r in answerable) / len(answerable), 3) if answerable else None,
            "abstained_when_unanswerable": round(sum(r["verdict"] == "right" for r in unanswerable) / len(unanswerable), 3) if unanswerable else None,
            "wrong_answers": sum(r["verdict"] == "wrong" for r in selected),
        }
    summary = {"all": block(rows)}
    for key in ("variant", "answer_type"):
        groups = defaultdict(list)
        for r in rows:
            groups[f"{key}={r[key]}"].append(r)
        summary.update({name: block(group) for name, group in sorted(groups.items())})
    return summary


def run_viwiki(limit: int | None = None, log=print) -> dict:
    from eval.datasets import Dataset, ensure_index
    from search.filters import Filters  # noqa: F401  (documented: gold context = rows of one document)

    contexts = VIWIKI / "contexts.jsonl"
    questions = [json.loads(l) for l in (VIWIKI / "questions.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    questions = questions[:limit] if limit else questions
    dataset = Dataset(name="viwiki-qa", kind="beir", corpus_path=contexts, queries=[])
    answerer = _answerer(ensure_index(dataset, log=log))
    engine = answerer.engine
    scores = {"gold_context": [], "retrieval": []}
    started = time.perf_counter()
    for q in questions:
        for setting in scores:
            if setting == "gold_context":
                rows = set(engine.state.passages_by_doc.get(q["context_id"], []))
                response = answerer.ask_in(q["question"], rows)
            else:
                response = answerer.ask(q["question"])
            prediction = response["answer"]
            scores[setting].append({"em": exact_match(prediction, q["answers"]),
                                    "f1": token_f1(prediction, q["answers"]),
                                    "answered": prediction is not None,
                                    "type": response["answer_type"]})
    summary = {}
    for setting, values in scores.items():
        n = len(values)
        by_type = defaultdict(list)
        for v in values:
            by_type[v["type"]].append(v)
        summary[setting] = {
            "n": n, "exact_match": round(sum(v["em"] for v in values) / n, 3),
            "token_f1": round(sum(v["f1"] for v in values) / n, 3),
            "answered": round(sum(v["answered"] for v in values) / n, 3),
            "by_answer_type": {t: {"n": len(vs), "exact_match": round(sum(v["em"] for v in vs) / len(vs), 3),
                                   "token_f1": round(sum(v["f1"] for v in vs) / len(vs), 3)}
                               for t, vs in sorted(by_type.items())}}
    return {"dataset": "viwiki_qa", "questions": len(questions), "seconds": round(time.perf_counter() - started, 1),
            "summary": summary}


# --- reports ------------------------------------------------------------------------------
def markdown(report: dict, machine: dict) -> str:
    head = f"### {report['dataset']} — {report['questions']} questions\n\n" \
           f"{report['date']} · {machine['cpu']} ({machine['cores']} cores)\n\n"
    if report["dataset"] == "corpus_qa":
        lines = ["| slice | n | accuracy | answerable right | abstained (answerable) | abstained (unanswerable) | wrong answers |",
                 "|---|---|---|---|---|---|---|"]
        for name, s in report["summary"].items():
            fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
            lines.append(f"| {name} | {s['n']} | {fmt(s['accuracy'])} | {fmt(s['answerable_right'])} | "
                         f"{fmt(s['abstained_when_answerable'])} | {fmt(s['abstained_when_unanswerable'])} | "
                         f"{s['wrong_answers']} |")
        return head + "\n".join(lines) + "\n"
    lines = ["| setting | n | exact match | token F1 | answered |", "|---|---|---|---|---|"]
    for setting, s in report["summary"].items():
        lines.append(f"| {setting} | {s['n']} | {s['exact_match']:.3f} | {s['token_f1']:.3f} | {s['answered']:.3f} |")
    lines += ["", "By the answer type the question analysis chose (gold context):", "",
              "| answer type | n | exact match | token F1 |", "|---|---|---|---|"]
    for t, s in report["summary"]["gold_context"]["by_answer_type"].items():
        lines.append(f"| {t} | {s['n']} | {s['exact_match']:.3f} | {s['token_f1']:.3f} |")
    return head + "\n".join(lines) + "\n"


def write(report: dict, out_dir: Path) -> None:
    from eval.retrieval import machine_info, versions

    machine = machine_info()
    report = {**report, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine, "versions": versions()}
    out_dir.mkdir(parents=True, exist_ok=True)
    name = report["dataset"]
    (out_dir / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out_dir / f"{name}.md").write_text(markdown(report, machine), encoding="utf-8")
    print(markdown(report, machine))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.qa", description=__doc__.split("\n")[0])
    parser.add_argument("dataset", nargs="?", default="all", choices=("corpus", "viwiki", "all"))
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    if args.dataset in ("corpus", "all"):
        write(run_corpus(args.limit, log), args.out)
    if args.dataset in ("viwiki", "all"):
        if not VIWIKI.exists():
            print(f"{VIWIKI} is absent: the shared datasets sit beside the repository (../shared)", file=sys.stderr)
            return 2
        write(run_viwiki(args.limit, log), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def summarize_outcomes(outcomes: list[dict]) -> dict:
    """Grouped cross-validation outcomes (eval/reader_train.py) per labelled set."""
    out = {}
    for name in sorted({o["set"] for o in outcomes}):
        rows = [o for o in outcomes if o["set"] == name]
        if name == "viwiki":
            n = len(rows)
            out[name] = {"n": n, "exact_match": round(sum(o["em"] for o in rows) / n, 3),
                         "token_f1": round(sum(o["f1"] for o in rows) / n, 3),
                         "sentence_f1": round(sum(o["sentence_f1"] for o in rows) / n, 3)}
        else:
            out[name] = summarize([{**o, "verdict": o["verdict"]} for o in rows])
    return out
