"""`tracuu facts INDICATOR --by province,year [--csv|--json|--xlsx FILE|--docx FILE]`: one
indicator side by side for every place and year the index covers, each cell cited."""
from __future__ import annotations

import sys


def add_parser(sub, common) -> None:
    p = sub.add_parser("facts", help="a place × year table of one indicator (e.g. 'đơn khiếu nại đã giải "
                                     "quyết'), every cell cited")
    p.add_argument("indicator")
    p.add_argument("--by", default="province,year", help="row,column fields (province, year, district, doc_type)")
    p.add_argument("--province")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="CSV: one row per place, one column per period, "
                                                        "the numbered source note under it")
    out.add_argument("--json", action="store_true", help="the JSON table (as GET /facts)")
    out.add_argument("--xlsx", metavar="FILE", help="write the table and its source note to an .xlsx file")
    out.add_argument("--docx", metavar="FILE", help="write the table and its source note to a .docx file")
    common(p)
    p.set_defaults(func=cmd_facts)


def format_table(table: dict) -> str:
    """Rows of cells, then the numbered citations the cells point to."""
    if not table["cells"]:
        return f"No figure for {table['indicator']['query']!r} in the index."
    index = {(c["row"], c["column"]): c for c in table["cells"]}
    width = max(len(r) for r in table["rows"] + [table["by"][0]])
    label = table["indicator"].get("label") or "; ".join(table["labels"])
    lines = [f"{label} — by {table['by'][0]} × {table['by'][1]} ({table['facts']} figures)", ""]
    for row in table["rows"]:
        cells = []
        for column in table["columns"]:
            cell = index.get((row, column))
            if cell is None:
                continue
            mark = "*" if cell["period_inferred"] else ""
            cells.append(f"{column}{mark}: {cell['raw']} [{cell['note']}]")
        lines.append(f"{row:<{width}}  " + "; ".join(cells))
    notes = [f"[{n['n']}] {n['citation_vi']}\n     “{n['sentence'][:300]}”" for n in table["notes"]]
    extra = []
    if any(c["period_inferred"] for c in table["cells"]):
        extra.append("* year inferred from the paragraph, section or document")
    if table.get("wordings"):
        extra.append("wordings merged: " + "; ".join(table["wordings"][:12]))
    if table.get("variants"):
        extra.append("other indicators with these words: " + "; ".join(
            f"{v['label']} ({v['facts']})" for v in table["variants"][:6]))
    return "\n".join(lines + ["", *notes, *([""] + extra if extra else [])])


def cmd_facts(args) -> int:
    from pathlib import Path

    from api.cli import EXIT_OK, EXIT_USAGE, _location, _print_json
    from api.facts_export import table_csv, table_docx, table_xlsx
    from search.answer.facts import FactTable
    from search.engine import QueryError, SearchEngine

    engine = SearchEngine(_location(args), model=args.model)
    try:
        table = FactTable(engine).table(args.indicator, by=tuple(f.strip() for f in args.by.split(",") if f.strip()),
                                        province=args.province, year_from=args.year_from, year_to=args.year_to)
    except (QueryError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(table)
    elif args.csv:
        sys.stdout.write(table_csv(table))
    elif args.xlsx or args.docx:
        path = Path(args.xlsx or args.docx)
        try:
            path.write_bytes(table_xlsx(table) if args.xlsx else table_docx(table))
        except OSError as err:
            print(f"error: cannot write {path}: {err.strerror or err}", file=sys.stderr)
            return EXIT_USAGE
        print(f"{path}: {len(table['cells'])} cells, {len(table['notes'])} sources")
    else:
        print(format_table(table))
    return EXIT_OK
