"""The engine's pieces behind the search page: documents with their best passages,
honest facets, sorted comparisons, precedents from other provinces, document metadata."""
import pytest

from conftest import BAC_GIANG, BINH_SON, NGHE_AN
from search.engine import QueryError
from search.filters import Filters

QUERIES = ["khieu nai to cao", "tiếp công dân", "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại?", "cải cách hành chính"]


@pytest.mark.parametrize("query", QUERIES)
def test_facet_counts_are_what_filtering_shows(engine, query):
    """Each facet value's count is the number of documents its filter returns."""
    response = engine.search_documents(query, k=100, per_document=1)
    assert response["total_documents"] == len(response["documents"])
    for field, name in (("province", "province"), ("doc_type", "doc_type"), ("year", None)):
        for entry in response["facets"][field]:
            if entry["value"] is None:
                continue
            filters = (Filters(year_from=entry["value"], year_to=entry["value"]) if field == "year"
                       else Filters(**{name: entry["value"]}))
            filtered = engine.search_documents(query, k=100, per_document=1, filters=filters)
            assert filtered["total_documents"] == len(filtered["documents"]) == entry["count"], (field, entry)
    assert sum(e["count"] for e in response["facets"]["province"]) == response["total_documents"]


def test_facets_sorted_years_in_order_unknown_last(engine):
    facets = engine.search_documents("tiếp công dân", k=10)["facets"]
    years = [e["value"] for e in facets["year"]]
    assert years[-1] is None and years[:-1] == sorted(years[:-1])  # the Thái Hòa article states no period nor date
    provinces = [e["value"] for e in facets["province"]]
    assert provinces[-1] is None  # the conference article names no province


def test_one_entry_per_document_with_merged_paragraph_pieces(engine):
    response = engine.search_documents("đơn thư khiếu nại tố cáo của công dân Nghệ An", k=10, per_document=5)
    ids = [d["doc_id"] for d in response["documents"]]
    assert len(ids) == len(set(ids)) and [d["rank"] for d in response["documents"]] == list(range(1, len(ids) + 1))
    nghe_an = next(d for d in response["documents"] if d["doc_id"] == NGHE_AN)
    paragraphs = [p["paragraph"] for p in nghe_an["passages"]]
    assert len(paragraphs) == len(set(paragraphs))
    nine = next(p for p in nghe_an["passages"] if p["paragraph"] == 9)
    assert nine["passage_ids"] == [f"{NGHE_AN}#p9.1", f"{NGHE_AN}#p9.2"]
    assert "1.215 đơn thư khiếu nại" in nine["text"] and "Tòa án nhân dân hai cấp" in nine["text"]
    with pytest.raises(QueryError):
        engine.search_documents("x", per_document=0)


def test_a_low_ranking_matching_document_is_still_listed(engine):
    """Every matching document is listed when k allows, not only those among the best passages."""
    response = engine.search_documents("Bình Sơn", k=100, per_document=1, mode="bm25")
    assert {d["doc_id"] for d in response["documents"]} == set(engine.matching_documents("Bình Sơn", "bm25"))
    assert BINH_SON in {d["doc_id"] for d in response["documents"]}


def test_dense_mode_counts_every_document_the_filters_accept(engine):
    response = engine.search_documents("tiếp công dân", k=100, mode="dense", filters=Filters(province="Nghệ An"))
    assert response["total_documents"] == 2 == len(response["documents"])


def test_compare_groups_are_sorted_and_count_documents(engine):
    by_year = engine.compare("tiếp công dân", group_by="year", k_per_group=1)
    keys = [g["key"] for g in by_year["groups"]]
    # the two five-year reports (Nghệ An, Bắc Giang: 2015–2020) form one group, first by its start year
    assert keys == ["2015–2020", 2018, 2021, None], keys
    period_group = by_year["groups"][0]
    assert period_group["period"] == {"from": 2015, "to": 2020} and period_group["documents"] == 2
    assert all(engine.metadata(h["doc_id"])["period"] == {"from": 2015, "to": 2020} for h in period_group["results"])
    assert by_year["groups"][1]["period"] == {"from": 2018, "to": 2018} and by_year["groups"][-1]["period"] is None
    by_province = engine.compare("tiếp công dân", group_by="province", k_per_group=2)
    keys = [g["key"] for g in by_province["groups"]]
    assert keys == ["Bắc Giang", "Nghệ An", "Quảng Ngãi", None]
    facets = {e["value"]: e["count"] for e in engine.search_documents("tiếp công dân", k=10)["facets"]["province"]}
    assert {g["key"]: g["documents"] for g in by_province["groups"]} == facets
    for group in by_province["groups"]:
        assert 1 <= len(group["results"]) <= 2
        assert all(engine.metadata(h["doc_id"]).get("province") == group["key"] for h in group["results"])


def test_precedents_come_from_other_provinces(engine):
    found = engine.precedents(f"{NGHE_AN}#p9.1", k=5)
    assert found["province"] == "Nghệ An"
    provinces = [h["metadata"]["province"] for h in found["results"]]
    assert found["results"] and "Nghệ An" not in provinces and None not in provinces
    assert "Bắc Giang" in provinces  # its report has the same kind of paragraph (tiếp dân, KNTC)
    per_document = {}
    for hit in found["results"]:
        per_document[hit["doc_id"]] = per_document.get(hit["doc_id"], 0) + 1
    assert max(per_document.values()) <= 2
    assert [h["rank"] for h in found["results"]] == list(range(1, len(found["results"]) + 1))
    assert engine.precedents("no-such-passage") is None


def test_documents_carry_metadata_and_vietnamese_citations(engine):
    document = engine.document(BAC_GIANG)
    assert document["metadata"]["issuer"] == "Sở Nội vụ" and document["metadata"]["signer"] == "Khuông Văn Thông"
    assert "114-KL/TW" in document["metadata"]["references"]
    passage = next(p for p in document["passages"] if p["paragraph"] == 37)
    assert passage["citation_vi"] == "Báo cáo số …/BC-SNV ngày …/7/2020 của Sở Nội vụ tỉnh Bắc Giang, mục B.II.4.2, đoạn 37"
    hit = engine.search("Tỷ lệ giải quyết các vụ việc khiếu nại thuộc thẩm quyền", k=3, mode="bm25",
                        filters=Filters(province="Bắc Giang"))["results"][0]
    assert hit["citation_vi"].startswith("Báo cáo số …/BC-SNV") and hit["paragraph_end"] >= hit["paragraph"]


def test_precedents_over_http(server):
    """GET /precedents: the page's "Tìm tiền lệ ở tỉnh khác"; errors as problem details."""
    import httpx

    body = httpx.get(server + "/precedents", params={"passage_id": f"{NGHE_AN}#p9.1", "k": 3}, timeout=60).json()
    assert body["province"] == "Nghệ An" and 1 <= len(body["results"]) <= 3
    assert all(h["metadata"]["province"] not in ("Nghệ An", None) and h["citation_vi"] for h in body["results"])
    missing = httpx.get(server + "/precedents", params={"passage_id": "no-such.txt#p1"}, timeout=60)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert "no-such.txt#p1" in missing.json()["detail"]
    for wrong in ({"k": 101}, {"provnce": "Nghe An"}):  # out of range; unknown (misspelt)
        refused = httpx.get(server + "/precedents", params={"passage_id": f"{NGHE_AN}#p9.1", **wrong}, timeout=60)
        assert refused.status_code == 422, refused.text
        assert [e["parameter"] for e in refused.json()["errors"]] == list(wrong), refused.text
