"""What the search page reads besides /search and /ask: documents with their best
passages (one card per document), and precedents from other provinces."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from api.contract import FACETS_DESCRIPTION, Q_DESCRIPTION, K, SearchText
from api.problems import problem_content
from api.routes import served_engine
from api.routes.search import ERRORS, query_filters
from api.schemas import DocumentSearchResponse, Mode, PrecedentsResponse
from search.filters import Filters

router = APIRouter(tags=["search"])


# the parameters are the API contract's (api/contract.py); facet entries keep `value: null`
@router.get("/search/documents", response_model=DocumentSearchResponse, responses=ERRORS)
def search_documents(request: Request, q: Annotated[SearchText, Query(description=Q_DESCRIPTION)],
                     k: Annotated[K, Query(description="documents to return (1–100)")] = 10,
                     per_document: Annotated[int, Query(ge=1, le=10, description="passages shown per document")] = 3,
                     mode: Mode = "hybrid", filters: Filters = Depends(query_filters),
                     facets: Annotated[bool, Query(description=FACETS_DESCRIPTION)] = True):
    """Documents matching the query, best first, each with its best passages; facet counts
    are documents."""
    return served_engine(request).search_documents(q, k=k, per_document=per_document, mode=mode,
                                                   filters=filters, facets=facets)


@router.get("/precedents", response_model=PrecedentsResponse,
            responses={404: problem_content("unknown passage")})
def precedents(request: Request, passage_id: Annotated[str, Query(description="e.g. nghe-an-…-114.txt#p9.1")],
               k: Annotated[K, Query(description="passages to return (1–100)")] = 5):
    """The passages of other provinces' documents most like this one ("Tìm tiền lệ ở tỉnh khác")."""
    found = served_engine(request).precedents(passage_id, k=k)
    if found is None:
        raise HTTPException(404, f"Không có đoạn văn {passage_id!r}.")
    return found
