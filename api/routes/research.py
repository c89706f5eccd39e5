from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from api.contract import Q_DESCRIPTION, CompareBody, GroupBy, KPerGroup, Mode, SearchText
from api.problems import problem_content
from api.routes import served_engine
from api.routes.search import ERRORS, query_filters
from api.schemas import CompareResponse, DirectiveSummary, DirectiveView, DocumentSummary
from search.filters import Filters

router = APIRouter(tags=["research"])


@router.post("/compare", response_model=CompareResponse, responses=ERRORS)
def compare(request: Request, body: CompareBody):
    """The best passages per province, year or document type: precedents side by side."""
    return served_engine(request).compare(body.q, group_by=body.group_by, k_per_group=body.k_per_group,
                                          mode=body.mode, filters=body.filters())


@router.get("/compare", response_model=CompareResponse, responses=ERRORS)
def compare_get(request: Request, q: Annotated[SearchText, Query(description=Q_DESCRIPTION)],
                group_by: GroupBy = "province",
                k_per_group: Annotated[KPerGroup, Query(description="passages per group (1–20)")] = 3,
                mode: Mode = "hybrid", filters: Filters = Depends(query_filters)):
    """As POST /compare, with the parameters in the URL."""
    return served_engine(request).compare(q, group_by=group_by, k_per_group=k_per_group, mode=mode,
                                          filters=filters)


@router.get("/directives", response_model=list[DirectiveSummary])
def directives(request: Request):
    """Every directive the corpus cites (Kết luận, Chỉ thị, Nghị quyết, …) with citing-document counts."""
    return served_engine(request).directives()


@router.get("/directives/{directive_id:path}", response_model=DirectiveView,
            responses={404: problem_content("no document cites it")})
def directive(request: Request, directive_id: Annotated[str, Path(description="the directive's id as GET /directives "
                                                                             "lists it", examples=["114-KL/TW"])]):
    """Documents citing a directive (id URL-encoded: 114-KL%2FTW) and the passages where they do."""
    found = served_engine(request).directive(directive_id)
    if found is None:
        raise HTTPException(404, f"Không có văn bản nào dẫn chiếu {directive_id!r} (xem GET /directives).")
    return found


@router.get("/documents", response_model=list[DocumentSummary], responses=ERRORS)
def documents(request: Request, filters: Filters = Depends(query_filters)):
    """All documents with their metadata (filters as in /search)."""
    return served_engine(request).documents_list(filters)
