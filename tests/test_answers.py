"""/ask on the real reports: the figure with its evidence, or an abstention."""
import httpx
import pytest

from search.answer import served_answerer
from search.answer.question import analyze_question

from conftest import BAC_GIANG, CONFERENCE, NGHE_AN


@pytest.fixture(scope="module")
def answerer(engine):
    return served_answerer(engine)


# the report states how many complaint letters the province received (1.215) and that it
# resolved 100% of them: asked what it received, the figure is stated
@pytest.mark.parametrize("question", [
    "Nghệ An tiếp nhận bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
    "Nghệ An đã tiếp nhận bao nhiêu đơn thư khiếu nại giai đoạn 2015–2020?",
])
def test_nghe_an_complaints(answerer, question):
    response = answerer.ask(question)
    assert response["answer"] == "1.215 đơn thư khiếu nại"
    assert response["value"]["kind"] == "number" and response["value"]["number"] == 1215
    assert response["answer_type"] == "number" and response["confidence"] >= 0.6
    evidence = response["evidence"][0]
    assert evidence["doc_id"] == NGHE_AN and evidence["paragraph"] == 9
    assert "1.215 đơn thư khiếu nại" in evidence["sentence"]
    assert "Nghệ An" in evidence["citation"] and "đoạn 9" in evidence["citation"]
    # the span points at the quoted answer in the document text
    doc = answerer.engine.document(NGHE_AN)
    start, end = evidence["span"]
    assert doc["text"][start:end] == "1.215 đơn thư khiếu nại"


def test_nghe_an_complaints_in_english(answerer):
    # English questions are answered less often (the verifier trusts their first choice less:
    # eval/results/corpus_qa.md, variant=en): the figure is 1.215 or none, its sentence quoted
    response = answerer.ask("How many complaint letters did Nghe An receive between 2015 and 2020?")
    assert response["answer"] in (None, "1.215 đơn thư khiếu nại"), response
    quoted = (response["evidence"] or response.get("best_guess_evidence"))[0]
    assert "1.215 đơn thư khiếu nại" in quoted["sentence"] and quoted["doc_id"] == NGHE_AN


@pytest.mark.parametrize("question", [
    "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
    "nghe an da giai quyet bao nhieu don khieu nai giai doan 2015-2020",
    "How many complaints did Nghe An resolve between 2015 and 2020?",
])
def test_resolved_is_not_stated_as_a_count(answerer, question):
    # asked how many were resolved, the text gives the count received and "resolved 100%":
    # 1.215 is the only figure that may be given; below the threshold the sentence stating it
    # is offered as the best guess, quoted, not as the answer
    response = answerer.ask(question)
    assert response["answer"] in (None, "1.215 đơn thư khiếu nại"), response
    quoted = (response["evidence"] or response.get("best_guess_evidence"))[0]
    assert quoted["doc_id"] == NGHE_AN
    if not question.startswith("How"):
        assert "1.215 đơn thư khiếu nại" in quoted["sentence"]
    # in English the best guess is the sentence of the 38/45 cases resolved in the first half of
    # 2020 (not the period asked, so never given as the answer)


def test_figure_next_to_a_competing_one(answerer):
    # khiếu nại and tố cáo rates sit in one sentence: asked the khiếu nại one, it is given; asked
    # the tố cáo one, the khiếu nại rate never is
    response = answerer.ask("Bắc Giang giải quyết các vụ việc khiếu nại thuộc thẩm quyền đạt tỷ lệ bao nhiêu?")
    assert response["answer"] == "84,7%" and response["value"]["kind"] == "percent"
    assert response["evidence"][0]["doc_id"] == BAC_GIANG
    response = answerer.ask("Bắc Giang giải quyết các vụ việc tố cáo thuộc thẩm quyền đạt tỷ lệ bao nhiêu?")
    assert response["answer"] in (None, "84,9%"), response
    # the reader's choice, given or withheld, is the tố cáo rate: the khiếu nại one is no candidate
    evidence = (response["evidence"] or response.get("best_guess_evidence"))[0]
    start, end = evidence["span"]
    assert answerer.engine.document(evidence["doc_id"])["text"][start:end] == "84,9%"


