"""The human-readable citation of a passage: document, section, paragraph.

"Báo cáo: Kết quả 05 năm thực hiện Kết luận số 114-KL/TW … — mục B. II. 4.2, đoạn 44"
"Luật Khiếu nại, tố cáo — Điều 12, khoản 2, đoạn 57"
Metadata (province, date), when known, is appended by `format_citation`'s caller via
`extra`, so the string names where and when the document is from.
"""
from __future__ import annotations

import re

TITLE_MAX_CHARS = 120
# sections that name themselves; others are a report's heading numbers, cited as "mục B. II"
# ("bảng Phụ lục 2, dòng 7": a spreadsheet row, indexer/readers/spreadsheet.py)
SECTION_WORDS = ("Điều", "Chương", "Mục", "Phần", "bảng ")


def short_title(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX_CHARS else title[: TITLE_MAX_CHARS - 1].rstrip() + "…"


def format_citation(title: str, section: str, paragraph: int, paragraph_end: int | None = None,
                    extra: list[str] | None = None, page: int | None = None,
                    page_end: int | None = None) -> str:
    """`page`/`page_end`: the PDF page(s) the passage is on (", trang 3" / ", trang 3–4")."""
    where_page = ""
    if page:
        where_page = f", trang {page}–{page_end}" if page_end and page_end != page else f", trang {page}"
    return _format_citation(title, section, paragraph, paragraph_end, extra) + where_page


def _format_citation(title: str, section: str, paragraph: int, paragraph_end: int | None = None,
                     extra: list[str] | None = None) -> str:
    parts = [short_title(title)]
    if extra:
        parts += [e for e in extra if e]
    where = []
    if section:
        where.append(section if section.startswith(SECTION_WORDS) else f"mục {section}")
    if paragraph_end and paragraph_end != paragraph:
        where.append(f"đoạn {paragraph}–{paragraph_end}")
    else:
        where.append(f"đoạn {paragraph}")
    return ", ".join(parts) + " — " + ", ".join(where)


# --- the Vietnamese administrative citation style (“Copy citation” on the page) ---------
# "Báo cáo số …/BC-SNV ngày …/7/2020 của Sở Nội vụ tỉnh Bắc Giang, mục B.II.4.2, đoạn 37":
# the document's kind, number, date and issuer as an official letter would cite them, then
# where in it. A blank the source leaves blank ("Số: /BC-SNV", "ngày … tháng 7") stays "…".
DOC_TYPE_LABELS = {"tin bài": "Bài viết", "báo cáo": "Báo cáo", "kết luận": "Kết luận", "chỉ thị": "Chỉ thị",
                   "nghị quyết": "Nghị quyết", "kế hoạch": "Kế hoạch", "quyết định": "Quyết định",
                   "quy chế": "Quy chế", "luật": "Luật", "bộ luật": "Bộ luật", "nghị định": "Nghị định", "thông tư": "Thông tư",
                   "công văn": "Công văn", "thông báo": "Thông báo", "tờ trình": "Tờ trình",
                   "tham luận": "Tham luận"}


def _date_vi(date: str | None) -> str | None:
    """'2020-07-14' → '14/7/2020', '2020-07' → '…/7/2020', '2020' → '…/…/2020'."""
    if not date:
        return None
    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])}/{int(parts[1])}/{parts[0]}"
    if len(parts) == 2:
        return f"…/{int(parts[1])}/{parts[0]}"
    return f"…/…/{parts[0]}"


def _issuer_with_place(metadata: dict) -> str | None:
    """'Sở Nội vụ' + Bắc Giang → 'Sở Nội vụ tỉnh Bắc Giang'; 'Ban Dân vận Tỉnh ủy' → '… Tỉnh ủy Nghệ An';
    'UBND huyện Bình Sơn' → 'UBND huyện Bình Sơn, tỉnh Quảng Ngãi'; '… xã Lương Minh' stays as written."""
    from indexer.gazetteer import CENTRAL_CITIES, HO_CHI_MINH_CITY
    from indexer.textnorm import search_key

    issuer, province, district = metadata.get("issuer"), metadata.get("province"), metadata.get("district")
    if province == HO_CHI_MINH_CITY:
        province_named = province
    elif province:
        province_named = ("thành phố " if province in CENTRAL_CITIES else "tỉnh ") + province
    else:
        province_named = None
    if not issuer:
        return None
    folded = search_key(issuer)
    if province and search_key(province) in folded:
        return issuer
    # a commune's body names its own place ("… xã Lương Minh"); the gazetteer has no communes, so
    # the province beside it would be inferred from the body, not stated: the name stays as written
    if re.search(r"(?<!\w)(?:xã|phường|thị trấn)\s+(?:[A-ZĐ\u00C0-\u1EF8]|\d)", issuer):
        return issuer
    if folded.endswith(("tinh uy", "thanh uy")) and province:
        return f"{issuer} {province}"
    if district and search_key(district) in folded:
        return f"{issuer}, {province_named}" if province_named else issuer
    return f"{issuer} {province_named}" if province_named else issuer


def _without_kind(title: str, kind: str) -> str:
    """'Báo cáo: Kết quả …' → 'Kết quả …' when the kind is said already."""
    head, sep, rest = title.partition(":")
    return rest.strip() if sep and head.strip().lower() == kind.lower() and rest.strip() else title


def compact_section(section: str) -> str:
    """'B. II. 4.2' → 'B.II.4.2' (how a cited section is written in running text)."""
    return section.replace(". ", ".").rstrip(".") if section else section


def vietnamese_citation(title: str, metadata: dict, section: str = "", paragraph: int | None = None,
                        paragraph_end: int | None = None) -> str:
    """The passage cited as Vietnamese official documents cite one another."""
    metadata = metadata or {}
    kind = DOC_TYPE_LABELS.get((metadata.get("doc_type") or "").lower(), "Văn bản")
    number, date = metadata.get("number"), _date_vi(metadata.get("date"))
    head = [kind]
    if number:
        head.append("số " + (f"…{number}" if number.startswith("/") else number))
        head.append("ngày " + (date or "…"))
    else:  # nothing else identifies it: name it by its title
        head.append(f"“{short_title(_without_kind(title, kind))}”")
        if date:
            head.append("ngày " + date)
    issuer = _issuer_with_place(metadata)
    if issuer:
        head.append("của " + issuer)
    elif metadata.get("province"):
        head.append(f"({', '.join(p for p in (metadata.get('district'), metadata['province']) if p)})")
    where = []
    if section:
        compact = compact_section(section)
        where.append(compact if compact.startswith(SECTION_WORDS) else f"mục {compact}")
    if paragraph:
        where.append(f"đoạn {paragraph}–{paragraph_end}" if paragraph_end and paragraph_end != paragraph
                     else f"đoạn {paragraph}")
    return ", ".join([" ".join(head), *where])
