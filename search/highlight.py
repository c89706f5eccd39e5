"""Where a passage matches the query, as [start, end) offsets into the passage text.

Matching is accent- and case-insensitive (search_key keeps offsets), by syllable:
a highlighted run is a sequence of passage syllables that also occurs, in the same
order, in the query. A lone short or function syllable ("an", "các") is not worth
marking; "Nghệ An" inside "tỉnh Nghệ An" is.
"""
from __future__ import annotations

import re
from functools import lru_cache

from indexer.analysis import expand_abbreviations
from indexer.textnorm import search_key

SYLLABLE = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
FUNCTION_SYLLABLES = {
    "va", "cua", "cac", "da", "la", "co", "trong", "cho", "voi", "duoc", "nhung", "nay", "bao",
    "nhieu", "the", "nao", "gi", "o", "tai", "tu", "den", "khi", "thi", "ma", "nhu", "de", "mot",
    "ve", "theo", "hay", "hoac", "ra", "vao", "len", "tren", "duoi", "sau", "truoc", "cung",
    "how", "many", "much", "did", "does", "do", "of", "in", "what", "which", "when", "a", "an",
    "to", "is", "are", "was", "were", "and", "or", "for", "on", "at", "by", "with", "from",
}


def _syllables(text: str) -> list[tuple[str, int, int]]:
    key = search_key(text)
    return [(m.group(), m.start(), m.end()) for m in SYLLABLE.finditer(key)]


@lru_cache(maxsize=256)
def _query_terms(query: str) -> tuple[frozenset, frozenset]:
    """The query's folded syllables and adjacent pairs, computed once for all its results."""
    syllables = [s for s, _, _ in _syllables(expand_abbreviations(query))]
    return frozenset(syllables), frozenset(zip(syllables, syllables[1:]))


def highlight_spans(text: str, query: str) -> list[list[int]]:
    singles, bigrams = _query_terms(query)
    if not singles:
        return []
    spans: list[list[int]] = []
    run: list[tuple[str, int, int]] = []

    def close_run():
        if not run:
            return
        words = [w for w, _, _ in run]
        worth = len(run) > 1 and any(w not in FUNCTION_SYLLABLES for w in words) or (
            len(run) == 1 and words[0] not in FUNCTION_SYLLABLES and (len(words[0]) >= 3 or words[0].isdigit()))
        if worth:
            spans.append([run[0][1], run[-1][2]])
        run.clear()

    passage = _syllables(text)
    for i, (syl, start, end) in enumerate(passage):
        if syl not in singles:
            close_run()
            continue
        if run:
            gap = text[run[-1][2]:start]
            if gap.strip() or (run[-1][0], syl) not in bigrams:
                close_run()
        run.append((syl, start, end))
    close_run()
    return spans
