"""FastAPI application: thin routers over one SearchEngine (see search/engine.py)."""
from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.routes import documents, health, search
from search.engine import QueryError, SearchEngine

log = logging.getLogger("tracuu")
RELOAD_CHECK_SECONDS = 1.0


def create_app(engine: SearchEngine, preload_model: bool = False) -> FastAPI:
    app = FastAPI(title="tracuu", version="0.1.0",
                  description="Search and answers over Vietnamese policy documents, with paragraph citations.")
    app.state.engine = engine
    app.state.last_reload_check = 0.0
    if preload_model:
        engine.encoder  # load the model at start-up, not on the first query

    @app.exception_handler(QueryError)
    async def query_error(_request: Request, exc: QueryError):
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.middleware("http")
    async def pick_up_new_index_versions(request: Request, call_next):
        # a new index version (tracuu index/add/remove) is served without a restart;
        # requests already running keep the state they started with
        now = time.monotonic()
        if now - app.state.last_reload_check > RELOAD_CHECK_SECONDS:
            app.state.last_reload_check = now
            try:
                if engine.reload_if_changed():
                    log.info("serving index version %s", engine.state.version.name)
            except Exception as err:  # keep serving the version we have
                log.error("could not load the new index version: %s", err)
        return await call_next(request)

    app.include_router(search.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    return app
