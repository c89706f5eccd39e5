"""Structured metadata of a policy document (report, conclusion, directive, news article).

``extract_metadata(doc_id, title, text)`` returns exactly the keys in ``FIELDS``.
The governing rule: a field the text does not state is ``None`` — never a guess.

What is read, and from where
----------------------------
* Web-page chrome is dropped first: a first line starting with "Banner" and
  everything from a related-links heading ("Tin cùng chuyên mục", "Tin liên
  quan", "Các tin khác", "Bài viết liên quan") on, since those lists name other
  provinces, districts and directives.
* ``doc_type``: the formal heading line ("BÁO CÁO", "KẾ HOẠCH", "LUẬT", ...) among the
  first lines; else, for a text that is not a web page, a title starting with a
  type word ("Kế hoạch số ..."); else "tin bài". A web article that reports a
  programme's results (the Nghệ An "5 năm thực hiện Kết luận 114" piece) is
  still a "tin bài": it has a byline, no number, no heading, no addressee —
  its form is an article, whatever its subject.
* ``number``: what follows "Số:" in the header, as written ("/BC-SNV").
* ``date``: the header's "<Place>, ngày … tháng … năm …" line, as precise as it
  is filled in ("ngày   tháng 7 năm 2020" → "2020-07"). A news article has no
  such line; its date is the event date only when the lead opens with it
  ("Sáng ngày 26/02/2019, …" → "2019-02-26"), the news convention for a report
  of that event. Dates elsewhere (of cited directives, of other events) are
  never taken.
* ``period``: from the headline (subject line or title) only, in this order:
  an explicit range ("giai đoạn 2016-2020"); "N năm thực hiện <directive>"
  → from the directive's year (in the headline, else its date cited in the
  text) to that year + N, or, when the directive's year is not written, from
  the document's own year − N to that year; a review word (kết quả, tổng kết,
  sơ kết, báo cáo) followed by one year → that year to that year, ignoring the
  "nhiệm vụ … năm 2022" clause about next year's tasks.
* ``issuer``: the lowest unit of the header's issuing body (``indexer.header_block``:
  "UBND TỈNH LÂM ĐỒNG / SỞ NỘI VỤ" → "Sở Nội vụ"); else the closing formula
  "…, <issuer> (trân trọng|kính) báo cáo";
  for an article, the organisation in the author's position line
  ("Phó trưởng ban TT Ban Dân vận Tỉnh ủy" → "Ban Dân vận Tỉnh ủy").
* ``signer``: a person's name as the last line, after a signing capacity
  (KT. GIÁM ĐỐC …) or followed only by the author's position line.
* ``district``: the issuer's district ("UBND huyện Bình Sơn"), else one in
  the formal header above the heading ("UBND HUYỆN NGHI LỘC"), else one named
  in the headline ("… ở huyện Nghi Lộc"), else a headline that opens with a
  name the body also writes with its district prefix ("Thái Hòa thực hiện …"
  + "thị xã Thái Hòa"). Districts merely mentioned in the body are not the
  document's district.
* ``province``: the place of the date line; else the province named most often
  in headline and body (a tie is None); else the curated district → province
  map. A document that never names a province gets None.
* ``references``: see ``find_references``.

References
----------
An id is the citation as written, normalised: spacing, dash variants and "số"
removed ("Kết luận số 114 - KL/TW", "Kết luận 114 –KL/TW" → "114-KL/TW";
"Kế hoạch 209 KH/TU" → "209-KH/TU"), codes in their usual spelling (QĐ, QĐi,
CTr, TTg, HĐND, BCSĐ), leading zeros kept ("07-QC/TU"). Party style
("13-CT/UBND", number-TYPE/ISSUER) and state style ("13/CT-UBND",
number/TYPE-ISSUER) written in one text for the same type, number, issuer code
and year, with no two different dates, are one directive (the Nghệ An report
writes Chỉ thị 13 of its UBND both ways, with the same date): one id, the
spelling written most often (ties: the first), and the reference lists every
spelling in ``spellings``, which the directive page and the `references` filter
accept, so either stays findable whichever one a user types.

Incomplete citations are resolved inside the same text only: a bare "Kết luận
số 114" / "KL 114", a code with no issuer ("Chỉ thị 17/CT") or a truncated
one-letter issuer ("114-KL/W") becomes the one full citation with the same
number and type in that text; with none (or several) the bare form is dropped
and the incomplete code kept as written. ``normalize_reference`` alone (a user
query, no document) additionally knows the cornerstone directives of this
corpus (``WELL_KNOWN_DIRECTIVES``): "KL 114" → "114-KL/TW".

Type comes from the code (KL → kết luận, CT → chỉ thị, …); the code QĐ serves
both quyết định and Party quy định, so there the preceding word decides.
Each reference also carries ``issuer`` ("của Thủ tướng Chính phủ" → "Thủ
tướng Chính phủ") and ``date`` ("ngày 14/7/2015" → "2015-07-14") when written
right after it.

Sidecar overrides
-----------------
``load_sidecar(corpus_root)`` reads ``corpus_root/metadata.jsonl`` (one
``{"doc_id": ..., field: value}`` per line) and ``<name>.meta.json`` beside a
document ``<name>.<ext>``; the per-file sidecar wins over the jsonl line.
``apply_overrides`` replaces extracted fields one by one (an explicit null
clears a field); unknown keys raise ``SidecarError`` naming file and key.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.gazetteer import (
    DISTRICT_TYPES,
    canonical_province,
    find_districts,
    find_provinces,
    fold,
    fold_with_offsets,
    original_span,
    province_of_district,
)

FIELDS: tuple[str, ...] = (
    "province", "district", "district_type", "issuer", "doc_type",
    "number", "date", "period", "signer", "references", "subject", "signer_title",
)
DOC_TYPES: tuple[str, ...] = (
    "báo cáo", "kết luận", "chỉ thị", "nghị quyết", "kế hoạch", "quyết định", "quy chế", "luật", "bộ luật",
    "thông báo", "tờ trình", "công văn", "tham luận", "tin bài",
)
# `spellings`: every way the text writes the id ("13/CT-UBND", "13-CT/UBND"), the id's own first
REFERENCE_KEYS: tuple[str, ...] = ("id", "type", "number", "issuer_code", "issuer", "date", "raw", "count",
                                   "spellings")

# ----------------------------------------------------------------------------
# Web chrome and document header
# ----------------------------------------------------------------------------

_RELATED_LINKS_HEADINGS = frozenset({
    "tin cung chuyen muc", "tin lien quan", "cac tin khac", "tin khac", "bai viet lien quan",
})
_HEADING_TYPES = {fold(t): t for t in DOC_TYPES if t != "tin bài"}
_HEADER_LINES = 15  # formal headers (motto, number, place-date, heading) fit in these


@dataclass
class StrippedText:
    text: str          # the document without banner line and related-links tail
    is_web_page: bool  # a banner or a related-links tail was found


def strip_web_chrome(text: str) -> StrippedText:
    """Drop the "Banner …" first line and the related-links tail."""
    lines = text.splitlines()
    is_web_page = False
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and fold(lines[first]).startswith("banner"):
        lines = lines[first + 1:]
        is_web_page = True
    for index, line in enumerate(lines):
        if fold(line).rstrip(" :") in _RELATED_LINKS_HEADINGS:
            lines = lines[:index]
            is_web_page = True
            break
    return StrippedText("\n".join(lines), is_web_page)


def _clean_line(line: str) -> str:
    return line.replace("*", "").strip()


def _nonempty_lines(text: str) -> list[str]:
    return [_clean_line(line) for line in text.splitlines() if _clean_line(line)]


@dataclass
class _Header:
    heading_type: str | None   # from "BÁO CÁO" etc.
    headline: str              # subject line of a formal document, else the first line
    agency_lines: str          # lines above the heading ("UBND HUYỆN BÌNH SƠN", "Số: …")


def _iso_date(year: str | int, month: str | int | None = None, day: str | int | None = None) -> str:
    if not month:
        return f"{int(year):04d}"
    if not day:
        return f"{int(year):04d}-{int(month):02d}"
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _read_header(body: str) -> _Header:
    """The heading type and headline; the number, place and date are the header block's
    (indexer/header_block.py reads them, once for every format)."""
    lines = _nonempty_lines(body)
    head = lines[:_HEADER_LINES]
    heading_index = next((i for i, line in enumerate(head) if fold(line) in _HEADING_TYPES), None)
    heading_type = _HEADING_TYPES[fold(head[heading_index])] if heading_index is not None else None
    if heading_index is not None and heading_index + 1 < len(lines):
        headline = lines[heading_index + 1]
    else:
        headline = lines[0] if lines else ""
    header_zone = head[:heading_index] if heading_index is not None else head
    agency_lines = "\n".join(header_zone) if heading_index is not None else ""
    return _Header(heading_type, headline, agency_lines)


# ----------------------------------------------------------------------------
# References
# ----------------------------------------------------------------------------

# Folded type code -> (spelling in ids, document type).
_TYPE_CODES: dict[str, tuple[str, str]] = {
    "kl": ("KL", "kết luận"), "ct": ("CT", "chỉ thị"), "nq": ("NQ", "nghị quyết"),
    "kh": ("KH", "kế hoạch"), "qd": ("QĐ", "quyết định"), "qdi": ("QĐi", "quy định"),
    "qc": ("QC", "quy chế"), "cv": ("CV", "công văn"), "nd": ("NĐ", "nghị định"),
    "tt": ("TT", "thông tư"), "tb": ("TB", "thông báo"), "ctr": ("CTr", "chương trình"),
    "hd": ("HD", "hướng dẫn"), "bc": ("BC", "báo cáo"), "da": ("ĐA", "đề án"),
}
# Folded words (and abbreviations) naming a document type before its number.
_TYPE_WORDS: dict[str, str] = {
    "ket luan": "kết luận", "chi thi": "chỉ thị", "nghi quyet": "nghị quyết",
    "ke hoach": "kế hoạch", "quyet dinh": "quyết định", "quy dinh": "quy định",
    "quy che": "quy chế", "cong van": "công văn", "nghi dinh": "nghị định",
    "thong tu": "thông tư", "thong bao": "thông báo", "chuong trinh phoi hop": "chương trình",
    "chuong trinh": "chương trình", "huong dan": "hướng dẫn", "luat": "luật", "de an": "đề án",
    "bao cao": "báo cáo",
    "kl": "kết luận", "ct": "chỉ thị", "nq": "nghị quyết", "kh": "kế hoạch", "qd": "quyết định",
}
# Issuer codes whose usual spelling is not simply upper case, or has Đ.
_ISSUER_CODE_SPELLINGS: dict[str, str] = {
    "ttg": "TTg", "thu": "ThU", "hdnd": "HĐND", "bcsd": "BCSĐ", "du": "ĐU", "bcd": "BCĐ",
}
# Organisation abbreviations sometimes written after a space inside an issuer
# code: "97-KH/BDV-BCSĐ UBND" (Ban cán sự đảng UBND).
_SPACED_ISSUER_PARTS = ("ubnd", "hdnd", "mttq")

# For user queries only (normalize_reference): the directives this corpus is
# about, so that shorthand such as "KL 114" finds them.
WELL_KNOWN_DIRECTIVES: dict[tuple[str, int], str] = {
    ("kết luận", 114): "114-KL/TW",
    ("nghị quyết", 25): "25-NQ/TW",
    ("quyết định", 290): "290-QĐ/TW",
}

_WS = r"[^\S\n]*"
_DASH = r"[-–—‐]"
_CODE_SEGMENT = r"[a-z][a-z0-9]*"
_TYPE_CODE = "(?P<tcode>" + "|".join(sorted(_TYPE_CODES, key=len, reverse=True)) + r")(?![a-z0-9])"
_ISSUER = rf"(?P<iss>{_CODE_SEGMENT}(?:-{_CODE_SEGMENT})*)(?![a-z0-9])"

_CANDIDATE_RE = re.compile(
    r"(?:(?<![a-z])(?P<word>" + "|".join(sorted(_TYPE_WORDS, key=len, reverse=True)) + r")"
    + rf"{_WS}(?:so{_WS}:?{_WS}|:{_WS})?)?"
    + r"(?<![\w/.,-])(?P<num>\d{1,5})(?![\d])"
)
# "114-KL/TW", "114 - KL/TW", "114 –KL/TW", "209 KH/TU"
_PARTY_CODE_RE = re.compile(rf"(?:{_WS}{_DASH}{_WS}|[^\S\n]+){_TYPE_CODE}{_WS}/{_WS}{_ISSUER}")
# "16/CT-TTg", "12/2018/NQ-HĐND", "25/NQ-TW", "17/CT"
_STATE_CODE_RE = re.compile(
    rf"(?:/(?P<year>(?:19|20)\d{{2}}))?{_WS}/{_WS}{_TYPE_CODE}(?:{_WS}{_DASH}{_WS}{_ISSUER})?(?![a-z0-9])"
)
# "2891/UBND-TCD" (công văn), "77/2015/QH13" (luật): no type code, word required
_OTHER_CODE_RE = re.compile(rf"(?:/(?P<year>(?:19|20)\d{{2}}))?/{_ISSUER}")
_SPACED_ISSUER_RE = re.compile(
    r"[^\S\n]+(?:" + "|".join(_SPACED_ISSUER_PARTS) + rf")(?:-{_CODE_SEGMENT})*(?![a-z0-9])"
)
_DATE_AFTER_RE = re.compile(
    rf"{_WS},?{_WS}(?:ban hanh{_WS})?ngay{_WS}(?P<d>\d{{1,2}}){_WS}(?:/|-|thang){_WS}(?P<m>\d{{1,2}})"
    rf"{_WS}(?:/|-|nam){_WS}(?P<y>(?:19|20)\d{{2}})(?!\d)"
)
_ISSUER_AFTER_RE = re.compile(rf"{_WS},?{_WS}cua[^\S\n]+")
# The issuer phrase after "của" ends at punctuation, at a linking word, or at
# the name of the next document ("của UBND tỉnh Quy định một số biện pháp …").
_ISSUER_STOP_RE = re.compile(
    r"[,;:.(“”\"\n]|\s(?:về|ban hành|khóa|khoá|trong|tại|theo|nhằm|đã|và|gồm|với|đối với|năm)\b"
    r"|\s(?i:quy định|quyết định|kế hoạch|chỉ thị|nghị quyết|kết luận|hướng dẫn|công văn|thông báo|quy chế)\b"
)
_MAX_ISSUER_WORDS = 10


@dataclass
class _Mention:
    start: int
    end: int
    raw: str
    number: str
    type: str | None
    issuer_code: str        # "" when not written
    id: str | None          # None for a bare mention ("KL số 114") until resolved
    date: str | None
    issuer: str | None
    spelling: str | None = None  # the id as this mention writes it, when unified with another spelling

    @property
    def is_complete(self) -> bool:
        """Has a type code and a real (two letters or more) issuer code."""
        return self.id is not None and len(self.issuer_code.replace(" ", "")) >= 2


@dataclass
class _Code:
    """The code written after a number: "-KL/TW", "/2018/NQ-HĐND", "/UBND-TCD"."""
    style: str                   # "party", "state" or "other"
    end: int                     # folded offset just after the code
    folded_type_code: str | None
    type_code_as_written: str | None
    issuer_code: str
    year: str | None

    def id_for(self, number: str) -> str:
        type_code = _TYPE_CODES[self.folded_type_code][0] if self.folded_type_code else None
        year = f"/{self.year}" if self.year else ""
        if self.style == "party":
            return f"{number}-{type_code}/{self.issuer_code}"
        if self.style == "state":
            return f"{number}{year}/{type_code}" + (f"-{self.issuer_code}" if self.issuer_code else "")
        return f"{number}{year}/{self.issuer_code}"


def _issuer_code_spelling(original: str, folded: str) -> str:
    """Usual spelling of an issuer code: known codes by table, others upper-cased."""
    parts = []
    for original_part, folded_part in zip(original.split("-"), folded.split("-")):
        parts.append(_ISSUER_CODE_SPELLINGS.get(folded_part.strip(), original_part.strip().upper()))
    return "-".join(parts)


def _code_is_upper(original_code: str) -> bool:
    """In prose a type code without a preceding word must be written in capitals
    (QĐi and CTr end in a lowercase letter by convention)."""
    letters = original_code.rstrip("ir") if len(original_code) > 2 else original_code
    return bool(letters) and letters.isupper()


def _read_code(text: str, folded: str, offsets: list[int], position: int, has_type_word: bool) -> _Code | None:
    for style, regex in (("party", _PARTY_CODE_RE), ("state", _STATE_CODE_RE), ("other", _OTHER_CODE_RE)):
        match = regex.match(folded, position)
        if match and (style != "other" or has_type_word):
            break
    else:
        return None
    groups = match.groupdict()
    end = match.end()
    type_code_as_written = None
    if groups.get("tcode"):
        t_start, t_end = original_span(text, offsets, match.start("tcode"), match.end("tcode"))
        type_code_as_written = text[t_start:t_end]
    issuer_code = ""
    if groups.get("iss"):
        i_start, i_end = original_span(text, offsets, match.start("iss"), match.end("iss"))
        issuer_code = _issuer_code_spelling(text[i_start:i_end], groups["iss"])
        spaced = _SPACED_ISSUER_RE.match(folded, end) if style != "state" else None
        if spaced:
            s_start, s_end = original_span(text, offsets, spaced.start(), spaced.end())
            written = text[s_start:s_end].strip()
            if written.replace("-", "").isupper():
                issuer_code += " " + _issuer_code_spelling(written, spaced.group(0).strip())
                end = spaced.end()
    return _Code(style, end, groups.get("tcode"), type_code_as_written, issuer_code, groups.get("year"))


def _issuer_phrase(text: str, start: int) -> str | None:
    tail = text[start:start + 160]
    stop = _ISSUER_STOP_RE.search(tail)
    phrase = " ".join((tail[:stop.start()] if stop else tail).split()[:_MAX_ISSUER_WORDS])
    return phrase if phrase[:1].isupper() else None


def _date_and_issuer_after(text: str, folded: str, offsets: list[int], position: int) -> tuple[str | None, str | None]:
    """ "…, ngày 14/7/2015 của Ban Bí thư" right after a citation."""
    date = issuer = None
    date_match = _DATE_AFTER_RE.match(folded, position)
    if date_match:
        date = _iso_date(date_match.group("y"), date_match.group("m"), date_match.group("d"))
        position = date_match.end()
    of_match = _ISSUER_AFTER_RE.match(folded, position)
    if of_match:
        issuer = _issuer_phrase(text, offsets[of_match.end()])
    return date, issuer


def _parse_mentions(text: str, lenient: bool) -> list[_Mention]:
    folded, offsets = fold_with_offsets(text)
    mentions: list[_Mention] = []
    position = 0
    while candidate := _CANDIDATE_RE.search(folded, position):
        position = candidate.end()
        word = candidate.group("word")
        word_type = _TYPE_WORDS[" ".join(word.split())] if word else None
        code = _read_code(text, folded, offsets, candidate.end("num"), has_type_word=bool(word))
        if code is None and word_type is None:
            continue  # a plain number
        if (code is not None and not word and not lenient
                and not _code_is_upper(code.type_code_as_written or "")):
            continue  # "21 ct/tu" in lowercase prose is not a citation
        num_start, num_end = original_span(text, offsets, candidate.start("num"), candidate.end("num"))
        number = text[num_start:num_end]
        code_end = code.end if code else candidate.end("num")
        raw_start, raw_end = original_span(text, offsets, candidate.start("word") if word else candidate.start("num"), code_end)
        date, issuer = _date_and_issuer_after(text, folded, offsets, code_end)
        mentions.append(_Mention(
            start=raw_start, end=raw_end, raw=" ".join(text[raw_start:raw_end].split()),
            number=number, type=_mention_type(word_type, code.folded_type_code if code else None),
            issuer_code=code.issuer_code if code else "", id=code.id_for(number) if code else None,
            date=date, issuer=issuer,
        ))
        position = code_end
    return mentions


def _mention_type(word_type: str | None, folded_type_code: str | None) -> str | None:
    if folded_type_code is None:
        return word_type
    code_type = _TYPE_CODES[folded_type_code][1]
    if folded_type_code == "qd" and word_type == "quy định":
        return "quy định"  # Party regulations share the code QĐ with decisions
    return code_type


def _resolve_incomplete(mentions: list[_Mention], use_well_known: bool) -> list[_Mention]:
    complete: dict[tuple[int, str | None], set[str]] = {}
    codes_of: dict[str, str] = {}
    for mention in mentions:
        if mention.is_complete:
            complete.setdefault((int(mention.number), mention.type), set()).add(mention.id)
            codes_of[mention.id] = mention.issuer_code
    resolved: list[_Mention] = []
    for mention in mentions:
        if mention.is_complete:
            resolved.append(mention)
            continue
        candidates = complete.get((int(mention.number), mention.type), set())
        if mention.issuer_code:  # one-letter code: a truncation of the full one
            candidates = {c for c in candidates
                          if codes_of[c].endswith(mention.issuer_code) or codes_of[c].startswith(mention.issuer_code)}
        if len(candidates) == 1:
            mention.id = next(iter(candidates))
        elif mention.id is None and use_well_known:
            mention.id = WELL_KNOWN_DIRECTIVES.get((mention.type, int(mention.number)))
        if mention.id is not None:
            resolved.append(mention)
    return resolved


_ID_YEAR_RE = re.compile(r"/((?:19|20)\d{2})/")


def _unify_spellings(mentions: list[_Mention]) -> list[_Mention]:
    """One directive written two ways in one text ("Chỉ thị số 13/CT-UBND ngày 01 tháng 9 năm
    2016" and "Chỉ thị 13-CT/UBND ngày 01/9/2016": the party style's separators on a state
    body's code) is one id: same type, number, issuer code and year, and no two different
    dates. The id is the spelling written most often (ties: the first); each mention keeps
    its own in `spelling`. Different dates keep them apart (two directives numbered alike)."""
    groups: dict[tuple, list[_Mention]] = {}
    for mention in mentions:
        if mention.id is None or not mention.is_complete:
            continue
        year = _ID_YEAR_RE.search(mention.id)
        key = (int(mention.number), mention.type, mention.issuer_code.replace(" ", "").upper(),
               year.group(1) if year else None)
        groups.setdefault(key, []).append(mention)
    for group in groups.values():
        ids = list(dict.fromkeys(m.id for m in group))
        if len(ids) < 2:
            continue
        dates = {m.date for m in group if m.date}
        if len(dates) > 1:
            continue
        written = [m.id for m in group]
        canonical = max(ids, key=lambda i: (written.count(i), -ids.index(i)))
        rename = set(ids)
        for mention in mentions:  # resolved bare mentions follow their full citation
            if mention.id in rename:
                mention.spelling = mention.id
                mention.id = canonical
    return mentions


def _find_mentions(text: str, lenient: bool, use_well_known: bool) -> list[_Mention]:
    return _resolve_incomplete(_unify_spellings(_parse_mentions(text, lenient)), use_well_known)


def find_references(text: str, *, lenient: bool = False, use_well_known: bool = False) -> list[dict[str, Any]]:
    """Every citation of a directive in *text*, in order, with character offsets.

    Each item: id, type, number, issuer_code, issuer, date, raw, start, end.
    type/number/issuer_code are those of the full citation an incomplete one
    was resolved to. ``lenient`` accepts lowercase codes without a type word
    ("16/ct-ttg", for queries); ``use_well_known`` resolves bare shorthand with
    ``WELL_KNOWN_DIRECTIVES`` when the text itself gives no full citation."""
    mentions = _find_mentions(text, lenient, use_well_known)
    full_citation = {}
    for mention in mentions:
        if mention.is_complete:
            full_citation.setdefault(mention.id, mention)
    results = []
    for mention in mentions:
        canonical = full_citation.get(mention.id, mention)
        results.append({
            "id": mention.id,
            "type": canonical.type,
            "number": canonical.number,
            "issuer_code": canonical.issuer_code or None,
            "issuer": mention.issuer,
            "date": mention.date,
            "raw": mention.raw,
            "start": mention.start,
            "end": mention.end,
        })
    return results


def normalize_reference(reference: str) -> str | None:
    """Canonical id of the first citation in *reference* ("Kết luận 114 –KL/TW",
    "KL số 114", "chỉ thị 16/ct-ttg"), or None when there is none."""
    found = find_references(reference, lenient=True, use_well_known=True)
    return found[0]["id"] if found else None


def _aggregate_references(text: str) -> list[dict[str, Any]]:
    """One entry per id, in order of first mention. The first full citation
    gives raw/type/number/issuer_code; the first mention stating them gives
    date and issuer; count is the number of mentions, resolved ones included."""
    mentions = _find_mentions(text, lenient=False, use_well_known=False)
    entries: dict[str, dict[str, Any]] = {}
    for mention in mentions:
        entry = entries.setdefault(mention.id, {key: None for key in REFERENCE_KEYS}
                                   | {"id": mention.id, "count": 0, "spellings": [mention.id]})
        entry["count"] += 1
        if mention.spelling and mention.spelling not in entry["spellings"]:
            entry["spellings"].append(mention.spelling)
        if mention.is_complete and entry["raw"] is None:
            entry.update(type=mention.type, number=mention.number,
                         issuer_code=mention.issuer_code or None, raw=mention.raw)
        for key in ("date", "issuer"):
            if entry[key] is None:
                entry[key] = getattr(mention, key)
    for mention in mentions:  # ids whose every mention is incomplete ("17/CT" alone)
        entry = entries[mention.id]
        if entry["raw"] is None:
            entry.update(type=mention.type, number=mention.number,
                         issuer_code=mention.issuer_code or None, raw=mention.raw)
    return list(entries.values())


# ----------------------------------------------------------------------------
# Field extractors
# ----------------------------------------------------------------------------

_CLOSING_FORMULA_RE = re.compile(
    r"(?:^|[,.;:]\s*)([^,.;:\n]{3,80}?)\s+(?:xin\s+)?(?:trân\s+trọng|kính)\s+(?:báo\s+cáo|trình)",
    re.MULTILINE | re.IGNORECASE,
)
_ORGANISATION_RE = re.compile(
    r"\b(?:Ban|Sở|UBND|Ủy ban|Uỷ ban|Tỉnh ủy|Tỉnh uỷ|Huyện ủy|Huyện uỷ|Thành ủy|Thành uỷ|Thị ủy|Thị uỷ|"
    r"Văn phòng|Báo|Đài|Hội đồng|HĐND|Mặt trận|Phòng|Trung tâm|Cục|Bộ)\b.*$"
)
_POSITION_WORDS = re.compile(
    r"(?i)\b(trưởng|phó|giám đốc|chủ tịch|bí thư|chuyên viên|cán bộ|ủy viên|uỷ viên|thư ký|phóng viên|tt)\b"
)
_SIGNING_CAPACITY_RE = re.compile(r"^(?:KT\.?|TM\.?|TL\.?|TUQ\.?|Q\.)|GIÁM ĐỐC|CHỦ TỊCH|TRƯỞNG|BÍ THƯ|THỦ TRƯỞNG")


def _is_person_name(line: str) -> bool:
    """Two to five title-case words, and not a place ("Nghệ An")."""
    words = line.split()
    if not 2 <= len(words) <= 5 or canonical_province(line) or province_of_district(line):
        return False
    return all(re.fullmatch(r"[^\W\d_]+", w) and w[0].isupper() and (len(w) == 1 or w[1:].islower())
               for w in words)


def _extract_signer(body: str, formal: bool) -> tuple[str | None, str | None]:
    """(signer, the position line under an article's byline)."""
    lines = _nonempty_lines(body)
    if not lines:
        return None, None
    last = lines[-1]
    if formal:
        capacity_above = any(_SIGNING_CAPACITY_RE.search(line) for line in lines[-5:-1])
        return (last, None) if _is_person_name(last) and capacity_above else (None, None)
    if _is_person_name(last):
        return last, None
    if len(lines) >= 2 and _is_person_name(lines[-2]) and _POSITION_WORDS.search(last):
        return lines[-2], last
    return None, None


def _extract_issuer(body: str, position_line: str | None) -> str | None:
    closing = list(_CLOSING_FORMULA_RE.finditer(body))
    if closing:
        issuer = closing[-1].group(1).strip()
        if issuer[:1].isupper():
            return issuer
    if position_line:
        organisation = _ORGANISATION_RE.search(position_line)
        if organisation:
            return organisation.group(0).strip()
    return None


# A conference speech (tham luận) names its speaker's organisation on a line of its own under
# the title ("UBND tỉnh Nghệ An"), before the salutations ("Kính thưa …").
_SPEAKER_ORGANISATION_RE = re.compile(
    r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân|Sở|Ban|Bộ|Công an|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Thành uỷ|"
    r"Huyện ủy|Huyện uỷ|Hội|Mặt trận|Ủy ban MTTQ|Uỷ ban MTTQ)\b[^.!:;]{2,80}$", re.IGNORECASE)


def _speaker_organisation(body: str) -> str | None:
    for line in _nonempty_lines(body)[:_HEADER_LINES]:
        if fold(line).startswith("kinh thua") or fold(line).startswith("kinh gui"):
            return None
        if _SPEAKER_ORGANISATION_RE.match(line.strip()):
            return line.strip()
    return None


def _district_of(text: str) -> tuple[str, str] | None:
    districts = find_districts(text)
    if not districts:
        return None
    district_type, name, _, _ = districts[0]
    return name, district_type


def _leading_name(headline: str) -> str | None:
    """The proper name a headline opens with: "Thái Hòa thực hiện …" → "Thái Hòa"."""
    words = []
    for word in re.split(r"\s+", headline.strip()):
        bare = word.rstrip(":,")
        if not re.fullmatch(r"[^\W\d_]+", bare) or not bare[0].isupper() or bare.isupper():
            break
        words.append(bare)
        if bare != word or len(words) == 3:
            break
    return " ".join(words) if words else None


def _extract_district(issuer: str | None, agency_lines: str, headline: str,
                      body: str) -> tuple[str | None, str | None]:
    for source in (issuer or "", agency_lines, headline):
        found = _district_of(source)
        if found:
            return found
    leading = _leading_name(headline)
    if leading and not canonical_province(leading):
        for size in range(len(leading.split()), 0, -1):
            name = " ".join(leading.split()[:size])
            for district_type, district, _, _ in find_districts(body):
                if fold(district) == fold(name):
                    return district, district_type
    return None, None


def _extract_province(place: str | None, headline: str, body: str, district: str | None) -> str | None:
    if place:
        place_province = canonical_province(place) or province_of_district(place)
        if place_province:
            return place_province
    counts = Counter(name for name, _, _ in find_provinces(headline + "\n" + body))
    if counts:
        ranked = counts.most_common(2)
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            return ranked[0][0]
        return None
    return province_of_district(district) if district else None


_LEAD_DATE_RE = re.compile(
    r"^(?:(?:sang|chieu|toi|trua|dem)\s+)?(?:hom\s+nay\s*,?\s*)?ngay\s+(?P<d>\d{1,2})\s*"
    r"(?:/|-|thang)\s*(?P<m>\d{1,2})\s*(?:/|-|nam)\s*(?P<y>(?:19|20)\d{2})(?!\d)"
)


def _extract_article_date(body: str) -> str | None:
    lines = _nonempty_lines(body)
    if len(lines) < 2:
        return None
    lead = _LEAD_DATE_RE.match(fold(lines[1]))
    return _iso_date(lead.group("y"), lead.group("m"), lead.group("d")) if lead else None


_YEAR = r"(?<![\d/])((?:19|20)\d{2})(?![\d/])"
_RANGE_RE = re.compile(rf"{_YEAR}\s*(?:[-–—]|den nam|den)\s*{_YEAR}")
_NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
                 "chin": 9, "muoi": 10, "muoi lam": 15, "hai muoi": 20}
_YEARS_OF_RE = re.compile(
    r"(?P<n>\d{1,2}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s+nam\s+"
    r"(?:thuc hien|trien khai|thi hanh)\b"
)
_REVIEW_RE = re.compile(r"\b(?:ket qua|tong ket|so ket|bao cao)\b")
_NEXT_TASKS_RE = re.compile(r"\b(?:nhiem vu|phuong huong|ke hoach)\b")


_DATE_YEAR_RE = re.compile(r"ngay\s*\d{1,2}\s*(?:/|-|thang)\s*\d{1,2}\s*(?:/|-|nam)\s*((?:19|20)\d{2})(?!\d)")


def _implementation_period(headline: str, years: int, after_phrase: str,
                           reference_years: dict[str, int], document_year: int | None) -> dict[str, int] | None:
    """Period of "N năm thực hiện <directive>": from the directive's year,
    written in the headline or cited with a date in the text; else ending at
    the document's own year."""
    start_year = None
    written_date = _DATE_YEAR_RE.search(after_phrase)
    if written_date:
        start_year = int(written_date.group(1))
    else:
        cited = [reference_years[r["id"]] for r in find_references(headline) if r["id"] in reference_years]
        start_year = cited[0] if cited else None
    if start_year is not None:
        return {"from": start_year, "to": start_year + years}
    if document_year is not None:
        return {"from": document_year - years, "to": document_year}
    return None


def _extract_period(headlines: list[str], references: list[dict[str, Any]],
                    document_year: int | None) -> dict[str, int] | None:
    reference_years = {r["id"]: int(r["date"][:4]) for r in references if r["date"]}
    for headline in headlines:
        folded = fold(headline)
        explicit_range = _RANGE_RE.search(folded)
        if explicit_range:
            return {"from": int(explicit_range.group(1)), "to": int(explicit_range.group(2))}
        years_of = _YEARS_OF_RE.search(folded)
        if years_of:
            count = years_of.group("n")
            years = int(count) if count.isdigit() else _NUMBER_WORDS[count]
            return _implementation_period(headline, years, folded[years_of.end():], reference_years, document_year)
        review = _REVIEW_RE.search(folded)
        if review:
            scope = folded[review.end():]
            next_tasks = _NEXT_TASKS_RE.search(scope)  # "…, một số nhiệm vụ năm 2022" is the future
            if next_tasks:
                scope = scope[:next_tasks.start()]
            year = re.search(_YEAR, scope)
            if year:
                return {"from": int(year.group(1)), "to": int(year.group(1))}
    return None


_TITLE_TYPE_RE = re.compile(
    r"^(bao cao|ket luan|chi thi|nghi quyet|ke hoach|quyet dinh|quy che)\b(?:\s+so\b|\s+\d|\s*:)"
)


def _extract_doc_type(header: _Header, title: str, is_web_page: bool) -> str:
    if header.heading_type:
        return header.heading_type
    if not is_web_page:
        for candidate in (title, header.headline):
            match = _TITLE_TYPE_RE.match(fold(candidate))
            if match:
                return _HEADING_TYPES[match.group(1)]
    return "tin bài"


# ----------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------


def extract_metadata(doc_id: str, title: str, text: str) -> dict[str, Any]:
    """Metadata of one document; keys exactly ``FIELDS``, unknown values None."""
    from indexer.header_block import read_header_block

    body = strip_web_chrome(text)
    header = _read_header(body.text)
    block = read_header_block(body.text)  # trích yếu, "V/v", signature block (indexer/header_block.py)
    doc_type = header.heading_type or block.doc_type or _extract_doc_type(header, title or "", body.is_web_page)
    formal = doc_type != "tin bài"

    headline = header.headline
    headlines = [h for h in dict.fromkeys([headline, (title or "").strip()]) if h]
    reference_text = body.text if (not title or title.strip() in body.text) else title + "\n" + body.text
    references = _aggregate_references(reference_text)

    signer, position_line = _extract_signer(body.text, formal)
    signer = signer or block.signer
    # the header's issuing body names the issuer as the document does; else the closing formula
    issuer = (block.issuer if formal else None) or _extract_issuer(body.text, position_line)
    if issuer is None and doc_type == "tham luận":
        issuer = _speaker_organisation(body.text)
    district, district_type = _extract_district(issuer, header.agency_lines, headline, body.text)
    province = _extract_province(block.place, "\n".join(headlines), body.text, district)

    date = block.date if formal or block.date else _extract_article_date(body.text)
    document_year = int(date[:4]) if date else None
    period = _extract_period(headlines, references, document_year)

    return {
        "province": province,
        "district": district,
        "district_type": district_type if district_type in DISTRICT_TYPES else None,
        "issuer": issuer,
        "doc_type": doc_type,
        "number": block.number,
        "date": date,
        "period": period,
        "signer": signer,
        "references": references,
        "subject": block.subject if formal else None,
        "signer_title": block.signer_title if signer and signer == block.signer else None,
    }


# ----------------------------------------------------------------------------
# Sidecar overrides
# ----------------------------------------------------------------------------

SIDECAR_JSONL = "metadata.jsonl"
SIDECAR_SUFFIX = ".meta.json"


class SidecarError(ValueError):
    """A sidecar file that cannot be applied: names the file and the key."""


class SidecarOverride(dict):
    """Override fields for one document; ``sources`` lists the files they came from."""

    def __init__(self, *args: Any, sources: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources: list[str] = list(sources or [])


def _validate_override(override: dict[str, Any], source: str) -> None:
    for key, value in override.items():
        if key not in FIELDS:
            raise SidecarError(f"{source}: unknown metadata key {key!r} (allowed: {', '.join(FIELDS)})")
        if key == "doc_type" and value is not None and value not in DOC_TYPES:
            raise SidecarError(f"{source}: doc_type {value!r} is not one of {', '.join(DOC_TYPES)}")
        if key == "district_type" and value is not None and value not in DISTRICT_TYPES:
            raise SidecarError(f"{source}: district_type {value!r} is not one of {', '.join(DISTRICT_TYPES)}")
        if key == "period" and value is not None and not (
            isinstance(value, dict) and set(value) == {"from", "to"}
            and all(isinstance(value[k], int) for k in ("from", "to"))
        ):
            raise SidecarError(f"{source}: period must be null or {{\"from\": int, \"to\": int}}, got {value!r}")
        if key == "references" and value is not None and not isinstance(value, list):
            raise SidecarError(f"{source}: references must be a list, got {type(value).__name__}")


def _merge_into(overrides: dict[str, SidecarOverride], doc_id: str, fields: dict[str, Any], source: str) -> None:
    _validate_override(fields, source)
    existing = overrides.setdefault(doc_id, SidecarOverride())
    existing.update(fields)
    existing.sources.append(source)


def _read_json(path: Path, line_number: int | None = None, raw: str | None = None) -> Any:
    where = f"{path}:{line_number}" if line_number else str(path)
    try:
        return json.loads(raw if raw is not None else path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SidecarError(f"{where}: invalid JSON ({error})") from error


def load_sidecar(corpus_root: Path) -> dict[str, SidecarOverride]:
    """Overrides by doc_id from ``metadata.jsonl`` and ``<name>.meta.json`` files.

    doc_id is the document's path relative to *corpus_root* (its file name for
    a flat corpus). A ``.meta.json`` with no document beside it is an error,
    as is a "doc_id" inside it that names another document."""
    corpus_root = Path(corpus_root)
    overrides: dict[str, SidecarOverride] = {}

    jsonl = corpus_root / SIDECAR_JSONL
    if jsonl.is_file():
        for line_number, line in enumerate(jsonl.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            record = _read_json(jsonl, line_number, line)
            where = f"{jsonl}:{line_number}"
            if not isinstance(record, dict) or not isinstance(record.get("doc_id"), str):
                raise SidecarError(f"{where}: each line must be an object with a string 'doc_id'")
            fields = {k: v for k, v in record.items() if k != "doc_id"}
            _merge_into(overrides, record["doc_id"], fields, where)

    for sidecar in sorted(corpus_root.rglob(f"*{SIDECAR_SUFFIX}")):
        stem = sidecar.name[: -len(SIDECAR_SUFFIX)]
        documents = sorted(
            p for p in sidecar.parent.iterdir()
            if p.is_file() and p != sidecar and not p.name.endswith(SIDECAR_SUFFIX)
            and (p.name == stem or p.stem == stem)
        )
        if len(documents) != 1:
            raise SidecarError(f"{sidecar}: expected exactly one document named {stem!r} beside it, "
                               f"found {[p.name for p in documents]}")
        doc_id = documents[0].relative_to(corpus_root).as_posix()
        record = _read_json(sidecar)
        if not isinstance(record, dict):
            raise SidecarError(f"{sidecar}: must contain a JSON object")
        if "doc_id" in record and record["doc_id"] != doc_id:
            raise SidecarError(f"{sidecar}: key 'doc_id' is {record['doc_id']!r} but the file belongs to {doc_id!r}")
        fields = {k: v for k, v in record.items() if k != "doc_id"}
        _merge_into(overrides, doc_id, fields, str(sidecar))
    return overrides


def apply_overrides(extracted: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of *extracted* with each field of *override* replacing the
    extracted one (null included). Unknown keys raise ``SidecarError``."""
    if not override:
        return dict(extracted)
    source = ", ".join(getattr(override, "sources", [])) or "override"
    _validate_override(override, source)
    merged = dict(extracted)
    merged.update(override)
    return merged
