from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.routes import served_engine
from api.schemas import Health

router = APIRouter(tags=["health"])
RETRY_AFTER_SECONDS = 5


@router.get("/health", response_model=Health,
            responses={503: {"model": Health, "description": "no query can be served now (the database server "
                                                             "is down): `unavailable` names it; Retry-After says "
                                                             "when to ask again"}})
def health(request: Request):
    """`ok`, or `degraded` naming what is wrong (`warnings`, `unavailable`: a shard down). A 503
    when no query at all can be served."""
    state = served_engine(request).health()
    if not state["serving"]:
        return JSONResponse(Health(**state).model_dump(), status_code=503,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return state
