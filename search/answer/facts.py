"""The table of figures across places and years: one indicator, every province × year the
index covers, each cell cited to its sentence.

The facts themselves are extracted at index time (indexer/facts.py) and read back from the
store (`store.facts(filters)`). An indicator asked in words ("đơn khiếu nại đã giải
quyết", "resolved complaints", "KNTC được giải quyết") is parsed into the same key
parts (predicate group + counted words) as the facts, so wordings map to one key.

Shape of `FactTable.table(...)` (also GET /facts and `tracuu facts --json`):

    {"indicator": {"query", "predicate", "words", "rate"},
     "by": ["province", "year"],
     "rows":    ["Bắc Giang", "Nghệ An", "Quảng Ngãi"],
     "columns": ["2019", "2020", "2021", "2015–2020"],
     "cells": [{"row", "column", "value", "raw", "unit", "kind", "denominator", "label", "indicator",
                "place", "level", "period", "sub_period", "doc_id", "passage_id", "paragraph",
                "span", "sentence", "citation", "link", "others"}],
     "facts": N}
"""
from __future__ import annotations

import threading

from indexer.facts import fact_matches, parse_indicator, sub_period_label
from search.answer.question import detect_language, english_to_vietnamese_terms, indicator_phrase

BY_FIELDS = ("province", "year", "district", "doc_type")


def _period_label(period: dict) -> str:
    low, high = period.get("from"), period.get("to")
    if low is None:
        return "không rõ"
    label = str(low) if low == high or high is None else f"{low}–{high}"
    sub = sub_period_label(period.get("sub"))
    return f"{label} ({sub})" if sub else label


def _cell_key(fact: dict, field: str) -> str:
    if field == "year":
        return _period_label(fact["period"])
    if field == "province":
        return fact.get("province") or "không rõ"
    if field == "district":
        return fact.get("district") or "(toàn tỉnh)"
    return fact.get(field) or "không rõ"


def _rank(fact: dict, words: set[str]) -> tuple:
    """Which fact fills a cell when several match: the counted thing closest to what was
    asked, a whole-period level figure before a change 'so với', then document order."""
    counted = fact["counted"].split()
    extra = len(set(counted) - words)
    return (fact["comparison"], extra, fact["kind"] == "percent", fact["paragraph"])


class _VersionFacts:
    """Kept with one index version (IndexView.derived): the facts extracted from its documents
    (when its store keeps none) and the citations of the passages cited so far."""

    def __init__(self):
        self.computed: list[dict] | None = None
        self.citations: dict[str, str] = {}
        self.lock = threading.Lock()


