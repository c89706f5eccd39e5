"""The figures of an index, queried by indicator, place and period (issue 23).

`FactQuery` is what a table asks the store for: the indicator's parts as the facts carry
them (indexer/facts.py: predicate group, counted words, qualifiers, unit class, rate or
count) and the years its cells may speak for. Both backends answer it from an index over
those parts, not by reading every fact: the local files keep postings in memory
(`FactIndex`: predicate → rows, word → rows, intersected smallest first); PostgreSQL keeps
them as indexed columns of `tracuu_facts` (a B-tree on the predicate, GIN on the words).
Place filters (province, district, type, documents) are the passages' `Filters`, applied
to the fact's document; years are applied to the fact's own period, which may be narrower
than its document's ("Năm 2019, toàn tỉnh đã tiếp …" in a 2015–2020 report).
"""
from __future__ import annotations

from dataclasses import dataclass

FACTS_FILE = "facts.jsonl"


@dataclass(frozen=True)
class FactQuery:
    predicate: str | None = None          # None: any predicate
    words: tuple[str, ...] = ()           # every one among the fact's counted words
    rate: bool | None = None              # True: rates only, False: counts only, None: both
    unit_class: str | None = None         # 'visits', 'cases' … (None: any)
    qualifiers: tuple[str, ...] | None = None  # exactly these (sorted); None: any
    year_from: int | None = None          # the fact's period overlaps [year_from, year_to]
    year_to: int | None = None

    def accepts(self, fact: dict) -> bool:
        """The whole test, for what an index narrowed down (and for stores without one)."""
        if self.predicate and fact.get("predicate") != self.predicate:
            return False
        if self.rate is not None and (fact.get("kind") == "percent") != self.rate:
            return False
        if self.unit_class and fact.get("unit_class") != self.unit_class:
            return False
        if self.qualifiers is not None and tuple(sorted(fact.get("qualifiers") or [])) != tuple(sorted(self.qualifiers)):
            return False
        if not set(self.words) <= set(fact.get("words") or fact.get("counted", "").split()):
            return False
        return period_overlaps(fact.get("period") or {}, self.year_from, self.year_to)


def period_overlaps(period: dict, year_from: int | None, year_to: int | None) -> bool:
    if year_from is None and year_to is None:
        return True
    low, high = period.get("from"), period.get("to") or period.get("from")
    if low is None:
        return False
    return not (high < (year_from or -10**6) or low > (year_to or 10**6))


class FactIndex:
    """Postings over one version's facts (local files): rows by predicate and by counted word."""

    def __init__(self, facts: list[dict], doc_number: dict[str, int]):
        self.facts = facts
        self.doc_of = [doc_number.get(f["doc_id"], -1) for f in facts]
        self.by_predicate: dict[str, list[int]] = {}
        self.by_word: dict[str, list[int]] = {}
        for row, fact in enumerate(facts):
            self.by_predicate.setdefault(fact.get("predicate") or "", []).append(row)
            for word in set(fact.get("words") or []):
                self.by_word.setdefault(word, []).append(row)

    def rows(self, query: FactQuery, allowed_docs: set[int] | None) -> list[int]:
        postings = []
        if query.predicate:
            postings.append(self.by_predicate.get(query.predicate, []))
        postings += [self.by_word.get(w, []) for w in query.words]
        if postings:
            postings.sort(key=len)
            rows = set(postings[0])
            for other in postings[1:]:
                rows &= set(other)
                if not rows:
                    break
            candidates = sorted(rows)
        else:
            candidates = range(len(self.facts))
        return [r for r in candidates
                if (allowed_docs is None or self.doc_of[r] in allowed_docs) and query.accepts(self.facts[r])]
