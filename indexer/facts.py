"""The table of figures: every figure a document states, as a fact with its indicator.

A fact is what its sentence says (issue 23):

- its indicator: the predicate (tiếp nhận, giải quyết, tiếp công dân, đề nghị giải quyết …),
  the counted thing (khiếu nại, tố cáo …; the topic of its list item when its own words
  are generic: "08 vụ" under "Tổng số đơn khiếu nại …"), its qualifiers (thuộc / không
  thuộc thẩm quyền, lần đầu, đông người, định kỳ / đột xuất / thường xuyên, of whom:
  Chủ tịch UBND tỉnh / huyện / xã) and its unit class (lượt are visits, đơn / vụ việc are
  cases). Two facts differing in any of these are different indicators. Container words
  ("đơn thư" / "đơn", "vụ việc" / "vụ") are no part of the key, so wordings that differ
  only in them are one indicator; each fact keeps its own `wording` so a table can say
  which wordings it merged. The `label` is one canonical Vietnamese label per indicator
  ("Số đơn khiếu nại thuộc thẩm quyền đã giải quyết");
- its place and level: a district report's figures, or a figure whose words name a
  district ("thị xã Thái Hòa"), are the district's (`district`, with `province` beside
  it); a provincial report's figure whose words say "cấp huyện" is the province's
  district level, not the province's total (`level` "huyện", `district` None);
- its period: the year its sentence names, else its paragraph, its section, the
  document's metadata or the year the document's text speaks of most; `period.source`
  says which, `period.inferred` is true unless it is the sentence;
- where it stands (document, passage, paragraph, span, sentence) so every cell of a
  table links to its source. Footnotes are read too (the chunker keeps them apart from the
  passages); a table row as the readers write it ("STT: 1; Nội dung: …; Lâm Đồng: 9,49/ 9,5;
  99,9%; 12/63; Đắk Nông: …") gives each cell its row, its column header, the table's heading
  and the province its group names.

What a figure counts (`words`, `counted`) is every content word its own part of the sentence
says of it: the clause before it (with a short piece set off by commas before it), its unit with
the nouns listed after it, the rest of its clause, a rate's thing and name, a part's total (in
brackets, after "trong đó" or "riêng"), what figures listed side by side share, the figure a
count changed from ("từ 230 xã … xuống còn 209"), the sentence's subject when its clause has
none, the kind of bare cases named before them ("các vụ việc KNTC" … "19 vụ việc"); the indicator
key keeps only the core (its topics, else its nearest own words), so wordings still merge. A count
of administrative units is at their level ("209 xã, phường, thị trấn": cấp xã), as is what belongs
to their bodies ("của UBND các huyện"). Not figures: a rule's consequence ("thì … đạt 0 điểm"), a
list's number, "một cửa", "hai cấp"; a figure nothing says the thing of is withheld, not guessed.

Computed by the store's writer when a document is added (`document_facts`), stored beside
the passages and queried by indicator, place and period (indexer/store/); the table is
built by search/answer/facts.py.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from indexer.clauses import (PREDICATES, SENTENCE_END, WEAK_PREDICATES, folded, levels_in, predicates_in,
                             sentence_figures, sentences, sub_period_key, unquoted)


@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """The extraction code's digest: a version whose facts were extracted by other code
    extracts them again from its passages (stored facts are reused only when this matches).
    Read once per process: the code does not change under it."""
    import hashlib
    from pathlib import Path

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("facts.py", "clauses.py", "numbers.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


FACT_KINDS = ("number", "money", "percent", "ratio")
# container words that say how something is counted, not what: "đơn thư khiếu nại" = "vụ việc khiếu nại"
GENERIC = {"don", "thu", "vu", "viec", "so", "cac", "nhung", "cua", "da", "duoc", "dang", "tong", "toan", "bo",
           "ty", "le", "ti", "tren", "duoi", "hon", "khoang", "gan", "va", "voi", "cho", "trong", "nam", "thang",
           "dat", "co", "la", "tai", "theo", "thuoc", "tham", "quyen", "nguoi", "luot", "ca", "tinh", "huyen",
           "xa", "cap", "nay", "do", "cong", "dan", "ve", "de", "chi", "khi", "the", "of", "and", "petitions",
           "cases", "number", "lan", "dau", "dong", "dinh", "ky", "dot", "xuat", "thuong", "xuyen", "chu", "tich",
           "ubnd", "uy", "ban", "nhan", "tap", "trung", "mot", "hai", "ba", "bon", "sau", "muoi", "tu", "den",
           "phai", "con", "lai", "hien", "moi", "binh", "giai", "doan", "uoc", "nhu", "cu", "the", "nhieu", "hon",
           "khoang", "tren", "gom", "trong", "do", "hang", "tai", "qua", "ngay", "sau", "truoc", "len"}
# what reports count side by side: a figure's topic when its own words are generic ("08 vụ" under
# "Tổng số đơn khiếu nại …"); folded form → the reports' own spelling
TOPIC_LABELS = {
    "khieu nai": "khiếu nại", "to cao": "tố cáo", "kien nghi": "kiến nghị", "phan anh": "phản ánh",
    "tranh chap dat dai": "tranh chấp đất đai", "tiep cong dan": "tiếp công dân",
    "thu tuc hanh chinh": "thủ tục hành chính", "dich vu cong truc tuyen": "dịch vụ công trực tuyến",
    "bien che": "biên chế", "mo hinh": "mô hình", "hoa giai": "hòa giải", "doi thoai": "đối thoại",
    "ho so": "hồ sơ", "can bo": "cán bộ", "cong chuc": "công chức", "vien chuc": "viên chức",
    "don vi hanh chinh": "đơn vị hành chính", "thon": "thôn", "to dan pho": "tổ dân phố", "lanh dao": "lãnh đạo",
    "nong thon moi": "nông thôn mới", "ma tuy": "ma túy", "nghien": "nghiện",
}
# the answer stage's features (search/answer/features.py) read the original list, whose
# weights were fitted on it; the facts also know the drug-prevention reports' topics
TOPICS = tuple(t for t in TOPIC_LABELS if t not in ("ma tuy", "nghien"))
FACT_TOPICS = tuple(TOPIC_LABELS)
# qualifiers that make a different indicator: folded pattern → (key, label). "không thuộc thẩm
# quyền" is tried before "thuộc thẩm quyền" and hides it.
QUALIFIERS = (
    (r"\bkhong thuoc tham quyen\b", "ngoai-tham-quyen", "không thuộc thẩm quyền"),
    # "thủ tục hành chính thuộc thẩm quyền quản lý" is the province's remit, not cases it must resolve
    (r"(?<!khong )\bthuoc tham quyen\b(?! quan ly)", "thuoc-tham-quyen", "thuộc thẩm quyền"),
    (r"\blan dau\b", "lan-dau", "lần đầu"),
    (r"(?<!khong co doan )(?<!khong co )\bdong nguoi\b", "dong-nguoi", "đông người"),  # not "không có đoàn đông người"
    (r"\bdinh ky\b", "dinh-ky", "định kỳ"),
    (r"\bdot xuat\b", "dot-xuat", "đột xuất"),
    (r"(?<!\bchi )\bthuong xuyen\b", "thuong-xuyen", "thường xuyên"),  # not "chi thường xuyên", recurrent spending
    (r"\bchu tich (?:ubnd|uy ban nhan dan) (?:cap )?tinh\b", "chu-tich-tinh", "của Chủ tịch UBND tỉnh"),
    (r"\bchu tich (?:ubnd|uy ban nhan dan) (?:cap )?huyen\b", "chu-tich-huyen", "của Chủ tịch UBND cấp huyện"),
    (r"\bchu tich (?:ubnd|uy ban nhan dan) (?:cap )?xa\b", "chu-tich-xa", "của Chủ tịch UBND cấp xã"),
    # a rule's threshold ("trường hợp dưới 95% thì tiêu chí này đạt 0 điểm") is no figure achieved
    (r"\bnguong\b", "nguong", "(ngưỡng điểm)"),
)
QUALIFIER_LABEL = {key: label for _, key, label in QUALIFIERS}
BORROWED_QUALIFIERS = {"ngoai-tham-quyen", "thuoc-tham-quyen", "lan-dau"}
QUALIFIER_ORDER = [key for _, key, _ in QUALIFIERS]
# "… lượt người đến KNTC và KNPA giải quyết 480 vụ việc", "đề nghị giải quyết 5.552 vụ việc": the
# cases citizens asked to have resolved, not cases resolved
REQUEST = re.compile(r"(?:\bde nghi\b|\byeu cau\b|(?:^|\bnguoi |\bdan )\s*den\b(?! nay| het| thang| ngay| cuoi))(?:(?!\bden nay\b)[^.;]){0,80}"
                     r"\bgiai quyet\b\W*(?:duoc\W*)?$")
PREDICATE_LABELS = {
    "receive": "đã tiếp nhận", "meet": "tiếp công dân", "resolve": "đã giải quyết", "due": "phải giải quyết",
    "request": "đề nghị giải quyết", "reduce": "giảm", "increase": "tăng", "reach": "đạt", "rank": "xếp hạng",
    "establish": "thành lập", "issue": "ban hành", "organise": "tổ chức", "sign": "ký", "build": "xây dựng",
    "transfer": "chuyển", "list": "rà soát, lập danh sách", "discipline": "xử lý kỷ luật", "merge": "sắp xếp",
    "mobilise": "vận động", "remain": "đang giải quyết, tồn đọng", "provide": "triển khai", "is": "", "have": "",
    "supervise": "giám sát, kiểm tra", "train": "đào tạo, bồi dưỡng", "fine": "xử phạt",
}
UNIT_CLASSES = (("luot", "visits"), ("lan", "visits"), ("nguoi", "people"), ("don", "cases"), ("thu", "cases"),
                ("vu", "cases"), ("viec", "cases"), ("ho so", "files"), ("thu tuc", "procedures"),
                ("mo hinh", "models"), ("cuoc", "events"), ("xa", "communes"), ("don vi", "units"))
UNIT_NOUNS = {"visits": "lượt", "people": "người", "cases": "đơn, vụ việc", "files": "hồ sơ",
              "procedures": "thủ tục", "models": "mô hình", "events": "cuộc", "communes": "xã", "units": "đơn vị"}
# "UBND các huyện, thành phố tiếp 2.571 lượt", "UBND các xã, phường, thị trấn tiếp 3.814 lượt": the
# districts' or communes' total in a provincial report
AGENCY_LEVEL = re.compile(r"\b(?:(?:ubnd|uy ban nhan dan) (?:cac )?|cac )(huyen|xa)\b")
# "07 phòng, Bộ phận TN&TKQ của UBND các huyện", "75 văn bản … của UBND, HĐND xã, phường": what belongs to
# the districts' or communes' bodies is at their level
OWNER_LEVEL = re.compile(r"\bcua (?:(?:ubnd|hdnd|uy ban nhan dan|hoi dong nhan dan)(?:,| va)? )+"
                         r"(?:cac |cap )?(huyen|xa)\b")
# a count (or a rate) of administrative units is filed under their level: "209 xã, phường, thị trấn",
# "10 huyện, thành phố", "21 đơn vị xã", "23% xã, phường" ("thành phố" counted beside districts is one)
UNIT_LEVEL = re.compile(r"(?:don vi |ubnd |uy ban nhan dan |dia ban )?"
                        r"(xa|phuong|thi tran|dac khu|huyen|quan|thi xa|thanh pho)\b"
                        r"(?! (?:ha noi|ho chi minh|hai phong|da nang|can tho|hue)\b)")
ADMIN_LIST = re.compile(r"\b(xa|huyen)(?=, (?:phuong|thi tran|dac khu|thanh pho|thi xa|thanh)\b)")
UNIT_LEVELS = {"xa": "xa", "phuong": "xa", "thi tran": "xa", "dac khu": "xa", "huyen": "huyen", "quan": "huyen",
               "thi xa": "huyen", "thanh pho": "huyen"}
LEVEL_KEYS = {"huyen": "huyen", "xa": "xa"}
CONTAINERS = {"", "don", "don thu", "vu", "vu viec", "viec", "truong hop"}
LEVEL_NAMES = {"tinh": "tỉnh", "huyen": "huyện", "xa": "xã"}
YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
YEAR_SPAN = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|–|đến(?: năm)?)\s*((?:19|20)\d{2})\b|"
                       r"\b[Tt]ừ (?:năm |tháng |ngày )?(?:[\d/]+/)?((?:19|20)\d{2}) đến (?:hết )?(?:năm |tháng |ngày )?"
                       r"(?:[\d/]+/)?((?:19|20)\d{2})\b")
DATE_YEAR = re.compile(r"\d{1,2}/\d{1,2}/((?:19|20)\d{2})|tháng \d{1,2}(?:/| năm )((?:19|20)\d{2})")
COMPARED = re.compile(r"so (?:sánh )?(?:v[oớ]i )?(?:thời điểm )?(?:cùng kỳ )?(?:năm )?((?:19|20)\d{2})|compared (?:with|to) ((?:19|20)\d{2})",
                      re.IGNORECASE)
# a target year is no year a document reports on ("Chiến lược … đến năm 2030"), though a target
# figure in its sentence is that year's
TARGET = re.compile(r"(?:đến|tới)(?: hết)?(?: năm)? ((?:19|20)\d{2})\b(?!\s*(?:-|–|,? ?(?:đã|toàn|tỉnh|thành phố)))",
                    re.IGNORECASE)
# between the two figures of a change: "từ 230 xã, phường, thị trấn xuống còn 209"
FROM_TO = re.compile(r"[^\d;()]{0,60}?\s(?:xuống|lên|tăng lên|giảm xuống|đến)(?:\s+còn| lại)?\s*", re.IGNORECASE)
# what stands between figures listed side by side: "3.000 vụ ma túy, gần 5.000 đối tượng", "549 … và 721 …"
COORDINATED = re.compile(r"[^\d;:()]{0,40}?(?:,|\svà)\s*(?:(?:gần|trên|hơn|khoảng|có|được)\s+)?", re.IGNORECASE)
# a rate's name: "Tỷ lệ <what> đạt …" up to its verb "đạt"/"là"/"chiếm" or a figure
RATE_NAME = re.compile(r"\b[Tt][ỷỉ] lệ\b(.*?)(?=\b(?:chỉ |hiện |ước )?(?:đạt|là|chiếm)\b|\d|$)")
# words that tie a rate to the count before it: "…, chiếm tỷ lệ 59,6%", "(giảm 6989 biên chế) tương đương 11,6%"
RATE_LINKS = {"chiem", "tuong", "duong"}
# what a measure's unit says it measures: a length, an area
MEASURES = {"m": "chieu dai", "km": "chieu dai", "m2": "dien tich", "m²": "dien tich", "km2": "dien tich",
            "km²": "dien tich", "ha": "dien tich"}
# a rule's consequence: "trường hợp … thì …", "nếu … thì …"
RULE = re.compile(r"\b(?:[Tt]rường hợp|[Nn]ếu)\b[^;.]*\sth[iì]\s")  # "thi" as some reports misspell it
# "Từ năm 2015 đến nay": from that year to the year the document reports on
SINCE = re.compile(r"\b([Tt]ừ (?:năm |tháng \d{1,2}/|tháng \d{1,2} năm )?(?:19|20)\d{2}) (?:đến|tới) nay\b")
# ", riêng năm 2020 vận động được hơn 75 tỷ đồng": a part singled out of what comes before it
SINGLED_OUT = re.compile(r",\s*riêng\b", re.IGNORECASE)
STANDING = re.compile(r"\b(?:luôn|thường xuyên) (?:có|ở mức|duy trì)\b[^,;]*$", re.IGNORECASE)
ANNUAL = re.compile(r"\b(?:hàng|hằng|mỗi) năm\b|\bbình quân (?:mỗi )?năm\b", re.IGNORECASE)
# a district, town or city named in a figure's own words ("thị xã Thái Hòa", "huyện Bình Sơn")
DISTRICT_NAMED = re.compile(r"\b(?:huyện|thị xã|Thị xã|Huyện)\s+((?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,2})")


def topic_words(text_key: str) -> list[str]:
    return [t for t in FACT_TOPICS if re.search(rf"\b{t}\b", text_key)]


# abbreviations the reports count in that the search glossary (indexer/analysis.py) does not spell
# out: the counted thing in words ("49 Quyết định QPPL" counts legal normative documents)
FACT_ABBREVIATIONS = {"qppl": "quy pham phap luat", "vbqppl": "van ban quy pham phap luat",
                      "dvhc": "don vi hanh chinh", "bhyt": "bao hiem y te", "bhxh": "bao hiem xa hoi",
                      "cccd": "can cuoc cong dan", "dvc": "dich vu cong"}


def counted_words(text: str) -> list[str]:
    """The content words of a counted thing, container words and function words dropped."""
    words = re.findall(r"[^\W\d_]+", folded(text))
    words = [x for w in words for x in (FACT_ABBREVIATIONS[w].split() if w in FACT_ABBREVIATIONS else [w])]
    return [w for w in words if w not in GENERIC]


def content_words(text: str) -> list[str]:
    """Counted words less the predicates' own ('đề nghị giải quyết 5.552 vụ việc' counts nothing
    named: its words are all predicate)."""
    key = folded(text)
    for a, b, _ in reversed(predicates_in(key)):
        key = key[:a] + " " + key[b:]
    return counted_words(re.sub(r"\b(de nghi|yeu cau|so voi cung ky|so voi)\b", " ", key))


def qualifiers_in(text_key: str) -> list[str]:
    return [key for pattern, key, _ in QUALIFIERS if re.search(pattern, text_key)]


def unit_class(unit: str | None, kind: str) -> str:
    if kind == "percent":
        return "rate"
    key = folded(unit or "")
    for word, name in UNIT_CLASSES:
        if re.match(rf"{word}\b", key):
            return name
    return "count"


def indicator_key(predicate: str | None, words: list[str], kind: str, qualifiers: list[str] | None = None,
                  unit: str = "") -> str:
    """'resolve:khieu-nai' — predicate group, then the counted thing's words in order, once each;
    then its qualifiers ('resolve:khieu-nai+thuoc-tham-quyen') and unit class ('@visits'); rates
    are their own indicator ('resolve:khieu-nai:rate')."""
    seen = list(dict.fromkeys(words))
    key = f"{predicate or 'state'}:{'-'.join(seen) or 'unspecified'}"
    key += "".join(f"+{q}" for q in qualifiers or [])
    key += f"@{unit}" if unit and unit not in ("rate", "cases", "count") else ""
    return key + (":rate" if kind == "percent" else "")


def indicator_label(predicate: str | None, thing: str, kind: str, qualifiers: list[str] | None = None,
                    unit: str = "") -> str:
    """One canonical Vietnamese label per indicator: 'Số đơn khiếu nại thuộc thẩm quyền đã giải quyết',
    'Số lượt tiếp công dân định kỳ của Chủ tịch UBND cấp huyện', 'Tỷ lệ đơn khiếu nại, tố cáo đã giải quyết'."""
    verb = PREDICATE_LABELS.get(predicate or "", "")
    quals = " ".join(QUALIFIER_LABEL[q] for q in qualifiers or [])
    if predicate == "meet":
        noun, thing = ("lượt" if unit == "visits" else UNIT_NOUNS.get(unit, "")), ""
        parts = [noun, verb, quals]
    else:
        if unit in ("cases", "count", "rate") and folded(thing) in CONTAINERS:
            thing = ""
        noun = "đơn" if unit in ("cases", "count", "rate") and thing.split(",")[0] in ("khiếu nại", "tố cáo",
                                                                                        "kiến nghị", "phản ánh") \
            else "vụ việc" if unit == "cases" else UNIT_NOUNS.get(unit, "") if unit not in ("rate", "count") else ""
        if noun and folded(thing).startswith(folded(noun)):
            noun = ""
        parts = [noun, thing, quals, verb]
    text = " ".join(p for p in parts if p).strip()
    if kind == "percent":
        return "Tỷ lệ " + (text or "(không rõ)")
    return ("Số " + text) if text else "Số liệu (không rõ chỉ tiêu)"


def _accented(text: str, key: str) -> str:
    """The text's own spelling of a folded phrase (first occurrence), else None."""
    words = re.findall(r"[^\W\d_]+", text)
    keys = [folded(w) for w in words]
    target = key.split()
    for i in range(len(keys) - len(target) + 1):
        if keys[i:i + len(target)] == target:
            return " ".join(words[i:i + len(target)]).lower()
    return None


