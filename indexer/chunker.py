"""Structure-aware chunking: document text → paragraphs → passages with citations.

Reports use headings "A.", "I.", "1.", "4.1.", "a)"; legal texts use Phần, Chương,
Mục, Điều and, inside an Điều, khoản ("1." or "1-") and điểm ("a)"). A passage never
spans two sections, keeps its heading path, its footnote markers and their text.

Paragraph numbers count the blocks a reader sees in the body of the document
(headings included; web banners, related-links lists, distribution lists and
footnote definitions excluded), 1-based, in source order. A paragraph broken by a
page break (the next block starts in lower case and the previous one does not end
a sentence) counts once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, asdict

# --- boilerplate -----------------------------------------------------------------
BANNER_LINE = re.compile(r"^\s*banner\b", re.IGNORECASE)
# Web pages end with lists of links to other articles: nothing after these is the document.
RELATED_LINKS_HEADER = re.compile(
    r"^\s*(tin cùng chuyên mục|tin liên quan|bài viết liên quan|các tin khác|tin khác|"
    r"xem thêm|tin bài khác|các bài viết khác)\s*:?\s*$", re.IGNORECASE)
# Distribution lists of official documents ("Nơi nhận:" followed by "- ..." lines).
DISTRIBUTION_HEADER = re.compile(r"^\s*(nơi nhận|bản điện tử)\s*:?\s*$", re.IGNORECASE)
LIST_LINE = re.compile(r"^\s*[-+•]\s*\S")

# --- footnotes -------------------------------------------------------------------
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
FOOTNOTE_DEFINITION = re.compile(r"^([" + SUPERSCRIPT_DIGITS + r"]+)\s*(\S.*)$", re.S)
# a superscript after a word is a footnote marker, except units such as km², m³
FOOTNOTE_MARKER = re.compile(r"(?<=\S)(?<!m)([" + SUPERSCRIPT_DIGITS + r"]+)")

# --- headings --------------------------------------------------------------------
# "I.", "V.", "X." are Roman numerals in this genre, not section letters
SECTION_LETTER = re.compile(r"^([A-HJ-UWYZĐ])\.\s+(\S.*)$", re.S)
ROMAN = re.compile(r"^([IVXL]{1,6})\.\s+(\S.*)$", re.S)
# "1.", "4.1.", "4.1" (components of 1-2 digits so "1.215 đơn" is a number, not a heading)
NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)(\.|\))?\s+(\S.*)$", re.S)
LETTER_ITEM = re.compile(r"^([a-zđ])\)\s+(\S.*)$", re.S)
LEGAL_PART = re.compile(r"^(phần\s+thứ\s+\S+)\s*[:.]?\s*(.*)$", re.S | re.IGNORECASE)
LEGAL_CHAPTER = re.compile(r"^(chương\s+(?:[IVXLC]+|\d+))\s*[:.]?\s*(.*)$", re.S | re.IGNORECASE)
LEGAL_SECTION = re.compile(r"^(mục\s+(?:\d+|[IVXLC]+))\s*[:.]?\s*(.*)$", re.S | re.IGNORECASE)
LEGAL_ARTICLE = re.compile(r"^điều\s+(\d+[a-zđ]?)\s*[.:]?\s*(.*)$", re.S | re.IGNORECASE)
LEGAL_CLAUSE = re.compile(r"^(\d{1,2})\s*[.-]\s+(\S.*)$", re.S)

DOC_TYPE_LINES = {
    "BÁO CÁO": "Báo cáo", "KẾT LUẬN": "Kết luận", "CHỈ THỊ": "Chỉ thị", "NGHỊ QUYẾT": "Nghị quyết",
    "KẾ HOẠCH": "Kế hoạch", "QUYẾT ĐỊNH": "Quyết định", "QUY CHẾ": "Quy chế", "THÔNG BÁO": "Thông báo",
    "TỜ TRÌNH": "Tờ trình", "CÔNG VĂN": "Công văn", "LUẬT": "Luật", "BỘ LUẬT": "Bộ luật",
    "HIẾN PHÁP": "Hiến pháp", "PHÁP LỆNH": "Pháp lệnh", "NGHỊ ĐỊNH": "Nghị định", "THÔNG TƯ": "Thông tư",
    "CHƯƠNG TRÌNH": "Chương trình", "HƯỚNG DẪN": "Hướng dẫn", "THAM LUẬN": "Tham luận",
}

HEADING_MAX_CHARS = 250
MAX_PASSAGE_CHARS = 1000
SHORT_PARAGRAPH_CHARS = 200
MERGED_PASSAGE_CHARS = 600

SENTENCE_END = re.compile(r"[.!?…;]+[\"”’)]*\s+")
CLAUSE_END = re.compile(r"[,:]\s+")


@dataclass
class Heading:
    level: int
    label: str  # what a citation names: "B", "II", "4.2", "a)", "Điều 12", "khoản 2", "điểm a"
    text: str  # the heading as written (for khoản/điểm: the label only)
    legal: bool = False


@dataclass
class Paragraph:
    number: int
    kind: str  # "heading" | "body" | "item" (a numbered/lettered block with content)
    pieces: list[tuple[int, int]]  # source spans; more than one when a page break split it
    text: str
    path: list[Heading]  # headings in force, including this paragraph's own when heading/item

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]


@dataclass
class Footnote:
    marker: str  # ASCII digits
    text: str
    start: int
    end: int


@dataclass
class Passage:
    passage_id: str
    doc_id: str
    title: str
    paragraph: int
    paragraph_end: int
    heading_path: list[str]
    section: str
    text: str
    start: int
    end: int
    footnotes: list[dict] = field(default_factory=list)
    part: int = 1
    parts: int = 1

    def to_dict(self) -> dict:
        return asdict(self)

    def index_text(self) -> str:
        """What BM25 and the encoder see: title and headings give a passage its context
        (a paragraph about complaints rarely repeats the province the title names)."""
        lines = [self.title, *self.heading_path, self.text]
        lines += [f"[{f['marker']}] {f['text']}" for f in self.footnotes]
        return "\n".join(line for line in lines if line)


@dataclass
class ParsedDocument:
    paragraphs: list[Paragraph]
    footnotes: dict[str, Footnote]
    legal: bool


# ---------------------------------------------------------------------------------
def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of non-empty lines, stripped."""
    spans = []
    for match in re.finditer(r"[^\n]+", text):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        lead = len(line) - len(line.lstrip())
        start = match.start() + lead
        spans.append((start, start + len(stripped)))
    return spans


