#!/usr/bin/env python3
"""Validate the hand-labelled evaluation sets against the documents they quote.

    python eval/data/validate_labels.py            # prints a summary, exit 1 on any error

Files checked (next to this script):
  corpus_retrieval.jsonl  {"id","query","variant","gold":[{"doc_id","span"}],"note"}   over corpus/
  corpus_qa.jsonl         {"id","question","variant","answerable","answer_type","answer",
                           "value","gold":{"doc_id","span"}|null,"note"}               over corpus/
  laws_qa.jsonl           the same QA format over ../shared/datasets/vlc-laws-2 (doc_id = the
                          law's file name); checked only when that folder is present.

Documents are read the way the indexer stores them (`indexer.textnorm.normalize_source`:
NFC, unified newlines), so a span copied from the indexed text matches even where the
file on disk is decomposed Unicode (31 of the 208 laws are).

Checks: every line parses; ids unique; every gold span is an exact substring of its
document (and of the allowed length); every QA answer is a substring of its span; the
`value` of a figure is what the project's number parser (`indexer.numbers.find_quantities`)
reads from the answer ("1.215 đơn" -> 1215, "84,4%" -> 84.4, "38/45" -> ratio,
"26/02/2019" or "ngày 01 tháng 7 năm 2012" -> ISO date, "Tháng 9/2019" -> "2019-09");
unanswerable rows carry no answer and a note saying why; no question is asked twice
in a set; no-diacritics rows really have no diacritics;
abbreviation rows contain an abbreviation; cross-document rows name >= 2 documents; the
seed question and the questions quoted in issue 12 are present; counts per variant,
answer type, abstention and (laws) distinct laws meet the minimums. A warning (not an
error) flags a figure the parser does not read at the answer's place in its span.
The functions are imported by tests/test_eval_labels.py.
"""
from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(REPO_ROOT))

from indexer.textnorm import normalize_source  # noqa: E402
from indexer.numbers import find_quantities  # noqa: E402
from indexer.numbers import parse_vn_number as _project_parse_vn_number  # noqa: E402

CORPUS_DIR = REPO_ROOT / "corpus"
LAWS_DIR = REPO_ROOT.parent / "shared" / "datasets" / "vlc-laws-2"
RETRIEVAL_PATH = HERE / "corpus_retrieval.jsonl"
QA_PATH = HERE / "corpus_qa.jsonl"
LAWS_QA_PATH = HERE / "laws_qa.jsonl"

RETRIEVAL_VARIANTS = ("vi", "vi_nodiac", "abbrev", "en", "cross")
QA_VARIANTS = ("vi", "vi_nodiac", "abbrev", "en")
ANSWER_TYPES = ("number", "percent", "ratio", "date", "entity")

RETRIEVAL_SPAN_LEN = (20, 120)
QA_SPAN_LEN = (20, 200)

# Minimums. Retrieval: "~N" targets from the labelling brief treated as floors.
RETRIEVAL_MIN_TOTAL = 70
RETRIEVAL_MIN_VARIANT = {"vi": 30, "vi_nodiac": 12, "abbrev": 10, "en": 12, "cross": 8}


class QAMinimums:
    """Floors for one QA set (issue 12: >= 200 corpus questions with >= 30 that must
    abstain; >= 150 law questions over >= 40 laws)."""

    def __init__(self, total, answerable, unanswerable, numeric, types, variants, distinct_docs=0):
        self.total = total
        self.answerable = answerable
        self.unanswerable = unanswerable
        self.numeric = numeric  # number + percent + ratio, answerable only
        self.types = types  # per answer type, answerable only
        self.variants = variants  # over all rows
        self.distinct_docs = distinct_docs  # documents with an answerable question


CORPUS_QA_MIN = QAMinimums(total=200, answerable=150, unanswerable=30, numeric=100,
                           types={"number": 60, "percent": 15, "ratio": 5, "date": 15, "entity": 15},
                           variants={"vi": 60, "vi_nodiac": 30, "abbrev": 25, "en": 30})
LAWS_QA_MIN = QAMinimums(total=150, answerable=130, unanswerable=12, numeric=80,
                         types={"number": 60, "percent": 5, "date": 5, "entity": 15},
                         variants={"vi": 60, "vi_nodiac": 25, "abbrev": 5, "en": 20},
                         distinct_docs=40)

