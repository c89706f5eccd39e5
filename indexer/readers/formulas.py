"""The fixed formulas of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP layout),
restored where OCR read them with their marks dropped or swapped.

The header block and the signature block are printed in bold capitals, where Tesseract's
`vie` model loses marks most ("TINH QUANG NGAI" for "TỈNH QUẢNG NGÃI" on qn-17.pdf at
confidence 80-93: eval/results/ocr.md). A run of OCR'd words that spells one of these
formulas letter for letter, marks and case aside, is given the formula's marks; the words'
case and punctuation stay as read. Only formulas of two words or more: one word alone is
no evidence ("tinh" is a word too), and "TỈNH"/"THÀNH PHỐ" go only before a province's
name from the gazetteer — a dictionary of known phrases, not of any one file.
"""
from __future__ import annotations

import re
from functools import lru_cache

from indexer.gazetteer import PROVINCES, fold
from indexer.readers.syllables import cased_like

FIXED = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH",
    "CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "KT. CHÁNH VĂN PHÒNG", "TL. CHỦ TỊCH",
    "Nơi nhận:", "Kính gửi:", "Như trên;",
)
_WORD = re.compile(r"^(\W*)(.*?)(\W*)$")


@lru_cache(maxsize=1)
def formulas() -> list[list[str]]:
    """Each formula as its words (letters only, as printed), longest first."""
    phrases = list(FIXED) + [f"{prefix} {province}" for province in PROVINCES if "-" not in province
                             for prefix in ("TỈNH", "THÀNH PHỐ")]
    words = [[_WORD.match(w).group(2) for w in phrase.split() if _WORD.match(w).group(2)] for phrase in phrases]
    return sorted((w for w in words if len(w) >= 2), key=len, reverse=True)


def restore_formulas(tokens: list[str]) -> list[str]:
    """The tokens (a line's words as OCR'd) with the marks of any formula they spell."""
    cores = [_WORD.match(t).groups() for t in tokens]
    letters = [(i, fold(core)) for i, (_, core, _) in enumerate(cores) if core]  # punctuation tokens ("-") aside
    out = list(tokens)
    taken: set[int] = set()
    for formula in formulas():
        folded = [fold(w) for w in formula]
        for start in range(len(letters) - len(formula) + 1):
            window = letters[start:start + len(formula)]
            if any(i in taken for i, _ in window) or [f for _, f in window] != folded:
                continue
            for (i, _), word in zip(window, formula):
                lead, core, trail = cores[i]
                out[i] = lead + cased_like(core, word.lower()) + trail
                taken.add(i)
    return out
