"""Bad input: every bad file is reported on one line (path: reason) and skipped, the
good ones are indexed and searchable, and the exit status says some were rejected."""
from __future__ import annotations

import shutil
import zipfile

import pytest

from conftest import BINH_SON, CONFERENCE, CORPUS, THAI_HOA
from indexer.documents import IngestError, read_corpus
from indexer.readers import read_file
from ingest_fixtures import FONT, write_docx, write_pdf


def make_bad_files(folder):
    """name → expected words of the reason."""
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\n \n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    good = (CORPUS / CONFERENCE).read_bytes()
    (folder / "undecodable.txt").write_bytes(good[:3000] + b"\xff\xfe\xfa" + good[3000:6000])
    (folder / "big.txt").write_bytes((CORPUS / CONFERENCE).read_bytes() * 200)  # ~1.4 MB
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage")
    (folder / "notzip.docx").write_bytes(b"this is not a zip archive at all\n" * 10)
    with zipfile.ZipFile(folder / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/big.bin", b"\0" * (30 * 1024 * 1024))
    (folder / "picture.gif").write_bytes(b"GIF89a" + b"\0" * 100)  # .png is read by OCR since issue 21
    return {"empty.txt": "empty file", "blank.md": "no text found", "binary.txt": "binary data",
            "undecodable.txt": "undecodable text", "big.txt": "file too large",
            "broken.pdf": "broken PDF", "notzip.docx": "not a zip archive", "bomb.docx": "zip bomb",
            "picture.gif": "unsupported file type", "encrypted.pdf": "encrypted PDF"}


def make_encrypted_pdf(path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="chu", user_password="mat-khau")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, "Báo cáo mật: kết quả công tác dân vận.")
    pdf.output(str(path))


@pytest.fixture
def messy_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACUU_MAX_FILE_MB", "1")
    folder = tmp_path / "messy"
    folder.mkdir()
    expected = make_bad_files(folder)
    if FONT.exists():
        make_encrypted_pdf(folder / "encrypted.pdf")
        write_pdf((CORPUS / BINH_SON).read_text(encoding="utf-8"), folder / "binh-son.pdf")
        write_docx((CORPUS / THAI_HOA).read_text(encoding="utf-8"), folder / "thai-hoa.docx")
    else:
        expected.pop("encrypted.pdf")
    shutil.copy(CORPUS / CONFERENCE, folder / CONFERENCE)
    return folder, expected


def test_each_bad_file_rejected_with_its_reason(messy_folder):
    folder, expected = messy_folder
    documents, errors = read_corpus(folder)
    reasons = {e.path.rsplit("/", 1)[-1]: e for e in errors}
    assert set(reasons) == set(expected)
    for name, words in expected.items():
        err = reasons[name]
        assert words in err.reason, (name, err.reason)
        assert "\n" not in str(err) and str(err).startswith(str(folder / name) + ": ")
    assert reasons["empty.txt"].skipped and reasons["picture.gif"].skipped
    assert not reasons["bomb.docx"].skipped and not reasons["encrypted.pdf" if FONT.exists() else "broken.pdf"].skipped
    good = {d.doc_id for d in documents}
    assert CONFERENCE in good
    if FONT.exists():
        assert {"binh-son.pdf", "thai-hoa.docx"} <= good


def test_size_limit_is_configurable(tmp_path, monkeypatch):
    path = tmp_path / "r.txt"
    shutil.copy(CORPUS / THAI_HOA, path)  # ~20 kB
    monkeypatch.setenv("TRACUU_MAX_FILE_MB", "0.01")
    with pytest.raises(IngestError, match="file too large"):
        read_file(path, "r.txt")
    monkeypatch.setenv("TRACUU_MAX_FILE_MB", "1")
    assert read_file(path, "r.txt").text


def test_cli_index_reports_and_indexes_the_rest(messy_folder, tmp_path, capsys, model_dir, monkeypatch):
    from api.cli import EXIT_REJECTED, EXIT_USAGE, main
    from search.engine import SearchEngine

    folder, expected = messy_folder
    monkeypatch.delenv("TRACUU_MAX_FILE_MB")
    index_dir = tmp_path / "idx"
    status = main(["index", str(folder), "--index-dir", str(index_dir), "--model", str(model_dir),
                   "--quiet", "--max-file-mb", "1"])
    err = capsys.readouterr().err
    assert status == EXIT_REJECTED
    for name, words in expected.items():
        line = next(ln for ln in err.splitlines() if f"{folder / name}: " in ln)
        assert words in line
    n_good = 3 if FONT.exists() else 1
    skipped = sum(1 for n in expected if n in ("empty.txt", "blank.md", "picture.gif"))
    assert (f"summary: {n_good} documents indexed, {skipped} file(s) skipped, "
            f"{len(expected) - skipped} file(s) failed") in err
    engine = SearchEngine(index_dir, model=str(model_dir))
    hits = engine.search("Hội nghị tổng kết quy chế dân chủ cơ sở", k=3, mode="bm25")["results"]
    assert hits[0]["doc_id"] == CONFERENCE
    if FONT.exists():
        hits = engine.search("tiếp công dân định kỳ Bình Sơn", k=3, mode="bm25")["results"]
        assert hits[0]["doc_id"] == "binh-son.pdf" and ", trang " in hits[0]["citation"]
    # usage errors: 2
    assert main(["index", str(tmp_path / "nope"), "--index-dir", str(index_dir)]) == EXIT_USAGE
    with pytest.raises(SystemExit) as exit_info:
        main(["index", "--no-such-flag"])
    assert exit_info.value.code == EXIT_USAGE
