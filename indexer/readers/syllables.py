"""Post-correction of OCR'd Vietnamese syllables: the tone mark Tesseract's `vie` model drops
or swaps over a circumflex, breve or horn ("cô phần" for "cổ phần", "đê xuất", "biêu",
"xuât") — the residue of its word error on clean pages (eval/results/ocr.md).

A syllable is replaced only by one with the same letters and another tone mark, and only
- when the OCR'd form is no syllable of Vietnamese at all (wordfreq's `vi` list, syllables
  as words: "xuât", "triên", "biêu"): by the most frequent of that shape;
- or when the replacement forms, with a neighbour, a pair of syllables the same document
  prints elsewhere and the OCR'd form does not ("bô sung" where the page says "bổ sung";
  "QUANG NGAI" beside "Quảng Ngãi"), and is not much rarer (`MARGIN`, `PAIR_BONUS`).
Frequency alone does not decide between two real syllables: measured, it turned right
words wrong ("rà soát" → "ra", "thực tiễn" → "tiền"; eval/results/ocr.md).
Case is kept as OCR'd ("TINH" → "TỈNH"). Without wordfreq nothing is changed.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
SURE = 90.0            # word confidence (0-100) from which a real syllable is left as read
MARGIN = 0.8           # Zipf units (a factor of ~6 in frequency) a replacement must gain on its own
PAIR_BONUS = 1.5       # Zipf units a pair seen elsewhere in the document is worth
_WORD = re.compile(r"^(\W*)([^\W\d_]+)(\W*)$")


def toneless(syllable: str) -> str:
    """The syllable in lower case without its tone mark (vowel marks â ê ô ơ ư ă and đ kept)."""
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, list[tuple[str, float]]]:
    """toneless form → [(syllable, zipf)] of wordfreq's Vietnamese list; {} without wordfreq."""
    try:
        import wordfreq
    except ImportError:
        return {}
    lexicon: dict[str, list[tuple[str, float]]] = {}
    for word in wordfreq.iter_wordlist("vi"):
        if " " in word or not word.isalpha():
            continue
        word = unicodedata.normalize("NFC", word)
        lexicon.setdefault(toneless(word), []).append((word, wordfreq.zipf_frequency(word, "vi")))
    return lexicon


def _zipf(syllable: str, candidates: list[tuple[str, float]]) -> float:
    return next((z for w, z in candidates if w == syllable), 0.0)


def _cased_like(model: str, syllable: str) -> str:
    if model.isupper() and len(model) > 1:
        return syllable.upper()
    if model[:1].isupper():
        return syllable[:1].upper() + syllable[1:]
    return syllable


def _core(token: str) -> tuple[str, str, str] | None:
    match = _WORD.match(token)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def document_pairs(lines: list[list[tuple[str, float]]]) -> Counter:
    """Pairs of neighbouring syllables (lower case) of the document's (word, confidence)
    lines, both words read surely (`SURE`): an unsure word is no evidence."""
    pairs: Counter = Counter()
    for line in lines:
        syllables = [(_core(t) or ("", "", ""))[1].lower() if c >= SURE else "" for t, c in line]
        for a, b in zip(syllables, syllables[1:]):
            if a and b:  # also with the neighbour's tone aside: it may be misread too ("QUANG NGAI")
                pairs.update([(a, b), ("~" + toneless(a), b), (a, "~" + toneless(b))])
    return pairs


def correct_syllables(tokens: list[str], confidences: list[float], pairs: Counter) -> list[str]:
    """The tokens (words as OCR'd, in reading order, with their confidences) with unlikely
    tone marks corrected; `pairs`: the whole document's (`document_pairs`)."""
    lexicon = _lexicon()
    if not lexicon:
        return list(tokens)
    cores = [_core(t) for t in tokens]
    lowered = [c[1].lower() if c else "" for c in cores]
    out = list(tokens)
    for i, core in enumerate(cores):
        if core is None:
            continue
        lead, word, trail = core
        low = lowered[i]
        candidates = lexicon.get(toneless(low))
        if not candidates:
            continue
        before = lowered[i - 1] if i else ""  # as corrected: "QUANG NGAI" → "QUẢNG" then "NGÃI"
        after = lowered[i + 1] if i + 1 < len(lowered) else ""

        def seen(syllable: str) -> bool:
            """A pair with a neighbour printed elsewhere in the document (not this word's own)."""
            itself = syllable == low and confidences[i] >= SURE
            return (pairs[(before, syllable)] - (itself and bool(before)) > 0
                    or pairs[(syllable, after)] - (itself and bool(after)) > 0
                    or bool(before) and pairs[("~" + toneless(before), syllable)] - itself > 0
                    or bool(after) and pairs[(syllable, "~" + toneless(after))] - itself > 0)

        known = _zipf(low, candidates) > 0
        if known and (confidences[i] >= SURE or seen(low)):
            continue
        best, best_score = low, _zipf(low, candidates)
        for syllable, zipf in candidates:
            if syllable == low:
                continue
            paired = seen(syllable)
            if not (paired or not known):
                continue
            gain = zipf + (PAIR_BONUS if paired else 0.0)
            if gain > best_score and (not known or gain - _zipf(low, candidates) >= MARGIN):
                best, best_score = syllable, gain
        if best != low:
            out[i] = lead + _cased_like(word, best) + trail
            lowered[i] = best
    return out
