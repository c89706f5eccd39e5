"""OpenDocument text (.odt, odfpy): paragraphs, headings, lists, tables, footnotes, in order.

Laid out like the .docx reader's output (docx.py), so the chunker sees the same structure:
- each text:p / text:h → one line; a line break inside it → a new line;
- list items get their visible label back ("- " for bullets, "1." / "a)" from the list
  style's number format, prefix and suffix);
- a footnote (text:note) becomes a superscript marker in the text (¹, ², … in order) and
  its text follows the paragraph as "¹ text";
- tables → one line per row with each column's header (tables.py); text boxes and frames
  (the administrative header block is often a table in a frame) are read where they are
  anchored, before the paragraph that holds them;
- tables of contents, tracked deletions and drawing shapes are skipped.
The zip package is checked before it is parsed (zip bombs), as for .docx.
"""
from __future__ import annotations

from pathlib import Path

from indexer.document import Document, IngestError
from indexer.readers.tables import clean_cell, table_lines

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SKIPPED = {"table-of-content", "illustration-index", "alphabetical-index", "bibliography", "tracked-changes",
           "sequence-decls", "variable-decls", "user-field-decls", "soft-page-break"}


def _local(node) -> tuple[str, str] | None:
    return node.qname if getattr(node, "qname", None) else None


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                       (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def _render(fmt: str, n: int) -> str:
    if fmt in ("a", "A"):
        s = "abcdefghiklmnopqrstuvxy"[(n - 1) % 23]  # the Vietnamese alphabet's item letters
        return s.upper() if fmt == "A" else s
    if fmt in ("i", "I"):
        return _roman(n).upper() if fmt == "I" else _roman(n)
    return str(n) if fmt else ""


class _Reader:
    def __init__(self, document):
        from odf.namespaces import DRAWNS, OFFICENS, STYLENS, TABLENS, TEXTNS

        self.TEXT, self.TABLE, self.DRAW, self.STYLE, self.OFFICE = TEXTNS, TABLENS, DRAWNS, STYLENS, OFFICENS
        self.lines: list[str] = []
        self.pending_notes: list[str] = []
        self.notes = 0
        self.list_styles: dict[str, dict[int, tuple]] = {}
        for root in (document.styles, document.automaticstyles):
            for style in root.childNodes:
                if style.qname == (TEXTNS, "list-style"):
                    self.list_styles[style.attributes.get((STYLENS, "name"))] = self._levels(style)
        self.counters: dict[int, list[int]] = {}

    def _levels(self, style) -> dict[int, tuple]:
        levels = {}
        for level in style.childNodes:
            number = int(level.attributes.get((self.TEXT, "level"), 1) or 1)
            if level.qname == (self.TEXT, "list-level-style-bullet"):
                levels[number] = ("bullet", "", "", 1)
            elif level.qname == (self.TEXT, "list-level-style-number"):
                levels[number] = (level.attributes.get((self.STYLE, "num-format"), "1") or "",
                                  level.attributes.get((self.STYLE, "num-prefix"), "") or "",
                                  level.attributes.get((self.STYLE, "num-suffix"), "") or "",
                                  int(level.attributes.get((self.TEXT, "start-value"), 1) or 1))
        return levels

    # --- inline text ------------------------------------------------------------------
    def inline(self, node, blocks_before: list) -> str:
        parts = []
        for child in node.childNodes:
            if child.nodeType == child.TEXT_NODE:
                parts.append(child.data)
                continue
            q = child.qname
            if q == (self.TEXT, "s"):
                parts.append(" " * int(child.attributes.get((self.TEXT, "c"), 1) or 1))
            elif q == (self.TEXT, "tab"):
                parts.append(" ")
            elif q == (self.TEXT, "line-break"):
                parts.append("\n")
            elif q == (self.TEXT, "note"):
                self.notes += 1
                marker = str(self.notes).translate(SUPERSCRIPT)
                parts.append(marker)
                body = next((c for c in child.childNodes if c.qname == (self.TEXT, "note-body")), None)
                if body is not None:
                    text = " ".join(" ".join(self.inline(p, []).split()) for p in body.childNodes
                                    if p.qname in ((self.TEXT, "p"), (self.TEXT, "h")))
                    if text.strip():
                        self.pending_notes.append(f"{marker} {text.strip()}")
            elif q == (self.DRAW, "frame"):
                blocks_before.append(child)  # a text box: its blocks are read before this paragraph
            elif q[0] == self.DRAW or q[1] in SKIPPED or q in ((self.TEXT, "deletion"), (self.OFFICE, "annotation")):
                continue
            else:
                parts.append(self.inline(child, blocks_before))
        return "".join(parts)

    def paragraph(self, node, label: str = "") -> None:
        frames: list = []
        text = self.inline(node, frames)
        for frame in frames:
            for box in frame.childNodes:
                if box.qname == (self.DRAW, "text-box"):
                    self.blocks(box)
        first = True
        for line in text.split("\n"):
            line = " ".join(line.split())
            if line:
                self.lines.append((label if first else "") + line)
                first = False
        self.lines += self.pending_notes
        self.pending_notes = []

    # --- blocks -----------------------------------------------------------------------
    def table(self, node) -> None:
        rows = []
        for row in self._rows(node):
            cells = []
            for cell in row.childNodes:
                if cell.qname not in ((self.TABLE, "table-cell"), (self.TABLE, "covered-table-cell")):
                    continue
                texts = []
                for p in cell.childNodes:
                    if p.qname in ((self.TEXT, "p"), (self.TEXT, "h")):
                        texts.append(" ".join(self.inline(p, []).split()))
                    elif p.qname == (self.TEXT, "list"):
                        texts += [" ".join(self.inline(q, []).split()) for q in _descendants(p, (self.TEXT, "p"))]
                repeat = min(int(cell.attributes.get((self.TABLE, "number-columns-repeated"), 1) or 1), 64)
                cells += [clean_cell(" ".join(t for t in texts if t))] * repeat
            rows.append(cells)
        self.lines += table_lines(rows)
        self.lines += self.pending_notes
        self.pending_notes = []

    def _rows(self, node):
        for child in node.childNodes:
            if child.qname == (self.TABLE, "table-row"):
                yield child
            elif child.qname in ((self.TABLE, "table-header-rows"), (self.TABLE, "table-rows"),
                                 (self.TABLE, "table-row-group")):
                yield from self._rows(child)

    def list(self, node, level: int, style: str | None, counters: list[int]) -> None:
        style = node.attributes.get((self.TEXT, "style-name")) or style
        levels = self.list_styles.get(style, {})
        for item in node.childNodes:
            if item.qname not in ((self.TEXT, "list-item"), (self.TEXT, "list-header")):
                continue
            label = ""
            spec = levels.get(level)
            if item.qname == (self.TEXT, "list-item") and spec is not None:
                fmt, prefix, suffix, start = spec
                if fmt == "bullet":
                    label = "- "
                elif fmt:
                    start_at = item.attributes.get((self.TEXT, "start-value"))
                    counters[level - 1] = int(start_at) if start_at else (counters[level - 1] + 1 if counters[level - 1]
                                                                            else start)
                    for deeper in range(level, len(counters)):
                        counters[deeper] = 0
                    label = f"{prefix}{_render(fmt, counters[level - 1])}{suffix}".strip()
                    label = label + " " if label else ""
            for child in item.childNodes:
                if child.qname in ((self.TEXT, "p"), (self.TEXT, "h")):
                    self.paragraph(child, label)
                    label = ""
                elif child.qname == (self.TEXT, "list"):
                    self.list(child, level + 1, style, counters)
                elif child.qname == (self.TABLE, "table"):
                    self.table(child)

    def blocks(self, node) -> None:
        for child in node.childNodes:
            q = _local(child)
            if q is None:
                continue
            if q in ((self.TEXT, "p"), (self.TEXT, "h")):
                self.paragraph(child)
            elif q == (self.TEXT, "list"):
                self.list(child, 1, None, [0] * 10)
            elif q == (self.TABLE, "table"):
                self.table(child)
            elif q[1] in SKIPPED:
                continue
            elif q in ((self.TEXT, "section"), (self.TEXT, "index-body"), (self.DRAW, "text-box"),
                       (self.DRAW, "frame")):
                self.blocks(child)


def _descendants(node, qname):
    for child in node.childNodes:
        if getattr(child, "qname", None) == qname:
            yield child
        elif child.nodeType != child.TEXT_NODE:
            yield from _descendants(child, qname)


def read_odt(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document
    from indexer.readers.archive import check_archive

    check_archive(path, ".odt", required=("content.xml",))  # size and zip-bomb limits
    from odf import opendocument

    try:
        document = opendocument.load(str(path))
    except Exception as err:
        raise IngestError(str(path), f"not a valid .odt ({type(err).__name__}: {err})") from None
    if document.mimetype and "opendocument.text" not in document.mimetype:
        raise IngestError(str(path), f"not an OpenDocument text (.odt) but {document.mimetype}")
    reader = _Reader(document)
    reader.blocks(document.text)
    return make_document(path, doc_id, "\n\n".join(reader.lines) + "\n", {"format": "odt"})
