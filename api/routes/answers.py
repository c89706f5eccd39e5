from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.contract import QUESTION_DESCRIPTION, AskBody, K, QuestionText
from api.routes import served_engine
from api.routes.search import ERRORS, query_filters
from api.schemas import AnswerResponse
from search.answer import served_answerer
from search.filters import Filters

router = APIRouter(tags=["answers"])


@router.post("/ask", response_model=AnswerResponse, responses=ERRORS)
def ask(request: Request, body: AskBody):
    """The figure, date or name that answers the question, quoted with its evidence; or
    `answer: null` with the `reason` (for example no document about the place asked)."""
    return served_answerer(served_engine(request)).ask(body.q, k=body.k, filters=body.filters())


@router.get("/ask", response_model=AnswerResponse, responses=ERRORS)
def ask_get(request: Request, q: Annotated[QuestionText, Query(description=QUESTION_DESCRIPTION)],
            k: Annotated[K, Query(description="passages returned with the answer (1–100)")] = 5,
            filters: Filters = Depends(query_filters)):
    """As POST /ask, with the parameters in the URL."""
    return served_answerer(served_engine(request)).ask(q, k=k, filters=filters)
