"""The HTTP API against a real `tracuu serve` process."""
import urllib.parse

import httpx

from conftest import NGHE_AN


def test_health(server):
    body = httpx.get(server + "/health").json()
    assert body["model"] == "multilingual-e5-small" and body["documents"] == 5 and body["passages"] > 100


def test_get_and_post_search(server):
    q = "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?"
    got = httpx.get(server + "/search", params={"q": q, "k": 3}, timeout=60).json()
    posted = httpx.post(server + "/search", json={"query": q, "k": 3, "mode": "hybrid"}, timeout=60).json()
    assert [r["passage_id"] for r in got["results"]] == [r["passage_id"] for r in posted["results"]]
    assert got["mode"] == "hybrid" and any("1.215 đơn thư khiếu nại" in r["text"] for r in got["results"])
    hit = got["results"][0]
    assert {"rank", "score", "passage_id", "doc_id", "title", "paragraph", "heading_path", "text",
            "highlights", "citation"} <= set(hit)


def test_bad_requests_are_422_with_a_message(server):
    r = httpx.get(server + "/search", params={"q": "   "})
    assert r.status_code == 422 and "không được để trống" in r.json()["detail"]
    assert httpx.get(server + "/search", params={"q": "x", "k": 0}).status_code == 422
    assert httpx.get(server + "/search", params={"q": "x", "k": 101}).status_code == 422
    assert httpx.post(server + "/search", json={"query": "", "k": 5}).status_code == 422
    assert httpx.get(server + "/search", params={"q": "x", "mode": "fuzzy"}).status_code == 422


def test_documents_and_paragraphs(server):
    doc = httpx.get(server + "/documents/" + urllib.parse.quote(NGHE_AN)).json()
    assert doc["doc_id"] == NGHE_AN and "1.215 đơn thư khiếu nại" in doc["text"]
    assert doc["passages"] and all(p["doc_id"] == NGHE_AN for p in doc["passages"])
    para = httpx.get(server + f"/documents/{urllib.parse.quote(NGHE_AN)}/paragraphs/9").json()
    assert para["paragraph"] == 9 and "1.215 đơn thư khiếu nại" in para["text"]
    assert doc["text"][para["span"][0]:para["span"][1]].startswith(para["text"][:40])


def test_unknown_document_is_404(server):
    assert httpx.get(server + "/documents/nope.txt").status_code == 404
    assert httpx.get(server + f"/documents/{NGHE_AN}/paragraphs/999").status_code == 404


def test_openapi_lists_the_routes(server):
    paths = httpx.get(server + "/openapi.json").json()["paths"]
    assert {"/search", "/health", "/documents/{doc_id}", "/documents/{doc_id}/paragraphs/{n}"} <= set(paths)