def _years(text: str) -> tuple[int, int] | None:
    """The one year (or span of years) a text speaks for: years named, less those compared
    against ('so với năm 2021') and those of dates ('ngày 23/3/2022' dates an act)."""
    span = YEAR_SPAN.search(text)
    if span:
        low, high = [int(y) for y in span.groups() if y]
        if low < high:
            return low, high
    compared = {int(y) for pair in COMPARED.findall(text) for y in pair if y}
    years = {int(y) for y in YEAR.findall(text)} - compared
    if len(years) == 1:
        year = years.pop()
        return year, year
    return None


def _since(text: str, high: int | None) -> str:
    """'Từ năm 2015 đến nay' written as the span it is ('từ năm 2015 đến năm 2020' in a report up to
    2020)."""
    return SINCE.sub(lambda m: f"{m.group(1)} đến năm {high}", text) if high else text


def document_years(metadata: dict, text: str) -> tuple[int | None, int | None, str]:
    """The period a whole document speaks for: its metadata period, its date's year, else the
    year its text names most often (dates of acts and years compared against aside)."""
    period = metadata.get("period") or {}
    low, high = period.get("from"), period.get("to") or period.get("from")
    if low is not None:
        return low, high, "document"
    if (metadata.get("date") or "")[:4].isdigit():
        year = int(metadata["date"][:4])
        return year, year, "document"
    compared = Counter(int(y) for pair in COMPARED.findall(text) for y in pair if y)
    dated = Counter(int(y) for pair in DATE_YEAR.findall(text) for y in pair if y)
    targets = Counter(int(y) for y in TARGET.findall(text))
    counts = Counter(int(y) for y in YEAR.findall(text)) - compared - dated - targets
    if counts:
        (year, n), *rest = counts.most_common(2)
        if not rest or n > rest[0][1]:
            return year, year, "document"
    return None, None, "unknown"


