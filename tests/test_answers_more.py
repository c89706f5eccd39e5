"""The issue-12 examples for the learned answerer (search/answer/learned.py): a sub-period
asked (quý I) that the document covers, law questions (the laws concerned indexed from
../shared; those tests skip without it), a law of another year than the one asked, the
figure a sentence states beside a rank change, names for entity questions.

The answerer withholds an answer its verifier (figures) or margin (names) does not trust
enough (a wrong figure is worse than none), so these check its choice — the answer, or
the best guess it withheld — and that no other answer is ever given."""
import shutil

import pytest

from conftest import shared_path


def chosen(answerer, response):
    """The reader's choice: the answer given, or the best guess it withheld, read from the
    document at its evidence's span."""
    if response["answer"] is not None:
        return response["answer"]
    guess = (response.get("best_guess_evidence") or [None])[0]
    if guess is None:
        return None
    start, end = guess["span"]
    return answerer.engine.document(guess["doc_id"])["text"][start:end]

QUARTER_REPORT = """UỶ BAN NHÂN DÂN TỈNH BẮC GIANG
Số: 45/BC-UBND
Bắc Giang, ngày 05 tháng 4 năm 2024

BÁO CÁO
Kết quả công tác tiếp công dân, giải quyết khiếu nại, tố cáo quý I năm 2024

1. Công tác tiếp công dân
Các cơ quan hành chính nhà nước trên địa bàn tỉnh đã tiếp 812 lượt công dân với 655 vụ việc.

2. Tiếp nhận, xử lý đơn thư
Toàn tỉnh đã tiếp nhận 340 đơn khiếu nại, 96 đơn tố cáo; đã giải quyết 71 vụ việc khiếu nại thuộc thẩm quyền.
"""


@pytest.fixture(scope="module")
def quarter_answerer(tmp_path_factory, encoder):
    from indexer.build import build_index
    from search.answer import LearnedAnswerer
    from search.engine import SearchEngine

    root = tmp_path_factory.mktemp("quarter")
    (root / "corpus").mkdir()
    (root / "corpus" / "bac-giang-bao-cao-quy-1-2024.txt").write_text(QUARTER_REPORT, encoding="utf-8")
    build_index(root / "corpus", root / "index", encoder=encoder)
    return LearnedAnswerer(SearchEngine(root / "index", encoder=encoder))


def test_sub_period_narrows_not_blocks(quarter_answerer):
    # issue 12: "trong quý I năm 2024" made /ask abstain although the figure is there
    response = quarter_answerer.ask("Trong quý I năm 2024, tỉnh Bắc Giang tiếp nhận bao nhiêu đơn khiếu nại?")
    assert chosen(quarter_answerer, response) == "340 đơn khiếu nại", response
    assert response["answer"] in (None, "340 đơn khiếu nại")
    # another period than the one the report covers is still refused
    assert quarter_answerer.ask("Năm 2022 tỉnh Bắc Giang tiếp nhận bao nhiêu đơn khiếu nại?")["answer"] is None


LAWS = ("Luat-khieu-nai-2011-132446.txt", "Luat-thue-gia-tri-gia-tang-2008-13-2008-QH12-66934.txt")


@pytest.fixture(scope="module")
def law_answerer(tmp_path_factory, encoder):
    from indexer.build import build_index
    from search.answer import LearnedAnswerer
    from search.engine import SearchEngine

    folder = shared_path("vlc-laws-2")
    root = tmp_path_factory.mktemp("laws")
    (root / "corpus").mkdir()
    for name in LAWS:
        shutil.copyfile(folder / name, root / "corpus" / name)
    build_index(root / "corpus", root / "index", encoder=encoder)
    return LearnedAnswerer(SearchEngine(root / "index", encoder=encoder))


@pytest.mark.slow
@pytest.mark.parametrize("question", ["Thời hiệu khiếu nại là bao nhiêu ngày?", "thoi hieu khieu nai la bao nhieu ngay"])
def test_time_limit_from_the_plain_sentence(law_answerer, question):
    # issue 12: no answer, or "4" from the list marker "4-"
    response = law_answerer.ask(question)
    assert chosen(law_answerer, response) == "90 ngày" and response["answer"] in (None, "90 ngày")
    evidence = (response["evidence"] or response["best_guess_evidence"])[0]
    assert "Thời hiệu khiếu nại là 90 ngày" in evidence["sentence"]


@pytest.mark.slow
def test_a_law_of_another_year_is_not_the_one_asked(law_answerer):
    # the index holds the Luật Khiếu nại of 2011: asked about a 2020 one, its 90 ngày would
    # answer for a text that is not there (the same question naming 2011 is read as before)
    response = law_answerer.ask("Theo Luật Khiếu nại 2020, thời hiệu khiếu nại là bao nhiêu ngày?")
    assert response["answer"] is None and "2011" in response["reason"] and "2020" in response["reason"]
    response = law_answerer.ask("Theo Luật Khiếu nại 2011, thời hiệu khiếu nại là bao nhiêu ngày?")
    assert chosen(law_answerer, response) == "90 ngày"


