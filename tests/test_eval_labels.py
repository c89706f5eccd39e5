"""The labelled eval sets must stay consistent with the corpus (see eval/data/validate_labels.py)."""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("validate_labels", ROOT / "eval" / "data" / "validate_labels.py")
vl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vl)


@pytest.fixture(scope="module")
def docs():
    d = vl.load_corpus(vl.CORPUS_DIR)
    assert d, "corpus is empty"
    return d


@pytest.fixture(scope="module")
def retrieval():
    rows, errors = vl.load_jsonl(vl.RETRIEVAL_PATH)
    assert errors == []
    return rows


@pytest.fixture(scope="module")
def qa():
    rows, errors = vl.load_jsonl(vl.QA_PATH)
    assert errors == []
    return rows


def test_retrieval_labels_valid(retrieval, docs):
    errors, _ = vl.validate_retrieval(retrieval, docs)
    assert errors == []


def test_retrieval_minimums(retrieval):
    assert vl.retrieval_minimum_errors(retrieval) == []


def test_qa_labels_valid(qa, docs):
    errors, _ = vl.validate_qa(qa, docs)
    assert errors == []


def test_qa_minimums(qa):
    assert vl.qa_minimum_errors(qa) == []


def test_full_run_clean():
    errors, _, _, _ = vl.run()
    assert errors == []


def test_seed_question_answer(qa):
    seed = [r for r in qa if r["answerable"] and r["answer"] == "1.215 đơn thư khiếu nại"]
    assert {r["variant"] for r in seed} >= {"vi", "vi_nodiac", "en"}
    for r in seed:
        assert r["gold"]["doc_id"] == vl.SEED_DOC
        assert r["value"] == {"kind": "number", "number": 1215, "unit": "đơn thư khiếu nại"}


@pytest.mark.parametrize("token,expected", [
    ("1.215", 1215), ("12.001", 12001), ("84,4", 84.4), ("9.209,56", 9209.56),
    ("225.092", 225092), ("08", 8), ("12,5", 12.5), ("1360", 1360),
])
def test_parse_vn_number(token, expected):
    assert vl.parse_vn_number(token) == expected


@pytest.mark.parametrize("answer_type,answer,expected", [
    ("number", "1.215 đơn thư khiếu nại", {"kind": "number", "number": 1215}),
    ("number", "340 tỷ đồng", {"kind": "number", "number": 340}),
    ("number", "01 ngày/tháng", {"kind": "number", "number": 1}),
    ("percent", "71,4 %", {"kind": "percent", "number": 71.4}),
    ("ratio", "38/45 vụ việc", {"kind": "ratio", "number": 38, "denominator": 45}),
    ("date", "26/02/2019", {"kind": "date", "date": "2019-02-26"}),
    ("date", "22/9/2015", {"kind": "date", "date": "2015-09-22"}),
    ("date", "ngày 14 tháng 7 năm 2015", {"kind": "date", "date": "2015-07-14"}),
    ("date", "Tháng 9/2019", {"kind": "date", "date": "2019-09"}),
    ("entity", "Khuông Văn Thông", None),
])
def test_expected_value(answer_type, answer, expected):
    assert vl.expected_value(answer_type, answer) == expected


@pytest.mark.parametrize("answer_type,answer", [
    ("percent", "90 ngày"),  # a duration is not a percentage
    ("number", "84,4%"),
    ("date", "1.215 đơn"),
    ("number", "Sở Nội vụ"),  # no figure at all
])
def test_expected_value_rejects_a_type_the_parser_does_not_read(answer_type, answer):
    with pytest.raises(ValueError):
        vl.expected_value(answer_type, answer)


def test_figure_read_in_context():
    want = {"kind": "number", "number": 48}
    assert vl.parsed_in_context("mức độ 4 là 48 thủ tục, đạt 0,82%", "48 thủ tục", want)
    # the 4 of "mức độ 4" is a level, never a figure
    assert not vl.parsed_in_context("mức độ 4 là 48 thủ tục", "4", {"kind": "number", "number": 4})


def test_documents_are_read_as_indexed(tmp_path):
    """Spans are matched against NFC text, as the indexer stores it, even when the file
    on disk is decomposed (31 of the vlc-laws-2 files are)."""
    import unicodedata

    nfc = "Thời hiệu khiếu nại là 90 ngày"
    (tmp_path / "law.txt").write_text(unicodedata.normalize("NFD", nfc) + "\r\n", encoding="utf-8")
    docs = vl.load_corpus(tmp_path)
    assert nfc in docs["law.txt"] and "\r" not in docs["law.txt"]


def test_issue_questions_present(qa):
    errors, _ = vl.validate_qa(qa, vl.load_corpus(vl.CORPUS_DIR))
    assert not [e for e in errors if "issue-12" in e]
    bad = [r for r in copy.deepcopy(qa) if r["question"] != vl.CORPUS_ISSUE_QUESTIONS[0][0]]
    errors, _ = vl.validate_qa(bad, vl.load_corpus(vl.CORPUS_DIR))
    assert any("issue-12 question" in e for e in errors)


