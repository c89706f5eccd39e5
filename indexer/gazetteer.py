"""Vietnamese administrative place names: provinces and districts.

Recognises the 63 provinces and centrally-run cities as they existed 2008-2025,
with or without diacritics and whatever the case of the *matched letters*
(``fold`` does the comparison), and finds districts by their written pattern
("huyện X", "thị xã X", "thành phố X").

Rules for ambiguous cases (document text, ``query=False``):

* Every proper-name syllable must be capitalised ("Long An", "LONG AN");
  "long an", "hòa bình" (peace), "cao bằng" (as high as) are ordinary words.
* In ALL-CAPS text, names that are also ordinary words (Hòa Bình, Thái Bình,
  Bình Định, Cao Bằng, Long An) count only right after "tỉnh" ("TỈNH HÒA BÌNH"),
  because headings such as "GIỮ GÌN HÒA BÌNH" are all caps too.
* Leftmost-longest matching: "Nghệ An Giang" yields Nghệ An, never An Giang.
* "Hà Nam Ninh" (a province dissolved in 1991) is a longer proper name and
  blocks "Hà Nam" inside it.
* A name right after a common surname or "Văn"/"Thị" is part of a person's
  name ("Nguyễn Thái Bình"), not a place.
* Thành phố Hồ Chí Minh needs its prefix ("TP. Hồ Chí Minh", "Thành phố Hồ Chí
  Minh", "TP.HCM", "TPHCM"): bare "Hồ Chí Minh" is the person, as in
  "tư tưởng, đạo đức, phong cách Hồ Chí Minh".
* "Sài Gòn", "HCM" and "Huế" are accepted only in queries (``query=True`` and
  ``canonical_province``): in documents they are brand names, a river, or the
  city of Huế (a district-level city, found as "thành phố Huế").
* Thừa Thiên Huế is written "Thừa Thiên Huế" or "Thừa Thiên - Huế"; Bà Rịa -
  Vũng Tàu with or without the dash; Đắk Lắk also as "Đắc Lắc", "Daklak";
  Hoà/Hòa, Hoá/Hóa and every other accent-placement variant fold together.

With ``query=True`` (what a user types: "nghe an", "khanh hoa") case is not
checked and the query-only aliases above are added.
"""

from __future__ import annotations

import re
import unicodedata

from indexer.textnorm import search_key

# --------------------------------------------------------------------------
# Folding
# --------------------------------------------------------------------------


def fold(text: str) -> str:
    """Accent- and case-insensitive form (textnorm.search_key), whitespace collapsed."""
    return " ".join(search_key(text).split())


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.lower())
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.replace("đ", "d")


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold *text* character by character (no whitespace collapsing) and return
    the folded string with, for each folded position, the index of the original
    character it came from (plus a final sentinel ``len(text)``).

    Regexes run on the folded string; spans map back through the offsets, so
    matching is accent-insensitive while results point into the original."""
    folded: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        for folded_ch in _fold_char(ch):
            folded.append(folded_ch)
            offsets.append(index)
    offsets.append(len(text))
    return "".join(folded), offsets


def original_span(text: str, offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Map a folded span back to ``text``; trailing combining marks of decomposed
    (NFD) input stay with their letter."""
    if end <= start:
        return offsets[start], offsets[start]
    orig_start, orig_end = offsets[start], offsets[end - 1] + 1
    while orig_end < len(text) and unicodedata.combining(text[orig_end]):
        orig_end += 1
    return orig_start, orig_end


# --------------------------------------------------------------------------
# Provinces
# --------------------------------------------------------------------------

HO_CHI_MINH_CITY = "Thành phố Hồ Chí Minh"
THUA_THIEN_HUE = "Thừa Thiên Huế"

CENTRAL_CITIES: tuple[str, ...] = ("Hà Nội", HO_CHI_MINH_CITY, "Hải Phòng", "Đà Nẵng", "Cần Thơ")

