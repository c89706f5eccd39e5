"""What the pages and the API docs are served with, over real HTTP (the browser tests
look at them; these check the bytes)."""
import re

import httpx

from conftest import NGHE_AN


def test_api_docs_need_no_cdn(server):
    for path in ("/docs", "/redoc"):
        page = httpx.get(server + path, timeout=30)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert not re.search(r"(src|href)=\"https?://", page.text), page.text  # everything from this server
        assert "<script>" not in page.text  # no inline script: a strict CSP keeps working
        assert "default-src 'self'" in page.headers["content-security-policy"]
        for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text):
            fetched = httpx.get(server + asset, timeout=30)
            assert fetched.status_code == 200 and len(fetched.content) > 100, asset
    bundle = httpx.get(server + "/static/vendor/swagger-ui-bundle.js", timeout=30)
    assert bundle.headers["content-type"].startswith("application/javascript") and b"SwaggerUIBundle" in bundle.content
    assert httpx.get(server + "/static/vendor/../../app.py", timeout=30).status_code == 404
    assert httpx.get(server + "/static/vendor/nothing.js", timeout=30).status_code == 404


def test_search_documents_one_entry_per_document(server):
    body = httpx.get(server + "/search/documents", params={"q": "khiếu nại tố cáo", "k": 10, "per_document": 2},
                     timeout=60).json()
    ids = [d["doc_id"] for d in body["documents"]]
    assert ids and len(ids) == len(set(ids))
    assert [d["rank"] for d in body["documents"]] == list(range(1, len(ids) + 1))
    assert body["total_documents"] >= len(ids)
    for document in body["documents"]:
        assert 1 <= len(document["passages"]) <= 2 and document["matched"] >= 1
        paragraphs = [p["paragraph"] for p in document["passages"]]
        assert len(paragraphs) == len(set(paragraphs))  # pieces of one paragraph are merged
        for passage in document["passages"]:
            assert passage["doc_id"] == document["doc_id"]
            for start, end in passage["highlights"]:
                assert 0 <= start < end <= len(passage["text"])


def test_facets_false_skips_the_counts_on_every_route_that_counts_them(server):
    """`facets` (default true) is one parameter on GET and POST /search and GET /search/documents,
    documented in the OpenAPI document; false gives `facets: {}` and the same results."""
    from test_hardening import assert_problem

    q = {"q": "tiếp công dân", "k": 5}
    for method, path, key in (("GET", "/search", "results"), ("POST", "/search", "results"),
                              ("GET", "/search/documents", "documents")):
        def call(**extra):
            if method == "GET":
                return httpx.get(server + path, params={**q, **extra}, timeout=60)
            return httpx.post(server + path, json={**q, **extra}, timeout=60)

        full, bare = call().json(), call(facets="false" if method == "GET" else False).json()
        assert full["facets"]["province"] and bare["facets"] == {}, (method, path)
        assert bare[key] == full[key] and bare.get("total_documents") == full.get("total_documents")
        assert call(facets="true" if method == "GET" else True).json()["facets"] == full["facets"]
        assert_problem(call(facets="maybe"), 422, "facets")
        if method == "POST":
            assert_problem(call(facets=0), 422, "facets")  # a JSON boolean, as the schema says
    spec = httpx.get(server + "/openapi.json", timeout=60).json()
    for path in ("/search", "/search/documents"):
        parameter = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "facets")
        assert parameter["schema"]["type"] == "boolean" and parameter["schema"]["default"] is True
    assert spec["components"]["schemas"]["SearchBody"]["properties"]["facets"]["default"] is True
    assert not any(p["name"] == "facets" for p in spec["paths"]["/compare"]["get"]["parameters"])  # no facets there


def test_merged_pieces_of_a_paragraph_keep_exact_text_and_highlights(server):
    """Paragraph 9 of the Nghệ An report is indexed as two passages; shown as one, its text
    is the paragraph's and every highlight still points at a matched word."""
    body = httpx.get(server + "/search/documents", params={"q": "giải quyết đơn thư khiếu nại tố cáo Nghệ An",
                                                          "province": "Nghệ An", "k": 5, "per_document": 5},
                     timeout=60).json()
    nghe_an = next(d for d in body["documents"] if d["doc_id"] == NGHE_AN)
    merged = next(p for p in nghe_an["passages"] if p["paragraph"] == 9)
    assert len(merged["passage_ids"]) == 2
    paragraph = httpx.get(f"{server}/documents/{NGHE_AN}/paragraphs/9", timeout=30).json()
    assert merged["text"] == paragraph["text"]
    assert merged["span"] == paragraph["span"]
    assert {merged["text"][s:e].lower() for s, e in merged["highlights"]} & {"khiếu nại", "tố cáo"}
