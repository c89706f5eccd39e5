"""Issue 21 (3, 4): spreadsheets, .doc, .odt, .rtf go in; a duplicate is reported, not indexed.

The files in tests/fixtures/office/ are real: written by python-docx / openpyxl and converted
by LibreOffice into .doc, .odt, .rtf, .xls, .ods (tests/fixtures/make_office_fixtures.py).
One index over a folder holding the report three times (.doc, .odt, .rtf), the annex and a
corpus report is built once per module with the real model.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import httpx
import pytest

from conftest import CORPUS, ROOT, THAI_HOA, tracuu_command
from indexer.readers import IngestError, read_file

OFFICE = ROOT / "tests" / "fixtures" / "office"
REPORT = "baocao_sonha"
ANNEX = "phuluc_sonha"
ROW_DI_LANG = ("STT: 3; Đơn vị: Thị trấn Di Lăng; Số lượt tiếp: 41; Kết quả giải quyết – Đã giải quyết: 7; "
               "Kết quả giải quyết – Tỷ lệ: 87,5%")
needs_doc_tools = pytest.mark.skipif(not shutil.which("antiword"), reason="antiword absent: `make doc-tools`")


# --- readers -----------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_spreadsheet_rows_keep_their_headers(suffix):
    doc = read_file(OFFICE / f"{ANNEX}{suffix}", ANNEX + suffix)
    lines = [line.strip() for line in doc.text.split("\n\n")]
    assert doc.title == "PHỤ LỤC 02 — SỐ LIỆU TIẾP CÔNG DÂN, GIẢI QUYẾT ĐƠN THƯ QUÝ I NĂM 2024"
    assert ROW_DI_LANG in lines  # merged header "Kết quả giải quyết" named in both its columns
    assert "STT: 2; Đơn vị: Xã Sơn Thành; Số lượt tiếp: 18; Kết quả giải quyết – Đã giải quyết: 3; " \
           "Kết quả giải quyết – Tỷ lệ: 100%" in lines
    # a formula cell gives the value saved with it
    assert "Đơn vị: Tổng cộng; Số lượt tiếp: 86; Kết quả giải quyết – Đã giải quyết: 15" in lines
    # each row knows its sheet and its row number as the spreadsheet shows them
    from indexer.readers.spreadsheet import table_row_place

    section, path = table_row_place(doc.extra, doc.text.index(ROW_DI_LANG))
    assert section == "bảng Phụ lục 02, dòng 7"
    assert path[0] == "Bảng Phụ lục 02" and "PHỤ LỤC 02" in path
    note = doc.text.index("Nguồn: Thanh tra huyện Sơn Hà")
    assert table_row_place(doc.extra, note)[0] == "bảng Ghi chú, dòng 1"


@pytest.mark.parametrize("suffix", [pytest.param(".doc", marks=needs_doc_tools), ".odt", ".rtf"])
def test_word_processor_formats_read_like_the_docx(suffix):
    doc = read_file(OFFICE / f"{REPORT}{suffix}", REPORT + suffix)
    lines = [line.strip() for line in doc.text.split("\n\n")]
    assert doc.title == "Báo cáo: Kết quả công tác tiếp công dân, giải quyết khiếu nại, tố cáo quý I năm 2024"
    for line in ("I. KẾT QUẢ THỰC HIỆN", "1. Công tác tiếp công dân", "KT. CHỦ TỊCH", "Đinh Văn Thắng",
                 "Tổng số đơn tiếp nhận là 87 đơn, trong đó đơn khiếu nại 19 đơn, đơn tố cáo 4 đơn, đơn kiến nghị, "
                 "phản ánh 64 đơn. Số vụ việc khiếu nại thuộc thẩm quyền đã giải quyết 15 vụ, đạt tỷ lệ 88,2%."):
        assert line in lines, (line, lines)
    # the header block (a layout table; in the .rtf a text frame's table) is read, not dropped
    assert "Số: 57/BC-UBND" in doc.text and "Sơn Hà, ngày 14 tháng 3 năm 2024" in doc.text
    if suffix != ".rtf":  # .rtf cells stand alone (rtf.py says why)
        assert "Nội dung: Số lượt tiếp công dân; Quý I năm 2023: 131 lượt; Quý I năm 2024: 143 lượt" in lines


@needs_doc_tools
@pytest.mark.skipif(not shutil.which("catdoc"), reason="catdoc absent: `make doc-tools`")
def test_doc_falls_back_to_catdoc_without_antiword(tmp_path, monkeypatch):
    only_catdoc = tmp_path / "bin"
    only_catdoc.mkdir()
    (only_catdoc / "catdoc").symlink_to(shutil.which("catdoc"))
    monkeypatch.setenv("PATH", str(only_catdoc))
    doc = read_file(OFFICE / f"{REPORT}.doc", REPORT + ".doc")
    assert doc.extra["reader"] == "catdoc"
    assert "Đinh Văn Thắng" in doc.text and "đạt tỷ lệ 88,2%" in doc.text
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(IngestError, match="antiword is not installed"):
        read_file(OFFICE / f"{REPORT}.doc", REPORT + ".doc")


def test_content_must_match_the_suffix(tmp_path):
    for source, name, says in ((f"{ANNEX}.xlsx", "a.doc", "rename it .docx"),
                               (f"{REPORT}.doc", "b.rtf", "rename it .doc"),
                               (f"{REPORT}.rtf", "c.xls", "rename it .rtf"),
                               (f"{REPORT}.odt", "d.xlsx", "without xl/workbook.xml")):
        shutil.copyfile(OFFICE / source, tmp_path / name)
        with pytest.raises(IngestError, match=says):
            read_file(tmp_path / name, name)


def test_duplicate_similarity_measures():
    from indexer.duplicates import fingerprint, is_duplicate

    odt, rtf = (read_file(OFFICE / f"{REPORT}{s}", s).text for s in (".odt", ".rtf"))
    assert is_duplicate(fingerprint(odt), fingerprint(rtf))[0]
    corpus_report = (CORPUS / THAI_HOA).read_text(encoding="utf-8")
    half = corpus_report[: len(corpus_report) * 2 // 3]  # a third of it missing: still the same document
    assert is_duplicate(fingerprint(corpus_report), fingerprint(half))[0]
    assert not is_duplicate(fingerprint(corpus_report), fingerprint(corpus_report[:len(corpus_report) // 4]))[0]
    assert not is_duplicate(fingerprint(corpus_report), fingerprint(odt))[0]


# --- one index over the formats ---------------------------------------------------------
@pytest.fixture(scope="module")
def formats_index(tmp_path_factory, encoder):
    from indexer.build import build_index

    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    corpus.mkdir()
    suffixes = [".odt", ".rtf"] + ([".doc"] if shutil.which("antiword") else [])
    for suffix in suffixes:
        shutil.copyfile(OFFICE / f"{REPORT}{suffix}", corpus / f"{REPORT}{suffix}")
    shutil.copyfile(OFFICE / f"{ANNEX}.xlsx", corpus / f"{ANNEX}.xlsx")
    shutil.copyfile(CORPUS / THAI_HOA, corpus / THAI_HOA)
    report = build_index(corpus, root / "index", encoder=encoder)
    return {"root": root, "corpus": corpus, "index": root / "index", "report": report,
            "kept": f"{REPORT}{sorted(suffixes)[0]}", "copies": len(suffixes)}


def test_a_folder_holding_copies_indexes_one_and_reports_the_others(formats_index):
    from indexer.duplicates import DuplicateError
    from indexer.store import open_store

    report, kept = formats_index["report"], formats_index["kept"]
    duplicates = [e for e in report.rejected if isinstance(e, DuplicateError)]
    assert len(report.rejected) == len(duplicates) >= 1
    assert all(e.of == kept for e in duplicates), [(e.path, e.of) for e in duplicates]
    assert all("duplicate of" in e.reason and "--allow-duplicates" in e.reason for e in duplicates)
    served = {d.doc_id for d in open_store(formats_index["index"]).documents()}
    assert served == {kept, f"{ANNEX}.xlsx", THAI_HOA}


def test_annex_rows_are_passages_cited_by_sheet_and_row(formats_index, encoder):
    from search.engine import SearchEngine

    engine = SearchEngine(formats_index["index"], encoder=encoder)
    hits = engine.search("số lượt tiếp công dân của thị trấn Di Lăng", k=3, mode="hybrid")["results"]
    top = hits[0]
    assert top["doc_id"] == f"{ANNEX}.xlsx" and top["text"] == ROW_DI_LANG, hits
    assert top["section"] == "bảng Phụ lục 02, dòng 7"
    assert top["citation"].endswith("— bảng Phụ lục 02, dòng 7, đoạn " + str(top["paragraph"]))
    assert "bảng Phụ lục 02, dòng 7" in top["citation_vi"]
    assert "Bảng Phụ lục 02" in top["heading_path"]
    # every row is a passage of its own: no two rows merged
    from indexer.store import open_store

    store = open_store(formats_index["index"])
    rows = store.passages(store.passage_ids(f"{ANNEX}.xlsx"))
    assert [p["section"] for p in rows].count("bảng Phụ lục 02, dòng 7") == 1
    assert len(rows) == 7  # 2 title rows, 4 data rows (the total included), 1 note


def test_tracuu_add_reports_a_duplicate_and_allow_duplicates_overrides(formats_index, model_dir, tmp_path):
    copy = tmp_path / "ban-sao-bao-cao.odt"
    shutil.copyfile(OFFICE / f"{REPORT}.odt", copy)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = tracuu_command() + ["add", str(copy), "--index-dir", str(formats_index["index"]), "--model",
                                  str(model_dir), "--quiet"]
    refused = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 3, refused.stderr[-2000:]
    assert f"duplicate of '{formats_index['kept']}'" in refused.stderr, refused.stderr[-2000:]
    # the summary counts it apart from failures (with the two copies the folder itself holds)
    expected = f"0 file(s) failed, {formats_index['copies']} duplicate(s) not indexed"
    assert expected in refused.stderr, refused.stderr[-2000:]
    assert not (formats_index["corpus"] / copy.name).exists()  # not copied, not indexed
    allowed = subprocess.run(command + ["--allow-duplicates"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=600)
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    from indexer.store import open_store

    assert copy.name in {d.doc_id for d in open_store(formats_index["index"]).documents()}


def test_upload_of_a_duplicate_is_a_409_naming_the_document(updatable):
    base, csrf = updatable["base"], {"X-Requested-With": "test"}
    text = ("Báo cáo nhanh về kết quả hòa giải ở cơ sở tại xã Sơn Linh trong tháng 2 năm 2024: các tổ hòa giải "
            "đã tiếp nhận 12 vụ việc mâu thuẫn, tranh chấp nhỏ trong cộng đồng dân cư, hòa giải thành 10 vụ việc, "
            "còn 2 vụ việc đang tiếp tục hướng dẫn các bên thực hiện theo quy định của pháp luật về hòa giải.")
    files = lambda name: [("files", (name, text.encode(), "text/plain"))]  # noqa: E731
    first = httpx.post(base + "/documents", files=files("hoa-giai-son-linh.txt"), headers=csrf, timeout=600)
    assert first.status_code == 201, first.text[:500]
    try:
        again = httpx.post(base + "/documents", files=files("ban-sao.txt"), headers=csrf, timeout=600)
        assert again.status_code == 409, again.text[:500]
        body = again.json()
        assert "hoa-giai-son-linh.txt" in body["detail"] and "trùng" in body["detail"]
        assert body["rejected"][0]["duplicate_of"] == "hoa-giai-son-linh.txt"
        assert not (updatable["corpus"] / "ban-sao.txt").exists()
        forced = httpx.post(base + "/documents", params={"allow_duplicates": "true"}, files=files("ban-sao.txt"),
                            headers=csrf, timeout=600)
        assert forced.status_code == 201 and forced.json()["added"] == ["ban-sao.txt"], forced.text[:500]
    finally:
        for name in ("hoa-giai-son-linh.txt", "ban-sao.txt"):
            httpx.delete(base + f"/documents/{name}", headers=csrf, timeout=600)
