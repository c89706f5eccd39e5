"""Index directory (the local store): manifest, freshness, model mismatch, corruption."""
import json
import shutil

import pytest

from indexer.build import build_index
from indexer.store import StoreError, open_store
from indexer.store import files
from search.engine import SearchEngine

from conftest import CORPUS


def current(index_dir):
    return index_dir / files.current_name(index_dir)


def test_manifest_records_what_built_the_index(corpus_index):
    manifest = json.loads((current(corpus_index) / files.MANIFEST).read_text())
    assert manifest["model"]["id"] == "multilingual-e5-small" and manifest["model"]["dim"] == 384
    assert manifest["corpus"]["documents"] == 5 and len(manifest["corpus"]["checksum"]) == 64
    assert manifest["versions"]["sentence-transformers"] and manifest["versions"]["faiss-cpu"]
    assert set(files.DATA_FILES) <= set(manifest["files"])
    assert open_store(corpus_index).manifest()["corpus"] == manifest["corpus"]


def test_second_build_is_skipped_when_fresh(corpus_index, encoder):
    before = files.current_name(corpus_index)
    report = build_index(CORPUS, corpus_index, encoder=encoder)
    assert report.skipped and files.current_name(corpus_index) == before
    assert "up to date" in report.summary()


def test_loading_with_another_model_says_what_to_run(corpus_index):
    with pytest.raises(StoreError) as err:
        SearchEngine(corpus_index, model="intfloat/multilingual-e5-base")
    message = str(err.value)
    assert "multilingual-e5-small" in message and "tracuu index" in message and "--model" in message


def test_corrupted_file_is_named_with_the_fix(corpus_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(corpus_index, copy)
    for old in files.version_dirs(copy)[1:]:
        shutil.rmtree(old)  # no older version to fall back to
    version = current(copy)
    with open(version / files.EMBEDDINGS, "r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00garbage")
    with pytest.raises(StoreError) as err:
        open_store(copy).count()
    assert files.EMBEDDINGS in str(err.value) and "--force" in str(err.value)
    (version / files.PASSAGES).unlink()
    with pytest.raises(StoreError, match="passages.jsonl is missing"):
        open_store(copy).count()


def test_no_index_says_how_to_build_one(tmp_path):
    with pytest.raises(StoreError, match="tracuu index"):
        SearchEngine(tmp_path / "nothing")
