"""The administrative header and closing blocks of a Vietnamese document (Nghị định
30/2020/NĐ-CP layout) read from text in the .txt layout (one unit per line), whatever
format it came from (`indexer/readers/layout.py` lays PDF and OCR'd pages out so):

    ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI        issuing body (one line or several)
    Số: 11/TB-UBND                          number and code
    V/v góp ý dự thảo …                     subject of a công văn (instead of a type line)
    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM      Quốc hiệu
    Độc lập - Tự do - Hạnh phúc             Tiêu ngữ
    Quảng Ngãi, ngày 08 tháng 01 năm 2025   place and date
    THÔNG BÁO                               type
    Kết luận của Phó Chủ tịch …             trích yếu (whole, on one line)
    Kính gửi: Hội đồng nhân dân tỉnh        addressee
    …body…
    Nơi nhận:                               distribution list
    - …
    TL. CHỦ TỊCH                            signing capacity (KT., TL., TM., Q., TUQ.)
    KT. CHÁNH VĂN PHÒNG
    PHÓ CHÁNH VĂN PHÒNG                     signer's title
    Nguyễn Phước Bình                       signer

`indexer.metadata.extract_metadata` takes the type, trích yếu, issuer, signer and signer's
title from here; a field the text does not state is None.

The issuer is the lowest unit of the left column, named as the header names it
("ỦY BAN NHÂN DÂN / TỈNH NINH BÌNH" → "UBND tỉnh Ninh Bình"; "UBND TỈNH LÂM ĐỒNG / SỞ NỘI VỤ"
→ "Sở Nội vụ", the citation adds the province); an organ of its parent takes the parent's
name ("ỦY BAN MTTQ VIỆT NAM XÃ LƯƠNG MINH / BAN THƯỜNG TRỰC" → "Ban Thường trực Ủy ban MTTQ
Việt Nam xã Lương Minh"), a unit ending on a bare level word takes the parent's place
("HỘI ĐỒNG … TỈNH" under "UBND TỈNH LÂM ĐỒNG" → "Hội đồng … tỉnh Lâm Đồng"). A header whose
cells come as one line (a .docx header table) or whose date runs over two lines
("Cần Thơ, ngày 21 / tháng 11 năm 2025") is read the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.gazetteer import canonical_province, fold

HEADER_LINES = 16
TYPES = {  # folded type line → doc_type
    "chi thi": "chỉ thị", "quyet dinh": "quyết định", "thong bao": "thông báo", "to trinh": "tờ trình",
    "cong van": "công văn", "bao cao": "báo cáo", "ke hoach": "kế hoạch", "nghi quyet": "nghị quyết",
    "ket luan": "kết luận", "quy che": "quy chế", "luat": "luật", "bo luat": "bộ luật",
}
TYPE_LABELS = {"chỉ thị": "Chỉ thị", "quyết định": "Quyết định", "thông báo": "Thông báo", "tờ trình": "Tờ trình",
               "công văn": "Công văn", "báo cáo": "Báo cáo", "kế hoạch": "Kế hoạch", "nghị quyết": "Nghị quyết",
               "kết luận": "Kết luận", "quy chế": "Quy chế", "luật": "Luật", "bộ luật": "Bộ luật"}
_NUMBER = re.compile(r"^s[ốôo]\s*[:.]\s*(.*)$", re.IGNORECASE)  # OCR reads "Số:" as "Sô:" too
_VV = re.compile(r"^v\s*/\s*v\s*[:.]?\s*(.*)$", re.IGNORECASE)
_RECIPIENT = re.compile(r"^kính\s+gửi\s*:?\s*(.*)$", re.IGNORECASE)
# "ngày" and the handwritten day may be lost to OCR ("Quảng Ngãi, tháng 5 năm 2021", "ngày Ø3 tháng")
_PLACE_DATE = re.compile(r"^(?P<place>[^\W\d][^,\n]{1,40}?)\s*,\s*(?:ngày\s*(?:(?P<d>\d{1,2})|\S{1,3})?\s*)?"
                         r"tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>(?:19|20)\d{2})", re.IGNORECASE)
_CAPACITY = re.compile(r"^(?:KT|TM|TL|TUQ|Q)\s*\.\s*\S")
_SIGNING_TITLE = re.compile(r"chu tich|giam doc|truong|bi thu|van phong|thu ky")
_MOTTO = ("cong hoa xa hoi", "doc lap", "dang cong san viet nam")
# where one line holds several header cells (a .docx header table read row by row): before
# "Số:", before the Quốc hiệu, after the Tiêu ngữ
_CELL_BREAK = re.compile(r"\s+(?=S[ốô]\s*:)|\s*;?\s*(?=C[ỘO]NG\s+H[ÒO]A\s+XÃ\s+HỘI)|(?<=[Hh]ạnh\s[Pp]húc)\s*(?=\S)")
# head words of an organisation's name (folded), longest first; "ban" inside "ủy ban" is no head
_ORGANISATION_HEADS = sorted((
    "uy ban", "ubnd", "hdnd", "hoi dong", "so", "ban", "bo", "cuc", "chi cuc", "tong cuc", "van phong", "phong",
    "thanh tra", "cong an", "bo chi huy", "tinh uy", "thanh uy", "huyen uy", "quan uy", "thi uy", "dang uy",
    "dang bo", "chinh phu", "thu tuong", "quoc hoi", "truong", "benh vien", "trung tam", "kho bac", "ngan hang",
    "doan", "hoi", "lien doan", "mat tran", "vien", "toa an", "vien kiem sat", "chu tich",
), key=len, reverse=True)
# the heads after which the next word is capitalised too ("Sở Nội vụ", "Ban Thường trực")
_NAMED_DOMAIN_HEADS = {"so", "ban", "bo", "cuc", "chi cuc", "tong cuc", "phong"}
# an organ of its parent body: named with the parent ("Ban Thường trực Ủy ban MTTQ … xã Lương Minh")
_ORGANS = ("ban thuong truc", "thuong truc", "ban thuong vu", "ban chap hanh")
_PARTY_COMMITTEE = re.compile(r"^(?:tinh|thanh|huyen|quan|thi|dang) uy\b")
# a level word and the place after it; "xã hội" and "tỉnh ủy" name no place
_LEVEL = re.compile(r"\b(tinh|thanh pho|huyen|quan|thi xa|xa|phuong|thi tran)\b(?!\s+(?:uy|hoi)\b)")
_LEVEL_SPELLINGS = {"tinh": "tỉnh", "thanh pho": "thành phố", "huyen": "huyện", "quan": "quận", "thi xa": "thị xã",
                    "xa": "xã", "phuong": "phường", "thi tran": "thị trấn"}
_ABBREVIATIONS = (("uy ban nhan dan", "UBND"), ("hoi dong nhan dan", "HĐND"),
                  ("uy ban mat tran to quoc", "Ủy ban MTTQ"), ("mat tran to quoc", "MTTQ"))
# codes of a number that say a type when the type line is missing ("507/UBND-KGVX" is a công văn)
_CODE_TYPES = {"CT": "chỉ thị", "QĐ": "quyết định", "TB": "thông báo", "TTr": "tờ trình", "BC": "báo cáo",
               "KH": "kế hoạch", "NQ": "nghị quyết", "KL": "kết luận"}


@dataclass
class HeaderBlock:
    issuing_body: str | None = None     # the left column's lines as printed ("UBND TỈNH LÂM ĐỒNG SỞ NỘI VỤ")
    issuer: str | None = None           # its lowest unit, named ("Sở Nội vụ", "UBND tỉnh Ninh Bình")
    number: str | None = None
    place: str | None = None
    date: str | None = None
    doc_type: str | None = None
    subject: str | None = None          # trích yếu, or the "V/v …" of a công văn
    recipients: list[str] = field(default_factory=list)
    signer: str | None = None
    signer_title: str | None = None     # the title printed above the name ("PHÓ CHÁNH VĂN PHÒNG")
    capacity: list[str] = field(default_factory=list)  # all lines above the name ("TL. CHỦ TỊCH", …)

    def title(self) -> str | None:
        """"Thông báo: Kết luận của …", "Công văn: V/v góp ý …"; None without a type."""
        if not self.doc_type:
            return None
        label = TYPE_LABELS.get(self.doc_type, self.doc_type.capitalize())
        if not self.subject:
            return label
        subject = ("V/v " + self.subject) if self.doc_type == "công văn" else self.subject
        return f"{label}: {subject}"


def _lines(text: str) -> list[str]:
    lines = [" ".join(line.replace("*", "").split()) for line in text.splitlines() if line.strip(" *\t")]
    cells = [cell.strip(" ;") for line in lines[:HEADER_LINES] for cell in _CELL_BREAK.split(line)]
    return [cell for cell in cells if cell] + lines[HEADER_LINES:]


def _organisation_starts(words: list[str]) -> list[int]:
    """Indexes of the words that begin an organisation's name ("SỞ" in "UBND TỈNH X SỞ NỘI VỤ")."""
    folded = [fold(w) for w in words]
    starts = []
    i = 0
    while i < len(words):
        head = next((h for h in _ORGANISATION_HEADS if folded[i:i + len(h.split())] == h.split()), None)
        if head is None:
            i += 1
            continue
        starts.append(i)
        i += len(head.split())
    return starts


