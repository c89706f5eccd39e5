"""Post-correction of OCR'd Vietnamese syllables: the tone mark Tesseract's `vie` model drops
or swaps over a circumflex, breve or horn ("cô phần" for "cổ phần", "đê xuất", "biêu",
"xuât") — the residue of its word error on clean pages (eval/results/ocr.md).

A syllable is replaced only by one with the same letters and another tone mark, and only
- when the OCR'd form is no syllable of Vietnamese at all (wordfreq's `vi` list, syllables
  as words: "xuât", "triên", "biêu"): by the one of that shape the document pairs most
  with its neighbours, else the most frequent;
- or when it is a real syllable without a tone mark, read below `SURE`, and the replacement
  forms pairs with its neighbours (their tone aside) that the document prints elsewhere more
  often than the word as read does ("Kê hoạch" where the page says "Kế hoạch" twice;
  "QUANG NGAI" beside "Quảng Ngãi"), and is not much rarer (`MARGIN`, `PAIR_BONUS`).
Measured on the text-layer pages (eval/results/ocr.md): frequency alone turned right words
wrong ("rà soát" → "ra", "thực tiễn" → "tiền"); the model's dropped marks are read with
confidence 92-97, so a low-confidence gate alone misses them; a syllable that has a tone
mark is left as read, or a misreading repeated on a page ("cô phần" thrice) outvotes the
one right reading of it.
Case is kept as OCR'd ("TINH" → "TỈNH"). Without wordfreq nothing is changed.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
SURE = 97.0            # word confidence (0-100) from which a real syllable is left as read
EVIDENCE = 90.0        # word confidence from which a word's pairs are evidence
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
    lines, both words read surely (`EVIDENCE`): an unsure word is no evidence."""
    pairs: Counter = Counter()
    for line in lines:
        syllables = [(_core(t) or ("", "", ""))[1].lower() if c >= EVIDENCE else "" for t, c in line]
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

        def pairs_elsewhere(syllable: str) -> int:
            """Pairs with a neighbour (its tone aside) the document prints elsewhere, not this word's own."""
            own = syllable == low and confidences[i] >= EVIDENCE
            count = 0
            if before:
                count += pairs[("~" + toneless(before), syllable)] - (own and confidences[i - 1] >= EVIDENCE)
            if after:
                count += pairs[(syllable, "~" + toneless(after))] - (own and confidences[i + 1] >= EVIDENCE)
            return count

        zipf_read = _zipf(low, candidates)
        known = zipf_read > 0
        # the model drops tone marks ("cô" for "cổ"), seldom adds one: a real syllable with a
        # tone mark is left as read (else a misreading repeated on the page outvotes the right one)
        if known and (confidences[i] >= SURE or low != toneless(low)):
            continue
        read_pairs = pairs_elsewhere(low)
        best, best_key = low, (read_pairs, zipf_read)
        for syllable, zipf in candidates:
            if syllable == low:
                continue
            count = pairs_elsewhere(syllable)
            if known and (count <= read_pairs or zipf + PAIR_BONUS - zipf_read < MARGIN):
                continue  # a real syllable yields only to one the document pairs more often
            if (count, zipf) > best_key or best == low and not known:
                best, best_key = syllable, (count, zipf)
        if best != low:
            out[i] = lead + _cased_like(word, best) + trail
            lowered[i] = best
    return out
