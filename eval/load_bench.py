"""Load test of the HTTP server: `python -m eval.load_bench` (part of `make bench`).

A real `tracuu serve` over the shipped corpus (indexed into a temporary folder, four of
the five reports; the fifth is what the index switch adds). For each number of concurrent
clients (1, 4, 16 by default) every client sends, back to back for `--seconds`, a mix of
the labelled questions as
    GET /search (hybrid) 35% · POST /search (bm25) 15% · POST /ask 30% · GET /compare 20%
and half-way through the level the index is switched under them: `tracuu add` (or
`tracuu remove`) in another process publishes a new version, which the server picks up.
Recorded per level: requests, errors (any non-2xx or transport error: must be 0),
latency p50/p95/p99 and their ratio, throughput, the switch (how long it took, whether the
server served the new version before the level ended) and the load average before and
after, since other work on the machine moves absolute numbers (the ratio p99/p50 within one
level is the figure to compare). Writes eval/results/load_bench.{json,md}.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWITCHED_DOCUMENT = "thai-hoa-quy-che-cong-tac-dan-van.txt"
MIX = (("search_hybrid", 35), ("search_bm25", 15), ("ask", 30), ("compare", 20))


def questions() -> list[str]:
    texts = []
    for name, key in (("corpus_retrieval.jsonl", "query"), ("corpus_qa.jsonl", "question")):
        for line in (ROOT / "eval" / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)[key])
    return texts


def request_for(kind: str, text: str) -> tuple[str, str, dict]:
    if kind == "search_hybrid":
        return "GET", "/search", {"params": {"q": text, "k": 10, "mode": "hybrid"}}
    if kind == "search_bm25":
        return "POST", "/search", {"json": {"q": text, "k": 10, "mode": "bm25"}}
    if kind == "ask":
        return "POST", "/ask", {"json": {"q": text}}
    return "GET", "/compare", {"params": {"q": text, "group_by": "province", "k_per_group": 2, "mode": "hybrid"}}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def wait_for_server(base: str, proc: subprocess.Popen, timeout: float = 600) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer in {timeout:.0f} s")


def run_level(base: str, clients: int, seconds: float, texts: list[str], switch, seed: int) -> dict:
    import httpx

    stop = threading.Event()
    results: list[tuple[str, float, int | None, str | None]] = []
    lock = threading.Lock()
    kinds = [kind for kind, weight in MIX for _ in range(weight)]

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        with httpx.Client(base_url=base, timeout=300) as http:
            while not stop.is_set():
                kind = rng.choice(kinds)
                method, path, options = request_for(kind, rng.choice(texts))
                started = time.perf_counter()
                status, error = None, None
                try:
                    status = http.request(method, path, **options).status_code
                except httpx.HTTPError as err:
                    error = f"{type(err).__name__}: {err}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    results.append((kind, elapsed, status, error))

    load_before = os.getloadavg()
    version_before = httpx.get(base + "/health", timeout=60).json()["index_version"]
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    switch_started = time.perf_counter() - started
    switch_result = switch()
    switch_took = time.perf_counter() - started - switch_started
    remaining = seconds - (time.perf_counter() - started)
    if remaining > 0:
        time.sleep(remaining)
    stop.set()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    version_after = httpx.get(base + "/health", timeout=60).json()["index_version"]
    load_after = os.getloadavg()

    latencies = sorted(r[1] for r in results)
    errors = [r for r in results if r[3] is not None or not (200 <= (r[2] or 0) < 300)]
    per_kind = {}
    for kind, _ in MIX:
        values = sorted(r[1] for r in results if r[0] == kind)
        p50_kind, p99_kind = percentile(values, 50), percentile(values, 99)
        per_kind[kind] = {"requests": len(values), "p50_ms": round(p50_kind, 1), "p99_ms": round(p99_kind, 1),
                          "p99_over_p50": round(p99_kind / p50_kind, 2) if values and p50_kind else None}
    p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
    return {"clients": clients, "seconds": round(wall, 1), "requests": len(results), "errors": len(errors),
            "error_samples": [f"{r[0]}: {r[2]} {r[3] or ''}".strip() for r in errors[:5]],
            "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1),
            "p99_over_p50": round(p99 / p50, 2) if p50 else None,
            "throughput_rps": round(len(results) / wall, 2), "per_kind": per_kind,
            "switch": {"command": switch_result["command"], "ok": switch_result["returncode"] == 0,
                       "started_at_s": round(switch_started, 1), "took_s": round(switch_took, 1),
                       "version_before": version_before, "version_after": version_after,
                       "new_version_served": version_after != version_before},
            "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in load_after]}


def markdown(report: dict) -> str:
    lines = [f"# Load test: concurrent clients with an index switch ({report['date']})", "",
             f"Machine: {report['machine'].get('cpu')}, {report['machine'].get('cores')} cores; "
             f"tracuu {report['commit']}; {report['passages']} passages; {report['seconds']} s per level; "
             f"mix {', '.join(f'{k} {w}%' for k, w in MIX)}; command `{report['command']}`.", "",
             "| clients | requests | errors | p50 ms | p95 ms | p99 ms | p99/p50 | req/s | switch | load avg (1 min) before → after |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for level in report["levels"]:
        switch = level["switch"]
        lines.append(f"| {level['clients']} | {level['requests']} | {level['errors']} | {level['p50_ms']} | "
                     f"{level['p95_ms']} | {level['p99_ms']} | {level['p99_over_p50']} | "
                     f"{level['throughput_rps']} | {switch['command']} in {switch['took_s']} s, "
                     f"{'new version served' if switch['new_version_served'] else 'NOT served'} | "
                     f"{level['loadavg_before'][0]} → {level['loadavg_after'][0]} |")
    lines += ["", "Per request kind: p50 / p99 ms (p99/p50; requests):", "",
              "| clients | " + " | ".join(k for k, _ in MIX) + " |", "|---|" + "---|" * len(MIX)]
    for level in report["levels"]:
        lines.append(f"| {level['clients']} | " + " | ".join(
            f"{level['per_kind'][k]['p50_ms']} / {level['per_kind'][k]['p99_ms']} "
            f"({level['per_kind'][k]['p99_over_p50']}; {level['per_kind'][k]['requests']})"
            for k, _ in MIX) + " |")
    lines += ["", report["note"], ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.load_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=40.0, help="duration of each level (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    parser.add_argument("--model", default=None, help="model folder (default: the converted e5-small)")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.clients.split(",") if n.strip()]

    import httpx

    from eval.retrieval import machine_info, versions
    from indexer.build import build_index
    from indexer.embedding import Encoder

    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.pop("TRACUU_API_KEYS_FILE", None)
    tracuu = [sys.executable, "-m", "api.cli"]
    model = ["--model", args.model] if args.model else []
    texts = questions()
    with tempfile.TemporaryDirectory(prefix="tracuu-load-") as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for path in sorted((ROOT / "corpus").iterdir()):
            if path.is_file() and path.name != SWITCHED_DOCUMENT and not path.name.startswith("."):
                shutil.copyfile(path, corpus / path.name)
        print(f"indexing {len(list(corpus.iterdir()))} documents …", file=sys.stderr, flush=True)
        report = build_index(corpus, index_dir, encoder=Encoder(args.model) if args.model else Encoder(),
                             log=lambda msg: None)
        from socket import socket

        with socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        log_path = Path(tmp) / "server.log"
        with open(log_path, "w") as log:
            server = subprocess.Popen(tracuu + ["serve", "--port", str(port), "--index-dir", str(index_dir)] + model,
                                      cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_server(base, server)
            for text in texts[:5]:  # warm-up
                httpx.get(base + "/search", params={"q": text}, timeout=300)
                httpx.post(base + "/ask", json={"q": text}, timeout=300)
            added = itertools.count()

            def switch() -> dict:
                if next(added) % 2 == 0:
                    command = tracuu + ["add", str(ROOT / "corpus" / SWITCHED_DOCUMENT), "--quiet"]
                else:
                    command = tracuu + ["remove", SWITCHED_DOCUMENT]
                done = subprocess.run(command + ["--index-dir", str(index_dir)] + model, cwd=ROOT, env=env,
                                      capture_output=True, text=True, timeout=1800)
                return {"command": command[3], "returncode": done.returncode, "stderr": done.stderr[-500:]}

            results = []
            for clients in levels:
                print(f"{clients} client(s) for {args.seconds:.0f} s …", file=sys.stderr, flush=True)
                level = run_level(base, clients, args.seconds, texts, switch, args.seed)
                results.append(level)
                print(f"  {level['requests']} requests, {level['errors']} errors, p50 {level['p50_ms']} ms, "
                      f"p99 {level['p99_ms']} ms, {level['throughput_rps']} req/s", file=sys.stderr, flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    out = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine_info(), "versions": versions(),
           "commit": commit, "command": "python -m eval.load_bench " + " ".join(argv or sys.argv[1:]),
           "passages": report.passages, "seconds": args.seconds, "mix": dict(MIX), "levels": results,
           "note": ("Errors count every non-2xx answer and transport error. Latency is client-side wall time "
                    "per request. The machine's load average is recorded because other work on it moves the "
                    "absolute numbers; compare p99/p50 within a level, and re-run on a quiet machine for "
                    "absolute figures.")}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load_bench.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (args.out / "load_bench.md").write_text(markdown(out), encoding="utf-8")
    print(markdown(out))
    errors = sum(level["errors"] for level in results)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
