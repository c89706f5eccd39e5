"""Metadata filters, pushed down into the store: province, district, type, years, directives.

The store applies them where the passages live (a set of rows for the local files, a
WHERE clause on indexed JSONB for PostgreSQL), so a retriever returns the best passages
that pass them however far down those rank overall.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

from indexer.gazetteer import canonical_province
from indexer.metadata import normalize_reference
from indexer.textnorm import search_key


class FilterError(ValueError):
    pass


def doc_years(metadata: dict) -> tuple[int, int] | None:
    """The years a document speaks for: its reporting period, else the year of its date."""
    period = metadata.get("period")
    if period and period.get("from"):
        return int(period["from"]), int(period.get("to") or period["from"])
    date = metadata.get("date")
    if date and date[:4].isdigit():
        return int(date[:4]), int(date[:4])
    return None


def doc_year(metadata: dict) -> int | None:
    """One year per document for facets and grouping: the end of its period, else its date."""
    years = doc_years(metadata)
    return years[1] if years else None


def reference_ids(metadata: dict) -> list[str]:
    """The directive ids a document cites: from the extracted metadata (one dict per reference)
    or from a listing that already holds the ids (SearchEngine.documents_list)."""
    return [r["id"] if isinstance(r, dict) else r for r in metadata.get("references") or []]


def reference_spellings(metadata: dict) -> list[str]:
    """The cited ids and every other way the document writes them ("13-CT/UBND" for 13/CT-UBND):
    what a `references` filter matches, so either spelling finds the directive."""
    found = reference_ids(metadata)
    for ref in metadata.get("references") or []:
        if isinstance(ref, dict):
            found += [s for s in ref.get("spellings") or [] if s not in found]
    return found


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and search_key(a) == search_key(b)


@dataclass
class Filters:
    province: str | None = None
    district: str | None = None
    doc_type: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    references: str | None = None
    # a scope of documents (the answer stage's "documents about the place and period asked",
    # a gold context in eval); None = no restriction, an empty set = nothing
    doc_ids: frozenset[str] | None = None

    def __post_init__(self):
        if self.doc_ids is not None:
            self.doc_ids = frozenset(self.doc_ids)
        if self.province:
            self.province = canonical_province(self.province) or self.province.strip()
        if self.references:
            self.references = normalize_reference(self.references) or self.references.strip()
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise FilterError(f"year_from ({self.year_from}) is after year_to ({self.year_to})")

    def is_empty(self) -> bool:
        return self.doc_ids is None and not any(v for k, v in asdict(self).items() if k != "doc_ids")

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if v is not None and k != "doc_ids"}
        if self.doc_ids is not None:
            out["doc_ids"] = sorted(self.doc_ids)
        return out

    def key(self) -> tuple:
        """Hashable identity of the filters (backends cache the rows a filter allows)."""
        return tuple(getattr(self, f) for f in ("province", "district", "doc_type", "year_from", "year_to",
                                                "references", "doc_ids"))

    def accepts(self, metadata: dict, doc_id: str | None = None) -> bool:
        """Whether a document passes; `doc_id` is needed when the filters name documents."""
        if self.doc_ids is not None and doc_id not in self.doc_ids:
            return False
        if self.province and not _same(metadata.get("province"), self.province):
            return False
        if self.district and not _same(metadata.get("district"), self.district):
            return False
        if self.doc_type and not _same(metadata.get("doc_type"), self.doc_type):
            return False
        if self.year_from or self.year_to:
            years = doc_years(metadata)
            if years is None:
                return False
            low, high = self.year_from or -10**6, self.year_to or 10**6
            if years[1] < low or years[0] > high:  # the periods must overlap
                return False
        if self.references and self.references not in reference_spellings(metadata):
            return False
        return True
