"""Tables as text: one line per row, each value next to its column header.

    | Nội dung                  | Năm 2021 |
    | Số vụ việc đã giải quyết  | 08 vụ    |
 →  "Nội dung: Số vụ việc đã giải quyết; Năm 2021: 08 vụ"

so a number found by search (and quoted in a citation) still says what it counts.
"""
from __future__ import annotations

import re


def clean_cell(value) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip()


def table_lines(rows: list[list[str]]) -> list[str]:
    """The first row is the header; a one-row table is written as it stands."""
    rows = [[clean_cell(c) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    if len(rows) == 1:
        return ["; ".join(c for c in rows[0] if c)]
    header = rows[0]
    return [line for line in (row_line(header, row) for row in rows[1:]) if line]


def row_line(header: list[str], row: list[str]) -> str:
    """One row as text: each non-empty value after its column's header ("" when all empty)."""
    cells = []
    for i, value in enumerate(row):
        if not value:
            continue
        name = header[i] if i < len(header) else ""
        cells.append(f"{name}: {value}" if name and name != value else value)
    return "; ".join(cells)
