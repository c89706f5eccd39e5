"""Every error the API sends is an RFC 9457 problem detail (`application/problem+json`).

    {"type": "about:blank", "title": "Tham số không hợp lệ", "status": 422,
     "detail": "Tham số `k` (query): phải là số nguyên từ 1 đến 100.", "instance": "/search",
     "parameter": "k", "errors": [{"parameter": "k", "in": "query", "detail": "…"}]}

`title` and `detail` are Vietnamese (the people reading them are Vietnamese staff);
technical names (parameters, headers, settings) stay as they are written. `parameter`
names the first offending parameter; `errors` lists each one. Routes raise
`HTTPException` or `ProblemError`; request validation, unknown routes, wrong methods and
anything unexpected are turned into the same shape here (`install_problem_handlers`).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

log = logging.getLogger("tracuu")

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần khóa API",
    403: "Không được phép",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột",
    413: "Yêu cầu quá lớn",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Tham số không hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi máy chủ",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


class ProblemItem(BaseModel):
    parameter: Optional[str] = Field(None, description="the offending parameter, e.g. `k`, `q`, `files`")
    # `in` is a Python keyword: the JSON name is set by alias
    location: Optional[str] = Field(None, alias="in", description="query, body, path, header or file")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details; extension members (e.g. `rejected` of an upload) may follow."""
    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="a URI naming the kind of problem; about:blank: see `status`")
    title: str = Field(..., description="short summary in Vietnamese, the same for every problem of this kind")
    status: int
    detail: str = Field(..., description="what went wrong and how to fix it, in Vietnamese")
    instance: Optional[str] = Field(None, description="the request path")
    parameter: Optional[str] = Field(None, description="the (first) offending parameter, when there is one")
    errors: list[ProblemItem] = Field([], description="each offending parameter")


class ProblemError(Exception):
    """Raise from a route for a problem with a parameter (an HTTPException says only a detail)."""

    def __init__(self, status: int, detail: str, parameter: str | None = None, location: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(detail)
        self.status, self.detail, self.parameter, self.location = status, detail, parameter, location
        self.headers, self.extensions = headers, extensions


def problem_body(status: int, detail: str, instance: str | None = None, parameter: str | None = None,
                 errors: list[dict] | None = None, title: str | None = None, **extensions: Any) -> dict:
    body = {"type": "about:blank", "title": title or TITLES.get(status, "Lỗi"), "status": status,
            "detail": detail}
    if instance:
        body["instance"] = instance
    if parameter is None and errors:
        parameter = errors[0].get("parameter")
    if parameter is not None:
        body["parameter"] = parameter
    body["errors"] = errors or ([{"parameter": parameter, "detail": detail}] if parameter else [])
    body.update(extensions)
    return body


def problem_response(status: int, detail: str, instance: str | None = None, headers: dict | None = None,
                     **fields: Any) -> JSONResponse:
    return JSONResponse(problem_body(status, detail, instance, **fields), status_code=status,
                        headers=headers, media_type=MEDIA_TYPE)


# --- request validation errors → Vietnamese ---------------------------------------------------
LOCATIONS = {"query": "query", "body": "body", "path": "path", "header": "header", "cookie": "cookie"}
RANGES = {"k": (1, 100), "k_per_group": (1, 20), "year_from": (1900, 2100), "year_to": (1900, 2100)}


def _parameter(loc: tuple) -> tuple[str | None, str | None]:
    """('body', 'k') → ('k', 'body'); ('query', 'q') → ('q', 'query'); ('body',) → (None, 'body')."""
    where = LOCATIONS.get(str(loc[0])) if loc else None
    names = [str(p) for p in loc[1:] if not isinstance(p, int)] if where else [str(p) for p in loc]
    return (".".join(names) or None), where


def _vietnamese(error: dict, name: str | None) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if "message" in ctx:  # our own validators (api/contract.py) already speak Vietnamese
        return ctx["message"]
    if name in RANGES and kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than",
                                   "int_parsing", "int_type", "int_from_float"):
        low, high = RANGES[name]
        return f"phải là số nguyên từ {low} đến {high}"
    messages = {
        "missing": "thiếu tham số bắt buộc",
        "extra_forbidden": "tham số không được hỗ trợ ở đây (sai tên?)",
        "int_parsing": "phải là số nguyên", "int_type": "phải là số nguyên", "int_from_float": "phải là số nguyên",
        "string_type": "phải là chuỗi ký tự",
        "bool_parsing": "phải là true hoặc false", "bool_type": "phải là true hoặc false",
        "list_type": "phải là một danh sách",
        "model_attributes_type": "thân yêu cầu phải là một đối tượng JSON",
        "dict_type": "phải là một đối tượng JSON", "model_type": "phải là một đối tượng JSON",
        "json_invalid": f"thân yêu cầu không phải JSON hợp lệ ({ctx.get('error', '')})".replace(" ()", ""),
        "json_type": "phải là JSON",
        "string_too_long": f"dài quá {ctx.get('max_length')} ký tự",
        "string_too_short": "không được để trống",
        "value_error": "giá trị không hợp lệ",
        "uuid_parsing": "phải là UUID",
    }
    if kind == "literal_error":
        return f"phải là một trong: {ctx.get('expected', '')}".replace("'", "")
    if kind in ("greater_than_equal", "greater_than"):
        return f"phải {'≥' if kind.endswith('equal') else '>'} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"phải {'≤' if kind.endswith('equal') else '<'} {ctx.get('le', ctx.get('lt'))}"
    return messages.get(kind, f"giá trị không hợp lệ ({error.get('msg', kind)})")


