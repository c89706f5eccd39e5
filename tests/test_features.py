"""Features the reader weighs (search/answer/features.py) on text quoted from corpus/ and the laws."""
from search.answer.candidates import Candidate
from search.answer.features import QuestionContext, heading_features, item_lead
from search.answer.question import analyze_question

# corpus/ Bình Sơn: each list item's lead says whose its later figures are
BINH_SON = ("- Tổng số đơn khiếu nại thuộc thẩm quyền: 12 đơn/12 vụ (*có 04 vụ kỳ trước chuyển sang*). Số vụ "
            "việc đã giải quyết: 08 vụ; số vụ việc đang giải quyết: 04 vụ việc.\n\n- Tổng số đơn tố cáo thuộc "
            "thẩm quyền: 05 đơn/05 vụ (*có 01 vụ kỳ trước chuyển sang*). Số vụ việc đã giải quyết: 05 vụ.")


def figure_at(text: str, raw: str, occurrence: int = 0, heading_path=None) -> Candidate:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(raw, start + 1)
    hit = {"text": text, "heading_path": heading_path or []}
    return Candidate("figure", hit, 1, (0, len(text)), (0, len(text)), start, start + len(raw))


def test_a_list_item_s_lead_names_whose_figures_follow():
    ctx = QuestionContext(analyze_question("Huyện Bình Sơn đã giải quyết bao nhiêu vụ khiếu nại năm 2021?"))
    complaints, denunciations = figure_at(BINH_SON, "08 vụ"), figure_at(BINH_SON, "05 vụ", 1)
    assert item_lead(complaints) == "- Tổng số đơn khiếu nại thuộc thẩm quyền"
    assert item_lead(denunciations) == "- Tổng số đơn tố cáo thuộc thẩm quyền"
    asked, other = heading_features(ctx, complaints), heading_features(ctx, denunciations)
    assert asked["item_lead_terms"] > other["item_lead_terms"]
    assert (asked["item_lead_contrast"], other["item_lead_contrast"]) == (0.0, 1.0)
    # a sentence outside any list has no lead
    assert item_lead(figure_at("Toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại.", "1.215 đơn")) is None


def test_an_article_title_names_what_its_figures_are():
    # the laws: "Điều 9. Thời hiệu khiếu nại" over "… là 90 ngày" against a deadline of another article
    ctx = QuestionContext(analyze_question("Thời hiệu khiếu nại là bao nhiêu ngày?"))
    title = figure_at("Thời hiệu khiếu nại là 90 ngày, kể từ ngày nhận được quyết định hành chính.", "90 ngày",
                      heading_path=["Chương 2 KHIẾU NẠI", "Điều 9. Thời hiệu khiếu nại"])
    other = figure_at("Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày.", "30 ngày",
                      heading_path=["Chương 2 KHIẾU NẠI", "Điều 28. Thời hạn giải quyết khiếu nại lần đầu"])
    assert heading_features(ctx, title)["heading_terms"] > heading_features(ctx, other)["heading_terms"]
    assert "heading_terms" not in heading_features(ctx, figure_at("Có 90 ngày.", "90 ngày"))
