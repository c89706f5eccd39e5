"""One API contract (issue 13, item 7) and a true OpenAPI document (issue 14, item 6),
against a real `tracuu serve` process."""
from __future__ import annotations

import httpx
import pytest

from conftest import NGHE_AN
from test_hardening import PROBLEM, assert_problem

QUESTION = "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?"


# --- q everywhere, the old names as aliases ------------------------------------------------------
@pytest.mark.parametrize("path", ["/search", "/ask", "/compare"])
def test_q_is_the_name_on_every_route_and_the_old_names_still_work(server, path):
    extra = {} if path == "/ask" else {"mode": "bm25"}
    answers = []
    for name in ("q", "query", "question"):
        r = httpx.post(server + path, json={name: QUESTION, **extra}, timeout=120)
        assert r.status_code == 200, (name, r.text[:300])
        answers.append(r.json())
    r = httpx.get(server + path, params={"q": QUESTION, **extra}, timeout=120)
    assert r.status_code == 200, r.text[:300]
    answers.append(r.json())
    key = {"/search": "results", "/ask": "answer", "/compare": "groups"}[path]
    assert all(a[key] == answers[0][key] for a in answers), path


def test_the_query_once_and_not_missing(server):
    body = assert_problem(httpx.post(server + "/search", json={"q": "khiếu nại", "query": "tố cáo"}, timeout=60),
                          422, "query")
    assert "q" in body["detail"]
    assert_problem(httpx.post(server + "/ask", json={"k": 3}, timeout=60), 422, "q")
    assert_problem(httpx.get(server + "/search", params={"k": 3}, timeout=60), 422, "q")
    assert_problem(httpx.post(server + "/search", json={"q": ""}, timeout=60), 422, "q")
    assert_problem(httpx.post(server + "/search", json={"q": None, "query": "x"}, timeout=60), 422, "q")


# --- the same k limits ------------------------------------------------------------------------------
def test_the_same_k_limits_on_search_and_ask(server):
    for path in ("/search", "/ask"):
        assert httpx.post(server + path, json={"q": QUESTION, "k": 100}, timeout=120).status_code == 200
        for k in (0, 101, "many"):
            body = assert_problem(httpx.post(server + path, json={"q": QUESTION, "k": k}, timeout=60), 422, "k")
            assert "1 đến 100" in body["detail"] or "số nguyên" in body["detail"]
            assert_problem(httpx.get(server + path, params={"q": QUESTION, "k": k}, timeout=60), 422, "k")
    assert_problem(httpx.get(server + "/compare", params={"q": "khiếu nại", "k_per_group": 21}, timeout=60),
                   422, "k_per_group")


# --- unknown parameters -------------------------------------------------------------------------------
def test_unknown_query_parameters_are_named_in_a_422(server):
    body = assert_problem(httpx.get(server + "/search", params={"q": "khieu nai", "provnce": "Nghe An"},
                                    timeout=60), 422, "provnce")
    assert "`province`" in body["detail"]  # the likely intended name
    for path, params in (("/documents", {"provnce": "Nghe An"}), ("/health", {"verbose": "1"}),
                         (f"/documents/{NGHE_AN}", {"paragraph": "9"}), ("/directives", {"id": "x"}),
                         ("/ask", {"q": QUESTION, "question": QUESTION})):
        assert_problem(httpx.get(server + path, params=params, timeout=60), 422, next(iter(params.keys() - {"q"})))
    # query parameters on a POST route, and unknown JSON fields
    assert_problem(httpx.post(server + "/search?provnce=x", json={"q": "khiếu nại"}, timeout=60), 422, "provnce")
    assert_problem(httpx.post(server + "/ask", json={"q": QUESTION, "provnce": "Nghệ An"}, timeout=60),
                   422, "provnce")
    # pages keep their own parameters (read by the page's script)
    assert httpx.get(server + "/", params={"q": "khiếu nại", "mode": "bm25"}, timeout=60).status_code == 200


def test_bad_filter_values_are_named(server):
    # a year range given backwards is read in order (the OpenAPI document says so; JSON Schema
    # cannot state an order between two parameters, so the server accepts what the schema does)
    forward = {"q": "dân vận", "year_from": 2019, "year_to": 2021, "mode": "bm25"}
    backward = dict(forward, year_from=2021, year_to=2019)
    r = httpx.get(server + "/search", params=backward, timeout=60)
    assert r.status_code == 200 and r.json()["filters"] == {"year_from": 2019, "year_to": 2021}
    assert r.json()["results"] == httpx.get(server + "/search", params=forward, timeout=60).json()["results"]
    r = httpx.post(server + "/compare", json={"q": "x", "year_from": 2021, "year_to": 2019}, timeout=60)
    assert r.status_code == 200
    described = httpx.get(server + "/openapi.json", timeout=60).json()["components"]["schemas"]["SearchBody"]
    assert "backwards" in described["properties"]["year_to"]["description"]
    assert_problem(httpx.get(server + "/documents", params={"year_from": "năm ngoái"}, timeout=60), 422, "year_from")
    assert_problem(httpx.get(server + "/search", params={"q": "x", "mode": "fuzzy"}, timeout=60), 422, "mode")