PROVINCES: tuple[str, ...] = CENTRAL_CITIES + (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh",
    "Bến Tre", "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau",
    "Cao Bằng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp",
    "Gia Lai", "Hà Giang", "Hà Nam", "Hà Tĩnh", "Hải Dương", "Hậu Giang",
    "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam",
    "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", THUA_THIEN_HUE, "Tiền Giang",
    "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)

# Spellings accepted in documents besides the canonical one (accent placement
# such as Hoà/Hòa needs no entry: folding already equates them).
_DOCUMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "Hà Nội": ("Hanoi",),
    "Bà Rịa - Vũng Tàu": ("Bà Rịa Vũng Tàu",),
    THUA_THIEN_HUE: ("Thừa Thiên - Huế",),
    "Đắk Lắk": ("Đắc Lắc", "Đắk Lắc", "Đắc Lắk", "Daklak", "Đaklak"),
    "Đắk Nông": ("Đắc Nông", "Daknong"),
    "Bắc Kạn": ("Bắc Cạn",),
    "Kon Tum": ("Kontum",),
}

# Accepted only from users (query=True, canonical_province): ambiguous in prose.
_QUERY_ALIASES: dict[str, tuple[str, ...]] = {
    HO_CHI_MINH_CITY: ("Sài Gòn", "Saigon", "HCM", "HCMC"),
    THUA_THIEN_HUE: ("Huế",),
    "Bà Rịa - Vũng Tàu": ("BRVT", "Vũng Tàu"),
}

# Proper names that contain a province name but are something else.
_BLOCKING_NAMES: tuple[str, ...] = ("Hà Nam Ninh",)

# Also ordinary words: in all-caps text they need a preceding "tỉnh".
_ORDINARY_WORD_PROVINCES = frozenset({"Hòa Bình", "Thái Bình", "Bình Định", "Cao Bằng", "Long An"})

# Vietnamese family names (the commonest, as printed): a person's name opens with one; OCR
# that reads a signer's "Trần" as "Trân" is put right by it (indexer/readers/ocr.py).
SURNAMES: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương", "Lý", "Đinh", "Đoàn", "Trịnh", "Trương", "Lương", "Lâm", "Mai", "Cao", "Tạ", "Hà",
    "Chu", "Châu", "Quách", "Tô", "Thái", "Lưu", "Phùng", "Kiều", "Triệu", "Đào", "Tăng", "Lại",
    "Vương", "La", "Thân", "Mạc", "Từ", "Tôn", "Nghiêm", "Hứa", "Lục", "Đàm", "Giang", "Kim", "Âu",
    "Diệp", "Doãn", "Hầu", "Khổng", "Đồng", "Nông", "Ông", "Phí", "Tống", "Văn", "Viên", "Ninh",
)

# A capitalised word of these right before a match makes it a person's name.
_PERSON_NAME_LEADS = frozenset(fold(word) for word in (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Đoàn", "Trịnh", "Trương",
    "Lương", "Văn", "Thị",
))

_SPACE = r"(?:[^\S\n]*[-–—‐][^\S\n]*|[^\S\n]+|[^\S\n]*\n[^\S\n]*)"  # one line break at most
_BOUNDARY_BEFORE = r"(?<!\w)"
_BOUNDARY_AFTER = r"(?!\w)"
# "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TP.HCM", "Tp HCM", "TPHCM".
_HCM_PATTERN = (
    rf"(?:(?:thanh{_SPACE}pho|tp)[^\S\n]*\.?[^\S\n]*(?:ho{_SPACE}chi{_SPACE}minh|hcm)|tphcm)"
)
_CITY_PREFIX_WORDS = frozenset({"thanh", "pho", "tp", "tphcm"})


def _lookup_key(name: str) -> str:
    """Key for dictionary lookups: folded, dashes and dots treated as spaces."""
    return " ".join(re.split(r"[\s\-–—‐.]+", fold(name))).strip()


def _name_pattern(name: str) -> str:
    syllables = re.split(r"[\s\-–—‐]+", fold(name))
    return _SPACE.join(re.escape(s) for s in syllables if s)


def _build_alias_table(include_query_aliases: bool) -> dict[str, str | None]:
    table: dict[str, str | None] = {}
    for province in PROVINCES:
        table[_lookup_key(province)] = province
        for alias in _DOCUMENT_ALIASES.get(province, ()):
            table[_lookup_key(alias)] = province
        if include_query_aliases:
            for alias in _QUERY_ALIASES.get(province, ()):
                table[_lookup_key(alias)] = province
    for blocker in _BLOCKING_NAMES:
        table[_lookup_key(blocker)] = None
    return table


