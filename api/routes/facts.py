"""GET /facts: one indicator across places and years, every cell cited to its sentence;
?format=csv|xlsx|docx: the same table as a file for a report, with its numbered source note."""
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.contract import FilterText, SearchText, Year, check_year_range
from api.routes.search import ERRORS
from api.schemas import FactTableResponse

router = APIRouter(tags=["research"])
BY_PATTERN = r"^(province|year|district|doc_type)(,(province|year|district|doc_type))?$"
EXPORTS = {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {}},
           "description": "the table (JSON); with format=csv|xlsx|docx the table as a file, a numbered source "
                          "note under it"}


# parameter types from the API contract (api/contract.py): validated text, bounded years
@router.get("/facts", response_model=FactTableResponse, responses={**ERRORS, 200: EXPORTS})
def facts(request: Request,
          indicator: Annotated[SearchText, Query(description="what is counted, in words: 'đơn khiếu nại đã giải "
                                                             "quyết', 'lượt tiếp công dân', 'resolved complaints'")],
          province: Annotated[Optional[FilterText], Query(description="only this province")] = None,
          year_from: Annotated[Optional[Year], Query()] = None,
          year_to: Annotated[Optional[Year], Query(description="not before year_from")] = None,
          by: Annotated[str, Query(pattern=BY_PATTERN, description="row field, column field: province, year, "
                                                                   "district, doc_type")] = "province,year",
          format: Annotated[Literal["json", "csv", "xlsx", "docx"],
                            Query(description="json (default), or the table as a csv, xlsx or docx file with "
                                              "each cell's citation in a numbered note under it")] = "json"):
    """A place × year table of one indicator from the figures extracted at index time;
    each cell holds the figure as written, its citation, sentence and a link to its paragraph."""
    from api.facts_export import MEDIA_TYPES, export
    from search.answer.facts import FactTable

    check_year_range(year_from, year_to)
    table = getattr(request.app.state, "fact_table", None)
    if table is None or table.engine is not request.app.state.engine:
        table = request.app.state.fact_table = FactTable(request.app.state.engine)
    result = table.table(indicator, by=tuple(f.strip() for f in by.split(",") if f.strip()), province=province,
                         year_from=year_from, year_to=year_to)
    if format == "json":
        return result
    return Response(export(result, format), media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="bang-so-lieu.{format}"'})
