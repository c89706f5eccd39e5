#!/usr/bin/env python3
"""Validate the hand-labelled evaluation sets against the corpus (stdlib only).

    python eval/data/validate_labels.py            # prints a summary, exit 1 on any error

Files checked (next to this script):
  corpus_retrieval.jsonl  {"id","query","variant","gold":[{"doc_id","span"}],"note"}
  corpus_qa.jsonl         {"id","question","variant","answerable","answer_type","answer",
                           "value","gold":{"doc_id","span"}|null,"note"}

Checks: every line parses; ids unique; every gold span is an exact substring of its
document (and of the allowed length); every QA answer is a substring of its span and its
`value` is the parse of the answer (Vietnamese number format: "1.215" -> 1215,
"84,4%" -> 84.4, "38/45" -> ratio, "26/02/2019" -> 2019-02-26); unanswerable rows carry
no answer; no-diacritics rows really have no diacritics; abbreviation rows contain an
abbreviation; cross-document rows name >= 2 documents; the seed question exists in
vi / vi_nodiac / en form; counts per variant and answer type meet the minimums.
The functions are imported by tests/test_eval_labels.py.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
CORPUS_DIR = REPO_ROOT / "corpus"
RETRIEVAL_PATH = HERE / "corpus_retrieval.jsonl"
QA_PATH = HERE / "corpus_qa.jsonl"

RETRIEVAL_VARIANTS = ("vi", "vi_nodiac", "abbrev", "en", "cross")
QA_VARIANTS = ("vi", "vi_nodiac", "abbrev", "en")
ANSWER_TYPES = ("number", "percent", "ratio", "date", "entity")

RETRIEVAL_SPAN_LEN = (20, 120)
QA_SPAN_LEN = (20, 200)

# Minimums. Retrieval: "~N" targets from the labelling brief treated as floors.
RETRIEVAL_MIN_TOTAL = 70
RETRIEVAL_MIN_VARIANT = {"vi": 30, "vi_nodiac": 12, "abbrev": 10, "en": 12, "cross": 8}
QA_MIN_ANSWERABLE = 45
QA_MIN_UNANSWERABLE = 8
QA_MIN_NUMERIC = 25  # number + percent + ratio, answerable only
QA_MIN_TYPE = {"date": 5, "entity": 3}
QA_MIN_VARIANT = {"vi_nodiac": 8, "abbrev": 5, "en": 8}  # over all QA rows

ABBREVIATIONS = ("KNTC", "CCHC", "TTHC", "QCDC", "UBND", "HĐND", "MTTQ", "TCD", "DVCQ",
                 "BCĐ", "KNPA", "ĐVHC")

SEED_DOC = "nghe-an-5-nam-thuc-hien-ket-luan-114.txt"
SEED_SPAN_PART = "1.215 đơn thư khiếu nại"
SEED_VARIANTS = ("vi", "vi_nodiac", "en")

_NUM_RE = re.compile(r"\d+(?:\.\d{3})*(?:,\d+)?")
_RATIO_RE = re.compile(r"(\d+(?:\.\d{3})*)\s*/\s*(\d+(?:\.\d{3})*)")
_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


# --------------------------------------------------------------------------- helpers
def load_corpus(corpus_dir: Path = CORPUS_DIR) -> dict[str, str]:
    """doc_id (file name) -> full text, read exactly as stored (UTF-8)."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(corpus_dir).glob("*.txt"))}


def load_jsonl(path: Path) -> tuple[list[dict], list[str]]:
    """Parse a JSONL file; returns (rows, errors). Blank lines are errors too."""
    rows, errors = [], []
    path = Path(path)
    if not path.exists():
        return rows, [f"{path.name}: file missing"]
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line == "" and n > 1:
            continue  # trailing newline
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{path.name}:{n}: not a JSON object")
            continue
        rows.append(obj)
    return rows, errors


def parse_vn_number(token: str) -> float:
    """Vietnamese number format: '.' groups thousands, ',' is the decimal mark."""
    token = token.strip()
    if not _NUM_RE.fullmatch(token):
        raise ValueError(f"not a Vietnamese number: {token!r}")
    value = float(token.replace(".", "").replace(",", "."))
    return int(value) if value.is_integer() else value


