"""eval/store_bench.py's stream at sizes past the real text: a copy's facts are taken from
its original's (`CopyFacts`, so 1M passages do not extract the same text ten times), and
they must be exactly what the writers' extractor gives the copy itself."""
from conftest import shared_path

LAW = "Luat-thue-bao-ve-moi-truong-2010-115247.txt"  # a small law with figures (tax rates)


def test_copy_facts_equal_the_extractors_on_every_copy(tmp_path, monkeypatch):
    import indexer.store.local as local
    from eval import store_bench
    from indexer.facts import document_facts
    from indexer.store.postgres import writer

    path = shared_path("vlc-laws-2", LAW)
    monkeypatch.setattr(store_bench, "CACHE", tmp_path)  # segment into a temp cache, not ~/.cache
    real = sum(len(passages) for _, passages, _ in store_bench.segmented_law(path))
    laws = [(path, real)]
    memo = store_bench.CopyFacts()
    documents = facts = 0
    with memo:
        assert writer.document_facts is memo and local.document_facts is memo
        # three passes (the real text, copies 1 and 2), the last document cut short
        for record, passages in store_bench.stream_corpus(3 * real - 3, laws):
            dicts = [p.passage for p in passages]
            extracted = document_facts(record, dicts)
            assert writer.document_facts(record, dicts) == extracted, record["doc_id"]
            documents += 1
            facts += len(extracted)
        extracted_documents = len(memo.memo)  # real ones, and the cut-short last one
    assert writer.document_facts is document_facts and local.document_facts is document_facts
    assert facts > 0 and memo.reused == documents - extracted_documents > 0
