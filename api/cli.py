"""`tracuu` command line: index, search, serve (and the commands later issues add).

Exit status: 0 success; 2 usage error or unusable input; 3 some files were rejected
(the rest were indexed).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE, EXIT_REJECTED = 0, 2, 3
DEFAULT_INDEX_DIR = os.environ.get("TRACUU_INDEX_DIR", "index")


def _offline_defaults() -> None:
    # Models are local folders; never reach for a hub unless the user opted in.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def cmd_index(args) -> int:
    from indexer.build import build_index
    from indexer.documents import IngestError

    try:
        report = build_index(Path(args.path), Path(args.index_dir), model=args.model, force=args.force,
                             progress=not args.quiet)
    except IngestError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(report.summary(), file=sys.stderr)
    return EXIT_REJECTED if report.rejected else EXIT_OK


def _engine(args):
    from search.engine import SearchEngine

    return SearchEngine(Path(args.index_dir), model=args.model)


def _format_hits(response: dict) -> str:
    lines = [f"{len(response['results'])} results for {response['query']!r} "
             f"({response['mode']}, {response['took_ms']:.0f} ms)"]
    for hit in response["results"]:
        text = hit["text"]
        # mark highlights with [[ ]] for the terminal
        for start, end in sorted(hit["highlights"], reverse=True):
            text = text[:start] + "[[" + text[start:end] + "]]" + text[end:]
        snippet = " ".join(text.split())
        if len(snippet) > 400:
            snippet = snippet[:400] + "…"
        lines.append(f"\n{hit['rank']:>2}. {hit['citation']}  (score {hit['score']:.4f})\n    {snippet}")
    return "\n".join(lines)


def cmd_search(args) -> int:
    from search.engine import QueryError

    engine = _engine(args)
    if args.query == "-":
        # one query per line, one JSON object per line; the model is loaded once
        for line in sys.stdin:
            query = line.strip()
            if not query:
                continue
            try:
                _print_json(engine.search(query, k=args.k, mode=args.mode))
            except QueryError as err:
                _print_json({"query": query, "error": str(err)})
        return EXIT_OK
    try:
        response = engine.search(args.query, k=args.k, mode=args.mode)
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(response)
    else:
        print(_format_hits(response))
    return EXIT_OK


def cmd_serve(args) -> int:
    import uvicorn

    from api.app import create_app

    engine = _engine(args)
    app = create_app(engine, preload_model=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tracuu", description="Search and answers over Vietnamese policy documents")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--index-dir", default=DEFAULT_INDEX_DIR, help="index directory (default: %(default)s)")
        p.add_argument("--model", default=None,
                       help="sentence-transformers folder or hub id (default: $TRACUU_MODEL or models/multilingual-e5-small)")

    p = sub.add_parser("index", help="index a corpus folder or file (skips when already up to date)")
    p.add_argument("path", nargs="?", default="corpus")
    p.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="search; QUERY '-' reads one query per line from stdin (JSON lines out)")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="hybrid")
    p.add_argument("--json", action="store_true", help="print the JSON response")
    common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    common(p)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    _offline_defaults()
    parser = build_parser()
    args = parser.parse_args(argv)
    from indexer.index_files import IndexError_
    from indexer.embedding import ModelNotFound

    try:
        return args.func(args)
    except (IndexError_, ModelNotFound) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