def expected_value(answer_type: str, answer: str):
    """The `value` object implied by an answer string (unit is not derivable; ignored)."""
    if answer_type == "entity":
        return None
    if answer_type == "date":
        m = _DATE_RE.search(answer)
        if not m:
            raise ValueError(f"no dd/mm/yyyy date in {answer!r}")
        d, mth, y = (int(g) for g in m.groups())
        return {"kind": "date", "date": _dt.date(y, mth, d).isoformat()}
    if answer_type == "ratio":
        m = _RATIO_RE.search(answer)
        if not m:
            raise ValueError(f"no a/b ratio in {answer!r}")
        return {"kind": "ratio", "number": parse_vn_number(m.group(1)),
                "denominator": parse_vn_number(m.group(2))}
    m = _NUM_RE.search(answer)
    if not m:
        raise ValueError(f"no number in {answer!r}")
    if answer_type == "percent":
        if "%" not in answer:
            raise ValueError(f"percent answer without '%': {answer!r}")
        return {"kind": "percent", "number": parse_vn_number(m.group(0))}
    if answer_type == "number":
        return {"kind": "number", "number": parse_vn_number(m.group(0))}
    raise ValueError(f"unknown answer_type {answer_type!r}")


def has_diacritics(text: str) -> bool:
    if "đ" in text.lower():
        return True
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def has_abbreviation(text: str) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text) for a in ABBREVIATIONS)


def _check_span(where: str, doc_id, span, docs: dict[str, str], bounds, errors, warnings):
    if not isinstance(doc_id, str) or doc_id not in docs:
        errors.append(f"{where}: unknown doc_id {doc_id!r}")
        return
    if not isinstance(span, str) or not span:
        errors.append(f"{where}: empty span")
        return
    lo, hi = bounds
    if not lo <= len(span) <= hi:
        errors.append(f"{where}: span length {len(span)} outside {lo}-{hi}: {span!r}")
    if "\n\n" in span:
        warnings.append(f"{where}: span crosses a paragraph break (may straddle chunks): {span!r}")
    count = docs[doc_id].count(span)
    if count == 0:
        errors.append(f"{where}: span is not an exact substring of {doc_id}: {span!r}")
    elif count > 1:
        warnings.append(f"{where}: span occurs {count}x in {doc_id}: {span!r}")


def _check_ids(rows, prefix, name, errors):
    seen = Counter(r.get("id") for r in rows)
    for i, c in seen.items():
        if c > 1:
            errors.append(f"{name}: duplicate id {i!r} ({c}x)")
    for r in rows:
        if not (isinstance(r.get("id"), str) and re.fullmatch(rf"{prefix}\d{{3,}}", r["id"])):
            errors.append(f"{name}: bad id {r.get('id')!r} (want {prefix}NNN)")


def _check_variant_text(where, variant, text, errors):
    if variant == "vi_nodiac" and has_diacritics(text):
        errors.append(f"{where}: vi_nodiac text has diacritics: {text!r}")
    if variant == "abbrev" and not has_abbreviation(text):
        errors.append(f"{where}: abbrev text has no known abbreviation: {text!r}")
    if variant in ("vi",) and not has_diacritics(text):
        errors.append(f"{where}: vi text has no diacritics: {text!r}")


# --------------------------------------------------------------------------- retrieval
def validate_retrieval(rows: list[dict], docs: dict[str, str]) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    name = "corpus_retrieval"
    _check_ids(rows, "r", name, errors)
    for r in rows:
        rid = r.get("id")
        for key in ("id", "query", "variant", "gold", "note"):
            if key not in r:
                errors.append(f"{name} {rid}: missing key {key!r}")
        if r.get("variant") not in RETRIEVAL_VARIANTS:
            errors.append(f"{name} {rid}: bad variant {r.get('variant')!r}")
        q = r.get("query")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{name} {rid}: empty query")
            continue
        _check_variant_text(f"{name} {rid}", r.get("variant"), q, errors)
        gold = r.get("gold")
        if not isinstance(gold, list) or not gold:
            errors.append(f"{name} {rid}: gold must be a non-empty list")
            continue
        for j, g in enumerate(gold):
            if not isinstance(g, dict):
                errors.append(f"{name} {rid}: gold[{j}] not an object")
                continue
            _check_span(f"{name} {rid} gold[{j}]", g.get("doc_id"), g.get("span"), docs,
                        RETRIEVAL_SPAN_LEN, errors, warnings)
        if r.get("variant") == "cross":
            n_docs = len({g.get("doc_id") for g in gold if isinstance(g, dict)})
            if n_docs < 2:
                errors.append(f"{name} {rid}: cross query needs gold in >= 2 documents")
    # seed question
    for v in SEED_VARIANTS:
        if not any(r.get("variant") == v and any(
                isinstance(g, dict) and g.get("doc_id") == SEED_DOC and SEED_SPAN_PART in (g.get("span") or "")
                for g in r.get("gold") or []) for r in rows):
            errors.append(f"{name}: seed question missing in variant {v!r}")
    return errors, warnings