def test_date_question(answerer):
    response = answerer.ask("Hội nghị tổng kết Ban Chỉ đạo Quy chế dân chủ cơ sở tỉnh được tổ chức vào ngày nào?")
    assert response["answer_type"] == "date"
    assert "26/02/2019" in response["answer"] and response["value"]["date"] == "2019-02-26"
    assert response["evidence"][0]["doc_id"] == CONFERENCE


@pytest.mark.parametrize("question", [
    "Thanh Hóa đã tiếp nhận bao nhiêu đơn khiếu nại năm 2020?",
    "How many complaints did Da Nang resolve in 2019?",
    "huyen Son Tinh nam 2021 tiep bao nhieu luot cong dan",
])
def test_absent_place_abstains(answerer, question):
    response = answerer.ask(question)
    assert response["answer"] is None and response["value"] is None
    assert response["confidence"] < 0.3 and response["reason"]
    assert response["evidence"] == []


def test_period_not_covered_abstains(answerer):
    # the Bình Sơn report covers 2021 only
    response = answerer.ask("Huyện Bình Sơn đã tiếp bao nhiêu lượt công dân năm 2018?")
    assert response["answer"] is None and "2018" in response["reason"]


def test_question_analysis():
    a = analyze_question("How many complaints did Nghe An resolve between 2015 and 2020?")
    assert (a.language, a.asks, a.province, a.years) == ("en", "number", "Nghệ An", (2015, 2020))
    assert "khiếu nại" in a.retrieval_query
    a = analyze_question("tỷ lệ giải quyết đơn KNTC của Bắc Giang")
    assert a.asks == "percent" and a.province == "Bắc Giang"
    a = analyze_question("binh son tiep bao nhieu luot cong dan", {"binh son": "Bình Sơn"})
    assert a.district == "Bình Sơn" and a.counted == "luot cong dan"
    assert analyze_question("Khi nào UBND ban hành kế hoạch 31?").asks == "date"
    # English says the half-year in months and the reform in its own words
    a = analyze_question("How many petitions did Nghệ An's provincial agencies receive in the first six months "
                         "of 2020?")
    assert a.sub_period == "h1" and a.levels == ["tinh"]
    a = analyze_question("By how many people did commune-level cadres in Nghệ An fall after the reorganisation?")
    assert "cán bộ" in a.retrieval_query and "sắp xếp" in a.retrieval_query


def test_names_are_typed_as_people_or_bodies():
    # "Văn" and "Thị", the commonest middle names, are also words of bodies (Văn phòng, Thị xã);
    # "Đoàn" starts bodies (Đoàn Thanh niên) and family names alike; "Hội nghị" is a meeting
    from search.answer.candidates import entity_candidates

    text = ("Hội nghị đồng chí Đoàn Văn Việt kết luận; Khuông Văn Thông ký; Nguyễn Thị Lệ dự; "
            "Đoàn Thanh niên tỉnh; Văn phòng Tỉnh ủy tham gia.")
    typed = {c.text: c.entity_type for c in entity_candidates(analyze_question("Ai kết luận?"), {"text": text}, 1)}
    assert typed["Đoàn Văn Việt"] == typed["Khuông Văn Thông"] == typed["Nguyễn Thị Lệ"] == "person"
    assert typed["Đoàn Thanh niên tỉnh"] == typed["Văn phòng Tỉnh ủy"] == "organisation"
    assert not any(name.startswith("Hội nghị") for name in typed)


def test_ask_over_http(server):
    r = httpx.post(server + "/ask", json={"question": "Nghệ An tiếp nhận bao nhiêu đơn khiếu nại giai đoạn 2015–2020?"},
                   timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answer"] == "1.215 đơn thư khiếu nại" and body["evidence"][0]["citation"]
    assert body["passages"] and {"rank", "citation", "text"} <= set(body["passages"][0])
    r = httpx.post(server + "/ask", json={"question": "  "})
    assert r.status_code == 422


def test_a_directive_filter_scopes_the_answer(answerer):
    # /ask?references=…: the documents the answerer may quote are the ones citing the directive
    # (the listing it scopes with holds the ids already; a 500 here was found by schemathesis)
    from search.filters import Filters

    response = answerer.ask("Nghệ An tiếp nhận bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
                            filters=Filters(references="114-KL/TW"))
    assert response["answer"] == "1.215 đơn thư khiếu nại"
    response = answerer.ask("A", filters=Filters(references="0" * 200))
    assert response["answer"] is None and "bộ lọc" in response["reason"]
