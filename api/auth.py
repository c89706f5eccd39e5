"""API keys, scopes and per-key rate limits.

Keys file (``TRACUU_API_KEYS_FILE``), one key per line, ``#`` comments and blank lines allowed::

    # name   sha256 of the key (64 hex digits)                                scope  [rate]
    portal   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  read
    ops      60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  admin  600/minute

``read`` may search, ask, compare and read documents; ``admin`` may also change the index.
The optional fourth column overrides ``TRACUU_RATE_LIMIT`` for that key.

When at least one key is configured, every request except ``/health``, the pages and
static assets (``/``, ``/view/…``, ``/widget.js``, ``/static/…``) and the API
documentation (``/docs``, ``/redoc``, ``/openapi.json``) must carry the key as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``:

* no key or an unknown key → 401 (with ``WWW-Authenticate: Bearer``);
* a key whose scope does not allow the request → 403;
* more requests than the key's rate limit → 429 with ``Retry-After`` (seconds);
* more failed attempts (no key or a wrong one) from one client address than
  ``TRACUU_AUTH_FAILURE_LIMIT`` (default 30/minute) → every request from that address is
  refused with 429 and ``Retry-After`` until the window has passed (keys cannot be guessed
  at speed, and the log is not flooded). Other addresses are not affected.

Errors are problem details (api/problems.py) in Vietnamese. In OpenAPI, routes are
documented as needing a key only while keys are configured.

Scope rule (enforced by the middleware, so routes added later are covered without
further work): GET/HEAD, and POST to the read-only query routes (``READ_POST_PATHS``:
/search, /ask, /compare), need ``read``; every other method on any route — in
particular POST/PUT/PATCH/DELETE under ``/documents`` — needs ``admin``. Routes may
also declare ``dependencies=[Depends(require_scope("admin"))]``, which both checks the
scope and documents it in OpenAPI.

The key itself is never stored or logged: only its SHA-256 and its name are.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPBearer

log = logging.getLogger("tracuu.auth")

KEYS_FILE_ENV = "TRACUU_API_KEYS_FILE"
RATE_LIMIT_ENV = "TRACUU_RATE_LIMIT"
AUTH_FAILURE_LIMIT_ENV = "TRACUU_AUTH_FAILURE_LIMIT"
DEFAULT_AUTH_FAILURE_LIMIT = "30/minute"
CORS_ENV = "TRACUU_CORS_ORIGINS"
DEFAULT_RATE_LIMIT = "600/minute"
SCOPES = ("read", "admin")
SCOPE_RANK = {"read": 1, "admin": 2}

# paths anyone may fetch, keys or not
PUBLIC_PATHS = {"/health", "/", "/widget.js", "/favicon.ico", "/docs", "/docs/oauth2-redirect", "/redoc",
                "/openapi.json"}
PUBLIC_PREFIXES = ("/static/", "/view/")
# POST routes that only read the index
READ_POST_PATHS = {"/search", "/ask", "/compare"}

_UNITS = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
          "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400}
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


class KeyFileError(ValueError):
    """The keys file cannot be used; the message names the file and the line."""


class RateLimitError(ValueError):
    """A rate limit setting that cannot be parsed."""


@dataclass(frozen=True)
class RateLimit:
    requests: int
    seconds: float
    text: str

    @classmethod
    def parse(cls, text: str | None) -> "RateLimit | None":
        """"60/minute", "10/second", "1000/hour", "5/30s", "0" or "off" (no limit)."""
        if text is None:
            return None
        text = text.strip()
        if text.lower() in ("", "0", "off", "none", "unlimited"):
            return None
        match = re.fullmatch(r"(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*([a-zA-Z]+)", text)
        if not match or match.group(3).lower() not in _UNITS or int(match.group(1)) < 1:
            raise RateLimitError(f"rate limit {text!r} is not like '60/minute' (units: second, minute, hour, day)")
        multiple = float(match.group(2)) if match.group(2) else 1.0
        return cls(int(match.group(1)), multiple * _UNITS[match.group(3).lower()], text)


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: str
    scope: str
    rate: RateLimit | None = None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_keys_file(path: Path) -> list[ApiKey]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise KeyFileError(f"{path}: cannot read the API keys file ({err.strerror or err})") from err
    keys: list[ApiKey] = []
    names: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}, line {number}"
        parts = line.split()
        if len(parts) not in (3, 4):
            raise KeyFileError(f"{where}: expected 'name sha256hex scope [rate]', got {len(parts)} field(s)")
        name, digest, scope = parts[:3]
        if not _HEX64.match(digest):
            raise KeyFileError(f"{where}: the second field must be the SHA-256 of the key as 64 hex digits "
                               f"(`tracuu keys add NAME` writes it), not the key itself")
        if scope not in SCOPES:
            raise KeyFileError(f"{where}: scope must be 'read' or 'admin', got {scope!r}")
        if name in names:
            raise KeyFileError(f"{where}: key name {name!r} appears twice")
        try:
            rate = RateLimit.parse(parts[3]) if len(parts) == 4 else None
        except RateLimitError as err:
            raise KeyFileError(f"{where}: {err}") from err
        names.add(name)
        keys.append(ApiKey(name, digest.lower(), scope, rate))
    return keys


class RateLimiter:
    """Sliding-window log per key name, in process."""

    def __init__(self):
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, name: str, limit: RateLimit, now: float | None = None) -> float:
        """Record one request; 0 when allowed, else the seconds until one is allowed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(name, deque())
            while hits and hits[0] <= now - limit.seconds:
                hits.popleft()
            if len(hits) >= limit.requests:
                return max(hits[0] + limit.seconds - now, 0.001)
            hits.append(now)
            return 0.0

    def wait(self, name: str, limit: RateLimit, now: float | None = None) -> float:
        """Seconds until `name` is below its limit again (0: it is), without recording anything."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(name)
            if not hits:
                return 0.0
            while hits and hits[0] <= now - limit.seconds:
                hits.popleft()
            if len(hits) >= limit.requests:
                return max(hits[0] + limit.seconds - now, 0.001)
            return 0.0

    def record(self, name: str, limit: RateLimit, now: float | None = None) -> int:
        """Note one event for `name`; returns how many fall in the window now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > 10000:  # forget addresses whose window has passed
                for other in [n for n, h in self._hits.items() if not h or h[-1] <= now - limit.seconds]:
                    del self._hits[other]
            hits = self._hits.setdefault(name, deque())
            while hits and hits[0] <= now - limit.seconds:
                hits.popleft()
            hits.append(now)
            return len(hits)