def _period(document_period: tuple, sentence: str, paragraph: str, section: str, figure, own: str = "") -> dict:
    """The year(s) a figure speaks for, from the nearest text that names one: its own words
    ("năm 2016 có 109 điểm sáng; năm 2017 có 105 …"), its sentence, its paragraph, its section
    heading, else the document."""
    if ANNUAL.search(sentence[:max(0, figure.quantity.start)].rsplit(";", 1)[-1]) \
            or STANDING.search(sentence[:max(0, figure.quantity.start)].rsplit(";", 1)[-1][-40:]):
        # "trung bình hàng năm … phát hiện trên 3.000 vụ": a yearly figure of no year said; "số người nghiện …
        # luôn có trên 10.000 người": a standing figure, of no one year
        return {"from": None, "to": None, "sub": None, "source": "unknown", "inferred": False}
    low, high, source = document_period
    own_years = _years(_since(own, high)) if own else None
    named = re.sub(r"\S*\d/(?:19|20)\d{2}\S*", " ", own)  # no years of dates and codes ("113/2018/NĐ-CP")
    if own_years is None and len(set(YEAR.findall(named))) > 1:
        # "… trong năm 2025 và đến hết năm 2030 có ít nhất 50%": the year of its own part, after the last "và"
        own_years = _years(re.split(r"\svà\s|,\s", named)[-1])
    if own_years is not None:
        # "năm 2016 có 109 điểm sáng; …, 6 tháng đầu năm 2020 …": a sub-period of another year is not its
        sub = sub_period_key(folded(own)) if own_years[0] == own_years[1] else None
        return {"from": own_years[0], "to": own_years[1], "sub": _reporting_sub_period(sub, own), "source": "sentence",
                "inferred": False}
    # the sentence speaks for the figure up to the end of its part: a year in a later part ("…; năm 2019
    # triển khai …", ", riêng năm 2020 vận động được …") or in a bracket after it ("(năm 2016 có 109 …")
    # is that part's
    q = figure.quantity
    ends = [i for i in (sentence.find(";", q.end), sentence.find("(", q.end),
                        *(m.start() for m in SINGLED_OUT.finditer(sentence, q.end)))
            if i != -1]
    sentence = _since(sentence[:min(ends)] if ends else sentence, high)
    # a paragraph or heading naming one year speaks for it in a one-year report; in a report
    # over several years a year named nearby is as often another sentence's ("năm 2019 triển
    # khai …" beside the five-year totals), so there the document's period stands
    several = low is not None and high is not None and high > low
    for text, where in ((sentence, "sentence"), (paragraph, "paragraph"), (section, "section")):
        if several and where != "sentence":
            break
        years = _years(text) if text else None
        if years is None:
            continue
        inside = low is None or (low <= years[0] and years[1] <= (high or years[1]))
        # a heading naming one year ("1. Kết quả Chỉ số năm 2024") titles what is under it, even in
        # a report dated the year after
        if inside or where == "sentence" or (where == "section" and years[0] == years[1]):
            low, high, source = years[0], years[1], where
            break
    # a sub-period ("6 tháng đầu năm", "tháng 5") is of one year: a span of years has none
    sub = figure.sub_period if low is not None and high == low else None
    return {"from": low, "to": high, "sub": _reporting_sub_period(sub, sentence), "source": source,
            "inferred": source != "sentence"}


# a month written as a date, not as a period reported on ("Tháng 9/2019, Thường trực Tỉnh ủy tổ chức gặp mặt
# 800 đồng chí"; "trong tháng 5/2018" is a period)
EVENT_MONTH = re.compile(r"(?<![Tt]rong )\b[Tt]háng \d{1,2}/(?:19|20)\d{2}\b")


def _reporting_sub_period(sub: str | None, text: str) -> str | None:
    """A month is a sub-period only when the text reports over it: the month of a dated event
    ("Tháng 5/2018 Ban Thường vụ Tỉnh ủy tổ chức cuộc gặp mặt …") dates the event within its year."""
    if sub and re.fullmatch(r"m\d+", sub) and EVENT_MONTH.search(text) and not re.search(r"\b[Tt]rong tháng\b", text):
        return None
    return sub


def _wording(sentence: str, figure) -> str:
    """The document's own words for what a figure counts: its unit when that names the
    thing ('đơn thư khiếu nại'), the words after a rate ('100% đơn thư khiếu nại, tố cáo'),
    else the words before it back to its clause."""
    q = figure.quantity
    if q.kind == "percent":
        after = re.split(r"[;.(]|\bso v", sentence[q.end:q.end + 80])[0].strip(" ,")
        if topic_words(folded(after)):
            return after
    own = figure.context[:len(figure.context) - len(q.raw)]
    own = re.split(r"[;:(),]", own)[-1] if re.search(r"[^\W\d_]", re.split(r"[;:(),]", own)[-1]) else own
    words = re.findall(r"[^\W\d_]+", own)[-8:]
    unit = (q.unit or "").strip()
    return " ".join(words + ([unit] if unit and unit != "%" else [])).strip()


def _place(metadata: dict, context: str, levels: set[str]) -> tuple[str | None, str | None, str | None]:
    """(province, district, level) of a figure."""
    province, district = metadata.get("province"), metadata.get("district")
    # a name starts with a capital letter (the class À-Ỹ holds lower-case letters too: "cấp huyện đạt 88%")
    named = next((m for m in DISTRICT_NAMED.finditer(context) if m.group(1)[0].isupper()), None)
    if named and not district:
        words = named.group(1).split()
        district = " ".join(words[:next((i for i, w in enumerate(words) if not w[0].isupper()), len(words))])
    level = sorted(levels)[0] if len(levels) == 1 else None
    if district:
        return province, district, LEVEL_NAMES["xa" if level == "xa" else "huyen"]
    if level:
        return province, None, LEVEL_NAMES[level]
    return province, None, LEVEL_NAMES["tinh"] if province else None


