"""Pages of positioned words → text laid out as a person reads it (the .txt layout: one
paragraph per line, paragraphs separated by a blank line). Text-layer PDF pages
(pdfplumber words) and OCR'd pages (Tesseract words) go through the same steps:

1. words → printed lines (words whose vertical centres overlap), each line cut into
   segments where a wide horizontal gap separates two columns ("ỦY BAN NHÂN DÂN" |
   "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
2. what is not the document goes: running page numbers, lines repeated at the top or
   bottom of several pages, the e-signature stamp of the publishing office ("TRUNG TÂM
   CÔNG BÁO VÀ TIN HỌC", "Ký bởi: …", "Thời gian ký: …");
3. the administrative header block (Nghị định 30/2020/NĐ-CP: issuing body | Quốc hiệu and
   Tiêu ngữ side by side, Số/ký hiệu | place and date, the type line, the trích yếu or
   "V/v …") is read column by column: the issuing body as one line, "Số: …", "V/v …"
   joined, then Quốc hiệu, Tiêu ngữ, the place-date line, the type, the whole trích yếu
   on one line; `indexer/header_block.py` turns these lines into metadata;
4. the closing block ("Nơi nhận:" list | signing capacity, seal, signature, name) is read
   column by column too: the distribution list (one item per line, wrapped items joined),
   then the capacity lines and the signer's name last;
5. body lines → paragraphs: a new paragraph after a gap clearly larger than the usual
   line pitch, at an indented first line, at a list marker ("1.", "a)", "-", "+"), or after
   a short line that ends a sentence; a paragraph cut by a page break is joined again;
6. footnotes: small-type lines under the body that start with a number become "¹ …"
   definitions and small raised digits after a word become markers ("…2015¹"), the way
   `indexer.chunker` reads them.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from indexer.document import IngestError

SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
PAGE_NUMBER = re.compile(r"^(?:trang\s*)?[-–—\s]*\d{1,4}(?:\s*/\s*\d{1,4})?[-–—\s]*$", re.IGNORECASE)
# the e-signature stamp a publishing office prints on a signed PDF (Quảng Ngãi: Trung tâm Công báo)
STAMP = re.compile(r"ttcbth@|@\S+\.gov\.vn$|^ký bởi\b|^cơ quan\s*:|^thời gian ký|^trung tâm công báo|"
                   r"^trung tâm công$|^báo và tin học$|^và tin học$|^\d{2}[./]\d{2}[./]\d{4}\s+\d{1,2}:\d{2}(:\d{2})?"
                   r"(\s*[+-]\d{2}:\d{2})?$|^[+-]\d{2}:\d{2}$", re.IGNORECASE)
DOC_TYPE_WORDS = ("CHỈ THỊ", "QUYẾT ĐỊNH", "THÔNG BÁO", "TỜ TRÌNH", "CÔNG VĂN", "BÁO CÁO", "KẾ HOẠCH",
                  "NGHỊ QUYẾT", "KẾT LUẬN", "QUY CHẾ", "QUY ĐỊNH", "CHƯƠNG TRÌNH", "HƯỚNG DẪN", "ĐỀ ÁN",
                  "BIÊN BẢN", "GIẤY MỜI", "THÔNG TƯ", "NGHỊ ĐỊNH", "LUẬT")
LIST_START = re.compile(r"^(?:[-–+•]\s|\d{1,2}(?:\.\d{1,2})*[.)]\s|[a-zđ]\)\s|[IVX]{1,5}\.\s|Điều\s+\d+)")
SENTENCE_END = re.compile(r"[.:;!?…]['\"”)]*$|\./\.$")
# "Nơi nhận:" folded; OCR reads its italic N as V at times (".Vơi nhận:")
DISTRIBUTION_FOLDED = re.compile(r"^\W{0,2}[nv]oi\s*nhan\b|^ban dien tu\b")
# what is left of it when the seal or a smudge ate letters ("\ơi"): taken only above a "- …" item
DISTRIBUTION_DAMAGED = re.compile(r"^\W{0,2}[nv\\]?oi(\s*nha\w*)?\s*:?$")
RECIPIENT = re.compile(r"^kính\s+gửi\b", re.IGNORECASE)
MARGIN_FRACTION = 0.08
GAP_FACTOR = 1.45
INDENT_PT = 9.0
COLUMN_GAP_PT = 24.0
LIST_COLUMN_PT = 60.0  # a closing line starting further right of "Nơi nhận:" is in the signature column   # a wider gap between two words of one printed line separates columns


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


@dataclass
class Segment:
    """Words of one printed line in one column."""
    words: list
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    text: str = ""

    def __post_init__(self):
        self.refresh()

    def refresh(self):
        self.words.sort(key=lambda w: w.x0)
        self.x0 = min(w.x0 for w in self.words)
        self.x1 = max(w.x1 for w in self.words)
        self.top = statistics.median(w.top for w in self.words)
        self.bottom = statistics.median(w.bottom for w in self.words)
        self.text = _join_words(self.words)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class PageLayout:
    """What the layout step needs of one page, whatever it came from."""
    number: int
    width: float
    height: float
    words: list                     # objects with text, x0, x1, top, bottom (points, from top left)
    ocr: bool = False
    confidence: float | None = None
    blocks: list = field(default_factory=list)   # extra blocks (table rows): dicts with top, text
    problem: str | None = None


def _join_words(words) -> str:
    out = ""
    for w in words:
        text = w.text
        if getattr(w, "marker", False):
            out += text.translate(SUPERSCRIPT)
        else:
            out += (" " if out else "") + text
    return " ".join(out.split())


# ---------------------------------------------------------------------------------------
# 1. words → lines → segments
def _lines(words) -> list[list]:
    """Words grouped into printed lines (vertical centres within the line's span)."""
    lines: list[list] = []
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        mid = (word.top + word.bottom) / 2
        for line in reversed(lines[-4:]):
            top = statistics.median(w.top for w in line)
            bottom = statistics.median(w.bottom for w in line)
            span = bottom - top
            if top + 0.2 * span <= mid <= bottom - 0.2 * span or abs(mid - (top + bottom) / 2) < 0.3 * span:
                line.append(word)
                break
        else:
            lines.append([word])
    return lines


def _mark_superscripts(line: list) -> None:
    """Small raised digits right after a word are footnote markers ("2015¹")."""
    heights = [w.bottom - w.top for w in line if not w.text.isdigit()]
    if not heights:
        return
    usual = statistics.median(heights)
    line.sort(key=lambda w: w.x0)
    for prev, word in zip(line, line[1:]):
        if (word.text.isdigit() and len(word.text) <= 2 and word.bottom - word.top < 0.75 * usual
                and word.bottom < (prev.top + prev.bottom) / 2 + 0.15 * usual and word.x0 - prev.x1 < 2.0):
            word.marker = True


def _segments(line: list, column_gap: float) -> list[Segment]:
    line.sort(key=lambda w: w.x0)
    groups = [[line[0]]]
    for prev, word in zip(line, line[1:]):
        if word.x0 - prev.x1 > column_gap:
            groups.append([word])
        else:
            groups[-1].append(word)
    return [Segment(g) for g in groups]


def page_segments(page: PageLayout) -> list[Segment]:
    words = [w for w in page.words if w.text.strip()]
    segments = []
    if page.ocr:  # Tesseract's own lines follow a skewed scan; centres of words with descenders do not
        grouped: dict = {}
        for w in words:
            grouped.setdefault((w.block, w.par, w.line), []).append(w)
        lines = list(grouped.values())
    else:
        lines = _lines(words)
    for line in lines:
        if not page.ocr:
            _mark_superscripts(line)
        segments += _segments(line, COLUMN_GAP_PT)
    segments.sort(key=lambda s: (round(s.top), s.x0))
    return segments


# ---------------------------------------------------------------------------------------
# 2. what is not the document
def _is_noise(segment: Segment, page: PageLayout) -> bool:
    text = segment.text.strip()
    if STAMP.search(text):
        return True
    in_margin = segment.bottom < page.height * MARGIN_FRACTION or segment.top > page.height * (1 - MARGIN_FRACTION)
    if PAGE_NUMBER.match(text) and in_margin:
        return True
    alnum = sum(c.isalnum() for c in text)
    return alnum < 2 and not text.isdigit()


def _running_lines(pages_segments: list[list[Segment]], pages: list[PageLayout]) -> set[str]:
    """Texts (digits folded) printed in the top or bottom margin of two pages or more."""
    if len(pages) < 3:
        return set()
    counts: Counter = Counter()
    for segments, page in zip(pages_segments, pages):
        seen = set()
        for s in segments:
            if s.bottom < page.height * MARGIN_FRACTION or s.top > page.height * (1 - MARGIN_FRACTION):
                seen.add(re.sub(r"\d+", "#", _fold(s.text)))
        counts.update(seen)
    return {text for text, n in counts.items() if n >= 2}


# ---------------------------------------------------------------------------------------
# 3.–4. header block and closing block
def _type_line(segment: Segment) -> bool:
    text = " ".join(segment.text.replace("*", "").split())
    return text.upper() == text and text in DOC_TYPE_WORDS


def _column_text(segments: list[Segment]) -> list[str]:
    """Lines of one column top to bottom; pieces of one printed line joined ("Số:" "11" "/TB-UBND")."""
    lines: list[list[Segment]] = []
    for s in sorted(segments, key=lambda s: (s.top, s.x0)):
        if lines and abs(s.top - lines[-1][-1].top) < 0.5 * max(s.height, 1):
            lines[-1].append(s)
        else:
            lines.append([s])
    return [" ".join(seg.text for seg in sorted(line, key=lambda s: s.x0)) for line in lines]


def _header_lines(zone: list[Segment], middle: float) -> list[str]:
    """The header zone read column by column, each unit on its own line."""
    left = [s for s in zone if s.centre < middle]
    right = [s for s in zone if s.centre >= middle]
    out: list[str] = []
    body: list[str] = []   # issuing body lines, joined
    vv: list[str] = []     # "V/v …" and its wrapped lines
    for text in _column_text(left):
        folded = _fold(text)
        if folded.startswith("so") and re.match(r"^so\s*[:.]", folded):
            out += [" ".join(body)] if body else []
            body = []
            out.append(text)
        elif vv or re.match(r"^v\s*/\s*v\b", folded):
            vv.append(text)
        elif out:  # after "Số:": a second line of the number, or a stray mark
            out.append(text)
        else:
            body.append(text)
    out = ([" ".join(body)] if body else []) + out
    if vv:
        out.append(" ".join(vv))
    for text in _column_text(right):
        if out and not _fold(out[-1]).startswith(("cong hoa", "doc lap")) and _fold(text).startswith("viet nam"):
            out[-1] += " " + text
        else:
            out.append(text)
    return [line for line in out if line.strip()]


def _split_header(segments: list[Segment], page: PageLayout, pitch: float
                  ) -> tuple[list[str], list[Segment]]:
    """(header lines in reading order, the page's remaining segments) for a first page that
    opens with an administrative header block; ([], segments) otherwise."""
    head = [s for s in segments if s.top < page.height * 0.45]
    type_index = next((i for i, s in enumerate(head) if _type_line(s)), None)
    middle = page.width / 2
    has_motto = any(_fold(s.text).startswith(("cong hoa xa hoi", "doc lap")) for s in head[:8])
    if type_index is None and not has_motto:
        return [], segments
    if type_index is not None:
        zone = segments[:type_index]
        type_segment = segments[type_index]
        lines = _header_lines(zone, middle) + [" ".join(type_segment.text.split())]
        rest = segments[type_index + 1:]
        # a centred type line has a centred trích yếu under it (Nghị định 30); a document set
        # flush left has its subject as the paragraph after the type line
        centred_layout = abs(type_segment.centre - middle) < 0.12 * page.width
        subject: list[Segment] = []
        used = 0
        for i, s in enumerate(rest):
            if RECIPIENT.match(s.text) or (subject and s.top - subject[-1].top > GAP_FACTOR * pitch):
                break
            centred = abs(s.centre - middle) < 0.12 * page.width or not centred_layout
            if not centred and (s.x1 - s.x0 > 0.6 * page.width or subject and s.top > subject[-1].bottom + 2):
                break  # the body starts
            if centred:
                subject.append(s)
            used = i + 1  # pieces beside the trích yếu (a received-mail stamp) go with it
        if subject:
            lines.append(" ".join(s.text for s in subject))
        return lines, rest[used:]
    # no type line (a công văn): the header ends at "Kính gửi" or the first full-width line
    widths = sorted(s.x1 - s.x0 for s in segments)
    wide = widths[int(len(widths) * 0.8)] if widths else 0
    end = len(segments)
    for i, s in enumerate(segments):
        if RECIPIENT.match(s.text) or (s.x1 - s.x0 >= 0.8 * wide and not _fold(s.text).startswith(("cong hoa", "v/v"))
                                       and i > 2):
            end = i
            break
    return _header_lines(segments[:end], middle), segments[end:]


def _split_closing(segments: list[Segment], page: PageLayout) -> tuple[list[Segment], list[str]]:
    """(body segments, closing lines) for the page that holds "Nơi nhận:"."""
    def list_below(i: int) -> bool:
        return any(t.text.startswith(("-", "–")) and abs(t.x0 - segments[i].x0) < 15
                   for t in segments[i + 1:i + 4])

    start = next((i for i, s in enumerate(segments) if s.centre < page.width / 2 and (
        DISTRIBUTION_FOLDED.match(_fold(s.text)) or (DISTRIBUTION_DAMAGED.match(_fold(s.text)) and list_below(i)))),
        None)
    if start is None:
        return segments, []
    anchor = segments[start]
    tolerance = max(anchor.height, 4.0)
    middle = page.width / 2
    closing = [s for s in segments if s.top >= anchor.top - 2 * tolerance]
    body = [s for s in segments if s.top < anchor.top - 2 * tolerance]

    def in_list(s: Segment) -> bool:  # list items (and their wrapped lines) start under "Nơi nhận:"
        return s.x0 < anchor.x0 + LIST_COLUMN_PT and s.centre < middle

    # the signature column may start a little above the distribution list
    left = [s for s in closing if in_list(s) and s.top >= anchor.top - tolerance]
    right = [s for s in closing if not in_list(s)]
    if not right:  # one column: the closing reads as printed
        return segments, []
    body += [s for s in closing if in_list(s) and s.top < anchor.top - tolerance]
    items: list[str] = []
    for text in _column_text(left):
        if not items:  # the heading as printed, whatever OCR made of it
            heading = DISTRIBUTION_FOLDED.match(_fold(text)) or DISTRIBUTION_DAMAGED.match(_fold(text))
            if heading and not _fold(text).startswith("ban dien tu"):
                text = ("Nơi nhận: " + text[heading.end():].lstrip(" :")).strip()
            items.append(text)
        elif re.match(r"^[-–+•]", text):
            items.append(re.sub(r"^[–•]\s*", "- ", text))
        else:
            items[-1] += " " + text
    signature: list[str] = []
    for text in _column_text(right):
        letters = [c for c in text if c.isalpha()]
        upper = letters and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
        name = _looks_like_name(text)
        if upper and len(letters) >= 4:
            signature.append(text)
        elif name:
            signature.append(text)
    # the name under the seal is the last line; capacity lines come first
    names = [t for t in signature if _looks_like_name(t) and not t.isupper()]
    capacity = [t for t in signature if t not in names]
    return sorted(body, key=lambda s: (round(s.top), s.x0)), items + capacity + names[-1:]


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() and w.isalpha() for w in words)


