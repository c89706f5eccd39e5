"""Tests for indexer.numbers on sentences quoted from the reports in corpus/.

Every quoted sentence goes through ``real()``, which fails if the string is not
in the named corpus file, so the examples cannot drift away from the data.
Some reports contain non-breaking spaces; they are quoted as ``\u00a0``.
"""

from __future__ import annotations

import json
import re

import pytest

from indexer.numbers import (
    KINDS,
    Quantity,
    counted_noun_matches,
    find_dates,
    find_quantities,
    fold_diacritics,
    parse_date,
    parse_vn_number,
)

from conftest import BAC_GIANG, BINH_SON, CORPUS, NGHE_AN, THAI_HOA
from conftest import CONFERENCE as HOI_NGHI
CORPUS_FILES = [NGHE_AN, BAC_GIANG, BINH_SON, HOI_NGHI, THAI_HOA]


def corpus_text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def real(name: str, fragment: str) -> str:
    """Return ``fragment`` after checking that it occurs in corpus file ``name``."""
    assert fragment in corpus_text(name), f"not in {name}: {fragment!r}"
    return fragment


def summary(quantities: list[Quantity]) -> list[tuple]:
    """(kind, number, unit) triples: compact to compare."""
    return [(q.kind, q.number, q.unit) for q in quantities]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("1.215", 1215),
        ("12.001", 12001),
        ("35.942", 35942),
        ("6.376.697", 6376697),
        ("84,7", 84.7),
        ("9.209,56", 9209.56),
        ("6.858,208", 6858.208),
        ("05", 5),
        ("09", 9),
        ("1360", 1360),
        ("1,215", 1.215),  # "," is always the decimal mark
        ("2.5", 2.5),  # "." not followed by three digits: English-style decimal
        ("0.500", 0.5),  # a leading zero is never a thousands group
        ("4.2.1", None),  # section number
        ("1,234,567", None),  # two decimal marks
        ("", None),
        ("12a", None),
    ],
)
def test_parse_vn_number(token, expected):
    assert parse_vn_number(token) == expected


# ---------------------------------------------------------------- Nghệ An


def test_complaint_letters_with_units_and_percent():
    sentence = real(
        NGHE_AN,
        "toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo của công dân "
        "và tập trung giải quyết đạt 100% đơn thư khiếu nại, tố cáo của công dân.",
    )
    assert summary(find_quantities(sentence)) == [
        ("number", 1215, "đơn thư khiếu nại"),
        ("number", 684, "đơn thư tố cáo"),
        ("percent", 100, "%"),
    ]


def test_raw_covers_number_and_unit():
    sentence = real(NGHE_AN, "toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu nại, 684 đơn thư tố cáo")
    first = find_quantities(sentence)[0]
    assert first.raw == "1.215 đơn thư khiếu nại"
    assert sentence[first.start : first.end] == first.raw


def test_document_code_in_heading_is_not_a_quantity():
    heading = real(
        NGHE_AN,
        "Kết quả 05 năm thực hiện Kết luận số 114-KL/TW, ngày 14/7/2015 của Ban Bí thư "
        "Trung ương Đảng (khoá XI)",
    )
    quantities = find_quantities(heading)
    assert summary(quantities) == [("duration", 5, "năm"), ("date", None, None)]
    assert quantities[1].date == "2015-07-14"


def test_no_quantity_from_kl_tw_anywhere_in_nghe_an():
    quantities = find_quantities(corpus_text(NGHE_AN))
    assert all(q.number != 114 for q in quantities)
    assert not any("KL" in q.raw or "TW" in q.raw for q in quantities)


def test_ratio_then_percent():
    sentence = real(NGHE_AN, "đến nay đã giải quyết được 38/45 vụ việc, đạt tỷ lệ 84,4% số vụ việc phát sinh")
    ratio, percent = find_quantities(sentence)
    assert (ratio.kind, ratio.number, ratio.denominator, ratio.unit) == ("ratio", 38, 45, "vụ việc")
    assert (percent.kind, percent.number, percent.raw) == ("percent", 84.4, "84,4%")


def test_communes_meeting_standard():
    sentence = real(NGHE_AN, "toàn tỉnh có\u00a0 245/411 xã đạt chuẩn nông thôn mới, chiếm tỷ lệ 59,6%")
    ratio, percent = find_quantities(sentence)
    assert (ratio.number, ratio.denominator, ratio.unit, ratio.raw) == (245, 411, "xã", "245/411 xã")
    assert percent.number == 59.6


