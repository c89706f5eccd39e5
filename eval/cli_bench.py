"""`tracuu search` wall time as a user sees it: `python -m eval.cli_bench [--runs N]`.

The same commands, side by side in one run: `tracuu search QUERY` as a client of a
running `tracuu serve` ($TRACUU_URL) — started as `python -m api.cli` and through the
`tracuu` console script pip installed beside the interpreter —, and `tracuu search QUERY
--local` loading the index and the model in its own process; `python -c pass` (the
interpreter's own start-up with site-packages) is the floor under all of them. Wall time
of the whole process (start-up, imports, the query, printing), medians over the queries ×
runs; the load average is recorded since other work on the machine moves all of them.
Writes eval/results/cli_latency.{json,md}. Part of `make bench`, never of `make test`
(times are measured, not asserted).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["khieu nai to cao", "tiếp công dân định kỳ", "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại?",
           "cải cách hành chính Bắc Giang", "How many complaints did Nghe An resolve?"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CONSOLE_SCRIPT = Path(sys.executable).with_name("tracuu")  # `pip install -e .` writes it there


def _wall(args: list[str], env: dict, command: list[str] | None = None) -> float:
    command = command or [sys.executable, "-m", "api.cli"]
    t0 = time.perf_counter()
    out = subprocess.run([*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(command + args)} failed: {out.stderr}")
    return elapsed


def _summary(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"median_s": round(statistics.median(samples), 3), "p95_s": round(samples[int(0.95 * (len(samples) - 1))], 3),
            "min_s": round(samples[0], 3), "n": len(samples)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.cli_bench")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query in each way")
    parser.add_argument("--index-dir", type=Path, default=None, help="an index of corpus/ (default: build one)")
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "results")
    args = parser.parse_args(argv)

    from eval.retrieval import machine_info, versions

    env = {k: v for k, v in os.environ.items() if k not in ("TRACUU_URL", "TRACUU_API_KEY")}
    env.setdefault("HF_HUB_OFFLINE", "1")
    loadavg_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tracuu-cli-bench-") as tmp:
        index_dir = args.index_dir
        if index_dir is None:
            from indexer.build import build_index

            index_dir = Path(tmp) / "index"
            build_index(ROOT / "corpus", index_dir, log=lambda msg: None)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with open(Path(tmp) / "server.log", "w") as log:
            server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port),
                                       "--index-dir", str(index_dir)], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT)
            try:
                from api.client import Client, ServerUnavailable

                deadline = time.monotonic() + 300
                while True:
                    try:
                        Client(base).health(timeout=2)
                        break
                    except ServerUnavailable:
                        if server.poll() is not None or time.monotonic() > deadline:
                            raise RuntimeError((Path(tmp) / "server.log").read_text())
                        time.sleep(0.5)
                client_env = env | {"TRACUU_URL": base}
                for q in QUERIES:  # warm the server (caches, first encodes)
                    _wall(["search", q], client_env)
                # the console script imports this checkout's code, as `python -m` from ROOT does
                script_env = client_env | {"PYTHONPATH": os.pathsep.join(
                    p for p in (str(ROOT), env.get("PYTHONPATH")) if p)}
                has_script = CONSOLE_SCRIPT.exists()
                client, script, local, bare, request = [], [], [], [], []
                server_client = Client(base)
                for _ in range(args.runs):
                    for q in QUERIES:  # interleaved: every way sees the same machine load
                        client.append(_wall(["search", q], client_env))
                        if has_script:
                            script.append(_wall(["search", q], script_env, [str(CONSOLE_SCRIPT)]))
                        bare.append(_wall(["-c", "pass"], env, [sys.executable]))
                        t0 = time.perf_counter()  # the HTTP request alone, as the CLI's text output sends it
                        server_client.search(q, facets=False)
                        request.append(time.perf_counter() - t0)
                        local.append(_wall(["search", q, "--local", "--index-dir", str(index_dir)], env))
            finally:
                server.terminate()
                server.wait(timeout=30)

    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine_info(), "versions": versions(),
              "loadavg_start": loadavg_start, "loadavg_end": os.getloadavg(), "runs": args.runs,
              "queries": QUERIES, "client_of_running_server": _summary(client),
              "console_script_client": _summary(script) if script else None,
              "interpreter_start": _summary(bare), "search_request_only": _summary(request),
              "local_index_and_model": _summary(local)}
    report["ratio_local_to_client"] = round(report["local_index_and_model"]["median_s"]
                                            / report["client_of_running_server"]["median_s"], 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cli_latency.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    m = report["machine"]
    md = [f"### `tracuu search` wall time — {report['date']} · {m['cpu']} ({m['cores']} cores) · load average "
          f"{loadavg_start[0]:.1f} → {report['loadavg_end'][0]:.1f}", "",
          f"{len(QUERIES)} queries × {args.runs} runs each way, interleaved; hybrid mode, k=10; whole process "
          "(start-up, imports, query, printing).", "",
          "| how | median s | p95 s | min s | runs |", "|---|---|---|---|---|"]
    for label, key in (("client of a running `tracuu serve` ($TRACUU_URL), `python -m api.cli`",
                        "client_of_running_server"),
                       ("the same through the `tracuu` console script", "console_script_client"),
                       ("`--local`: index and model loaded in the process", "local_index_and_model"),
                       ("floor: `python -c pass` (interpreter and site-packages start-up)", "interpreter_start"),
                       ("the CLI's GET /search?facets=false alone, from a warm process", "search_request_only")):
        r = report[key]
        if r is None:
            md.append(f"| {label} | not installed ({CONSOLE_SCRIPT}) | | | |")
            continue
        md.append(f"| {label} | {r['median_s']:.3f} | {r['p95_s']:.3f} | {r['min_s']:.3f} | {r['n']} |")
    md += ["", f"Local / client median: {report['ratio_local_to_client']}×."]
    (args.out / "cli_latency.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
