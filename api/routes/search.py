from typing import Optional

from fastapi import APIRouter, Depends, Query, Request

from api.schemas import ErrorMessage, Mode, SearchResponse, SearchWithFilters
from search.filters import Filters

router = APIRouter(tags=["search"])
ERRORS = {422: {"model": ErrorMessage, "description": "empty query, k out of range or bad filter"}}


def query_filters(province: Optional[str] = None, district: Optional[str] = None, doc_type: Optional[str] = None,
                  year_from: Optional[int] = Query(None, ge=1900, le=2100),
                  year_to: Optional[int] = Query(None, ge=1900, le=2100),
                  references: Optional[str] = Query(None, description="a cited directive, e.g. 114-KL/TW")) -> Filters:
    return Filters(province, district, doc_type, year_from, year_to, references)


def body_filters(body) -> Filters:
    return Filters(body.province, body.district, body.doc_type, body.year_from, body.year_to, body.references)


@router.get("/search", response_model=SearchResponse, response_model_exclude_none=True, responses=ERRORS)
def search_get(request: Request, q: str = Query(..., description="the query"),
               k: int = Query(10, ge=1, le=100), mode: Mode = "hybrid", filters: Filters = Depends(query_filters)):
    return request.app.state.engine.search(q, k=k, mode=mode, filters=filters)


@router.post("/search", response_model=SearchResponse, response_model_exclude_none=True, responses=ERRORS)
def search_post(request: Request, body: SearchWithFilters):
    return request.app.state.engine.search(body.query, k=body.k, mode=body.mode, filters=body_filters(body))
