"""Formats: the five reports as .docx, .pdf, .html and legacy-encoded .txt give the
same passages and citations as the .txt originals (plus page numbers for PDF)."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from conftest import BAC_GIANG, BINH_SON, CONFERENCE, CORPUS, NGHE_AN, THAI_HOA
from indexer.chunker import chunk_document
from indexer.readers import read_file
from ingest_fixtures import FONT, WRITERS, encode_cp1258, write_docx, write_html, write_pdf

REPORTS = [BAC_GIANG, BINH_SON, CONFERENCE, NGHE_AN, THAI_HOA]
TABLE = [["Nội dung", "Năm 2021", "Ghi chú"],
         ["Số vụ việc đã giải quyết", "08 vụ", ""],
         ["Số vụ việc đang giải quyết", "04 vụ", "01 vụ chuẩn bị đối thoại"]]

pytestmark = pytest.mark.skipif(not FONT.exists(), reason=f"{FONT} absent: `make setup` installs fonts-dejavu-core")


def passage_keys(doc):
    return [(" ".join(p.text.split()), p.section, p.paragraph, p.paragraph_end, p.title, p.heading_path,
             [f["text"] for f in p.footnotes]) for p in chunk_document(doc.doc_id, doc.title, doc.text)]


@pytest.mark.parametrize("suffix", sorted(WRITERS))
@pytest.mark.parametrize("report", REPORTS)
def test_format_gives_the_txt_passages(tmp_path, report, suffix):
    text = (CORPUS / report).read_text(encoding="utf-8")
    original = read_file(CORPUS / report, report)
    path = WRITERS[suffix](text, tmp_path / report.replace(".txt", suffix))
    converted = read_file(path, path.name)
    assert converted.title == original.title
    assert passage_keys(converted) == passage_keys(original)


def test_docx_footnotes_are_real_word_footnotes(tmp_path):
    path = write_docx((CORPUS / BAC_GIANG).read_text(encoding="utf-8"), tmp_path / "bg.docx")
    with zipfile.ZipFile(path) as archive:
        assert "word/footnotes.xml" in archive.namelist()
        assert "¹" not in archive.read("word/document.xml").decode("utf-8")
    doc = read_file(path, "bg.docx")
    passages = chunk_document(doc.doc_id, doc.title, doc.text)
    noted = [p for p in passages if p.footnotes]
    assert noted and noted[0].footnotes[0]["text"].startswith("Mục tiêu giai đoạn 2016-2020 là 10-11%/năm")


def test_html_drops_navigation_banner_and_related_links(tmp_path):
    path = write_html((CORPUS / NGHE_AN).read_text(encoding="utf-8"), tmp_path / "na.html")
    doc = read_file(path, "na.html")
    for boilerplate in ("Trang chủ", "Giới thiệu", "Banner", "Xem nhiều", "Facebook", "Bản quyền",
                        "Tập huấn nghiệp vụ", "var x"):
        assert boilerplate not in doc.text
    assert doc.text.startswith("Kết quả 05 năm thực hiện Kết luận số 114-KL/TW")


def test_pdf_pages_and_running_page_numbers(tmp_path):
    path = write_pdf((CORPUS / BAC_GIANG).read_text(encoding="utf-8"), tmp_path / "bg.pdf")
    doc = read_file(path, "bg.pdf")
    pages = doc.extra["pages"]
    assert len(pages) >= 5 and [n for _, n in pages] == list(range(1, len(pages) + 1))
    assert "Trang 1" not in doc.text and "Trang 2" not in doc.text
    assert all(a[0] < b[0] for a, b in zip(pages, pages[1:]))


@pytest.mark.parametrize("writer", [write_docx, write_html, write_pdf], ids=["docx", "html", "pdf"])
def test_table_rows_keep_their_headers(tmp_path, writer):
    text = (CORPUS / CONFERENCE).read_text(encoding="utf-8")
    path = writer(text, tmp_path / ("t" + {write_docx: ".docx", write_html: ".html", write_pdf: ".pdf"}[writer]),
                  table=TABLE)
    doc = read_file(path, path.name)
    lines = doc.text.splitlines()
    assert "Nội dung: Số vụ việc đã giải quyết; Năm 2021: 08 vụ" in lines
    assert ("Nội dung: Số vụ việc đang giải quyết; Năm 2021: 04 vụ; Ghi chú: 01 vụ chuẩn bị đối thoại"
            in lines)
    passages = chunk_document(doc.doc_id, doc.title, doc.text)
    assert any("Năm 2021: 08 vụ" in p.text for p in passages)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le-nobom", "cp1258"])
def test_text_encodings(tmp_path, encoding):
    text = (CORPUS / BINH_SON).read_text(encoding="utf-8")
    if encoding == "cp1258":
        data = encode_cp1258(text)
    elif encoding == "utf-16-le-nobom":
        data = text.encode("utf-16-le")
    else:
        data = text.encode(encoding)
    path = tmp_path / "bs.txt"
    path.write_bytes(data)
    doc = read_file(path, "bs.txt")
    original = read_file(CORPUS / BINH_SON, "bs.txt")
    assert doc.text == original.text  # NFC: Windows-1258's combining tones are composed again
    assert passage_keys(doc) == passage_keys(original)


def test_markdown_is_text(tmp_path):
    shutil.copy(CORPUS / THAI_HOA, tmp_path / "th.md")
    doc = read_file(tmp_path / "th.md", "th.md")
    assert passage_keys(doc) == passage_keys(read_file(CORPUS / THAI_HOA, "th.md"))
