"""Where a passage matches the query, as [start, end) offsets into the passage text.

Highlights are whole words and phrases, never a syllable inside another word: the
passage is cut into words with pyvi's lexicon of two- and three-syllable words
(longest match first: "quyết định", "đơn vị", "khiếu nại"), and a word is marked only
when all its syllables occur, in order, in the query. So "giải quyết khiếu nại" marks
"giải quyết" and "khiếu nại" but not "quyết" inside "quyết định"; "đơn khiếu nại" marks
"đơn" standing alone but not "đơn" inside "đơn vị". Marked words that follow one another
merge into one phrase ("giải quyết khiếu nại"). Matching is accent- and case-insensitive
(an unaccented query marks the accented words), abbreviations match their spelled-out
form (KNTC ↔ khiếu nại, tố cáo) and an English query its Vietnamese terms, as in BM25.
A lone short or function word ("an", "các", "bao nhiêu") is not worth marking.

The lexicon lookup costs microseconds per passage (pyvi's own CRF segmenter, ~10 ms per
passage, would dominate a search that takes ~50 ms).
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from indexer.analysis import expand_abbreviations
from indexer.textnorm import fold_diacritics, lower_preserving_length, normalize_text, search_key

SYLLABLE = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
FUNCTION_SYLLABLES = {
    "va", "cua", "cac", "da", "la", "co", "trong", "cho", "voi", "duoc", "nhung", "nay", "bao",
    "nhieu", "the", "nao", "gi", "o", "tai", "tu", "den", "khi", "thi", "ma", "nhu", "de", "mot",
    "ve", "theo", "hay", "hoac", "ra", "vao", "len", "tren", "duoi", "sau", "truoc", "cung",
    "how", "many", "much", "did", "does", "do", "of", "in", "what", "which", "when", "a", "an",
    "to", "is", "are", "was", "were", "and", "or", "for", "on", "at", "by", "with", "from",
}
LONGEST_WORD = 3  # syllables; pyvi's lexicon holds two- and three-syllable words (passage_words)


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """pyvi's multi-syllable words, lower-cased, tone placement normalised ("hòa" = "hoà")."""
    text = (resources.files("pyvi") / "models" / "words.txt").read_text(encoding="utf-8")
    return frozenset(lower_preserving_length(normalize_text(line.strip())) for line in text.splitlines()
                     if " " in line.strip())


def passage_words(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """The passage's words: (start, end, folded syllables), longest lexicon match first.
    Syllables separated by anything but one space never form a word."""
    lower = lower_preserving_length(normalize_text(text))
    folded = fold_diacritics(lower)  # same length: slices line up
    matches = list(SYLLABLE.finditer(lower))
    count, known = len(matches), lexicon()
    starts, ends = [m.start() for m in matches], [m.end() for m in matches]
    joined = [lower[ends[i]:starts[i + 1]] == " " for i in range(count - 1)] + [False]
    words, i = [], 0
    while i < count:
        size = 1
        if joined[i]:
            if i + 2 < count and joined[i + 1] and lower[starts[i]:ends[i + 2]] in known:
                size = 3
            elif lower[starts[i]:ends[i + 1]] in known:
                size = 2
        j = i + size
        words.append((starts[i], ends[j - 1], tuple(folded[starts[x]:ends[x]] for x in range(i, j))))
        i = j
    return words


@lru_cache(maxsize=256)
def query_terms(query: str) -> tuple[frozenset, frozenset]:
    """(every run of 1–3 consecutive folded syllables in the query's phrases, the folded
    syllables that stand alone as words in the query).

    Phrases: the query itself, the spelled-out form of its abbreviations and, for an
    English query, the Vietnamese terms BM25 also gets. The query is cut into words with
    the lexicon too (folded, since queries may come unaccented): "đơn vị" asks for the word
    "đơn vị", not for "đơn" standing alone."""
    from search.answer.question import detect_language, english_to_vietnamese_terms

    parts = [expand_abbreviations(query)]
    if detect_language(query) == "en":
        parts += english_to_vietnamese_terms(query)
    runs, singles = set(), set()
    for part in parts:
        for chunk in re.split(r"[\n;]", part):
            phrase = SYLLABLE.findall(search_key(chunk))
            for n in range(1, LONGEST_WORD + 1):
                runs.update(tuple(phrase[i:i + n]) for i in range(len(phrase) - n + 1))
            i = 0
            while i < len(phrase):
                size = next((n for n in range(min(LONGEST_WORD, len(phrase) - i), 1, -1)
                             if " ".join(phrase[i:i + n]) in folded_lexicon()), 1)
                if size == 1:
                    singles.add(phrase[i])
                i += size
    return frozenset(runs), frozenset(singles)


@lru_cache(maxsize=1)
def folded_lexicon() -> frozenset[str]:
    return frozenset(fold_diacritics(word) for word in lexicon())


def highlight_spans(text: str, query: str) -> list[list[int]]:
    runs, singles = query_terms(query)
    if not runs:
        return []
    spans: list[list[int]] = []
    run: list[tuple[int, int, tuple[str, ...]]] = []

    def close_run():
        if not run:
            return
        syllables = [s for _, _, word in run for s in word]
        content = [s for s in syllables if s not in FUNCTION_SYLLABLES]
        worth = len(syllables) > 1 and content or (
            len(syllables) == 1 and content and (len(content[0]) >= 3 or content[0].isdigit()))
        if worth:
            spans.append([run[0][0], run[-1][1]])
        run.clear()

    for start, end, word in passage_words(text):
        if not (word in runs if len(word) > 1 else word[0] in singles):
            close_run()
            continue
        if run and text[run[-1][1]:start].strip():  # punctuation between: a new phrase
            close_run()
        run.append((start, end, word))
    close_run()
    return spans