def test_all_of_districts_ratio():
    sentence = real(NGHE_AN, "21/21 huyện, thành, thị ủy, Ủy ban Mặt trận Tổ quốc")
    (ratio,) = find_quantities(sentence)
    assert (ratio.kind, ratio.number, ratio.denominator, ratio.unit) == ("ratio", 21, 21, "huyện")


def test_leading_zeros_counts():
    sentence = real(NGHE_AN, "toàn tỉnh đã xây dựng và ban hành được 05 nghị quyết, 04 chỉ thị, 21 chương trình, 39 công văn")
    assert summary(find_quantities(sentence)) == [
        ("number", 5, "nghị quyết"),
        ("number", 4, "chỉ thị"),
        ("number", 21, "chương trình"),
        ("number", 39, "công văn"),
    ]


def test_money_person_days_and_area():
    sentence = real(
        NGHE_AN,
        "9.209,56 tỷ đồng, trên 6.376.697 ngày công lao động, hiến 6.858,208 m2 đất xây dựng nông thôn mới",
    )
    money, days, area = find_quantities(sentence)
    assert (money.kind, money.number, money.unit) == ("money", 9209.56, "tỷ đồng")
    assert money.scaled == pytest.approx(9_209_560_000_000)
    # "ngày công" is a counted unit (person-days), not a duration
    assert (days.kind, days.number, days.unit) == ("number", 6376697, "ngày công lao động")
    assert (area.number, area.unit) == (6858.208, "m2")


def test_road_reference_and_project_phase_are_skipped():
    sentence = real(
        NGHE_AN,
        "Quốc lộ 1A đoạn đi qua\u00a0 Nghệ An dài 73,8km; dự án VSIP Nghệ An giai đoạn 1 với diện tích 750 ha",
    )
    assert summary(find_quantities(sentence)) == [("number", 73.8, "km"), ("number", 750, "ha")]


def test_first_six_months_is_a_duration_then_a_year():
    sentence = real(NGHE_AN, "6 tháng đầu năm 2020 chỉ đạo xây dựng được 124\u00a0 điểm sáng")
    duration, year, count = find_quantities(sentence)
    assert (duration.kind, duration.number, duration.unit, duration.raw) == ("duration", 6, "tháng", "6 tháng")
    assert (year.kind, year.date, year.raw) == ("date", "2020", "năm 2020")
    assert (count.number, count.unit) == (124, "điểm sáng")


def test_dates_in_words_and_month_slash_year():
    assert [q.date for q in find_dates(real(NGHE_AN, "Tính từ năm 2015 đến tháng 5 năm 2020"))] == ["2015", "2020-05"]
    assert parse_date(real(NGHE_AN, "Tháng 5/2018 Ban Thường vụ Tỉnh ủy")).date == "2018-05"
    long_form = parse_date(real(NGHE_AN, "Kết luận số 114 - KL/TW ngày 14 tháng 7 năm 2015"))
    assert (long_form.date, long_form.raw) == ("2015-07-14", "ngày 14 tháng 7 năm 2015")


def test_bare_year_without_unit_is_a_date():
    sentence = real(NGHE_AN, "năm 2018 có 101 điểm sáng và 2019 có hơn 110 điểm sáng")
    assert [(q.kind, q.date or q.number) for q in find_quantities(sentence)] == [
        ("date", "2018"),
        ("number", 101),
        ("date", "2019"),
        ("number", 110),
    ]


def test_year_range_with_en_dash():
    (period,) = find_quantities(real(NGHE_AN, "công tác dân vận giai đoạn 2016 – 2021"))
    assert (period.kind, period.number, period.end_number, period.date) == ("range", 2016, 2021, "2016/2021")


def test_percent_with_space_before_sign():
    sentence = real(NGHE_AN, "số vụ, việc hòa giải thành công là 25.670 vụ, đạt tỷ lệ 71,4 %.")
    assert summary(find_quantities(sentence)) == [("number", 25670, "vụ"), ("percent", 71.4, "%")]


# ---------------------------------------------------------------- Bắc Giang


def test_unfilled_day_in_place_and_date_line():
    date = parse_date(real(BAC_GIANG, "Bắc Giang, ngày tháng 7 năm 2020"))
    assert (date.kind, date.date, date.raw) == ("date", "2020-07", "ngày tháng 7 năm 2020")


def test_report_number_without_digits():
    assert find_quantities(real(BAC_GIANG, "Số: /BC-SNV")) == []


