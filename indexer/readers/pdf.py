"""PDF: the text layer (pdfplumber) where a page has one, OCR (indexer/readers/ocr.py) where
it is a scan; both go through the same layout step (indexer/readers/layout.py): lines
joined into paragraphs as printed, the header block and the signature block read column
by column, page numbers and the e-signature stamp dropped, footnotes recognised.

- A page is OCR'd when its text layer has fewer than `MIN_TEXT_WORDS` words besides the
  e-signature stamp (a scan carries only the stamp as text). A mixed PDF gets both.
- Ruled tables of text pages (pdfplumber.find_tables) become one line per row with column
  headers (tables.py).
- `Document.extra["pages"]` = [[char offset, page number], …] in increasing offset:
  a passage's page is the last entry whose offset ≤ its start (see `page_at`);
  `extra["ocr"]` names the engine, dpi and each OCR'd page's mean word confidence;
  `extra["page_problems"]` lists pages that could not be read or read badly
  ("trang 3: chất lượng quét thấp …").
A page OCR cannot read is reported and the rest goes in; a PDF none of whose pages can be
read is refused with that reason. Encrypted PDFs that need a password, and files that are
not PDFs or are broken, are rejected with one line saying so.
"""
from __future__ import annotations

import bisect
import re
from pathlib import Path

from indexer.document import Document, IngestError, check_page_count
from indexer.readers.tables import table_lines

MIN_TEXT_WORDS = 20


def page_at(pages: list, offset: int) -> int | None:
    """Page number of the character at `offset`, given Document.extra["pages"]."""
    if not pages:
        return None
    starts = [start for start, _ in pages]
    i = bisect.bisect_right(starts, offset) - 1
    return pages[max(i, 0)][1]


class _Word:
    __slots__ = ("text", "x0", "x1", "top", "bottom", "marker")

    def __init__(self, text, x0, x1, top, bottom):
        self.text, self.x0, self.x1, self.top, self.bottom, self.marker = text, x0, x1, top, bottom, False


def _in_box(word, box) -> bool:
    x0, top, x1, bottom = box
    mid = (word.top + word.bottom) / 2
    return top - 1 <= mid <= bottom + 1 and word.x0 >= x0 - 2 and word.x1 <= x1 + 2


