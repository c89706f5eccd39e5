"""Issuer and date read from the administrative header block (indexer/header_block.py), on
headers written here in the layouts the provincial documents come in (issue 21)."""
from __future__ import annotations

from indexer.citation import _issuer_with_place
from indexer.header_block import read_header_block
from indexer.metadata import extract_metadata

BODY = "\nI. MỤC ĐÍCH, YÊU CẦU\nNội dung của văn bản.\n"


def test_issuer_over_two_lines_and_date_over_two_lines():
    text = ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ CẦN THƠ\nCỘNG HÒA XÃ HỘI\nCHỦ NGHĨA VIỆT NAMĐộc lập - Tự do - Hạnh phúc\n"
            "Số: 165/KH-UBND\nCần Thơ, ngày 21\ntháng 11 năm 2025\nKẾ HOẠCH\nThực hiện công tác dân số" + BODY)
    block = read_header_block(text)
    assert block.issuer == "UBND thành phố Cần Thơ"
    assert (block.place, block.date) == ("Cần Thơ", "2025-11-21")
    metadata = extract_metadata("ct.txt", "", text)
    assert (metadata["issuer"], metadata["date"], metadata["province"]) == ("UBND thành phố Cần Thơ", "2025-11-21",
                                                                            "Cần Thơ")
    assert _issuer_with_place(metadata) == "UBND thành phố Cần Thơ"