def _body_spans(text: str) -> list[tuple[int, int]]:
    """Line spans with web and distribution-list boilerplate removed."""
    kept = []
    in_distribution = False
    for start, end in _blocks(text):
        line = text[start:end]
        if RELATED_LINKS_HEADER.match(line):
            break
        if BANNER_LINE.match(line):
            continue
        if DISTRIBUTION_HEADER.match(line):
            in_distribution = True
            continue
        if in_distribution:
            if LIST_LINE.match(line):
                continue
            in_distribution = False
        kept.append((start, end))
    return kept


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.6 * len(letters)


def _one_sentence(text: str) -> bool:
    return len(SENTENCE_END.findall(text.rstrip() + " ")) <= 1


def _is_legal(spans: list[tuple[int, int]], text: str) -> bool:
    articles = sum(1 for s, e in spans if LEGAL_ARTICLE.match(text[s:e]) and
                   re.match(r"^điều\s+\d+[a-zđ]?\s*([.:]|$)", text[s:e], re.IGNORECASE))
    return articles >= 2


def _classify(line: str, legal: bool, in_article: bool) -> tuple[str, Heading | None]:
    """("heading" | "item" | "body", heading or None) for one line."""
    if legal:
        for pattern, level in ((LEGAL_PART, 0), (LEGAL_CHAPTER, 1), (LEGAL_SECTION, 2)):
            m = pattern.match(line)
            if m and len(line) <= HEADING_MAX_CHARS:
                return "heading", Heading(level, m.group(1).strip().capitalize(), line, legal=True)
        m = LEGAL_ARTICLE.match(line)
        if m and len(line) <= HEADING_MAX_CHARS * 2:
            return "heading", Heading(3, f"Điều {m.group(1)}", line, legal=True)
        if in_article:
            m = LEGAL_CLAUSE.match(line)
            if m:
                return "item", Heading(4, f"khoản {m.group(1)}", f"Khoản {m.group(1)}", legal=True)
            m = LETTER_ITEM.match(line)
            if m:
                return "item", Heading(5, f"điểm {m.group(1)}", f"Điểm {m.group(1)}", legal=True)
        return "body", None

    m = SECTION_LETTER.match(line)
    if m and _mostly_upper(m.group(2)) and len(line) <= HEADING_MAX_CHARS:
        return "heading", Heading(1, m.group(1), line)
    m = ROMAN.match(line)
    if m and (_mostly_upper(m.group(2)) or len(line) <= 150):
        return "heading", Heading(2, m.group(1), line)
    m = NUMBERED.match(line)
    if m and (m.group(2) or "." in m.group(1)) and (m.group(3)[0].isupper() or m.group(3)[0] in "“\"*"):
        depth = m.group(1).count(".") + 1
        heading = Heading(2 + depth, m.group(1), line)
        short = len(line) <= HEADING_MAX_CHARS and _one_sentence(line)
        return ("heading" if short else "item"), heading
    m = LETTER_ITEM.match(line)
    if m:
        heading = Heading(8, f"{m.group(1)})", line)
        short = len(line) <= HEADING_MAX_CHARS and _one_sentence(line)
        return ("heading" if short else "item"), heading
    return "body", None