def retrieval_minimum_errors(rows: list[dict]) -> list[str]:
    errors = []
    if len(rows) < RETRIEVAL_MIN_TOTAL:
        errors.append(f"corpus_retrieval: {len(rows)} rows < {RETRIEVAL_MIN_TOTAL}")
    counts = Counter(r.get("variant") for r in rows)
    for v, m in RETRIEVAL_MIN_VARIANT.items():
        if counts[v] < m:
            errors.append(f"corpus_retrieval: variant {v!r} has {counts[v]} < {m}")
    return errors


# --------------------------------------------------------------------------- QA
def _values_equal(got, want) -> bool:
    if not isinstance(got, dict) or got.get("kind") != want["kind"]:
        return False
    for k, v in want.items():
        g = got.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if not isinstance(g, (int, float)) or abs(float(g) - float(v)) > 1e-9:
                return False
        elif g != v:
            return False
    return True


def validate_qa(rows: list[dict], docs: dict[str, str]) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    name = "corpus_qa"
    _check_ids(rows, "q", name, errors)
    for r in rows:
        rid = r.get("id")
        where = f"{name} {rid}"
        for key in ("id", "question", "variant", "answerable", "answer_type", "answer", "value", "gold", "note"):
            if key not in r:
                errors.append(f"{where}: missing key {key!r}")
        if r.get("variant") not in QA_VARIANTS:
            errors.append(f"{where}: bad variant {r.get('variant')!r}")
        q = r.get("question")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{where}: empty question")
        else:
            _check_variant_text(where, r.get("variant"), q, errors)
        answerable = r.get("answerable")
        if not isinstance(answerable, bool):
            errors.append(f"{where}: answerable must be true/false")
            continue
        at = r.get("answer_type")
        if answerable:
            if at not in ANSWER_TYPES:
                errors.append(f"{where}: bad answer_type {at!r}")
                continue
            gold, answer = r.get("gold"), r.get("answer")
            if not isinstance(gold, dict):
                errors.append(f"{where}: answerable row needs a gold object")
                continue
            if not isinstance(answer, str) or not answer:
                errors.append(f"{where}: answerable row needs an answer string")
                continue
            span = gold.get("span")
            _check_span(where, gold.get("doc_id"), span, docs, QA_SPAN_LEN, errors, warnings)
            if isinstance(span, str) and answer not in span:
                errors.append(f"{where}: answer {answer!r} is not a substring of its span")
            try:
                want = expected_value(at, answer)
            except ValueError as exc:
                errors.append(f"{where}: {exc}")
                continue
            value = r.get("value")
            if want is None:
                if value is not None:
                    errors.append(f"{where}: entity answers carry value null")
            elif not _values_equal(value, want):
                errors.append(f"{where}: value {value!r} does not match answer {answer!r} (want {want})")
            elif at in ("number", "ratio") and not value.get("unit"):
                warnings.append(f"{where}: {at} value without unit")
        else:
            for key in ("answer", "value", "gold"):
                if r.get(key) is not None:
                    errors.append(f"{where}: unanswerable row must have {key} = null")
            if at is not None and at not in ANSWER_TYPES:
                errors.append(f"{where}: bad answer_type {at!r}")
    for v in SEED_VARIANTS:
        if not any(r.get("variant") == v and r.get("answerable") is True
                   and isinstance(r.get("gold"), dict) and r["gold"].get("doc_id") == SEED_DOC
                   and SEED_SPAN_PART in (r.get("answer") or "") for r in rows):
            errors.append(f"{name}: seed question missing in variant {v!r}")
    return errors, warnings