def test_department_under_the_province_on_one_line_or_with_the_parent_read_after_the_number():
    one_line = ("UBND TỈNH LÂM ĐỒNG SỞ NỘI VỤ\nSố: /BC-SNV\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                "Độc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày tháng 11 năm 2025\nBÁO CÁO\nTình hình thực hiện" + BODY)
    interleaved = ("SỞ NỘI VỤ\nSố: /BC-SNV\nUBND TỈNH LÂM ĐỒNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                   "Độc lập - Tự do - Hạnh phúc\nLâm Đồng, ngày tháng 11 năm 2025\nBÁO CÁO\nTổng kết" + BODY)
    for text in (one_line, interleaved):
        metadata = extract_metadata("ld.pdf", "", text)
        assert metadata["issuer"] == "Sở Nội vụ" and metadata["date"] == "2025-11"
        assert _issuer_with_place(metadata) == "Sở Nội vụ tỉnh Lâm Đồng"


def test_a_unit_ending_on_a_bare_level_word_takes_the_parents_place():
    text = ("HỘI ĐỒNG THẨM ĐỊNH, ĐÁNH GIÁ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH TỈNH\nSố: /BC-HĐTĐ\n"
            "UBND TỈNH LÂM ĐỒNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Lâm Đồng, ngày tháng 02 năm 2026\nBÁO CÁO\nKết quả thẩm định" + BODY)
    assert read_header_block(text).issuer == "Hội đồng thẩm định, đánh giá chỉ số cải cách hành chính tỉnh Lâm Đồng"


def test_header_table_read_as_one_line_and_an_organ_named_with_its_parent():
    text = ("ỦY BAN MTTQ VIỆT NAM XÃ LƯƠNG MINH BAN THƯỜNG TRỰC Số: 16/KH-MTTQ-BTT; CỘNG HÒA XÃ HỘI CHỦ NGHĨA "
            "VIỆT NAM Độc lập - Tự do - Hạnh phúc Lương Minh, ngày 18 tháng 11 năm 2025\nKẾ HOẠCH\n"
            "Thực hiện công tác bầu cử\nBan Thường trực Ủy ban MTTQ tỉnh Quảng Ninh chỉ đạo." + BODY)
    block = read_header_block(text)
    assert block.number == "16/KH-MTTQ-BTT" and block.doc_type == "kế hoạch"
    assert (block.place, block.date) == ("Lương Minh", "2025-11-18")
    metadata = extract_metadata("lm.docx", "", text)
    assert metadata["issuer"] == "Ban Thường trực Ủy ban MTTQ Việt Nam xã Lương Minh"
    assert metadata["date"] == "2025-11-18" and metadata["province"] == "Quảng Ninh"
    # the commune names its place; the province (counted in the body) is not glued to it
    assert _issuer_with_place(metadata) == "Ban Thường trực Ủy ban MTTQ Việt Nam xã Lương Minh"


def test_units_under_a_district_and_a_party_committee():
    district = ("UBND HUYỆN BÌNH SƠN\nPHÒNG NỘI VỤ\nSố: 12/BC-PNV\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                "Độc lập - Tự do - Hạnh phúc\nBình Sơn, ngày 05 tháng 3 năm 2022\nBÁO CÁO\nKết quả" + BODY)
    party = ("TỈNH ỦY NGHỆ AN\nBAN DÂN VẬN\nSố: 45-BC/BDVTU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
             "Nghệ An, ngày 10 tháng 6 năm 2021\nBÁO CÁO\nKết quả" + BODY)
    assert read_header_block(district).issuer == "Phòng Nội vụ huyện Bình Sơn"
    assert extract_metadata("bs.txt", "", district)["district"] == "Bình Sơn"
    assert read_header_block(party).issuer == "Ban Dân vận Tỉnh ủy Nghệ An"


def test_no_issuer_without_a_header_and_a_closing_formula_still_names_one():
    speech = "THAM LUẬN\nXây dựng xã không ma túy\nUBND tỉnh Nghệ An\nKính thưa các đồng chí!\nNội dung."
    assert read_header_block(speech).issuer is None
    assert extract_metadata("na.docx", "", speech)["issuer"] == "UBND tỉnh Nghệ An"  # the speaker's organisation
    no_header = "BÁO CÁO\nKết quả công tác\nNội dung.\nTrên đây là kết quả, UBND huyện Bình Sơn kính báo cáo./.\n"
    assert read_header_block(no_header).issuer is None
    assert extract_metadata("bs.txt", "", no_header)["issuer"] == "UBND huyện Bình Sơn"


def test_ocr_that_lost_the_number_label_leaves_the_issuer_clean():
    # as Tesseract reads a scanned Quảng Ngãi notice: "Số:" gone, its code on the issuer's line, "TỈNH" → "TÍNH"
    text = ("ỦY BAN NHÂN DÂN TÍNH QUẢNG NGÃI /TB-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\nQuảng Ngãi, ngày 0† tháng 02 năm 2025\nTHÔNG BÁO\n"
            "Về việc thụ lý giải quyết khiếu nại lần hai" + BODY)
    block = read_header_block(text)
    assert block.issuer == "UBND tỉnh Quảng Ngãi" and block.date == "2025-02"


def test_a_numbered_district_keeps_its_number():
    text = ("ỦY BAN NHÂN DÂN QUẬN 1\nSố: 20/KH-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            "Thành phố Hồ Chí Minh, ngày 03 tháng 4 năm 2023\nKẾ HOẠCH\nTổ chức" + BODY)
    assert read_header_block(text).issuer == "UBND quận 1"


def test_a_wrapped_footnote_line_opening_with_a_figure_stays_in_its_note():
    """Lâm Đồng's CCHC report: note 9 wraps onto a line starting "35 văn bản QPPL"; that
    figure is not footnote 35 (markers run in sequence)."""
    from types import SimpleNamespace

    from indexer.readers.layout import Segment, _footnotes

    def line(text, top, height):
        x, words = 0.0, []
        for token in text.split():
            words.append(SimpleNamespace(text=token, x0=x, x1=x + 5 * len(token), top=top, bottom=top + height))
            x += 5 * len(token) + 3
        return Segment(words)

    body = [line(f"Dòng thân bài số {i} của trang báo cáo.", 100 + 15 * i, 12) for i in range(6)]
    notes_lines = [line("9 Trước sáp nhập: tỉnh Bình Thuận đã thực hiện rà soát", 200, 8),
                   line("35 văn bản QPPL, đã xử lý xong 01 văn bản.", 210, 8),
                   line("10 Sau sáp nhập: rà soát 12 văn bản.", 220, 8)]
    kept, notes = _footnotes(body + notes_lines, 15)
    assert kept == body
    assert [n["text"] for n in notes] == [
        "⁹ Trước sáp nhập: tỉnh Bình Thuận đã thực hiện rà soát 35 văn bản QPPL, đã xử lý xong 01 văn bản.",
        "¹⁰ Sau sáp nhập: rà soát 12 văn bản."]


def test_ocr_noise_in_the_numbers_blank_leaves_what_is_known():
    """Handwritten digits OCR'd as noise: the code is kept, the noise dropped; a stroke read as
    a slash before digits is dropped; a party document's '12-KH/TU' keeps its number."""
    from indexer.header_block import read_header_block

    def number(line: str) -> str | None:
        return read_header_block(f"ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NGÃI\n{line}\nQuảng Ngãi, ngày 06 tháng 01 năm 2025\n"
                                 "TỜ TRÌNH\nVề việc miễn nhiệm").number

    assert number("Số: O{_ /TTr-UBND") == "/TTr-UBND"
    assert number("Số: ý# /CT-UBND") == "/CT-UBND"
    assert number("Sô:⁄11 /CT-UBND") == "11/CT-UBND"
    assert number("Số: 12-KH/TU") == "12-KH/TU"
    assert number("Số: /BC-SNV") == "/BC-SNV"
