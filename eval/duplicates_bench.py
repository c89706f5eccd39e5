"""How alike are duplicates and how alike are different documents: the duplicate threshold.

Pairs that ARE the same document (should be found):
- format: the same text read from .docx and from the .doc / .odt / .rtf LibreOffice makes of
  it (tests/fixtures/office/ and, with soffice installed, the .docx of provincial-docs);
- page: a PDF without its last page, and without its first page (one page more or less);
- ocr: a text-layer PDF's pages rendered to images and read by Tesseract (vie, 300 dpi)
  against its text layer; rescan: the same pages OCR'd at 200 dpi against 300 dpi (two
  scans of one signed paper read differently).
Pairs that are NOT (should not be found): every pair of distinct documents in corpus/,
provincial-docs, the text-layer scanned directives and the 110 laws of vlc-laws (laws
share long formulas; provincial reports share templates).

For each pair: exact containment of 4-word shingles |A∩B| / min(|A|, |B|), its MinHash
estimate (indexer/duplicates.py, what the index uses), and the size ratio. Writes
eval/results/duplicates.md.

    python -m eval.duplicates_bench [--no-ocr]
"""
from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import tempfile
import time
from itertools import combinations
from pathlib import Path

from eval.retrieval import cpu_model

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "datasets"


def exact_containment(a: set, b: set) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def _pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF as the reader reads it."""
    from indexer.readers import read_file

    doc = read_file(path, path.name)
    pages = doc.extra.get("pages") or [[0, 1]]
    bounds = [start for start, _ in pages] + [len(doc.text)]
    return [doc.text[a:b] for a, b in zip(bounds, bounds[1:])]


def _ocr(path: Path, dpi: int, tmp: Path) -> str:
    import pypdfium2 as pdfium

    texts = []
    pdf = pdfium.PdfDocument(str(path))
    for i in range(len(pdf)):
        image = tmp / f"{path.stem}-{dpi}-{i}.png"
        pdf[i].render(scale=dpi / 72).to_pil().convert("L").save(image)
        out = subprocess.run(["tesseract", str(image), "stdout", "-l", "vie", "--psm", "3"],
                             capture_output=True, text=True, timeout=300)
        texts.append(out.stdout)
    return "\n".join(texts)


def main(argv: list[str] | None = None) -> int:
    from indexer.documents import read_path
    from indexer.duplicates import (CONTAINMENT_THRESHOLD, MIN_SIZE_RATIO, SHINGLE_WORDS, containment,
                                    fingerprint, shingles, size_ratio)
    from indexer.readers import read_file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-ocr", action="store_true", help="skip the Tesseract pairs")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "duplicates.md")
    args = parser.parse_args(argv)
    t0 = time.time()

    positives: list[tuple[str, str, str, str]] = []  # (kind, name, text a, text b)
    office = ROOT / "tests" / "fixtures" / "office"
    base = read_file(office / "baocao_sonha.doc", "a").text
    for suffix in ("odt", "rtf"):
        positives.append(("format", f"baocao_sonha .doc / .{suffix}", base,
                          read_file(office / f"baocao_sonha.{suffix}", "b").text))
    provincial = SHARED / "provincial-docs"
    with tempfile.TemporaryDirectory(prefix="tracuu-dupbench-") as tmp:
        tmp = Path(tmp)
        if shutil.which("soffice") and provincial.is_dir():
            for source in sorted(provincial.glob("*.docx")):
                shutil.copyfile(source, tmp / source.name)
                subprocess.run(["soffice", "--headless", "--convert-to", "doc", "--outdir", str(tmp),
                                str(tmp / source.name)], capture_output=True, timeout=300)
                positives.append(("format", f"{source.name} / .doc", read_file(tmp / source.name, "a").text,
                                  read_file((tmp / source.name).with_suffix(".doc"), "b").text))
        pdfs = sorted(provincial.glob("*.pdf")) if provincial.is_dir() else []
        for pdf in pdfs:
            pages = _pdf_pages(pdf)
            if len(pages) >= 2:
                whole = "".join(pages)
                positives.append(("page", f"{pdf.name} without last page ({len(pages)} pages)", whole,
                                  "".join(pages[:-1])))
                positives.append(("page", f"{pdf.name} without first page", whole, "".join(pages[1:])))
        if not args.no_ocr and shutil.which("tesseract"):
            for pdf in [SHARED / "scanned-directives" / "qn-02.pdf", SHARED / "scanned-directives" / "qn-17.pdf",
                        provincial / "NinhBinh_QD807_ChuongTrinhPTDT_TamDiep_2024.pdf",
                        provincial / "NinhBinh_QD963_DanhMucVBQPPL_LuatDuongBo_2024.pdf"]:
                if not pdf.exists():
                    continue
                layer = read_file(pdf, "a").text
                at300, at200 = _ocr(pdf, 300, tmp), _ocr(pdf, 200, tmp)
                positives.append(("ocr", f"{pdf.name} OCR 300 dpi / text layer", layer, at300))
                positives.append(("rescan", f"{pdf.name} OCR 200 dpi / 300 dpi", at300, at200))

    negatives_docs: list[tuple[str, str]] = []
    for folder in (ROOT / "corpus", provincial, SHARED / "vlc-laws"):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                try:
                    negatives_docs += [(f"{folder.name}/{d.doc_id}", d.text) for d in read_path(path, folder)]
                except Exception:
                    continue
    for name in ("qn-02.pdf", "qn-17.pdf"):
        path = SHARED / "scanned-directives" / name
        if path.exists():
            negatives_docs.append((f"scanned-directives/{name}", read_file(path, name).text))

    def measure(a: str, b: str) -> tuple[float, float, float]:
        fa, fb = fingerprint(a), fingerprint(b)
        return exact_containment(shingles(a), shingles(b)), containment(fa, fb), size_ratio(fa, fb)

    pos_rows = [(kind, name, *measure(a, b)) for kind, name, a, b in positives]
    prints = [(name, shingles(text), fingerprint(text)) for name, text in negatives_docs]
    neg_rows = []
    for (na, sa, fa), (nb, sb, fb) in combinations(prints, 2):
        neg_rows.append((na, nb, exact_containment(sa, sb), containment(fa, fb), size_ratio(fa, fb)))
    neg_rows.sort(key=lambda r: -r[3])

    def flagged(estimate: float, ratio: float) -> bool:
        return estimate >= CONTAINMENT_THRESHOLD and ratio >= MIN_SIZE_RATIO

    found = sum(flagged(r[3], r[4]) for r in pos_rows)
    false = sum(flagged(r[3], r[4]) for r in neg_rows)
    lines = [
        "# Duplicate detection: containment of word shingles (indexer/duplicates.py)", "",
        f"Date {time.strftime('%Y-%m-%d')}; {cpu_model()}; Python {platform.python_version()}; "
        f"{_tesseract()}; {time.time() - t0:.0f} s. Shingles of {SHINGLE_WORDS} words (folded: no case, "
        f"no diacritics), MinHash of 128 permutations; duplicate when the estimated containment ≥ "
        f"{CONTAINMENT_THRESHOLD} and the size ratio ≥ {MIN_SIZE_RATIO}.", "",
        f"**Same document (should be found): {found} of {len(pos_rows)} found.** "
        f"Lowest estimate: {min((r[3] for r in pos_rows), default=0):.3f}.", "",
        "| kind | pair | exact containment | MinHash estimate | size ratio | found |", "|---|---|---|---|---|---|"]
    lines += [f"| {k} | {n} | {e:.3f} | {m:.3f} | {s:.2f} | {'yes' if flagged(m, s) else 'NO'} |"
              for k, n, e, m, s in pos_rows]
    lines += ["", f"**Different documents (should not be found): {false} of {len(neg_rows)} pairs flagged.** "
                  f"The 15 most alike:", "",
              "| document | document | exact containment | MinHash estimate | size ratio | flagged |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {e:.3f} | {m:.3f} | {s:.2f} | {'YES' if flagged(m, s) else 'no'} |"
              for a, b, e, m, s in neg_rows[:15]]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    return 0



def _tesseract() -> str:
    try:
        return subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "no tesseract"


if __name__ == "__main__":
    raise SystemExit(main())
