"""One reader per file format; every reader returns the same `Document`.

A reader lays the document out the way the `.txt` originals are laid out: one
paragraph (heading, body paragraph, list item, table row, footnote definition) per
line, paragraphs separated by a blank line, so `indexer.chunker` finds the same
headings, paragraphs and footnotes whatever the source format was.

    .txt .md     text.py   encoding detected (UTF-8/-BOM, UTF-16/32 BOM, Windows-1258, …)
    .docx        docx.py   python-docx: paragraphs, heading styles, lists, footnotes, tables
    .pdf         pdf.py    pdfplumber text layer; Document.extra["pages"] maps offsets to pages
    .html .htm   html.py   lxml: main content only (nav, banners, related links dropped)

Tables become one line per row that keeps each column's header with its value
("Nội dung: Số vụ việc đã giải quyết; Năm 2021: 08 vụ"), see tables.py.

The bytes must agree with the suffix (names.py): a PDF named x.txt is refused with the
fix, not indexed as text.

Limits: a file larger than TRACUU_MAX_FILE_MB (default 50 MB; `--max-file-mb`) is
rejected before it is read; archives (.docx) are checked for their uncompressed size
before they are opened (zip bombs).
"""
from __future__ import annotations

import os
from pathlib import Path

from indexer.document import Document, IngestError, text_checksum
from indexer.readers.names import content_mismatch

MAX_FILE_MB_ENV = "TRACUU_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 50.0
READERS = {".txt": "text", ".md": "text", ".docx": "docx", ".pdf": "pdf", ".html": "html",
           ".htm": "html"}
SUFFIXES = tuple(READERS)


def max_file_bytes() -> int:
    raw = os.environ.get(MAX_FILE_MB_ENV)
    try:
        mb = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        mb = DEFAULT_MAX_FILE_MB
    return int(mb * 1024 * 1024)


def check_size(path: Path) -> int:
    size = path.stat().st_size
    limit = max_file_bytes()
    if size > limit:
        raise IngestError(str(path), f"file too large ({size / 1048576:.1f} MB > limit "
                                     f"{limit / 1048576:g} MB; raise it with --max-file-mb or "
                                     f"{MAX_FILE_MB_ENV})")
    if size == 0:
        raise IngestError(str(path), "empty file")
    return size


def make_document(path: Path, doc_id: str, text: str, extra: dict | None = None,
                  title: str | None = None) -> Document:
    from indexer.chunker import guess_title
    from indexer.textnorm import normalize_source

    text = normalize_source(text)
    if not text.strip():
        raise IngestError(str(path), "no text found (empty document)")
    return Document(doc_id=doc_id, title=title or guess_title(text), text=text, source=doc_id,
                    checksum=text_checksum(text), extra=extra or {})


def read_file(path: Path, doc_id: str) -> Document:
    """The document in `path` (format by suffix); IngestError with a one-line reason."""
    suffix = path.suffix.lower()
    kind = READERS.get(suffix)
    if kind is None:
        raise IngestError(str(path), f"unsupported file type {suffix or '(none)'}")
    check_size(path)
    with open(path, "rb") as fh:
        mismatch = content_mismatch(fh.read(2048), suffix)
    if mismatch:
        raise IngestError(str(path), mismatch)
    if kind == "text":
        from indexer.readers.text import read_text_file as reader
    elif kind == "docx":
        from indexer.readers.docx import read_docx as reader
    elif kind == "pdf":
        from indexer.readers.pdf import read_pdf as reader
    else:
        from indexer.readers.html import read_html as reader
    try:
        return reader(path, doc_id)
    except IngestError:
        raise
    except MemoryError:
        raise IngestError(str(path), "document too large to parse in memory") from None
    except Exception as err:  # a parser library failing on a malformed file
        raise IngestError(str(path), f"cannot parse {suffix} file ({type(err).__name__}: "
                                     f"{str(err).splitlines()[0][:160] if str(err) else 'no detail'})") from None
