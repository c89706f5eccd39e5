"""A real `tracuu serve` process with API keys, a rate limit and a CORS allow-list (issue 7).

Used by the `keyed_server` fixture in conftest.py (tests/test_auth.py, tests/test_browser.py).
"""
from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

# failed authentications allowed per client address and minute: several test modules share
# this server and fail on purpose from 127.0.0.1; the throttle test fails from 127.0.0.2
AUTH_FAILURE_LIMIT = "100/minute"


@dataclass
class KeyedServer:
    base: str
    keys: dict[str, str]          # name -> the key itself
    keys_file: Path
    log_path: Path
    widget_port: int              # a free port whose origin is in TRACUU_CORS_ORIGINS
    widget_origin: str

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def start_keyed_server(index_dir: Path, model_dir: Path, work: Path):
    from api.auth import hash_key
    from serving import free_port, running_server

    keys = {"reader": "tq_read_" + secrets.token_urlsafe(16), "admin": "tq_admin_" + secrets.token_urlsafe(16),
            "burst": "tq_burst_" + secrets.token_urlsafe(16)}
    keys_file = work / "api-keys.txt"
    keys_file.write_text(
        "# name  sha256  scope  [rate]\n\n"
        f"reader {hash_key(keys['reader'])} read\n"
        f"admin  {hash_key(keys['admin'])} admin   # may change the index\n"
        f"burst  {hash_key(keys['burst'])} read 3/minute\n", encoding="utf-8")
    port, widget_port = free_port(), free_port()
    while widget_port == port:
        widget_port = free_port()
    widget_origin = f"http://127.0.0.1:{widget_port}"
    env = dict(os.environ, TRACUU_API_KEYS_FILE=str(keys_file), TRACUU_RATE_LIMIT="1000/minute",
               TRACUU_CORS_ORIGINS=widget_origin, TRACUU_AUTH_FAILURE_LIMIT=AUTH_FAILURE_LIMIT)
    log_path = work / "server.log"
    with running_server(index_dir, log_path, model_dir, env=env, port=port) as base:
        yield KeyedServer(base, keys, keys_file, log_path, widget_port, widget_origin)