def _continues_previous(line: str, previous: Paragraph | None) -> bool:
    """A page break split a paragraph: this block starts in lower case and the previous
    block (body, or a numbered item cut mid-sentence) did not end its sentence."""
    if previous is None or (previous.kind == "heading" and previous.path[-1].level <= 2):
        return False
    if LETTER_ITEM.match(line) or LEGAL_ARTICLE.match(line):
        return False
    first = line.lstrip("*_“\"(")[:1]
    return bool(first) and first.islower() and not re.search(r"[.!?:;…\"”)]\**$", previous.text)


def parse_document(text: str) -> ParsedDocument:
    spans = _body_spans(text)
    legal = _is_legal(spans, text)
    paragraphs: list[Paragraph] = []
    footnotes: dict[str, Footnote] = {}
    stack: list[Heading] = []
    pending_heading: Paragraph | None = None  # "Chương 1:" whose name is on the next line

    for start, end in spans:
        line = text[start:end]
        m = FOOTNOTE_DEFINITION.match(line)
        if m:
            marker = m.group(1).translate(_SUPERSCRIPT_TO_ASCII)
            footnotes.setdefault(marker, Footnote(marker, m.group(2).strip(), start, end))
            continue
        previous = paragraphs[-1] if paragraphs else None
        if _continues_previous(line, previous):
            previous.kind = "body" if previous.kind == "body" else "item"
            previous.pieces.append((start, end))
            previous.text = previous.text + " " + line
            continue
        if pending_heading is not None and _mostly_upper(line) and len(line) <= HEADING_MAX_CHARS:
            # the name of a chapter written on its own line: one heading paragraph
            pending_heading.pieces.append((start, end))
            pending_heading.text += " " + line
            pending_heading.path[-1].text = pending_heading.text
            pending_heading = None
            continue
        pending_heading = None
        in_article = any(h.legal and h.level == 3 for h in stack)
        kind, heading = _classify(line, legal, in_article)
        if kind == "item" and heading is not None and len(heading.text) > 120:
            # an item's own text is its passage; its place in the heading path needs only its start
            heading.text = heading.text[:100].rstrip() + "…"
        if heading is not None:
            stack = [h for h in stack if h.level < heading.level] + [heading]
        paragraph = Paragraph(len(paragraphs) + 1, kind, [(start, end)], line, list(stack))
        paragraphs.append(paragraph)
        if kind == "heading" and heading is not None and heading.legal and heading.level <= 2 \
                and not re.sub(r"^\S+\s+\S+\s*[:.]?\s*", "", line):
            pending_heading = paragraph

    _demote_childless_headings(paragraphs)
    return ParsedDocument(paragraphs, footnotes, legal)


