"""What the search page reads besides /search and /ask: documents with their best
passages (one card per document), and precedents from other provinces."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from api.routes.search import ERRORS, query_filters
from api.schemas import DocumentSearchResponse, Mode
from search.filters import Filters

router = APIRouter(tags=["search"])


@router.get("/search/documents", response_model=DocumentSearchResponse, response_model_exclude_none=True,
            responses=ERRORS)
def search_documents(request: Request, q: str = Query(..., description="the query"),
                     k: int = Query(10, ge=1, le=100, description="documents to return"),
                     per_document: int = Query(3, ge=1, le=10, description="passages shown per document"),
                     mode: Mode = "hybrid", filters: Filters = Depends(query_filters)):
    """Documents matching the query, best first, each with its best passages; facet counts
    are documents."""
    engine = request.app.state.engine
    if hasattr(engine, "search_documents"):
        return engine.search_documents(q, k=k, per_document=per_document, mode=mode, filters=filters)
    return _grouped_top_passages(engine, q, k, per_document, mode, filters)


def _grouped_top_passages(engine, q, k, per_document, mode, filters):
    # interim, until the engine counts documents over every match through the store
    from search.grouping import group_by_document

    response = engine.search(q, k=100, mode=mode, filters=filters)
    texts: dict[str, str] = {}

    def text_of(doc_id):
        if doc_id not in texts:
            texts[doc_id] = engine.document(doc_id)["text"]
        return texts[doc_id]

    documents = group_by_document(response.pop("results"), per_document, text_of)
    return response | {"total_documents": len(documents), "documents": documents[:k]}
