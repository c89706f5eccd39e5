"""Issue 21: the 15 files of ../shared/datasets/provincial-docs go in, with their metadata scored
against hand labels (eval/data/provincial_docs_meta.jsonl, eval/provincial_docs.py)."""
from __future__ import annotations

import json

import pytest

from conftest import ROOT, shared_path

LABELS = ROOT / "eval" / "data" / "provincial_docs_meta.jsonl"


@pytest.fixture(scope="module")
def scored():
    shared_path("provincial-docs")
    from eval.provincial_docs import score

    return score()


def test_every_file_is_labelled_and_goes_in():
    from indexer.build import document_record
    from indexer.chunker import chunk_document
    from indexer.documents import read_path

    folder = shared_path("provincial-docs")
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sorted(label["file"] for label in labels) == sorted(p.name for p in folder.iterdir() if p.is_file())
    assert len(labels) == 15
    for path in sorted(folder.iterdir()):
        [doc] = read_path(path, folder)
        record, parsed = document_record(doc)
        assert len(chunk_document(doc.doc_id, doc.title, doc.text, parsed)) >= 5, path.name
        assert record["metadata"]["province"], path.name


def test_metadata_floor_on_the_provincial_documents(scored):
    n = scored["documents"]
    assert scored["fields"]["province"] == n
    assert scored["fields"]["doc_type"] >= 12
    speeches = [r for r in scored["rows"] if r["label"]["doc_type"] == "tham luận"]
    assert len(speeches) == 3 and all(r["all"] for r in speeches), [(r["file"], r["guess"]) for r in speeches]


def test_type_issuer_place_and_date_right_for_90_percent(scored):
    assert scored["all_right"] >= 0.9 * scored["documents"], scored["all_right"]
