"""Where `tracuu search/ask/compare/directives` get their answers: a running server, or
the index loaded in this process.

Loading the model and the index takes seconds; a running `tracuu serve` answers in
milliseconds. So the CLI asks a server when there is one — the one named by `--server`
or $TRACUU_URL, or else one answering on the default address (127.0.0.1:8000) when the
command names no index or model of its own — and loads everything locally only
otherwise (`--local` forces that). Both give the same JSON, the HTTP API's.

Standard library only (urllib): importing an HTTP package would cost more than the query.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

URL_ENV = "TRACUU_URL"
KEY_ENV = "TRACUU_API_KEY"
DEFAULT_URL = "http://127.0.0.1:8000"
PROBE_SECONDS = 0.5  # a closed local port refuses at once; this bounds a hung listener
TIMEOUT_SECONDS = 120.0


class RequestError(ValueError):
    """The server refused the request (4xx): bad input, said in the server's words."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status


class ServerUnavailable(RuntimeError):
    """The server named by --server / $TRACUU_URL cannot be reached, or failed (5xx)."""


def _detail(body: bytes, status: int) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300] or f"HTTP {status}"
    if isinstance(data, dict):
        # problem details (RFC 9457: title/detail) or FastAPI's {"detail": str | [errors]}
        detail = data.get("detail")
        if isinstance(detail, str) and detail:
            return detail
        if isinstance(detail, list):
            return "; ".join(f"{'.'.join(str(p) for p in e.get('loc', [])[1:])}: {e.get('msg')}"
                             if isinstance(e, dict) else str(e) for e in detail)
        if data.get("title"):
            return str(data["title"])
    return json.dumps(data, ensure_ascii=False)[:300]


class Client:
    """The JSON API of one server."""

    def __init__(self, base_url: str, key: str | None = None, timeout: float = TIMEOUT_SECONDS):
        self.base_url = base_url.rstrip("/")
        self.key = key if key is not None else os.environ.get(KEY_ENV)
        self.timeout = timeout

    def request(self, method: str, path: str, params: dict | None = None, body: dict | None = None,
                timeout: float | None = None):
        url = self.base_url + path
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps({k: v for k, v in body.items() if v is not None}, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            detail = _detail(err.read(), err.code)
            if err.code == 401:
                raise RequestError(401, f"{self.base_url} needs an API key: set ${KEY_ENV} ({detail})") from None
            if 400 <= err.code < 500:
                raise RequestError(err.code, detail) from None
            raise ServerUnavailable(f"{self.base_url} failed: HTTP {err.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ServerUnavailable(f"cannot reach the tracuu server at {self.base_url}: {reason} "
                                    f"(start it with `tracuu serve`, or run with --local)") from None

    def health(self, timeout: float | None = None) -> dict:
        return self.request("GET", "/health", timeout=timeout)

    # the same calls as the engine's, over HTTP
    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: dict | None = None,
               facets: bool = True) -> dict:
        params = {"q": query, "k": k, "mode": mode, **(filters or {})}
        if not facets:
            params["facets"] = "false"
        return self.request("GET", "/search", params=params)

    def ask(self, question: str, k: int = 5, filters: dict | None = None) -> dict:
        return self.request("POST", "/ask", body={"question": question, "k": k, **(filters or {})})

    def compare(self, query: str, group_by: str = "province", k_per_group: int = 3, mode: str = "hybrid",
                filters: dict | None = None) -> dict:
        return self.request("POST", "/compare", body={"query": query, "group_by": group_by,
                                                      "k_per_group": k_per_group, "mode": mode,
                                                      **(filters or {})})

    def directives(self) -> list[dict]:
        return self.request("GET", "/directives")

    def directive(self, directive_id: str) -> dict | None:
        try:
            return self.request("GET", "/directives/" + urllib.parse.quote(directive_id, safe=""))
        except RequestError as err:
            if err.status == 404:
                return None
            raise


class LocalBackend:
    """The engine loaded in this process (`make_engine()`, on first use): the same calls
    and JSON as `Client`."""

    def __init__(self, make_engine):
        self._make_engine = make_engine
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    @property
    def input_errors(self) -> tuple:
        from search.engine import QueryError
        from search.filters import FilterError

        return QueryError, FilterError

    @staticmethod
    def _filters(filters: dict | None):
        from search.filters import Filters

        return Filters(**filters) if filters else None

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: dict | None = None,
               facets: bool = True) -> dict:
        return self.engine.search(query, k=k, mode=mode, filters=self._filters(filters), facets=facets)

    def ask(self, question: str, k: int = 5, filters: dict | None = None) -> dict:
        from search.answer import served_answerer

        # one per question, on the version served now (cheap: its caches live with the version)
        return served_answerer(self.engine).ask(question, k=k, filters=self._filters(filters))

    def compare(self, query: str, group_by: str = "province", k_per_group: int = 3, mode: str = "hybrid",
                filters: dict | None = None) -> dict:
        return self.engine.compare(query, group_by=group_by, k_per_group=k_per_group, mode=mode,
                                   filters=self._filters(filters))

    def directives(self) -> list[dict]:
        return self.engine.directives()

    def directive(self, directive_id: str) -> dict | None:
        return self.engine.directive(directive_id)


def is_tracuu(health: dict) -> bool:
    return isinstance(health, dict) and health.get("status") == "ok" and "index_version" in health


def find_server(url: str | None = None, probe_default: bool = True) -> Client | None:
    """The server to use: `url` (--server), else $TRACUU_URL — used as given, a failure
    to reach it is an error —, else a tracuu answering on the default address when
    `probe_default`, else None (run locally)."""
    url = url or os.environ.get(URL_ENV)
    if url:
        return Client(url)
    if not probe_default:
        return None
    client = Client(DEFAULT_URL)
    try:
        return client if is_tracuu(client.health(timeout=PROBE_SECONDS)) else None
    except (RequestError, ServerUnavailable, ValueError):
        return None
