"""Answer evaluation: `python -m eval.qa [corpus|laws|viwiki|all]` (what `make eval` runs).

Every number is from cross-validation grouped by document (eval/reader_train.py): the
reader's weights are learned from labelled questions, so each question is answered by a
model fitted on the other folds, none of which holds a question about its document (a
report of corpus/, a law, a viwiki context). Folds pool all the sets, so a fold about a
report learns from the laws and viwiki too.

corpus  eval/data/corpus_qa.jsonl over corpus/: answerable questions are right when the
        parsed value matches the gold value (numbers, percents, ratios, dates) or the
        quoted answer matches the gold text (entities); must-abstain ones are right when
        /ask abstains. "wrong" counts answers given that are not right — the harmful case.
laws    eval/data/laws_qa.jsonl over the laws of ../shared/datasets/vlc-laws-2 they cite
        (indexed together under eval/.cache; the whole of vlc-laws-2 would take hours to
        embed here); judged as corpus.
viwiki  ../shared/datasets/viwiki-qa (extractive reading comprehension, encyclopedic
        text) with the gold context: exact match and token F1 of the answer span against
        the gold spans, and the F1 the span's whole sentence would get, for comparison.
Writes eval/results/<set>_qa.json and .md: what /ask serves (the learned reader with the
span reader's features, judged inside the folds), with each outer split's wrong share. (The
rule answerer that `--rules` ran alone is retired: its last results are
eval/results/*_qa_rules.*.)
"""
from __future__ import annotations

import argparse
import json
import os
import string
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QA_LABELS = ROOT / "eval" / "data" / "corpus_qa.jsonl"
VIWIKI = Path(os.environ.get("TRACUU_SHARED", ROOT.parent / "shared")) / "datasets" / "viwiki-qa"
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
def run(sets: list[str], log=print) -> dict[str, dict]:
    """Grouped cross-validation over the labelled sets; one report per set."""
    from eval.reader_train import SHARED, cross_validate, question_records
    from indexer.embedding import Encoder

    encoder = Encoder()
    records = []
    for name in ("corpus", "laws", "viwiki"):  # every set trains, whichever are reported
        if name != "corpus" and not SHARED.exists():
            log(f"{SHARED} is absent: the {name} set is neither trained on nor reported")
            continue
        records += question_records(name, encoder, log=log)
    started = time.perf_counter()
    outcomes = cross_validate(records)
    seconds = round(time.perf_counter() - started, 1)
    reports = {}
    for name in sets:
        rows = [o for o in outcomes if o["set"] == name]
        if not rows:
            continue
        summary = summarize_viwiki(rows) if name == "viwiki" else summarize(rows)
        reports[name] = {"dataset": f"{name}_qa", "questions": len(rows), "cv_seconds": seconds,
                         "evaluation": "GroupKFold(5) over documents, all labelled sets pooled",
                         "summary": summary, "rows": rows}
    return reports


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
    if rows and "fold" in rows[0]:
        summary["outer_splits"] = outer_splits(rows)
    if rows and "gold_candidate" in rows[0]:
        summary["losses"] = losses(rows)
    for key in ("variant", "answer_type"):
        groups = defaultdict(list)
        for r in rows:
            groups[f"{key}={r[key]}"].append(r)
        summary.update({name: block(group) for name, group in sorted(groups.items())})
    return summary


def outer_splits(rows: list[dict]) -> dict:
    """Per outer split of the grouped cross-validation (its held-out documents): the share of
    all its questions answered wrong, and of its answerable ones answered right; the worst split."""
    folds = defaultdict(list)
    for r in rows:
        folds[r["fold"]].append(r)
    per = {}
    for fold, selected in sorted(folds.items()):
        answerable = [r for r in selected if r["answerable"]]
        per[str(fold)] = {"n": len(selected),
                          "wrong_share": round(sum(r["verdict"] == "wrong" for r in selected) / len(selected), 4),
                          "answerable_right": round(sum(r["verdict"] == "right" for r in answerable)
                                                    / len(answerable), 3) if answerable else None}
    return {"splits": per, "worst_wrong_share": max(p["wrong_share"] for p in per.values()),
            "worst_answerable_right": min((p["answerable_right"] for p in per.values()
                                           if p["answerable_right"] is not None), default=None)}


def losses(rows: list[dict]) -> dict:
    """Where the answerable questions are lost, step by step: retrieval (the gold span in a
    passage read), candidates (the gold among them), the reader's first choice, its threshold."""
    answerable = [r for r in rows if r["answerable"]]
    n = len(answerable)
    with_span = [r for r in answerable if r.get("gold_passage_read") is not None]
    candidate = [r for r in answerable if r["gold_candidate"]]
    top = [r for r in candidate if r["right"]]
    share = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    return {"answerable": n,
            "gold_passage_read": share(sum(bool(r["gold_passage_read"]) for r in with_span), len(with_span)),
            "gold_among_candidates": share(len(candidate), n),
            "first_choice_right_given_gold_candidate": share(len(top), len(candidate)),
            "answered_given_first_choice_right": share(sum(r["verdict"] == "right" for r in top), len(top)),
            "answerable_right": share(sum(r["verdict"] == "right" for r in answerable), n)}