def document_facts(record: dict, passages: list[dict]) -> list[dict]:
    """Every figure of a document as a fact (see the module docstring); passages are the
    chunker's dicts (passage_id, text, paragraph, start …) of that document, in order."""
    metadata = record.get("metadata") or {}
    text = record.get("text") or ""
    document_period = document_years(metadata, text)
    paragraphs = [(p["start"], p["end"]) for p in record.get("paragraphs") or []]
    facts = []
    for passage in passages + _footnote_passages(record, passages):
        body = passage["text"]
        section = " ".join(passage.get("heading_path") or []) if isinstance(passage.get("heading_path"), list) \
            else str(passage.get("section") or "")
        for s_start, s_end in sentences(body):
            sentence, s_start, shift, paragraph, lead = _sentence_in_passage(text, passage, paragraphs, s_start, s_end)
            previous_end = 0
            lead_key = folded(lead)
            told: list[tuple] = []  # (figure, predicate, described words) of the sentence so far
            levels_of: dict[int, set] = {}  # the levels of its figures so far
            row = _table_row(sentence, text, passage["start"] + s_start, section)
            here = paragraph.find(sentence[shift:shift + 60])
            paragraph_before = paragraph[:here] if here != -1 else lead
            figures = sentence_figures(sentence)
            first = next((f.quantity.start for f in figures if f.quantity.kind in FACT_KINDS), None)
            subject = _subject(sentence[shift:first]) if first is not None and not row else []
            coordinated = None  # (where the figure before ends, the words before it, its kind, the figure)
            links: list[tuple] = []  # (figure, figure) listed side by side
            said_of: dict = {}  # id(figure) → what is said after it
            fact_of: dict = {}  # id(figure) → its fact (figures withheld or the previous passage's have none)
            for figure in figures:
                q = figure.quantity
                if q.kind not in FACT_KINDS or q.number is None:
                    continue
                cell = row.cell(q.start) if row else None
                if _withheld(sentence, q, row, cell, shift):
                    continue
                # its own words: back to its clause's start or the figure before it (durations and
                # dates in between are words: "… định kỳ … trong 5 năm là 12.001 lượt")
                own_text = sentence[_own_start(sentence, max(figure.clause[0], previous_end), previous_end,
                                               pieces=q.kind != "percent"):q.start]
                previous_end = q.end
                context_key = folded(figure.context) + " " + folded(own_text)
                if q.kind == "percent":  # "đạt 100% đơn thư khiếu nại, tố cáo": the rate's thing follows it
                    after = re.split(r"[;.]|\bso v", sentence[q.end:q.end + 80])[0]
                    if topic_words(folded(after)):
                        context_key = folded(after) + " " + folded(own_text)
                words = counted_words(figure.counted if q.kind != "percent" else figure.context.replace(q.raw, " "))
                tail = _unit_tail(sentence, q) if q.kind != "percent" else ""
                # "ban hành được 05 nghị quyết, 04 chỉ thị, 21 chương trình, 39 công văn triển khai": listed after
                # figures the verb before them governs
                listed = bool(coordinated) and bool(COORDINATED.fullmatch(sentence[coordinated[0]:q.start])) \
                    and told[-1][1] == figure.predicate and figure.predicate not in (None, *WEAK_PREDICATES)
                predicate = _predicate_of(sentence, figure, own_text, tail, listed)
                own_text, own_words, own_topics, topics, qualifiers, threshold = _what_it_counts(
                    sentence, figure, own_text, context_key, predicate, lead_key, paragraph_before)
                before_key = folded(own_text)
                if predicate == "resolve" and REQUEST.search(before_key):
                    predicate = "request"
                unit = unit_class(q.unit, q.kind)
                # what the figure counts in its own words: the clause before it, its unit with the
                # nouns listed after it ("209 xã, phường, thị trấn", "49 Quyết định QPPL"), and for a
                # rate the thing after it ("80% dân số ở khu vực nông thôn")
                described = content_words(own_text) + (
                    content_words(f"{q.unit or ''} {tail} {_said_after(sentence, q, tail)}") if q.kind != "percent"
                    else content_words(_rate_of(sentence, q)))
                if q.kind == "percent":  # what the rate's name says it is of ("Tỷ lệ văn bản điện tử được ký số …")
                    named = RATE_NAME.findall(sentence[:q.start].rsplit(";", 1)[-1])
                    described += content_words(named[-1]) if named else []
                    # "mục tiêu … đạt ít nhất 20% địa bàn cấp xã “không ma túy” trong năm 2025 và đến hết năm 2030 có
                    # ít nhất 50% địa bàn cấp xã “không ma tuý”": a rate of the same thing as one before it in its part
                    # is of the same series
                    described += _same_series(sentence, q, told)
                if q.kind != "percent":  # "40 đơn vị hành chính cấp xã …, giảm 21 đơn vị xã": named in full before
                    named_before = [f"{t[0].quantity.unit} {' '.join(sentence[t[0].quantity.end:].split()[:3])}"
                                    for t in told if t[0].quantity.unit]  # a unit with the words right after it
                    described += _named_in_full(q.unit, named_before)
                if q.kind == "money":  # "9.209,56 tỷ đồng" is an amount of money ("tiền")
                    described.append("tien")
                measure = MEASURES.get(folded(q.unit or "").replace(" ", ""))
                if measure and q.kind == "number":
                    # "500m" is a length, "3.849 km²" an area; "01 tuyến đường kiểu mẫu 500m": of the thing before it
                    described += measure.split()
                    if told and re.fullmatch(r"[^\W\d]*(?:\s[^\W\d]*)?\s*", sentence[told[-1][0].quantity.end:q.start]):
                        described += told[-1][2]
                if threshold is not None:
                    described += ["nguong"] + threshold
                rate_of = None
                # ", riêng năm 2020 vận động được hơn 75 tỷ đồng": singled out of the figure before it
                singled = bool(told) and bool(SINGLED_OUT.search(sentence, told[-1][0].quantity.end, q.start))
                parent = next((t for t in reversed(told) if not t[0].parenthetical), None) \
                    if figure.parenthetical or figure.breakdown or singled else None
                if parent is not None and (predicate is None or predicate in WEAK_PREDICATES) \
                        and parent[1] not in (None, *WEAK_PREDICATES):
                    predicate = parent[1]
                if q.kind == "percent" and told and not [w for w in described if w not in RATE_LINKS] \
                        and q.start - told[-1][0].quantity.end < 120 \
                        and (not figure.parenthetical or told[-1][0].parenthetical):
                    # "245/411 xã đạt chuẩn nông thôn mới, chiếm tỷ lệ 59,6%", "trong đó có 78 quyết định công
                    # bố đúng hạn, đạt tỷ lệ 56,9%": the rate of the count before it, at its level
                    described += told[-1][2]
                    rate_of = told[-1][0] if told[-1][0].quantity.kind != "percent" else None
                elif parent is not None:
                    # a part of a total ("tiếp nhận 634 đơn (gồm: khiếu nại 571 đơn …)", "tinh giản biên
                    # chế … 1.672 người (khối hành chính 71 người …)", "108 mô hình điển hình “Dân vận
                    # khéo”, trong đó năm 2022 xây dựng được 17 mô hình"): counted as its total is, of its kind
                    if figure.parenthetical or singled or unit_class(parent[0].quantity.unit, parent[0].quantity.kind) \
                            == unit and unit not in ("count", "rate"):
                        described += parent[2]
                elif figure.parenthetical:
                    # "Tỷ lệ hồ sơ giải quyết đúng hẹn toàn tỉnh đạt chưa đạt chỉ tiêu (chỉ tiêu tối thiểu
                    # 98%, hiện đạt 97,4%)": a bracket with no figure before it annotates its clause
                    before = sentence[:sentence.rfind("(", 0, q.start)]
                    described += content_words(re.split(r"[;:]", before)[-1])
                # "(từ 230 xã, phường, thị trấn xuống còn 209)": the figure a count changed to counts what the
                # figure it changed from counts, at its level
                # ("giảm từ 67.936 người xuống còn 60.059 người": the same unit, or none)
                changed_from = told[-1][0] if told and q.kind == told[-1][0].quantity.kind \
                    and (not q.unit or folded(q.unit) == folded(told[-1][0].quantity.unit or "")) \
                    and FROM_TO.fullmatch(sentence[told[-1][0].quantity.end:q.start]) \
                    and re.search(r"\btừ\s*$", sentence[:told[-1][0].quantity.start]) else None
                if changed_from is not None:
                    described += told[-1][2]
                # "phát hiện, bắt giữ trên 3.000 vụ ma túy, gần 5.000 đối tượng", "549 điển hình tập thể và 721
                # điển hình cá nhân trong phong trào …": figures listed side by side share what is said before
                # the first and after the last
                gap = sentence[coordinated[0]:q.start] if coordinated else ""
                joined = bool(coordinated) and cell is None and (q.kind == "percent") == (coordinated[2] == "percent") \
                    and bool(COORDINATED.fullmatch(gap)) and not content_words(own_text)
                if joined:
                    described += coordinated[1]
                    links.append((id(coordinated[3]), id(figure)))
                said_of[id(figure)] = content_words(_said_after(sentence, q, tail)) if q.kind != "percent" else []
                coordinated = (q.end, coordinated[1] if joined else content_words(own_text), q.kind, figure)
                elided = _elided_part(sentence, q, tail, told) if not content_words(own_text) and cell is None else None
                if elided is not None:
                    # "21/21 sở … phân công lãnh đạo …; 10/10 Ủy ban nhân dân huyện, thành phố; 209/209 …": a part
                    # that is only a figure and its thing says what the part before it says
                    described += said_of.get(id(elided[0]), [])
                    predicate = predicate or elided[1]
                if not content_words(own_text) and cell is None and not figure.parenthetical and subject \
                        and rate_of is None and parent is None and not joined:
                    # "Chỉ số CCHC của tỉnh Nghệ An năm 2019 đạt 81,93%, xếp thứ hạng 24/63 tỉnh, …, tăng 5 bậc":
                    # a clause with no subject of its own says its figure of the sentence's subject
                    described += subject
                told.append((figure, predicate, described))
                if predicate == "meet":  # a reception count: whatever citizens came about
                    topics, words, described = [], [], []
                if topics:  # the topic is the counted thing; other words are how it is counted
                    words = [w for t in topics for w in t.split()]
                    thing = ", ".join(_accented(sentence + " " + lead, t) or TOPIC_LABELS[t] for t in topics)
                else:
                    words = list(dict.fromkeys(own_words))[-6:] if own_words else words[:4]
                    thing = _thing(own_text, q, words, tail)
                key_words, words = words, list(dict.fromkeys(words + described))
                if not words and not qualifiers and predicate in (None, *WEAK_PREDICATES) and cell is None \
                        and unit in ("count", "rate"):
                    continue  # withheld: nothing says what it counts ("100%" alone on a line), no cell to guess
                segment = sentence[sentence.rfind(";", 0, q.start) + 1:q.start]  # its part of a ";" list
                levels = _figure_levels(sentence, figure, own_text, tail, unit, segment, told, levels_of,
                                        rate_of, changed_from)
                levels_of[id(figure)] = levels
                province, district, level = _place_of(metadata, figure, levels, segment, cell)
                if cell is not None:  # a table's cell: its row, its column and the table's subject say it
                    predicate, key_words, words = cell["predicate"], cell["words"], cell["words"]
                    qualifiers, unit = [], unit_class(q.unit, q.kind)
                raw, denominator = _value_as_written(sentence, q, cell)
                if q.start < shift:
                    continue  # in the previous passage's part of the sentence
                a = _locate(text, passage, body, s_start + q.start, raw)
                exact = a is not None
                fact_of[id(figure)] = len(facts)
                facts.append({
                    "indicator": indicator_key(predicate, key_words, q.kind, qualifiers, unit),
                    "label": cell["label"] if cell else indicator_label(predicate, thing, q.kind, qualifiers, unit),
                    "predicate": predicate, "counted": " ".join(words), "words": list(dict.fromkeys(words)),
                    "qualifiers": qualifiers, "unit_class": unit, "wording": _wording(sentence, figure),
                    "value": q.number, "denominator": denominator, "unit": q.unit, "kind": q.kind, "raw": raw,
                    "scaled": q.scaled,
                    "province": province, "district": district, "level": level,
                    "period": _period(document_period, sentence, paragraph, section, figure, own_text),
                    "comparison": figure.comparison, "breakdown": figure.breakdown,
                    "doc_id": record["doc_id"], "passage_id": passage["passage_id"],
                    "paragraph": passage["paragraph"],
                    "span": [a, a + len(raw)] if exact else [passage["start"], passage["end"]], "exact": exact,
                    "sentence": sentence,
                })
            for before, after in reversed(links):  # the last one's words back to the first
                said_of[before] = said_of[before] or said_of[after]
                if before in fact_of and said_of[after]:
                    _add_words(facts[fact_of[before]], said_of[after])
            # "cấp huyện … 1121 điển hình tập thế và 3059 điển hình cá nhân; cấp tỉnh … 549 điển hình tập thể và
            # 721 điển hình cá nhân trong phong trào “Dân vận khéo”": parts that list the same things in the same
            # order say the same of them
            for before, after in _parallel_figures(sentence, [t[0] for t in told]):
                if id(before) in fact_of and said_of.get(id(after)):
                    _add_words(facts[fact_of[id(before)]], said_of[id(after)])
    return facts


