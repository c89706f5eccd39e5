"""The access log: one line per request, with no secrets and, by default, no query text.

    127.0.0.1:50412 "GET /search?q=[…]&k=3&mode=bm25" 200 41.2 ms

- Values of parameters that look like credentials (`api_key`, `token`, `password`, …) are
  always written as `[redacted]`: the API only reads keys from headers, but clients do put
  them in URLs, and uvicorn's own access log wrote them verbatim.
- What staff search for is their business: text parameters (`q`, filters, anything not in
  SAFE_PARAMETERS) are written as `[…]` unless TRACUU_LOG_QUERIES=1.
`tracuu serve` switches uvicorn's access log off and uses this one (`log_config`).
"""
from __future__ import annotations

import copy
import logging
import os
import time
from urllib.parse import parse_qsl, quote

LOG_QUERIES_ENV = "TRACUU_LOG_QUERIES"
SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "pwd", "auth", "session", "signature",
                "credential")
SAFE_PARAMETERS = {"k", "mode", "group_by", "k_per_group", "year_from", "year_to"}
REDACTED, HIDDEN = "[redacted]", "[…]"

log = logging.getLogger("tracuu.access")


def log_queries_enabled(environ=os.environ) -> bool:
    return environ.get(LOG_QUERIES_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def loggable_target(path: str, query_string: bytes | str, log_queries: bool) -> str:
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    if not query_string:
        return path
    parts = []
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        lowered = name.lower()
        if any(word in lowered for word in SECRET_WORDS):
            shown = REDACTED
        elif log_queries or lowered in SAFE_PARAMETERS:
            shown = quote(value, safe=" ,/")
        else:
            shown = HIDDEN
        parts.append(f"{quote(name, safe='')}={shown}")
    return path + "?" + "&".join(parts)


class AccessLogMiddleware:
    def __init__(self, app, log_queries: bool | None = None):
        self.app = app
        self.log_queries = log_queries_enabled() if log_queries is None else log_queries

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            client = scope.get("client")
            where = f"{client[0]}:{client[1]}" if client else "-"
            log.info('%s "%s %s" %d %.1f ms', where, scope["method"],
                     loggable_target(scope.get("root_path", "") + scope["path"], scope.get("query_string", b""),
                                     self.log_queries),
                     status, (time.perf_counter() - started) * 1000)


def log_config() -> dict:
    """uvicorn's logging set-up plus the `tracuu` loggers (to stderr); uvicorn's access log
    is left to AccessLogMiddleware."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["tracuu"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