@dataclass
class AuthConfig:
    """Keys (re-read when the file changes), the default rate limit and the limiter state."""
    path: Path | None
    default_rate: RateLimit | None
    keys: dict[str, ApiKey] = field(default_factory=dict)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    failure_limit: RateLimit | None = None  # failed authentications per client address
    failures: RateLimiter = field(default_factory=RateLimiter)
    _mtime: float | None = None
    _checked: float = 0.0

    @classmethod
    def from_env(cls, environ=os.environ) -> "AuthConfig":
        path = environ.get(KEYS_FILE_ENV) or None
        rate_text = environ.get(RATE_LIMIT_ENV, DEFAULT_RATE_LIMIT)
        try:
            rate = RateLimit.parse(rate_text)
        except RateLimitError as err:
            raise KeyFileError(f"{RATE_LIMIT_ENV}: {err}") from err
        try:
            failure_limit = RateLimit.parse(environ.get(AUTH_FAILURE_LIMIT_ENV, DEFAULT_AUTH_FAILURE_LIMIT))
        except RateLimitError as err:
            raise KeyFileError(f"{AUTH_FAILURE_LIMIT_ENV}: {err}") from err
        config = cls(Path(path) if path else None, rate, failure_limit=failure_limit)
        if config.path is not None:
            config._load()
        return config

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def _load(self) -> None:
        assert self.path is not None
        try:
            mtime = self.path.stat().st_mtime
        except OSError as err:
            raise KeyFileError(f"{self.path}: cannot read the API keys file ({err.strerror or err})") from err
        self.keys = {k.digest: k for k in parse_keys_file(self.path)}
        self._mtime = mtime

    def refresh(self) -> None:
        """Pick up keys added or removed while serving (checked at most once a second).
        A file that became unreadable or malformed keeps the keys we have."""
        if self.path is None:
            return
        now = time.monotonic()
        if now - self._checked < 1.0:
            return
        self._checked = now
        try:
            if self.path.stat().st_mtime != self._mtime:
                self._load()
                log.info("API keys reloaded from %s: %d key(s)", self.path, len(self.keys))
        except KeyFileError as err:
            log.error("keeping the previous API keys: %s", err)
        except OSError as err:
            log.error("keeping the previous API keys: %s: %s", self.path, err)

    def lookup(self, presented: str | None) -> ApiKey | None:
        if not presented:
            return None
        digest = hash_key(presented)
        found = self.keys.get(digest)
        if found is not None and hmac.compare_digest(found.digest, digest):
            return found
        return None

    def describe(self) -> str:
        if not self.enabled:
            where = f" ({self.path} has no keys)" if self.path else f" (set {KEYS_FILE_ENV} to require keys)"
            return "no API keys configured: serving openly, without authentication" + where
        scopes = {s: sorted(k.name for k in self.keys.values() if k.scope == s) for s in SCOPES}
        rate = self.default_rate.text if self.default_rate else "no limit"
        return (f"API keys required ({len(self.keys)} from {self.path}: read={','.join(scopes['read']) or '-'}, "
                f"admin={','.join(scopes['admin']) or '-'}); rate limit per key: {rate}")


