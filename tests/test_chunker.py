"""Chunking the real reports: headings, footnotes, boilerplate, citations."""
import pytest

from indexer.build import document_record
from indexer.chunker import chunk_document, parse_document, section_label, split_long
from indexer.documents import read_corpus

from conftest import BAC_GIANG, BINH_SON, CONFERENCE, CORPUS, NGHE_AN, THAI_HOA, shared_path


@pytest.fixture(scope="module")
def documents():
    docs, errors = read_corpus(CORPUS)
    assert not errors
    return {d.doc_id: d for d in docs}


@pytest.fixture(scope="module")
def passages(documents):
    return {doc_id: chunk_document(doc_id, d.title, d.text) for doc_id, d in documents.items()}


def passage_with(passages, doc_id, needle):
    found = [p for p in passages[doc_id] if needle in p.text]
    assert found, f"no passage of {doc_id} contains {needle!r}"
    return found[0]


def test_titles(documents):
    assert documents[BAC_GIANG].title.startswith("Báo cáo: Kết quả 05 năm thực hiện Kết luận số 114-KL/TW")
    assert documents[BINH_SON].title.startswith("Báo cáo: Kết quả thực hiện công tác dân vận chính quyền năm 2021")
    assert documents[NGHE_AN].title.startswith("Kết quả 05 năm thực hiện Kết luận số 114-KL/TW")
    assert documents[THAI_HOA].title == "Thái Hòa thực hiện tốt Quy chế công tác dân vận của hệ thống chính trị"


def test_report_headings_make_the_section_path(passages):
    p = passage_with(passages, BAC_GIANG, "Việc rà soát phân loại đơn thư")
    assert p.section == "B. II. 4.2"
    assert p.heading_path[0].startswith("B. KẾT QUẢ 05 NĂM")
    assert p.heading_path[-1].startswith("4.2. Kết quả xử lý đơn thư")
    p = passage_with(passages, BINH_SON, "Tổng số đơn khiếu nại thuộc thẩm quyền")
    assert p.section == "II. 4. b)"
    assert p.heading_path[-1] == "b) Về giải quyết khiếu nại, tố cáo"


def test_a_passage_never_spans_two_sections(documents, passages):
    for doc_id, doc in documents.items():
        parsed = parse_document(doc.text)
        by_number = {p.number: p for p in parsed.paragraphs}
        for passage in passages[doc_id]:
            paths = {tuple(h.text for h in by_number[n].path)
                     for n in range(passage.paragraph, passage.paragraph_end + 1)}
            assert len(paths) == 1, passage.passage_id


def test_footnotes_travel_with_their_marker(passages):
    p = passage_with(passages, BAC_GIANG, "Tốc độ tăng trưởng kinh tế (GRDP)")
    assert "¹" in p.text
    assert [f["marker"] for f in p.footnotes] == ["1"]
    assert p.footnotes[0]["text"].startswith("Mục tiêu giai đoạn 2016-2020 là 10-11%/năm")
    assert "[1] Mục tiêu giai đoạn 2016-2020" in p.index_text()
    # footnote definitions are not passages of their own, and km² is not a footnote
    assert not any(p.text.startswith("¹") for p in passages[BAC_GIANG])
    assert passage_with(passages, BAC_GIANG, "3.849 km²").footnotes == []


def test_web_boilerplate_is_gone(passages):
    for doc_id in (NGHE_AN, THAI_HOA):
        texts = " ".join(p.text for p in passages[doc_id])
        assert "Banner" not in texts
        assert "Tin cùng chuyên mục" not in texts
        assert "Nghệ An với nỗ lực giảm nghèo bền vững" not in texts  # a related-links title
    # distribution lists of official documents are not content either
    assert not any("Lưu: VT" in p.text for p in passages[BAC_GIANG])


def test_citation_spans_point_at_the_text(documents, passages):
    for doc_id, doc in documents.items():
        for p in passages[doc_id]:
            source = doc.text[p.start:p.end]
            assert source.startswith(p.text[:30]) and source.endswith(p.text[-15:]), p.passage_id


