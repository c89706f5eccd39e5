from fastapi import APIRouter, Depends, HTTPException, Request

from api.routes.search import ERRORS, body_filters, query_filters
from api.schemas import CompareRequest, CompareResponse, DirectiveSummary, DirectiveView, DocumentSummary, ErrorMessage
from search.filters import Filters

router = APIRouter(tags=["research"])


@router.post("/compare", response_model=CompareResponse, responses=ERRORS)
def compare(request: Request, body: CompareRequest):
    """The best passages per province, year or document type: precedents side by side."""
    return request.app.state.engine.compare(body.query, group_by=body.group_by, k_per_group=body.k_per_group,
                                            mode=body.mode, filters=body_filters(body))


@router.get("/directives", response_model=list[DirectiveSummary])
def directives(request: Request):
    """Every directive the corpus cites (Kết luận, Chỉ thị, Nghị quyết, …) with citing-document counts."""
    return request.app.state.engine.directives()


@router.get("/directives/{directive_id:path}", response_model=DirectiveView,
            responses={404: {"model": ErrorMessage, "description": "no document cites it"}})
def directive(request: Request, directive_id: str):
    """Documents citing a directive (id URL-encoded: 114-KL%2FTW) and the passages where they do."""
    found = request.app.state.engine.directive(directive_id)
    if found is None:
        raise HTTPException(404, f"no document cites {directive_id!r}")
    return found


@router.get("/documents", response_model=list[DocumentSummary])
def documents(request: Request, filters: Filters = Depends(query_filters)):
    """All documents with their metadata (filters as in /search)."""
    return request.app.state.engine.documents_list(filters)
