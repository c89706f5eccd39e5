"""What the search page reads besides /search and /ask: documents with their best
passages (one card per document), and precedents from other provinces."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.contract import Q_DESCRIPTION, K, SearchText
from api.routes.search import ERRORS, query_filters
from api.schemas import DocumentSearchResponse, Mode
from search.filters import Filters

router = APIRouter(tags=["search"])


# the parameters are the API contract's (api/contract.py); facet entries keep `value: null`
@router.get("/search/documents", response_model=DocumentSearchResponse, responses=ERRORS)
def search_documents(request: Request, q: Annotated[SearchText, Query(description=Q_DESCRIPTION)],
                     k: Annotated[K, Query(description="documents to return (1–100)")] = 10,
                     per_document: Annotated[int, Query(ge=1, le=10, description="passages shown per document")] = 3,
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
