"""The table of figures across places and years: one indicator, every place × period the
index covers, each cell cited to its sentence (issue 23).

The facts are extracted at index time (indexer/facts.py) and the table is a query to the
store (`store.facts(filters, FactQuery)`, answered from its index of facts by indicator,
place and period). An indicator asked in words ("đơn khiếu nại đã giải quyết", "resolved
complaints", "KNTC được giải quyết") is parsed into the same key parts (predicate group,
counted words, qualifiers, unit class) as the facts, so wordings map to one key; a fact
whose qualifiers differ from those asked (định kỳ, thuộc thẩm quyền, của Chủ tịch UBND cấp
huyện …) is another indicator, listed under `variants`, never a cell.

Levels are kept apart: a district's figure is a row of its own under its province
("Bình Sơn, Quảng Ngãi"), a provincial report's district-level total is "Nghệ An — cấp
huyện", never the province's own row.

Shape of `FactTable.table(...)` (GET /facts, `tracuu facts --json`):

    {"indicator": {"query", "predicate", "words", "rate", "unit", "qualifiers", "label"},
     "by": ["province", "year"],
     "rows": ["Bắc Giang", "Nghệ An", "Nghệ An — cấp huyện", "Thái Hòa, Nghệ An", …],
     "row_groups": [{"row", "province", "district", "level", "parent"}],   # parent: the province row
     "columns": ["2019", "2020 (6 tháng đầu năm)", "2015–2020", "2022"],
     "cells": [{"row", "column", "value", "raw", "unit", "kind", "denominator", "label", "indicator",
                "wording", "qualifiers", "place", "province", "district", "level", "period",
                "period_inferred", "period_source", "sub_period", "doc_id", "passage_id", "paragraph",
                "span", "sentence", "citation", "citation_vi", "note", "link", "others"}],
     "chart": {"kind": "bar" | "line", "unit", "series": [{"name", "points": [{"x", "y", "note", "link"}]}]},
     "labels": [...], "wordings": [...],        # the indicators' labels and the documents' wordings merged
     "variants": [{"indicator", "label", "qualifiers", "facts"}],
     "notes": [{"n", "citation_vi", "sentence", "link"}],   # the numbered source note under the table
     "facts": N}
"""
from __future__ import annotations

import threading

from indexer.facts import parse_indicator, parse_qualifiers, sub_period_label, topic_words
from indexer.store.factindex import FactQuery
from search.answer.question import detect_language, english_to_vietnamese_terms, indicator_phrase

BY_FIELDS = ("province", "year", "district", "doc_type")


def _period_label(period: dict) -> str:
    low, high = period.get("from"), period.get("to")
    if low is None:
        return "không rõ"
    label = str(low) if low == high or high is None else f"{low}–{high}"
    sub = sub_period_label(period.get("sub"))
    return f"{label} ({sub})" if sub else label


def place_row(fact: dict) -> dict:
    """The row a fact belongs to when rows are places: a district under its province, a
    provincial report's district- or commune-level total apart from the province's own."""
    province, district, level = fact.get("province"), fact.get("district"), fact.get("level")
    if district:
        row = f"{district}, {province}" if province else district
        if level == "xã":
            row += " — cấp xã"
        return {"row": row, "province": province, "district": district, "level": level, "parent": province}
    if province and level in ("huyện", "xã"):
        return {"row": f"{province} — cấp {level}", "province": province, "district": None, "level": level,
                "parent": province}
    return {"row": province or "không rõ", "province": province, "district": None, "level": level or "tỉnh",
            "parent": None}


def _cell_key(fact: dict, field: str) -> str:
    if field == "year":
        return _period_label(fact["period"])
    if field == "province":
        return place_row(fact)["row"]
    if field == "district":
        return fact.get("district") or "(toàn tỉnh)"
    return fact.get(field) or "không rõ"


def _rank(fact: dict, words: set[str]) -> tuple:
    """Which fact fills a cell when several match: a count before a rate (when counts are
    asked), a level before a change 'so với', the fact counting no topic beyond those asked
    (Nghệ An's "khiếu nại 571 đơn" before "tiếp nhận 634 đơn", which counts tố cáo and kiến nghị
    too), a total before a part of it ('trong đó'), the counted thing closest to what was asked,
    then document order."""
    counted = fact.get("words") or fact["counted"].split()
    other_topics = len({w for t in topic_words(" ".join(counted)) for w in t.split()} - words)
    extra = len(set(counted) - words)
    return (fact["kind"] == "percent", fact["comparison"], other_topics, bool(fact.get("breakdown")), extra,
            fact["paragraph"])


