"""`tracuu facts INDICATOR --by province,year [--csv|--json]`: one indicator side by side for
every province and year the index covers, each cell with its citation."""
from __future__ import annotations

import sys


def add_parser(sub, common) -> None:
    p = sub.add_parser("facts", help="a province × year table of one indicator (e.g. 'đơn khiếu nại đã giải "
                                     "quyết'), every cell cited")
    p.add_argument("indicator")
    p.add_argument("--by", default="province,year", help="row,column fields (province, year, district, doc_type)")
    p.add_argument("--province")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="CSV: one row per province, one column per period")
    out.add_argument("--json", action="store_true", help="the JSON table (as GET /facts)")
    common(p)
    p.set_defaults(func=cmd_facts)


def format_table(table: dict) -> str:
    """Rows of cells, then the numbered citations the cells point to."""
    if not table["cells"]:
        return f"No figure for {table['indicator']['query']!r} in the index."
    index = {(c["row"], c["column"]): c for c in table["cells"]}
    notes: list[str] = []
    width = max(len(r) for r in table["rows"] + [table["by"][0]])
    lines = [f"{table['indicator']['query']} — by {table['by'][0]} × {table['by'][1]} ({table['facts']} figures)", ""]
    for row in table["rows"]:
        cells = []
        for column in table["columns"]:
            cell = index.get((row, column))
            if cell is None:
                continue
            notes.append(f"[{len(notes) + 1}] {cell['citation']}\n     “{' '.join(cell['sentence'].split())[:300]}”")
            place = f" {cell['place']}" if cell["place"] and cell["place"] != row else ""
            cells.append(f"{column}: {cell['raw']}{place} [{len(notes)}]")
        lines.append(f"{row:<{width}}  " + "; ".join(cells))
    return "\n".join(lines + ["", *notes])


def cmd_facts(args) -> int:

    from api.cli import EXIT_OK, EXIT_USAGE, _location, _print_json
    from search.answer.facts import FactTable, table_csv
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
    else:
        print(format_table(table))
    return EXIT_OK
