"""The home page's data (GET /overview, search/overview.py), refusal reasons in Vietnamese
(api/reasons.py) and a directive found by either spelling (issue 25). The page itself, its
example questions answered and uploads are driven in tests/test_browser.py."""
from __future__ import annotations

from conftest import BAC_GIANG, NGHE_AN


def test_the_overview_counts_what_the_archive_holds(engine):
    from search.overview import ArchiveOverview

    counts = ArchiveOverview(engine)._compute(engine.pinned())
    assert counts["documents"] == 5 and counts["passages"] == engine.health()["passages"]
    provinces = {f["value"]: f["count"] for f in counts["facets"]["province"]}
    assert provinces == {"Nghệ An": 2, "Bắc Giang": 1, "Quảng Ngãi": 1, None: 1}
    assert [f["value"] for f in counts["facets"]["year"]][-1] is None  # unknown last
    # newest first: the 2021 Bình Sơn report, then the Bắc Giang report of 07/2020
    assert [d["doc_id"] for d in counts["newest"][:2]] == ["binh-son-bao-cao-dan-van-chinh-quyen-2021.txt", BAC_GIANG]


def test_a_question_is_written_from_a_figure_in_its_sentence():
    from search.overview import question_from_fact

    sentence = ("Số lần tiếp công dân định kỳ của Chủ tịch UBND cấp huyện trong 5 năm là 12.001 lượt; "
                "toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân.")
    fact = {"sentence": sentence, "raw": "1.215 đơn thư khiếu nại", "kind": "number", "value": 1215.0,
            "province": "Nghệ An", "district": None, "period": {"from": 2015, "to": 2020}, "comparison": False}
    assert question_from_fact(fact) == "Nghệ An đã tiếp nhận bao nhiêu đơn thư khiếu nại giai đoạn 2015–2020?"
    # "là 12.001 lượt": no verb of counting before the figure, nothing to ask with
    assert question_from_fact(fact | {"raw": "12.001 lượt", "value": 12001.0}) is None
    assert question_from_fact(fact | {"comparison": True}) is None


def test_refusal_reasons_are_vietnamese():
    from api.reasons import vietnamese_reason

    assert vietnamese_reason("empty file") == "Tệp rỗng (0 byte)."
    assert vietnamese_reason("the content is PDF, not .txt; rename it .pdf") == \
        "Nội dung là tệp PDF chứ không phải .txt: hãy đổi tên thành .pdf."
    assert vietnamese_reason("unsupported file type .exe; supported: .txt, .md") == \
        "Không hỗ trợ loại tệp .exe. Các loại được nhận: .txt, .md."
    assert vietnamese_reason("something new") == "Không lập chỉ mục được tệp này (something new)."


def test_either_spelling_of_a_directive_finds_it(engine):
    from search.filters import Filters

    listed = engine.directives()
    ids = [d["id"] for d in listed]
    assert "13/CT-UBND" in ids and "13-CT/UBND" not in ids
    assert next(d for d in listed if d["id"] == "13/CT-UBND")["spellings"] == ["13/CT-UBND", "13-CT/UBND"]
    for spelling in ("13/CT-UBND", "13-CT/UBND"):
        assert engine.directive(spelling)["id"] == "13/CT-UBND"
        found = engine.search_documents("dân vận", filters=Filters(references=spelling), mode="bm25")
        assert [d["doc_id"] for d in found["documents"]] == [NGHE_AN], spelling
