"""Quantities in Vietnamese administrative text: counts, percentages, ratios,
ranges, durations, money and dates.

Vietnamese writes "." between thousands and "," as the decimal mark:
"1.215" is 1215, "84,7%" is 84.7 percent, "9.209,56 tỷ đồng" is 9209.56 tỷ đồng.
The reports also cite many documents whose numbers are identifiers, not
amounts ("Kết luận số 114-KL/TW", "Nghị quyết số 12/2018/NQ-HĐND",
"Điều 12", "khoản 2"); those are masked out before anything is extracted.

Public API
----------
``parse_vn_number(token)``   one numeric token -> float | None
``find_quantities(text)``    every quantity, in order, non-overlapping
``find_dates(text)``         only the ``kind == "date"`` quantities
``parse_date(text)``         the first date in ``text`` (or None)
``counted_noun_matches(unit, target)``  accent-insensitive unit comparison
``fold_diacritics(text)``    "Đơn thư" -> "don thu"

Kinds of ``Quantity`` (the set is deliberately small):

``number``    a count or measure: "1.215 đơn thư khiếu nại", "3.849 km²"
``money``     a number whose unit ends in "đồng": "9.209,56 tỷ đồng"
``percent``   "84,4%", "71,4 %" (unit is "%")
``ratio``     "245/411 xã": number=245, denominator=411
``range``     "10-11%", "từ 19 đến 21 chức danh", "2016 - 2021"
              (number=start, end_number=end; a range of years also gets
              ``date`` as an ISO 8601 interval, "2016/2021")
``duration``  a number of time units: "05 năm", "6 tháng", "12,5 ngày",
              "01 ngày/tháng"
``date``      "26/02/2019", "ngày 14 tháng 7 năm 2015", "tháng 5/2020",
              "năm 2021"; ``number`` is None and ``date`` is ISO:
              "2019-02-26", "2020-07" (month precision), "2021" (year),
              "--03-15" (day and month without a year)

``raw`` is the exact source text of the whole expression, unit included
("1.215 đơn thư khiếu nại"), so ``text[q.start:q.end] == q.raw`` always.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass

from indexer.textnorm import search_key

__all__ = [
    "KINDS",
    "Quantity",
    "counted_noun_matches",
    "find_dates",
    "find_quantities",
    "fold_diacritics",
    "parse_date",
    "parse_vn_number",
]

KINDS = ("number", "money", "percent", "ratio", "range", "duration", "date")


@dataclass
class Quantity:
    kind: str
    number: float | None
    unit: str | None
    raw: str
    start: int
    end: int
    denominator: float | None = None
    end_number: float | None = None
    date: str | None = None
    # number (range: start) times the magnitude word that opens the unit
    # (nghìn/ngàn = 1e3, triệu = 1e6, tỷ/tỉ = 1e9, "nghìn tỷ" = 1e12);
    # None when the unit has no magnitude word.
    scaled: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown quantity kind {self.kind!r}")

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------
# Numbers


# A numeric token: digits with "." / "," between digit groups.
_NUMBER_TOKEN = r"[0-9]+(?:[.,][0-9]+)*"
_NUMBER_TOKEN_RE = re.compile(_NUMBER_TOKEN)


def _is_thousands_grouping(groups: list[str]) -> bool:
    """True for ["1", "215"], ["6", "376", "697"]: 1-3 leading digits (no
    leading zero), then groups of exactly three."""
    head, *tail = groups
    # "0.500" and "05.000" are not groupings anyone writes; read them as decimals.
    return 1 <= len(head) <= 3 and not head.startswith("0") and all(len(group) == 3 for group in tail)


def parse_vn_number(token: str) -> float | None:
    """Parse one numeric token written the Vietnamese way.

    Rules, in order:
    * "," is always the decimal mark ("84,7" -> 84.7, "1,215" -> 1.215); more
      than one comma is not a number we understand -> None.
    * "." groups thousands when every group after the first has exactly three
      digits ("1.215" -> 1215, "6.376.697" -> 6376697, "9.209,56" -> 9209.56).
    * Otherwise a single "." is a decimal point, as in English-style text
      ("2.5" -> 2.5); several dots that are not a grouping ("4.2.1", a section
      number) -> None.
    * Leading zeros are dropped: "05" -> 5.
    """
    token = token.strip()
    if not _NUMBER_TOKEN_RE.fullmatch(token):
        return None
    if token.count(",") > 1:
        return None
    integer_part, has_comma, fraction = token.partition(",")
    groups = integer_part.split(".")
    if has_comma:
        if len(groups) > 1 and not _is_thousands_grouping(groups):
            return None
        return float("".join(groups) + "." + fraction)
    if len(groups) == 1:
        return float(token)
    if _is_thousands_grouping(groups):
        return float("".join(groups))
    if len(groups) == 2:
        return float(token)
    return None


# --------------------------------------------------------------------------
# Diacritics and unit comparison


def fold_diacritics(text: str) -> str:
    """Lowercase and strip Vietnamese accents: "Đơn thư" -> "don thu" (textnorm.search_key)."""
    return search_key(text)


_MAGNITUDES = {"nghìn": 1e3, "ngàn": 1e3, "triệu": 1e6, "tỷ": 1e9, "tỉ": 1e9}
_FOLDED_MAGNITUDES = {fold_diacritics(word) for word in _MAGNITUDES}


def _unit_syllables_for_matching(unit: str) -> list[str]:
    """Folded syllables of the counted noun: the per-rate suffix ("/năm") and
    leading magnitude words ("triệu người" -> "nguoi") are dropped."""
    base = unit.split("/", 1)[0].replace("%", " phan tram ")
    syllables = fold_diacritics(base).split()
    while syllables and syllables[0] in _FOLDED_MAGNITUDES:
        syllables.pop(0)
    return syllables


def counted_noun_matches(unit: str | None, target: str) -> bool:
    """Does the extracted ``unit`` name the thing ``target`` asks about?

    Both sides are folded (no accents, lowercase, đ -> d). They match when
    they share the head noun (the first syllable: Vietnamese puts the head
    first) and the shorter one's syllables all occur in the longer one.
    So "đơn thư khiếu nại" matches "don khieu nai", "vụ" matches "vụ việc"
    and "triệu người" matches "người"; "đơn thư tố cáo" does not match
    "don khieu nai".
    """
    if not unit or not target:
        return False
    unit_syllables = _unit_syllables_for_matching(unit)
    target_syllables = _unit_syllables_for_matching(target)
    if not unit_syllables or not target_syllables:
        return False
    if unit_syllables[0] != target_syllables[0]:
        return False
    shorter, longer = sorted((unit_syllables, target_syllables), key=len)
    return set(shorter) <= set(longer)


# --------------------------------------------------------------------------
# Masking: numbers that are identifiers, references and list labels.
#
# Masked characters are replaced by NUL in a copy of the text with the same
# length, so offsets stay valid and no quantity pattern can match across them.

_MASK_CHAR = "\x00"

# One abbreviation of a document code: KL, TW, CT, TTg, QĐi, ThU, NĐ, QH13.
_CODE_ABBREVIATION = r"[A-ZĐ][A-Za-zĐđ]*[0-9]*"
# "114-KL/TW", "114 - KL/TW", "114 –KL/TW", "16/CT-TTg", "12/2018/NQ-HĐND",
# "02/2011/QH13", "209 KH/TU", "17/CT", "97-KH/BDV-BCSĐ".
_DOCUMENT_CODE_RE = re.compile(
    r"(?<![0-9A-Za-z])[0-9]+(?:/[0-9]{4})?"
    r"(?:(?P<separator>\s*[-–—/]\s*)|\s+)"
    rf"(?P<abbreviation>{_CODE_ABBREVIATION}(?:\s*[-–/]\s*{_CODE_ABBREVIATION})*)"
)

# A number after one of these words labels a part of a document or a thing
# ("Điều 12", "khoản 2", "mức độ 3", "xã loại 1", "Quốc lộ 1A",
# "Nghị quyết Trung ương 6", "giai đoạn 1") rather than counting anything.
# A following range ("giai đoạn 2016-2020") is left alone.
_REFERENCE_RE = re.compile(
    r"\b(?:điều|khoản|điểm|mục|chương|phần|phụ lục|mức độ|loại|khóa|khoá"
    r"|lần thứ|thứ|quốc lộ|tỉnh lộ|trung ương|giai đoạn)"
    r"\s+(?P<number>[0-9]+[A-Za-z]?)(?![0-9]|[.,/][0-9]|\s*[-–—]\s*[0-9])",
    re.IGNORECASE,
)

# "ngày 15 hằng tháng": a day of the month, not a count and not a full date.
_DAY_REFERENCE_RE = re.compile(
    r"\bngày\s+(?P<number>[0-9]{1,2})(?![0-9]|\s*[/.-]\s*[0-9]|\s+tháng)",
    re.IGNORECASE,
)

# "Kết luận số 114", "KẾT LUẬN SỐ 114": in this genre "số N" is a document
# number... except in "tổng số", "dân số", "chỉ số", "tỷ số", "hệ số".
_NUMBERED_RE = re.compile(r"\bsố\s+(?P<number>[0-9]+)", re.IGNORECASE)
_WORDS_BEFORE_SO_THAT_COUNT = {"tổng", "dân", "chỉ", "tỷ", "tỉ", "hệ"}

# A document type directly followed by its number, without "số":
# "Kết luận 114", "Chỉ thị 17/CT". Not "kế hoạch 5 năm", nor "kỷ luật 28 cán bộ" (discipline)
# or "pháp luật 3 vụ" (the law in general), where "luật" names no document.
_DOCUMENT_TYPE_NUMBER_RE = re.compile(
    r"\b(?:kết luận|nghị quyết|quyết định|chỉ thị|kế hoạch|công văn|thông tư"
    r"|nghị định|(?<!kỷ )(?<!kỉ )(?<!pháp )luật|thông báo|quy định|quy chế|chương trình|đề án|hướng dẫn"
    r"|tờ trình|báo cáo)\s+(?P<number>[0-9]+)"
    r"(?![0-9]|[.,][0-9]|\s*(?:năm|tháng|ngày|tuần|quý)\b)",
    re.IGNORECASE,
)

# List labels at the start of a line: "1.", "4.2.", "- 3.", "2)", "4-" (laws number items "4-").
_LIST_LABEL_RE = re.compile(
    r"^[ \t]*(?:[-–•*][ \t]*)?(?P<number>[0-9]+(?:\.[0-9]+)*\.|[0-9]+\)|[0-9]+[ \t]*[-–](?![ \t]*[0-9]))(?=[ \t])",
    re.MULTILINE,
)

# Formula tokens: "1 + thuế suất (%)", "giá × 10", "= 2": operands of an operator, not amounts.
_FORMULA_RE = re.compile(r"(?P<number>(?<![\w.,])[0-9]+(?:[.,][0-9]+)?)(?=[ \t]*[+×*÷=](?![0-9]))"
                         r"|(?<=[+×*÷=])[ \t]*(?P<operand>[0-9]+(?:[.,][0-9]+)?)(?![0-9.,]*[ \t]*%)")

# Names that contain a number: "Covid-19", "Covid -19", "Covid - 19".
_NAME_WITH_NUMBER_RE = re.compile(
    r"covid\s*[-–]?\s*(?P<number>[0-9]+)|(?<=[A-Za-z])(?P<suffix>-[0-9]+)",
    re.IGNORECASE,
)


def _looks_like_code_abbreviation(abbreviation: str, separator: str | None) -> bool:
    first = re.split(r"\s*[-–/]\s*", abbreviation, maxsplit=1)[0]
    # "KL", "TTg", "QĐi", "ThU": at least two capitals. "Ban" is a word.
    if sum(ch.isupper() for ch in first) < 2:
        return False
    # "209 KH/TU" with only a space before it must still look like a code
    # inside; "130 UBND xã" is a count of people's committees.
    return separator is not None or bool(re.search(r"[-–/]", abbreviation))


def _non_quantity_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _DOCUMENT_CODE_RE.finditer(text):
        if _looks_like_code_abbreviation(match["abbreviation"], match["separator"]):
            spans.append(match.span())
    for regex in (_REFERENCE_RE, _DAY_REFERENCE_RE, _DOCUMENT_TYPE_NUMBER_RE, _LIST_LABEL_RE):
        spans.extend(match.span("number") for match in regex.finditer(text))
    for match in _NUMBERED_RE.finditer(text):
        previous_word = re.search(r"(\w+)\s*$", text[max(0, match.start() - 12) : match.start()])
        if previous_word and previous_word.group(1).lower() in _WORDS_BEFORE_SO_THAT_COUNT:
            continue
        spans.append(match.span("number"))
    for match in _FORMULA_RE.finditer(text):
        spans.append(match.span("number") if match["number"] else match.span("operand"))
    for match in _NAME_WITH_NUMBER_RE.finditer(text):
        spans.append(match.span("number") if match["number"] else match.span("suffix"))
    return spans


def _mask_non_quantities(text: str) -> str:
    chars = list(text)
    for start, end in _non_quantity_spans(text):
        chars[start:end] = _MASK_CHAR * (end - start)
    return "".join(chars)


# --------------------------------------------------------------------------
# Units: the counted noun after a number


# A letter, excluding superscript digits (footnote markers such as "¹"),
# which Python counts as word characters.
_LETTER = r"[^\W\d_\u00b2\u00b3\u00b9\u2070-\u209f]"
_SYLLABLE_RE = re.compile(rf"(?:km|cm|mm|m)[2²](?!{_LETTER})|{_LETTER}+")
_INLINE_SPACE_RE = re.compile(r"[ \t\u00a0]+")
_MAX_UNIT_SYLLABLES = 4

_TIME_UNITS = {"năm", "tháng", "ngày", "tuần", "quý", "giờ", "phút", "giây"}
# Units that are complete in one syllable; what follows is not part of them
# ("4.213 km đường giao thông" counts km).
_MEASURE_UNITS = {"km", "m", "cm", "mm", "ha", "m2", "m²", "km2", "km²", "kg", "tấn", "lít"}
# Units that may be written glued to the number: "73,8km", "8ha", "500m".
_GLUED_UNITS = {"km", "m", "cm", "mm", "ha", "m2", "m²", "km2", "km²", "kg"}

# Function words and verbs that end a counted noun: "684 đơn thư tố cáo | của".
_STOP_WORDS = {
    "và", "của", "trong", "ngoài", "được", "đã", "đang", "sẽ", "với", "so",
    "tăng", "giảm", "đạt", "vượt", "chiếm", "là", "có", "cho", "tại", "từ",
    "đến", "tới", "để", "theo", "trên", "dưới", "hơn", "gần", "khoảng", "vào",
    "về", "ở", "bị", "do", "nay", "này", "đó", "kia", "xuống", "lên", "ra",
    "còn", "sau", "trước", "qua", "bằng", "khi", "nên", "thì", "mà", "nhưng",
    "hoặc", "hay", "cũng", "đều", "không", "chưa", "phải", "cần", "trở",
    "gồm", "như", "nhằm", "thuộc", "tương", "mỗi", "các", "những", "một",
    "hằng", "hàng", "đối", "ước", "riêng", "sang", "cùng", "lại", "vẫn",
}
# Two-syllable verbs that often follow a counted noun: "8/21 đơn vị | thực hiện".
_STOP_PHRASES = {
    "thực hiện", "xây dựng", "đăng ký", "triển khai", "hoàn thành", "tham gia",
    "phân công", "bố trí", "chuyển sang", "kỳ trước", "trực thuộc", "liên quan",
    "giải quyết", "tiếp nhận", "chỉ đạo", "ban hành",
}


@dataclass
class _Unit:
    text: str | None
    end: int
    glued_to_other_letters: bool = False


def _next_syllable(masked: str, pos: int) -> tuple[str | None, int, int]:
    """(syllable, its start, its end) after optional inline spaces at pos."""
    space = _INLINE_SPACE_RE.match(masked, pos)
    start = space.end() if space else pos
    match = _SYLLABLE_RE.match(masked, start)
    if not match:
        return None, start, start
    return match.group(), start, match.end()


def _is_followed_by_number(masked: str, pos: int) -> bool:
    return bool(re.match(r"[ \t\u00a0]*[0-9]", masked[pos : pos + 8]))


def _read_unit(masked: str, pos: int) -> _Unit:
    """Read the counted noun that starts at ``pos`` (right after a number).

    Takes up to four syllables and stops early at punctuation, a function
    word, a capitalised word after the first, a verb phrase, or a word that
    labels the next number. The returned text is the exact source span.
    """
    taken = 0
    end = pos
    while taken < _MAX_UNIT_SYLLABLES:
        word, word_start, word_end = _next_syllable(masked, end)
        if word is None:
            break
        lower = word.lower()
        if word_start == end and taken:
            break  # "m2x": letters glued to a unit end it
        if word_start == end and lower not in _GLUED_UNITS:
            # "1A", "3G": a number glued to letters is part of a name.
            return _Unit(None, pos, glued_to_other_letters=True)
        if lower in _STOP_WORDS:
            break
        if taken and word[0].isupper():
            # A capital after the first syllable starts a name or an
            # abbreviation of its own: "225.092 hồ sơ | TTHC".
            break
        following, _, _ = _next_syllable(masked, word_end)
        if following and f"{lower} {following.lower()}" in _STOP_PHRASES:
            break
        if lower not in _TIME_UNITS and _is_followed_by_number(masked, word_end):
            # "(tỉnh 1458, huyện 257": the word labels the next number.
            break
        taken += 1
        end = word_end
        if _is_complete_unit(masked[pos:end].split(), following):
            break
    if not taken:
        return _Unit(None, pos)
    # A per-unit rate: "triệu đồng/năm", "01 ngày/tháng" -- but not the paired
    # count "124 lượt/152 người", whose "/" is followed by a number.
    if masked.startswith("/", end):
        rate = _SYLLABLE_RE.match(masked, end + 1)
        if rate and rate.group()[0].islower() and rate.group() not in _STOP_WORDS:
            end = rate.end()
    return _Unit(masked[pos:end].strip(" \t\u00a0"), end)


def _is_complete_unit(syllables: list[str], following: str | None) -> bool:
    lower = [word.lower() for word in syllables]
    last = lower[-1]
    if len(lower) == 1 and (last in _MEASURE_UNITS or last in _TIME_UNITS):
        # "ngày công" (person-days) is a counted noun, not a duration.
        return not (last == "ngày" and following and following.lower() == "công")
    if last == "đồng":
        # Money: "tỷ đồng", "nghìn tỷ đồng", "đồng" -- but "đồng chí" is a person.
        magnitudes_before = all(word in _MAGNITUDES for word in lower[:-1])
        return magnitudes_before and not (following and following.lower() == "chí")
    return False


def _magnitude(unit: str | None) -> float | None:
    if not unit:
        return None
    factor = 1.0
    found = False
    for word in unit.split("/", 1)[0].lower().split():
        if word not in _MAGNITUDES:
            break
        factor *= _MAGNITUDES[word]
        found = True
    return factor if found else None


def _kind_for_unit(unit: str | None) -> str:
    if not unit:
        return "number"
    words = unit.split("/", 1)[0].lower().split()
    if len(words) == 1 and words[0] in _TIME_UNITS:
        return "duration"
    if words[-1] == "đồng" and all(word in _MAGNITUDES for word in words[:-1]):
        return "money"
    return "number"


def _scaled(number: float | None, unit: str | None) -> float | None:
    factor = _magnitude(unit)
    if number is None or factor is None:
        return None
    return number * factor


# --------------------------------------------------------------------------
# Dates


_BARE_YEARS = range(1900, 2100)  # a bare "2019" without "năm" is read as a year
_MARKED_YEARS = range(1000, 3000)  # "năm 1945", "tháng 7 năm 2020"

_DATE_NUMERIC_RE = re.compile(
    r"(?:(?i:ngày)\s+)?(?P<day>[0-9]{1,2})(?P<sep>[/.-])(?P<month>[0-9]{1,2})"
    r"(?P=sep)(?P<year>[0-9]{4})(?![0-9])"
)
# "ngày 14 tháng 7 năm 2015", and the unfilled template "ngày tháng 7 năm 2020".
_DATE_WORDS_RE = re.compile(
    r"(?i:ngày)\s+(?:(?P<day>[0-9]{1,2})\s+)?(?i:tháng)\s+(?P<month>[0-9]{1,2})"
    r"\s*(?:(?i:năm)\s+|[/,]\s*)(?P<year>[0-9]{4})(?![0-9])"
)
# "tháng 7 năm 2020", "tháng 5/2020", "Tháng 9/2019".
_DATE_MONTH_RE = re.compile(
    r"(?i:tháng)\s+(?P<month>[0-9]{1,2})\s*(?:(?i:năm)\s+|/\s*)(?P<year>[0-9]{4})(?![0-9])"
)
# "ngày 15/3": day and month, no year.
_DATE_DAY_MONTH_RE = re.compile(
    r"(?i:ngày)\s+(?P<day>[0-9]{1,2})/(?P<month>[0-9]{1,2})(?![0-9/])"
)
# "năm 2021" -- but "năm 2016-2020" is left to the range pattern.
_DATE_YEAR_RE = re.compile(
    r"(?i:năm)\s+(?P<year>[0-9]{4})(?![0-9]|[.,][0-9]|\s*[-–—]\s*[0-9])"
)


def _iso_date(year: str | None, month: str | None, day: str | None) -> str | None:
    """ISO text for the precision given, or None if the date is impossible."""
    if year is not None and int(year) not in _MARKED_YEARS:
        return None
    if month is not None and not 1 <= int(month) <= 12:
        return None
    if day is not None:
        try:
            # A leap year stands in when the year is unknown, so 29/2 passes.
            datetime.date(int(year) if year else 2000, int(month), int(day))
        except ValueError:
            return None
        if year is None:
            return f"--{int(month):02d}-{int(day):02d}"
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    if month is not None:
        return f"{int(year):04d}-{int(month):02d}"
    return f"{int(year):04d}"


def _parse_date_at(text: str, masked: str, pos: int) -> Quantity | None:
    for regex in (_DATE_NUMERIC_RE, _DATE_WORDS_RE, _DATE_MONTH_RE, _DATE_DAY_MONTH_RE, _DATE_YEAR_RE):
        match = regex.match(masked, pos)
        if not match:
            continue
        groups = match.groupdict()
        iso = _iso_date(groups.get("year"), groups.get("month"), groups.get("day"))
        if iso is None:
            continue
        return Quantity("date", None, None, text[match.start() : match.end()],
                        match.start(), match.end(), date=iso)
    return None


# --------------------------------------------------------------------------
# Ranges, ratios, percentages, plain numbers

_RANGE_FROM_TO_RE = re.compile(
    rf"(?i:từ)\s+(?P<first>{_NUMBER_TOKEN})\s+(?i:đến|tới)\s+(?P<second>{_NUMBER_TOKEN})(?![0-9])"
)
_RANGE_DASH_RE = re.compile(
    rf"(?P<first>{_NUMBER_TOKEN})[ \t\u00a0]*[-–—][ \t\u00a0]*(?P<second>{_NUMBER_TOKEN})(?![0-9/])"
)
_INTEGER_TOKEN = r"[0-9]+(?:\.[0-9]{3})*"
_RATIO_RE = re.compile(rf"(?P<first>{_INTEGER_TOKEN})/(?P<second>{_INTEGER_TOKEN})(?![0-9/])")
_PERCENT_RE = re.compile(rf"(?P<first>{_NUMBER_TOKEN})[ \t\u00a0]?%(?:/(?P<rate>{_LETTER}+))?")
_PERCENT_SIGN_RE = re.compile(rf"[ \t\u00a0]?%(?:/{_LETTER}+)?")


def _is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and int(token) in _BARE_YEARS


def _unit_after(masked: str, pos: int) -> _Unit:
    """Unit after a range or ratio: a percent sign or a counted noun."""
    percent = _PERCENT_SIGN_RE.match(masked, pos)
    if percent:
        return _Unit(percent.group().strip(), percent.end())
    return _read_unit(masked, pos)


def _parse_range_at(text: str, masked: str, pos: int) -> Quantity | None:
    for regex in (_RANGE_FROM_TO_RE, _RANGE_DASH_RE):
        match = regex.match(masked, pos)
        if not match:
            continue
        first, second = match["first"], match["second"]
        start_value, end_value = parse_vn_number(first), parse_vn_number(second)
        if start_value is None or end_value is None or start_value >= end_value:
            continue
        if _is_year(first) and _is_year(second):
            return Quantity("range", start_value, None, text[match.start() : match.end()],
                            match.start(), match.end(), end_number=end_value,
                            date=f"{first}/{second}")
        if _is_year(first):
            continue  # "2019-20": a year joined to a small number is not a range we trust
        unit = _unit_after(masked, match.end())
        if unit.glued_to_other_letters:
            continue
        return Quantity("range", start_value, unit.text, text[match.start() : unit.end],
                        match.start(), unit.end, end_number=end_value,
                        scaled=_scaled(start_value, unit.text))
    return None


def _parse_ratio_at(text: str, masked: str, pos: int) -> Quantity | None:
    match = _RATIO_RE.match(masked, pos)
    if not match:
        return None
    numerator, denominator = parse_vn_number(match["first"]), parse_vn_number(match["second"])
    if numerator is None or not denominator:
        return None
    unit = _read_unit(masked, match.end())
    if unit.glued_to_other_letters:
        return None
    return Quantity("ratio", numerator, unit.text, text[match.start() : unit.end],
                    match.start(), unit.end, denominator=denominator)


def _parse_percent_at(text: str, masked: str, pos: int) -> Quantity | None:
    match = _PERCENT_RE.match(masked, pos)
    if not match:
        return None
    value = parse_vn_number(match["first"])
    if value is None:
        return None
    unit = "%" + (f"/{match['rate']}" if match["rate"] else "")
    return Quantity("percent", value, unit, text[match.start() : match.end()],
                    match.start(), match.end())


def _parse_number_at(text: str, masked: str, pos: int) -> Quantity | None:
    match = _NUMBER_TOKEN_RE.match(masked, pos)
    if not match:
        return None
    token = match.group()
    value = parse_vn_number(token)
    if value is None:
        return None
    unit = _read_unit(masked, match.end())
    if unit.glued_to_other_letters:
        return None
    if unit.text is None and _is_year(token):
        # "năm 2018 có 101 điểm sáng và 2019 có hơn 110": a bare year.
        return Quantity("date", None, None, token, match.start(), match.end(), date=token)
    return Quantity(_kind_for_unit(unit.text), value, unit.text, text[match.start() : unit.end],
                    match.start(), unit.end, scaled=_scaled(value, unit.text))


# Numbers written in words, as laws write ages, terms and counts: "mười tám tuổi" (18),
# "hai mươi mốt tuổi" (21), "hai lần". Only a run of number words followed by a counted
# noun is a quantity ("năm" alone opens a date, never a count).
_DIGIT_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
                "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
_WORD_NUMBER_RE = re.compile(
    r"(?<!\w)(?:(?:một|hai|ba|bốn|tư|năm|lăm|sáu|bảy|tám|chín|mười|mươi|mốt|trăm|linh|lẻ|không)"
    r"(?:[ \t]+|(?=[ \t]*$)|(?![\w])))+", re.IGNORECASE)


def _words_value(words: list[str]) -> float | None:
    """'mười tám' 18, 'hai mươi mốt' 21, 'ba mươi lăm' 35, 'một trăm linh năm' 105."""
    if words[0] == "tư":
        return None  # "tư pháp", "tư vấn"
    total, current = 0, 0
    for word in words:
        if word == "trăm":
            total += (current or 1) * 100
            current = 0
        elif word == "mười":
            current += 10
        elif word == "mươi":
            current *= 10
        elif word in ("linh", "lẻ"):
            continue
        elif word in _DIGIT_WORDS:
            current += _DIGIT_WORDS[word]
        else:
            return None
    return float(total + current)


def _parse_words_at(text: str, masked: str, pos: int) -> Quantity | None:
    match = _WORD_NUMBER_RE.match(masked, pos)
    if not match:
        return None
    run = match.group()
    words = run.lower().split()
    if len(words) > 1 and words[-1] == "năm" and words[-2] not in ("linh", "lẻ"):
        # "hai mươi năm" is twenty years, "hai năm" two (twenty-five is "hai mươi lăm")
        words = words[:-1]
        run = run[:run.lower().rstrip().rfind("năm")]
    if not words or (words[0] in ("năm", "không", "linh", "lẻ", "mốt", "mươi", "lăm") and len(words) == 1) \
            or words[0] in ("mươi", "lăm", "mốt", "linh", "lẻ"):
        return None
    value = _words_value(words)
    end = pos + len(run.rstrip())
    unit = _read_unit(masked, end)
    if value is None or unit.text is None or unit.glued_to_other_letters or \
            unit.text.lower().split()[0] in ("số", "vài", "cách", "phần", "là", "mặt", "bên", "cửa", "cấp"):
        # "một số cơ quan" is "some", "một phần" is "a part", "một cửa" the one-stop office, "Tòa án nhân
        # dân hai cấp" the courts of both levels
        return None
    return Quantity(_kind_for_unit(unit.text), value, unit.text, text[pos:unit.end], pos, unit.end,
                    scaled=_scaled(value, unit.text))


# Tried in this order at each candidate position; the first that fits wins.
# Each takes the original text (for ``raw``) and its masked copy (to match
# on); both have the same length and agree wherever a match can land.
_PARSERS = (_parse_date_at, _parse_range_at, _parse_ratio_at, _parse_percent_at, _parse_number_at)

# Where a quantity may start: the first digit of a number that is not glued to
# letters or to another number ("QH13", the "215" of "1.215", the "2018" of
# "12/2018"), or a word that opens a date or a range.
_CANDIDATE_RE = re.compile(
    r"(?<![\w.,])(?<![0-9]/)[0-9]|\b(?:ngày|tháng|năm|từ)\b", re.IGNORECASE
)


def find_quantities(text: str) -> list[Quantity]:
    """All quantities in ``text``, left to right, never overlapping.

    Document codes, references ("Điều 12", "khoản 2"), list labels at the
    start of a line and names such as "Covid-19" are skipped.
    """
    masked = _mask_non_quantities(text)
    quantities: list[Quantity] = []
    next_free = 0
    for candidate in _CANDIDATE_RE.finditer(masked):
        start = candidate.start()
        if start < next_free:
            continue
        for parser in _PARSERS:
            quantity = parser(text, masked, start)
            if quantity is not None:
                quantities.append(quantity)
                next_free = quantity.end
                break
    taken = [(q.start, q.end) for q in quantities]
    for candidate in re.finditer(r"(?<!\w)(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)(?!\w)", masked, re.IGNORECASE):
        start = candidate.start()
        if any(a <= start < b for a, b in taken):
            continue
        quantity = _parse_words_at(text, masked, start)
        if quantity is not None and not any(a < quantity.end and start < b for a, b in taken):
            quantities.append(quantity)
            taken.append((quantity.start, quantity.end))
    return sorted(quantities, key=lambda q: q.start)


def find_dates(text: str) -> list[Quantity]:
    """The dates in ``text`` (kind "date"; ranges of years are not included)."""
    return [quantity for quantity in find_quantities(text) if quantity.kind == "date"]


def parse_date(text: str) -> Quantity | None:
    """The first date expression in ``text``, e.g. "ngày 15/3/2021" or
    "Bắc Giang, ngày tháng 7 năm 2020" (offsets refer to ``text``)."""
    dates = find_dates(text)
    return dates[0] if dates else None
