"""Start a real `tracuu serve` process on a free local port and wait until it answers."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracuu_command() -> list[str]:
    return [sys.executable, "-m", "api.cli"]


@contextlib.contextmanager
def running_server(index_dir: Path | None, log_path: Path, model_dir: Path | None = None, env: dict | None = None,
                   port: int | None = None, timeout: float = 120, store: str | None = None):
    """Yields the base URL; the server's output goes to `log_path`; stopped on exit.
    `store`: a postgresql:// URL served instead of `index_dir`."""
    import httpx

    port = port or free_port()
    args = ["serve", "--port", str(port)] + (["--store", store] if store else ["--index-dir", str(index_dir)])
    if model_dir is not None:
        args += ["--model", str(model_dir)]
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(tracuu_command() + args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {Path(log_path).read_text(errors='replace')}")
                try:
                    if httpx.get(base + "/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start in {timeout:.0f} s")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