def _add_words(fact: dict, words: list[str]) -> None:
    """What is said of a figure elsewhere in its sentence, added to what its fact counts."""
    shared = list(dict.fromkeys(fact["words"] + words))
    fact.update(words=shared, counted=" ".join(shared))


def _parallel_figures(sentence: str, figures: list) -> list[tuple]:
    """(figure, its counterpart in a later part) for the ";" parts of a sentence that list the same
    units in the same order (two or more figures each, brackets aside)."""
    parts: dict[int, list] = {}
    for figure in figures:
        if not figure.parenthetical:  # a bracket's figures annotate, they are no item of the part's list
            parts.setdefault(sentence.count(";", 0, figure.quantity.start), []).append(figure)
    listed = [fs for _, fs in sorted(parts.items()) if len(fs) >= 2 and all(f.quantity.unit for f in fs)]
    pairs = []
    for i, earlier in enumerate(listed):
        for later in listed[i + 1:]:
            if [folded(f.quantity.unit) for f in earlier] == [folded(f.quantity.unit) for f in later]:
                pairs += list(zip(earlier, later))
    return pairs


def _sentence_in_passage(text: str, passage: dict, paragraphs: list[tuple[int, int]], s_start: int,
                         s_end: int) -> tuple[str, int, int, str, str]:
    """(sentence, its start in the passage, how much of it stands before the passage, its
    paragraph, the sentence before it in its paragraph) of a sentence of a passage."""
    body = passage["text"]
    sentence = body[s_start:s_end]
    line_start = body.rfind("\n", 0, s_start) + 1
    line_end = body.find("\n", s_end)
    paragraph = body[line_start:line_end if line_end != -1 else len(body)]
    # a passage that starts inside a sentence ("07 phòng, Bộ phận TN&TKQ … " after "từ tháng
    # 6/2019 …, Tổ kiểm tra đã tiến hành kiểm tra công vụ trực tiếp tại 10 huyện, …;") reads its
    # first sentence whole: its verb and its years stand before the cut. The figures of the
    # part before the cut are the previous passage's.
    shift = len(_sentence_before(text, passage)) if s_start == 0 else 0
    sentence = text[passage["start"] - shift:passage["start"]] + sentence
    s_start -= shift
    at = passage["start"] + s_start
    whole = next(((a, b) for a, b in paragraphs if a <= at < b), None)
    if whole is not None and text[at:at + len(sentence)] == sentence:
        paragraph = text[whole[0]:whole[1]]  # a long paragraph split over passages: all of it
    lead = body[max(line_start, s_start - 300, 0):max(s_start, 0)]
    cut = lead.rstrip()[:-1].rfind(". ")
    lead = lead[cut + 1:] if cut >= 0 else lead  # the sentence before, not the whole paragraph
    return sentence, s_start, shift, paragraph, lead


def _what_it_counts(sentence: str, figure, own_text: str, context_key: str, predicate: str | None, lead_key: str,
                    paragraph_before: str) -> tuple:
    """(own text, own words, own topics, topics, qualifiers, threshold) of a figure: the words its own
    part of the sentence says (with a header before a colon), the topics it counts (its own, else
    the nearest part of its sentence or paragraph that names one, else the kind of bare cases named
    before), its qualifiers (its own words', its list part's head, a borrowed topic's competence; a
    rule's threshold), and what a rule gives when it stands in the rule's condition."""
    q = figure.quantity
    own_topics = topic_words(context_key)
    source_key = context_key
    own_words = content_words(own_text) + (content_words(q.unit or "") if q.kind != "percent" else [])
    header = re.search(r"([^;:()]+):\s*$", sentence[:q.start])
    if header and not content_words(own_text) and content_words(header.group(1)):
        # "Người hoạt động không chuyên trách cấp xã: 5.722 người": the header names the thing
        own_text = header.group(1) + ": "
        own_words = content_words(own_text) + own_words
        own_topics = topic_words(folded(own_text)) or own_topics
    elif header is None:
        # "… các nhiệm vụ Chính phủ, Thủ tướng Chính phủ giao: Tổng số nhiệm vụ được giao là 123": a heading
        # before a colon that names the figure's own noun says which ones it counts
        heading = re.search(r"([^;:()]+):\s[^;:()]*$", sentence[:q.start])
        if heading and set(content_words(heading.group(1))) & set(content_words(own_text)):
            own_text = heading.group(1) + ": " + own_text
    if not own_topics and predicate != "meet" and not own_words:
        # else the nearest part of its sentence before it that names one ("với 45 vụ việc khiếu
        # nại, tố cáo phải giải quyết; đến nay đã giải quyết được 38/45 vụ việc"), else the
        # sentence before it in its paragraph ("- Tổng số đơn khiếu nại thuộc thẩm quyền: 12 đơn.
        # Số vụ việc đã giải quyết: 08 vụ")
        parts = [folded(part) for part in sentence[:max(figure.clause[0], 0)].split(";")][::-1]
        source_key = next((k for k in parts if topic_words(k)), lead_key)
    topics = own_topics or topic_words(source_key)
    if not topics and predicate != "meet" and unit_class(q.unit, q.kind) == "cases":
        # "… các vụ việc KNTC công dân khiếu kiện … Tổ công tác đã chỉ đạo lập danh sách 19 vụ
        # việc": cases named bare are the cases of that kind named before them in the paragraph
        noun = re.match(r"(vu viec|vu|don thu|don)\b", folded(q.unit or ""))
        named = _cases_named(paragraph_before + " " + sentence[:q.start], noun.group(1)) if noun else None
        if named:
            topics = topic_words(named)
    # its list part's head says how all its figures were counted ("tiếp định kỳ và đột xuất:
    # 11 lượt/20 người với 11 vụ việc"); a topic borrowed from elsewhere lends only its
    # competence ("Tổng số đơn khiếu nại thuộc thẩm quyền: 12 đơn. Số vụ việc đã giải quyết:
    # 08 vụ"), not words that describe other cases ("… khiếu kiện đông người. 15 vụ việc …")
    part = sentence[sentence.rfind(";", 0, q.start) + 1:q.start]
    head = re.split(r"\d", part, maxsplit=1)[0]
    qualifiers = qualifiers_in(context_key) + qualifiers_in(folded(head)) + (
        [] if own_topics else [k for k in qualifiers_in(source_key) if k in BORROWED_QUALIFIERS])
    threshold = _rule_threshold(sentence, q)
    if threshold is not None:
        # "trường hợp dưới 95% thì tiêu chí này đạt 0 điểm": the threshold of what the rule gives
        qualifiers.append("nguong")
    qualifiers = [k for k in QUALIFIER_ORDER if k in qualifiers]
    return own_text, own_words, own_topics, topics, qualifiers, threshold


def _withheld(sentence: str, q, row, cell: dict | None, shift: int) -> bool:
    """Whether a number is no figure of the document's: a table row's number or a score's
    maximum, a list's number, a model's name, the count of the items a colon lists, what a rule
    gives."""
    if row and (cell is None or sentence[:q.start].rstrip().endswith("/")):
        return True  # a table row's number ("STT: 1") or a score's maximum ("9,49/ 9,5")
    if not q.unit and not sentence[shift:q.start].strip() \
            and re.match(r"[.)](?:\s|$)", sentence[q.end:q.end + 2]):
        return True  # a list's number ("5. Về tổng hợp, cập nhật …")
    if re.match(r"cap\b", folded(q.unit or "")) and re.search(r"\bchinh quyen(?: dia phuong)?\s*$",
                                                             folded(sentence[:q.start])):
        return True  # "mô hình chính quyền địa phương 02 cấp": the model's name, as "hai cấp" is
    listing = re.match(r"[^\d;.,()]{0,30}:\s+([^\d]{0,150})", sentence[q.end:])
    if q.kind == "number" and listing and re.search(r"[;,]", listing.group(1)) and len(listing.group(1)) >= 40:
        return True  # the count of the items it lists ("5 nhóm công việc chính: Khéo tham mưu, …; khéo …")
    if RULE.search(sentence[:q.start].rsplit(";", 1)[-1]):
        return True  # what a rule gives ("trường hợp đạt dưới 80% thì tiêu chí này đạt 0 điểm"), no figure
    return False


def _predicate_of(sentence: str, figure, own_text: str, tail: str, listed: bool) -> str | None:
    """What its sentence says was done with a figure (predicate group): its clause's verb, a strong
    one before a weak one, a rate's verb in its name or its thing, none for a purpose only, the verb
    after it when its own words have none ("15 vụ việc do Thanh tra Chính phủ chuyển về") unless it
    is listed after figures the verb before them governs (`listed`: "ban hành được 05 nghị quyết,
    04 chỉ thị, …, 39 công văn triển khai": the verb after it describes the thing)."""
    q = figure.quantity
    predicate = figure.predicate
    if predicate in WEAK_PREDICATES:
        verbs_key = folded(unquoted(figure.context)) + " " + folded(unquoted(own_text))
        strong = [g for _, _, g in predicates_in(verbs_key) if g not in WEAK_PREDICATES]
        predicate = strong[-1] if strong else predicate
    if q.kind == "percent" and (predicate is None or predicate in WEAK_PREDICATES):
        # "Tỷ lệ xử lý văn bản, hồ sơ … chỉ đạt 76,9%", "Tỷ lệ hồ sơ giải quyết đúng hẹn … (…, hiện
        # đạt 97,4%)": the verb in the rate's name says what it is a rate of
        named = RATE_NAME.findall(sentence[:q.start].rsplit(";", 1)[-1])
        strong = [g for _, _, g in predicates_in(folded(named[-1]))
                  if g not in WEAK_PREDICATES] if named else []
        predicate = strong[0] if strong else predicate
    if q.kind == "percent" and (predicate is None or predicate in WEAK_PREDICATES):
        # "100% Số thủ tục hành chính được các sở, ngành, đưa ra giải quyết tại Trung tâm": the verb
        # of the thing it is a rate of
        strong = [g for _, _, g in predicates_in(folded(unquoted(_rate_of(sentence, q))))
                  if g not in WEAK_PREDICATES]
        predicate = strong[0] if strong else predicate
    if predicate and _purpose_only(sentence[:q.start], predicate):
        # "… xác định để rà soát, giải quyết (01 vụ đông người; 03 vụ cá nhân)": cases to
        # resolve, not resolved
        predicate = None
    passive = _passive_predicate(sentence, q, tail)
    if passive and not [g for _, _, g in predicates_in(folded(own_text)) if g not in WEAK_PREDICATES] \
            and q.kind != "percent" and not listed:
        # "15 vụ việc do Thanh tra Chính phủ chuyển về", "10 huyện được kiểm tra": the verb
        # after the figure governs it, not one its clause inherited
        predicate = passive
    return predicate


