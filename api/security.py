"""What every response carries and what a request may not do, whatever the route.

- Security headers on every response (pages, API, errors): Content-Security-Policy (same-
  origin scripts and styles only, no inline script, no framing), X-Content-Type-Options,
  X-Frame-Options, Referrer-Policy. A route that sets its own Content-Security-Policy keeps
  it (the API docs allow the styles their bundles inject: api/routes/docs.py).
- Bounded request bodies: JSON requests up to MAX_JSON_BODY_BYTES, uploads up to
  TRACUU_MAX_UPLOAD_MB → 413 before the body is read.
- No cross-site writes (issue 14: any web page could POST a file to an open server
  started with --allow-updates): without API keys, a request that changes the index must
  come from this server's own pages or an origin in TRACUU_CORS_ORIGINS and carry
  `X-Requested-With` (a header another site's page cannot send without a CORS preflight
  that we refuse). With keys, the admin key in a header already proves the same.
- HEAD is answered as GET without the body.
- Anything unexpected becomes a 500 problem detail, logged with its traceback, never the
  exception's text.
"""
from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from api.problems import problem_response

log = logging.getLogger("tracuu")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_BYTES = CSP.encode()
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"same-origin")]

MAX_JSON_BODY_BYTES = 64 * 1024
MAX_UPLOAD_MB_ENV = "TRACUU_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 200.0
UPLOAD_PATHS = ("/documents",)

CSRF_HEADER = "X-Requested-With"
CSRF_HEADER_DESCRIPTION = ("needed on a server without API keys (any value, e.g. `fetch`): a page of "
                           "another site cannot send it, so it cannot make your browser change the index")


def max_upload_bytes(environ=os.environ) -> int:
    raw = environ.get(MAX_UPLOAD_MB_ENV, "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(mb * 1024 * 1024)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, what: str):
        super().__init__(413, f"Thân yêu cầu quá lớn: {what} tối đa {limit:,} byte.".replace(",", "."))


class EdgeMiddleware:
    """Outermost: security headers on every response; bounded bodies; unexpected errors → 500."""

    def __init__(self, app):
        self.app = app
        self.upload_limit = max_upload_bytes()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        started = False
        head = scope["method"] == "HEAD"
        if head:  # HEAD is GET without the body (RFC 9110), on every route that has GET
            scope = dict(scope, method="GET")

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                # a route that sets its own policy (the API docs: api/routes/docs.py) keeps it
                headers += [(k, v) for k, v in [(b"content-security-policy", CSP_BYTES)] + HEADERS
                            if k not in present]
                message["headers"] = headers
            elif message["type"] == "http.response.body" and head:
                message = dict(message, body=b"")
            await send(message)

        is_upload = scope["method"] in ("POST", "PUT") and path.rstrip("/") in UPLOAD_PATHS
        limit, what = ((self.upload_limit, f"tệp tải lên ({MAX_UPLOAD_MB_ENV})") if is_upload
                       else (MAX_JSON_BODY_BYTES, "yêu cầu JSON"))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = problem_response(413, BodyTooLarge(limit, what).detail, path)
            return await response(scope, receive, send_with_headers)
        received = 0

        async def bounded_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, what)
            return message

        try:
            await self.app(scope, bounded_receive, send_with_headers)
        except Exception:
            log.exception("unexpected error in %s %s", scope["method"], path)
            if started:
                raise
            response = problem_response(500, "Lỗi không lường trước ở máy chủ; chi tiết đã được ghi vào nhật ký "
                                             "máy chủ.", path)
            await response(scope, receive, send_with_headers)


def _content_length(scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def own_origin(request: Request) -> str:
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}".lower()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else url.lower()


def refuse_cross_site_writes(request: Request) -> None:
    """Dependency of the routes that change the index (see the module docstring)."""
    config = getattr(request.app.state, "auth", None)
    if config is not None and getattr(config, "enabled", False):
        return  # an admin key in a header: a page of another site can neither know nor send it
    allowed = {own_origin(request)} | {o.lower() for o in getattr(request.app.state, "cors_origins", [])}
    origin = request.headers.get("origin")
    referer = request.headers.get("referer")
    source = origin if origin else (_origin_of(referer) if referer else None)
    if source is not None and source.lower() not in allowed:
        raise HTTPException(403, f"Yêu cầu thay đổi kho văn bản từ trang {source} bị từ chối: chỉ các trang của "
                                 f"chính máy chủ này và các nguồn trong TRACUU_CORS_ORIGINS được phép.")
    if request.headers.get("sec-fetch-site") == "cross-site" and source is None:
        raise HTTPException(403, "Yêu cầu thay đổi kho văn bản từ một trang web khác bị từ chối.")
    if not request.headers.get(CSRF_HEADER, "").strip():
        raise HTTPException(403, f"Thiếu header {CSRF_HEADER} (bảo vệ chống giả mạo yêu cầu liên trang, CSRF): "
                                 f"gửi kèm, ví dụ `curl -H '{CSRF_HEADER}: curl' -F files=@baocao.pdf …`.")
