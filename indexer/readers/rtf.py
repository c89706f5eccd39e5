"""Rich Text Format (.rtf, striprtf): one paragraph per line.

striprtf decodes \\uN escapes and 8-bit text by the font's charset or \\ansicpg (cp1258
for Vietnamese), so diacritics come out right. Two things it does not do are done here:
- text boxes and frames (\\shp … \\shptxt: Word and LibreOffice put the administrative
  header block — issuing body, Số, place and date — in one) are RTF "destinations" it
  drops; their text is kept by renaming those control words before parsing, and the
  shape properties ({\\sp{\\sn …}{\\sv …}}) are removed so they do not become text;
- table cells (\\cell, written "|" by striprtf) become paragraphs of their own: a cell
  boundary inside a multi-paragraph cell cannot be told from a row's, so rows are not
  rebuilt as header-keyed lines as .docx tables are.
"""
from __future__ import annotations

import re
from pathlib import Path

from indexer.document import Document, IngestError

SHAPE_PROPERTY = re.compile(r"\{\\sp\{\\sn [^{}]*\}\{\\sv [^{}]*\}\}")
SHAPE_IGNORABLE = re.compile(r"\{\\\*\\shpinst\b")
SHAPE_WORDS = re.compile(r"\\(shpinst|shptxt|shp)(?![a-z])")


def rtf_text(raw: str) -> str:
    from striprtf.striprtf import rtf_to_text

    raw = SHAPE_PROPERTY.sub("", raw)
    raw = SHAPE_IGNORABLE.sub(r"{\\shpinst", raw)
    raw = SHAPE_WORDS.sub(r"\\tracuu\1", raw)  # unknown control words: their text is read
    try:
        return rtf_to_text(raw, errors="strict")
    except UnicodeDecodeError:
        return rtf_to_text(raw, errors="replace")


def read_rtf(path: Path, doc_id: str) -> Document:
    from indexer.document import make_document

    data = path.read_bytes()
    if not data.lstrip().startswith(b"{\\rtf"):
        raise IngestError(str(path), "not an RTF file (no {\\rtf signature)")
    # RTF is 7-bit: 8-bit text is written as \'xx escapes, decoded by striprtf
    text = rtf_text(data.decode("latin-1"))
    lines = [" ".join(line.split()) for line in text.replace("|", "\n").splitlines()]
    lines = [line for line in lines if line]
    return make_document(path, doc_id, "\n\n".join(lines) + "\n", {"format": "rtf"})