def presented_key(headers) -> str | None:
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = headers.get("x-api-key")
    return key.strip() if key else None


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def required_scope(method: str, path: str) -> str:
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    if method == "POST" and path.rstrip("/") in READ_POST_PATHS:
        return "read"
    return "admin"


def _problem(status: int, detail: str, path: str, headers: dict[str, str] | None = None):
    from api.problems import problem_response

    return problem_response(status, detail, path, headers)


NO_KEY = ("Cần khóa API (API key): gửi 'Authorization: Bearer <khóa>' hoặc 'X-API-Key: <khóa>'; "
          "người quản trị tạo khóa bằng `tracuu keys add TÊN`.")
WRONG_KEY = "Khóa API (API key) không đúng hoặc đã bị thu hồi."


class ApiKeyMiddleware:
    """ASGI middleware: 401/403/429 before the request reaches a route."""

    def __init__(self, app, config: AuthConfig):
        self.app = app
        self.config = config

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        config = self.config
        config.refresh()
        scope.setdefault("state", {})
        method, path = scope["method"], scope["path"]
        if not config.enabled or is_public(path) or method == "OPTIONS":
            scope["state"]["api_key"] = None
            return await self.app(scope, receive, send)
        from starlette.datastructures import Headers

        client = scope.get("client")
        address = client[0] if client else "-"
        failure_limit = config.failure_limit
        if failure_limit is not None:
            # an address that failed too often is refused before its key is even looked at
            wait = config.failures.wait(address, failure_limit)
            if wait:
                retry = max(1, math.ceil(wait))
                response = _problem(429, f"Quá nhiều lần xác thực thất bại từ địa chỉ này (giới hạn "
                                         f"{failure_limit.text}, {AUTH_FAILURE_LIMIT_ENV}); thử lại sau {retry} "
                                         f"giây.", path, {"Retry-After": str(retry)})
                return await response(scope, receive, send)
        presented = presented_key(Headers(scope=scope))
        key = config.lookup(presented)
        if key is None:
            if failure_limit is not None:
                failed = config.failures.record(address, failure_limit)
                if failed == failure_limit.requests:
                    log.warning("%s: %d failed authentications within %s; refusing it for a while",
                                address, failed, failure_limit.text)
            response = _problem(401, WRONG_KEY if presented else NO_KEY, path, {"WWW-Authenticate": "Bearer"})
            return await response(scope, receive, send)
        needed = required_scope(method, path)
        if SCOPE_RANK[key.scope] < SCOPE_RANK[needed]:
            log.warning("key %r (scope %s) refused: %s %s needs scope %s", key.name, key.scope, method, path, needed)
            response = _problem(403, f"Khóa API này có quyền '{key.scope}'; {method} {path} cần quyền "
                                     f"'{needed}'.", path)
            return await response(scope, receive, send)
        limit = key.rate or config.default_rate
        if limit is not None:
            wait = config.limiter.check(key.name, limit)
            if wait:
                retry = max(1, math.ceil(wait))
                log.warning("key %r over its rate limit %s", key.name, limit.text)
                response = _problem(429, f"Vượt giới hạn tần suất (rate limit) {limit.text} của khóa API này; "
                                         f"thử lại sau {retry} giây.", path, {"Retry-After": str(retry)})
                return await response(scope, receive, send)
        scope["state"]["api_key"] = key
        return await self.app(scope, receive, send)