def _figure_levels(sentence: str, figure, own_text: str, tail: str, unit: str, segment: str, told: list[tuple],
                   levels_of: dict, rate_of, changed_from) -> set[str]:
    """The administrative levels a figure speaks of: the level its counted thing names ("128 cơ
    quan, đơn vị cấp huyện"), of the bodies it belongs to, of the units it counts, of the agencies
    its part names, else its clause's; a rate's is its count's, a changed count's what it changed
    from, things listed alike in one part share one."""
    q = figure.quantity
    # "128 cơ quan, đơn vị cấp huyện", "251 UBND cấp xã": the level its counted thing names
    bare = re.fullmatch(r"\s*(?:cap\s+)?(tinh|huyen|xa)\s*", folded(own_text))  # "(tỉnh 1458, huyện 257, xã 110)"
    listed = ADMIN_LIST.search(folded(f"{q.unit or ''} {tail}"))  # "124 Trung tâm … xã, phường, đặc khu"
    counted_units = listed or UNIT_LEVEL.match(folded(q.unit or "") if q.kind != "percent"
                                               else folded(_rate_of(sentence, q)).strip())
    segment_key = folded(segment)
    # "các huyện, thành, thị tổ chức hòa giải 35.942 vụ": the districts' figure, unless the
    # part names the province beside them ("các sở thuộc UBND tỉnh, UBND các huyện")
    agencies = {LEVEL_KEYS[m] for m in AGENCY_LEVEL.findall(segment_key)} \
        if "tinh" not in levels_in(segment_key) else set()
    rest_of_part = re.split(r"[;.()]", sentence[q.end:q.end + 80])[0]
    owner = OWNER_LEVEL.search(folded(f"{q.unit or ''} {rest_of_part}")) if q.kind != "percent" else None
    unit_key = folded(f"{q.unit or ''} {tail}")
    if counted_units:  # "480 xã, phường, thị trấn trong toàn tỉnh": the province is their scope, not their level
        unit_key = re.sub(r"\btoan (?:tinh|huyen)\b", " ", unit_key)
    levels = ({bare.group(1)} if bare else set()) or levels_in(unit_key) or (
        {LEVEL_KEYS[owner.group(1)]} if owner else set()) or (
        {UNIT_LEVELS[counted_units.group(1)]} if counted_units else set()) or agencies or figure.levels
    if rate_of is not None and id(rate_of) in levels_of and not levels_in(folded(own_text)):
        levels = levels_of[id(rate_of)]
    if changed_from is not None and id(changed_from) in levels_of and not levels:
        levels = levels_of[id(changed_from)]
    same = next((t[0] for t in reversed(told[:-1])
                 if folded(t[0].quantity.unit or "") == folded(q.unit or "-")
                 and ";" not in sentence[t[0].quantity.end:q.start]), None)
    if same is not None and not levels and unit == "count":
        # "112 Trung tâm … cấp xã …, 98 Trung tâm …, 85 Trung tâm …": the same things listed in one
        # part of a sentence are of one level
        levels = levels_of.get(id(same), set())
    if not levels:
        # "124 Trung tâm Phục vụ hành chính công xã, phường, đặc khu; … bố trí cho Trung tâm 841 cán bộ": what
        # belongs to a thing counted before it in its sentence is at that thing's level
        own_key = folded(own_text)
        owner_before = next((t[0] for t in reversed(told[:-1]) if len((t[0].quantity.unit or "").split()) >= 2
                             and re.search(rf"\b{' '.join(folded(t[0].quantity.unit).split()[:2])}\b", own_key)), None)
        levels = levels_of.get(id(owner_before), set()) if owner_before is not None else levels
    return levels


def _place_of(metadata: dict, figure, levels: set[str], segment: str, cell: dict | None) -> tuple:
    """(province, district, level) of a figure: the document's place at the figure's level, the
    province its part of the sentence names, a table cell's province."""
    province, district, level = _place(metadata, figure.context, levels)
    named = _province_named(segment)
    if named and named != province and not district:
        # "…; Đắk Nông: 9,45/ 9,5; 99,5%", "Sở Tư pháp tỉnh Đắk Nông tự kiểm tra 23 …":
        # the figure is the province its own words name, not the document's
        province = named
    if cell is not None and cell["province"]:
        province, district, level = cell["province"], None, LEVEL_NAMES["tinh"]
    return province, district, level


def _value_as_written(sentence: str, q, cell: dict | None) -> tuple[str, float | None]:
    """(raw, denominator): a table's score is written out of its maximum ("9,49/ 9,5")."""
    raw, denominator = q.raw, q.denominator
    out_of = re.match(r"/\s?(\d+(?:,\d+)?)(?![\d/])", sentence[q.end:]) if cell and q.kind == "number" else None
    if out_of:
        raw, denominator = sentence[q.start:q.end + out_of.end()], float(out_of.group(1).replace(",", "."))
    return raw, denominator


CASES_OF = re.compile(r"\b(vu viec|vu|don thu|don)\s+((?:\w+\W+){1,6})")


def _cases_named(text: str, noun: str) -> str | None:
    """The kind of the cases a text names last with the same noun ('các vụ việc KNTC' → 'khieu nai, to
    cao …' for a bare 'vụ việc'; a bare 'vụ' of a court is another thing), if any."""
    kinds = [m.group(2) for m in CASES_OF.finditer(folded(text)) if m.group(1) == noun and topic_words(m.group(2))]
    return kinds[-1] if kinds else None


def _rule_threshold(sentence: str, q) -> list[str] | None:
    """The content words of what a rule gives ("tiêu chí này đạt 0 điểm") when the figure stands in
    the rule's condition ("trường hợp dưới 95% thì …", "nếu … đạt dưới 80% thì …"), else None."""
    condition = re.search(r"\b(?:[Tt]rường hợp|[Nn]ếu)\b[^;.()]*$", sentence[:q.start])
    then = re.match(r"[^;.()]*?\sth[iì]\s([^;.()]*)", sentence[q.end:])
    return content_words(then.group(1)) if condition and then else None


def _same_series(sentence: str, q, told: list[tuple]) -> list[str]:
    """What is said of the rate before a rate in the same part of its sentence when both are rates
    of the same thing (their things' words alike), else nothing."""
    thing = counted_words(_rate_of(sentence, q))
    for figure, _, described in reversed(told):
        if figure.quantity.kind == "percent" and thing and ";" not in sentence[figure.quantity.end:q.start] \
                and counted_words(_rate_of(sentence, figure.quantity)) == thing:
            return described
    return []


def _elided_part(sentence: str, q, tail: str, told: list[tuple]) -> tuple | None:
    """The figure told before (figure, predicate, described) when a figure's part of a ";" list holds nothing but the figure
    and its thing, and the part before it has a figure of the same kind: its verb is elided."""
    end = sentence.find(";", q.end)
    rest = sentence[q.end + len(tail):end if end != -1 else len(sentence)]
    if not told or rest.strip(" ,.…") or ";" not in sentence[told[-1][0].quantity.end:q.start] \
            or told[-1][0].quantity.kind != q.kind:
        return None
    return told[-1]


def _named_in_full(unit: str | None, units_before: list[str | None]) -> list[str]:
    """A unit that shortens one named before it in its sentence counts what the full name counts:
    "giảm 21 đơn vị xã" after "sắp xếp 40 đơn vị hành chính cấp xã" counts administrative units
    (every word of the short name among the full one's, in order; "điển hình cá nhân" is no
    short "điển hình tập thể")."""
    short = re.findall(r"[^\W\d_]+", folded(unit or ""))
    if len(short) < 2:
        return []
    for full in reversed(units_before):
        words = re.findall(r"[^\W\d_]+", folded(full or ""))
        rest = iter(words)
        if len(words) > len(short) and words[0] == short[0] and all(w in rest for w in short):
            return counted_words(" ".join(words))
    return []


def _subject(opening: str) -> list[str]:
    """The content words of a sentence's subject: its words before its first verb, when that verb
    comes before its first figure ('Chỉ số CCHC của tỉnh Nghệ An năm 2019 đạt 81,93%')."""
    key = folded(opening)
    verbs = predicates_in(key)
    return counted_words(key[:verbs[0][0]]) if verbs else []


def _sentence_before(text: str, passage: dict) -> str:
    """The start of the sentence a passage starts inside, in the document text before it ("" when
    the passage starts a sentence or the text is not the passage's)."""
    start = passage["start"]
    body = passage["text"]
    if start <= 0 or passage.get("note") or text[start:start + 40] != body[:40]:
        return ""
    window = text[max(0, start - 1500):start + 2]
    cut = len(window) - 2  # where the passage starts in the window
    ends = [m.end() for m in SENTENCE_END.finditer(window) if m.end() <= cut]
    if ends and ends[-1] == cut or window[cut - 1:cut] == "\n":
        return ""
    return window[ends[-1] if ends else 0:cut]


_ROW_START = re.compile(r"^(?:STT|TT|Số TT):\s*([^;]*);\s*(?:(?:Nội dung|Chỉ tiêu|Tiêu chí|Lĩnh vực):\s*([^;]*);)?")
_HEADER_LINE = re.compile(r"(?m)^[^\d\n]*[^\W\d]:\s[^\d\n]*$")


