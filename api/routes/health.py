from fastapi import APIRouter, Request

from api.routes import served_engine
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request):
    return served_engine(request).health()
