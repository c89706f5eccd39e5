"""One reader per file format; every reader returns the same `Document`.

A reader lays the document out the way the `.txt` originals are laid out: one
paragraph (heading, body paragraph, list item, table row, footnote definition) per
line, paragraphs separated by a blank line, so `indexer.chunker` finds the same
headings, paragraphs and footnotes whatever the source format was.

    .txt .md     text.py   encoding detected (UTF-8/-BOM, UTF-16/32 BOM, Windows-1258, …)
    .docx        docx.py   python-docx: paragraphs, heading styles, lists, footnotes, tables
    .pdf         pdf.py    pdfplumber text layer; Document.extra["pages"] maps offsets to pages
    .html .htm   html.py   lxml: main content only (nav, banners, related links dropped)
    .xlsx .xls .ods spreadsheet.py  openpyxl / xlrd / odfpy: each sheet a table, each row a
                 passage cited "bảng <sheet>, dòng N" (Document.extra["table_rows"])
    .doc         doc.py    Debian's antiword (catdoc as fallback), measured in eval/results/doc_readers.md
    .odt         odt.py    odfpy: paragraphs, lists, tables, footnotes, text boxes
    .rtf         rtf.py    striprtf, text boxes kept
    .png .jpg .jpeg .tif .tiff   ocr.py   Tesseract 5 (vie); scanned PDF pages too (pdf.py)

PDF pages and OCR'd pages are laid out as printed by layout.py (paragraphs, the header and
signature blocks column by column); indexer/header_block.py reads those blocks.

Tables become one line per row that keeps each column's header with its value
("Nội dung: Số vụ việc đã giải quyết; Năm 2021: 08 vụ"), see tables.py.

The bytes must agree with the suffix (names.py): a PDF named x.txt is refused with the
fix, not indexed as text.

Limits: a file larger than TRACUU_MAX_FILE_MB (default 50 MB; `--max-file-mb`) is
rejected before it is read; every zip-based format (.docx, …) calls archive.py's
`check_archive` before it is opened (TRACUU_MAX_UNCOMPRESSED_MB, TRACUU_MAX_ZIP_RATIO:
zip bombs); a PDF over TRACUU_MAX_PDF_PAGES pages is refused before its pages are read
(indexer.document.check_page_count), a document over TRACUU_MAX_PASSAGES passages before it
is embedded.
"""
from __future__ import annotations

from pathlib import Path

# the helpers every reader uses live with the Document they make (indexer/document.py);
# they are public names of this package too
from indexer.document import (DEFAULT_MAX_FILE_MB, MAX_FILE_MB_ENV, Document, IngestError,  # noqa: F401
                              check_size, make_document, max_file_bytes)
from indexer.readers.names import content_mismatch

READERS = {".txt": "text", ".md": "text", ".docx": "docx", ".pdf": "pdf", ".html": "html",
           ".htm": "html", ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image",
           ".tiff": "image", ".xlsx": "spreadsheet", ".xls": "spreadsheet", ".ods": "spreadsheet",
           ".doc": "doc", ".odt": "odt", ".rtf": "rtf"}
SUFFIXES = tuple(READERS)


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
    elif kind == "image":
        from indexer.readers.ocr import read_image as reader
    elif kind == "spreadsheet":
        from indexer.readers.spreadsheet import read_spreadsheet as reader
    elif kind == "doc":
        from indexer.readers.doc import read_doc as reader
    elif kind == "odt":
        from indexer.readers.odt import read_odt as reader
    elif kind == "rtf":
        from indexer.readers.rtf import read_rtf as reader
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
