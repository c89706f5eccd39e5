"""Clause-level reading of figures (indexer/clauses.py) and the facts built from it
(indexer/facts.py), on sentences quoted from the reports in corpus/ and from the laws."""
from indexer.clauses import clauses, levels_in, sentence_figures, sub_period_key
from indexer.facts import document_facts, fact_matches, indicator_key, parse_indicator, parse_qualifiers

NGHE_AN = ("Số lần tiếp công dân định kỳ của Chủ tịch UBND cấp huyện trong 5 năm là 12.001 lượt; số lượt tiếp "
           "dân của Chủ tịch UBND tỉnh là: 1360 lượt; toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn "
           "thư tố cáo của công dân và tập trung giải quyết đạt 100% đơn thư khiếu nại, tố cáo của công dân.")
BAC_GIANG = ("Tỷ lệ giải quyết các vụ việc khiếu nại thuộc thẩm quyền 144/170 đạt 84,7%; tỷ lệ giải quyết các "
             "vụ việc tố cáo thuộc thẩm quyền 181/213 đạt 84,9%.")
CCHC = ("Chỉ số CCHC của tỉnh Nghệ An năm 2019 đạt 81,93%, xếp thứ hạng 24/63 tỉnh, thành trong cả nước, "
        "tăng 5 bậc so với năm 2018.")


def by_raw(sentence):
    return {f.quantity.raw: f for f in sentence_figures(sentence)}


def test_each_count_gets_its_own_predicate_and_counted_thing():
    figures = by_raw(NGHE_AN)
    assert figures["12.001 lượt"].predicate == "meet" and figures["12.001 lượt"].levels == {"huyen"}
    assert figures["1360 lượt"].levels == {"tinh"}
    # "tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo": the second clause inherits tiếp nhận
    assert figures["1.215 đơn thư khiếu nại"].predicate == "receive"
    assert figures["684 đơn thư tố cáo"].predicate == "receive"
    assert figures["684 đơn thư tố cáo"].counted == "đơn thư tố cáo"
    assert figures["100%"].predicate == "resolve"


def test_rate_keeps_the_noun_of_its_count():
    figures = by_raw(BAC_GIANG)
    assert "khieu nai" in figures["84,7%"].counted and "to cao" in figures["84,9%"].counted
    assert figures["84,7%"].predicate == figures["84,9%"].predicate == "resolve"


def test_rank_and_change_are_told_apart():
    figures = by_raw(CCHC)
    assert figures["81,93%"].predicate == "reach" and not figures["81,93%"].comparison
    assert figures["24/63 tỉnh"].predicate == "rank"
    assert figures["5 bậc"].predicate == "increase" and figures["5 bậc"].comparison


def test_header_value_rows_and_sub_periods():
    figures = by_raw("Số vụ việc đã giải quyết: 08 vụ; số vụ việc đang giải quyết: 04 vụ việc.")
    assert figures["08 vụ"].predicate == "resolve" and figures["04 vụ việc"].predicate == "remain"
    assert sub_period_key("6 thang dau nam 2020") == "h1" and sub_period_key("trong quy i nam 2024") == "q1"
    # English questions say half-years in months
    assert sub_period_key("in the first six months of 2020") == "h1" == sub_period_key("first 6 months")
    assert sub_period_key("in the last six months of 2019") == "h2" == sub_period_key("the second half of 2019")
    assert levels_in("chu tich ubnd cap huyen") == {"huyen"}
    assert len(clauses("a; b, c (d) trong đó: e")) == 5


def test_a_figure_in_brackets_speaks_of_the_level_of_the_one_it_annotates():
    # corpus/ Nghệ An: "giảm bao nhiêu" asks the bracketed 960, at the commune level of 10.042
    figures = by_raw("Cán bộ, công chức cấp xã: 10.042 người (giảm 960 người). ")
    assert figures["10.042 người"].levels == figures["960 người"].levels == {"xa"}
    assert figures["960 người"].parenthetical and figures["960 người"].predicate == "reduce"
    # a bracketed figure that names its own level keeps it
    figures = by_raw("Toàn tỉnh có 480 xã (cấp huyện 21 đơn vị).")
    assert figures["21 đơn vị"].levels == {"huyen"}


