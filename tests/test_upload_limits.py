"""Bounded work per upload (issue 24, item 3): a zip bomb is refused from the archive's
directory in seconds, whatever the file's size; a document of too many passages or a PDF
of too many pages is refused naming the setting; `tracuu add` leaves in the corpus folder
only what it indexed, and a killed add is cleaned up (or finished) by the next build, which
says so."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
import zipfile

import httpx
import pytest

from conftest import BAC_GIANG, CONFERENCE, CORPUS, ROOT, THAI_HOA, tracuu_command
from indexer.document import IngestError
from indexer.readers import read_file
from ingest_fixtures import FONT, write_docx, write_pdf

PARAGRAPH = ('<w:p><w:r><w:t>Tổng số đơn khiếu nại, tố cáo đã giải quyết: 08 vụ việc; tiếp công dân '
             'định kỳ.</w:t></w:r></w:p>')


def write_docx_bomb(path, template) -> tuple[int, int]:
    """A real .docx (`template`) whose word/document.xml is replaced by 52 MB of one
    repeated paragraph: about 200 KB on disk (issue 24's was 153 KB, 341:1). Returns
    (file size, document.xml's uncompressed size)."""
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           + PARAGRAPH * 360_000 + '</w:body></w:document>').encode("utf-8")
    with zipfile.ZipFile(template) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = xml if info.filename == "word/document.xml" else source.read(info.filename)
            bomb.writestr(info.filename, data)
    return path.stat().st_size, len(xml)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bomb")
    template = write_docx((CORPUS / THAI_HOA).read_text(encoding="utf-8"), folder / "template.docx")
    size, expanded = write_docx_bomb(folder / "bao-cao.docx", template)
    assert size < 300_000 and expanded > 50_000_000
    return folder / "bao-cao.docx"


def test_docx_bomb_refused_from_the_directory(bomb):
    started = time.perf_counter()
    with pytest.raises(IngestError) as info:
        read_file(bomb, "bao-cao.docx")
    took = time.perf_counter() - started
    reason = info.value.reason
    assert "word/document.xml" in reason and "TRACUU_MAX_ZIP_RATIO=100:1" in reason and "zip bomb" in reason
    print(f"\n{bomb.stat().st_size / 1000:.0f} KB bomb refused in {took * 1000:.0f} ms: {reason}")


def test_zip_limits_are_settings(tmp_path, monkeypatch):
    docx = write_docx((CORPUS / THAI_HOA).read_text(encoding="utf-8"), tmp_path / "thai-hoa.docx")
    assert read_file(docx, "thai-hoa.docx").text  # a real .docx passes the defaults
    monkeypatch.setenv("TRACUU_MAX_UNCOMPRESSED_MB", "0.01")
    with pytest.raises(IngestError, match=r"more than TRACUU_MAX_UNCOMPRESSED_MB=0\.01 MB"):
        read_file(docx, "thai-hoa.docx")
    monkeypatch.delenv("TRACUU_MAX_UNCOMPRESSED_MB")
    monkeypatch.setenv("TRACUU_MAX_ZIP_RATIO", "2")
    small = tmp_path / "small.docx"  # parts under 1 MB are not judged by their ratio
    shutil.copyfile(docx, small)
    assert read_file(small, "small.docx").text


@pytest.mark.skipif(not FONT.exists(), reason="DejaVu Sans is needed to write the PDF (make fonts)")
def test_pdf_page_limit(tmp_path, monkeypatch):
    pdf = write_pdf((CORPUS / BAC_GIANG).read_text(encoding="utf-8"), tmp_path / "bac-giang.pdf")
    pages = read_file(pdf, "bac-giang.pdf").extra["pages"][-1][1]
    assert pages > 2
    monkeypatch.setenv("TRACUU_MAX_PDF_PAGES", "2")
    with pytest.raises(IngestError, match=rf"refused: {pages} pages, more than TRACUU_MAX_PDF_PAGES=2"):
        read_file(pdf, "bac-giang.pdf")


def visible(folder) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def test_upload_refusals_are_422_naming_the_limit(updatable, bomb):
    base, corpus = updatable["base"], updatable["corpus"]
    before = set(p.name for p in corpus.iterdir())
    started = time.perf_counter()
    r = httpx.post(base + "/documents", files={"files": ("bao-cao.docx", bomb.read_bytes())},
                   headers={"X-Requested-With": "test"}, timeout=120)
    took = time.perf_counter() - started
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["rejected"][0]["file"] == "bao-cao.docx"
    assert "TRACUU_MAX_ZIP_RATIO" in body["rejected"][0]["reason"] and "TRACUU_MAX_ZIP_RATIO" in body["detail"]
    assert set(p.name for p in corpus.iterdir()) == before  # nothing written, not even a staging file
    print(f"\nupload of the bomb answered 422 in {took:.2f} s")


def test_too_many_passages_refused_before_embedding(tmp_path, encoder, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from indexer.build import build_index
    from search.engine import SearchEngine

    monkeypatch.delenv("TRACUU_API_KEYS_FILE", raising=False)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(CORPUS / CONFERENCE, corpus / CONFERENCE)
    build_index(corpus, tmp_path / "index", encoder=encoder)
    app = create_app(SearchEngine(tmp_path / "index", encoder=encoder))
    app.state.allow_updates = True
    monkeypatch.setenv("TRACUU_MAX_PASSAGES", "40")  # Bắc Giang makes 79 passages, Thái Hòa 22
    with TestClient(app) as client:
        r = client.post("/documents", files=[("files", (BAC_GIANG, (CORPUS / BAC_GIANG).read_bytes())),
                                             ("files", (THAI_HOA, (CORPUS / THAI_HOA).read_bytes()))],
                        headers={"X-Requested-With": "test"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["added"] == [THAI_HOA]
        assert [{key: r[key] for key in ("file", "skipped", "reason")} for r in body["rejected"]] == [
            {"file": BAC_GIANG, "skipped": False,
             "reason": "refused: more than TRACUU_MAX_PASSAGES=40 passages in one document (split the file, or "
                       "raise the limit)"}]
        assert body["rejected"][0]["reason_vi"] == "Văn bản dài hơn giới hạn 40 đoạn (TRACUU_MAX_PASSAGES): hãy tách tệp."
        assert set(os.listdir(corpus)) == {CONFERENCE, THAI_HOA}  # no staging file left either
        r = client.post("/documents", files=[("files", (BAC_GIANG, (CORPUS / BAC_GIANG).read_bytes()))],
                        headers={"X-Requested-With": "test"})
        assert r.status_code == 422 and "TRACUU_MAX_PASSAGES=40" in r.json()["detail"]
    assert set(os.listdir(corpus)) == {CONFERENCE, THAI_HOA}


def test_killed_add_leaves_nothing_and_the_next_build_says_so(tmp_path, encoder, model_dir):
    from indexer.build import STAGED_PREFIX, build_index
    from search.engine import SearchEngine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(CORPUS / CONFERENCE, corpus / CONFERENCE)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)

    # killed while embedding: the corpus folder shows nothing new
    proc = subprocess.Popen(tracuu_command() + ["add", str(CORPUS / BAC_GIANG), "--index-dir", str(index_dir),
                                                "--model", str(model_dir)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    threading.Thread(target=lambda: [seen.append(line) for line in proc.stderr], daemon=True).start()
    deadline = time.monotonic() + 120
    while "embedding" not in "".join(seen) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, f"the add finished before it could be killed: {''.join(seen)[-2000:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert visible(corpus) == {CONFERENCE}
    leftovers = [p.name for p in corpus.iterdir() if p.name.startswith(STAGED_PREFIX)]
    assert leftovers == [f"{STAGED_PREFIX}{proc.pid}-{BAC_GIANG}"]

    # the next build discards it and says so
    messages: list[str] = []
    report = build_index(corpus, index_dir, encoder=encoder, log=messages.append)
    assert report.skipped and report.documents == 1
    assert any(m.startswith(f"discarded {leftovers[0]}: an interrupted `tracuu add` of {BAC_GIANG}")
               for m in messages), messages
    assert os.listdir(corpus) == [CONFERENCE]

    # killed after its commit, before the move: the next build moves the file in
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    shutil.copyfile(CORPUS / THAI_HOA, corpus / THAI_HOA)
    build_index(corpus, index_dir, encoder=encoder)
    (corpus / THAI_HOA).rename(corpus / f"{STAGED_PREFIX}{dead_pid.pid}-{THAI_HOA}")
    messages.clear()
    report = build_index(corpus, index_dir, encoder=encoder, log=messages.append)
    assert report.skipped and report.documents == 2  # the index already held it: nothing to redo
    assert any(m.startswith(f"picked up {THAI_HOA}") for m in messages), messages
    assert sorted(os.listdir(corpus)) == sorted([CONFERENCE, THAI_HOA])
    assert SearchEngine(index_dir, encoder=encoder).store.document(THAI_HOA) is not None