class FactTable:
    def __init__(self, engine):
        """`engine` pinned to one index version (SearchEngine.pinned(); done here if not):
        a table's facts and citations come from that version only. Cheap to make per request:
        what it derives is kept with the version."""
        self.engine = engine.pinned() if hasattr(engine, "pinned") else engine

    @property
    def _version_facts(self) -> _VersionFacts:
        return self.engine.view.derived("facts.table", _VersionFacts)

    def facts(self, province: str | None = None, year_from: int | None = None,
              year_to: int | None = None) -> list[dict]:
        from search.filters import Filters

        filters = Filters(province=province, year_from=year_from, year_to=year_to)
        store = getattr(self.engine, "store", None)
        stored = store.facts(None if filters.is_empty() else filters) if store is not None else None
        if stored is not None:
            return list(stored)
        # an index whose store keeps no facts: extract them from its documents, once per version
        kept = self._version_facts
        with kept.lock:
            if kept.computed is None:
                from indexer.facts import document_facts

                computed = []
                for summary in self.engine.documents_list():
                    document = self.engine.document(summary["doc_id"])
                    record = {"doc_id": summary["doc_id"], "metadata": summary["metadata"], "text": document["text"]}
                    computed += document_facts(record, document["passages"])
                kept.computed = computed
        return [f for f in kept.computed
                if filters.is_empty() or filters.accepts({"province": f["province"], "district": f["district"],
                                                         "period": {"from": f["period"]["from"],
                                                                    "to": f["period"]["to"]}})]

    def citation(self, fact: dict) -> str:
        citations = self._version_facts.citations
        if fact["passage_id"] not in citations:
            document = self.engine.document(fact["doc_id"])
            for p in document["passages"] if document else ():
                citations[p["passage_id"]] = p["citation"]
        return citations.get(fact["passage_id"], fact["doc_id"])

    def table(self, indicator: str, by: tuple[str, ...] = ("province", "year"), province: str | None = None,
              year_from: int | None = None, year_to: int | None = None) -> dict:
        from search.engine import QueryError

        if not indicator or not indicator.strip():
            raise QueryError("indicator must not be empty")
        for field in by:
            if field not in BY_FIELDS:
                raise QueryError(f"by must name fields among {', '.join(BY_FIELDS)}, got {field!r}")
        phrase = indicator_phrase(indicator.strip())  # "So sánh … giữa các tỉnh" → what is compared
        predicate, words, rate, unit = parse_indicator(phrase)
        if detect_language(phrase) == "en":  # the counted thing in the reports' words
            _, words, _, unit = parse_indicator(" ".join(english_to_vietnamese_terms(phrase)))
        if not words and not predicate:  # nothing to count: an empty table that says so (as /search
            # answers words it cannot find with no results, not with an error)
            return {"indicator": {"query": indicator, "predicate": None, "words": [], "rate": rate, "unit": unit},
                    "by": list((list(by) + ["year"])[:2]) if by else ["province", "year"], "rows": [],
                    "columns": [], "cells": [], "facts": 0,
                    "reason": f"«{indicator}» không nêu chỉ tiêu nào để đếm (ví dụ: đơn khiếu nại đã giải quyết)"}
        matching = [f for f in self.facts(province, year_from, year_to) if fact_matches(f, predicate, words, rate, unit)]
        if not matching and rate is False:  # no count stated: the rate is the next best figure
            matching = [f for f in self.facts(province, year_from, year_to) if fact_matches(f, predicate, words, None, unit)]
        row_field, column_field = (list(by) + ["year"])[:2] if len(by) >= 1 else ("province", "year")
        cells: dict[tuple[str, str], list[dict]] = {}
        for fact in matching:
            cells.setdefault((_cell_key(fact, row_field), _cell_key(fact, column_field)), []).append(fact)
        out_cells = []
        for (row, column), facts in sorted(cells.items()):
            facts.sort(key=lambda f: _rank(f, words))
            best = facts[0]
            out_cells.append(self._cell(row, column, best) | {"others": [self._brief(f) for f in facts[1:6]]})
        rows = sorted({c["row"] for c in out_cells})
        columns = sorted({c["column"] for c in out_cells}, key=lambda c: (c == "không rõ", c[:4], len(c), c))
        return {"indicator": {"query": indicator, "predicate": predicate, "words": sorted(words), "rate": rate,
                              "unit": unit},
                "by": [row_field, column_field], "rows": rows, "columns": columns, "cells": out_cells,
                "facts": len(matching)}

    def _brief(self, fact: dict) -> dict:
        return {"raw": fact["raw"], "value": fact["value"], "label": fact["label"], "passage_id": fact["passage_id"],
                "paragraph": fact["paragraph"], "link": f"/view/{fact['doc_id']}#p{fact['paragraph']}"}

    def _cell(self, row: str, column: str, fact: dict) -> dict:
        return {"row": row, "column": column, "value": fact["value"], "raw": fact["raw"], "unit": fact["unit"],
                "kind": fact["kind"], "denominator": fact["denominator"], "label": fact["label"],
                "indicator": fact["indicator"],
                "place": ", ".join(p for p in (fact.get("district"), fact.get("province")) if p) or None,
                "level": fact.get("level"), "period": _period_label(fact["period"]),
                "sub_period": sub_period_label(fact["period"].get("sub")) or None,
                "doc_id": fact["doc_id"], "passage_id": fact["passage_id"], "paragraph": fact["paragraph"],
                "span": fact["span"], "sentence": fact["sentence"],
                "citation": self.citation(fact),
                "link": f"/view/{fact['doc_id']}#p{fact['paragraph']}"}


def table_csv(table: dict) -> str:
    """The table as CSV: one line per row, one column per period; a cell is 'raw [citation]'."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([table["by"][0]] + table["columns"])
    index = {(c["row"], c["column"]): c for c in table["cells"]}
    for row in table["rows"]:
        writer.writerow([row] + [f"{index[(row, col)]['raw']} [{index[(row, col)]['citation']}]"
                                 if (row, col) in index else "" for col in table["columns"]])
    return out.getvalue()