def test_a_change_cut_from_its_subject_keeps_the_subject_s_level():
    # corpus/ Nghệ An: "cấp tỉnh giảm 13,37%" answers the provincial question, not "cấp xã giảm 3,6%"
    figures = by_raw("Tính đến nay, việc tinh giản biên chế đối với công chức cấp xã giảm 3,6%, cấp huyện giảm "
                     "5,24%, cấp tỉnh giảm 13,37% so năm 2015.")
    assert [figures[r].levels for r in ("3,6%", "5,24%", "13,37%")] == [{"xa"}, {"huyen"}, {"tinh"}]
    assert all(figures[r].predicate == "reduce" for r in ("3,6%", "5,24%", "13,37%"))
    assert "cap tinh" in figures["13,37%"].counted


def test_list_markers_codes_and_formula_digits_are_never_figures():
    assert [f.quantity.raw for f in sentence_figures("4- Thời hiệu khiếu nại là 90 ngày.")] == ["90 ngày"]
    assert not sentence_figures("Theo Điều 12, khoản 2 Nghị quyết số 12/2018/NQ-HĐND và Kết luận số 114-KL/TW.")


def test_facts_map_wordings_to_one_indicator():
    record = {"doc_id": "d.txt", "text": "Số vụ việc đã giải quyết: 08 vụ.",
              "metadata": {"province": "Quảng Ngãi", "district": "Bình Sơn", "period": {"from": 2021, "to": 2021}}}
    passage = {"passage_id": "d.txt#p1", "text": "- Tổng số đơn khiếu nại thuộc thẩm quyền: 12 đơn/12 vụ. "
               "Số vụ việc đã giải quyết: 08 vụ.", "paragraph": 1, "start": 0, "end": 90}
    record["text"] = passage["text"]
    facts = {f["raw"]: f for f in document_facts(record, [passage])}
    # the topic and its qualifier come from the item's head; the district's figure is the district's
    assert facts["08 vụ"]["indicator"] == "resolve:khieu-nai+thuoc-tham-quyen"
    assert facts["08 vụ"]["label"] == "Số đơn khiếu nại thuộc thẩm quyền đã giải quyết"
    assert (facts["08 vụ"]["district"], facts["08 vụ"]["province"], facts["08 vụ"]["level"]) == \
        ("Bình Sơn", "Quảng Ngãi", "huyện")
    assert facts["08 vụ"]["period"] == {"from": 2021, "to": 2021, "sub": None, "source": "document",
                                        "inferred": True}
    assert record["text"][slice(*facts["08 vụ"]["span"])] == "08 vụ"
    for wording in ("đơn khiếu nại thuộc thẩm quyền đã giải quyết", "vụ việc khiếu nại thuộc thẩm quyền được giải "
                    "quyết", "đơn thư khiếu nại thuộc thẩm quyền đã xử lý"):
        assert fact_matches(facts["08 vụ"], *parse_indicator(wording), parse_qualifiers(wording)), wording
    # a qualifier makes another indicator
    assert not fact_matches(facts["08 vụ"], *parse_indicator("đơn khiếu nại đã giải quyết"), [])
    assert not fact_matches(facts["08 vụ"], *parse_indicator("đơn tố cáo đã giải quyết"))


def test_citizens_asking_for_a_resolution_is_no_resolution():
    # corpus/ Bắc Giang: "… đã tiếp 487 lượt người đến KNTC và KNPA giải quyết 480 vụ việc"
    sentence = ("Ban Tiếp công dân tiếp công dân thường xuyên đã tiếp 487 lượt người đến KNTC và KNPA giải quyết "
                "480 vụ việc; đến nay đã giải quyết được 38/45 vụ việc.")
    record = {"doc_id": "d.txt", "text": sentence, "metadata": {"province": "Bắc Giang",
                                                                  "period": {"from": 2019, "to": 2019}}}
    passage = {"passage_id": "d.txt#p1", "text": sentence, "paragraph": 1, "start": 0, "end": len(sentence)}
    facts = {f["raw"]: f for f in document_facts(record, [passage])}
    assert facts["480 vụ việc"]["predicate"] == "request"
    assert facts["38/45 vụ việc"]["predicate"] == "resolve"  # "đến nay" is no citizen coming
    assert facts["487 lượt người"]["predicate"] == "meet" and "thuong-xuyen" in facts["487 lượt người"]["qualifiers"]
    assert indicator_key("resolve", ["khieu", "nai"], "percent") == "resolve:khieu-nai:rate"
