"""A real `tracuu serve` process with API keys, a rate limit and a CORS allow-list (issue 7).

Used by the `keyed_server` fixture in conftest.py (tests/test_auth.py, tests/test_browser.py).
"""
from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


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
def start_keyed_server(index_dir: Path, model_dir: Path, work: Path, command: list[str], free_port, cwd: Path):
    import httpx

    from api.auth import hash_key

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
               TRACUU_CORS_ORIGINS=widget_origin)
    log_path = work / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(command + ["serve", "--port", str(port), "--index-dir", str(index_dir),
                                       "--model", str(model_dir)],
                            cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"keyed server exited: {log_path.read_text()}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("keyed server did not start in 120 s")
        yield KeyedServer(base, keys, keys_file, log_path, widget_port, widget_origin)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
