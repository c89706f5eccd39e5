"""Spreadsheets (.xlsx openpyxl, .xls xlrd, .ods odfpy): each sheet a table, each row a passage.

Statistical annexes (phụ lục số liệu) travel as workbooks. A sheet is read as a person
reads it:
- the title rows on top (one filled cell: "PHỤ LỤC 02", "SỐ LIỆU TIẾP CÔNG DÂN NĂM 2024")
  are the sheet's context: every row's passage carries them in its heading path;
- the header is the first row with two or more filled cells; a second header row under a
  merged one ("Kết quả" over "Đã giải quyết | Tỷ lệ") is joined to it, so each column is
  named in full ("Kết quả – Đã giải quyết");
- every later row becomes one line that keeps each value next to its column's header
  (tables.row_line: "Đơn vị: Huyện A; Số đơn: 12; Tỷ lệ: 95,5%"), so a figure found by
  search, quoted in an answer or put in the facts table still says what it counts.
Numbers are written the Vietnamese way (decimal comma, no grouping: "1234,5"; percent
cells "95,5%"), dates dd/mm/yyyy.

Where a passage stands: `Document.extra["table_rows"]` = [[offset, sheet index, row], …]
(the row number as the spreadsheet shows it) and `extra["sheets"]` = [{"name", "context"}];
`table_row_place` turns a passage's offset into its citation ("bảng Phụ lục 2, dòng 7"),
which the index build puts in the passage's section (indexer/build.py).
"""
from __future__ import annotations

import bisect
import datetime as dt
import unicodedata
from pathlib import Path

from indexer.document import Document, IngestError
from indexer.readers.tables import clean_cell, row_line

MAX_CELLS = 2_000_000  # a sheet that claims more is refused rather than read into memory
MAX_EMPTY_RUN = 1000  # .ods files repeat empty rows to the sheet's end: stop after this many


def format_number(value: float, percent: bool = False) -> str:
    """12.5 → '12,5'; 3.0 → '3'; a percent cell 0.955 → '95,5%'."""
    if percent:
        value *= 100
    if float(value).is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    return text + ("%" if percent else "")


def format_value(value, percent: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float)):
        return format_number(float(value), percent)
    return clean_cell(value)


# --- the three file formats → [(sheet name, [(row number, [cell text, …]), …])] -------
def _xlsx_sheets(path: Path) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    from indexer.readers.archive import check_archive

    check_archive(path, ".xlsx", required=("xl/workbook.xml",))  # size and zip-bomb limits
    import openpyxl

    # data_only: a formula cell gives the value Excel saved with it, not the formula
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in book.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue  # hidden helper sheets are not what the annex shows
            rows = []
            cells = 0
            for row in sheet.iter_rows():
                values = []
                number = None
                for cell in row:
                    if getattr(cell, "row", None) is not None and number is None:
                        number = cell.row
                    fmt = getattr(cell, "number_format", "") or ""
                    values.append(format_value(cell.value, percent="%" in fmt and isinstance(cell.value, (int, float))))
                cells += len(values)
                if cells > MAX_CELLS:
                    raise IngestError(str(path), f"sheet {sheet.title!r} has more than {MAX_CELLS} cells")
                if number is not None and any(values):
                    rows.append((number, values))
            sheets.append((sheet.title, rows))
        return sheets
    finally:
        book.close()