ABBREVIATIONS = ("KNTC", "CCHC", "TTHC", "QCDC", "UBND", "HĐND", "MTTQ", "TCD", "DVCQ",
                 "BCĐ", "KNPA", "ĐVHC", "CCCD", "GTGT", "TNCN", "TNDN", "BHXH", "BHYT", "BHTN",
                 "TAND", "VKSND", "CSGT", "GPLX", "TTĐB", "QSDĐ")

SEED_DOC = "nghe-an-5-nam-thuc-hien-ket-luan-114.txt"
SEED_SPAN_PART = "1.215 đơn thư khiếu nại"
SEED_VARIANTS = ("vi", "vi_nodiac", "en")

# Questions quoted in issue 12 that must be in the sets, with the answer the document gives:
# (question, doc_id, answer)
CORPUS_ISSUE_QUESTIONS = (
    ("Chỉ số CCHC của Nghệ An năm 2019 đạt bao nhiêu?", SEED_DOC, "81,93%"),
)
KHIEU_NAI_LAW = "Luat-khieu-nai-2011-132446.txt"
VAT_LAW = "Luat-thue-gia-tri-gia-tang-2008-13-2008-QH12-66934.txt"
LAWS_ISSUE_QUESTIONS = (
    ("Thời hiệu khiếu nại là bao nhiêu ngày?", KHIEU_NAI_LAW, "90 ngày"),
    ("thoi hieu khieu nai la bao nhieu ngay", KHIEU_NAI_LAW, "90 ngày"),
    ("Thuế suất thuế giá trị gia tăng là bao nhiêu?", VAT_LAW, "10%"),
)

# The parser's kinds, as answer types: money and durations are numbers with a unit.
_KIND_TO_ANSWER_TYPE = {"number": "number", "money": "number", "duration": "number",
                        "percent": "percent", "ratio": "ratio", "date": "date"}


# --------------------------------------------------------------------------- helpers
def read_document(path: Path) -> str:
    """A document's text as the indexer stores it (NFC, unified newlines, no BOM)."""
    return normalize_source(Path(path).read_text(encoding="utf-8")).lstrip("\ufeff")


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> dict[str, str]:
    """doc_id (file name) -> normalised full text."""
    return {p.name: read_document(p) for p in sorted(Path(corpus_dir).glob("*.txt"))}


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
    """The project's reading of one numeric token ('1.215' -> 1215, '84,4' -> 84.4)."""
    value = _project_parse_vn_number(token)
    if value is None:
        raise ValueError(f"not a Vietnamese number: {token!r}")
    return value


def _plain(number: float):
    return int(number) if float(number).is_integer() else number


def expected_value(answer_type: str, answer: str):
    """The `value` object the project's number parser reads from an answer string:
    the first quantity in it, whose kind must fit the answer type. The unit is not
    compared (labels name the counted thing; the parser's unit may be shorter)."""
    if answer_type == "entity":
        return None
    if answer_type not in ANSWER_TYPES:
        raise ValueError(f"unknown answer_type {answer_type!r}")
    quantities = find_quantities(answer)
    if not quantities:
        raise ValueError(f"the number parser finds no quantity in {answer!r}")
    q = quantities[0]
    kind = _KIND_TO_ANSWER_TYPE.get(q.kind)
    if kind != answer_type:
        raise ValueError(f"the number parser reads {answer!r} as a {q.kind}, not a {answer_type}")
    if kind == "date":
        return {"kind": "date", "date": q.date}
    value = {"kind": kind, "number": _plain(q.number)}
    if kind == "ratio":
        value["denominator"] = _plain(q.denominator)
    return value


def parsed_in_context(span: str, answer: str, want: dict) -> bool:
    """Does the parser, reading the whole span, see the answer's figure where the answer
    stands? (False when the span's context turns it into a code, label or other number.)"""
    start = span.find(answer)
    end = start + len(answer)
    for q in find_quantities(span):
        if q.start < end and start < q.end:
            if want["kind"] == "date":
                return q.date == want["date"]
            return q.number is not None and abs(q.number - want["number"]) < 1e-9
    return False


def has_diacritics(text: str) -> bool:
    if "đ" in text.lower():
        return True
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def has_abbreviation(text: str) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text) for a in ABBREVIATIONS)


