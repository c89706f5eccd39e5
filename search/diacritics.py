"""Restore Vietnamese diacritics in a query typed without them, from the corpus itself.

"nghe an da giai quyet bao nhieu don khieu nai" means nothing to the multilingual
encoder, but every syllable of it occurs, accented, in the indexed passages. For each
folded syllable the candidates are the accented syllables of the corpus that fold to
it; a Viterbi pass over a bigram model of the corpus syllables (interpolated with
unigram frequencies) picks the most likely accented sentence. BM25 does not need this
(it has a folded stream); the dense retriever does.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from indexer.textnorm import fold_diacritics, has_diacritics, lower_preserving_length, normalize_text

SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)
BIGRAM_WEIGHT = 0.8  # interpolation: λ·P(cur|prev) + (1-λ)·P(cur)
# Question words rarely occur in reports; seed them so "bao nhieu" becomes "bao nhiêu".
QUESTION_PHRASES = ("bao nhiêu", "mấy", "khi nào", "ngày nào", "năm nào", "ở đâu", "như thế nào",
                    "là gì", "là ai", "ai", "nào", "tỷ lệ bao nhiêu", "được bao nhiêu", "có bao nhiêu")


class DiacriticRestorer:
    def __init__(self, texts):
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        for text in [*texts, *QUESTION_PHRASES]:
            syllables = [lower_preserving_length(s) for s in SYLLABLE.findall(normalize_text(text))]
            self.unigrams.update(syllables)
            self.bigrams.update(zip(syllables, syllables[1:]))
        self.total = sum(self.unigrams.values()) or 1
        self.candidates: dict[str, list[str]] = defaultdict(list)
        for syllable in self.unigrams:
            self.candidates[fold_diacritics(syllable)].append(syllable)

    def _log_p(self, prev: str | None, cur: str) -> float:
        unigram = self.unigrams[cur] / self.total
        if prev is None or not self.unigrams[prev]:
            return math.log(unigram)
        bigram = self.bigrams[(prev, cur)] / self.unigrams[prev]
        return math.log(BIGRAM_WEIGHT * bigram + (1 - BIGRAM_WEIGHT) * unigram)

    def coverage(self, query: str) -> float:
        """Share of the query's syllables that fold to some corpus syllable."""
        syllables = SYLLABLE.findall(query)
        if not syllables:
            return 0.0
        return sum(1 for s in syllables if fold_diacritics(s.lower()) in self.candidates) / len(syllables)

    def restore(self, query: str) -> str:
        """The query with diacritics restored where the corpus can tell; other characters kept."""
        matches = list(SYLLABLE.finditer(query))
        if not matches:
            return query
        # Viterbi over each maximal run of restorable syllables; states = candidate syllables
        chosen: list[str | None] = [None] * len(matches)
        prev_best: dict[str, tuple[float, list[str]]] = {}
        run: list[int] = []

        def flush():
            if prev_best:
                _, path = max(prev_best.values(), key=lambda v: v[0])
                for idx, syllable in zip(run, path):
                    chosen[idx] = syllable
            prev_best.clear()
            run.clear()

        for i, match in enumerate(matches):
            options = self.candidates.get(fold_diacritics(match.group().lower()))
            if not options:
                flush()
                continue
            if run and run[-1] != i - 1:
                flush()
            states: dict[str, tuple[float, list[str]]] = {}
            for option in options:
                if not prev_best:
                    states[option] = (self._log_p(None, option), [option])
                    continue
                score, path = max(((s + self._log_p(p, option), pth) for p, (s, pth) in prev_best.items()),
                                  key=lambda v: v[0])
                states[option] = (score, path + [option])
            prev_best.clear()
            prev_best.update(states)
            run.append(i)
        flush()

        out, last = [], 0
        for match, syllable in zip(matches, chosen):
            out.append(query[last:match.start()])
            original = match.group()
            if syllable is None:
                out.append(original)
            else:
                if original.isupper() and len(original) > 1:
                    syllable = syllable.upper()
                elif original[:1].isupper():
                    syllable = syllable.capitalize()
                out.append(syllable)
            last = match.end()
        out.append(query[last:])
        return "".join(out)


def needs_restoring(query: str, restorer: DiacriticRestorer, min_coverage: float = 0.75) -> bool:
    """A query with no diacritics whose syllables are mostly Vietnamese ones from the corpus
    (an English question has few: 'how', 'many', 'did' fold to no corpus syllable)."""
    return not has_diacritics(query) and restorer.coverage(query) >= min_coverage
