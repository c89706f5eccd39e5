from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.contract import FACETS_DESCRIPTION, K, Mode, SearchBody, SearchText, query_filters, Q_DESCRIPTION
from api.problems import problem_content
from api.routes import served_engine
from api.schemas import SearchResponse
from search.filters import Filters

router = APIRouter(tags=["search"])
# documented on every route that takes a query (api/app.py adds the problem schema)
ERRORS = {422: problem_content("a parameter is missing, out of range, unknown, or the query has no content "
                               "(problem details naming the parameter)")}


def body_filters(body) -> Filters:
    return body.filters()


@router.get("/search", response_model=SearchResponse, responses=ERRORS)
def search_get(request: Request, q: Annotated[SearchText, Query(description=Q_DESCRIPTION)],
               k: Annotated[K, Query(description="passages to return (1–100)")] = 10, mode: Mode = "hybrid",
               filters: Filters = Depends(query_filters),
               facets: Annotated[bool, Query(description=FACETS_DESCRIPTION)] = True):
    return served_engine(request).search(q, k=k, mode=mode, filters=filters, facets=facets)


@router.post("/search", response_model=SearchResponse, responses=ERRORS)
def search_post(request: Request, body: SearchBody):
    return served_engine(request).search(body.q, k=body.k, mode=body.mode, filters=body.filters(),
                                         facets=body.facets)
