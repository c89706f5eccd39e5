"""Word 97–2003 (.doc), read with Debian's antiword or catdoc.

Both are small C programs from Debian (`make doc-tools` installs them). Measured on
Vietnamese .doc files (eval/doc_reader_bench.py, eval/results/doc_readers.md) — see there
for why PREFERRED is the one it is; the other is the fallback when the preferred tool is
missing or fails on a file (antiword refuses some files written by other programs than
Word; catdoc reads almost anything, tables included, but less of the structure).

Layout: one paragraph per line (no wrapping: antiword `-w 0`, catdoc `-w`), table rows
become one line each with their header (tables.py) when the tool marks cells (antiword:
"|" between cells), empty lines dropped; the chunker then finds headings as in a .txt.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from indexer.document import Document, IngestError
from indexer.readers.tables import table_lines

TOOLS = ("antiword", "catdoc")
PREFERRED = "antiword"
TIMEOUT_S = 120
INSTALL_HINT = "apt-get install antiword catdoc (or `make doc-tools`)"


def run_tool(tool: str, path: Path) -> str:
    """The text `tool` reads from the .doc at `path` (UTF-8); IngestError when it cannot."""
    if tool == "antiword":
        cmd = ["antiword", "-w", "0", "-m", "UTF-8.txt", str(path)]
    elif tool == "catdoc":
        cmd = ["catdoc", "-d", "utf-8", "-w", str(path)]
    else:
        raise ValueError(tool)
    if shutil.which(cmd[0]) is None:
        raise IngestError(str(path), f"cannot read .doc files: {tool} is not installed ({INSTALL_HINT})")
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise IngestError(str(path), f"{tool} did not finish reading the .doc in {TIMEOUT_S} s") from None
    if out.returncode != 0:
        detail = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise IngestError(str(path), f"{tool} cannot read this .doc ({detail[0][:160] if detail else 'no detail'})")
    return out.stdout.decode("utf-8", "replace")


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# layout tables of Vietnamese administrative documents: the header block (issuing body |
# Quốc hiệu, Tiêu ngữ, place and date) and the signature block (Nơi nhận | KT. CHỦ TỊCH …)
LAYOUT_TABLE = re.compile(r"CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*-\s*Tự do|Nơi nhận|^(KT|TM|TL|TUQ)\.", re.I)


def _table_lines(rows: list[list[str]]) -> list[str]:
    """antiword writes each paragraph of a cell as a row of its own, so a layout table's
    cells come out over several rows: those are read column by column, one line per
    column, as the .docx reader reads the one row they are (tables.py); data tables row by row."""
    if any(LAYOUT_TABLE.search(cell) for row in rows for cell in row):
        width = max(len(r) for r in rows)
        columns = [" ".join(r[c] for r in rows if c < len(r) and r[c]) for c in range(width)]
        return ["; ".join(c for c in columns if c)] if any(columns) else []
    return table_lines(rows)


def doc_lines(text: str) -> list[str]:
    """The tool's output as paragraphs: antiword's "|a|b|" table rows as header-keyed lines."""
    lines: list[str] = []
    table: list[list[str]] = []
    for raw in text.replace("\f", "\n").splitlines():
        if _TABLE_ROW.match(raw):
            table.append([c.strip() for c in raw.strip().strip("|").split("|")])
            continue
        if table:
            lines += _table_lines(table)
            table = []
        line = " ".join(raw.split())
        if line:
            lines.append(line)
    if table:
        lines += _table_lines(table)
    return lines


def read_doc(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document

    tools = [PREFERRED] + [t for t in TOOLS if t != PREFERRED]
    failures = []
    for tool in tools:
        try:
            text = run_tool(tool, path)
        except IngestError as err:
            failures.append(err.reason)
            continue
        lines = doc_lines(text)
        if lines:
            return make_document(path, doc_id, "\n\n".join(lines) + "\n", {"format": "doc", "reader": tool})
        failures.append(f"{tool} found no text")
    raise IngestError(str(path), "; ".join(failures))
