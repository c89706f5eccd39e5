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

`indexer.metadata.extract_metadata` takes the type, trích yếu, signer and signer's title
from here; a field the text does not state is None.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.gazetteer import fold

HEADER_LINES = 16
TYPES = {  # folded type line → doc_type
    "chi thi": "chỉ thị", "quyet dinh": "quyết định", "thong bao": "thông báo", "to trinh": "tờ trình",
    "cong van": "công văn", "bao cao": "báo cáo", "ke hoach": "kế hoạch", "nghi quyet": "nghị quyết",
    "ket luan": "kết luận", "quy che": "quy chế", "luat": "luật", "bo luat": "bộ luật",
}
TYPE_LABELS = {"chỉ thị": "Chỉ thị", "quyết định": "Quyết định", "thông báo": "Thông báo", "tờ trình": "Tờ trình",
               "công văn": "Công văn", "báo cáo": "Báo cáo", "kế hoạch": "Kế hoạch", "nghị quyết": "Nghị quyết",
               "kết luận": "Kết luận", "quy chế": "Quy chế", "luật": "Luật", "bộ luật": "Bộ luật"}
_NUMBER = re.compile(r"^s[ốôo]\s*[:.]\s*[⁄/]?\s*(.*)$", re.IGNORECASE)  # OCR reads "Số:" as "Sô:" too
_VV = re.compile(r"^v\s*/\s*v\s*[:.]?\s*(.*)$", re.IGNORECASE)
_RECIPIENT = re.compile(r"^kính\s+gửi\s*:?\s*(.*)$", re.IGNORECASE)
# "ngày" and the handwritten day may be lost to OCR ("Quảng Ngãi, tháng 5 năm 2021", "ngày Ø3 tháng")
_PLACE_DATE = re.compile(r"^(?P<place>[^\W\d][^,\n]{1,40}?)\s*,\s*(?:ngày\s*(?:(?P<d>\d{1,2})|\S{1,3})?\s*)?"
                         r"tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>(?:19|20)\d{2})", re.IGNORECASE)
_CAPACITY = re.compile(r"^(?:KT|TM|TL|TUQ|Q)\s*\.\s*\S")
_SIGNING_TITLE = re.compile(r"chu tich|giam doc|truong|bi thu|van phong|thu ky")
_MOTTO = ("cong hoa xa hoi", "doc lap", "dang cong san viet nam")
# codes of a number that say a type when the type line is missing ("507/UBND-KGVX" is a công văn)
_CODE_TYPES = {"CT": "chỉ thị", "QĐ": "quyết định", "TB": "thông báo", "TTr": "tờ trình", "BC": "báo cáo",
               "KH": "kế hoạch", "NQ": "nghị quyết", "KL": "kết luận"}


@dataclass
class HeaderBlock:
    issuing_body: str | None = None
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
    return [" ".join(line.replace("*", "").split()) for line in text.splitlines() if line.strip(" *\t")]


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
    for i, line in enumerate(zone):
        number = _NUMBER.match(line)
        if number and block.number is None:
            block.number = re.sub(r"\s*/\s*", "/", number.group(1)).strip() or None
            if block.issuing_body is None and body_lines:
                block.issuing_body = " ".join(body_lines)
            continue
        date = _PLACE_DATE.match(line)
        if date and block.date is None:
            block.place = date.group("place").strip()
            block.date = _iso(date.group("y"), date.group("m"), date.group("d"))
            continue
        vv = _VV.match(line)
        if vv and block.subject is None and type_index is None:
            block.subject = vv.group(1).strip() or None
            block.doc_type = "công văn"
            continue
        if block.number is None and line.upper() == line and not fold(line).startswith(_MOTTO):
            body_lines.append(line)
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
