"""Our sparse-matrix BM25 against the reference, rank_bm25.BM25Okapi, on the real corpus."""
import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from indexer.analysis import Analyzer
from indexer.chunker import chunk_document
from indexer.documents import read_corpus
from indexer.store.bm25 import BM25Index

from conftest import CORPUS

QUERIES = [
    "Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
    "nghe an giai quyet bao nhieu don khieu nai",
    "kết quả giải quyết KNTC năm 2019",
    "cải cách thủ tục hành chính một cửa",
    "How many complaints did Nghe An resolve 2015-2020?",
    "Dân vận khéo dân vận khéo",  # repeated query terms count twice in BM25Okapi
    "quy chế dân chủ ở cơ sở",
    "tiếp công dân định kỳ",
]


@pytest.fixture(scope="module")
def corpus_terms():
    documents, _ = read_corpus(CORPUS)
    passages = [p for d in documents for p in chunk_document(d.doc_id, d.title, d.text)]
    analyzer = Analyzer()
    return analyzer, analyzer.terms_many([p.index_text() for p in passages])


@pytest.mark.parametrize("query", QUERIES)
def test_scores_and_top10_match_rank_bm25(corpus_terms, query):
    analyzer, terms = corpus_terms
    ours, reference = BM25Index.from_terms(terms), BM25Okapi(terms)
    q = analyzer.terms(query)
    expected = reference.get_scores(q)
    got = ours.scores(q)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-9)
    top_expected = [int(i) for i in np.lexsort((np.arange(len(expected)), -expected))[:10] if expected[i] > 0]
    assert [row for row, _ in ours.search(q, 10)] == top_expected


def test_toy_corpus_with_negative_idf():
    # a term in every document has negative raw idf; rank_bm25 floors it at epsilon * mean idf
    docs = [["a", "b"], ["a", "c"], ["a", "b", "b"]]
    np.testing.assert_allclose(BM25Index.from_terms(docs).scores(["a", "b"]),
                               BM25Okapi(docs).get_scores(["a", "b"]), rtol=1e-9)


def test_unknown_terms_score_zero():
    index = BM25Index.from_terms([["x"], ["y"]])
    assert index.search(["zzz"], 5) == []