def test_compare_on_get_as_on_post(server):
    params = {"q": "tiếp công dân", "group_by": "year", "k_per_group": 2, "mode": "bm25", "province": "Bắc Giang"}
    got = httpx.get(server + "/compare", params=params, timeout=120)
    assert got.status_code == 200, got.text[:300]
    posted = httpx.post(server + "/compare", json=params, timeout=120).json()
    strip = lambda body: [(g["key"], [h["passage_id"] for h in g["results"]]) for g in body["groups"]]  # noqa: E731
    assert strip(got.json()) == strip(posted) and got.json()["groups"]


# --- one error shape ------------------------------------------------------------------------------------
def test_every_error_is_a_problem_detail_in_vietnamese(server, keyed_server):
    responses = [
        (httpx.get(server + "/search", params={"q": "  "}, timeout=60), 422),
        (httpx.post(server + "/search", content=b"{not json", headers={"Content-Type": "application/json"},
                    timeout=60), 422),
        (httpx.post(server + "/search", json=["q", "x"], timeout=60), 422),
        (httpx.get(server + "/documents/nope.txt", timeout=60), 404),
        (httpx.get(server + f"/documents/{NGHE_AN}/paragraphs/999", timeout=60), 404),
        (httpx.get(server + "/directives/NOPE-1", timeout=60), 404),
        (httpx.get(server + "/no/such/route", timeout=60), 404),
        (httpx.delete(server + "/search", timeout=60), 405),
        (httpx.delete(server + f"/documents/{NGHE_AN}", timeout=60), 403),  # updates off
        (httpx.get(keyed_server.base + "/search", params={"q": "x"}, timeout=60), 401),
        (httpx.delete(keyed_server.base + f"/documents/{NGHE_AN}", headers=keyed_server.headers("reader"),
                      timeout=60), 403),
    ]
    for response, status in responses:
        body = assert_problem(response, status)
        assert set(body) >= {"type", "title", "status", "detail"}
        assert any(ch in body["title"] + body["detail"] for ch in "ạảãáàâăđêôơưếệịọốồờợụủứừ"), body  # Vietnamese


def test_allow_header_lists_every_method_of_the_path(server):
    r = httpx.put(server + "/documents", timeout=60)
    assert_problem(r, 405)
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}
    r = httpx.patch(server + "/search", timeout=60)
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}
    r = httpx.post(server + "/health", timeout=60)
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD"}
    assert httpx.head(server + "/health", timeout=60).status_code == 200


# --- the OpenAPI document says what the server does -----------------------------------------------------
def test_facet_entries_always_have_a_value(server):
    body = httpx.get(server + "/search", params={"q": "khieu nai", "k": 3}, timeout=120).json()
    entries = [entry for facet in body["facets"].values() for entry in facet]
    assert entries and all("value" in entry for entry in entries)
    assert any(entry["value"] is None for entry in entries)  # documents whose year or province is unknown


def test_openapi_is_true_to_the_server(server, keyed_server):
    spec = httpx.get(server + "/openapi.json", timeout=60).json()
    schemas = spec["components"]["schemas"]
    assert "securitySchemes" not in spec["components"]  # an open server needs no key
    assert not any("security" in op for ops in spec["paths"].values() for op in ops.values())
    assert {"Problem", "ProblemItem"} <= set(schemas) and "HTTPValidationError" not in schemas
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == [PROBLEM], (method, path, status)
                    assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    # an empty or content-free query is schema-invalid, as the server rejects it
    for route, method in (("/search", "get"), ("/ask", "get"), ("/compare", "get")):
        q = next(p for p in spec["paths"][route][method]["parameters"] if p["name"] == "q")
        assert q["required"] and q["schema"]["minLength"] == 1 and q["schema"]["pattern"]
        assert q["schema"]["maxLength"] == 2000
    for body in ("SearchBody", "AskBody", "CompareBody"):
        assert schemas[body]["oneOf"] == [{"required": [n]} for n in ("q", "query", "question")]
        assert schemas[body]["additionalProperties"] is False
    facet = schemas["FacetCount"]
    assert "value" in facet["required"]
    assert {"type": "null"} in facet["properties"]["value"]["anyOf"]
    assert {"get", "post"} <= set(spec["paths"]["/compare"])
    # the keyed server documents its keys
    keyed = httpx.get(keyed_server.base + "/openapi.json", timeout=60).json()
    assert keyed["paths"]["/search"]["get"]["security"] and "security" not in keyed["paths"]["/health"]["get"]
    assert {"401", "429"} <= set(keyed["paths"]["/search"]["get"]["responses"])