def test_area_districts_and_population():
    sentence = real(
        BAC_GIANG,
        "diện tích đất tự nhiên 3.849 km²; có 09 huyện và 1 thành phố, trong đó có 06 huyện miền núi",
    )
    assert summary(find_quantities(sentence)) == [
        ("number", 3849, "km²"),
        ("number", 9, "huyện"),
        ("number", 1, "thành phố"),
        ("number", 6, "huyện miền núi"),
    ]
    (population,) = find_quantities(real(BAC_GIANG, "dân số trên 1,8 triệu người"))
    assert (population.number, population.unit, population.scaled) == (1.8, "triệu người", 1_800_000)


def test_budget_in_thousand_billions():
    sentence = real(BAC_GIANG, "năm 2019 tổng thu ngân sách đạt 12 nghìn tỷ đồng")
    year, money = find_quantities(sentence)
    assert year.date == "2019"
    assert (money.kind, money.number, money.unit, money.scaled) == ("money", 12, "nghìn tỷ đồng", 12e12)


def test_footnote_ranges():
    footnote = real(
        BAC_GIANG,
        "¹ Mục tiêu giai đoạn 2016-2020 là 10-11%/năm; tốc độ tăng trưởng GRDP bình quân "
        "giai đoạn 2011-2015 đạt 9,5%.",
    )
    years, target, earlier, growth = find_quantities(footnote)
    assert (years.kind, years.date) == ("range", "2016/2020")
    assert (target.kind, target.number, target.end_number, target.unit) == ("range", 10, 11, "%/năm")
    assert earlier.date == "2011/2015"
    assert (growth.kind, growth.number) == ("percent", 9.5)


def test_resolution_codes_with_year_are_skipped():
    sentence = real(
        BAC_GIANG,
        "Nghị quyết số 12/2018/NQ-HĐND quy định chính sách hỗ trợ đầu tư cơ sở hạ tầng đối với 36 thôn",
    )
    assert summary(find_quantities(sentence)) == [("number", 36, "thôn")]
    sentence = real(BAC_GIANG, "Nghị định số 108/2014/NĐ-CP và Nghị định số 113/2018/NĐ-CP được 1.672 người")
    assert summary(find_quantities(sentence)) == [("number", 1672, "người")]


def test_decision_code_before_date():
    sentence = real(BAC_GIANG, "Quyết định số 1849/QĐ-TTg ngày 27/12/2018 của Thủ tướng Chính phủ")
    assert [(q.kind, q.date) for q in find_quantities(sentence)] == [("date", "2018-12-27")]
    sentence = real(BAC_GIANG, "Chỉ thị số 16/CT-TTg ngày 16/5/2016")
    assert [q.date for q in find_quantities(sentence)] == ["2016-05-16"]


def test_list_labels_are_not_numbers():
    assert find_quantities(real(BAC_GIANG, "4.2. Kết quả xử lý đơn thư và giải quyết khiếu nại, tố cáo:")) == []
    assert find_quantities(real(BINH_SON, "4. Công tác tiếp công dân, giải quyết khiếu nại, tố cáo")) == []


def test_ratio_without_noun_then_percent():
    sentence = real(BAC_GIANG, "Tỷ lệ giải quyết các vụ việc khiếu nại thuộc thẩm quyền 144/170 đạt 84,7%")
    ratio, percent = find_quantities(sentence)
    assert (ratio.number, ratio.denominator, ratio.unit) == (144, 170, None)
    assert percent.number == 84.7


def test_day_of_month_and_per_month_rate():
    assert find_quantities(real(BAC_GIANG, "tiếp công dân định kỳ vào ngày 15 hằng tháng")) == []
    (rate,) = find_quantities(real(BAC_GIANG, "tiếp công dân định kỳ 01 ngày/tháng"))
    assert (rate.kind, rate.number, rate.unit) == ("duration", 1, "ngày/tháng")


def test_range_with_dash_and_with_from_to():
    (cut,) = find_quantities(real(BAC_GIANG, "thực hiện cắt giảm từ 25 - 30% thời gian giải quyết"))
    assert (cut.kind, cut.number, cut.end_number, cut.unit, cut.raw) == ("range", 25, 30, "%", "25 - 30%")
    (titles,) = find_quantities(real(BAC_GIANG, "từ 19 đến 21 chức danh ở cấp xã"))
    assert (titles.number, titles.end_number, titles.unit) == (19, 21, "chức danh")


def test_service_levels_are_references():
    sentence = real(BAC_GIANG, "176 TTHC (mức độ 3: 131, mức độ 4: 45)")
    assert [q.number for q in find_quantities(sentence)] == [176, 131, 45]


