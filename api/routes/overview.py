"""GET /overview: what the archive holds, for the home page (search/overview.py)."""
from fastapi import APIRouter, Request

from api.schemas import ArchiveOverviewResponse

router = APIRouter(tags=["search"])


@router.get("/overview", response_model=ArchiveOverviewResponse)
def overview(request: Request):
    """Documents and passages; documents per province, type and year (each value a filter of
    `/search` and `/documents`); the newest documents; 4–6 example questions written from the
    archive's own figures, each answered by `/ask` when the overview was computed (`kind`
    "question"), or searches on document titles when too few figures can be asked about
    (`kind` "search"). Computed once per index version."""
    from api.routes.updates import updates_mode

    return request.app.state.overview.get() | {"updates": updates_mode(request)}