_DOCUMENT_ALIAS_TABLE = _build_alias_table(include_query_aliases=False)
_QUERY_ALIAS_TABLE = _build_alias_table(include_query_aliases=True)


def _build_province_regex(alias_table: dict[str, str | None]) -> re.Pattern[str]:
    names = [key for key in alias_table if alias_table[key] != HO_CHI_MINH_CITY]
    # Longest first so that alternation picks "ha nam ninh" over "ha nam".
    names.sort(key=len, reverse=True)
    alternatives = [_HCM_PATTERN] + [_name_pattern(name) for name in names]
    if "hcm" in alias_table:  # query-only bare abbreviations of HCMC
        alternatives += [_name_pattern(k) for k in alias_table
                         if alias_table[k] == HO_CHI_MINH_CITY and k not in ("thanh pho ho chi minh",)]
    return re.compile(_BOUNDARY_BEFORE + "(?:" + "|".join(alternatives) + ")" + _BOUNDARY_AFTER)


_DOCUMENT_PROVINCE_RE = _build_province_regex(_DOCUMENT_ALIAS_TABLE)
_QUERY_PROVINCE_RE = _build_province_regex(_QUERY_ALIAS_TABLE)


def _resolve_alias(matched_folded: str, alias_table: dict[str, str | None]) -> str | None:
    key = _lookup_key(matched_folded)
    if key in alias_table:
        return alias_table[key]
    if re.fullmatch(_HCM_PATTERN, matched_folded.replace("\n", " ")) or key.replace(" ", "") == "tphcm":
        return HO_CHI_MINH_CITY
    return None