def test_month_and_day_dates_in_one_clause():
    sentence = real(BAC_GIANG, "từ tháng 6/2019 đến hết ngày 25/5/2020")
    assert [q.date for q in find_dates(sentence)] == ["2019-06", "2020-05-25"]


def test_money_per_year_and_comrades_are_not_money():
    (income,) = find_quantities(real(BAC_GIANG, "cho thu nhập khoảng 3,1 tỷ đồng/năm"))
    assert (income.kind, income.unit, income.scaled) == ("money", "tỷ đồng/năm", pytest.approx(3.1e9))
    (leaders,) = find_quantities(real(BAC_GIANG, "phân công 01 đồng chí lãnh đạo UBND"))
    assert (leaders.kind, leaders.unit, leaders.scaled) == ("number", "đồng chí lãnh đạo", None)


# ---------------------------------------------------------------- Bình Sơn


def test_paired_counts_visits_and_people():
    sentence = real(BINH_SON, "Chủ tịch UBND huyện đã tiếp 124 lượt/152 người với 122 vụ việc")
    assert summary(find_quantities(sentence)) == [
        ("number", 124, "lượt"),
        ("number", 152, "người"),
        ("number", 122, "vụ việc"),
    ]


def test_visit_breakdown_adds_up():
    sentence = real(
        BINH_SON,
        "Tiếp thường xuyên: 113 lượt/132 người với 111 vụ việc; "
        "tiếp định kỳ và đột xuất: 11 lượt/20 người với 11 vụ việc.",
    )
    quantities = find_quantities(sentence)
    visits = sum(q.number for q in quantities if counted_noun_matches(q.unit, "luot"))
    people = sum(q.number for q in quantities if counted_noun_matches(q.unit, "nguoi"))
    assert (visits, people) == (124, 152)


def test_petitions_and_cases():
    sentence = real(BINH_SON, "Tổng số đơn khiếu nại thuộc thẩm quyền: 12 đơn/12 vụ (*có 04 vụ kỳ trước chuyển sang*)")
    assert summary(find_quantities(sentence)) == [
        ("number", 12, "đơn"),
        ("number", 12, "vụ"),
        ("number", 4, "vụ"),
    ]


def test_plan_number_is_skipped_but_dates_kept():
    sentence = real(
        BINH_SON,
        "Kế hoạch số 31/KH-UBND ngày 15/3/2021 về thực hiện Quy chế dân chủ ở cơ sở và "
        "công tác dân vận chính quyền năm 2021",
    )
    assert [(q.kind, q.date) for q in find_quantities(sentence)] == [("date", "2021-03-15"), ("date", "2021")]


def test_covid_19_is_a_name():
    assert find_quantities(real(BINH_SON, "công tác phòng, chống dịch Covid - 19;")) == []


def test_uppercase_heading_year():
    (year,) = find_quantities(real(BINH_SON, "IV. MỘT SỐ NHIỆM VỤ CHỦ YẾU NĂM 2022"))
    assert (year.kind, year.date, year.raw) == ("date", "2022", "NĂM 2022")


# ---------------------------------------------------------------- Hội nghị, Thái Hòa


def test_morning_date():
    date = parse_date(real(HOI_NGHI, "Sáng ngày 26/02/2019, Ban Chỉ đạo thực hiện Quy chế dân chủ"))
    assert (date.kind, date.date, date.raw, date.number) == ("date", "2019-02-26", "ngày 26/02/2019", None)


def test_year_after_campaign_name():
    sentence = real(HOI_NGHI, "“Năm dân vận chính quyền” 2018, triển khai kế hoạch thực hiện 2019.")
    assert [q.date for q in find_quantities(sentence)] == ["2018", "2019"]


def test_thai_hoa_visits_and_decline():
    sentence = real(THAI_HOA, "Trong năm, đã tiếp 137 lượt công dân (giảm 25,5% so với năm 2021).")
    visits, decline, year = find_quantities(sentence)
    assert (visits.number, visits.unit) == (137, "lượt công dân")
    assert (decline.kind, decline.number) == ("percent", 25.5)
    assert year.date == "2021"
    (days,) = find_quantities(real(THAI_HOA, "với tổng thời gian cắt giảm 12,5 ngày."))
    assert (days.kind, days.number, days.unit) == ("duration", 12.5, "ngày")


# ---------------------------------------------------------------- brief's code examples