def validation_problem(errors: list[dict], instance: str) -> dict:
    items = []
    for error in errors:
        loc = tuple(error.get("loc") or ())
        name, where = _parameter(loc)
        ctx = error.get("ctx") or {}
        name = ctx.get("parameter", name)
        if error.get("type") == "extra_forbidden" and where == "body" and name:
            where = "body"
        items.append({"parameter": name, "in": where, "detail": _vietnamese(error, name)})
    first = items[0] if items else {"parameter": None, "in": None, "detail": "yêu cầu không hợp lệ"}
    label = f"Tham số `{first['parameter']}` ({first['in']})" if first["parameter"] else \
        ("Thân yêu cầu" if first["in"] == "body" else "Yêu cầu")
    detail = f"{label}: {first['detail']}."
    if len(items) > 1:
        detail += f" Cùng {len(items) - 1} lỗi khác, xem `errors`."
    return problem_body(422, detail, instance, errors=items)


# --- handlers -----------------------------------------------------------------------------------
def allowed_methods(app, scope) -> list[str]:
    """Every method some route serves at this path (Starlette's own 405 names only the first
    route that matched the path, so GET /documents hid POST /documents)."""
    methods: set[str] = set()
    for route in app.router.routes:
        route_methods = getattr(route, "methods", None)
        if not route_methods:
            continue
        match, _ = route.matches({**scope, "method": next(iter(route_methods))})
        if match == Match.FULL:
            methods |= set(route_methods)
    if "GET" in methods:
        methods.add("HEAD")
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return sorted(methods, key=lambda m: order.index(m) if m in order else len(order))


# English details raised by FastAPI/Starlette themselves
FRAMEWORK_MESSAGES = {
    "There was an error parsing the body": "Không đọc được thân yêu cầu (JSON hoặc multipart/form-data hỏng).",
    "Not authenticated": "Cần khóa API (API key).",
}


async def _http_exception(request: Request, exc: StarletteHTTPException):
    headers = dict(exc.headers or {})
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != _default_phrase(status) else ""
    detail = FRAMEWORK_MESSAGES.get(detail, detail)
    if status == 405:
        methods = allowed_methods(request.app, request.scope)
        headers["Allow"] = ", ".join(methods)
        detail = detail or (f"{request.method} không dùng được với {request.url.path}; "
                            f"các phương thức được hỗ trợ: {', '.join(methods)}.")
    elif status == 404 and not detail:
        detail = f"Không có đường dẫn {request.url.path} (xem /docs)."
    return problem_response(status, detail or TITLES.get(status, "Lỗi") + ".", request.url.path, headers)


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def _validation_error(request: Request, exc: RequestValidationError):
    return JSONResponse(validation_problem(list(exc.errors()), request.url.path), status_code=422,
                        media_type=MEDIA_TYPE)


async def _problem_error(request: Request, exc: ProblemError):
    return problem_response(exc.status, exc.detail, request.url.path, exc.headers, parameter=exc.parameter,
                            errors=[{"parameter": exc.parameter, "in": exc.location, "detail": exc.detail}]
                            if exc.parameter else None, **exc.extensions)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ProblemError, _problem_error)


def problem_content(description: str) -> dict:
    """An OpenAPI response whose body is a Problem."""
    return {"description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