def test_diacritics_and_abbreviations():
    assert not vl.has_diacritics("nghe an giai quyet bao nhieu don khieu nai")
    assert vl.has_diacritics("Nghệ An")
    assert vl.has_diacritics("dan van đ")
    assert vl.has_abbreviation("tỷ lệ giải quyết KNTC")
    assert not vl.has_abbreviation("tỷ lệ giải quyết khiếu nại")


# The checks themselves must catch rot: corrupt a copy and expect errors.
def test_detects_broken_span(retrieval, docs):
    bad = copy.deepcopy(retrieval)
    bad[0]["gold"][0]["span"] = bad[0]["gold"][0]["span"].replace("1.215", "1.216")
    errors, _ = vl.validate_retrieval(bad, docs)
    assert any("not an exact substring" in e for e in errors)


def test_detects_duplicate_id(qa, docs):
    bad = copy.deepcopy(qa)
    bad[1]["id"] = bad[0]["id"]
    errors, _ = vl.validate_qa(bad, docs)
    assert any("duplicate id" in e for e in errors)


def test_detects_answer_outside_span_and_wrong_value(qa, docs):
    bad = copy.deepcopy(qa)
    row = next(r for r in bad if r["answerable"] and r["answer_type"] == "number")
    row["answer"] = "999.999 đơn"
    errors, _ = vl.validate_qa(bad, docs)
    assert any("not a substring of its span" in e for e in errors)
    assert any("does not match answer" in e for e in errors)


def test_detects_unanswerable_with_answer(qa, docs):
    bad = copy.deepcopy(qa)
    row = next(r for r in bad if not r["answerable"])
    row["answer"] = "1.215 đơn thư khiếu nại"
    errors, _ = vl.validate_qa(bad, docs)
    assert any("must have answer = null" in e for e in errors)


def test_detects_unanswerable_without_reason_and_repeated_question(qa, docs):
    bad = copy.deepcopy(qa)
    row = next(r for r in bad if not r["answerable"])
    row["note"] = ""
    bad[1]["question"] = bad[0]["question"]
    errors, _ = vl.validate_qa(bad, docs)
    assert any("needs a note" in e for e in errors)
    assert any("asked 2x" in e for e in errors)


def test_detects_bad_json(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(json.dumps({"id": "r001"}) + "\n{not json\n", encoding="utf-8")
    rows, errors = vl.load_jsonl(p)
    assert len(rows) == 1 and len(errors) == 1


# --------------------------------------------------------------------------- laws_qa.jsonl
# Spans are looked up in ../shared/datasets/vlc-laws-2 (skipped, saying why, on a clone
# without it); everything else about the rows is checked always.
@pytest.fixture(scope="module")
def laws_qa():
    rows, errors = vl.load_jsonl(vl.LAWS_QA_PATH)
    assert errors == []
    return rows


@pytest.fixture(scope="module")
def laws_docs():
    from conftest import shared_path

    d = vl.load_corpus(shared_path("vlc-laws-2"))
    assert len(d) >= 200, "vlc-laws-2 should hold 208 laws"
    return d


def test_laws_rows_consistent_without_the_laws(laws_qa):
    errors, _ = vl.validate_laws_qa(laws_qa, None)
    assert errors == []
    assert vl.laws_qa_minimum_errors(laws_qa) == []


def test_laws_labels_valid(laws_qa, laws_docs):
    errors, _ = vl.validate_laws_qa(laws_qa, laws_docs)
    assert errors == []


def test_laws_full_run_clean():
    from conftest import shared_path

    errors, _, rows = vl.run_laws(laws_dir=shared_path("vlc-laws-2"))
    assert errors == []
    assert len({r["gold"]["doc_id"] for r in rows if r["answerable"]}) >= 40


def test_laws_issue_questions(laws_qa):
    by_question = {r["question"]: r for r in laws_qa}
    for question, doc_id, answer in vl.LAWS_ISSUE_QUESTIONS:
        row = by_question[question]
        assert row["gold"]["doc_id"] == doc_id and row["answer"] == answer
    assert by_question["Thời hiệu khiếu nại là bao nhiêu ngày?"]["value"]["number"] == 90
    assert by_question["Thuế suất thuế giá trị gia tăng là bao nhiêu?"]["value"] == {"kind": "percent", "number": 10}


def test_laws_detects_span_missing_from_the_law(laws_qa, laws_docs):
    bad = copy.deepcopy(laws_qa)
    row = next(r for r in bad if r["answerable"] and r["answer"] == "90 ngày")
    row["gold"]["span"] = row["gold"]["span"].replace("90 ngày", "60 ngày")
    row["answer"] = "60 ngày"
    row["value"]["number"] = 60
    errors, _ = vl.validate_laws_qa(bad, laws_docs)
    assert any("not an exact substring" in e for e in errors)