def test_paragraph_numbers_are_what_a_reader_counts(documents, passages):
    record, _ = document_record(documents[NGHE_AN])
    # the banner line is not a paragraph: the title is paragraph 1
    assert record["paragraphs"][0]["text"].startswith("Kết quả 05 năm thực hiện Kết luận số 114-KL/TW")
    p = passage_with(passages, NGHE_AN, "1.215 đơn thư khiếu nại")
    paragraph = record["paragraphs"][p.paragraph - 1]
    assert paragraph["n"] == p.paragraph and "1.215 đơn thư khiếu nại" in paragraph["text"]
    assert p.paragraph == 9  # title, then the 8 paragraphs before it in the article


def test_page_break_continuation_is_one_paragraph(passages):
    p = passage_with(passages, BAC_GIANG, "Thực hiện tốt chức năng")
    assert "giám sát, phản biện xã hội và tham gia góp ý xây dựng Đảng" in p.text
    assert p.section == "C. 4"


def test_long_paragraphs_split_at_sentence_boundaries(passages):
    for doc_passages in passages.values():
        for p in doc_passages:
            assert len(p.text) <= 1000, p.passage_id
            if p.parts > 1 and p.part < p.parts:
                # a sentence end, or a clause end when one sentence is longer than a passage
                assert p.text.rstrip()[-1] in ".;!?…:\"”),", p.passage_id
            if p.parts > 1:
                assert len(p.text) >= 250, p.passage_id  # balanced pieces, no stub tails
    assert split_long("Câu một. Câu hai. Câu ba.", 12) == [(0, 8), (9, 17), (18, 25)]
    assert split_long("Một câu rất dài, có nhiều vế, không dừng", 20) == [(0, 16), (17, 29), (30, 40)]


def test_passage_ids_are_stable(documents):
    doc = documents[BAC_GIANG]
    first = [p.passage_id for p in chunk_document(doc.doc_id, doc.title, doc.text)]
    again = [p.passage_id for p in chunk_document(doc.doc_id, doc.title, doc.text)]
    assert first == again and len(set(first)) == len(first)


def test_conference_report_has_no_headings(passages):
    assert all(p.section == "" for p in passages[CONFERENCE])


LAW = """LUẬT
KHIẾU NẠI

Chương II
QUYỀN VÀ NGHĨA VỤ

Điều 12. Quyền và nghĩa vụ của người khiếu nại
1. Người khiếu nại có các quyền sau đây:
a) Tự mình khiếu nại hoặc thông qua người đại diện để khiếu nại;
b) Được nhận văn bản trả lời về việc thụ lý giải quyết khiếu nại.
2. Người khiếu nại có các nghĩa vụ sau đây: nộp đơn đúng cơ quan có thẩm quyền.

Điều 13. Quyền của người bị khiếu nại
Người bị khiếu nại có quyền đưa ra bằng chứng về tính hợp pháp của quyết định hành chính.
"""


def test_legal_structure():
    passages = chunk_document("luat.txt", "Luật Khiếu nại", LAW)
    sections = {p.text[:20]: p.section for p in passages}
    assert sections["1. Người khiếu nại c"] == "Điều 12, khoản 1"
    assert sections["a) Tự mình khiếu nại"] == "Điều 12, khoản 1, điểm a"
    assert sections["2. Người khiếu nại c"] == "Điều 12, khoản 2"
    assert sections["Người bị khiếu nại c"] == "Điều 13"
    p = next(p for p in passages if p.section == "Điều 12, khoản 2")
    assert p.heading_path[:2] == ["Chương II QUYỀN VÀ NGHĨA VỤ", "Điều 12. Quyền và nghĩa vụ của người khiếu nại"]


def test_real_law_text_from_shared_datasets():
    law = shared_path("vlc-laws", "luat-khieu-nai-to-cao.txt")
    text = law.read_text(encoding="utf-8")
    passages = chunk_document(law.name, "Luật Khiếu nại, tố cáo", text)
    assert any(p.section == "Điều 1, khoản 2" for p in passages)
    assert sum(1 for p in passages if p.section.startswith("Điều ")) > 0.9 * len(
        [p for p in passages if p.paragraph > 20])


def test_section_label_drops_implied_parents():
    from indexer.chunker import Heading

    path = [Heading(1, "B", "B."), Heading(2, "II", "II."), Heading(3, "4", "4."), Heading(4, "4.2", "4.2.")]
    assert section_label(path) == "B. II. 4.2"