@pytest.mark.parametrize(
    "reference",
    ["Luật số 02/2011/QH13", "Điều 12", "khoản 2", "Kế hoạch 209 KH/TU", "Chỉ thị 17/CT", "(khoá XI)"],
)
def test_references_yield_nothing(reference):
    assert find_quantities(reference) == []


# ---------------------------------------------------------------- helpers


def test_fold_diacritics():
    assert fold_diacritics("Đơn thư Khiếu Nại") == "don thu khieu nai"
    assert fold_diacritics("lượt người") == "luot nguoi"


@pytest.mark.parametrize(
    ("unit", "target", "expected"),
    [
        ("đơn thư khiếu nại", "don khieu nai", True),
        ("đơn thư tố cáo", "don khieu nai", False),
        ("triệu người", "người", True),
        ("vụ", "vụ việc", True),
        ("lượt", "người", False),
        ("tỷ đồng/năm", "dong", True),
        ("%", "phần trăm", True),
        (None, "xa", False),
    ],
)
def test_counted_noun_matches(unit, target, expected):
    assert counted_noun_matches(unit, target) is expected


def test_to_dict_is_json_ready():
    (quantity,) = find_quantities(real(BAC_GIANG, "dân số trên 1,8 triệu người"))
    as_dict = json.loads(json.dumps(quantity.to_dict()))
    assert {"kind", "number", "unit", "raw", "start", "end", "scaled"} <= as_dict.keys()
    assert as_dict["raw"] == "1,8 triệu người"


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError):
        Quantity("area", 1.0, "ha", "1 ha", 0, 4)


# ---------------------------------------------------------------- invariants over the corpus

_ISO_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?|--\d{2}-\d{2}")
# Written independently of the module: a number joined by "-" or "/" to
# capitalised abbreviations, or "209 KH/TU".
_CODE_IN_TEST_RE = re.compile(
    r"\d+(?:/\d{4})?(?:\s*[-–/]\s*|\s+(?=[A-ZĐ]{2,}/))[A-ZĐ][A-ZĐa-zđ]*[A-ZĐ]\w*"
)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_quantity_is_an_exact_substring(name):
    lines = corpus_text(name).splitlines()
    total = 0
    for line in lines:
        previous_end = 0
        for q in find_quantities(line):
            total += 1
            assert line[q.start : q.end] == q.raw
            assert q.start >= previous_end, f"overlap or disorder in {line!r}"
            previous_end = q.end
            assert q.kind in KINDS
            assert (q.number is None) == (q.kind == "date")
            if q.kind == "date":
                assert _ISO_DATE_RE.fullmatch(q.date), q
            if q.kind == "ratio":
                assert q.denominator
            if q.kind == "range":
                assert q.end_number > q.number
    assert total > 0


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_no_quantity_overlaps_a_document_code(name):
    text = corpus_text(name)
    quantities = find_quantities(text)
    for code in _CODE_IN_TEST_RE.finditer(text):
        for q in quantities:
            assert q.end <= code.start() or q.start >= code.end(), (code.group(), q.raw)


def test_discipline_is_not_a_law_number():
    # the label-set note on q022: "kỷ luật 28 cán bộ" (disciplined 28 officials) was masked as "Luật 28"
    found = find_quantities(real("nghe-an-5-nam-thuc-hien-ket-luan-114.txt",
                                 "251 UBND cấp xã; đã xử lý kỷ luật 28 cán bộ công chức"))
    assert [(q.raw, q.number) for q in found] == [("251 UBND cấp xã", 251), ("28 cán bộ công chức", 28)]
    assert [q.number for q in find_quantities("vi phạm pháp luật 4 vụ")] == [4]
    assert find_quantities("theo Luật 12 về khiếu nại") == []  # a law's number still is not a figure


def test_a_laws_list_label_and_formula_operand_are_not_figures():
    # issue 12: "Thuế suất thuế giá trị gia tăng là bao nhiêu?" was answered "1" (the formula
    # "Giá thanh toán / (1 + thuế suất …)") and list labels were read as figures
    from conftest import shared_path

    law = (shared_path("vlc-laws-2") / "Luat-thue-gia-tri-gia-tang-2008-13-2008-QH12-66934.txt").read_text(
        encoding="utf-8")
    formula = "1 + thuế suất của hàng hóa, dịch vụ (%)"
    assert formula in law and find_quantities(formula) == []
    rate = "3. Mức thuế suất 10% áp dụng đối với hàng hóa, dịch vụ không quy định tại khoản 1 và khoản 2 Điều này."
    assert rate in law
    assert summary(find_quantities(rate)) == [("percent", 10.0, "%")]