def _xls_sheets(path: Path) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    import xlrd

    try:  # formatting_info: the cells' number formats (a percent cell reads "95,5%", not 0.955)
        book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=True)
    except NotImplementedError:
        book = xlrd.open_workbook(str(path), on_demand=True)

    def is_percent(cell) -> bool:
        try:
            return "%" in book.format_map[book.xf_list[cell.xf_index].format_key].format_str
        except (AttributeError, IndexError, KeyError, TypeError):
            return False

    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if getattr(sheet, "visibility", 0) != 0:
                continue
            if sheet.nrows * max(sheet.ncols, 1) > MAX_CELLS:
                raise IngestError(str(path), f"sheet {sheet.name!r} has more than {MAX_CELLS} cells")
            rows = []
            for r in range(sheet.nrows):
                values = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        values.append(format_value(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        values.append(format_value(bool(cell.value)))
                    elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        values.append("")
                    elif cell.ctype == xlrd.XL_CELL_NUMBER:
                        values.append(format_value(cell.value, percent=is_percent(cell)))
                    else:
                        values.append(format_value(cell.value))
                if any(values):
                    rows.append((r + 1, values))
            sheets.append((sheet.name, rows))
            book.unload_sheet(index)
        return sheets
    finally:
        book.release_resources()


def odf_text(element) -> str:
    """The text of an ODF element: paragraphs, spaces (<text:s text:c="3"/>), tabs, line breaks."""
    from odf.namespaces import TEXTNS

    parts = []
    for node in element.childNodes:
        if node.nodeType == node.TEXT_NODE:
            parts.append(node.data)
        elif node.qname == (TEXTNS, "s"):
            parts.append(" " * int(node.attributes.get((TEXTNS, "c"), 1) or 1))
        elif node.qname in ((TEXTNS, "tab"), (TEXTNS, "line-break")):
            parts.append(" " if node.qname == (TEXTNS, "tab") else "\n")
        elif node.qname == (TEXTNS, "note"):
            continue  # footnotes are read by the .odt reader, not inline
        else:
            parts.append(odf_text(node))
    return "".join(parts)


def _ods_sheets(path: Path) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    from indexer.readers.archive import check_archive

    check_archive(path, ".ods", required=("content.xml",))  # size and zip-bomb limits
    from odf import opendocument
    from odf.namespaces import OFFICENS, TABLENS, TEXTNS
    from odf.table import Table, TableRow

    document = opendocument.load(str(path))
    sheets = []
    for table in document.spreadsheet.getElementsByType(Table):
        name = table.attributes.get((TABLENS, "name"), "") or f"Sheet{len(sheets) + 1}"
        rows, number, empty_run, cells = [], 0, 0, 0
        for row in table.getElementsByType(TableRow):
            repeat = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1) or 1)
            values = []
            for cell in row.childNodes:
                if cell.qname not in ((TABLENS, "table-cell"), (TABLENS, "covered-table-cell")):
                    continue
                span = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1) or 1)
                kind = cell.attributes.get((OFFICENS, "value-type"))
                if kind in ("float", "percentage", "currency"):
                    raw = cell.attributes.get((OFFICENS, "value"))
                    text = format_value(float(raw), percent=kind == "percentage") if raw else ""
                elif kind == "date":
                    raw = cell.attributes.get((OFFICENS, "date-value"), "")
                    try:
                        text = format_value(dt.datetime.fromisoformat(raw))
                    except ValueError:
                        text = raw
                elif kind == "boolean":
                    text = format_value(cell.attributes.get((OFFICENS, "boolean-value")) == "true")
                else:
                    text = clean_cell(" ".join(odf_text(p) for p in cell.childNodes
                                               if p.qname == (TEXTNS, "p")))
                values += [text] * min(span, 1024)
            while values and not values[-1]:
                values.pop()
            for _ in range(repeat):
                number += 1
                if not values:
                    empty_run += 1
                    if empty_run > MAX_EMPTY_RUN:
                        break
                    continue
                empty_run = 0
                cells += len(values)
                if cells > MAX_CELLS:
                    raise IngestError(str(path), f"sheet {name!r} has more than {MAX_CELLS} cells")
                rows.append((number, values))
                if repeat > 1000:
                    break  # a filled row repeated a thousand times is a template, not data
            if empty_run > MAX_EMPTY_RUN:
                break
        sheets.append((name, rows))
    return sheets


