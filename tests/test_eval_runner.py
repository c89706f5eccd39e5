"""Smoke test of the evaluation runner: 3 labelled queries, BM25 only, on the session index."""
import json

from eval.datasets import load_beir, load_corpus_set
from eval.retrieval import SpanJudge, run


def test_runner_smoke_bm25(corpus_index, tmp_path):
    report = run("corpus", modes=("bm25",), index_dir=corpus_index, out_dir=tmp_path, limit=3,
                 log=lambda m: None)
    saved = json.loads((tmp_path / "corpus.json").read_text(encoding="utf-8"))
    assert saved["queries"] == 3 and set(saved["results"]) == {"bm25"}
    metrics = saved["results"]["bm25"]["all"]
    assert set(metrics) >= {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"}
    assert all(0.0 <= metrics[m] <= 1.0 for m in ("recall@1", "recall@10", "mrr@10", "ndcg@10"))
    assert metrics["recall@1"] <= metrics["recall@5"] <= metrics["recall@10"]
    assert saved["machine"]["cores"] and saved["versions"]["python"] and saved["date"]
    assert "| bm25 |" in (tmp_path / "corpus.md").read_text(encoding="utf-8")
    assert report["hybrid_check"] is None  # only one mode


def test_gold_spans_map_to_passages(engine):
    """Every gold span of the labelled set is found in the indexed text and overlaps a passage
    (a span in text the chunker leaves out, such as a distribution list, could never be found)."""
    store = engine.store
    judge = SpanJudge(store)
    uncovered = set()
    for query in load_corpus_set().queries:
        for doc, start, end in judge.units(query):  # raises if a span is not in the text
            if not any(p["start"] < end and p["end"] > start for p in store.passages(store.passage_ids(doc))):
                uncovered.add(query.qid)
    assert not uncovered


def test_beir_loader(tmp_path):
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d1", "title": "t", "text": "x"}\n', encoding="utf-8")
    (tmp_path / "queries.jsonl").write_text('{"_id": "q1", "text": "x"}\n{"_id": "q2", "text": "y"}\n',
                                            encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\n", encoding="utf-8")
    dataset = load_beir(tmp_path)
    assert [q.qid for q in dataset.queries] == ["q1"]  # unlabelled queries are left out
    assert dataset.queries[0].qrels == {"d1": 2}
