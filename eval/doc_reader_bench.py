"""Which Debian tool reads Vietnamese Word 97–2003 (.doc) best: antiword or catdoc.

For each .docx given, a .doc of the same text is made with LibreOffice (`soffice
--headless --convert-to doc`; LibreOffice is needed only here, not by tracuu), both
tools read the .doc, and their words are compared with python-docx's reading of the
.docx (the same text, so the reference):
- word recall / precision over the bag of words (NFC, lower case, punctuation stripped),
- words with Vietnamese diacritics recovered (a tool that loses the 8-bit or Unicode
  code page shows it here first),
- seconds per file.

    python -m eval.doc_reader_bench ../shared/datasets/provincial-docs/*.docx \
        [--out eval/results/doc_readers.md]
"""
from __future__ import annotations

import argparse
import platform
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

from eval.retrieval import cpu_model

WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> Counter:
    return Counter(w.lower() for w in WORD.findall(unicodedata.normalize("NFC", text)))


def has_marks(word: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", word)) or "đ" in word


def overlap(reference: Counter, candidate: Counter) -> tuple[float, float, float]:
    common = sum((reference & candidate).values())
    marked_ref = Counter({w: n for w, n in reference.items() if has_marks(w)})
    marked_common = sum((marked_ref & candidate).values())
    return (common / max(1, sum(reference.values())), common / max(1, sum(candidate.values())),
            marked_common / max(1, sum(marked_ref.values())))


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        text = (out.stdout + out.stderr).strip().splitlines()
        return next((line.strip() for line in text if re.search(r"\d+\.\d+", line)), "?")
    except OSError:
        return "not installed"


def main(argv: list[str] | None = None) -> int:
    from indexer.readers.doc import TOOLS, doc_lines, run_tool
    from indexer.readers.docx import read_docx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docx", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not shutil.which("soffice"):
        raise SystemExit("soffice (LibreOffice) is needed to make the .doc files: apt-get install libreoffice-writer-nogui")
    rows, totals = [], {tool: [0.0] * 5 for tool in TOOLS}
    with tempfile.TemporaryDirectory(prefix="tracuu-docbench-") as tmp:
        for source in args.docx:
            local = Path(tmp) / source.name
            shutil.copyfile(source, local)
            subprocess.run(["soffice", "--headless", "--convert-to", "doc", "--outdir", tmp, str(local)],
                           capture_output=True, check=True, timeout=300)
            doc = local.with_suffix(".doc")
            reference_text = read_docx(local, source.name).text
            reference = words(reference_text)
            reference_paragraphs = [p for p in reference_text.split("\n\n") if p.strip()]
            for tool in TOOLS:
                t0 = time.perf_counter()
                text = run_tool(tool, doc)
                seconds = time.perf_counter() - t0
                recall, precision, marked = overlap(reference, words(text))
                found = set(doc_lines(text))
                paragraphs = sum(p.strip() in found for p in reference_paragraphs) / max(1, len(reference_paragraphs))
                rows.append((source.name, tool, recall, precision, marked, paragraphs, seconds))
                for i, v in enumerate((recall, precision, marked, paragraphs, seconds)):
                    totals[tool][i] += v
    n = len(args.docx)
    lines = ["# .doc readers: antiword vs catdoc on Vietnamese text", "",
             f"Date {time.strftime('%Y-%m-%d')}; machine: {platform.processor() or platform.machine()}, "
             f"{cpu_model()}; {tool_version(['antiword', '-h'])}; catdoc {tool_version(['catdoc', '-V'])}; "
             f"{tool_version(['soffice', '--version'])} made the .doc files.", "",
             "Reference: python-docx's reading of the .docx each .doc was made from. Recall / precision: "
             "bag of words (NFC, lower case); marked: words with Vietnamese diacritics recovered; "
             "paragraphs: the reference's paragraphs found whole as one line of the tool's output "
             "(after indexer/readers/doc.py's layout step).", "",
             "| file | tool | recall | precision | marked words | paragraphs | s/file |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {f} | {t} | {r:.4f} | {p:.4f} | {m:.4f} | {g:.4f} | {s:.3f} |" for f, t, r, p, m, g, s in rows]
    lines += [f"| **mean of {n}** | {t} | {v[0] / n:.4f} | {v[1] / n:.4f} | {v[2] / n:.4f} | {v[3] / n:.4f} "
              f"| {v[4] / n:.3f} |" for t, v in totals.items()]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0



if __name__ == "__main__":
    raise SystemExit(main())
