"""PDF text layer (pdfplumber, on pdfminer.six): lines → paragraphs, tables, page map.

- Lines of a page are grouped into paragraphs: a new paragraph starts after a vertical
  gap clearly larger than the page's usual line pitch, or at an indented first line.
  Lines of one paragraph are joined with a space (the .txt layout: one paragraph per line).
- Running page numbers ("3", "- 3 -", "Trang 3", "3/12") at the top or bottom of a page
  are dropped.
- Ruled tables (pdfplumber.find_tables) become one line per row with column headers.
- A paragraph cut by a page break is joined again when the page's last line runs to
  the right margin and the next page's first line is not indented.
- `Document.extra["pages"]` = [[char offset, page number], …] in increasing offset:
  a passage's page is the last entry whose offset ≤ its start (see `page_at`).
Encrypted PDFs that need a password, and files that are not PDFs or are broken,
are rejected with one line saying so; a PDF without any text (a scan without OCR) too.
"""
from __future__ import annotations

import bisect
import re
import statistics
from pathlib import Path

from indexer.document import Document, IngestError, check_page_count
from indexer.readers.tables import table_lines

PAGE_NUMBER = re.compile(r"^(?:trang\s*)?[-–—\s]*\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE)
MARGIN_FRACTION = 0.1
GAP_FACTOR = 1.4
INDENT_PT = 10.0


def page_at(pages: list, offset: int) -> int | None:
    """Page number of the character at `offset`, given Document.extra["pages"]."""
    if not pages:
        return None
    starts = [start for start, _ in pages]
    i = bisect.bisect_right(starts, offset) - 1
    return pages[max(i, 0)][1]


def _in_box(line: dict, box) -> bool:
    x0, top, x1, bottom = box
    mid = (line["top"] + line["bottom"]) / 2
    return top - 1 <= mid <= bottom + 1 and line["x0"] >= x0 - 2 and line["x1"] <= x1 + 2


def _line_pitch(pages_lines: list[list[dict]]) -> float:
    """The document's usual distance between the tops of two lines of one paragraph:
    a low percentile of all distances (paragraph gaps are larger), at least 1.1 × the
    usual line height (a last page of one-line paragraphs has no in-paragraph pitch)."""
    pitches, heights = [], []
    for lines in pages_lines:
        pitches += [b["top"] - a["top"] for a, b in zip(lines, lines[1:]) if b["top"] - a["top"] > 0.5]
        heights += [ln["bottom"] - ln["top"] for ln in lines]
    height = statistics.median(heights) if heights else 10.0
    if not pitches:
        return 1.2 * height
    return max(sorted(pitches)[len(pitches) // 5], 1.1 * height)


def _paragraphs(lines: list[dict], pitch: float) -> list[dict]:
    """Paragraphs of one page's body lines (sorted top to bottom): dicts with top, text,
    indented (first line indented), full (last line reaches the right margin)."""
    if not lines:
        return []
    margin = min(ln["x0"] for ln in lines)
    right = max(ln["x1"] for ln in lines)
    paragraphs: list[dict] = []
    previous = None
    for line in lines:
        text = " ".join(line["text"].split())
        if not text:
            continue
        indented = line["x0"] > margin + INDENT_PT
        new = previous is None
        if previous is not None:
            gap = line["top"] - previous["top"]
            new = (gap > GAP_FACTOR * pitch or gap < 0
                   or (indented and abs(line["x0"] - previous["x0"]) > 2))
        if new:
            paragraphs.append({"top": line["top"], "text": text, "indented": indented})
        else:
            paragraphs[-1]["text"] += " " + text
        paragraphs[-1]["full"] = line["x1"] >= right - 0.03 * (right - margin)
        previous = line
    return paragraphs


def _page_lines(page) -> tuple[list[dict], list]:
    """Body text lines of a page (running page numbers and table cells left out), tables."""
    height = float(page.height)
    try:
        tables = page.find_tables()
    except Exception:
        tables = []
    boxes = [t.bbox for t in tables]
    lines = []
    for line in page.extract_text_lines(layout=False, strip=True, return_chars=False):
        if any(_in_box(line, box) for box in boxes):
            continue
        in_margin = line["bottom"] < height * MARGIN_FRACTION or line["top"] > height * (1 - MARGIN_FRACTION)
        if in_margin and PAGE_NUMBER.match(line["text"].strip()):
            continue
        lines.append(line)
    lines.sort(key=lambda ln: (round(ln["top"], 1), ln["x0"]))
    return lines, tables


def _page_blocks(lines: list[dict], tables: list, pitch: float) -> list[dict]:
    """Blocks of one page in reading order: paragraphs and table rows."""
    blocks = _paragraphs(lines, pitch)
    for table in tables:
        rows = [[c or "" for c in row] for row in table.extract()]
        for i, text in enumerate(table_lines(rows)):
            blocks.append({"top": table.bbox[1] + i * 1e-3, "text": text, "table": True})
    blocks.sort(key=lambda b: b["top"])
    return [b for b in blocks if b["text"].strip()]


def read_pdf(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document
    from indexer.textnorm import normalize_source
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    with open(path, "rb") as fh:
        if not fh.read(1024).lstrip().startswith(b"%PDF"):
            raise IngestError(str(path), "not a PDF file (no %PDF header)")
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as err:
        cause = err.__cause__ or err.__context__ or err
        for e in (err, cause, *getattr(err, "args", ())):
            if isinstance(e, (PDFPasswordIncorrect, PDFEncryptionError)):
                raise IngestError(str(path), "encrypted PDF: needs a password, cannot read its text") from None
            if isinstance(e, PDFSyntaxError):
                raise IngestError(str(path), f"broken PDF ({e})") from None
        raise IngestError(str(path), f"broken PDF ({type(cause).__name__}: {cause})") from None
    text = ""
    pages: list[list[int]] = []
    try:
        with pdf:
            check_page_count(path, len(pdf.pages))
            previous = None  # the last block of the previous page
            pages_lines = [_page_lines(page) for page in pdf.pages]
            pitch = _line_pitch([lines for lines, _ in pages_lines])
            for number, (lines, tables) in enumerate(pages_lines, start=1):
                blocks = _page_blocks(lines, tables, pitch)
                if not blocks:
                    continue
                first = blocks[0]
                if (previous is not None and previous.get("full") and not previous.get("table")
                        and not first.get("table") and not first.get("indented")):
                    # the last line of the previous page ran to the margin: the paragraph
                    # goes on here; the page starts inside it
                    text = text.rstrip("\n") + " "
                    pages.append([len(text), number])
                    text += normalize_source(first["text"]) + "\n\n"
                    blocks = blocks[1:]
                else:
                    pages.append([len(text), number])
                # normalised here so the page offsets stay right after make_document's NFC
                text += "".join(normalize_source(b["text"]) + "\n\n" for b in blocks)
                previous = (blocks or [first])[-1]
    except IngestError:
        raise
    except Exception as err:
        if isinstance(err, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise IngestError(str(path), "encrypted PDF: needs a password, cannot read its text") from None
        raise IngestError(str(path), f"broken PDF ({type(err).__name__}: {err})") from None
    if not text.strip():
        raise IngestError(str(path), "PDF has no text layer (a scan without OCR?)")
    return make_document(path, doc_id, text, {"format": "pdf", "pages": pages})
