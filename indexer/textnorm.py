"""Unicode and Vietnamese orthography normalisation.

Every function here is length-preserving on NFC input (one output character per
input character), so offsets computed on a normalised or folded copy of a text
point at the same characters in the original. Highlights and citation spans
depend on that.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# The five Vietnamese tone marks as combining characters (grave, acute, hook above,
# tilde, dot below). Vowel-quality marks (circumflex, breve, horn) are not tones.
TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"

# "hoà"/"hòa", "khoẻ"/"khỏe", "thuỷ"/"thủy": two spellings of one syllable that differ
# only in which vowel of an open oa/oe/uy cluster carries the tone. We put the tone on
# the second vowel (the "new" style) so both spellings index and match identically.
# Applied on NFD text: o|u, tone, a|e|y, not followed by another letter (a final
# consonant fixes the tone on the second vowel in both styles anyway).
_OLD_STYLE_TONE = re.compile(
    "(?:([oO])([" + TONE_MARKS + "])([aAeE])|([uU])([" + TONE_MARKS + "])([yY]))"
    "(?![\\w\u0300-\u036f])"
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize_tone_placement(text: str) -> str:
    """Move the tone of open oa/oe/uy clusters to the second vowel (hòa → hoà)."""
    decomposed = unicodedata.normalize("NFD", text)
    if not _OLD_STYLE_TONE.search(decomposed):
        return unicodedata.normalize("NFC", text)
    moved = _OLD_STYLE_TONE.sub(
        lambda m: m.group(1) + m.group(3) + m.group(2) if m.group(1)
        else m.group(4) + m.group(6) + m.group(5), decomposed)
    return unicodedata.normalize("NFC", moved)


def normalize_source(text: str) -> str:
    """How a document's text is stored and served: NFC with unified newlines. Tone
    placement is left as written so quotes stay quotes; matching normalises it."""
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def normalize_text(text: str) -> str:
    """NFC, unified newlines, tone placement normalised. Length-preserving on NFC input."""
    return normalize_tone_placement(normalize_source(text))


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d" if ch == "đ" else "D"
    if ord(ch) < 128:
        return ch
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base[0] if len(base) >= 1 else ch


def fold_diacritics(text: str) -> str:
    """Strip all Vietnamese diacritics (tones and vowel marks, đ → d); length-preserving."""
    return "".join(_fold_char(c) for c in text)


def lower_preserving_length(text: str) -> str:
    """Lowercase without changing length (str.lower can grow a few exotic characters)."""
    out = text.lower()
    if len(out) == len(text):
        return out
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def search_key(text: str) -> str:
    """Accent- and case-insensitive form of `text`, same length as NFC(text)."""
    return lower_preserving_length(fold_diacritics(normalize_text(text)))


def has_diacritics(text: str) -> bool:
    return fold_diacritics(text) != text
