"""Build indexer/readers/syllable_pairs.tsv.gz, the Vietnamese context the OCR post-correction
weighs tone marks and letter case by (indexer/readers/syllables.py):
`python -m eval.syllable_pairs_table` (reads ../shared at dev time; what ships is the table).

Source text: the project's own corpus/ and the laws of ../shared/datasets/vlc-laws and
vlc-laws-2 (undertheseanlp, GPL-3.0; counts of word pairs, not text). The OCR-benchmark
documents (scanned-directives) are not read: the table must not know the pages it is
measured on.

Rows (tab-separated, lower-case NFC syllables):
- `P  a  b  n`: the pair "a b" printed n times with nothing but a space between (a comma or a
  full stop breaks a pair), kept when n ≥ `MIN_PAIR_COUNT` and one of the two has a sibling
  of the same letters and another tone mark (the only pairs the correction asks about);
- `C  s  lower  capital`: how often syllable s is printed in lower case and capitalised
  (Title or ALL CAPS) between two lower-case words of a sentence — "các" all but never
  is, "Sở" (a department) often is.
"""
from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
SOURCES = (ROOT / "corpus", SHARED / "vlc-laws", SHARED / "vlc-laws-2")
OUT = ROOT / "indexer" / "readers" / "syllable_pairs.tsv.gz"
MIN_PAIR_COUNT = 3
MIN_CASE_COUNT = 20
_TOKEN = re.compile(r"\S+")
_SYLLABLE = re.compile(r"^[^\W\d_]+$")


def _files():
    for source in SOURCES:
        yield from sorted(source.rglob("*.txt"))


def count(files) -> tuple[Counter, Counter, Counter]:
    """(pairs, lower-case mid-sentence counts, capitalised mid-sentence counts)."""
    pairs: Counter = Counter()
    lower: Counter = Counter()
    capital: Counter = Counter()
    for path in files:
        text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8", errors="replace"))
        for line in text.splitlines():
            tokens = _TOKEN.findall(line)
            cores = []  # (syllable as printed, joined to the next: no punctuation between)
            for token in tokens:
                stripped = token.strip("\"'“”‘’()[]")
                core = stripped.rstrip(".,;:!?…")
                joined = core == stripped and token == stripped
                cores.append((core if _SYLLABLE.match(core) else "", joined))
            for i, (core, joined) in enumerate(cores):
                if not core:
                    continue
                nxt = cores[i + 1][0] if i + 1 < len(cores) else ""
                if joined and nxt:
                    pairs[(core.lower(), nxt.lower())] += 1
                prev, prev_joined = cores[i - 1] if i else ("", False)
                if prev and prev_joined and prev.islower() and joined and nxt and nxt.islower():
                    (lower if core.islower() else capital)[core.lower()] += 1
    return pairs, lower, capital


def main() -> int:
    from indexer.readers.syllables import toneless

    missing = [str(s) for s in SOURCES if not s.exists()]
    if missing:
        print(f"absent: {', '.join(missing)} (../shared)", file=sys.stderr)
        return 1
    pairs, lower, capital = count(_files())
    by_shape: dict[str, set[str]] = {}
    for a, b in pairs:
        for s in (a, b):
            by_shape.setdefault(toneless(s), set()).add(s)
    ambiguous = {s for forms in by_shape.values() if len(forms) > 1 for s in forms}
    rows = [f"P\t{a}\t{b}\t{n}" for (a, b), n in sorted(pairs.items())
            if n >= MIN_PAIR_COUNT and (a in ambiguous or b in ambiguous)]
    rows += [f"C\t{s}\t{lower[s]}\t{capital[s]}" for s in sorted(set(lower) | set(capital))
             if lower[s] + capital[s] >= MIN_CASE_COUNT]
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        out.write("\n".join(rows) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} rows, {OUT.stat().st_size // 1024} KB "
          f"from {sum(1 for _ in _files())} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
