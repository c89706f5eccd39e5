"""FastAPI application: thin routers over one SearchEngine (see search/engine.py); each
request reads the engine pinned to one index version (api/routes/__init__.py served_engine).

Around the routes, from the outside in (each one a small module):
- access_log.py   one line per request, credentials and (by default) query text redacted;
- security.py     security headers on every response, bounded bodies, unexpected errors → 500;
- CORS            the allow-list (auth.py), so refusals carry CORS headers too;
- auth.py         API keys, scopes, per-key rate limits, failed-authentication throttle;
then the routes, whose parameters are validated by contract.py and whose errors are all
problem details (problems.py).
"""
from __future__ import annotations

import logging
import time

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from api.access_log import AccessLogMiddleware
from api.auth import AuthConfig, cors_origins, document_security, install_auth, install_cors
from api.contract import reject_unknown_query_parameters
from api.problems import (MEDIA_TYPE, Problem, install_problem_handlers, problem_body, problem_content,
                          problem_response)
from api.routes import answers, docs, documents, explore, facts, health, pages, research, search
from api.security import EdgeMiddleware
from indexer.store import StoreUnavailable
from search.engine import QueryError, SearchEngine
from search.filters import FilterError

log = logging.getLogger("tracuu")
RELOAD_CHECK_SECONDS = 1.0
# the engine's own checks (English) behind the boundary's; they should not be reached
ENGINE_MESSAGES = {"query must not be empty": "Câu truy vấn không được để trống.",
                   "question must not be empty": "Câu hỏi không được để trống."}


def create_app(engine: SearchEngine, preload_model: bool = False, auth: AuthConfig | None = None,
               cors: list[str] | None = None) -> FastAPI:
    """`auth` defaults to the keys in $TRACUU_API_KEYS_FILE (none: open), `cors` to $TRACUU_CORS_ORIGINS."""
    # /docs and /redoc come from api/routes/docs.py (offline assets), not FastAPI's CDN pages
    app = FastAPI(title="tracuu", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Search and answers over Vietnamese policy documents, with paragraph citations. "
                              "Every error is an RFC 9457 problem detail (application/problem+json) with a "
                              "Vietnamese `title` and `detail` and the offending `parameter`.")
    app.state.engine = engine
    app.state.last_reload_check = 0.0
    for warning in engine.health()["warnings"]:
        log.warning("%s", warning)  # also in /health, until the index is repaired or rebuilt
    if preload_model:
        engine.encoder  # load the model at start-up, not on the first query

    from search.overview import ArchiveOverview

    app.state.overview = ArchiveOverview(engine)  # GET /overview, the home page (per index version)
    install_problem_handlers(app)

    @app.exception_handler(QueryError)
    @app.exception_handler(FilterError)
    async def query_error(request: Request, exc: ValueError):
        from fastapi.responses import JSONResponse

        message = str(exc)
        detail = ENGINE_MESSAGES.get(message, f"Yêu cầu không thực hiện được: {message}.")
        return JSONResponse(problem_body(422, detail, request.url.path), status_code=422, media_type=MEDIA_TYPE)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable):
        # a server or shard down, or a query out of time: a 503 naming it, to be retried
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        return problem_response(503, f"Kho chỉ mục tạm thời không truy cập được: {exc.detail_vi}. "
                                     f"Vui lòng thử lại sau {exc.retry_after} giây.", request.url.path,
                                headers={"Retry-After": str(exc.retry_after)}, unavailable=[exc.part])

    @app.middleware("http")
    async def pick_up_new_index_versions(request: Request, call_next):
        # a new index version (tracuu index/add/remove) is served without a restart;
        # requests already running keep the state they started with
        now = time.monotonic()
        if now - app.state.last_reload_check > RELOAD_CHECK_SECONDS:
            app.state.last_reload_check = now
            try:
                if engine.reload_if_changed():
                    log.info("serving index version %s", engine.view.version)
            except Exception as err:  # keep serving the version we have
                log.error("could not load the new index version: %s", err)
        return await call_next(request)

    # API routes refuse query parameters they do not declare (a misspelt filter is an error,
    # not a silently unfiltered result); pages and static files do not
    strict = [Depends(reject_unknown_query_parameters)]
    app.include_router(explore.router, dependencies=strict)  # /search/documents
    app.include_router(search.router, dependencies=strict)
    app.include_router(answers.router, dependencies=strict)
    app.include_router(facts.router, dependencies=strict)
    app.include_router(research.router, dependencies=strict)  # /compare, /directives, GET /documents
    app.include_router(documents.router, dependencies=strict)
    from api.routes import overview

    app.include_router(overview.router, dependencies=strict)
    from api.routes import updates  # POST/DELETE /documents (issue 6), admin-only

    app.state.allow_updates = False  # `tracuu serve --allow-updates` sets it
    app.include_router(updates.router, dependencies=strict)
    app.include_router(health.router, dependencies=strict)
    # pages, widget, keys, CORS (issue 7); CORS is added after the keys so it wraps them
    app.include_router(pages.router)
    app.include_router(docs.router)  # /docs, /redoc, /static/vendor/* (before the /static mount)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    config = auth if auth is not None else AuthConfig.from_env()
    install_auth(app, config)
    app.state.cors_origins = cors if cors is not None else cors_origins()
    install_cors(app, app.state.cors_origins)
    app.add_middleware(EdgeMiddleware)
    app.add_middleware(AccessLogMiddleware)
    install_openapi(app, config)
    return app


def install_openapi(app: FastAPI, config: AuthConfig) -> None:
    """The OpenAPI document as the server really behaves: one error shape (Problem) for every
    error response, 413 on bodies, 422 wherever parameters are checked (unknown ones included),
    and security only while keys are configured (keys can be added to a running server)."""
    cache: dict[bool, dict] = {}

    def openapi() -> dict:
        enabled = config.enabled
        if enabled not in cache:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            cache[enabled] = document_security(document_problems(schema), config)
        app.openapi_schema = cache[enabled]
        return cache[enabled]

    app.openapi = openapi


def document_problems(schema: dict) -> dict:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            if "pages" not in operation.get("tags", []):
                responses.setdefault("422", problem_content("a parameter is missing, out of range or unknown "
                                                            "(problem details naming it)"))
            if not {"pages", "health"} & set(operation.get("tags", [])):  # /health documents its own
                responses.setdefault("503", problem_content("the index store cannot be reached now (a database "
                                                            "server or shard down, a query out of time): "
                                                            "`unavailable` names it; Retry-After says when to "
                                                            "try again"))
                responses["503"].setdefault("headers", {"Retry-After": {
                    "description": "seconds to wait before trying again", "schema": {"type": "integer"}}})
            if "requestBody" in operation:
                responses.setdefault("400", problem_content("the body cannot be read (not UTF-8, broken "
                                                            "multipart)"))
                responses.setdefault("413", problem_content("the request body is too large"))
            for status, response in responses.items():
                if status[0] in "45" or status == "default":
                    response["content"] = problem_content("")["content"]
    return schema
