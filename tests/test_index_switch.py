"""One index version per request (issue 24, item 1): 8 clients on /ask, /search, /compare,
/facts and /precedents (and /search/documents, a document) of a real `tracuu serve`
while a document is added and removed again and again, each commit a new index version the
server switches to. Before every request read one pinned version, an /ask whose retrieval
found the document in version N and read it from N+1 (removed) answered 500.

Kept small to run in `make test`: four short reports, the switching one an excerpt of the
Bình Sơn report (its complaints section), so each add embeds a handful of passages."""
from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter

import httpx

from conftest import BINH_SON, CONFERENCE, CORPUS, NGHE_AN, THAI_HOA, running_server
from indexer.build import build_index

SWITCHES = 20  # add, remove, add, … : each a committed version
CLIENTS = 8
EXCERPT = "binh-son-trich-bao-cao-2021.txt"


def binh_son_excerpt() -> str:
    """The Bình Sơn report's heading, its complaints section and its signature."""
    lines = (CORPUS / BINH_SON).read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[:10] + lines[36:46] + lines[104:]) + "\n"


def requests_for(passage_ids: list[str]) -> list[tuple[str, str, dict]]:
    """(method, path, params or body) the clients cycle through; most read the switching document."""
    asks = ["Huyện Bình Sơn đã giải quyết bao nhiêu vụ khiếu nại năm 2021?",
            "Tổng số đơn khiếu nại thuộc thẩm quyền ở Bình Sơn là bao nhiêu?",
            "Ai ký báo cáo dân vận chính quyền của huyện Bình Sơn?"]
    calls = [("GET", "/ask", {"q": q, "k": 3}) for q in asks]
    calls += [("POST", "/ask", {"q": asks[0], "k": 5}),
              ("GET", "/search", {"q": "giải quyết khiếu nại tố cáo Bình Sơn", "k": 5}),
              ("POST", "/search", {"q": "tiếp công dân định kỳ", "k": 10, "mode": "bm25"}),
              ("GET", "/search/documents", {"q": "đơn khiếu nại thuộc thẩm quyền", "k": 5}),
              ("GET", "/compare", {"q": "giải quyết khiếu nại", "group_by": "province"}),
              ("POST", "/compare", {"q": "tiếp công dân", "group_by": "year", "k_per_group": 2}),
              ("GET", "/facts", {"indicator": "đơn khiếu nại đã giải quyết"}),
              ("GET", "/facts", {"indicator": "vụ việc khiếu nại", "by": "province,doc_type"}),
              ("GET", f"/documents/{EXCERPT}", {})]
    calls += [("GET", "/precedents", {"passage_id": pid, "k": 3}) for pid in passage_ids]
    return calls


def test_eight_clients_through_twenty_switches_get_no_5xx(tmp_path, encoder, model_dir):
    from indexer.updates import add_documents, remove_documents
    from search.engine import SearchEngine

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (CONFERENCE, NGHE_AN, THAI_HOA):
        shutil.copyfile(CORPUS / name, corpus / name)
    excerpt = tmp_path / "incoming" / EXCERPT
    excerpt.parent.mkdir()
    excerpt.write_text(binh_son_excerpt(), encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)
    add_documents(index_dir, [excerpt], encoder=encoder, log=lambda m: None)
    engine = SearchEngine(index_dir, encoder=encoder)
    switching = engine.store.passage_ids(EXCERPT)
    stable = engine.store.passage_ids(NGHE_AN)
    calls = requests_for([switching[0], switching[-1], stable[len(stable) // 2]])

    env = {k: v for k, v in os.environ.items() if k != "TRACUU_API_KEYS_FILE"}
    with running_server(index_dir, tmp_path / "server.log", model_dir, env=env) as base:
        statuses: Counter = Counter()  # (path, status)
        failures: list[str] = []
        versions: set[str] = set()
        stop = threading.Event()

        def client(n: int) -> None:
            with httpx.Client(base_url=base, timeout=120) as http:
                i = n
                while not stop.is_set():
                    method, path, data = calls[i % len(calls)]
                    i += 1
                    try:
                        if method == "GET":
                            r = http.get(path, params=data)
                        else:
                            r = http.post(path, json=data)
                    except httpx.HTTPError as err:
                        failures.append(f"{method} {path}: {err!r}")
                        continue
                    statuses[(path, r.status_code)] += 1
                    if r.status_code >= 500:
                        failures.append(f"{method} {path} {data}: {r.status_code} {r.text[:300]}")

        def watch_versions() -> None:
            with httpx.Client(base_url=base, timeout=120) as http:
                while not stop.is_set():
                    versions.add(http.get("/health").json()["index_version"])
                    time.sleep(0.3)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        threads.append(threading.Thread(target=watch_versions))
        for t in threads:
            t.start()
        try:
            switched = 0
            for i in range(SWITCHES):
                if i % 2 == 0:
                    remove_documents(index_dir, [EXCERPT], encoder=encoder, log=lambda m: None)
                else:
                    add_documents(index_dir, [excerpt], encoder=encoder, log=lambda m: None)
                switched += 1
                time.sleep(1.2)  # the server looks for a new version once a second
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=300)
    served = {path for path, status in statuses if status == 200}
    print(f"\n{switched} switches, {len(versions)} versions seen by /health; {sum(statuses.values())} "
          f"requests: {sorted(statuses.items())}")
    assert not failures, failures[:5]
    assert switched == SWITCHES and len(versions) >= SWITCHES // 2  # the server did switch, often
    assert {"/ask", "/search", "/search/documents", "/compare", "/facts", "/precedents"} <= served
    # while the excerpt was out, its document and its passages' precedents were a 404, not a 500
    assert statuses[(f"/documents/{EXCERPT}", 200)] and statuses[(f"/documents/{EXCERPT}", 404)]
