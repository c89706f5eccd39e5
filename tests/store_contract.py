"""The Store contract (indexer/store/base.py), for every backend.

A backend plugs in by subclassing `StoreContract` in a test module and providing the
fixture `make_store`: a function returning a new, empty store each time it is called
(tests/test_store_local.py does it for the local files). The module must also import
the `stored_corpus` fixture:

    from store_contract import StoreContract, stored_corpus  # noqa: F401

    class TestMyStore(StoreContract):
        @pytest.fixture
        def make_store(self, my_server):
            return lambda: MyStore(my_server.new_database_url())

The data are real: the documents, passages, BM25 terms and embeddings of the shipped
corpus as the real indexer produced them (the session's `corpus_index`), written into
the backend under test through its writer. Expected values are computed independently:
BM25 with rank_bm25.BM25Okapi over the same term lists, dense with numpy over the same
vectors, filters with `Filters.accepts` over the documents' metadata.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from conftest import BAC_GIANG, BINH_SON, CONFERENCE, NGHE_AN, THAI_HOA
from indexer.store import PassageRecord, StoreError
from indexer.store.filters import Filters

QUERIES = [
    "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
    "kết quả giải quyết KNTC năm 2019",
    "Dân vận khéo dân vận khéo",  # repeated query terms count twice
    "tiếp công dân định kỳ",
    "quy chế dân chủ ở cơ sở",
]
FILTERS = [
    Filters(province="Nghệ An"),
    Filters(province="bac giang"),
    Filters(doc_type="báo cáo", year_from=2020),
    Filters(references="114-KL/TW"),
    Filters(district="Bình Sơn"),
    Filters(doc_ids=frozenset({THAI_HOA, CONFERENCE})),
    Filters(doc_ids=frozenset()),
    Filters(province="Hà Giang"),  # no such document: nothing
]


@dataclass
class Corpus:
    manifest: dict
    documents: list[dict]  # full records, index order
    passages: dict[str, list[dict]]  # doc_id → passages in order
    terms: dict[str, dict[str, int]]  # passage_id → term counts
    vectors: dict[str, np.ndarray]  # passage_id → vector
    analyzer: object

    def records(self, doc_id: str) -> list[PassageRecord]:
        return [PassageRecord(p, self.terms[p["passage_id"]], self.vectors[p["passage_id"]])
                for p in self.passages[doc_id]]

    def order(self, doc_ids=None) -> list[dict]:
        return [p for d in (doc_ids or [d["doc_id"] for d in self.documents]) for p in self.passages[d]]


@pytest.fixture(scope="session")
def stored_corpus(corpus_index) -> Corpus:
    """The real corpus as the real indexer stored it (read back through the local store)."""
    from indexer.analysis import Analyzer, AnalyzerConfig
    from indexer.store import open_store

    store = open_store(corpus_index)
    manifest = store.manifest()
    documents = [store.document(d.doc_id) for d in store.documents()]
    passages = {d["doc_id"]: store.passages(store.passage_ids(d["doc_id"])) for d in documents}
    reused = store.reusable(p["content_hash"] for ps in passages.values() for p in ps)
    terms = {p["passage_id"]: reused[p["content_hash"]][0] for ps in passages.values() for p in ps}
    vectors = {p["passage_id"]: reused[p["content_hash"]][1] for ps in passages.values() for p in ps}
    analyzer = Analyzer(AnalyzerConfig.from_dict(manifest["settings"]["analyzer"]))
    return Corpus(manifest, documents, passages, terms, vectors, analyzer)


def manifest_for(corpus: Corpus, documents: list[dict]) -> dict:
    manifest = {k: v for k, v in corpus.manifest.items() if k != "files"}
    manifest["corpus"] = dict(manifest["corpus"], documents=len(documents),
                              passages=sum(len(corpus.passages[d["doc_id"]]) for d in documents))
    return manifest


def write(store, corpus: Corpus, doc_ids=None, reset: bool = True) -> str:
    documents = [d for d in corpus.documents if doc_ids is None or d["doc_id"] in doc_ids]
    with store.writer() as writer:
        if reset:
            writer.reset()
        for record in documents:
            writer.add_document(record, corpus.records(record["doc_id"]))
        writer.set_manifest(manifest_for(corpus, documents))
        return writer.commit()


def expected_bm25(corpus: Corpus, passages: list[dict], terms: list[str], allowed=None) -> list[tuple[str, float]]:
    """rank_bm25 over the stored term lists (index order), positive scores, ties by order."""
    term_lists = [list(Counter(corpus.terms[p["passage_id"]]).elements()) for p in passages]
    params = corpus.manifest["settings"]["bm25"]
    scores = BM25Okapi(term_lists, k1=params["k1"], b=params["b"], epsilon=params["epsilon"]).get_scores(terms)
    ranked = [(p["passage_id"], float(s), i) for i, (p, s) in enumerate(zip(passages, scores))
              if s > 0 and (allowed is None or p["passage_id"] in allowed)]
    ranked.sort(key=lambda x: (-x[1], x[2]))
    return [(pid, s) for pid, s, _ in ranked]


def allowed_ids(corpus: Corpus, filters: Filters) -> set[str]:
    return {p["passage_id"] for d in corpus.documents if filters.accepts(d.get("metadata") or {}, d["doc_id"])
            for p in corpus.passages[d["doc_id"]]}


def assert_same_ranking(got, expected, k):
    expected = expected[:k]
    assert [pid for pid, _ in got] == [pid for pid, _ in expected]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-6, atol=1e-9)


class StoreContract:
    """Subclass as `Test<Backend>` with a `make_store` fixture (see the module docstring)."""

    @pytest.fixture
    def filled(self, make_store, stored_corpus):
        store = make_store()
        write(store, stored_corpus)
        store.refresh()
        return store

    # --- empty store, versions, manifest ----------------------------------------------------
    def test_empty_store_says_how_to_build_one(self, make_store):
        store = make_store()
        with pytest.raises(StoreError, match="tracuu index"):
            store.count()
        assert store.reusable(["0" * 64]) == {}

    def test_commit_publishes_a_version_with_its_manifest(self, make_store, stored_corpus):
        store = make_store()
        version = write(store, stored_corpus)
        store.refresh()
        assert store.version() == version
        manifest = store.manifest()
        for key in ("settings", "model", "sources", "sidecars"):
            assert manifest[key] == stored_corpus.manifest[key]
        assert manifest["corpus"]["documents"] == 5 and manifest["corpus"]["passages"] == len(stored_corpus.order())
        assert store.count() == (5, len(stored_corpus.order()))
        assert "password" not in store.describe().lower() or "***" in store.describe()

    # --- documents and passages ----------------------------------------------------------------
    def test_documents_and_passages_read_back(self, filled, stored_corpus):
        corpus = stored_corpus
        assert [d.doc_id for d in filled.documents()] == [d["doc_id"] for d in corpus.documents]
        for record in corpus.documents:
            doc_id = record["doc_id"]
            assert filled.document(doc_id) == record
            assert filled.passage_ids(doc_id) == [p["passage_id"] for p in corpus.passages[doc_id]]
            summary = next(d for d in filled.documents() if d.doc_id == doc_id)
            assert (summary.title, summary.source, summary.metadata, summary.passages) == \
                (record["title"], record["source"], record["metadata"], len(corpus.passages[doc_id]))
        assert filled.document("no-such.txt") is None and filled.passage_ids("no-such.txt") == []
        some = [corpus.passages[NGHE_AN][3], corpus.passages[BAC_GIANG][0], corpus.passages[NGHE_AN][0]]
        assert filled.passages([p["passage_id"] for p in some]) == some  # in the order asked
        assert filled.passage(some[1]["passage_id"]) == some[1]
        assert filled.passage("no-such.txt#p1") is None
        with pytest.raises(KeyError):
            filled.passages([some[0]["passage_id"], "no-such.txt#p1"])
        assert list(filled.iter_passages()) == corpus.order()

    def test_documents_and_candidates_under_filters(self, filled, stored_corpus):
        for filters in FILTERS:
            accepted = [d["doc_id"] for d in stored_corpus.documents
                        if filters.accepts(d.get("metadata") or {}, d["doc_id"])]
            assert [d.doc_id for d in filled.documents(filters)] == accepted, filters
            assert filled.candidates(filters) == allowed_ids(stored_corpus, filters), filters
        assert filled.candidates(Filters()) is None

    # --- retrieval --------------------------------------------------------------------------
    @pytest.mark.parametrize("query", QUERIES)
    def test_bm25_equals_rank_bm25(self, filled, stored_corpus, query):
        terms = stored_corpus.analyzer.terms(query)
        expected = expected_bm25(stored_corpus, stored_corpus.order(), terms)
        assert expected, "the query should match something"
        for k in (1, 10, 1000):
            assert_same_ranking(filled.bm25(terms, k), expected, k)
        assert filled.bm25(["không-có-từ-này"], 10) == []

    @pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.to_dict().items()))
    def test_filters_are_pushed_down(self, filled, stored_corpus, filters):
        """The best k allowed passages, however far down they rank overall."""
        allowed = allowed_ids(stored_corpus, filters)
        terms = stored_corpus.analyzer.terms("tiếp công dân, giải quyết khiếu nại tố cáo")
        expected = expected_bm25(stored_corpus, stored_corpus.order(), terms, allowed)
        assert_same_ranking(filled.bm25(terms, 5, filters), expected, 5)
        vector = stored_corpus.vectors[stored_corpus.passages[NGHE_AN][8]["passage_id"]]
        for exact in (True, None):
            hits = filled.dense(vector, 5, filters, exact=exact)
            assert {pid for pid, _ in hits} <= allowed
            assert len(hits) == min(5, len(allowed))
        exact_hits = filled.dense(vector, 5, filters, exact=True)
        assert [pid for pid, _ in exact_hits] == [pid for pid, _ in self.expected_dense(stored_corpus, vector, allowed)[:5]]
        docs = filled.matching_documents(terms, filters)
        assert docs == [d["doc_id"] for d in stored_corpus.documents if any(
            p["passage_id"] in allowed and set(terms) & set(stored_corpus.terms[p["passage_id"]])
            for p in stored_corpus.passages[d["doc_id"]])]

    @staticmethod
    def expected_dense(corpus: Corpus, vector: np.ndarray, allowed=None) -> list[tuple[str, float]]:
        passages = [p for p in corpus.order() if allowed is None or p["passage_id"] in allowed]
        matrix = np.stack([corpus.vectors[p["passage_id"]] for p in passages]) if passages else np.zeros((0, 1))
        scores = matrix @ np.asarray(vector, dtype=np.float32) if passages else np.zeros(0)
        order = sorted(range(len(passages)), key=lambda i: (-scores[i], i))
        return [(passages[i]["passage_id"], float(scores[i])) for i in order]

    def test_dense_exact_equals_numpy(self, filled, stored_corpus):
        for doc_id, n in ((NGHE_AN, 8), (BAC_GIANG, 30), (BINH_SON, 2)):
            vector = stored_corpus.vectors[stored_corpus.passages[doc_id][n]["passage_id"]]
            expected = self.expected_dense(stored_corpus, vector)
            got = filled.dense(vector, 10, exact=True)
            assert [pid for pid, _ in got] == [pid for pid, _ in expected[:10]]
            np.testing.assert_allclose([s for _, s in got], [s for _, s in expected[:10]], rtol=1e-5, atol=1e-6)
            assert got[0][0] == stored_corpus.passages[doc_id][n]["passage_id"]
            default = filled.dense(vector, 10)
            assert len({pid for pid, _ in default} & {pid for pid, _ in got}) >= 9  # ANN or exact

    def test_matching_documents_unfiltered(self, filled, stored_corpus):
        terms = stored_corpus.analyzer.terms("Nghệ An")
        docs = filled.matching_documents(terms)
        assert NGHE_AN in docs and THAI_HOA in docs
        assert docs == [d["doc_id"] for d in stored_corpus.documents if any(
            set(terms) & set(stored_corpus.terms[p["passage_id"]]) for p in stored_corpus.passages[d["doc_id"]])]
        assert filled.matching_documents(["không-có-từ-này"]) == []

    # --- reuse and writing --------------------------------------------------------------------
    def test_reusable_gives_back_terms_and_vectors(self, filled, stored_corpus):
        passages = stored_corpus.passages[BINH_SON][:5]
        found = filled.reusable([p["content_hash"] for p in passages] + ["f" * 64])
        assert set(found) == {p["content_hash"] for p in passages}
        for p in passages:
            terms, vector = found[p["content_hash"]]
            assert terms == stored_corpus.terms[p["passage_id"]]
            np.testing.assert_allclose(vector, stored_corpus.vectors[p["passage_id"]], atol=1e-6)

    def test_uncommitted_writes_are_invisible_and_dropped(self, filled, stored_corpus):
        before = filled.version()
        with pytest.raises(RuntimeError):
            with filled.writer() as writer:
                writer.remove_documents([NGHE_AN])
                raise RuntimeError("the build failed")
        writer = filled.writer()
        writer.reset()
        writer.abort()
        filled.refresh()
        assert filled.version() == before and filled.document(NGHE_AN) is not None
        assert filled.count()[0] == 5

    def test_readers_keep_their_version_until_refresh(self, filled, stored_corpus):
        pinned = filled.snapshot()
        before = filled.version()
        with filled.writer() as writer:
            writer.remove_documents([BAC_GIANG])
            writer.set_manifest(manifest_for(stored_corpus, [d for d in stored_corpus.documents
                                                             if d["doc_id"] != BAC_GIANG]))
            after = writer.commit()
        assert after != before
        # a writer reports the new version; readers move only when they refresh
        assert filled.refresh() and filled.version() == after and filled.document(BAC_GIANG) is None
        assert pinned.version() == before and pinned.document(BAC_GIANG) is not None
        pid = stored_corpus.passages[BAC_GIANG][0]["passage_id"]
        assert pinned.passage(pid) is not None and filled.passage(pid) is None
        assert not filled.refresh()

    def test_incremental_changes_keep_bm25_statistics_exact(self, make_store, stored_corpus):
        """Remove, replace and add documents without a reset: the scores equal those of a
        store written from scratch with the resulting passages."""
        corpus = stored_corpus
        store = make_store()
        write(store, corpus, {CONFERENCE, NGHE_AN, BAC_GIANG})
        with store.writer() as writer:
            writer.remove_documents([CONFERENCE, "never-indexed.txt"])
            writer.add_document(corpus.documents[[d["doc_id"] for d in corpus.documents].index(BINH_SON)],
                                corpus.records(BINH_SON))
            # replace a document by itself minus its last passage
            nghe_an = next(d for d in corpus.documents if d["doc_id"] == NGHE_AN)
            writer.add_document(nghe_an, corpus.records(NGHE_AN)[:-1])
            writer.set_manifest(manifest_for(corpus, [d for d in corpus.documents
                                                      if d["doc_id"] in {NGHE_AN, BAC_GIANG, BINH_SON}]))
            writer.commit()
        store.refresh()
        assert {d.doc_id for d in store.documents()} == {NGHE_AN, BAC_GIANG, BINH_SON}
        assert store.passage_ids(NGHE_AN) == [p["passage_id"] for p in corpus.passages[NGHE_AN][:-1]]
        passages = [p for d in store.documents() for p in store.passages(store.passage_ids(d.doc_id))]
        for query in QUERIES:
            terms = corpus.analyzer.terms(query)
            expected = dict(expected_bm25(corpus, passages, terms))
            got = dict(store.bm25(terms, 1000))
            assert got.keys() == expected.keys()
            np.testing.assert_allclose([got[p] for p in expected], list(expected.values()), rtol=1e-6)

    def test_one_writer_at_a_time(self, filled, stored_corpus):
        first = filled.writer()
        got: list = []
        second = threading.Thread(target=lambda: got.append(filled.writer()))
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive() and not got  # waits for the first writer
        first.abort()
        second.join(timeout=30)
        assert got
        got[0].abort()

    # --- the table of figures (issue 23): facts indexed by indicator, place and period ------------
    def test_facts_are_kept_and_queried_by_indicator_place_and_period(self, filled, stored_corpus):
        """Every document's facts are what indexer.facts.document_facts reads from its record
        and passages; a FactQuery returns exactly those a full scan with FactQuery.accepts
        returns, in index order, under place filters and the facts' own years."""
        from indexer.facts import document_facts
        from indexer.store.factindex import FactQuery

        corpus = stored_corpus
        every = [f for d in corpus.documents for f in document_facts(d, corpus.passages[d["doc_id"]])]
        assert [f["raw"] for f in filled.facts()] == [f["raw"] for f in every]
        queries = [FactQuery(predicate="resolve", words=("khieu", "nai")),
                   FactQuery(predicate="meet", unit_class="visits", qualifiers=()),
                   FactQuery(predicate="meet", qualifiers=("chu-tich-huyen", "dinh-ky")),
                   FactQuery(rate=True, year_from=2019, year_to=2019),
                   FactQuery(words=("khieu", "nai"), qualifiers=("thuoc-tham-quyen",))]
        for query in queries:
            expected = [(f["doc_id"], f["span"]) for f in every if query.accepts(f)]
            assert expected, query
            assert [(f["doc_id"], f["span"]) for f in filled.facts(None, query)] == expected, query
        under = Filters(province="Nghệ An", year_from=2022)
        got = list(filled.facts(under, FactQuery(predicate="meet")))
        assert got and {f["district"] for f in got} == {"Thái Hòa"}  # Thái Hòa's 2022, not the 2015–2020 report
        assert [f["raw"] for f in got] == [f["raw"] for f in every if f["doc_id"] == THAI_HOA
                                           and f["predicate"] == "meet" and f["period"]["to"] >= 2022]
        assert list(filled.facts(Filters(province="Hà Giang"), FactQuery(predicate="meet"))) == []

    def test_facts_follow_their_documents(self, make_store, stored_corpus):
        """Facts are replaced and removed with their document, and a writer may set them."""
        from indexer.store.factindex import FactQuery

        corpus = stored_corpus
        store = make_store()
        write(store, corpus, {BINH_SON, THAI_HOA})
        with store.writer() as writer:
            writer.remove_documents([THAI_HOA])
            binh_son = next(d for d in corpus.documents if d["doc_id"] == BINH_SON)
            writer.add_document(binh_son, corpus.records(BINH_SON))
            writer.set_facts(BINH_SON, [{"doc_id": BINH_SON, "raw": "1 vụ", "predicate": "resolve",
                                         "words": ["khieu", "nai"], "counted": "khieu nai", "qualifiers": [],
                                         "unit_class": "cases", "kind": "number", "value": 1,
                                         "period": {"from": 2021, "to": 2021}, "span": [0, 4]}])
            writer.set_manifest(manifest_for(corpus, [binh_son]))
            writer.commit()
        store.refresh()
        assert [f["raw"] for f in store.facts()] == ["1 vụ"]
        assert [f["raw"] for f in store.facts(None, FactQuery(predicate="resolve", words=("khieu",)))] == ["1 vụ"]
        assert list(store.facts(None, FactQuery(predicate="meet"))) == []
