"""The search page, the document view page and the embeddable widget (api/static/).

Plain HTML/CSS/JS served by the app itself: no CDN, no build step. The pages hold no
data; they fetch it from the JSON API with the user's key (when the server has keys),
so they are public like /health.
"""
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(tags=["pages"])
NO_CACHE = {"Cache-Control": "no-cache"}
WIDGET_FILES = ("text.js", "widget.js")


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=NO_CACHE)


@router.get("/", response_class=HTMLResponse, summary="Search page (Vietnamese)",
            responses={200: {"content": {"text/html": {}}, "description": "the search page"}})
def search_page():
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/view/{doc_id:path}", response_class=HTMLResponse, summary="Document view page",
            description="Shows every paragraph of the document with id `p{n}`; `#p{n}` scrolls to and marks "
                        "paragraph n, `?passage=ID` marks the passage's paragraphs, `?q=` highlights terms.",
            responses={200: {"content": {"text/html": {}}, "description": "the document page (data loaded "
                                                                          "from GET /documents/{doc_id})"}})
def view_page(doc_id: str):
    return _file("view.html", "text/html; charset=utf-8")


@router.get("/widget.js", response_class=Response, summary="Embeddable search widget",
            description='`<script src="http://HOST:8000/widget.js" data-endpoint="http://HOST:8000" '
                        'data-key="..."></script>` renders a `<tracuu-search>` element (shadow DOM) where the '
                        'script tag stands. The host page\'s origin must be in TRACUU_CORS_ORIGINS.',
            responses={200: {"content": {"application/javascript": {}}, "description": "the widget script"}})
def widget_script():
    # one script tag for the host page: the text helpers the search page uses too, then the widget
    script = "\n".join((STATIC_DIR / name).read_text(encoding="utf-8") for name in WIDGET_FILES)
    return Response(script, media_type="application/javascript; charset=utf-8", headers=NO_CACHE)