def _units(column: str) -> list[str]:
    """The organisations of a header column, parent first: a new one begins at a head word
    once the text before it names a place or is a party committee (so "VĂN PHÒNG ĐOÀN ĐBQH VÀ
    HỘI ĐỒNG NHÂN DÂN" stays one)."""
    words = column.split()
    units, start = [], 0
    for i in _organisation_starts(words):
        before = fold(" ".join(words[start:i]))
        if i > start and (_LEVEL.search(before) or _PARTY_COMMITTEE.match(before)):
            units.append(" ".join(words[start:i]))
            start = i
    if start < len(words):
        units.append(" ".join(words[start:]))
    return [u.strip(" ,;-") for u in units if u.strip(" ,;-")]


def _named(unit: str) -> str:
    """An upper-case unit as it is written in running text: "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH"
    → "UBND tỉnh Ninh Bình", "SỞ NỘI VỤ" → "Sở Nội vụ", "ỦY BAN MTTQ VIỆT NAM XÃ LƯƠNG MINH" →
    "Ủy ban MTTQ Việt Nam xã Lương Minh". A unit already in mixed case is kept."""
    if unit != unit.upper():
        return unit
    words = unit.split()
    folded = [fold(w).strip(",;.:") for w in words]
    out: list[str] = []
    i, in_place = 0, False

    def starts(phrase: str) -> bool:
        return folded[i:i + len(phrase.split())] == phrase.split()

    while i < len(words):
        short = next((a for a in _ABBREVIATIONS if starts(a[0])), None)
        if short:
            out.append(short[1])
            i += len(short[0].split())
            continue
        level = _LEVEL.match(" ".join(folded[i:]))
        if level and not in_place:
            size = len(level.group(1).split())
            out.append(_LEVEL_SPELLINGS[level.group(1)])  # OCR's "TÍNH" is "tỉnh"
            i, in_place = i + size, True
            province = canonical_province(" ".join(words[i:]))
            if province and fold(province) == " ".join(folded[i:]):
                out.append(province)
                break
            continue
        head = next((h for h in _ORGANISATION_HEADS if starts(h)), None) if not out else None
        if head:
            size = len(head.split())
            out.extend([words[i].capitalize()] + [w.lower() for w in words[i + 1:i + size]])
            if head in _NAMED_DOMAIN_HEADS and i + size < len(words):
                out.append(words[i + size].capitalize())
                size += 1
            i, in_place = i + size, bool(_PARTY_COMMITTEE.match(head))  # "Tỉnh ủy Nghệ An"
            continue
        word = words[i]
        if not re.search(r"[aeiouy]", folded[i]):
            out.append(word)                        # MTTQ, CCHC: abbreviations stay
        elif in_place or starts("viet nam") or (i and folded[i - 1:i + 1] == ["viet", "nam"]):
            out.append(word.capitalize())
        else:
            out.append(word.lower())
        i += 1
    return " ".join(out)


