from fastapi import APIRouter, Query, Request

from api.schemas import ErrorMessage, Mode, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])
ERRORS = {422: {"model": ErrorMessage, "description": "empty query or k out of range"}}


@router.get("/search", response_model=SearchResponse, responses=ERRORS)
def search_get(request: Request, q: str = Query(..., description="the query"),
               k: int = Query(10, ge=1, le=100), mode: Mode = "hybrid"):
    return request.app.state.engine.search(q, k=k, mode=mode)


@router.post("/search", response_model=SearchResponse, responses=ERRORS)
def search_post(request: Request, body: SearchRequest):
    return request.app.state.engine.search(body.query, k=body.k, mode=body.mode)
