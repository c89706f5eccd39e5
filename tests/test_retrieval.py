"""Retrieval on the real reports with the real model: questions a civil servant asks."""
import pytest

from conftest import BAC_GIANG, BINH_SON, NGHE_AN

NGHE_AN_COMPLAINTS = [
    "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
    "nghe an da giai quyet bao nhieu don khieu nai giai doan 2015-2020",
    "How many complaints did Nghe An resolve between 2015 and 2020?",
]


@pytest.mark.parametrize("query", NGHE_AN_COMPLAINTS)
def test_nghe_an_complaints_in_top3_hybrid(engine, query):
    results = engine.search(query, k=3, mode="hybrid")["results"]
    assert any("1.215 đơn thư khiếu nại" in r["text"] for r in results), [r["passage_id"] for r in results]
    hit = next(r for r in results if "1.215 đơn thư khiếu nại" in r["text"])
    assert hit["doc_id"] == NGHE_AN and hit["paragraph"] == 9


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_every_mode_finds_the_vietnamese_question(engine, mode):
    results = engine.search(NGHE_AN_COMPLAINTS[0], k=10, mode=mode)["results"]
    assert any("1.215 đơn thư khiếu nại" in r["text"] for r in results)


@pytest.mark.parametrize("query,doc_id,needle", [
    ("kết quả giải quyết KNTC của Bắc Giang năm 2019", BAC_GIANG, "Năm 2019, toàn tỉnh đã tiếp 7.570 lượt"),
    ("tong so don khieu nai thuoc tham quyen huyen Binh Son", BINH_SON, "Tổng số đơn khiếu nại thuộc thẩm quyền"),
    ("cải cách TTHC một cửa liên thông Bắc Giang", BAC_GIANG, "một cửa"),
])
def test_abbreviations_and_unaccented_queries(engine, query, doc_id, needle):
    results = engine.search(query, k=5, mode="hybrid")["results"]
    assert any(r["doc_id"] == doc_id and needle in r["text"] for r in results), \
        [(r["passage_id"], r["text"][:60]) for r in results]


def test_result_shape_and_citation(engine):
    response = engine.search("tiếp công dân định kỳ", k=5)
    assert set(response) >= {"query", "mode", "took_ms", "results"}
    for rank, hit in enumerate(response["results"], start=1):
        assert hit["rank"] == rank
        assert set(hit) >= {"rank", "score", "passage_id", "doc_id", "title", "paragraph", "heading_path",
                            "text", "highlights", "citation"}
        assert f"đoạn {hit['paragraph']}" in hit["citation"]
        for start, end in hit["highlights"]:
            assert 0 <= start < end <= len(hit["text"])
    scores = [h["score"] for h in response["results"]]
    assert scores == sorted(scores, reverse=True)


def test_highlights_are_accent_insensitive(engine):
    hit = engine.search("khieu nai to cao", k=1, mode="bm25")["results"][0]
    marked = [hit["text"][s:e].lower() for s, e in hit["highlights"]]
    assert any("khiếu nại" in m for m in marked), marked


def test_citation_names_section_and_paragraph(engine):
    hit = next(r for r in engine.search("Việc rà soát phân loại đơn thư được thực hiện đầy đủ", k=3, mode="bm25")["results"]
               if r["doc_id"] == BAC_GIANG)
    assert "mục B. II. 4.2" in hit["citation"] and f"đoạn {hit['paragraph']}" in hit["citation"]
    assert hit["section"] == "B. II. 4.2"