def _issuer(units: list[str]) -> str | None:
    """The lowest unit named, with what of its parent it needs (see the module's docstring)."""
    units = [u for u in units if _organisation_starts(u.split())[:1] == [0]]
    if not units:
        return None
    issuer = _named(units[-1])
    if len(units) == 1:
        return issuer
    parent = _named(units[-2])
    folded_issuer, folded_parent = fold(issuer), fold(parent)
    if folded_issuer.startswith(_ORGANS) or _PARTY_COMMITTEE.match(folded_parent):
        return f"{issuer} {parent}"
    place = _LEVEL.search(folded_parent)
    if place is None:
        return issuer
    parent_place = " ".join(parent.split()[len(folded_parent[:place.start()].split()):])
    bare_level = re.search(r"\s(tinh|thanh pho|huyen|quan|thi xa|xa|phuong|thi tran)$", folded_issuer)
    if bare_level and fold(parent_place).startswith(bare_level.group(1)):
        return " ".join(issuer.split()[:-len(bare_level.group(1).split())] + [parent_place])
    # a unit under a district or commune is named with it ("Phòng Nội vụ huyện Bình Sơn");
    # under a province, the citation adds the province
    if not _LEVEL.search(folded_issuer) and not canonical_province(parent_place):
        return f"{issuer} {parent_place}"
    return issuer


def _iso(y: str, m: str | None, d: str | None) -> str:
    if not m:
        return y
    return f"{y}-{int(m):02d}" + (f"-{int(d):02d}" if d else "")


def _is_name(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() and w.isalpha() and not w.isupper() for w in words)


