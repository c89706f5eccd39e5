"""Facet fields of search results; the filters themselves live with the store (pushed down)."""
from __future__ import annotations

from indexer.store.filters import (FilterError, Filters, doc_year, doc_years,  # noqa: F401 (re-exported)
                                   reference_ids)

FACET_FIELDS = ("province", "doc_type", "year")


def facet_value(metadata: dict, field: str):
    return doc_year(metadata) if field == "year" else metadata.get(field)