def _letter_words(span: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", span)


def _previous_word(text: str, start: int) -> str:
    """The word just before *start* on the same line ('' if none)."""
    match = re.search(r"([^\W\d_]+)[^\S\n]+$", text[max(0, start - 40):start])
    return match.group(1) if match else ""


def _accept_document_match(text: str, start: int, end: int, province: str) -> bool:
    words = _letter_words(text[start:end])
    if province == HO_CHI_MINH_CITY:
        # "thành phố"/"tp" may be lowercase; the name itself must be capitalised.
        words = [w for w in words if fold(w) not in _CITY_PREFIX_WORDS] or words
    if not all(w[0].isupper() for w in words):
        return False
    previous = _previous_word(text, start)
    if previous and previous[0].isupper() and fold(previous) in _PERSON_NAME_LEADS:
        return False
    all_caps = all(w.isupper() for w in words)
    if all_caps and province in _ORDINARY_WORD_PROVINCES and fold(previous) != "tinh":
        return False
    return True


def find_provinces(text: str, query: bool = False) -> list[tuple[str, int, int]]:
    """Province mentions in *text* as ``(canonical_name, start, end)`` character
    offsets into *text*. ``query=True`` drops the capitalisation rules and adds
    the query-only aliases (see module docstring)."""
    folded, offsets = fold_with_offsets(text)
    regex = _QUERY_PROVINCE_RE if query else _DOCUMENT_PROVINCE_RE
    table = _QUERY_ALIAS_TABLE if query else _DOCUMENT_ALIAS_TABLE
    found: list[tuple[str, int, int]] = []
    for match in regex.finditer(folded):
        province = _resolve_alias(match.group(0), table)
        if province is None:  # a blocking name such as "Hà Nam Ninh"
            continue
        start, end = original_span(text, offsets, match.start(), match.end())
        if query or _accept_document_match(text, start, end, province):
            found.append((province, start, end))
    return found


_ADMINISTRATIVE_PREFIX = re.compile(r"^(?:tinh|thanh pho|tp\.?|thi xa|huyen)\s+")


def canonical_province(name: str) -> str | None:
    """Canonical province for a name typed any way: "nghe an", "NGHỆ AN",
    "tỉnh Nghệ An", "Khánh Hoà", "TP.HCM", "Sài Gòn", "Huế", "hồ chí minh"."""
    key = _lookup_key(name)
    if key in ("ho chi minh", "thanh pho ho chi minh") or key.replace(" ", "") in ("tphcm", "tp hcm"):
        return HO_CHI_MINH_CITY
    if key in _QUERY_ALIAS_TABLE:
        return _QUERY_ALIAS_TABLE[key]
    without_prefix = _ADMINISTRATIVE_PREFIX.sub("", key)
    if without_prefix != key:
        return canonical_province(without_prefix)
    return None


# --------------------------------------------------------------------------
# Districts
# --------------------------------------------------------------------------

DISTRICT_TYPES: tuple[str, ...] = ("huyện", "thị xã", "thành phố")

# Districts (and district-level cities) whose province is certain and that
# matter for this corpus. Names shared by districts in different provinces are
# deliberately absent: Kỳ Sơn (Nghệ An; Hòa Bình until 2019), Sơn Tây (Hà Nội;
# Quảng Ngãi), Hoàng Mai (Nghệ An; a quận of Hà Nội), Châu Thành, Phú Tân, ...
_DISTRICTS_BY_PROVINCE: dict[str, tuple[str, ...]] = {
    "Nghệ An": (
        "Vinh", "Thái Hòa", "Cửa Lò", "Quỳ Hợp", "Nghi Lộc", "Tân Kỳ", "Quế Phong",
        "Nam Đàn", "Yên Thành", "Anh Sơn", "Diễn Châu", "Đô Lương", "Quỳnh Lưu",
        "Con Cuông", "Tương Dương", "Thanh Chương", "Hưng Nguyên", "Nghĩa Đàn", "Quỳ Châu",
    ),
    "Bắc Giang": (
        "Sơn Động", "Lục Ngạn", "Lục Nam", "Yên Thế", "Tân Yên", "Lạng Giang",
        "Hiệp Hòa", "Việt Yên", "Yên Dũng",
    ),
    "Quảng Ngãi": (
        "Bình Sơn", "Sơn Tịnh", "Tư Nghĩa", "Nghĩa Hành", "Mộ Đức", "Ba Tơ",
        "Minh Long", "Sơn Hà", "Trà Bồng", "Lý Sơn",
    ),
    "Quảng Ninh": ("Hạ Long", "Móng Cái", "Uông Bí", "Cẩm Phả"),
    "Quảng Nam": ("Tam Kỳ", "Hội An"),
    "Lâm Đồng": ("Đà Lạt", "Bảo Lộc"),
    "Khánh Hòa": ("Nha Trang", "Cam Ranh"),
    "An Giang": ("Long Xuyên", "Châu Đốc"),
    "Kiên Giang": ("Rạch Giá", "Hà Tiên", "Phú Quốc"),
    "Đồng Tháp": ("Cao Lãnh", "Sa Đéc"),
    "Đắk Lắk": ("Buôn Ma Thuột",),
    "Gia Lai": ("Pleiku",),
    "Bình Định": ("Quy Nhơn",),
    "Phú Thọ": ("Việt Trì",),
    "Hà Nam": ("Phủ Lý",),
    "Vĩnh Phúc": ("Vĩnh Yên",),
    "Quảng Bình": ("Đồng Hới",),
    "Quảng Trị": ("Đông Hà",),
    THUA_THIEN_HUE: ("Huế",),
    "Phú Yên": ("Tuy Hòa",),
    "Bình Thuận": ("Phan Thiết",),
    "Đồng Nai": ("Biên Hòa",),
    "Bình Dương": ("Thủ Dầu Một",),
    "Bà Rịa - Vũng Tàu": ("Vũng Tàu",),
    "Tiền Giang": ("Mỹ Tho",),
    "Hậu Giang": ("Vị Thanh",),
    "Điện Biên": ("Điện Biên Phủ",),
    "Bình Phước": ("Đồng Xoài",),
    "Đắk Nông": ("Gia Nghĩa",),
    "Thanh Hóa": ("Sầm Sơn",),
}

_DISTRICT_INDEX: dict[str, tuple[str, str]] = {
    _lookup_key(district): (district, province)
    for province, districts in _DISTRICTS_BY_PROVINCE.items()
    for district in districts
}

# Run on folded text; the original spelling of the prefix is checked afterwards
# so that "Huyền" (a given name, folds to "huyen") is not taken for "huyện".
_DISTRICT_PREFIX_RE = re.compile(r"(?<!\w)(huyen|thi[^\S\n]+xa|thanh[^\S\n]+pho|tp\.?)(?=[^\S\n])")
_DISTRICT_PREFIX_SPELLINGS = {
    "huyện": "huyện", "huyen": "huyện", "thị xã": "thị xã", "thi xa": "thị xã",
    "thành phố": "thành phố", "thanh pho": "thành phố", "tp": "thành phố", "tp.": "thành phố",
}
_NAME_TOKEN_RE = re.compile(r"[^\S\n]+([^\W\d_]+)")
_MAX_DISTRICT_SYLLABLES = 3


def _district_type(original_prefix: str) -> str | None:
    """District type for a prefix as written, None for odd casing ("hUyện")
    or a different word with the same letters ("Huyền")."""
    if not (original_prefix[0].isupper() or original_prefix.islower()):
        return None
    spelling = " ".join(unicodedata.normalize("NFC", original_prefix).lower().split())
    return _DISTRICT_PREFIX_SPELLINGS.get(spelling)


def _capitalised_tokens(text: str, folded: str, offsets: list[int], position: int) -> tuple[list[str], list[int]]:
    """Up to three capitalised words following folded *position* on the same
    line, stopping at punctuation or a lowercase word: (words as written in
    NFC, original end offsets)."""
    words: list[str] = []
    ends: list[int] = []
    while len(words) < _MAX_DISTRICT_SYLLABLES:
        match = _NAME_TOKEN_RE.match(folded, position)
        if not match:
            break
        start, end = original_span(text, offsets, match.start(1), match.end(1))
        word = unicodedata.normalize("NFC", text[start:end])
        if not word[0].isupper():
            break
        words.append(word)
        ends.append(end)
        position = match.end()
    return words, ends


def _canonical_district(words: list[str], district_type: str) -> tuple[str, int] | None:
    """(canonical name, number of words used), or None when it is a province."""
    for size in range(len(words), 0, -1):
        candidate = " ".join(words[:size])
        key = _lookup_key(candidate)
        if key in _DISTRICT_INDEX:
            return _DISTRICT_INDEX[key][0], size
        province = _DOCUMENT_ALIAS_TABLE.get(key)
        if province in CENTRAL_CITIES:
            return None  # "thành phố Hải Phòng" is the province itself
        if province and district_type != "huyện":
            return province, size  # "thành phố Bắc Giang" is a district of Bắc Giang
    if _lookup_key(" ".join(words[:3])) == "ho chi minh":
        return None
    name = " ".join(words)
    if name.isupper():
        name = name.title()
    return name, len(words)


def find_districts(text: str) -> list[tuple[str, str, int, int]]:
    """District mentions ``(district_type, canonical_name, start, end)`` found by
    the patterns "huyện X", "thị xã X", "thành phố X"/"TP. X" where X is one to
    three capitalised syllables. Centrally-run cities are provinces, not
    districts, and are skipped. Canonical spelling comes from the curated map
    when the district is known there, otherwise the name as written (NFC)."""
    folded, offsets = fold_with_offsets(text)
    found: list[tuple[str, str, int, int]] = []
    for prefix in _DISTRICT_PREFIX_RE.finditer(folded):
        prefix_start, prefix_end = original_span(text, offsets, prefix.start(1), prefix.end(1))
        district_type = _district_type(text[prefix_start:prefix_end])
        if district_type is None:
            continue
        words, ends = _capitalised_tokens(text, folded, offsets, prefix.end())
        if not words:
            continue
        resolved = _canonical_district(words, district_type)
        if resolved is None:
            continue
        name, used = resolved
        found.append((district_type, name, prefix_start, ends[used - 1]))
    return found


def province_of_district(name: str) -> str | None:
    """Province of a district from the curated map ("Bình Sơn" → "Quảng Ngãi",
    "huyện Quỳ Hợp" → "Nghệ An"). A district-level city named after its
    province ("thành phố Bắc Giang") belongs to that province. Unknown or
    ambiguous names give None."""
    key = _ADMINISTRATIVE_PREFIX.sub("", _lookup_key(name))
    if key in _DISTRICT_INDEX:
        return _DISTRICT_INDEX[key][1]
    province = _DOCUMENT_ALIAS_TABLE.get(key)
    if province and province not in CENTRAL_CITIES:
        return province
    return None
