"""FastAPI application: thin routers over one SearchEngine (see search/engine.py)."""
from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from api.auth import AuthConfig, cors_origins, install_auth, install_cors
from api.routes import answers, docs, documents, explore, health, pages, research, search
from search.answer import Answerer
from search.engine import QueryError, SearchEngine
from search.filters import FilterError

log = logging.getLogger("tracuu")
RELOAD_CHECK_SECONDS = 1.0


def create_app(engine: SearchEngine, preload_model: bool = False, auth: AuthConfig | None = None,
               cors: list[str] | None = None) -> FastAPI:
    """`auth` defaults to the keys in $TRACUU_API_KEYS_FILE (none: open), `cors` to $TRACUU_CORS_ORIGINS."""
    # /docs and /redoc come from api/routes/docs.py (offline assets), not FastAPI's CDN pages
    app = FastAPI(title="tracuu", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Search and answers over Vietnamese policy documents, with paragraph citations.")
    app.state.engine = engine
    app.state.last_reload_check = 0.0
    if preload_model:
        engine.encoder  # load the model at start-up, not on the first query

    app.state.answerer = Answerer(engine)

    @app.exception_handler(QueryError)
    @app.exception_handler(FilterError)
    async def query_error(_request: Request, exc: ValueError):
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

    app.include_router(explore.router)  # /search/documents (before nothing it could shadow)
    app.include_router(search.router)
    app.include_router(answers.router)
    app.include_router(research.router)  # /compare, /directives, GET /documents (before /documents/{id})
    app.include_router(documents.router)
    from api.routes import updates  # POST/DELETE /documents (issue 6), admin-only

    app.state.allow_updates = False  # `tracuu serve --allow-updates` sets it
    app.include_router(updates.router)
    app.include_router(health.router)
    # pages, widget, keys, CORS (issue 7); CORS is added last so it wraps the key checks
    app.include_router(pages.router)
    app.include_router(docs.router)  # /docs, /redoc, /static/vendor/* (before the /static mount)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    install_auth(app, auth if auth is not None else AuthConfig.from_env())
    install_cors(app, cors if cors is not None else cors_origins())
    return app
