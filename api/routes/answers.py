from fastapi import APIRouter, Request

from api.routes.search import ERRORS, body_filters
from api.schemas import AnswerResponse, AskRequest

router = APIRouter(tags=["answers"])


@router.post("/ask", response_model=AnswerResponse, responses=ERRORS)
def ask(request: Request, body: AskRequest):
    """The figure, date or name that answers the question, quoted with its evidence; or
    `answer: null` with the `reason` (for example no document about the place asked)."""
    return request.app.state.answerer.ask(body.question, k=body.k, filters=body_filters(body))
