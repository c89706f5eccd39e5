"""The table of figures for a report: CSV, XLSX (openpyxl) and DOCX (python-docx).

Each format holds the table (one row per place, one column per period, a cell is the
figure as written with its note number: "144/170 [1]") and under it a numbered source
note: each cell's citation in the Vietnamese administrative style the page copies
("Báo cáo số …/BC-SNV ngày …/7/2020 của Sở Nội vụ tỉnh Bắc Giang, mục B.II.4.2, đoạn 37")
and the sentence it comes from. Marks: "*" an inferred period, "(tỷ lệ)" a rate standing
in for a count. Used by GET /facts?format=… and `tracuu facts --csv/--xlsx/--docx`.
"""
from __future__ import annotations

import io

FORMATS = ("json", "csv", "xlsx", "docx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
ROW_HEADS = {"province": "Địa bàn", "district": "Huyện", "doc_type": "Loại văn bản", "year": "Năm"}


def title(table: dict) -> str:
    label = table["indicator"].get("label") or "; ".join(table.get("labels") or []) or table["indicator"]["query"]
    return label


def cell_text(cell: dict, rate_asked: bool = False) -> str:
    mark = "*" if cell.get("period_inferred") else ""
    rate = " (tỷ lệ)" if cell["kind"] == "percent" and not rate_asked else ""
    return f"{cell['raw']}{rate} [{cell['note']}]{mark}"


def grid(table: dict) -> list[list[str]]:
    """Head row, then one row per place: the cells' texts ('' where nothing is stated)."""
    index = {(c["row"], c["column"]): c for c in table["cells"]}
    head = [ROW_HEADS.get(table["by"][0], table["by"][0])] + list(table["columns"])
    rate_asked = bool(table["indicator"].get("rate"))
    return [head] + [[row] + [cell_text(index[(row, col)], rate_asked) if (row, col) in index else ""
                              for col in table["columns"]] for row in table["rows"]]


def note_lines(table: dict) -> list[str]:
    """'[1] <citation_vi>: “<sentence>”', one per cell, in the order of the cells' numbers."""
    return [f"[{n['n']}] {n['citation_vi']}: “{n['sentence']}”" for n in table["notes"]]


def legend(table: dict) -> list[str]:
    lines = []
    if any(c.get("period_inferred") for c in table["cells"]):
        lines.append("* Năm suy ra từ đoạn, mục hoặc toàn văn bản (câu chứa số liệu không nêu năm).")
    if table.get("wordings"):
        lines.append("Cách diễn đạt đã gộp: " + "; ".join(table["wordings"][:20]))
    return lines


def table_csv(table: dict) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title(table)])
    writer.writerows(grid(table))
    writer.writerow([])
    writer.writerow(["Nguồn"])
    for line in note_lines(table) + legend(table):
        writer.writerow([line])
    return out.getvalue()


def table_xlsx(table: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Bảng số liệu"
    sheet.append([title(table)])
    sheet["A1"].font = Font(bold=True)
    rows = grid(table)
    for row in rows:
        sheet.append(row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.append([])
    sheet.append(["Nguồn"])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for line in note_lines(table) + legend(table):
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=False)
    sheet.column_dimensions["A"].width = max(14, min(40, max((len(r[0]) for r in rows), default=10) + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_docx(table: dict) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title(table), level=2)
    rows = grid(table)
    grid_table = document.add_table(rows=len(rows), cols=len(rows[0]))
    grid_table.style = "Table Grid"
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            grid_table.cell(i, j).text = value
            if i == 0:
                for run in grid_table.cell(i, j).paragraphs[0].runs:
                    run.bold = True
    document.add_paragraph()
    document.add_paragraph().add_run("Nguồn").bold = True
    for line in note_lines(table) + legend(table):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def export(table: dict, fmt: str) -> bytes:
    if fmt == "csv":
        return table_csv(table).encode("utf-8")
    if fmt == "xlsx":
        return table_xlsx(table)
    if fmt == "docx":
        return table_docx(table)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