def _column_order(column: str) -> tuple:
    return (column == "không rõ", column[:4], len(column), column)


class _VersionFacts:
    """Kept with one index version (IndexView.derived): the facts extracted from its documents
    (when its store keeps none) and the citations of the passages cited so far."""

    def __init__(self):
        self.computed: list[dict] | None = None
        self.citations: dict[str, tuple[str, str]] = {}
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

    def facts(self, query: FactQuery | None = None, province: str | None = None) -> list[dict]:
        """The facts answering a query, from the store's index of facts; an index written
        before facts were kept has them extracted from its documents once per version."""
        from search.filters import Filters

        query = query or FactQuery()
        filters = Filters(province=province)
        store = getattr(self.engine, "store", None)
        stored = store.facts(None if filters.is_empty() else filters, query) if store is not None else None
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
                    if document is None:
                        continue
                    record = {"doc_id": summary["doc_id"], "metadata": summary["metadata"], "text": document["text"],
                              "paragraphs": document.get("paragraphs")}
                    computed += document_facts(record, document["passages"])
                kept.computed = computed
        return [f for f in kept.computed
                if query.accepts(f) and (filters.is_empty() or filters.accepts({"province": f["province"]}))]

    def citation(self, fact: dict) -> tuple[str, str]:
        """(citation, Vietnamese citation as the page copies it) of a fact's passage."""
        citations = self._version_facts.citations
        if fact["passage_id"] not in citations:
            document = self.engine.document(fact["doc_id"])
            for p in document["passages"] if document else ():
                citations[p["passage_id"]] = (p["citation"], p.get("citation_vi") or p["citation"])
        return citations.get(fact["passage_id"], (fact["doc_id"], fact["doc_id"]))

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
        qualifiers = sorted(parse_qualifiers(phrase))
        if detect_language(phrase) == "en":  # the counted thing in the reports' words
            _, words, _, unit = parse_indicator(" ".join(english_to_vietnamese_terms(phrase)))
        row_field, column_field = (list(by) + ["year"])[:2] if len(by) >= 1 else ("province", "year")
        asked = {"query": indicator, "predicate": predicate, "words": sorted(words), "rate": rate, "unit": unit,
                 "qualifiers": qualifiers, "label": None}
        empty = {"indicator": asked, "by": [row_field, column_field], "rows": [], "row_groups": [], "columns": [],
                 "cells": [], "chart": {"kind": "bar", "unit": None, "series": []}, "labels": [], "wordings": [],
                 "variants": [], "notes": [], "facts": 0}
        if not words and not predicate:  # nothing to count: an empty table that says so (as /search
            # answers words it cannot find with no results, not with an error)
            return empty | {"reason": f"«{indicator}» không nêu chỉ tiêu nào để đếm "
                                      f"(ví dụ: đơn khiếu nại đã giải quyết)"}
        base = FactQuery(predicate=predicate, words=tuple(sorted(words)), unit_class=unit,
                         year_from=year_from, year_to=year_to)
        # counts asked: a cell with no count stated shows the rate its sentence gives ("giải quyết
        # đạt 100% đơn thư khiếu nại"), marked by its kind and label
        found = self.facts(FactQuery(**{**base.__dict__, "rate": True if rate else None}), province)
        matching = [f for f in found if sorted(f.get("qualifiers") or []) == qualifiers]
        variants: dict[str, dict] = {}
        for f in found:
            if sorted(f.get("qualifiers") or []) != qualifiers:
                v = variants.setdefault(f["indicator"], {"indicator": f["indicator"], "label": f["label"],
                                                         "qualifiers": f.get("qualifiers") or [], "facts": 0})
                v["facts"] += 1
        cells: dict[tuple[str, str], list[dict]] = {}
        for fact in matching:
            cells.setdefault((_cell_key(fact, row_field), _cell_key(fact, column_field)), []).append(fact)
        out_cells = []
        for (row, column), facts in sorted(cells.items()):
            facts.sort(key=lambda f: _rank(f, words))
            out_cells.append(self._cell(row, column, facts[0]) | {"others": [self._brief(f) for f in facts[1:6]]})
        rows, row_groups = self._rows(out_cells, matching, row_field)
        columns = sorted({c["column"] for c in out_cells}, key=_column_order)
        notes = []
        order = {r: i for i, r in enumerate(rows)}
        for cell in sorted(out_cells, key=lambda c: (order[c["row"]], _column_order(c["column"]))):
            cell["note"] = len(notes) + 1
            notes.append({"n": cell["note"], "citation_vi": cell["citation_vi"], "citation": cell["citation"],
                          "sentence": " ".join(cell["sentence"].split()), "link": cell["link"]})
        out_cells.sort(key=lambda c: c["note"])
        labels = sorted({c["label"] for c in out_cells})
        asked["label"] = labels[0] if len(labels) == 1 else None
        return {"indicator": asked, "by": [row_field, column_field], "rows": rows, "row_groups": row_groups,
                "columns": columns, "cells": out_cells, "chart": _chart(out_cells, rows, columns, column_field),
                "labels": labels, "wordings": sorted({f["wording"] for f in matching if f.get("wording")}),
                "variants": sorted(variants.values(), key=lambda v: -v["facts"]), "notes": notes,
                "facts": len(matching)}

    @staticmethod
    def _rows(cells: list[dict], facts: list[dict], row_field: str) -> tuple[list[str], list[dict]]:
        """Rows in order, a province first and its district-level and district rows under it."""
        present = {c["row"] for c in cells}
        if row_field != "province":
            rows = sorted(present)
            return rows, [{"row": r, "province": None, "district": None, "level": None, "parent": None}
                          for r in rows]
        groups = {}
        for fact in facts:
            group = place_row(fact)
            if group["row"] in present:
                groups.setdefault(group["row"], group)
        ordered = sorted(groups.values(), key=lambda g: (g["province"] or "~", g["parent"] is not None,
                                                          g["district"] is not None, g["row"]))
        return [g["row"] for g in ordered], ordered

    def _brief(self, fact: dict) -> dict:
        return {"raw": fact["raw"], "value": fact["value"], "label": fact["label"], "passage_id": fact["passage_id"],
                "paragraph": fact["paragraph"], "link": f"/view/{fact['doc_id']}#p{fact['paragraph']}"}

    def _cell(self, row: str, column: str, fact: dict) -> dict:
        citation, citation_vi = self.citation(fact)
        period = fact["period"]
        return {"row": row, "column": column, "value": fact["value"], "raw": fact["raw"], "unit": fact["unit"],
                "kind": fact["kind"], "denominator": fact["denominator"], "label": fact["label"],
                "indicator": fact["indicator"], "wording": fact.get("wording"),
                "qualifiers": fact.get("qualifiers") or [],
                "place": ", ".join(p for p in (fact.get("district"), fact.get("province")) if p) or None,
                "province": fact.get("province"), "district": fact.get("district"),
                "level": fact.get("level"), "period": _period_label(period),
                "period_inferred": bool(period.get("inferred")), "period_source": period.get("source"),
                "sub_period": sub_period_label(period.get("sub")) or None,
                "doc_id": fact["doc_id"], "passage_id": fact["passage_id"], "paragraph": fact["paragraph"],
                "span": fact["span"], "sentence": fact["sentence"], "citation": citation,
                "citation_vi": citation_vi, "note": 0,
                "link": f"/view/{fact['doc_id']}#p{fact['paragraph']}"}


def _chart(cells: list[dict], rows: list[str], columns: list[str], column_field: str) -> dict:
    """Chart-ready series: one per row, a point per column it has a figure in (bars when
    there is one column or the columns are no years, lines by year otherwise); each point
    links to its sentence like its cell. Rates and counts are never one series' points."""
    counts = [c for c in cells if c["kind"] != "percent"] or cells
    index = {(c["row"], c["column"]): c for c in counts}
    series = []
    for row in rows:
        points = [{"x": col, "y": index[(row, col)]["value"], "raw": index[(row, col)]["raw"],
                   "note": index[(row, col)]["note"], "link": index[(row, col)]["link"]}
                  for col in columns if (row, col) in index]
        if points:
            series.append({"name": row, "points": points})
    units = {c["unit"] for c in counts}
    return {"kind": "line" if column_field == "year" and len(columns) > 1 else "bar",
            "unit": units.pop() if len(units) == 1 else None, "series": series}