# ---------------------------------------------------------------------------------------
# 5.–6. paragraphs and footnotes
def _merge_line_segments(segments: list[Segment]) -> list[Segment]:
    """Body segments of one printed line back into one (justified text with a wide gap)."""
    merged: list[Segment] = []
    for s in sorted(segments, key=lambda s: (s.top, s.x0)):
        last = merged[-1] if merged else None
        if last and abs(s.top - last.top) < 0.5 * max(last.height, 1) and s.x0 > last.x1:
            last.words = last.words + s.words
            last.refresh()
        else:
            merged.append(Segment(list(s.words)))
    return merged


def line_pitch(pages_segments: list[list[Segment]]) -> float:
    """The usual distance between the tops of two lines of one paragraph."""
    pitches, heights = [], []
    for segments in pages_segments:
        tops = sorted({round(s.top, 1) for s in segments})
        pitches += [b - a for a, b in zip(tops, tops[1:]) if b - a > 2]
        heights += [s.height for s in segments]
    height = statistics.median(heights) if heights else 10.0
    if not pitches:
        return 1.3 * height
    return max(sorted(pitches)[len(pitches) // 5], 1.1 * height)


def _footnotes(lines: list[Segment], pitch: float) -> tuple[list[Segment], list[dict]]:
    """Small-type lines starting with a number under the body → footnote blocks."""
    if len(lines) < 4:
        return lines, []
    usual = statistics.median(s.height for s in lines)
    cut = len(lines)
    for i in range(len(lines) - 1, 0, -1):
        s = lines[i]
        if s.height < 0.82 * usual:
            cut = i
            continue
        break
    if cut == len(lines) or not re.match(r"^\d{1,2}\s*\S", lines[cut].text):
        return lines, []
    notes: list[dict] = []
    numbers: list[int] = []
    for s in lines[cut:]:
        m = re.match(r"^(\d{1,2})\s*(\S.*)$", s.text)
        # a number opens a footnote only in sequence ("9 …" then "10 …"): a wrapped line of a
        # note that starts with a figure ("35 văn bản QPPL …" inside note 9) goes on with it
        if m and (not numbers or int(m.group(1)) == numbers[-1] + 1):
            numbers.append(int(m.group(1)))
            notes.append({"top": s.top, "text": m.group(1).translate(SUPERSCRIPT) + " " + m.group(2)})
        elif notes:
            notes[-1]["text"] += " " + s.text
    return lines[:cut], notes


def body_paragraphs(lines: list[Segment], pitch: float, page: PageLayout) -> list[dict]:
    """Paragraphs (dicts with top, text, indented, full) of one page's body lines."""
    if not lines:
        return []
    wide = [s for s in lines if s.x1 - s.x0 > 0.5 * page.width] or lines
    margin = statistics.median(sorted(s.x0 for s in wide)[:max(1, len(wide) // 2)])
    right = statistics.median(sorted((s.x1 for s in wide), reverse=True)[:max(1, len(wide) // 2)])
    paragraphs: list[dict] = []
    previous = None
    for line in lines:
        text = line.text
        indented = line.x0 > margin + INDENT_PT
        full = line.x1 >= right - 0.06 * (right - margin)
        short = line.x1 < right - 0.25 * (right - margin)
        new = previous is None
        if previous is not None:
            gap = line.top - previous.top
            ended = SENTENCE_END.search(previous.text.rstrip()) is not None
            new = (gap > GAP_FACTOR * pitch or gap < 0
                   or (indented and abs(line.x0 - previous.x0) > 3 and (ended or not paragraphs[-1]["full"]))
                   or (LIST_START.match(text) is not None and ended)
                   or RECIPIENT.match(text) is not None
                   or (ended and paragraphs[-1]["short"]))
        if new:
            paragraphs.append({"top": line.top, "text": text, "indented": indented})
        else:
            joined = paragraphs[-1]["text"]
            if joined.endswith("-") and not joined.endswith(" -") and text[:1].islower():
                paragraphs[-1]["text"] = joined[:-1] + text   # a word hyphenated at the line's end
            else:
                paragraphs[-1]["text"] = joined + " " + text
        paragraphs[-1]["full"], paragraphs[-1]["short"] = full, short
        previous = line
    return paragraphs


# ---------------------------------------------------------------------------------------
def lay_out(pages: list[PageLayout]) -> tuple[str, list[list[int]], list[str]]:
    """(text in the .txt layout, [[offset, page number], …], header lines) of the pages."""
    from indexer.textnorm import normalize_source

    pages_segments = [page_segments(p) for p in pages]
    running = _running_lines(pages_segments, pages)
    cleaned = []
    for segments, page in zip(pages_segments, pages):
        kept = [s for s in segments if not _is_noise(s, page)
                and not (running and re.sub(r"\d+", "#", _fold(s.text)) in running
                         and (s.bottom < page.height * MARGIN_FRACTION or s.top > page.height * (1 - MARGIN_FRACTION)))]
        cleaned.append(kept)
    pitch = line_pitch(cleaned)
    text = ""
    offsets: list[list[int]] = []
    header: list[str] = []
    closing: list[str] = []
    previous = None
    first_with_text = next((i for i, s in enumerate(cleaned) if s), None)
    for index, (segments, page) in enumerate(zip(cleaned, pages)):
        if index == first_with_text:
            header, segments = _split_header(segments, page, pitch)
        if not closing:
            segments, closing_here = _split_closing(segments, page)
            closing = closing_here
        lines, notes = _footnotes(_merge_line_segments(segments), pitch)
        blocks = body_paragraphs(lines, pitch, page)
        blocks += [dict(b, table=True) for b in page.blocks]
        blocks.sort(key=lambda b: b["top"])
        blocks += [dict(n, footnote=True) for n in notes]
        page_text_start = len(text)
        if index == first_with_text and header:
            text += "".join(normalize_source(line) + "\n\n" for line in header)
        if not blocks and not (closing and closing_here):
            if len(text) > page_text_start:
                offsets.append([page_text_start, page.number])
            continue
        first = blocks[0] if blocks else None
        if (first is not None and previous is not None and previous.get("full") and not previous.get("table")
                and not first.get("table") and not first.get("indented") and len(text) == page_text_start
                and not LIST_START.match(first["text"])):
            # the last line of the previous page ran to the margin: the paragraph goes on
            text = text.rstrip("\n") + " "
            offsets.append([len(text), page.number])
            text += normalize_source(first["text"]) + "\n\n"
            blocks = blocks[1:]
        else:
            offsets.append([page_text_start, page.number])
        text += "".join(normalize_source(b["text"]) + "\n\n" for b in blocks)
        if closing and closing_here:
            text += "".join(normalize_source(line) + "\n\n" for line in closing)
        if blocks:
            previous = next((b for b in reversed(blocks) if not b.get("footnote")), first)
    return text, offsets, header


def document_from_pages(path, doc_id: str, pages: list[PageLayout], fmt: str):
    """The Document of laid-out pages; IngestError when no page has text."""
    from indexer.document import make_document
    from indexer.header_block import read_header_block

    readable = [p for p in pages if p.words or p.blocks]
    problems = [p.problem for p in pages if p.problem]
    if not readable:
        reason = "; ".join(problems) if problems else "no page has text"
        raise IngestError(str(path), f"no readable page: {reason}")
    text, offsets, _ = lay_out(readable)
    if not text.strip():
        raise IngestError(str(path), "no text found on any page" + (f" ({'; '.join(problems)})" if problems else ""))
    extra: dict = {"format": fmt, "pages": offsets}
    ocr_pages = [p for p in pages if p.ocr]
    if ocr_pages:
        from indexer.readers.ocr import OCR_DPI, tesseract_version
        extra["ocr"] = {"engine": tesseract_version(), "dpi": OCR_DPI,
                        "pages": {str(p.number): p.confidence for p in ocr_pages if p.words}}
    if problems:
        extra["page_problems"] = problems
    block = read_header_block(text)
    return make_document(path, doc_id, text, extra, title=block.title() or None)
