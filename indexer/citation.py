"""The human-readable citation of a passage: document, section, paragraph.

"Báo cáo: Kết quả 05 năm thực hiện Kết luận số 114-KL/TW … — mục B. II. 4.2, đoạn 44"
"Luật Khiếu nại, tố cáo — Điều 12, khoản 2, đoạn 57"
Metadata (province, date), when known, is appended by `format_citation`'s caller via
`extra`, so the string names where and when the document is from.
"""
from __future__ import annotations

TITLE_MAX_CHARS = 120


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
        where.append(section if section.startswith(("Điều", "Chương", "Mục", "Phần")) else f"mục {section}")
    if paragraph_end and paragraph_end != paragraph:
        where.append(f"đoạn {paragraph}–{paragraph_end}")
    else:
        where.append(f"đoạn {paragraph}")
    return ", ".join(parts) + " — " + ", ".join(where)