def qa_minimum_errors(rows: list[dict]) -> list[str]:
    errors = []
    ans = [r for r in rows if r.get("answerable") is True]
    unans = [r for r in rows if r.get("answerable") is False]
    if len(ans) < QA_MIN_ANSWERABLE:
        errors.append(f"corpus_qa: {len(ans)} answerable < {QA_MIN_ANSWERABLE}")
    if len(unans) < QA_MIN_UNANSWERABLE:
        errors.append(f"corpus_qa: {len(unans)} unanswerable < {QA_MIN_UNANSWERABLE}")
    types = Counter(r.get("answer_type") for r in ans)
    numeric = types["number"] + types["percent"] + types["ratio"]
    if numeric < QA_MIN_NUMERIC:
        errors.append(f"corpus_qa: {numeric} number/percent/ratio < {QA_MIN_NUMERIC}")
    for t, m in QA_MIN_TYPE.items():
        if types[t] < m:
            errors.append(f"corpus_qa: answer_type {t!r} has {types[t]} < {m}")
    variants = Counter(r.get("variant") for r in rows)
    for v, m in QA_MIN_VARIANT.items():
        if variants[v] < m:
            errors.append(f"corpus_qa: variant {v!r} has {variants[v]} < {m}")
    return errors


# --------------------------------------------------------------------------- report
def summary_table(retrieval: list[dict], qa: list[dict]) -> str:
    lines = []
    rv = Counter(r.get("variant") for r in retrieval)
    lines.append("corpus_retrieval.jsonl")
    lines.append(f"  {'variant':<12}{'rows':>6}{'min':>6}")
    for v in RETRIEVAL_VARIANTS:
        lines.append(f"  {v:<12}{rv[v]:>6}{RETRIEVAL_MIN_VARIANT.get(v, 0):>6}")
    lines.append(f"  {'total':<12}{len(retrieval):>6}{RETRIEVAL_MIN_TOTAL:>6}")
    per_doc = Counter(g.get("doc_id") for r in retrieval for g in (r.get("gold") or []) if isinstance(g, dict))
    lines.append("  gold spans per document:")
    for d, c in sorted(per_doc.items()):
        lines.append(f"    {c:>4}  {d}")
    lines.append("")
    lines.append("corpus_qa.jsonl")
    header = f"  {'variant':<12}" + "".join(f"{t:>9}" for t in ANSWER_TYPES) + f"{'unans.':>9}{'total':>7}"
    lines.append(header)
    for v in QA_VARIANTS:
        rows = [r for r in qa if r.get("variant") == v]
        t = Counter(r.get("answer_type") for r in rows if r.get("answerable") is True)
        u = sum(1 for r in rows if r.get("answerable") is False)
        lines.append(f"  {v:<12}" + "".join(f"{t[x]:>9}" for x in ANSWER_TYPES) + f"{u:>9}{len(rows):>7}")
    t = Counter(r.get("answer_type") for r in qa if r.get("answerable") is True)
    u = sum(1 for r in qa if r.get("answerable") is False)
    lines.append(f"  {'total':<12}" + "".join(f"{t[x]:>9}" for x in ANSWER_TYPES) + f"{u:>9}{len(qa):>7}")
    per_doc = Counter(r["gold"].get("doc_id") for r in qa if isinstance(r.get("gold"), dict))
    lines.append("  answerable questions per document:")
    for d, c in sorted(per_doc.items()):
        lines.append(f"    {c:>4}  {d}")
    return "\n".join(lines)


def run(retrieval_path: Path = RETRIEVAL_PATH, qa_path: Path = QA_PATH,
        corpus_dir: Path = CORPUS_DIR) -> tuple[list[str], list[str], list[dict], list[dict]]:
    """All checks; returns (errors, warnings, retrieval_rows, qa_rows)."""
    docs = load_corpus(corpus_dir)
    errors: list[str] = []
    warnings: list[str] = []
    if not docs:
        errors.append(f"no documents in {corpus_dir}")
    retrieval, e = load_jsonl(retrieval_path)
    errors += e
    qa, e = load_jsonl(qa_path)
    errors += e
    e, w = validate_retrieval(retrieval, docs)
    errors += e
    warnings += w
    errors += retrieval_minimum_errors(retrieval)
    e, w = validate_qa(qa, docs)
    errors += e
    warnings += w
    errors += qa_minimum_errors(qa)
    return errors, warnings, retrieval, qa


def main(argv: list[str] | None = None) -> int:
    errors, warnings, retrieval, qa = run()
    print(summary_table(retrieval, qa))
    print()
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"\n{'FAIL' if errors else 'OK'}: {len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
