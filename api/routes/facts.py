"""GET /facts: one indicator across provinces and years, every cell cited to its sentence."""
from typing import Optional

from fastapi import APIRouter, Query, Request

from api.routes.search import ERRORS
from api.schemas import FactTableResponse

router = APIRouter(tags=["research"])


@router.get("/facts", response_model=FactTableResponse, responses=ERRORS)
def facts(request: Request,
          indicator: str = Query(..., description="what is counted, in words: 'đơn khiếu nại đã giải quyết', "
                                                  "'lượt tiếp công dân', 'resolved complaints'"),
          province: Optional[str] = Query(None, description="only this province"),
          year_from: Optional[int] = Query(None), year_to: Optional[int] = Query(None),
          by: str = Query("province,year", description="row field, column field: province, year, district, doc_type")):
    """A province × year table of one indicator from the figures extracted at index time;
    each cell holds the figure as written, its citation, sentence and a link to its paragraph."""
    from search.answer.facts import FactTable

    table = getattr(request.app.state, "fact_table", None)
    if table is None or table.engine is not request.app.state.engine:
        table = request.app.state.fact_table = FactTable(request.app.state.engine)
    return table.table(indicator, by=tuple(f.strip() for f in by.split(",") if f.strip()), province=province,
                       year_from=year_from, year_to=year_to)