# Security schemes (documentation in /docs, and usable as dependencies)
bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key in X-API-Key")


def require_scope(scope: str):
    """FastAPI dependency: `dependencies=[Depends(require_scope("admin"))]` on a route or
    router. With no keys configured everything is allowed (open mode)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def dependency(request: Request) -> ApiKey | None:
        config: AuthConfig | None = getattr(request.app.state, "auth", None)
        if config is None or not config.enabled:
            return None
        key = request.scope.get("state", {}).get("api_key")
        if key is None:
            key = config.lookup(presented_key(request.headers))
        if key is None:
            raise HTTPException(401, NO_KEY, headers={"WWW-Authenticate": "Bearer"})
        if SCOPE_RANK[key.scope] < SCOPE_RANK[scope]:
            raise HTTPException(403, f"Khóa API này có quyền '{key.scope}'; đường dẫn này cần quyền '{scope}'.")
        return key

    dependency.__name__ = f"require_scope_{scope}"
    return dependency


def install_auth(app, config: AuthConfig) -> None:
    """Add the key middleware; api/app.py documents the security schemes (document_security)."""
    app.state.auth = config
    app.add_middleware(ApiKeyMiddleware, config=config)


def document_security(schema: dict, config: AuthConfig) -> dict:
    """With keys configured: the security schemes, and on every non-public operation its
    scope and the 401/403/429 it may answer. Without keys: nothing (the routes are open)."""
    if not config.enabled:
        return schema
    from api.problems import problem_content

    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update({
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "API key as 'Authorization: Bearer <key>'"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "API key in the X-API-Key header (alternative to bearer)"},
    })
    for path, operations in schema.get("paths", {}).items():
        if is_public(path):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            needed = required_scope(method.upper(), path)
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", problem_content("no API key, or an unknown one"))
            if needed == "admin":
                responses.setdefault("403", problem_content("the API key lacks scope 'admin'"))
            responses.setdefault("429", problem_content("rate limit of the key, or too many failed "
                                                        "authentications from this address; see Retry-After")
                                 | {"headers": {"Retry-After": {"schema": {"type": "integer"},
                                                                "description": "seconds to wait"}}})
            description = operation.get("description", "")
            operation["description"] = (description + f"\n\nScope: `{needed}`.").strip()
    return schema


def cors_origins(environ=os.environ) -> list[str]:
    return [o.strip().rstrip("/") for o in environ.get(CORS_ENV, "").split(",") if o.strip()]


def install_cors(app, origins: list[str]) -> None:
    """CORS allow-list (added last, so it wraps the key middleware: 401/429 carry CORS headers)."""
    if not origins:
        return
    from fastapi.middleware.cors import CORSMiddleware

    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                       allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Requested-With"],
                       expose_headers=["Retry-After"], max_age=600)


# --- `tracuu keys` --------------------------------------------------------------------
def new_key() -> str:
    return "tq_" + secrets.token_urlsafe(32)


def add_key(path: Path, name: str, scope: str, rate: str | None = None) -> str:
    """Append a new key's hash line to `path` (created if absent); return the key."""
    if scope not in SCOPES:
        raise KeyFileError(f"scope must be 'read' or 'admin', got {scope!r}")
    if not re.fullmatch(r"[A-Za-z0-9._@-]+", name):
        raise KeyFileError(f"key name {name!r}: use letters, digits and . _ @ - only")
    if rate is not None:
        RateLimit.parse(rate)
    path = Path(path)
    existing = parse_keys_file(path) if path.exists() else []
    if any(k.name == name for k in existing):
        raise KeyFileError(f"{path}: a key named {name!r} already exists")
    key = new_key()
    line = " ".join([name, hash_key(key), scope] + ([rate] if rate else [])) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = ""
    if path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        prefix = "\n"
    with open(path, "a", encoding="utf-8") as out:
        out.write(prefix + line)
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
    return key
