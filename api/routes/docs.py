"""API documentation that works offline: Swagger UI at /docs, ReDoc at /redoc.

FastAPI's own /docs and /redoc pages load their scripts from a CDN, which intranets
cannot reach (and a page that silently stays blank is worse than none). The assets here
come from the pinned `fastapi-offline` wheel (Swagger UI 5, ReDoc 2), served by the app
under /static/vendor/ (public like the other static files), and the pages carry no
inline script, so a strict Content-Security-Policy (script-src 'self') does not break them.
"""
from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR_ASSETS = {  # name under /static/vendor/ → media type
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "application/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
# the wheel pins the asset versions: cacheable for a day, revalidated after an upgrade
VENDOR_CACHE = {"Cache-Control": "public, max-age=86400"}
# Nothing leaves the server's origin: ReDoc's sidebar would otherwise fetch its maker's logo
# from a CDN (a failed request offline, a leak of who reads the docs online). Both bundles
# inject <style> elements, ReDoc runs its search index in a blob: worker.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'self'")


@lru_cache(maxsize=1)
def vendor_dir() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
{head}
</head>
<body>
{body}
</body>
</html>
""", headers={"Cache-Control": "no-cache", "Content-Security-Policy": DOCS_CSP})


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    openapi = escape(root + request.app.openapi_url)
    return _page(f"{request.app.title} — API (Swagger UI)",
                 f'<link rel="stylesheet" href="{root}/static/vendor/swagger-ui.css">',
                 f'<div id="swagger-ui" data-openapi-url="{openapi}"></div>\n'
                 f'<script src="{root}/static/vendor/swagger-ui-bundle.js"></script>\n'
                 f'<script src="{root}/static/docs.js"></script>')


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    openapi = escape(root + request.app.openapi_url)
    # <redoc spec-url> is picked up by the standalone bundle itself: no inline script
    return _page(f"{request.app.title} — API (ReDoc)",
                 "",
                 f'<redoc spec-url="{openapi}"></redoc>\n'
                 f'<script src="{root}/static/vendor/redoc.standalone.js"></script>')


@router.get("/static/vendor/{name}")
def vendor_asset(name: str) -> FileResponse:
    if name not in VENDOR_ASSETS:
        raise HTTPException(404, f"no asset {name!r}")
    return FileResponse(vendor_dir() / name, media_type=VENDOR_ASSETS[name], headers=VENDOR_CACHE)