# --- a sheet read as a person reads it -------------------------------------------------
def _is_number(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace("%", "").replace("-", "").isdigit()


def _merge_headers(top: list[str], sub: list[str]) -> list[str]:
    """A merged header cell spans the columns to its right that are empty in `top` and
    filled in `sub`: "Kết quả" over "Đã giải quyết | Tỷ lệ" → both columns named in full."""
    width = max(len(top), len(sub))
    top = top + [""] * (width - len(top))
    sub = sub + [""] * (width - len(sub))
    merged, parent = [], ""
    for upper, lower in zip(top, sub):
        if upper:
            parent = upper
        above = upper or (parent if lower else "")
        merged.append(f"{above} – {lower}" if above and lower and lower != above else (lower or above))
    return merged


def sheet_layout(rows: list[tuple[int, list[str]]]) -> tuple[list[str], list[tuple[int, str]]]:
    """(the sheet's title lines, [(row number, line), …]) for one sheet's non-empty rows."""
    context: list[str] = []
    lines: list[tuple[int, str]] = []
    header: list[str] | None = None
    header_number = 0
    i = 0
    while i < len(rows):
        number, values = rows[i]
        filled = [v for v in values if v]
        if header is None:
            if len(filled) <= 1:
                context.append(filled[0])
                lines.append((number, filled[0]))
                i += 1
                continue
            header, header_number = values, number
            # a second header row: no figures in it, and the first had merged (empty) cells
            if i + 1 < len(rows):
                following = rows[i + 1][1]
                under_blank = any(v and (c >= len(header) or not header[c]) for c, v in enumerate(following))
                if under_blank and not any(_is_number(v) for v in following):
                    header = _merge_headers(header, following)
                    i += 1
            i += 1
            continue
        if len(filled) == 1:
            lines.append((number, filled[0]))  # a group row ("I. Cấp tỉnh") stands as it is
        else:
            line = row_line(header, values)
            if line:
                lines.append((number, line))
        i += 1
    if header is not None and len(lines) == len(context):
        # a sheet that is one header row only: write it as it stands
        lines.append((header_number, "; ".join(v for v in header if v)))
    return context, lines


def read_spreadsheet(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document

    suffix = path.suffix.lower()
    reader = {".xlsx": _xlsx_sheets, ".xlsm": _xlsx_sheets, ".xls": _xls_sheets, ".ods": _ods_sheets}[suffix]
    parts: list[str] = []
    offset = 0
    table_rows: list[list] = []
    sheets: list[dict] = []
    for name, rows in reader(path):
        context, lines = sheet_layout(rows)
        if not lines:
            continue
        sheet_index = len(sheets)
        sheets.append({"name": clean_cell(name), "context": context[:3]})
        for number, line in lines:
            # NFC now, so the offsets stay those of the stored (NFC) text
            line = unicodedata.normalize("NFC", line)
            table_rows.append([offset, sheet_index, number])
            parts.append(line)
            offset += len(line) + 2  # "\n\n" between paragraphs
    if not parts:
        raise IngestError(str(path), "no text found (every sheet is empty)")
    text = "\n\n".join(parts) + "\n"
    title = None
    first_context = sheets[0]["context"]
    if first_context:
        title = " — ".join(first_context[:2])
    return make_document(path, doc_id, text, {"format": suffix.lstrip("."), "table_rows": table_rows,
                                              "sheets": sheets}, title=title)


def table_row_place(extra: dict, offset: int) -> tuple[str, list[str]] | None:
    """(citation section "bảng <sheet>, dòng <row>", heading path [sheet, its title lines])
    of the passage starting at `offset` of a spreadsheet's text; None for other documents."""
    rows = (extra or {}).get("table_rows")
    if not rows:
        return None
    i = max(0, bisect.bisect_right([r[0] for r in rows], offset) - 1)
    _, sheet_index, number = rows[i]
    sheet = extra["sheets"][sheet_index]
    return f"bảng {sheet['name']}, dòng {number}", [f"Bảng {sheet['name']}", *sheet["context"]]
