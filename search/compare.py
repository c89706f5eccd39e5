"""The groups of a comparison (`SearchEngine.compare`): which group a document falls in, and
the order groups are shown in.

By year, a document is grouped under the years it speaks for (`doc_years`): a report on one
year under that year, a report on a period under the period's label ("2015–2020"). A
period report's figures are totals over the period ("giải quyết 1.215 đơn giai đoạn
2015–2020"): under its last year a researcher would read a five-year total as 2020's, and
under each year it covers the same total would stand five times as if it were each year's.
So the period is a group of its own, placed by its first year (then its last): 2015–2020,
2018, 2020, 2021, unknown last. The facets and the year filters are different on purpose:
they select every document whose period overlaps the years asked for.
"""
from __future__ import annotations

from indexer.textnorm import search_key
from search.filters import doc_years

GROUP_BY = ("province", "year", "doc_type")


def period_label(years: tuple[int, int]) -> int | str:
    """2020 for one year, "2015–2020" (en dash, as the reports write it) for a period."""
    start, end = years
    return start if start == end else f"{start}–{end}"


def group_of(metadata: dict, group_by: str) -> tuple:
    """(the group's key as the API shows it, its period {from, to} when grouping by year)."""
    if group_by != "year":
        return metadata.get(group_by), None
    years = doc_years(metadata)
    if years is None:
        return None, None
    return period_label(years), {"from": years[0], "to": years[1]}


def group_order(group: dict) -> tuple:
    """Years by first then last year, places and types by name (accent-insensitive); unknown last."""
    if group["key"] is None:
        return (1, 0, 0, "")
    period = group.get("period")
    if period is not None:
        return (0, period["from"], period["to"], "")
    return (0, 0, 0, search_key(str(group["key"])))