def summarize_viwiki(rows: list[dict]) -> dict:
    n = len(rows)
    block = lambda vs: {"n": len(vs), "exact_match": round(sum(v["em"] for v in vs) / len(vs), 3),  # noqa: E731
                        "token_f1": round(sum(v["f1"] for v in vs) / len(vs), 3),
                        "sentence_f1": round(sum(v["sentence_f1"] for v in vs) / len(vs), 3),
                        # the reader's first choice whatever its margin: with a gold context known to
                        # hold the answer, what reading comprehension is usually scored on
                        "first_choice_f1": round(sum(v.get("f1_if_answered", 0.0) for v in vs) / len(vs), 3),
                        "answered": round(sum(v["answer"] is not None for v in vs) / len(vs), 3)}
    by_type = defaultdict(list)
    for r in rows:
        by_type[r["asked"]].append(r)
    return {"gold_context": block(rows) | {"n": n},
            "by_answer_type": {t: block(vs) for t, vs in sorted(by_type.items())}}


# --- reports ------------------------------------------------------------------------------
def markdown(report: dict, machine: dict) -> str:
    head = f"### {report['dataset']} — {report['questions']} questions\n\n" \
           f"{report['date']} · {machine['cpu']} ({machine['cores']} cores)\n\n"
    head += f"{report['evaluation']}\n\n"
    if not report["dataset"].startswith("viwiki_qa"):
        lines = ["| slice | n | accuracy | answerable right | abstained (answerable) | abstained (unanswerable) | wrong answers |",
                 "|---|---|---|---|---|---|---|"]
        for name, s in report["summary"].items():
            if name in ("losses", "within_2pct_wrong", "outer_splits"):
                continue
            fmt = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
            lines.append(f"| {name} | {s['n']} | {fmt(s['accuracy'])} | {fmt(s['answerable_right'])} | "
                         f"{fmt(s['abstained_when_answerable'])} | {fmt(s['abstained_when_unanswerable'])} | "
                         f"{s['wrong_answers']} |")
        splits = report["summary"].get("outer_splits")
        if splits:
            lines += ["", "Per outer split (its held-out documents): wrong answers as a share of all its questions, "
                          "answerable right:", "", "| split | n | wrong share | answerable right |", "|---|---|---|---|"]
            for fold, p in splits["splits"].items():
                right = "–" if p["answerable_right"] is None else f"{p['answerable_right']:.3f}"
                lines.append(f"| {fold} | {p['n']} | {p['wrong_share']:.3f} | {right} |")
            lines += ["", f"Worst split: wrong share {splits['worst_wrong_share']:.3f}, answerable right "
                          f"{splits['worst_answerable_right']:.3f}."]
        cut = report["summary"].get("within_2pct_wrong")
        if cut:
            lines += ["", f"With its confidence cut raised to {cut['cut']} (the lowest keeping wrong answers ≤ 2% "
                          f"of all questions, chosen on these questions): answerable right {cut['answerable_right']:.3f}, "
                          f"{cut['wrong_answers']} wrong."]
        loss = report["summary"].get("losses")
        if loss:
            lines += ["", f"Where the {loss['answerable']} answerable questions are lost (step by step):", "",
                      "| gold span in a passage read | gold among the candidates | reader's first choice right, "
                      "given the gold is a candidate | answered, given the first choice is right | answerable right |",
                      "|---|---|---|---|---|",
                      "| " + " | ".join("–" if loss[k] is None else f"{loss[k]:.3f}" for k in (
                          "gold_passage_read", "gold_among_candidates", "first_choice_right_given_gold_candidate",
                          "answered_given_first_choice_right", "answerable_right")) + " |"]
        return head + "\n".join(lines) + "\n"
    lines = ["| setting | n | exact match | span token F1 (abstaining below the threshold) | first choice's F1 "
             "(never abstaining) | its sentence's F1 | answered |", "|---|---|---|---|---|---|---|"]
    s = report["summary"]["gold_context"]
    lines.append(f"| gold context | {s['n']} | {s['exact_match']:.3f} | {s['token_f1']:.3f} | {s['first_choice_f1']:.3f} "
                 f"| {s['sentence_f1']:.3f} | {s['answered']:.3f} |")
    lines += ["", "By the answer type the question analysis chose:", "",
              "| answer type | n | exact match | span token F1 | first choice's F1 |", "|---|---|---|---|---|"]
    for t, s in report["summary"]["by_answer_type"].items():
        lines.append(f"| {t} | {s['n']} | {s['exact_match']:.3f} | {s['token_f1']:.3f} | {s['first_choice_f1']:.3f} |")
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
    parser.add_argument("dataset", nargs="?", default="all", choices=("corpus", "laws", "viwiki", "all"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    sets = ["corpus", "laws", "viwiki"] if args.dataset == "all" else [args.dataset]
    for report in run(sets, log).values():
        write(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
