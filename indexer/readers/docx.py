"""Word .docx (python-docx): body paragraphs in order, tables, lists, footnotes.

- each paragraph → one line; a soft line break inside a paragraph → a new line;
- list paragraphs get their visible label back ("- " for bullets, "1." / "a)" from
  the numbering definitions), so the chunker sees the same "1." headings a reader sees;
- a footnote reference becomes a superscript marker (¹, ², … in reference order, as
  Word numbers them) and the footnote's text follows the paragraph as "¹ text", the
  layout the .txt reports use;
- tables → one line per row with the header of each column (tables.py);
- tracked deletions and field codes are skipped.
Before parsing, the zip directory is checked (archive.py: not a zip, too large
uncompressed, a part expanding like a zip bomb → rejected, naming the limit).
"""
from __future__ import annotations

from pathlib import Path

from indexer.document import Document, IngestError
from indexer.readers.tables import table_lines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class _Numbering:
    """Visible labels of numbered and bulleted paragraphs."""

    def __init__(self, document):
        self.formats: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract = {}
        for node in root.findall(W + "abstractNum"):
            levels = {}
            for lvl in node.findall(W + "lvl"):
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                start = lvl.find(W + "start")
                levels[int(lvl.get(W + "ilvl"))] = (
                    fmt.get(W + "val") if fmt is not None else "decimal",
                    text.get(W + "val") if text is not None else "%1.",
                    int(start.get(W + "val")) if start is not None else 1)
            abstract[node.get(W + "abstractNumId")] = levels
        for num in root.findall(W + "num"):
            ref = num.find(W + "abstractNumId")
            if ref is not None:
                for ilvl, spec in abstract.get(ref.get(W + "val"), {}).items():
                    self.formats[(num.get(W + "numId"), ilvl)] = spec

    @staticmethod
    def _render(fmt: str, n: int) -> str:
        if fmt in ("lowerLetter", "upperLetter"):
            s = "abcdefghiklmnopqrstuvxy"[(n - 1) % 23]
            return s.upper() if fmt == "upperLetter" else s
        if fmt in ("lowerRoman", "upperRoman"):
            vals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
            out, rest = "", n
            for v, sym in vals:
                while rest >= v:
                    out, rest = out + sym, rest - v
            return out.upper() if fmt == "upperRoman" else out
        return str(n)

    def label(self, paragraph) -> str:
        ppr = paragraph.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is None:
            return ""
        num_id = numpr.find(W + "numId")
        ilvl = numpr.find(W + "ilvl")
        num_id = num_id.get(W + "val") if num_id is not None else None
        ilvl = int(ilvl.get(W + "val")) if ilvl is not None else 0
        spec = self.formats.get((num_id, ilvl))
        if spec is None or num_id in (None, "0"):
            return ""
        fmt, text, start = spec
        if fmt == "bullet":
            return "- "
        if fmt == "none":
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        counters[ilvl] = counters[ilvl] + 1 if counters[ilvl] else start
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        label = text
        for level in range(9):
            spec_l = self.formats.get((num_id, level), ("decimal", "", 1))
            value = counters[level] or spec_l[2]
            label = label.replace(f"%{level + 1}", self._render(spec_l[0], value))
        return label.strip() + " " if label.strip() else ""


def _footnote_texts(document) -> dict[str, str]:
    from lxml import etree

    for rel in document.part.rels.values():
        if rel.reltype.endswith("/footnotes") and not rel.is_external:
            root = etree.fromstring(rel.target_part.blob)
            notes = {}
            for note in root.findall(W + "footnote"):
                if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
                    continue
                paras = [_plain_text(p) for p in note.iter(W + "p")]
                notes[note.get(W + "id")] = " ".join(p.strip() for p in paras if p.strip())
            return notes
    return {}


def _plain_text(element) -> str:
    parts = []
    for node in element.iter(W + "t", W + "tab"):
        parts.append(node.text or "" if node.tag == W + "t" else " ")
    return "".join(parts)


class _Writer:
    def __init__(self, document):
        self.numbering = _Numbering(document)
        self.footnotes = _footnote_texts(document)
        self.footnote_numbers: dict[str, int] = {}
        self.lines: list[str] = []
        self.pending_notes: list[str] = []

    def paragraph_text(self, paragraph) -> str:
        parts = []
        for node in paragraph.iter():
            tag = node.tag
            if tag == W + "t":
                if not _inside(node, paragraph, (W + "del", W + "instrText")):
                    parts.append(node.text or "")
            elif tag == W + "tab":
                parts.append(" ")
            elif tag in (W + "br", W + "cr"):
                if node.get(W + "type") in (None, "textWrapping"):
                    parts.append("\n")
            elif tag == W + "footnoteReference":
                fid = node.get(W + "id")
                number = self.footnote_numbers.setdefault(fid, len(self.footnote_numbers) + 1)
                parts.append(str(number).translate(SUPERSCRIPT))
                if fid in self.footnotes:
                    self.pending_notes.append(f"{str(number).translate(SUPERSCRIPT)} {self.footnotes[fid]}")
        return "".join(parts)

    def flush_notes(self) -> None:
        self.lines += self.pending_notes
        self.pending_notes = []

    def add_paragraph(self, paragraph) -> None:
        text = self.paragraph_text(paragraph)
        label = self.numbering.label(paragraph)
        for i, line in enumerate(text.split("\n")):
            line = " ".join(line.split())
            if line:
                self.lines.append((label if i == 0 else "") + line)
        self.flush_notes()

    def add_table(self, table) -> None:
        rows = []
        for tr in table.iter(W + "tr"):
            if _inside(tr, table, (W + "tbl",)):
                continue  # rows of nested tables are read as cell text
            cells = []
            for tc in tr.findall(W + "tc"):
                text = " ".join(" ".join(self.paragraph_text(p).split()) for p in tc.iter(W + "p"))
                span = tc.find(f"{W}tcPr/{W}gridSpan")
                cells.append(text.strip())
                if span is not None:
                    cells += [""] * (int(span.get(W + "val")) - 1)
            rows.append(cells)
        self.lines += table_lines(rows)
        self.flush_notes()

    def walk(self, container) -> None:
        for child in container.iterchildren():
            if child.tag == W + "p":
                self.add_paragraph(child)
            elif child.tag == W + "tbl":
                self.add_table(child)
            elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins"):
                self.walk(child)


def _inside(node, stop, tags) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def read_docx(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document
    from indexer.readers.archive import check_archive

    check_archive(path, ".docx", required=("word/document.xml",))
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as err:
        raise IngestError(str(path), f"not a valid .docx ({type(err).__name__}: {err})") from None
    writer = _Writer(document)
    writer.walk(document.element.body)
    # core_properties.title is often stale ("Microsoft Word - bc.doc"): the title comes
    # from the text, as for every other format
    return make_document(path, doc_id, "\n\n".join(writer.lines) + "\n", {"format": "docx"})
