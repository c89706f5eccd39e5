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

    _max_file_mb(args)
    try:
        report = build_index(Path(args.path), Path(args.index_dir), model=args.model, force=args.force,
                             progress=not args.quiet, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except IngestError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(report.summary(), file=sys.stderr)
    return EXIT_REJECTED if report.rejected else EXIT_OK


def _max_file_mb(args) -> None:
    if getattr(args, "max_file_mb", None) is not None:
        from indexer.readers import MAX_FILE_MB_ENV

        os.environ[MAX_FILE_MB_ENV] = str(args.max_file_mb)


def cmd_add(args) -> int:
    """Copy files into the index's corpus folder and index them incrementally."""
    from indexer.documents import IngestError
    from indexer.updates import add_documents

    _max_file_mb(args)
    try:
        report = add_documents(Path(args.index_dir), [Path(f) for f in args.files], model=args.model,
                               progress=not args.quiet,
                               log=lambda msg: print(msg, file=sys.stderr, flush=True))
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
        report = remove_documents(Path(args.index_dir), args.doc_ids, model=args.model,
                                  log=lambda msg: print(msg, file=sys.stderr, flush=True))
    except KeyError as err:
        print(f"error: no such document in {args.index_dir}: {err.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, IngestError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(report.summary(), file=sys.stderr)
    return EXIT_OK


def _engine(args):
    from search.engine import SearchEngine

    engine = SearchEngine(Path(args.index_dir), model=args.model)
    if getattr(args, "mode", "hybrid") != "bm25" and args.command != "directives":
        engine.encoder  # load the model before the first query, so took_ms measures the search
    return engine


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


def _filters(args):
    from search.filters import Filters

    return Filters(args.province, args.district, args.doc_type, args.year_from, args.year_to, args.references)


def _each_line_or_one(args, text: str, run) -> int:
    """`-` reads one query per line from stdin and prints one JSON object per line (the
    model is loaded once); otherwise run once. Bad input is an error line, not an abort."""
    from search.engine import QueryError
    from search.filters import FilterError

    if text == "-":
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                _print_json(run(line))
            except (QueryError, FilterError) as err:
                _print_json({"query": line, "error": str(err)})
        return EXIT_OK
    try:
        response = run(text)
    except (QueryError, FilterError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _print_json(response)
    else:
        print(args.format(response))
    return EXIT_OK


def cmd_search(args) -> int:
    engine = _engine(args)
    args.format = _format_hits
    return _each_line_or_one(args, args.query,
                             lambda q: engine.search(q, k=args.k, mode=args.mode, filters=_filters(args)))


def _format_answer(response: dict) -> str:
    if response["answer"] is None:
        lines = [f"Không có câu trả lời / no answer: {response['reason']}"]
    else:
        lines = [f"{response['answer']}   ({response['answer_type']}, confidence {response['confidence']:.2f})"]
        for ev in response["evidence"]:
            lines.append(f"  — {ev['citation']}\n    “{' '.join(ev['sentence'].split())}”")
    if response["passages"]:
        lines.append("\nPassages:")
        lines += [f"{h['rank']:>2}. {h['citation']}" for h in response["passages"]]
    return "\n".join(lines)


def cmd_ask(args) -> int:
    from search.answer import Answerer

    answerer = Answerer(_engine(args))
    args.format = _format_answer
    return _each_line_or_one(args, args.question, lambda q: answerer.ask(q, k=args.k, filters=_filters(args)))


def _format_groups(response: dict) -> str:
    lines = [f"{response['query']!r} by {response['group_by']}: {len(response['groups'])} groups"]
    for group in response["groups"]:
        lines.append(f"\n== {group['key'] if group['key'] is not None else '(không rõ / unknown)'} "
                     f"({group['count']} passages)")
        for hit in group["results"]:
            lines.append(f"  {hit['rank']}. {hit['citation']}\n     {' '.join(hit['text'].split())[:240]}")
    return "\n".join(lines)


def cmd_compare(args) -> int:
    engine = _engine(args)
    args.format = _format_groups
    return _each_line_or_one(args, args.query, lambda q: engine.compare(
        q, group_by=args.by, k_per_group=args.k_per_group, mode=args.mode, filters=_filters(args)))


def cmd_directives(args) -> int:
    engine = _engine(args)
    if args.id:
        found = engine.directive(args.id)
        if found is None:
            print(f"error: no document cites {args.id!r}", file=sys.stderr)
            return EXIT_USAGE
        if args.json:
            _print_json(found)
        else:
            print(f"{found['id']} ({found['type']}, {found['date'] or 'date not given'}):")
            for doc in found["documents"]:
                print(f"  {doc['title'][:100]} — {len(doc['passages'])} passage(s)")
                for hit in doc["passages"]:
                    print(f"    {hit['citation']}")
        return EXIT_OK
    listing = engine.directives()
    if args.json:
        _print_json(listing)
    else:
        for entry in listing:
            print(f"{entry['id']:<28} {entry['type'] or '':<12} {entry['documents']} document(s), "
                  f"{entry['mentions']} mention(s)")
    return EXIT_OK


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
    print(f"tracuu: http://{args.host}:{args.port}/ — {auth.describe()}", file=sys.stderr)
    if not auth.enabled and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"tracuu: warning: serving openly on {args.host}, reachable from other machines", file=sys.stderr)
    origins = cors_origins()
    print(f"tracuu: CORS origins: {', '.join(origins) if origins else 'none (set TRACUU_CORS_ORIGINS)'}",
          file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
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
        p.add_argument("--index-dir", default=DEFAULT_INDEX_DIR, help="index directory (default: %(default)s)")
        p.add_argument("--model", default=None,
                       help="sentence-transformers folder or hub id (default: $TRACUU_MODEL or models/multilingual-e5-small)")

    def ingest(p):
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        p.add_argument("--max-file-mb", type=float, default=None,
                       help="reject files larger than this (default: $TRACUU_MAX_FILE_MB or 50)")
        common(p)

    p = sub.add_parser("index", help="index a corpus folder or file (skips when already up to date)")
    p.add_argument("path", nargs="?", default="corpus")
    p.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    ingest(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("add", help="copy files (.txt .md .docx .pdf .html) into the indexed corpus "
                                   "folder and index them (only they are read and embedded)")
    p.add_argument("files", nargs="+")
    ingest(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="withdraw documents by doc_id (their files move to "
                                      "INDEX_DIR/removed/) and re-index")
    p.add_argument("doc_ids", nargs="+")
    common(p)
    p.set_defaults(func=cmd_remove)

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
    common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a factual question with the quoted figure/date and its evidence; "
                                   "QUESTION '-' reads one per line from stdin (JSON lines out)")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=5, help="passages shown with the answer")
    p.add_argument("--json", action="store_true", help="print the JSON response")
    filters(p)
    common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("compare", help="best passages per province / year / doc_type for a query")
    p.add_argument("query")
    p.add_argument("--by", choices=("province", "year", "doc_type"), default="province")
    p.add_argument("--k-per-group", type=int, default=3)
    p.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="hybrid")
    p.add_argument("--json", action="store_true", help="print the JSON response")
    filters(p)
    common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("directives", help="list cited directives, or the documents citing one (ID)")
    p.add_argument("id", nargs="?")
    p.add_argument("--json", action="store_true")
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

    from eval.retrieval import add_arguments as add_eval_arguments

    p = sub.add_parser("eval", help="retrieval metrics (Recall@k, MRR@10, nDCG@10) per mode on 'corpus' "
                                    "or a BEIR folder; writes OUT/<dataset>.json and .md")
    add_eval_arguments(p)
    p.set_defaults(func=cmd_eval)
    return parser


def cmd_eval(args) -> int:
    from eval.retrieval import markdown, run

    try:
        report = run(args.dataset, args.mode, args.index_dir, args.out, args.limit, fusion=args.fusion)
    except (FileNotFoundError, KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(markdown(report))
    return EXIT_OK


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