class _TableRow:
    """A table row as the readers write it ("STT: 1; Nội dung: Công tác chỉ đạo, điều hành; Lâm
    Đồng: 9,49/ 9,5; 99,9%; 12/63; Đắk Nông: …"), with the header row above it ("Lâm Đồng:
    Điểm số; Chỉ số; Thứ hạng; …") and the table's subject (its section heading)."""

    def __init__(self, sentence: str, name: str, items: list[tuple[int, int, str | None]], header: dict,
                 subject: str):
        self.sentence, self.name, self.items, self.header, self.subject = sentence, name, items, header, subject

    def cell(self, at: int) -> dict | None:
        group, column = None, -1
        for start, end, key in self.items:
            if key is not None:
                group, column = key, -1
            column += 1
            if start <= at < end:
                break
        else:
            return None
        if group is None or group.split(":")[0] in ("STT", "TT", "Số TT", "Nội dung", "Chỉ tiêu", "Tiêu chí",
                                                     "Lĩnh vực"):
            return None
        from indexer.gazetteer import find_provinces

        names = self.header.get(group) or next(iter(self.header.values()), [])
        heading = names[column] if column < len(names) else ""
        found = find_provinces(group)
        rank = "thu hang" in folded(heading) or "xep hang" in folded(heading)
        of = ""
        if column > 0 and self.sentence[start:end].strip().endswith("%"):
            # "Điểm số; Chỉ số" → "9,49/ 9,5; 99,9%": a rate right after a score out of its maximum is
            # that score as a share of the maximum, so it counts what the score's column counts
            before = self.sentence[self.items[[s for s, _, _ in self.items].index(start) - 1][0]:start]
            if re.search(r"\d\s*/\s*\d", before) and column - 1 < len(names):
                of = names[column - 1]
        words = list(dict.fromkeys(counted_words(heading) + counted_words(of) + counted_words(self.name)
                                   + counted_words(self.subject)))
        label = (f"{heading or 'Số liệu'}: " + " — ".join(p for p in (self.name, self.subject) if p)).strip(": ")
        return {"predicate": "rank" if rank else None, "words": words, "label": label,
                "province": found[0][0] if found else None}


def _table_row(sentence: str, text: str, at: int, section: str) -> _TableRow | None:
    """The sentence as a table row, if it is one; `at` is where it stands in the document's
    text, whose lines above it hold the table's header row."""
    m = _ROW_START.match(sentence)
    if not m:
        return None
    before = text[max(0, at - 3000):at]
    name = (m.group(2) or (m.group(1) if not re.fullmatch(r"[\dIVXivx.]+", m.group(1).strip()) else "")).strip()
    items = []
    for piece in re.finditer(r"[^;]+", sentence):
        item = piece.group()
        key = item.split(":", 1)[0].strip() if re.match(r"\s*[^\d:;]+:\s", item) else None
        items.append((piece.start(), piece.end(), key))
    header = {}
    lines = _HEADER_LINE.findall(before)
    if lines:
        key = None
        for piece in lines[-1].split(";"):
            if ":" in piece:
                key, piece = [x.strip() for x in piece.split(":", 1)]
            header.setdefault(key, []).append(piece.strip())
    # the table's subject: its section's first heading, numbering and the year aside, in sentence
    # case ("I. CHỈ SỐ CẢI CÁCH HÀNH CHÍNH (PAR INDEX) 1. Kết quả …" → "Chỉ số cải cách hành chính (PAR INDEX)")
    subject = re.split(r"\s(?:\d+|[a-zđ])[.)]\s", " " + section.strip())[0]
    subject = re.sub(r"^\s*(?:[IVX]+|\d+)[.)]\s*|\bnăm (?:19|20)\d{2}\b", " ", subject)
    return _TableRow(sentence, _sentence_case(name), items, header, _sentence_case(" ".join(subject.split()).strip(" .")))


def _sentence_case(text: str) -> str:
    """'CHỈ SỐ CẢI CÁCH HÀNH CHÍNH (PAR INDEX)' → 'Chỉ số cải cách hành chính (PAR INDEX)': upper-case
    words lowered, abbreviations in brackets kept."""
    out, depth = [], 0
    for word in text.split():
        depth += word.count("(")
        out.append(word if depth or not word.isupper() or len(word) < 2 else word.lower())
        depth -= word.count(")")
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def _footnote_passages(record: dict, passages: list[dict]) -> list[dict]:
    """A document's footnotes as passages of their own: the chunker keeps their text apart
    from the passages (a report's detail often stands there: "⁸ Trước sáp nhập: Sở Tư pháp …
    tự kiểm tra 49 Quyết định QPPL"). Each is cited by the passage that marks it (else the
    passage before it) and stands at its own place in the document text."""
    text = record.get("text") or ""
    out = []
    for note in record.get("footnotes") or []:
        if note.get("start") is None or not note.get("text"):
            continue
        start = text.find(note["text"], note["start"], note["start"] + len(note["text"]) + 8)  # after its marker
        if start == -1:
            continue
        end = start + len(note["text"])
        if any(p["start"] <= start < p["end"] for p in passages):
            continue  # already read as part of a passage
        cited = next((p for p in passages if any(f.get("marker") == note.get("marker") and f.get("start") == start
                                                  for f in p.get("footnotes") or [])), None)
        cited = cited or next((p for p in reversed(passages) if p["start"] <= start), passages[0] if passages else None)
        if cited is None:
            continue
        out.append({**cited, "text": note["text"], "start": start, "end": end, "footnotes": [], "note": True})
    return out


# where the nouns after a figure's unit stop: another clause, figure, verb or comparison
_TAIL_END = re.compile(r"[;.:()]|\s+(?:và|so với|trong đó|đạt|chiếm|là|được|đã|do|theo|tại|trên|với|của)\s|,\s*(?=\S*\d)|\d")


def _unit_tail(sentence: str, q) -> str:
    """The nouns right after a figure's unit that say what it counts: ', phường, thị trấn' after
    '209 xã', ' QPPL' after '49 Quyết định'; at most six syllables a piece, four pieces."""
    rest = sentence[q.end:q.end + 80]
    stop = _TAIL_END.search(rest)
    rest = rest[:stop.start()] if stop else rest
    pieces = rest.split(",")
    if stop and stop.group()[:1].isdigit() and len(pieces) > 1:
        pieces = pieces[:-1]  # '22 người, cấp xã 377 người': the words right before a figure are its own
    used = 0
    for i, piece in enumerate(pieces[:5]):
        if i == 0 and not piece.strip():
            continue  # '209 xã, phường': the list starts with a comma
        if not piece.split() or len(piece.split()) > 6 or predicates_in(folded(piece)):
            break
        used = i + 1
    return ",".join(pieces[:used]).rstrip() if used else ""


def _own_start(sentence: str, start: int, floor: int, pieces: bool = True) -> int:
    """Where a figure's own words start: its clause's start, but a short bracket that only
    names something ("Tốc độ tăng trưởng kinh tế (GRDP) bình quân … đạt 14,6%") does not cut
    its clause, nor does the dash of a compound ("công nghiệp - xây dựng đạt 22,7%")."""
    if start > floor and sentence[start - 1:start].isspace() and re.match(r"(?:giảm|tăng)\s", sentence[start:]) \
            and sentence[:start].rstrip()[-1:] not in (",", ";", ":", "("):
        # "nông, lâm nghiệp, thủy sản tăng 1,1%": a clause cut only before its verb keeps its subject
        start = max(floor, max(sentence.rfind(c, floor, start) for c in (";", ":", "(", "*")) + 1)
    if start > floor and re.search(r"[a-zà-ỹđ] - $", sentence[:start]) and sentence[start:start + 1].islower():
        start = max(floor, max(sentence.rfind(c, floor, start - 3) for c in (";", ":", "(", ",")) + 1)
    while start > floor and sentence[:start].rstrip().endswith(","):
        # "cung cấp dịch vụ công trực tuyến mức độ 3, mức độ 4 tỉnh Bắc Giang với 176 TTHC": a comma between
        # the same noun numbered twice lists things, it does not end the clause
        head = re.match(r"([^\W\d_]+(?: [^\W\d_]+)?) \d+\b", sentence[start:])
        before = sentence[:start].rstrip()[:-1]
        if not head or not re.search(rf"\b{re.escape(head.group(1))} \d+\s*$", before):
            break
        start = max(floor, max(before.rfind(c, floor) for c in (";", ":", "(", ",", ")")) + 1)
    while start > floor and sentence[:start].rstrip().endswith(")"):
        close = sentence[:start].rstrip().rfind(")")
        open_ = sentence.rfind("(", floor, close)
        inner = sentence[open_ + 1:close]
        if open_ == -1 or len(inner.split()) > 3 or re.search(r"\d", inner):
            break
        # back to the part's start: a comma inside it lists nouns ("KNTC và kiến nghị, phản ánh (KNPA)")
        start = max(floor, max(sentence.rfind(c, floor, open_) for c in (";", ":", ")")) + 1)
    if pieces and start > floor and sentence[:start].rstrip().endswith(","):
        # a count's, not a rate's ("cơ quan đơn vị, địa phương, đạt tỷ lệ 30%": the rate of the count before it);
        # "phát hiện, bắt giữ trên 3.000 vụ", "giải quyết đúng hạn, trước hạn 222.940 hồ sơ", "kiến nghị kiểm
        # điểm, rút kinh nghiệm đối với 1.688 cá nhân": a short piece set off by commas before the figure's
        # clause is said of it too (not the words right after the figure before it: its unit's)
        comma = len(sentence[:start].rstrip()) - 1
        cut = max([sentence.rfind(c, floor, comma) for c in (";", ":", "(", ",", ")")]
                  + [floor + m.end() - 1 for m in re.finditer(r"\svà\s", sentence[floor:comma])])
        # no separator before it: the piece opens the sentence, said of the figure when it is a noun listed with
        # the subject ("Biên chế công chức, số người làm việc … giảm từ 67.936 người"; "Sau sáp nhập, hiện nay
        # có 265 …" is a time, not a subject)
        opening = cut < floor
        allowed = not opening or (floor == 0 and not predicates_in(folded(sentence[:comma]))
                                  and not OPENING_ADVERBIAL.match(folded(sentence[:comma]).strip()))
        piece = sentence[max(cut, floor - 1) + 1:comma]
        # the pieces right after the figure before it go on that figure's unit when this figure's clause
        # starts with its verb ("24/63 tỉnh, thành trong cả nước, tăng 5 bậc"); before nouns they list
        # this one's thing ("tố cáo 63 đơn, kiến nghị phản ánh, tranh chấp đất đai 520 đơn")
        verbs = predicates_in(folded(sentence[start:start + 12]))
        its_unit = floor > 0 and not sentence[floor:cut].strip(" ,") and bool(verbs) and verbs[0][0] == 0
        if allowed and 0 < len(piece.split()) <= 5 and not re.search(r"\d", piece) and not its_unit:
            start = max(cut, floor - 1) + 1
    return start


