"""Candidate answers in the passages read: figures, named entities and short spans.

Every candidate carries where it stands (passage, sentence, clause, span) and, for a
figure, what governs it (indexer.clauses.Figure: predicate, counted thing, level,
sub-period). Which one answers is decided by the reader (reader.py) from features
(features.py); here only what can never answer is left out: list markers, article and
clause numbers and document codes (masked by indexer/numbers.py), a figure of another
kind than asked, and the date the question itself names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.clauses import Figure, clauses, folded, sentence_figures, sentences
from indexer.textnorm import search_key
from search.answer.question import QuestionAnalysis

# the kinds of quantity that may answer each kind of question
KINDS_FOR = {"number": ("number", "money", "ratio", "duration", "range", "percent"), "percent": ("percent",),
             "date": ("date",)}

PERSON_NAME = re.compile(r"(?<![\w])([A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,3})(?![\w])")
ORGANISATION = re.compile(
    r"(?<![\w])((?:Sở|Ban|UBND|Ủy ban|Uỷ ban|Phòng|Thanh tra|Hội đồng|Tòa án|Toà án|Viện kiểm sát|Bộ|Chính phủ|"
    r"Thủ tướng|Quốc hội|Tỉnh ủy|Tỉnh uỷ|Huyện ủy|Thị ủy|Bộ Chính trị|Ban Bí thư|Mặt trận|Cơ quan|Chủ tịch|"
    r"Chánh án|Viện trưởng|Bộ trưởng|Tổng cục|Cục|Kho bạc|Ngân hàng|Văn phòng|Trung tâm|Đoàn|Liên đoàn|Hiệp hội|"
    r"Hội(?!\s+nghị))(?:\s+(?:[A-ZĐÀ-Ỹa-zà-ỹđ]+|-)){0,7})")
ORG_STOP = re.compile(r"\s+(?:về|đã|đang|sẽ|có|được|để|theo|trong|tại|đối|với|và|là|ngày|số|khi|thì|phải|chuyển|"
                      r"không|nếu|do|cho|từ|đến|tổ chức thực hiện|thực hiện|ban hành|quyết định|xem xét)\b.*$",
                      re.IGNORECASE)
# three capitalised words ("Đoàn Văn Việt") are a person's name, not "Đoàn Thanh niên"
LOOKS_LIKE_PERSON = re.compile(r"^[A-ZĐÀ-Ỹ][a-zà-ỹđ]+\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s|$)")
DIRECTIVE_ID = re.compile(r"\b\d{1,4}(?:/\d{4})?[-/](?:[A-ZĐ]{1,6}[-/]?)+[A-ZĐ0-9]*\b")
NOT_PERSON = {"tren", "day", "nam", "trong", "thuc", "hien", "ket", "qua", "cong", "tac", "bao", "cao", "ngay",
              "sau", "nhin", "ben", "canh", "tiep", "theo", "voi", "de", "tinh", "den", "tu", "hoi", "cac",
              "nhung", "mot", "hai", "khi", "neu", "truong", "tuy", "do", "da", "viec", "luat", "dieu", "khoan"}
INSTITUTION_WORDS = {"ban", "so", "uy", "ubnd", "trung", "uong", "dang", "tinh", "huyen", "xa", "hoi", "dong",
                     "nhan", "dan", "mat", "tran", "to", "quoc", "bo", "chinh", "tri", "thuong", "vu", "chi", "dao",
                     "thi", "nghi", "quyet", "luat", "nha", "nuoc", "chu", "tich", "pho", "bi", "thu", "truong",
                     "kt", "tm", "giam", "doc", "thanh", "tra", "van", "phong", "cuc", "ke", "hoach", "quy",
                     "che", "toa", "an", "vien", "kiem", "sat", "chinh", "phu", "dieu", "khoan"}
# "Khuông Văn Thông", "Nguyễn Thị Lệ": the commonest middle names, also words of bodies ("Văn
# phòng", "thị xã") — second in a name of three or more words, they make it a person's
MIDDLE_NAMES = {"van", "thi"}
# where a short answer span may start or end inside a clause
SPAN_CUT = re.compile(r"\s+(?=(?:là|của|được|bởi|vào|tại|ở|có|gồm|với|và|cho|từ|đến|trong|thuộc|do|theo|như|"
                      r"khoảng|hơn|trên|dưới|sau|trước|năm|bằng|nhằm|để)\b)", re.IGNORECASE)
MAX_SPAN_WORDS = 14
# lower-case words an organisation's name may end with ("Ủy ban nhân dân tỉnh", "Công an xã")
ORG_TAILS = {"tinh", "huyen", "xa", "dan", "phuong", "tran", "cap", "vu", "uy", "chinh", "nuoc", "hoi", "an",
             "toi", "cao", "sat", "tra", "phu", "quoc", "nghiep", "te", "thong", "lao", "dong"}


@dataclass
class Candidate:
    kind: str                         # figure | entity | span
    hit: dict                         # the passage read: passage_id, doc_id, text, citation, metadata …
    rank: int                         # its retrieval rank among the passages read (1 = best)
    sentence: tuple[int, int]         # offsets in the passage text
    clause: tuple[int, int]
    start: int                        # the answer's offsets in the passage text
    end: int
    figure: Figure | None = None
    entity_type: str | None = None    # person | organisation | place | directive | metadata-signer …
    features: dict = field(default_factory=dict)
    raw: float = 0.0                  # the reader's ranker score
    score: float = 0.0                # the reader's decision score (reader.decision_scores)
    probability: float = 0.0          # the reader's probability that it is the answer

    @property
    def text(self) -> str:
        return self.hit["text"][self.start:self.end]

    @property
    def sentence_text(self) -> str:
        return self.hit["text"][self.sentence[0]:self.sentence[1]]

    @property
    def clause_text(self) -> str:
        return self.hit["text"][self.clause[0]:self.clause[1]]


def needed_date_precision(question_key: str) -> int:
    """'ngày nào?' wants a day (10 characters of ISO date), 'tháng nào?' a month, else a year."""
    if re.search(r"\b(ngay nao|ngay bao nhieu|what date|which date|what day|which day|on what day)\b", question_key):
        return 10
    if re.search(r"\b(thang nao|which month)\b", question_key):
        return 7
    return 4


def figure_candidates(analysis: QuestionAnalysis, hit: dict, rank: int) -> list[Candidate]:
    text = hit["text"]
    kinds = KINDS_FOR.get(analysis.asks, ())
    question_key = search_key(analysis.question)
    precision = needed_date_precision(question_key)
    out = []
    for s_start, s_end in sentences(text):
        sentence = text[s_start:s_end]
        for figure in sentence_figures(sentence):
            q = figure.quantity
            if q.kind not in kinds:
                continue
            if q.kind == "date":
                if q.raw in analysis.question or (q.date or "-") in question_key:
                    continue  # the date the question names is not its answer
                if len((q.date or "").lstrip("-")) < min(precision, 10) and not (precision == 4 and q.date):
                    continue
            out.append(Candidate("figure", hit, rank, (s_start, s_end),
                                 (s_start + figure.clause[0], s_start + figure.clause[1]),
                                 s_start + q.start, s_start + q.end, figure=figure))
    return out


def _clause_of(sentence: str, position: int) -> tuple[int, int]:
    return next(((s, e) for s, e in clauses(sentence) if s <= position < e), (0, len(sentence)))


def entity_candidates(analysis: QuestionAnalysis, hit: dict, rank: int) -> list[Candidate]:
    """Names in the passage: people, bodies, places, directive ids; the document's own
    signer and issuer where the passage names them."""
    text = hit["text"]
    metadata = hit.get("metadata") or {}
    out = []
    seen: set[tuple[int, int]] = set()
    own_place = {search_key(metadata.get("province") or "-"), search_key(metadata.get("district") or "-")}

    def add(s_start, s_end, a, b, kind):
        if (a, b) in seen or b <= a:
            return
        seen.add((a, b))
        sentence = text[s_start:s_end]
        c = _clause_of(sentence, a - s_start)
        out.append(Candidate("entity", hit, rank, (s_start, s_end), (s_start + c[0], s_start + c[1]), a, b,
                             entity_type=kind))

    for s_start, s_end in sentences(text):
        sentence = text[s_start:s_end]
        for key, kind in (("signer", "signer"), ("issuer", "issuer")):
            name = metadata.get(key)
            if name and name in sentence:
                at = s_start + sentence.index(name)
                add(s_start, s_end, at, at + len(name), kind)
        for m in ORGANISATION.finditer(sentence):
            name = ORG_STOP.sub("", m.group(1)).rstrip(" -,.;:")
            if LOOKS_LIKE_PERSON.match(name):
                continue  # "Đoàn Văn Việt": Đoàn is a family name too; the person pattern below takes it
            # every prefix that ends where a name may end: "Thanh tra Chính phủ" of "Thanh tra Chính phủ chuyển"
            words = name.split()
            for n in range(2, len(words) + 1):
                last = words[n - 1]
                if n == len(words) or last[:1].isupper() or search_key(last) in ORG_TAILS:
                    piece = " ".join(words[:n])
                    at = s_start + m.start(1)
                    if sentence[m.start(1):m.start(1) + len(piece)] == piece:
                        add(s_start, s_end, at, at + len(piece), "organisation")
        for m in PERSON_NAME.finditer(sentence):
            words = m.group(1).split()
            keys = [search_key(w) for w in words]
            if keys[0] in NOT_PERSON:
                continue
            if any(k in INSTITUTION_WORDS for k in keys) and not (len(keys) >= 3 and keys[1] in MIDDLE_NAMES):
                if search_key(m.group(1)) not in own_place:
                    add(s_start, s_end, s_start + m.start(1), s_start + m.end(1), "place")
                continue
            add(s_start, s_end, s_start + m.start(1), s_start + m.end(1),
                "person" if len(words) >= 2 and search_key(m.group(1)) not in own_place else "place")
        for m in DIRECTIVE_ID.finditer(sentence):
            add(s_start, s_end, s_start + m.start(), s_start + m.end(), "directive")
    return out


def span_candidates(analysis: QuestionAnalysis, hit: dict, rank: int, max_sentences: int = 12) -> list[Candidate]:
    """Short spans for questions whose answer is neither a figure nor a name (là gì, như thế
    nào, nguồn gốc …): every run of words between two cut points of a clause (clause
    boundaries and function words such as là, của, được, tại), up to 14 words."""
    text = hit["text"]
    out = []
    for s_start, s_end in sentences(text)[:max_sentences]:
        sentence = text[s_start:s_end]
        for c_start, c_end in clauses(sentence):
            clause = sentence[c_start:c_end]
            cuts = sorted({0, len(clause)} | {m.end() for m in SPAN_CUT.finditer(clause)}
                          | {m.start() for m in SPAN_CUT.finditer(clause)})
            cuts = [c for c in cuts if c == 0 or c == len(clause) or clause[c - 1].isspace() or clause[c].isspace()]
            words_at = [len(clause[:c].split()) for c in cuts]
            for i, a in enumerate(cuts):
                for j in range(i + 1, len(cuts)):
                    b = cuts[j]
                    if words_at[j] - words_at[i] > MAX_SPAN_WORDS:
                        break
                    piece = clause[a:b].strip()
                    if not piece or not any(ch.isalnum() for ch in piece):
                        continue
                    lead = len(clause[a:b]) - len(clause[a:b].lstrip())
                    a0 = s_start + c_start + a + lead
                    out.append(Candidate("span", hit, rank, (s_start, s_end),
                                         (s_start + c_start, s_start + c_end), a0, a0 + len(piece)))
        # runs of two or three clauses ("Hawaii, đảo Clipperton, quần đảo Juan Fernández")
        spans = clauses(sentence)
        for i in range(len(spans)):
            for j in range(i + 1, min(i + 3, len(spans))):
                a, b = spans[i][0], spans[j][1]
                if len(sentence[a:b].split()) <= MAX_SPAN_WORDS + 6:
                    out.append(Candidate("span", hit, rank, (s_start, s_end), (s_start + a, s_start + b),
                                         s_start + a, s_start + b))
        # the whole sentence as a last resort
        out.append(Candidate("span", hit, rank, (s_start, s_end), (s_start, s_end), s_start, s_end))
    return out


def question_words(analysis: QuestionAnalysis) -> set[str]:
    return set(analysis.keywords) | set(folded(analysis.counted or "").split())


# words a name the span reader reads may have (a person, a body, a place: "Trần Văn Đoàn",
# "Sở Nội vụ", "huyện Tân Yên"); longer spans are sentences, not names
MAX_READ_NAME_WORDS = 10


def read_span_candidates(kind: str, analysis: QuestionAnalysis, hit: dict, rank: int, spans: list,
                         existing: list[Candidate], limit: int = 5) -> list[Candidate]:
    """Candidates of family `kind` (entity | span) from the span reader's best spans in one
    passage (span_reader.Span, best first) where the candidate generator has none covering
    the same words: a name its patterns miss (a lower-case body, a name in quotes), a span
    that does not start or end at one of its cut points. An entity is kept only when short
    and capitalised, as a name is. A span that starts or ends inside a name the patterns
    find is no candidate ("Thanh tra Chính" out of "Thanh tra Chính phủ"): a name is
    quoted whole or not at all."""
    text = hit["text"]
    have = {(c.start, c.end) for c in existing if c.hit["text"] == text}
    names = [(c.start, c.end) for c in entity_candidates(analysis, hit, rank)]
    out = []
    for s in spans[:limit]:
        if (s.start, s.end) in have or s.end <= s.start:
            continue
        if any(a < s.start < b or a < s.end < b for a, b in names):
            continue  # cuts a name the patterns find
        piece = text[s.start:s.end]
        if kind == "entity" and (len(piece.split()) > MAX_READ_NAME_WORDS
                                 or not any(w[:1].isupper() for w in piece.split())):
            continue
        sentence = next(((a, b) for a, b in sentences(text) if a <= s.start < b), (0, len(text)))
        if s.end > sentence[1]:
            continue  # across two sentences: no answer of one clause
        c_start, c_end = _clause_of(text[sentence[0]:sentence[1]], s.start - sentence[0])
        have.add((s.start, s.end))
        out.append(Candidate(kind, hit, rank, sentence, (sentence[0] + c_start, sentence[0] + c_end), s.start, s.end,
                             entity_type="read" if kind == "entity" else None))
    return out