@pytest.mark.slow
def test_rate_not_a_formula_digit(law_answerer):
    # issue 12: "1" from the formula "1 + thuế suất"; the general rate is 10%
    response = law_answerer.ask("Thuế suất thuế giá trị gia tăng là bao nhiêu?")
    assert chosen(law_answerer, response) not in (None, "1") and response["answer"] != "1"
    # not yet right: the reader prefers the 0% of exports to the general 10% (issue 12 stays open)


# --- the examples over the shipped reports ------------------------------------------------
@pytest.fixture(scope="module")
def answerer(engine):
    from search.answer import served_answerer

    return served_answerer(engine)


@pytest.mark.parametrize("question", ["Chỉ số CCHC của Nghệ An năm 2019 đạt bao nhiêu?",
                                      "chi so cai cach hanh chinh nghe an nam 2019 dat bao nhieu phan tram"])
def test_index_value_not_its_rank_change(answerer, question):
    # issue 12: "5 bậc" (the rise in rank) was returned; the text gives 81,93%. The reader's
    # choice is 81,93%; whether it is given depends on the verifier, never "5 bậc"
    response = answerer.ask(question)
    assert chosen(answerer, response) == "81,93%", response
    assert response["answer"] in (None, "81,93%")


def test_a_change_is_not_the_count_asked(answerer):
    # corpus/ Bắc Giang: "… tiếp 698 lượt người đến KNTC và KNPA giải quyết 593 vụ việc (*giảm 159
    # lượt người và giảm 253 vụ việc so với CKNT*)": the changes against last year are no candidates
    # unless a change is asked
    read = answerer.read("Năm 2019 các Sở, cơ quan thuộc UBND tỉnh Bắc Giang tiếp công dân với bao nhiêu vụ việc?")
    figures = {c.text for c in read[2].get("figure", [])}
    assert "593 vụ việc" in figures and not figures & {"253 vụ việc", "187 vụ việc", "159 lượt người"}
    read = answerer.read("Năm 2019 số vụ việc các Sở, cơ quan thuộc UBND tỉnh Bắc Giang tiếp nhận giảm bao nhiêu so "
                         "với cùng kỳ?")
    assert "253 vụ việc" in {c.text for c in read[2].get("figure", [])}


def test_signer_is_a_name(answerer):
    # issue 12: entity questions returned a sentence instead of the name
    response = answerer.ask("Ai ký báo cáo công tác dân vận chính quyền năm 2021 của huyện Bình Sơn?")
    assert chosen(answerer, response) == "Phạm Quang Sự" and response["answer"] in (None, "Phạm Quang Sự")


BODY_QUESTION = "Which agency transferred 15 long-running complaint cases to Bắc Giang for review?"


def test_body_is_never_a_wrong_name(answerer):
    response = answerer.ask(BODY_QUESTION)
    assert response["answer"] in (None, "Thanh tra Chính phủ"), response


def test_body_is_a_name(answerer):
    # the reader's choice (its margin decides whether it is given): the body, not a span
    assert chosen(answerer, answerer.ask(BODY_QUESTION)) == "Thanh tra Chính phủ"


def test_read_spans_never_cut_a_name():
    # the span reader's "Thanh tra Chính" (of "Thanh tra Chính phủ") made a refit choose half a
    # body's name: a span starting or ending inside a name the patterns find is no candidate
    from search.answer.candidates import entity_candidates, read_span_candidates
    from search.answer.question import analyze_question
    from search.answer.span_reader import Span

    text = "Năm 2019, Thanh tra Chính phủ chuyển 15 vụ việc khiếu nại kéo dài để tỉnh Bắc Giang rà soát."
    hit = {"text": text, "metadata": {}}
    analysis = analyze_question("Cơ quan nào chuyển 15 vụ việc khiếu nại kéo dài?")

    def span(piece):
        start = text.index(piece)
        return Span(0, start, start + len(piece), piece, 5.0, 0.0)

    spans = [span("Thanh tra Chính"), span("Chính phủ chuyển 15 vụ việc"), span("Thanh tra Chính phủ chuyển"),
             span("15 vụ việc khiếu nại kéo dài")]
    assert "Thanh tra Chính phủ" in {c.text for c in entity_candidates(analysis, hit, 1)}
    kept = {c.text for c in read_span_candidates("span", analysis, hit, 1, spans, [])}
    assert kept == {"Thanh tra Chính phủ chuyển", "15 vụ việc khiếu nại kéo dài"}
