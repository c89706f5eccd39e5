from fastapi import APIRouter, Request

from api.problems import problem_content, problem_response
from api.routes import served_engine
from api.schemas import Health

router = APIRouter(tags=["health"])
RETRY_AFTER_SECONDS = 5


@router.get("/health", response_model=Health,
            responses={503: problem_content("no query can be served now (the database server is down): a "
                                            "problem detail naming it in `unavailable`, the state in `health`, "
                                            "Retry-After")})
def health(request: Request):
    """`ok`, or `degraded` naming what is wrong (`warnings`, `unavailable`: a shard down). A 503
    problem detail when no query at all can be served."""
    from api.routes.updates import updates_mode

    state = served_engine(request).health()
    if not state["serving"]:
        return problem_response(503, "Không phục vụ được truy vấn nào: " + "; ".join(state["warnings"]) + ".",
                                request.url.path, headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                                unavailable=state["unavailable"], health=Health(**state).model_dump())
    return state | {"updates": updates_mode(request)}
