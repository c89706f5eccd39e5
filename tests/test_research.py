"""Metadata on the real reports: filters, facets, compare, directives (issue 4)."""
import urllib.parse

import httpx

from conftest import BAC_GIANG, BINH_SON, CONFERENCE, NGHE_AN, THAI_HOA
from search.filters import Filters


def test_documents_carry_metadata(engine):
    docs = {d["doc_id"]: d["metadata"] for d in engine.documents_list()}
    assert docs[NGHE_AN]["province"] == "Nghệ An" and docs[NGHE_AN]["period"] == {"from": 2015, "to": 2020}
    assert {"114-KL/TW", "16/CT-TTg", "209-KH/TU"} <= set(docs[NGHE_AN]["references"])
    assert (docs[BAC_GIANG]["issuer"], docs[BAC_GIANG]["doc_type"], docs[BAC_GIANG]["date"]) == \
        ("Sở Nội vụ", "báo cáo", "2020-07")
    assert (docs[BINH_SON]["district"], docs[BINH_SON]["province"]) == ("Bình Sơn", "Quảng Ngãi")
    assert docs[BINH_SON]["period"] == {"from": 2021, "to": 2021}
    assert (docs[THAI_HOA]["district_type"], docs[THAI_HOA]["district"], docs[THAI_HOA]["province"]) == \
        ("thị xã", "Thái Hòa", "Nghệ An")
    assert docs[CONFERENCE]["province"] is None


def test_province_filter_returns_only_that_province(engine):
    response = engine.search("tiếp công dân, giải quyết khiếu nại tố cáo", k=20, filters=Filters(province="bac giang"))
    assert response["results"] and {r["doc_id"] for r in response["results"]} == {BAC_GIANG}
    assert all(r["metadata"]["province"] == "Bắc Giang" for r in response["results"])
    assert [f["value"] for f in response["facets"]["province"]] == ["Bắc Giang"]


def test_year_and_reference_filters(engine):
    years = engine.search("dân vận chính quyền", k=50, filters=Filters(year_from=2021, year_to=2022))
    assert {r["doc_id"] for r in years["results"]} == {BINH_SON}
    cites = engine.search("dân vận", k=50, filters=Filters(references="KL 114"))
    assert {r["doc_id"] for r in cites["results"]} == {NGHE_AN, BAC_GIANG}


def test_facets_and_citation_name_place_and_date(engine):
    response = engine.search("tiếp công dân", k=10)
    provinces = {f["value"] for f in response["facets"]["province"]}
    assert {"Nghệ An", "Bắc Giang", "Quảng Ngãi"} <= provinces
    # a document counts once per province and type, but in every year its period covers (as the year
    # filter selects it): tests/test_page_engine.py checks each count against its filter
    assert sum(f["count"] for f in response["facets"]["doc_type"]) == sum(f["count"] for f in response["facets"]["province"])
    assert sum(f["count"] for f in response["facets"]["year"]) > sum(f["count"] for f in response["facets"]["province"])
    bac_giang = next(r for r in response["results"] if r["doc_id"] == BAC_GIANG)
    assert "Bắc Giang, 07/2020" in bac_giang["citation"]


def test_compare_by_province(engine):
    response = engine.compare("tiếp công dân, giải quyết khiếu nại tố cáo", group_by="province", k_per_group=2)
    keys = [g["key"] for g in response["groups"]]
    assert {"Nghệ An", "Bắc Giang", "Quảng Ngãi"} <= set(keys)
    for group in response["groups"]:
        assert 1 <= len(group["results"]) <= 2
        assert all(r["metadata"]["province"] == group["key"] for r in group["results"])


def test_directives(engine):
    listing = {d["id"]: d for d in engine.directives()}
    assert listing["114-KL/TW"]["documents"] == 2 and listing["114-KL/TW"]["type"] == "kết luận"
    found = engine.directive("114-KL/TW")
    assert {d["doc_id"] for d in found["documents"]} == {NGHE_AN, BAC_GIANG}
    for doc in found["documents"]:
        assert doc["passages"] and all("114" in p["text"] for p in doc["passages"])


def test_research_over_http(server):
    r = httpx.get(server + "/directives/" + urllib.parse.quote("114-KL/TW", safe=""))
    assert r.status_code == 200 and {d["doc_id"] for d in r.json()["documents"]} == {NGHE_AN, BAC_GIANG}
    assert httpx.get(server + "/directives/999-KL%2FTW").status_code == 404
    assert any(d["id"] == "114-KL/TW" for d in httpx.get(server + "/directives").json())
    r = httpx.get(server + "/search", params={"q": "khiếu nại", "province": "Bắc Giang", "k": 5})
    assert r.status_code == 200 and {x["doc_id"] for x in r.json()["results"]} == {BAC_GIANG}
    r = httpx.post(server + "/compare", json={"query": "tiếp công dân, giải quyết khiếu nại tố cáo",
                                              "group_by": "province", "k_per_group": 1}, timeout=60)
    assert {"Nghệ An", "Bắc Giang", "Quảng Ngãi"} <= {g["key"] for g in r.json()["groups"]}
    docs = httpx.get(server + "/documents", params={"province": "Nghệ An"}).json()
    assert {d["doc_id"] for d in docs} == {NGHE_AN, THAI_HOA}
    assert httpx.get(server + "/search", params={"q": "x", "year_from": 2022, "year_to": 2020}).status_code == 200
