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

Then `correct_by_context`, with the word pairs of Vietnamese text at large (the laws of
../shared and corpus/, counted by eval/syllable_pairs_table.py into `PAIRS_TABLE`): a tone
mark the corpus's pairs with the word's neighbours make all but certain ("tông hợp,",
"và điêu hành", "sửa / đối, bô sung" across a wrapped line), and capitals Tesseract reads
in the middle of a sentence ("với Các CƠ quan", "quản Lý"). Without the table nothing
is changed.
"""
from __future__ import annotations

import gzip
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
SURE = 97.0            # word confidence (0-100) from which a real syllable is left as read
EVIDENCE = 90.0        # word confidence from which a word's pairs are evidence
MARGIN = 0.8           # Zipf units (a factor of ~6 in frequency) a replacement must gain on its own
PAIR_BONUS = 1.5       # Zipf units a pair seen elsewhere in the document is worth
STACKED = set("âêôơưă")  # the vowels over whose own mark the model drops the tone mark
_WORD = re.compile(r"^(\W*)([^\W\d_]+)(\W*)$")
PAIRS_TABLE = Path(__file__).with_name("syllable_pairs.tsv.gz")  # built by eval/syllable_pairs_table.py
CONTEXT_MIN = 30       # times the corpus prints a replacement beside the word's neighbours, at least
ONE_SIDE_MIN = 200     # the same when only one neighbour speaks for it ("thời gian qua," is no "quá": 32)
CONTEXT_RATIO = 20     # and this many times as often as the syllable as read (plus one)
CAPITAL_SHARE = 0.05   # a syllable capitalised mid-sentence at most this often in the corpus ...
CAPITAL_SHARE_ALONE = 0.01  # ... (this often for one capitalised word, not a run in capitals: "Chi cục" 2 %)
CASE_PAIRS_MIN = 20    # ... and printed in lower case beside its neighbours this often is lowered
CASE_UNSURE = 80.0     # confidence below which one capitalised word mid-sentence may be lowered
SWAP_SURE = 90.0       # confidence from which a syllable with a tone mark keeps it against the corpus


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


@lru_cache(maxsize=1)
def _corpus_table() -> tuple[dict[tuple[str, str], int], dict[str, list[str]], dict[str, tuple[int, int]]]:
    """(pair counts, toneless form → the table's syllables of that form, sorted, syllable →
    (lower, capitalised) counts mid-sentence) of eval/syllable_pairs_table.py's table; empty
    without it."""
    pairs: dict[tuple[str, str], int] = {}
    forms: dict[str, set[str]] = {}
    case: dict[str, tuple[int, int]] = {}
    if not PAIRS_TABLE.exists():
        return pairs, forms, case
    with gzip.open(PAIRS_TABLE, "rt", encoding="utf-8") as table:
        for row in table:
            kind, a, b, *rest = row.rstrip("\n").split("\t")
            if kind == "P":
                pairs[(a, b)] = int(rest[0])
                for syllable in (a, b):
                    forms.setdefault(toneless(syllable), set()).add(syllable)
            elif kind == "C":
                case[a] = (int(b), int(rest[0]))
    return pairs, {shape: sorted(syllables) for shape, syllables in forms.items()}, case  # sorted: ties break alike


def _zipf(syllable: str, candidates: list[tuple[str, float]]) -> float:
    return next((z for w, z in candidates if w == syllable), 0.0)


def cased_like(model: str, syllable: str) -> str:
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
            out[i] = lead + cased_like(word, best) + trail
            lowered[i] = best
    return out


def _neighbours(cores: list, lowered: list[str], i: int) -> tuple[str, str]:
    """The syllables printed next to token i with nothing but a space between ("" where a
    comma, bracket or the line's end comes between: no pair there)."""
    lead, _, trail = cores[i]
    before = lowered[i - 1] if i and not lead and cores[i - 1] and not cores[i - 1][2] else ""
    after = lowered[i + 1] if i + 1 < len(cores) and not trail and cores[i + 1] and not cores[i + 1][0] else ""
    return before, after


def correct_by_context(tokens: list[str], confidences: list[float]) -> list[str]:
    """The tokens (a paragraph's words as OCR'd, in reading order, with their confidences)
    with letter case and tone marks the corpus's word pairs make all but certain (`PAIRS_TABLE`):
    - capitals in the middle of a sentence, between lower-case words, where the corpus all but
      never capitalises the syllable (`CAPITAL_SHARE`: "các" 0 %, "lý" 0.1 %; "Sở" a
      department, "Công ty" 5 %) and prints it in lower case beside those neighbours
      (`CASE_PAIRS_MIN`): a run holding a word in ALL CAPS ("với Các CƠ quan": Tesseract
      confuses the case of letters of one shape, c o s v x), or one capitalised word read
      unsure (`CASE_UNSURE`: "quản Lý" at 68) — a name's capital read surely stands;
    - a syllable that the corpus pairs with its neighbours in another tone mark of the same
      letters at least `CONTEXT_MIN` times (`ONE_SIDE_MIN` when only one neighbour pairs
      with it more often: the corpus is laws, and "thời gian qua," pairs as "gian quá" 32
      times) and `CONTEXT_RATIO` times as often as the syllable as read, and no less on
      either side ("tông hợp" 0, "tổng hợp" 951; "và điêu hành"; "cô phần"), takes it
      whatever the confidence when the model dropped the mark over â ê ô ơ ư ă (`STACKED`;
      a bare vowel it reads well: "điểm thi" is no "thì", though the laws say "thì trong"
      240 times), below `SWAP_SURE` when it swapped one ("đối" for "đổi")."""
    pairs, forms, case = _corpus_table()
    if not pairs:
        return list(tokens)
    cores = [_core(t) for t in tokens]
    lowered = [c[1].lower() if c else "" for c in cores]
    out = list(tokens)

    def is_lower(k: int) -> bool:
        return 0 <= k < len(cores) and bool(cores[k]) and cores[k][1].islower()

    def rarely_capital(k: int, share: float) -> bool:
        lower, capital = case.get(lowered[k], (0, 0))
        return lower + capital > 0 and capital <= share * (lower + capital)

    i = 0
    while i < len(cores):  # case: runs of capitalised words between lower-case ones
        j = i
        while j < len(cores) and j - i < 3 and cores[j] and not cores[j][1].islower():
            j += 1
        run = range(i, j)
        caps = any(len(cores[k][1]) > 1 and cores[k][1].isupper() for k in run)
        if j > i and (caps or j - i == 1 and confidences[i] < CASE_UNSURE) and is_lower(i - 1) and is_lower(j) \
                and _neighbours(cores, lowered, i)[0] and _neighbours(cores, lowered, j - 1)[1] \
                and all(k == i or not cores[k][0] and not cores[k - 1][2] for k in run) \
                and all(rarely_capital(k, CAPITAL_SHARE if caps else CAPITAL_SHARE_ALONE) for k in run):
            chain = [lowered[i - 1]] + [lowered[k] for k in run] + [lowered[j]]
            if all(pairs.get(pair, 0) >= CASE_PAIRS_MIN for pair in zip(chain, chain[1:])):
                for k in run:
                    lead, word, trail = cores[k]
                    cores[k] = (lead, word.lower(), trail)
                    out[k] = lead + word.lower() + trail
        i = max(j, i + 1)
    for i, core in enumerate(cores):  # tone marks
        if core is None:
            continue
        low = lowered[i]
        if low != toneless(low) and confidences[i] >= SWAP_SURE or low == toneless(low) and not STACKED & set(low):
            continue  # a sure mark stands; a bare vowel the model reads well ("thi" is no "thì", "qua" no "quá")
        before, after = _neighbours(cores, lowered, i)
        if not before and not after:
            continue

        def sides(syllable: str) -> tuple[int, int]:
            return (pairs.get((before, syllable), 0) if before else 0,
                    pairs.get((syllable, after), 0) if after else 0)

        read = sides(low)
        best = max(forms.get(toneless(low), ()), key=lambda s: sum(sides(s)), default=low)
        found = sides(best)
        both_sides = all(f > r for f, r in zip(found, read))
        if best != low and sum(found) >= (CONTEXT_MIN if both_sides else ONE_SIDE_MIN) \
                and sum(found) >= CONTEXT_RATIO * (sum(read) + 1) and all(f >= r for f, r in zip(found, read)):
            lead, word, trail = core
            out[i] = lead + cased_like(word, best) + trail
            lowered[i] = best
    return out