def _columns(table) -> int:
    """Columns with text in most rows."""
    rows = table.extract()
    filled = sorted(sum(1 for c in row if c and c.strip()) for row in rows)
    return filled[len(filled) // 2] if filled else 0


# what a signing service writes into the page's blanks: the number and the day ("11", "08")
_FILLED_IN = re.compile(r"^[\d\s./-]{1,12}$")


def _widget_words(page) -> list[_Word]:
    """Words drawn by the page's form widgets where they fill in a blank of the printed form.

    The e-signature service of a provincial office writes the document's number ("Số:   11/TB-UBND")
    and day ("ngày 08 tháng 01") into signature widgets over the blanks left in the Word
    file (qn-02.pdf, qn-17.pdf): they are on the page as a reader sees it but not in its
    text layer. Only digits are taken: the service's stamp ("Ký bởi …", the signing time)
    is not the document's text."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LTChar
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psparser import LIT

    words = []
    for annot in page.annots or []:
        data = annot.get("data") or {}
        if getattr(resolve1(data.get("Subtype")), "name", None) != "Widget":
            continue
        appearance = resolve1(data.get("AP"))
        normal = resolve1(appearance.get("N")) if isinstance(appearance, dict) else None
        if not isinstance(normal, PDFStream):
            continue
        rect = [float(resolve1(v)) for v in resolve1(data.get("Rect"))]
        box = [float(resolve1(v)) for v in resolve1(normal.attrs.get("BBox", [0, 0, 0, 0]))]
        manager = PDFResourceManager()
        device = PDFPageAggregator(manager, laparams=None)
        interpreter = PDFPageInterpreter(manager, device)
        device.begin_page(page.page_obj, (1, 0, 0, 1, 0, 0))
        # the appearance drawn as a form XObject with its box at the widget's rectangle
        interpreter.init_resources({})
        interpreter.init_state((1, 0, 0, 1, min(rect[0], rect[2]) - box[0], min(rect[1], rect[3]) - box[1]))
        interpreter.xobjmap = {"W": normal}
        interpreter.do_Do(LIT("W"))
        device.end_page(page.page_obj)
        chars = []

        def collect(item):
            if isinstance(item, LTChar):
                chars.append(item)
            elif hasattr(item, "__iter__"):
                for child in item:
                    collect(child)

        collect(device.get_result())
        text = "".join(c.get_text() for c in chars)
        if not text.strip() or not _FILLED_IN.match(text):
            continue
        drawn = [c for c in chars if c.get_text().strip()]
        for token in text.split():  # digits apart from the blanks before them, one word each
            part, drawn = drawn[:len(token)], drawn[len(token):]
            words.append(_Word(token, part[0].x0, part[-1].x1, float(page.height) - max(c.y1 for c in part),
                               float(page.height) - min(c.y0 for c in part)))
    return words


def _text_page(page, number: int, widgets: bool = True):
    """The page's text layer as a PageLayout (words outside ruled tables, table rows as blocks),
    with the digits signature widgets fill in (`_widget_words`) unless `widgets` is False."""
    from indexer.readers.layout import PageLayout

    try:
        # a one-column "table" is ruled or shaded body text (Word paragraph borders), not a table
        tables = [t for t in page.find_tables() if _columns(t) >= 2]
    except Exception:
        tables = []
    boxes = [t.bbox for t in tables]
    words = [_Word(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]))
             for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)]
    words = [w for w in words if not any(_in_box(w, box) for box in boxes)]
    if widgets:
        try:
            words += _widget_words(page)
        except Exception:  # a widget pdfminer cannot draw: the page's own text stands
            pass
    blocks = []
    for table in tables:
        rows = [[c or "" for c in row] for row in table.extract()]
        for i, text in enumerate(table_lines(rows)):
            blocks.append({"top": table.bbox[1] + i * 1e-3, "text": text})
    layout = PageLayout(number, float(page.width), float(page.height), words, blocks=blocks)
    layout.has_images = bool(page.images)
    return layout


def _needs_ocr(layout) -> bool:
    from indexer.readers.layout import STAMP

    words = [w for w in layout.words if not STAMP.search(w.text)]
    if layout.blocks:
        return False
    # the stamp's own words ("Ký bởi: Ủy ban nhân dân tỉnh …") are short lines in a corner
    body = [w for w in words if w.top > 0.12 * layout.height]
    return len(body) < MIN_TEXT_WORDS and getattr(layout, "has_images", True)


def _render(pdf_path: Path, numbers: list[int], dpi: int) -> list:
    """(page number, image to OCR) of the pages `numbers`, rendered at `dpi`."""
    import pypdfium2

    from indexer.readers.ocr import ink_channel

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return [(n, ink_channel(pdf[n - 1].render(scale=dpi / 72).to_pil())) for n in numbers]
    finally:
        pdf.close()


def read_pdf(path: Path, doc_id: str) -> Document:
    import pdfplumber

    from indexer.readers.layout import document_from_pages
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
    try:
        with pdf:
            check_page_count(path, len(pdf.pages))  # TRACUU_MAX_PDF_PAGES, before any page is read
            layouts = [_text_page(page, number) for number, page in enumerate(pdf.pages, start=1)]
    except IngestError:
        raise
    except Exception as err:
        if isinstance(err, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise IngestError(str(path), "encrypted PDF: needs a password, cannot read its text") from None
        raise IngestError(str(path), f"broken PDF ({type(err).__name__}: {err})") from None
    scanned = [layout.number for layout in layouts if _needs_ocr(layout)]
    if scanned:
        from indexer.readers.ocr import OCR_DPI, OcrUnavailable, ocr_images, page_layout

        try:
            ocr_pages = ocr_images(_render(path, scanned, OCR_DPI), dpi=OCR_DPI)
        except OcrUnavailable as err:
            if len(scanned) == len(layouts):
                raise IngestError(str(path), f"PDF has no text layer (a scan) and {err}") from None
            ocr_pages = []
        except Exception as err:
            raise IngestError(str(path), f"cannot render PDF pages for OCR ({type(err).__name__}: {err})") from None
        by_number = {page.number: page_layout(page) for page in ocr_pages}
        layouts = [by_number.get(layout.number, layout) if layout.number in scanned else layout
                   for layout in layouts]
    return document_from_pages(path, doc_id, layouts, fmt="pdf")