def _demote_childless_headings(paragraphs: list[Paragraph]) -> None:
    """A heading followed directly by a sibling or higher heading has its content in
    its own line ("5. Chú trọng xây dựng ..."): index it as an item so no text is lost."""
    for i, paragraph in enumerate(paragraphs):
        if paragraph.kind != "heading":
            continue
        level = paragraph.path[-1].level
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        has_child = following is not None and (
            following.kind == "body" or (following.path and following.path[-1].level > level
                                         and len(following.path) > len(paragraph.path) - 1
                                         and following.path[:len(paragraph.path)] == paragraph.path))
        if not has_child and not (paragraph.path[-1].legal and level <= 2):
            paragraph.kind = "item"


# ---------------------------------------------------------------------------------
def section_label(path: list[Heading]) -> str:
    """'B. II. 4.2' for reports, 'Điều 12, khoản 2, điểm a' for legal texts."""
    if not path:
        return ""
    if any(h.legal for h in path):
        labels = [h.label for h in path if h.legal and h.level >= 3]
        if not labels:
            labels = [h.label for h in path]
        return ", ".join(labels)
    labels = [h.label for h in path]
    # "4." is implied by "4.2": drop a numbered parent that prefixes its child
    kept = [lab for i, lab in enumerate(labels)
            if not (i + 1 < len(labels) and labels[i + 1].startswith(lab + "."))]
    return ". ".join(kept)


def _sentence_bounds(text: str) -> list[int]:
    """Indices where a new sentence starts (a boundary followed by an upper-case letter,
    digit or quote)."""
    cuts = []
    for m in SENTENCE_END.finditer(text):
        nxt = text[m.end():m.end() + 1]
        if nxt and (nxt.isupper() or nxt.isdigit() or nxt in "“\"(-+*"):
            cuts.append(m.end())
    return cuts