def read_header_block(text: str) -> HeaderBlock:
    block = HeaderBlock()
    lines = _lines(text)
    head = lines[:HEADER_LINES]
    type_index = None
    for i, line in enumerate(head):
        doc_type = TYPES.get(fold(line)) if line.upper() == line else None
        if doc_type:
            block.doc_type, type_index = doc_type, i
            break
    zone = head[:type_index] if type_index is not None else head
    body_lines: list[str] = []
    parent_lines: list[str] = []  # the left column's upper lines read after "Số:" (the parent printed above)
    joined_with_previous = False
    for i, line in enumerate(zone):
        if joined_with_previous:
            joined_with_previous = False
            continue
        number = _NUMBER.match(line)
        if number and block.number is None:
            # a stroke read as a slash before handwritten digits ("Sô:⁄11 /CT-UBND") is no part of it
            value = re.sub(r"^[⁄/]\s*(?=\d+\s*[⁄/])", "", number.group(1).strip())
            value = re.sub(r"\s*[⁄/]\s*", "/", value).strip(" ;")
            # OCR noise where a handwritten number fills the blank ("O{_ /TTr-UBND"): no digit
            # in it, so what is known is the code ("/TTr-UBND"); "12-KH/TU" keeps its number
            head, slash, _ = value.partition("/")
            if slash and head and not any(c.isdigit() for c in head):
                value = value[len(head):]
            block.number = value or None
            continue
        date = _PLACE_DATE.match(line)
        if date is None and block.date is None and i + 1 < len(zone) and "," in line:
            # "Cần Thơ, ngày 21" / "tháng 11 năm 2025"
            date = _PLACE_DATE.match(line + " " + zone[i + 1])
            joined_with_previous = date is not None
        if date and block.date is None:
            block.place = date.group("place").strip()
            block.date = _iso(date.group("y"), date.group("m"), date.group("d"))
            continue
        vv = _VV.match(line)
        if vv and block.subject is None and type_index is None:
            block.subject = vv.group(1).strip() or None
            block.doc_type = "công văn"
            continue
        # OCR that lost "Số:" leaves the number's code on the issuer's line ("… QUẢNG NGÃI /TB-UBND")
        column = re.split(r"\s+(?=\S*/)", line)[0]  # (not at a digit: "UBND QUẬN 1")
        if column.upper() == column and not fold(column).startswith(_MOTTO) and block.date is None:
            (body_lines if block.number is None else parent_lines).append(column)
    if body_lines and (block.number or block.date):
        block.issuing_body = " ".join(body_lines)
        block.issuer = _issuer(_units(" ".join(parent_lines)) + _units(block.issuing_body))
    if type_index is not None and type_index + 1 < len(lines):
        subject = lines[type_index + 1]
        if not _RECIPIENT.match(subject) and not _NUMBER.match(subject):
            # a stamp's fragment read into the line before "Về …" ("HỌC ÃI| Về việc …")
            prefix = re.match(r"^((?:\S+\s+){1,3}?)(Về\s)", subject)
            if prefix and not any(c.islower() for c in prefix.group(1)):
                subject = subject[prefix.start(2):]
            block.subject = subject
    if block.doc_type is None and block.number:
        code = re.search(r"/\s*([A-Za-zĐđ]+)\s*-", block.number)
        if code and code.group(1) in _CODE_TYPES:
            block.doc_type = _CODE_TYPES[code.group(1)]
        elif re.match(r"^[\d\s]*/\s*UBND-", block.number):
            block.doc_type = "công văn"
    for line in lines[:HEADER_LINES + 6]:
        recipient = _RECIPIENT.match(line)
        if recipient:
            block.recipients = [r.strip(" -;.") for r in re.split(r"\s*;\s*|\s+-\s+", recipient.group(1)) if r.strip(" -;.")]
            break
    _read_signature(lines, block)
    return block


def _read_signature(lines: list[str], block: HeaderBlock) -> None:
    """Signer and title: the last line a person's name, capacity lines above it."""
    tail = lines[-6:]
    if not tail or not _is_name(tail[-1]):
        return
    above = []
    for line in reversed(tail[:-1]):
        letters = [c for c in line if c.isalpha()]
        if letters and line.upper() == line and not line.startswith("-"):
            above.insert(0, line)
        else:
            break
    # folded: OCR drops a diacritic now and then ("CHU TỊCH")
    titled = any(_CAPACITY.match(line) or _SIGNING_TITLE.search(fold(line)) for line in above)
    # a name closing the page after the distribution list is the signer even when the seal
    # hides the capacity lines above it (qn-04.pdf)
    after_list = (len(tail) >= 2 and tail[-2].startswith("-") and (not above or titled)
                  and any(fold(line).startswith("noi nhan") for line in lines[-30:]))
    if not (above and titled) and not after_list:
        return
    block.signer = tail[-1]
    block.capacity = above
    block.signer_title = (re.sub(r"^(?:KT|TM|TL|TUQ|Q)\s*\.\s*", "", above[-1]).strip() or None) if above else None
