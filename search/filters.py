"""Facets over search results; the filters themselves live with the store (pushed down)."""
from __future__ import annotations

from collections import Counter

from indexer.store.filters import (FilterError, Filters, doc_year, doc_years,  # noqa: F401 (re-exported)
                                   reference_ids)

FACET_FIELDS = ("province", "doc_type", "year")


def allowed_rows(filters: Filters | None, documents: dict[str, dict],
                 passages_by_doc: dict[str, list[int]]) -> set[int] | None:
    """Passage rows of the documents the filters accept; None when there are no filters."""
    if filters is None or filters.is_empty():
        return None
    rows: set[int] = set()
    for doc_id, record in documents.items():
        if filters.accepts(record.get("metadata") or {}):
            rows.update(passages_by_doc.get(doc_id, []))
    return rows


def facet_value(metadata: dict, field: str):
    return doc_year(metadata) if field == "year" else metadata.get(field)


def facets(rows: list[int], passages: list[dict], documents: dict[str, dict]) -> dict:
    """Counts of passages per province, type and year among `rows` (the candidate pool)."""
    counts = {field: Counter() for field in FACET_FIELDS}
    for row in rows:
        metadata = documents[passages[row]["doc_id"]].get("metadata") or {}
        for field in FACET_FIELDS:
            counts[field][facet_value(metadata, field)] += 1
    return {field: [{"value": value, "count": n} for value, n in
                    sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))]
            for field, counter in counts.items()}