def _check_span(where: str, doc_id, span, docs: dict[str, str] | None, bounds, errors, warnings):
    """docs=None: the documents are absent (a fresh clone without ../shared); check
    everything except that the span is in its document."""
    if not isinstance(doc_id, str) or (docs is not None and doc_id not in docs):
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
    if docs is None:
        return
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


def _validate_qa_rows(rows: list[dict], docs: dict[str, str] | None, name: str,
                      prefix: str) -> tuple[list[str], list[str]]:
    """Row-level checks shared by the corpus and the laws QA sets."""
    errors, warnings = [], []
    _check_ids(rows, prefix, name, errors)
    for question, n in Counter(r.get("question") for r in rows).items():
        if n > 1:
            errors.append(f"{name}: question asked {n}x: {question!r}")
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
            else:
                if at in ("number", "ratio") and not value.get("unit"):
                    warnings.append(f"{where}: {at} value without unit")
                if isinstance(span, str) and answer in span and not parsed_in_context(span, answer, want):
                    warnings.append(f"{where}: the number parser does not read {answer!r} as "
                                    f"{want} where it stands in its span")
        else:
            for key in ("answer", "value", "gold"):
                if r.get(key) is not None:
                    errors.append(f"{where}: unanswerable row must have {key} = null")
            if not (isinstance(r.get("note"), str) and r["note"].strip()):
                errors.append(f"{where}: unanswerable row needs a note saying why the corpus cannot answer it")
            if at is not None and at not in ANSWER_TYPES:
                errors.append(f"{where}: bad answer_type {at!r}")
    return errors, warnings


def _issue_question_errors(rows: list[dict], name: str, required) -> list[str]:
    errors = []
    for question, doc_id, answer in required:
        if not any(r.get("question") == question and r.get("answerable") is True
                   and r.get("answer") == answer and isinstance(r.get("gold"), dict)
                   and r["gold"].get("doc_id") == doc_id for r in rows):
            errors.append(f"{name}: issue-12 question {question!r} (answer {answer!r} in {doc_id}) missing")
    return errors


def validate_qa(rows: list[dict], docs: dict[str, str]) -> tuple[list[str], list[str]]:
    """corpus_qa.jsonl over corpus/."""
    name = "corpus_qa"
    errors, warnings = _validate_qa_rows(rows, docs, name, "q")
    for v in SEED_VARIANTS:
        if not any(r.get("variant") == v and r.get("answerable") is True
                   and isinstance(r.get("gold"), dict) and r["gold"].get("doc_id") == SEED_DOC
                   and SEED_SPAN_PART in (r.get("answer") or "") for r in rows):
            errors.append(f"{name}: seed question missing in variant {v!r}")
    errors += _issue_question_errors(rows, name, CORPUS_ISSUE_QUESTIONS)
    return errors, warnings


def validate_laws_qa(rows: list[dict], docs: dict[str, str] | None) -> tuple[list[str], list[str]]:
    """laws_qa.jsonl over ../shared/datasets/vlc-laws-2 (docs=None when it is absent:
    every check but the spans' presence in the laws)."""
    name = "laws_qa"
    errors, warnings = _validate_qa_rows(rows, docs, name, "l")
    errors += _issue_question_errors(rows, name, LAWS_ISSUE_QUESTIONS)
    return errors, warnings


def _minimum_errors(rows: list[dict], name: str, m: QAMinimums) -> list[str]:
    errors = []
    ans = [r for r in rows if r.get("answerable") is True]
    unans = [r for r in rows if r.get("answerable") is False]
    if len(rows) < m.total:
        errors.append(f"{name}: {len(rows)} questions < {m.total}")
    if len(ans) < m.answerable:
        errors.append(f"{name}: {len(ans)} answerable < {m.answerable}")
    if len(unans) < m.unanswerable:
        errors.append(f"{name}: {len(unans)} unanswerable < {m.unanswerable}")
    types = Counter(r.get("answer_type") for r in ans)
    numeric = types["number"] + types["percent"] + types["ratio"]
    if numeric < m.numeric:
        errors.append(f"{name}: {numeric} number/percent/ratio < {m.numeric}")
    for t, n in m.types.items():
        if types[t] < n:
            errors.append(f"{name}: answer_type {t!r} has {types[t]} < {n}")
    variants = Counter(r.get("variant") for r in rows)
    for v, n in m.variants.items():
        if variants[v] < n:
            errors.append(f"{name}: variant {v!r} has {variants[v]} < {n}")
    if m.distinct_docs:
        n_docs = len({r["gold"].get("doc_id") for r in ans if isinstance(r.get("gold"), dict)})
        if n_docs < m.distinct_docs:
            errors.append(f"{name}: answerable questions cover {n_docs} documents < {m.distinct_docs}")
    return errors


