"""Ranked passages → ranked documents, each with its best passages.

A reader scans documents, not passages: a report that matches in ten places should be
one entry with its best few passages under it, not ten look-alike hits. Two passages
that are consecutive pieces of one paragraph (the chunker splits long paragraphs) are
shown as one, so "đoạn 9" never appears twice in a row.

Pure functions over the hit dicts the engine returns (`SearchEngine.result`): the
engine decides which passages and documents match; this module only arranges them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

MAX_GAP = 2  # characters between two pieces of one paragraph (a space or a newline)


def _adjacent(first: dict, second: dict) -> bool:
    """`second` continues `first` in the same paragraph (and both are verbatim slices)."""
    return (first["doc_id"] == second["doc_id"] and first["paragraph"] == second["paragraph"]
            and first.get("paragraph_end", first["paragraph"]) == first["paragraph"]
            and second.get("paragraph_end", second["paragraph"]) == second["paragraph"]
            and 0 <= second["span"][0] - first["span"][1] <= MAX_GAP)


def merge_two(first: dict, second: dict, document_text: str | None) -> dict:
    """One hit for two consecutive pieces of a paragraph: text, highlights and span joined;
    the better rank and score kept; `passage_ids` names both."""
    gap = (document_text[first["span"][1]:second["span"][0]] if document_text is not None
           else " " * (second["span"][0] - first["span"][1]))
    shift = len(first["text"]) + len(gap)
    merged = dict(first)
    merged["text"] = first["text"] + gap + second["text"]
    merged["highlights"] = list(first.get("highlights") or []) + [
        [s + shift, e + shift] for s, e in second.get("highlights") or []]
    merged["span"] = [first["span"][0], second["span"][1]]
    merged["passage_ids"] = first.get("passage_ids", [first["passage_id"]]) + \
        second.get("passage_ids", [second["passage_id"]])
    best = min((first, second), key=lambda h: h["rank"])
    merged["rank"], merged["score"], merged["scores"] = best["rank"], best["score"], best.get("scores", {})
    return merged


def merge_adjacent(hits: list[dict], document_text: Callable[[str], str | None] | None = None) -> list[dict]:
    """Hits of one document, consecutive paragraph pieces merged; in the order of their
    best rank. `document_text(doc_id)` gives the exact text between two pieces."""
    in_document_order = sorted(hits, key=lambda h: (h["doc_id"], h["span"][0]))
    merged: list[dict] = []
    for hit in in_document_order:
        if merged and _adjacent(merged[-1], hit):
            text = document_text(hit["doc_id"]) if document_text else None
            merged[-1] = merge_two(merged[-1], hit, text)
        else:
            merged.append(dict(hit, passage_ids=[hit["passage_id"]]))
    return sorted(merged, key=lambda h: h["rank"])


def group_by_document(hits: list[dict], per_document: int = 3,
                      document_text: Callable[[str], str | None] | None = None,
                      matched: Mapping[str, int] | None = None) -> list[dict]:
    """Documents in the order of their best passage: {rank, doc_id, title, score, metadata,
    matched (its passages that matched: `matched[doc_id]`, else its hits among `hits`),
    passages (its best `per_document`, merged)}."""
    by_doc: dict[str, list[dict]] = {}
    for hit in hits:
        by_doc.setdefault(hit["doc_id"], []).append(hit)
    documents = []
    for doc_id, doc_hits in by_doc.items():
        best = min(doc_hits, key=lambda h: h["rank"])
        passages = merge_adjacent(doc_hits, document_text)
        documents.append({"doc_id": doc_id, "title": best["title"], "score": best["score"],
                          "metadata": best.get("metadata", {}),
                          "matched": matched[doc_id] if matched else len(doc_hits),
                          "passages": passages[:per_document], "best_rank": best["rank"]})
    documents.sort(key=lambda d: d.pop("best_rank"))
    for rank, document in enumerate(documents, start=1):
        document["rank"] = rank
    return documents