# what opens a sentence without being its subject: a connective, a time, a place, a manner ("Ngoài ra,", "Đồng
# thời,", "Theo Kế hoạch,", "Với quyết tâm cao,", "Trong năm 2025,")
OPENING_ADVERBIAL = re.compile(r"(?:ngoai ra|dong thoi|ben canh do|tuy nhien|mat khac|nhin chung|cu the|theo|voi|qua|"
                               r"trong|tren|tai|sau|truoc|tu|den|tinh den|hien nay|do|vi|nho|de|khi|neu|nam|thang|"
                               r"ngay|giai doan|ket qua|nhu vay|vi vay|do do)\b")


def _purpose_only(before: str, predicate: str) -> bool:
    """Whether a figure in brackets annotates a clause that names its predicate only as a purpose
    ("… xác định để rà soát, giải quyết (01 vụ đông người; 03 vụ cá nhân)")."""
    if before.rfind("(") <= before.rfind(")"):
        return False  # "để thành lập 19 đơn vị": the figure right after a purpose verb is what it made
    before = before[:before.rfind("(")]  # a figure in brackets: the words before the bracket
    at = before.rfind("để ")
    if at == -1 or re.search(r"\d", before[at:]) or len(before[at:].split()) > 8:
        return False
    return any(g == predicate for _, _, g in predicates_in(folded(before[at:])))


def _passive_predicate(sentence: str, q, tail: str = "") -> str | None:
    """The verb a figure is the object of when it comes after it: 'N … do <agent> <verb>',
    'N … được <verb>' in the figure's own part of the sentence."""
    after = re.split(r"[;().:]", sentence[q.end + len(tail):q.end + len(tail) + 90])[0]  # past '…, phường, đặc khu'
    due = re.match(r"[^;.()]{0,60}?\s(?:phải|cần) (?:giải quyết|xử lý)\b", after)
    if due:  # "45 vụ việc khiếu nại, tố cáo phải giải quyết": cases due to be resolved
        return "due"
    m = re.match(r"[^,]{0,40}?\s(?:do|được|đã được)\s", after)
    if m:
        after = re.split(r"\s(?:và|để)\s", after[m.end():])[0]  # '… chuyển về và chỉ đạo thực hiện'
    else:  # '(có 04 vụ kỳ trước chuyển sang)': a verb within its first words
        after = " ".join(re.split(r"[,]", after)[0].split()[:5])
    strong = [g for _, _, g in predicates_in(folded(after)) if g not in WEAK_PREDICATES]
    return strong[-1] if strong else None


def _said_after(sentence: str, q, tail: str) -> str:
    """What the rest of a figure's clause says of it: '112 Trung tâm … đã trang bị máy tính',
    '15 vụ việc do Thanh tra Chính phủ chuyển về' (up to the clause's end, a comparison or the
    next figure)."""
    rest = sentence[q.end + len(tail):q.end + len(tail) + 100].lstrip(" ,")
    # a name in quotes is one thing: its commas do not end the clause ('“xã, phường không ma túy”')
    rest = re.sub(r"“[^”]{0,60}”", lambda m: m.group().replace(",", " "), rest)
    rest = re.split(r"[;().:]|,\s|\bso v|\s+và\s+(?=\S*\d)|\d", rest)[0]
    return " ".join(rest.split()[:24])


def _rate_of(sentence: str, q) -> str:
    """The thing a rate is of, written after it: '80% dân số ở khu vực nông thôn', '12% là đồng
    bào dân tộc ít người', 'đạt 100% đơn thư khiếu nại'; a list of nouns runs on to its verb ('100% các
    sở, cơ quan thuộc UBND tỉnh, UBND các huyện, thành phố sử dụng phần mềm quản lý văn bản')."""
    rest = re.split(r"[;.():]|\bso v|\s+và\s+(?=\S*\d)|\d", sentence[q.end:q.end + 200])[0]
    pieces = re.split(r",\s", rest)
    kept = [pieces[0]]
    while pieces[0].strip() and len(kept) < len(pieces) and not predicates_in(folded(kept[-1])) \
            and len(kept[-1].split()) <= 8:  # short nouns listed: the thing goes on
        kept.append(pieces[len(kept)])
    return re.sub(r"^\s*(?:là|của|số)\s+", " ", ", ".join(kept))


def _locate(text: str, passage: dict, body: str, at: int, raw: str) -> int | None:
    """Where a figure stands in the document text. A passage's text is the document's slice
    unless the chunker joined a paragraph broken by a page or footnote: then the figure is
    found by the words just before it (the break's white space aside: "văn bản gửi đi\n\ncấp Sở đạt 93%")."""
    a = passage["start"] + at
    if text[a:a + len(raw)] == raw:
        return a
    before = body[max(0, at - 24):at]
    window_end = passage["end"] + 200
    i = text.find(raw, passage["start"], window_end)
    while i != -1:
        if " ".join(text[max(0, i - len(before) - 8):i].split()).endswith(" ".join(before.split())):
            return i
        i = text.find(raw, i + 1, window_end)
    return None


def _province_named(segment: str) -> str | None:
    """The province named last in a figure's part of its sentence, if any."""
    from indexer.gazetteer import find_provinces

    found = find_provinces(segment)
    return max(found, key=lambda p: p[1])[0] if found else None


def _thing(context: str, q, words: list[str], tail: str = "") -> str:
    """The counted thing in the document's spelling when no topic names it: the unit with the
    nouns listed after it ('xã, phường, thị trấn'), else the content words before the figure."""
    unit = (q.unit or "").strip()
    if unit and unit != "%":
        listed = tail.strip(" ,") if tail.startswith(",") else ""
        return (unit + (", " + listed if listed else "")).lower()
    spelled = [w for w in re.findall(r"[^\W\d_]+", context) if folded(w) in words]
    return " ".join(dict.fromkeys(w.lower() for w in spelled))


UNIT_HINTS = (("luot", "visits"), ("lan", "visits"), ("nguoi", "people"), ("ho so", "files"))


def fact_matches(fact: dict, predicate: str | None, words: set[str], rate: bool | None,
                 unit: str | None = None, qualifiers: list[str] | None = None) -> bool:
    """A fact answers an indicator asked as (predicate group, content words, unit class,
    qualifiers): same predicate, every word asked among the fact's counted words, the unit
    asked ('lượt' are visits, not cases), the same qualifiers (a periodic reception by
    district chairmen is another indicator than all receptions); rates only when asked."""
    if predicate and fact["predicate"] != predicate:
        return False
    if rate is not None and (fact["kind"] == "percent") != rate:
        return False
    if unit and fact.get("unit_class", unit) != unit:
        return False
    if qualifiers is not None and sorted(fact.get("qualifiers") or []) != sorted(qualifiers):
        return False
    return words <= set(fact["counted"].split())


def parse_indicator(phrase: str) -> tuple[str | None, set[str], bool | None, str | None]:
    """'đơn khiếu nại đã giải quyết' → ('resolve', {'khieu', 'nai'}, False, None);
    'lượt tiếp công dân' → ('meet', set(), False, 'visits')."""
    key = folded(phrase)
    # a verb after "do" is a cause, after "trước"/"sau" a time ("phòng giảm do sắp xếp", "số xã trước
    # sắp xếp"): not what the indicator does
    found = [(a, b, g) for a, b, g in predicates_in(key) if g not in WEAK_PREDICATES
             and not re.search(r"\bdo\s+$", key[:a]) and not (g == "merge" and re.search(r"\b(?:truoc|sau)\s+$", key[:a]))]
    groups = [g for _, _, g in found]
    if groups and groups[-1] == "resolve" and REQUEST.search(key):
        groups[-1] = "request"
    rate = True if re.search(r"\b(ty le|ti le|phan tram|rate|percentage|share)\b", key) else None
    words = set(content_words(phrase))
    if groups and groups[-1] == "meet":
        words = set()
    if rate is None:  # counts unless a rate is asked ("tỷ lệ", "phần trăm")
        rate = False
    # a rate has no unit: "tỷ lệ hồ sơ giải quyết đúng hạn" asks a rate of files, not a count of them
    # nor is "đông người" (a qualifier) a count of people, nor "tiền … vì người nghèo" (whom it is for)
    unitless = re.sub(r"\bdong nguoi\b|\b(?:vi|cho|cua|voi|doi voi) (?:nguoi|luot|lan)\b", " ", key)  # "vì người nghèo"
    # the unit is the phrase's head ("lượt tiếp công dân", "số hồ sơ …"), its last word ("tinh giản biên chế
    # người") or what "bao nhiêu" asks; "sở, ngành tiếp nhận hồ sơ" counts agencies, not files
    unitless = " ".join(re.sub(r"^\s*(?:tong so|so|tong)\s+", "", unitless).split())
    unit = None if rate else next((name for u, name in UNIT_HINTS
                                   if re.search(rf"^{u}\b|\b{u}$|\bbao nhieu {u}\b", unitless)), None)
    return (groups[-1] if groups else None), words, rate, unit


def parse_qualifiers(phrase: str) -> list[str]:
    """The qualifiers an indicator asked in words names ('đơn khiếu nại thuộc thẩm quyền đã giải
    quyết' → ['thuoc-tham-quyen'])."""
    return qualifiers_in(folded(phrase))


def sub_period_label(sub: str | None) -> str:
    if not sub:
        return ""
    if sub in ("h1", "h2"):
        return "6 tháng đầu năm" if sub == "h1" else "6 tháng cuối năm"
    if sub.startswith("q"):
        return "quý " + {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(sub[1:], sub[1:])
    if sub.startswith("m"):
        return "tháng " + sub[1:]
    return sub


__all__ = ["document_facts", "fact_matches", "indicator_key", "indicator_label", "parse_indicator",
           "parse_qualifiers", "sub_period_label", "topic_words"]
