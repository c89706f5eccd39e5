"""Build .docx, .pdf and .html versions of the real corpus reports at test time
(python-docx, fpdf2, hand-written HTML): no binary fixtures in git.

Each builder takes a report's .txt text and writes the same paragraphs the way the
format carries them: DOCX paragraphs with heading styles and real footnotes, PDF
pages with wrapped lines, paragraph spacing and running page numbers, HTML with a
navigation bar, a banner, the article and a related-links box around it.
"""
from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

from indexer.chunker import BANNER_LINE, RELATED_LINKS_HEADER

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
FOOTNOTE_DEF = re.compile(r"^([" + SUPERSCRIPTS + r"]+)\s*(\S.*)$")
MARKER = re.compile(r"(?<=\S)(?<!m)([" + SUPERSCRIPTS + r"]+)")
HEADING = re.compile(r"^([A-HJ-UWYZĐ]|[IVXL]{1,6})\.\s+\S")
TONES = "\u0300\u0301\u0309\u0303\u0323"


def report_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --- DOCX --------------------------------------------------------------------------
FOOTNOTES_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                 '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                 '</w:r></w:p></w:footnote>{notes}</w:footnotes>')


def write_docx(text: str, path: Path, table: list[list[str]] | None = None) -> Path:
    """Footnote definitions ("¹ …") become real Word footnotes referenced where the
    marker stands; "A." / "I." headings get heading styles; `table` is appended."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    lines = report_lines(text)
    notes = {}
    for line in lines:
        m = FOOTNOTE_DEF.match(line)
        if m:
            notes.setdefault(m.group(1), m.group(2))
    document = docx.Document()
    note_ids: dict[str, int] = {}
    for line in lines:
        if FOOTNOTE_DEF.match(line):
            continue
        style = "Heading 1" if HEADING.match(line) and line.upper() == line else None
        paragraph = document.add_paragraph(style=style)
        pos = 0
        for m in MARKER.finditer(line):
            if m.group(1) not in notes:
                continue
            paragraph.add_run(line[pos:m.start()])
            note_id = note_ids.setdefault(m.group(1), len(note_ids) + 1)
            run = paragraph.add_run()
            rpr = run._r.get_or_add_rPr()
            rpr.append(parse_xml(f'<w:vertAlign xmlns:w="http://schemas.openxmlformats.org/'
                                 f'wordprocessingml/2006/main" w:val="superscript"/>'))
            ref = parse_xml(f'<w:footnoteReference xmlns:w="http://schemas.openxmlformats.org/'
                            f'wordprocessingml/2006/main" w:id="{note_id}"/>')
            run._r.append(ref)
            pos = m.end()
        paragraph.add_run(line[pos:])
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    if note_ids:
        body = "".join(
            f'<w:footnote w:id="{nid}"><w:p><w:r><w:t xml:space="preserve">{html.escape(notes[m])}'
            f'</w:t></w:r></w:p></w:footnote>' for m, nid in note_ids.items())
        part = Part(PackURI("/word/footnotes.xml"),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                    FOOTNOTES_XML.format(notes=body).encode("utf-8"), document.part.package)
        document.part.relate_to(part, RT.FOOTNOTES)
    assert qn("w:p")
    document.save(str(path))
    return path


# --- PDF ---------------------------------------------------------------------------
def write_pdf(text: str, path: Path, table: list[list[str]] | None = None) -> Path:
    """A4 pages, DejaVu Sans 11 pt, wrapped paragraphs with space between them and
    "Trang N" at the foot of every page."""
    from fpdf import FPDF

    class Report(FPDF):
        def footer(self):
            self.set_y(-15)
            self.set_font("DejaVu", size=9)
            self.cell(0, 10, f"Trang {self.page_no()}", align="C")

    pdf = Report(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    for line in report_lines(text):
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    if table:
        with pdf.table() as grid:
            for row in table:
                cells = grid.row()
                for value in row:
                    cells.cell(value)
    pdf.output(str(path))
    return path


# --- HTML --------------------------------------------------------------------------
def write_html(text: str, path: Path, table: list[list[str]] | None = None) -> Path:
    """The article between a navigation bar, a banner, a related-links box and a footer."""
    lines = report_lines(text)
    banner = [ln for ln in lines if BANNER_LINE.match(ln)]
    body, related = [], []
    for line in lines:
        if related or RELATED_LINKS_HEADER.match(line):
            related.append(line)
        elif not BANNER_LINE.match(line):
            body.append(line)
    e = html.escape
    parts = ['<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">',
             f"<title>{e(body[0][:80])} - Cổng thông tin</title>",
             "<style>.menu{display:flex}</style><script>var x = 'Trang chủ';</script></head><body>",
             '<header class="site-header"><div class="logo">Cổng thông tin điện tử</div>',
             '<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/gioi-thieu">Giới thiệu</a></li>'
             '<li><a href="/tin-tuc">Tin tức</a></li><li><a href="/van-ban">Văn bản</a></li></ul></nav></header>',
             f'<div class="banner">{e(banner[0]) if banner else "Banner Cổng thông tin"}</div>',
             '<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/tin-tuc">Tin tức</a></div>',
             '<div class="container"><article class="news-detail">']
    for i, line in enumerate(body):
        content = MARKER.sub(lambda m: f"<sup>{m.group(1).translate(str.maketrans(SUPERSCRIPTS, '0123456789'))}</sup>",
                             e(line))
        if i == 0:
            parts.append(f"<h1>{content}</h1>")
        elif HEADING.match(line) and line.upper() == line:
            parts.append(f"<h2>{content}</h2>")
        else:
            parts.append(f"<p>{content}</p>")
    if table:
        parts.append("<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in table[0]) + "</tr></thead><tbody>")
        for row in table[1:]:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append('<div class="share-buttons"><a href="#">Facebook</a> <a href="#">Zalo</a> '
                 '<a href="#">In bài</a></div></article>')
    parts.append('<aside class="sidebar"><h3>Xem nhiều</h3><ul>'
                 '<li><a href="/a">Hội nghị giao ban công tác dân vận</a></li>'
                 '<li><a href="/b">Tập huấn nghiệp vụ</a></li><li><a href="/c">Thông báo</a></li></ul></aside></div>')
    if related:
        parts.append(f'<div class="related-news"><h3>{e(related[0])}</h3><ul>'
                     + "".join(f'<li><a href="/r{i}">{e(t)}</a></li>' for i, t in enumerate(related[1:]))
                     + "</ul></div>")
    parts.append('<footer><p>Bản quyền thuộc Ban Dân vận Tỉnh ủy. Địa chỉ: số 1 đường Trường Thi.</p></footer>'
                 "</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


# --- legacy encodings --------------------------------------------------------------
def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese legacy software writes it: base letters with their
    vowel marks precomposed (â, ê, ơ, ư, ă), tones as combining marks."""
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out.append(base + tones)
    return "".join(out).replace("\n", "\r\n").encode("cp1258")


WRITERS = {".docx": write_docx, ".pdf": write_pdf, ".html": write_html}
