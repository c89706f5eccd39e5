#!/usr/bin/env python3
"""Validate the hand-labelled facts (issue 23) against the documents they quote.

    python eval/data/validate_facts.py        # prints a summary, exit 1 on any error

Files (next to this script), one JSON object per line:
  facts_corpus.jsonl      over corpus/ (doc_id = the file name)
  facts_provincial.jsonl  over ../shared/datasets/provincial-docs (PDF/DOCX read by the
                          project's readers, as the index reads them); checked when present
  {"id", "doc_id", "sentence", "start", "raw", "offset", "value", "indicator", "place",
   "level", "period", "source"}; a row with "raw": null marks a labelled sentence with no
  fact (its figures are durations, dates or schedules) and carries a "note".

Checks: ids unique; every sentence is verbatim in its document at `start`; every raw is
verbatim in its sentence and in the document at `offset`; the value is the number the
raw opens with; level is tỉnh / huyện / xã; period is a year, a span "2015–2020", either
with a sub-period "(6 tháng đầu năm)", or "không rõ"; indicator and place are non-empty
Vietnamese; at least 200 corpus facts and 100 provincial facts.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from indexer.numbers import parse_vn_number  # noqa: E402
from indexer.textnorm import normalize_source  # noqa: E402

CORPUS_DIR = REPO_ROOT / "corpus"
PROVINCIAL_DIR = REPO_ROOT.parent / "shared" / "datasets" / "provincial-docs"
SETS = {"facts_corpus.jsonl": (CORPUS_DIR, 200), "facts_provincial.jsonl": (PROVINCIAL_DIR, 100)}
LEVELS = {"tỉnh", "huyện", "xã"}
PERIOD = re.compile(r"^(?:(?:19|20)\d{2}(?:–(?:19|20)\d{2})?(?: \([^)]+\))?|không rõ)$")


def document_text(root: Path, doc_id: str, cache: dict) -> str:
    if doc_id not in cache:
        path = root / doc_id
        if path.suffix.lower() == ".txt":
            cache[doc_id] = normalize_source(path.read_text(encoding="utf-8"))
        else:  # the text the index holds: the project's own reader
            from indexer.documents import read_path

            cache[doc_id] = read_path(path, root)[0].text
    return cache[doc_id]


def validate(path: Path, root: Path, minimum: int) -> list[str]:
    errors, seen, cache = [], set(), {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        where = f"{path.name} {row.get('id')}"
        if row["id"] in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(row["id"])
        if not (root / row["doc_id"]).exists():
            errors.append(f"{where}: no document {row['doc_id']} in {root}")
            continue
        text = document_text(root, row["doc_id"], cache)
        if text[row["start"]:row["start"] + len(row["sentence"])] != row["sentence"]:
            errors.append(f"{where}: the sentence is not verbatim at {row['start']} in {row['doc_id']}")
        if row.get("raw") is None:
            if not row.get("note"):
                errors.append(f"{where}: a sentence without facts needs a note saying why")
            continue
        if row["raw"] not in row["sentence"] or text[row["offset"]:row["offset"] + len(row["raw"])] != row["raw"]:
            errors.append(f"{where}: raw {row['raw']!r} is not verbatim at {row['offset']}")
        number = re.match(r"[\d.,]+", row["raw"])
        if not number or parse_vn_number(number.group()) != row["value"]:
            errors.append(f"{where}: value {row['value']} is not what {row['raw']!r} opens with")
        if row["level"] not in LEVELS:
            errors.append(f"{where}: level {row['level']!r} is none of {sorted(LEVELS)}")
        if not PERIOD.match(row["period"]):
            errors.append(f"{where}: period {row['period']!r} is not '2019', '2015–2020', '2020 (…)' or 'không rõ'")
        if not row.get("indicator", "").strip() or not row.get("place", "").strip():
            errors.append(f"{where}: indicator and place must be given")
    facts = sum(1 for r in rows if r.get("raw"))
    if facts < minimum:
        errors.append(f"{path.name}: {facts} facts, at least {minimum} are required")
    print(f"{path.name}: {facts} facts in {len({(r['doc_id'], r['start']) for r in rows})} sentences of "
          f"{len({r['doc_id'] for r in rows})} documents")
    return errors


def main() -> int:
    errors = []
    for name, (root, minimum) in SETS.items():
        path = HERE / name
        if not root.is_dir():
            print(f"{name}: skipped, {root} is absent")
            continue
        errors += validate(path, root, minimum)
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