def split_long(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Split `text` into [start, end) pieces of at most `max_chars`, at sentence
    boundaries, aiming at pieces of equal size (no 50-character tail); a single
    over-long sentence is cut at a clause boundary (", "), then at a space."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > max_chars:
        remaining = len(text) - start
        target = remaining / -(-remaining // max_chars)  # remaining / ceil(remaining / max)
        window = text[start:start + max_chars + 1]
        cut = 0
        for candidates in (_sentence_bounds(window),
                           [m.end() for m in CLAUSE_END.finditer(window)],
                           [m.end() for m in re.finditer(r"\s+", window)]):
            usable = [c for c in candidates if max_chars // 4 <= c <= max_chars]
            if usable:
                cut = min(usable, key=lambda c: abs(c - target))
                break
        end = start + (cut or max_chars)
        pieces.append((start, len(text[:end].rstrip())))
        start = end
    pieces.append((start, len(text)))
    return [(s, e) for s, e in pieces if text[s:e].strip()]


def _source_span(paragraph: Paragraph, text_start: int, text_end: int) -> tuple[int, int]:
    """Map a slice of a paragraph's text (pieces joined by one space) to a source span."""
    offset = 0
    src_start = src_end = None
    for s, e in paragraph.pieces:
        length = e - s
        if src_start is None and text_start < offset + length:
            src_start = s + max(0, text_start - offset)
        if text_end <= offset + length:
            src_end = s + (text_end - offset)
            break
        offset += length + 1
    return (src_start if src_start is not None else paragraph.start,
            src_end if src_end is not None else paragraph.end)


def _footnotes_for(text: str, footnotes: dict[str, Footnote]) -> list[dict]:
    found = []
    for m in FOOTNOTE_MARKER.finditer(text):
        marker = m.group(1).translate(_SUPERSCRIPT_TO_ASCII)
        if marker in footnotes and all(f["marker"] != marker for f in found):
            note = footnotes[marker]
            found.append({"marker": marker, "text": note.text, "start": note.start, "end": note.end})
    return found


def chunk_document(doc_id: str, title: str, text: str, parsed: ParsedDocument | None = None,
                   max_chars: int = MAX_PASSAGE_CHARS, one_per_paragraph: bool = False) -> list[Passage]:
    """`one_per_paragraph`: every paragraph its own passage, none grouped or skipped as a
    heading (a spreadsheet's rows: each row is cited by its own number)."""
    parsed = parsed or parse_document(text)
    passages: list[Passage] = []

    # group consecutive short body paragraphs of one section; everything else stands alone
    groups: list[list[Paragraph]] = []
    for paragraph in parsed.paragraphs:
        if paragraph.kind == "heading" and not one_per_paragraph:
            continue
        last = groups[-1] if groups else None
        if (last and not one_per_paragraph and paragraph.kind == "body" and last[-1].kind == "body"
                and last[-1].number == paragraph.number - 1
                and not text[last[-1].end:paragraph.start].strip()  # nothing dropped between
                and [h.text for h in last[-1].path] == [h.text for h in paragraph.path]
                and len(paragraph.text) < SHORT_PARAGRAPH_CHARS
                and all(len(p.text) < SHORT_PARAGRAPH_CHARS for p in last)
                and sum(len(p.text) + 1 for p in last) + len(paragraph.text) <= MERGED_PASSAGE_CHARS):
            last.append(paragraph)
        else:
            groups.append([paragraph])

    for group in groups:
        first, last = group[0], group[-1]
        heading_path = [h.text for h in first.path]
        section = section_label(first.path)
        if len(group) > 1:
            # short paragraphs read together: quote the source as it stands when we can
            contiguous = all(len(p.pieces) == 1 for p in group) and all(
                not text[a.end:b.start].strip() for a, b in zip(group, group[1:]))
            body = text[first.start:last.end] if contiguous else "\n".join(p.text for p in group)
            pieces = [(0, len(body))]
            spans = [(first.start, last.end)]
        else:
            body = first.text
            pieces = split_long(body, max_chars)
            spans = [_source_span(first, s, e) for s, e in pieces]
        for part, ((s, e), (src_s, src_e)) in enumerate(zip(pieces, spans), start=1):
            piece = body[s:e].strip()
            suffix = f".{part}" if len(pieces) > 1 else ""
            passages.append(Passage(
                passage_id=f"{doc_id}#p{first.number}{suffix}",
                doc_id=doc_id, title=title, paragraph=first.number, paragraph_end=last.number,
                heading_path=heading_path, section=section, text=piece, start=src_s, end=src_e,
                footnotes=_footnotes_for(piece, parsed.footnotes), part=part, parts=len(pieces)))
    return passages


def guess_title(text: str) -> str:
    """A document's title from its first lines: "Báo cáo: <subject>" for formal documents
    whose type stands on its own line, otherwise the first short line of the body."""
    lines = [text[s:e] for s, e in _body_spans(text)[:12]]
    for i, line in enumerate(lines):
        doc_type = DOC_TYPE_LINES.get(line.strip(" *").upper())
        if doc_type and i + 1 < len(lines):
            subject = lines[i + 1].strip(" *")
            return f"{doc_type}: {subject}" if len(subject) <= 400 else doc_type
    for line in lines:
        if re.match(r"^(số\s*:|.{0,40},\s*ngày\b|[*\s]+$|độc lập|cộng hoà|cộng hòa)", line, re.IGNORECASE):
            continue
        if len(line) <= 300:
            return line.strip(" *")
    return lines[0][:120] if lines else ""