def qa_minimum_errors(rows: list[dict]) -> list[str]:
    return _minimum_errors(rows, "corpus_qa", CORPUS_QA_MIN)


def laws_qa_minimum_errors(rows: list[dict]) -> list[str]:
    return _minimum_errors(rows, "laws_qa", LAWS_QA_MIN)


# --------------------------------------------------------------------------- report
def _qa_table(title: str, qa: list[dict], m: QAMinimums) -> list[str]:
    lines = [title]
    header = f"  {'variant':<12}" + "".join(f"{t:>9}" for t in ANSWER_TYPES) + f"{'unans.':>9}{'total':>7}{'min':>6}"
    lines.append(header)
    for v in QA_VARIANTS:
        rows = [r for r in qa if r.get("variant") == v]
        t = Counter(r.get("answer_type") for r in rows if r.get("answerable") is True)
        u = sum(1 for r in rows if r.get("answerable") is False)
        lines.append(f"  {v:<12}" + "".join(f"{t[x]:>9}" for x in ANSWER_TYPES)
                     + f"{u:>9}{len(rows):>7}{m.variants.get(v, 0):>6}")
    t = Counter(r.get("answer_type") for r in qa if r.get("answerable") is True)
    u = sum(1 for r in qa if r.get("answerable") is False)
    lines.append(f"  {'total':<12}" + "".join(f"{t[x]:>9}" for x in ANSWER_TYPES) + f"{u:>9}{len(qa):>7}{m.total:>6}")
    lines.append(f"  {'min':<12}" + "".join(f"{m.types.get(x, 0):>9}" for x in ANSWER_TYPES) + f"{m.unanswerable:>9}")
    per_doc = Counter(r["gold"].get("doc_id") for r in qa if isinstance(r.get("gold"), dict))
    lines.append(f"  answerable questions per document ({len(per_doc)} documents):")
    for d, c in sorted(per_doc.items()):
        lines.append(f"    {c:>4}  {d}")
    return lines


def summary_table(retrieval: list[dict], qa: list[dict], laws_qa: list[dict] | None = None) -> str:
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
    lines += _qa_table("corpus_qa.jsonl", qa, CORPUS_QA_MIN)
    if laws_qa is not None:
        lines.append("")
        lines += _qa_table("laws_qa.jsonl", laws_qa, LAWS_QA_MIN)
    return "\n".join(lines)


def run(retrieval_path: Path = RETRIEVAL_PATH, qa_path: Path = QA_PATH,
        corpus_dir: Path = CORPUS_DIR) -> tuple[list[str], list[str], list[dict], list[dict]]:
    """All checks over corpus/; returns (errors, warnings, retrieval_rows, qa_rows)."""
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


def run_laws(laws_qa_path: Path = LAWS_QA_PATH,
             laws_dir: Path = LAWS_DIR) -> tuple[list[str], list[str], list[dict]]:
    """All checks of laws_qa.jsonl over the laws folder (which must exist)."""
    docs = load_corpus(laws_dir)
    errors: list[str] = []
    if not docs:
        errors.append(f"no documents in {laws_dir}")
    rows, e = load_jsonl(laws_qa_path)
    errors += e
    e, warnings = validate_laws_qa(rows, docs)
    errors += e
    errors += laws_qa_minimum_errors(rows)
    return errors, warnings, rows


def main(argv: list[str] | None = None) -> int:
    errors, warnings, retrieval, qa = run()
    laws_qa = None
    if LAWS_DIR.is_dir():
        e, w, laws_qa = run_laws()
    else:
        laws_qa, e = load_jsonl(LAWS_QA_PATH)
        e2, w = validate_laws_qa(laws_qa, None)
        e += e2 + laws_qa_minimum_errors(laws_qa)
    errors += e
    warnings += w
    print(summary_table(retrieval, qa, laws_qa))
    print()
    if not LAWS_DIR.is_dir():
        print(f"PARTLY SKIPPED: {LAWS_DIR} is absent, so laws_qa.jsonl spans were not looked up in the laws")
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"\n{'FAIL' if errors else 'OK'}: {len(errors)} error(s), {len(warnings)} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
