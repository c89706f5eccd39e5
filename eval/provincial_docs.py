"""Metadata of the 15 provincial documents (../shared/datasets/provincial-docs) against labels
written by hand (eval/data/provincial_docs_meta.jsonl): type, issuer, place, date.

Each file is read by its reader and its metadata extracted exactly as the index does
(indexer.build.document_record). Compared:
- doc_type: equal ("kế hoạch", "quyết định", "báo cáo", "tham luận", …);
- issuer: the issuer as citations name it (indexer.citation: "Sở Nội vụ" + Lâm Đồng →
  "Sở Nội vụ tỉnh Lâm Đồng"), compared folded (no case, no diacritics) with "Ủy ban nhân
  dân" = "UBND" and "Ủy ban Mặt trận Tổ quốc" = "Ủy ban MTTQ";
- place: the province;
- date: as precise as the header fills it in ("2025-11-21", "2025-12" when the day is
  blank, "2024" when day and month are); a document with no date line is labelled null
  and is right only when none is extracted (a date taken from the body is a wrong date).
A document is right when all four are. Also shown, not scored: the number (Số).

    python -m eval.provincial_docs [--out eval/results/provincial_docs.md]
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "eval" / "data" / "provincial_docs_meta.jsonl"
FOLDER = ROOT.parent / "shared" / "datasets" / "provincial-docs"
FIELDS = ("doc_type", "issuer", "province", "date")


def canonical_issuer(issuer: str | None) -> str | None:
    from indexer.textnorm import search_key

    if not issuer:
        return None
    key = search_key(issuer)
    key = re.sub(r"\buy ban nhan dan\b", "ubnd", key)
    key = re.sub(r"\buy ban mat tran to quoc\b", "uy ban mttq", key)
    key = re.sub(r"[^a-z0-9]+", " ", key)
    return " ".join(key.split())


def predicted(path: Path) -> dict:
    from indexer.build import document_record
    from indexer.citation import _issuer_with_place
    from indexer.readers import read_file

    record, _ = document_record(read_file(path, path.name))
    metadata = record["metadata"]
    return {"doc_type": metadata.get("doc_type"), "issuer": _issuer_with_place(metadata),
            "province": metadata.get("province"), "date": metadata.get("date"), "number": metadata.get("number")}


def right(field: str, label, guess) -> bool:
    if field == "issuer":
        return canonical_issuer(label) == canonical_issuer(guess)
    return label == guess


def score(folder: Path = FOLDER) -> dict:
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = []
    for label in labels:
        guess = predicted(folder / label["file"])
        marks = {f: right(f, label[f], guess[f]) for f in FIELDS}
        rows.append({"file": label["file"], "label": label, "guess": guess, "right": marks,
                     "all": all(marks.values())})
    n = len(rows)
    return {"rows": rows, "documents": n, "all_right": sum(r["all"] for r in rows),
            "fields": {f: sum(r["right"][f] for r in rows) for f in FIELDS}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "provincial_docs.md")
    args = parser.parse_args(argv)
    if not FOLDER.is_dir():
        raise SystemExit(f"{FOLDER} is absent (the shared datasets sit beside the repository)")
    result = score()
    n = result["documents"]
    lines = ["# Provincial documents: type, issuer, place and date against hand labels", "",
             f"Date {time.strftime('%Y-%m-%d')}. {n} files of ../shared/datasets/provincial-docs (PDF, DOCX, text; "
             f"six provinces and cities and a commune), labels in eval/data/provincial_docs_meta.jsonl, "
             f"scored by `python -m eval.provincial_docs`.", "",
             f"**All four right: {result['all_right']} of {n} ({result['all_right'] / n:.0%}).** "
             + ", ".join(f"{f}: {k} of {n}" for f, k in result["fields"].items()) + ".", "",
             "| file | type | issuer | place | date | number (not scored) |", "|---|---|---|---|---|---|"]

    def cell(row, field):
        guess, label = row["guess"][field], row["label"].get(field)
        if field == "number" or row["right"].get(field):
            return f"{guess}" if guess is not None else "—"
        return f"**{guess if guess is not None else '—'}** (label: {label if label is not None else '—'})"

    for row in result["rows"]:
        lines.append(f"| {row['file']} | " + " | ".join(cell(row, f) for f in (*FIELDS, "number")) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
