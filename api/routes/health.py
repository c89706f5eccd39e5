from fastapi import APIRouter, Request

from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request):
    from api.routes.updates import updates_mode

    return request.app.state.engine.health() | {"updates": updates_mode(request)}
