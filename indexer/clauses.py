"""Sentences, clauses and the figures they state, each with what governs it.

A report sentence often holds several counts: "toàn tỉnh đã tiếp nhận 1.215 đơn thư khiếu
nại, 684 đơn thư tố cáo … và tập trung giải quyết đạt 100% …". Reading it right means
knowing, for every figure, its clause, the verb or noun phrase that governs it (its
predicate: tiếp nhận, giải quyết, giảm, đạt, xếp thứ …), the thing it counts, and the
administrative level and sub-period its clause speaks of. This module finds those, for
the answer stage (search/answer/) and for the table of figures built at index time
(indexer/facts.py), so both read a figure the same way.

Clauses split on ";", ",", "trong đó:", parentheses, list items and "Header: value" rows.
A clause without a predicate of its own inherits the previous clause's ("tiếp nhận 1.215
đơn khiếu nại, 684 đơn tố cáo": both are tiếp nhận). Document codes, article and clause
numbers and list markers are never figures (indexer/numbers.py masks them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.analysis import ABBREVIATION, GLOSSARY
from indexer.textnorm import fold_diacritics
from indexer.numbers import Quantity, find_quantities
from indexer.textnorm import search_key

SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)*]*\s+(?=[\"“(*]?[A-ZĐÀ-Ỹ0-9-])|\n+")
# clause boundaries: the separator itself is left out of both clauses
CLAUSE_BOUNDARY = re.compile(r";\s*|,\s+|\s*\(\s*|\s*\)\s*,?\s*|\btrong đó:?\s*|:\s+|\s+-\s+|\s+và\s+(?=\S+\s+\d)"
                             r"|\s+(?=(?:giảm|tăng)\s+[\d.,]+)", re.IGNORECASE)
SYLLABLE = re.compile(r"[^\W_]+")

# predicate groups: folded surface forms (Vietnamese and English) → one key
PREDICATES: dict[str, tuple[str, ...]] = {
    "receive": ("tiep nhan", "nhan duoc", "nhan", "thu ly", "receive", "received", "receives", "get", "got"),
    "meet": ("tiep cong dan", "tiep dan", "tiep", "gap mat", "doi thoai", "met", "meet", "visits"),
    # cases due to be resolved ("45 vụ việc khiếu nại, tố cáo phải giải quyết") are not cases resolved
    "due": ("phai giai quyet", "can giai quyet", "phai xu ly"),
    "resolve": ("giai quyet", "xu ly", "hoa giai thanh", "ket thuc", "resolve", "resolved", "settle", "settled",
                "handled", "handle", "closed"),
    "reduce": ("giam", "cat giam", "tinh gian", "rut ngan", "rut gon", "bot", "reduce", "reduced", "cut",
               "fall", "fell", "decrease", "decreased", "shorten", "shortened"),
    "increase": ("tang", "tang them", "increase", "increased", "rise", "rose", "grow", "grew"),
    "reach": ("dat", "dat duoc", "uoc dat", "dat ty le", "reach", "reached", "achieve", "achieved"),
    "rank": ("xep thu", "dung thu", "xep hang", "thu hang", "xep vi tri", "rank", "ranked", "place", "placed"),
    "establish": ("thanh lap", "thiet lap", "establish", "established", "set up", "founded"),
    "issue": ("ban hanh", "phat hanh", "issue", "issued", "promulgate", "promulgated", "adopted"),
    "organise": ("to chuc", "hop", "organise", "organised", "organize", "organized", "held", "hold"),
    "sign": ("ky", "sign", "signed"),
    "build": ("xay dung", "build", "built", "develop", "developed"),
    "transfer": ("chuyen", "chuyen ve", "chuyen den", "transfer", "transferred", "forwarded"),
    "list": ("lap danh sach", "ra soat", "list", "listed", "review", "reviewed"),
    "discipline": ("ky luat", "xu ly ky luat", "discipline", "disciplined", "punish", "punished"),
    "merge": ("sap xep", "sap nhap", "hop nhat", "merge", "merged", "consolidate", "consolidated"),
    "mobilise": ("van dong", "quyen gop", "ung ho", "raise", "raised", "mobilise", "mobilize", "collected"),
    "remain": ("con lai", "ton dong", "dang giai quyet", "chua giai quyet", "con", "remain", "remaining",
               "pending", "outstanding"),
    "provide": ("cung cap", "trien khai", "ap dung", "provide", "provided", "offer", "offered"),
    "is": ("la", "bang", "is", "are", "was", "were"),
    "have": ("co", "gom", "bao gom", "have", "has", "had", "consist", "include"),
    "supervise": ("giam sat cong dong", "cuoc giam sat", "kiem tra", "thanh tra", "supervise", "supervised", "inspect", "inspected",
                  "monitor", "monitored"),
    "train": ("dao tao", "boi duong", "tap huan", "train", "trained"),
    "fine": ("phat tien", "phat", "fine", "fined", "penalty"),
    # words that contain a predicate's syllables but are none: matched first, then dropped
    "": ("dinh ky", "nhiem ky", "thoi ky", "cung ky", "ky niem", "ky nang", "ky luong", "nhan dan", "nhan vien",
         "ca nhan", "nhan thuc", "nhan luc", "nhan su", "nhan khau", "nhan dao", "xac nhan", "nhan manh",
         "co quan", "co so", "co che", "dat dai", "tang cuong", "tang truong", "la nhung", "chuyen de",
         "chuyen mon", "chuyen doi", "chuyen bien", "hop tac", "hop le", "phu hop", "tong hop", "truong hop",
         "ket hop", "to chuc chinh tri", "giam sat", "giam doc", "con nguoi", "truc tiep", "tiep tuc", "tiep thu",
         "tiep can", "tiep theo",
         # folded, "phát …" and "chuyên …" read as "phạt" and "chuyển": "phát sóng", "chuyên mục", "chuyên trách"
         "phat song", "phat thanh", "phat hien", "phat trien", "phat dong", "phat sinh", "phat huy", "phat bieu",
         "chuyen muc", "chuyen trach", "chuyen vien", "chuyen nganh", "chuyen dung", "chuyen gia", "chuyen nghiep",
         "chuyen san"),
}
_PREDICATE_FORMS = sorted(((form, key) for key, forms in PREDICATES.items() for form in forms),
                          key=lambda fk: -len(fk[0]))
_PREDICATE_RE = re.compile(r"\b(" + "|".join(re.escape(f) for f, _ in _PREDICATE_FORMS) + r")\b")
_PREDICATE_OF = dict(_PREDICATE_FORMS)
# weak predicates: say little about what is counted; a stronger one in the clause wins
WEAK_PREDICATES = {"is", "have", "reach"}

LEVEL_PHRASE = re.compile(r"\b(?:cap|ubnd|uy ban nhan dan|chu tich ubnd|chu tich|hdnd|so nganh|toan)\s+"
                          r"(tinh|huyen|xa)\b|\b(provincial|district|commune)\b")
_ENGLISH_LEVEL = {"provincial": "tinh", "district": "huyen", "commune": "xa"}
SUB_PERIOD = re.compile(r"\b(?:(\d+|sau|mot|hai|ba|bon|nam|chin) thang (dau|cuoi) nam|quy (i|ii|iii|iv|1|2|3|4)\b|"
                        r"nua (dau|cuoi) nam|thang (\d{1,2})(?:/|\s+nam\s+)?(?:(?:19|20)\d{2})?|first half|"
                        r"(first|second|third|fourth) quarter|q([1-4])\b)")
_WORD_NUMBERS = {"mot": "1", "hai": "2", "ba": "3", "bon": "4", "nam": "5", "sau": "6", "chin": "9"}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
COMPARISON = re.compile(r"\bso (?:voi|cung ky)|\bcung ky\b|\bcompared\b")
BREAKDOWN = re.compile(r"\b(trong do|bao gom|gom|cu the|including|of which)\b")
OVERALL = re.compile(r"\b(toan tinh|toan huyen|toan thi xa|toan thanh pho|tong so|tong cong|ca tinh|ca huyen|"
                     r"toan quoc|ca nuoc|in total|overall)\b")


def _spell_out(match: re.Match) -> str:
    key = fold_diacritics(match.group()).upper()
    if key in GLOSSARY and (match.group().isupper() or len(key) >= 3):
        return GLOSSARY[key]
    return match.group()


def folded(text: str) -> str:
    """Accent-free lower case with abbreviations spelled out where they stand
    (KNTC → khiếu nại, tố cáo), so word order, and so the nearest predicate, is kept."""
    return search_key(ABBREVIATION.sub(_spell_out, text))


def syllables(text: str) -> list[str]:
    return SYLLABLE.findall(folded(text))


# English half-years said in months ("in the first six months of 2020")
ENGLISH_HALVES = ((re.compile(r"\bfirst (?:six|6) months\b"), "first half"),
                  (re.compile(r"\b(?:last|final|second) (?:six|6) months\b|\bsecond half\b"), "6 thang cuoi nam"))


def sub_period_key(text_key: str) -> str | None:
    """'6 thang dau nam' → 'h1'; 'quy ii' → 'q2'; 'thang 5' → 'm5': one key per sub-period."""
    for pattern, said in ENGLISH_HALVES:
        text_key = pattern.sub(said, text_key)
    m = SUB_PERIOD.search(text_key)
    if not m:
        return None
    g = m.groups()
    if g[0]:
        n = _WORD_NUMBERS.get(g[0], g[0])
        return ("h1" if g[1] == "dau" else "h2") if n == "6" else f"{n}m-{g[1]}"
    if g[2]:
        return "q" + _ROMAN.get(g[2], g[2])
    if g[3]:
        return "h1" if g[3] == "dau" else "h2"
    if g[4]:
        return "m" + str(int(g[4]))
    if m.group(0) == "first half":
        return "h1"
    if g[5]:
        return "q" + {"first": "1", "second": "2", "third": "3", "fourth": "4"}[g[5]]
    if g[6]:
        return "q" + g[6]
    return None


def levels_in(text_key: str) -> set[str]:
    """Administrative levels a (folded) text speaks of: 'cap huyen', 'UBND tinh' → {'huyen', 'tinh'}."""
    return {a or _ENGLISH_LEVEL[b] for a, b in LEVEL_PHRASE.findall(text_key)}


def predicates_in(text_key: str) -> list[tuple[int, int, str]]:
    """(start, end, group) of every predicate form in a folded text, in order."""
    return [(m.start(), m.end(), _PREDICATE_OF[m.group(1)]) for m in _PREDICATE_RE.finditer(text_key)
            if _PREDICATE_OF[m.group(1)]]


def sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def clauses(sentence: str) -> list[tuple[int, int]]:
    """Clause spans inside one sentence (offsets into it)."""
    spans, start = [], 0
    for m in CLAUSE_BOUNDARY.finditer(sentence):
        if m.start() > start:
            spans.append((start, m.start()))
        start = max(start, m.end())
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return [(s, e) for s, e in spans if sentence[s:e].strip()]


@dataclass
class Figure:
    """A figure as the text states it, with what governs it. Offsets into the sentence."""
    quantity: Quantity
    index: int                      # its order among the sentence's figures
    clause: tuple[int, int]
    context: str                    # the words it belongs to: back to the previous figure or boundary
    predicate: str | None           # the nearest governing predicate group (own clause, else inherited)
    predicates: list[str] = field(default_factory=list)  # every predicate group before it in the sentence part
    counted: str = ""               # what it counts: its unit, else the noun phrase before it
    levels: set[str] = field(default_factory=set)
    sub_period: str | None = None
    comparison: bool = False        # a change "so với cùng kỳ" rather than a level
    parenthetical: bool = False
    overall: bool = False           # its own words say it is a total ("toàn tỉnh đã tiếp 7.570 …")
    breakdown: bool = False         # it comes after "trong đó", "gồm", "cụ thể": a part of a total


def _strip_predicates(text_key: str) -> str:
    return " ".join(_PREDICATE_RE.sub(" ", text_key).split())


def sentence_figures(sentence: str) -> list[Figure]:
    """Every figure of one sentence, with its clause, predicate, counted thing, level and period."""
    quantities = find_quantities(sentence)
    if not quantities:
        return []
    spans = clauses(sentence)
    sentence_key = search_key(sentence)
    sentence_period = sub_period_key(sentence_key)
    out: list[Figure] = []
    inherited: str | None = None
    last_clause = None
    depth_at = _paren_depths(sentence)
    plain = unquoted(sentence)  # its verbs: none from a title in quotes
    for index, q in enumerate(quantities):
        clause = next(((s, e) for s, e in spans if s <= q.start < e), (0, len(sentence)))
        floor = quantities[index - 1].end if index > 0 else 0
        start = max(_subject_start(sentence, spans, clause), floor) if clause[0] < q.start else floor
        context = sentence[start:q.end]
        if q.kind == "percent" and q.start - start < 12 and index > 0 and out:
            # "144/170 đạt 84,7%": a rate right after its count shares the count's context
            context = out[-1].context + " " + context
        before_key = folded(plain[clause[0]:q.start])
        own = predicates_in(before_key)
        if not own:
            # "Số vụ việc đã giải quyết: 08 vụ": a header clause with no figure governs the value after it
            own = predicates_in(folded(plain[floor:q.start]))
        after_key = folded(plain[q.end:clause[1]])[:30]
        after = [p for p in predicates_in(after_key) if p[2] in ("reach", "reduce", "increase")]
        if clause != last_clause and last_clause is not None and own:
            inherited = None
        strong = [p for p in own if p[2] not in WEAK_PREDICATES]
        predicate = (strong[-1][2] if strong else own[-1][2] if own else inherited)
        if predicate is None and after:
            predicate = after[0][2]
        prefix_key = folded(plain[:q.start])
        groups = [p[2] for p in predicates_in(prefix_key)]
        if strong:
            inherited = strong[-1][2]
        elif own and inherited is None:
            inherited = own[-1][2]
        last_clause = clause
        unit = q.unit or ""
        words_before = context[:len(context) - len(q.raw)]
        for other in quantities[:index]:
            words_before = words_before.replace(other.raw, " ")
        counted = unit if unit and q.kind not in ("percent",) else _strip_predicates(folded(words_before))
        context_key = folded(context)
        clause_key = folded(sentence[clause[0]:clause[1]])
        period = sub_period_key(context_key) or sub_period_key(clause_key) or sentence_period
        levels = levels_in(context_key) or levels_in(clause_key)
        annotated = [o for o in out if o.quantity.end <= sentence.rfind("(", 0, q.start)]
        if not levels and depth_at[q.start] > 0 and annotated:
            # "Cán bộ, công chức cấp xã: 10.042 người (giảm 960 người)": a figure in brackets
            # annotates the one before the bracket and speaks of its level (not of a figure before
            # it in the bracket: "(… 38/124 UBND cấp xã, chỉ tiêu đề ra là tối thiểu 20%)")
            levels = set(annotated[-1].levels)
        out.append(Figure(
            quantity=q, index=index, clause=clause, context=context, predicate=predicate, predicates=groups,
            counted=counted, levels=levels,
            sub_period=period, comparison=bool(COMPARISON.search(clause_key)) or (
                depth_at[q.start] > 0 and bool(COMPARISON.search(folded(_rest_of_parenthesis(sentence, q.end))))),
            parenthetical=depth_at[q.start] > 0, overall=bool(OVERALL.search(context_key)),
            breakdown=bool(BREAKDOWN.search(folded(sentence[:q.start])))))
    return out


def unquoted(text: str) -> str:
    """The text with what stands in quotes blanked (same length): a title ('22 Chương trình “Đối thoại
    về cải cách hành chính”') names a thing, its words are no verb of the sentence."""
    return re.sub(r"“[^”]{0,120}”|\"[^\"]{0,120}\"", lambda m: " " * len(m.group()), text)


def _subject_start(sentence: str, spans: list[tuple[int, int]], clause: tuple[int, int]) -> int:
    """Where a figure's own words start. A clause cut only by a space before "giảm"/"tăng"
    ("…, cấp tỉnh giảm 13,37% so năm 2015") has its subject in the clause before: the
    cut gives the change its own predicate, but the level and the thing counted are the
    subject's ("cấp tỉnh")."""
    cut = sentence[:clause[0]]
    if not cut or not cut[-1].isspace() or cut.rstrip()[-1:] in ",;:()-":
        return clause[0]
    previous = [s for s, e in spans if e <= clause[0]]
    return previous[-1] if previous else clause[0]


def _rest_of_parenthesis(text: str, pos: int) -> str:
    close = text.find(")", pos)
    return text[pos:close if close != -1 else len(text)]


def _paren_depths(text: str) -> list[int]:
    depth, out = 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        out.append(depth)
        if ch == ")":
            depth = max(0, depth - 1)
    out.append(depth)
    return out
