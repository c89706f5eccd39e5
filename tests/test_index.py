"""Index directory: manifest, freshness, model mismatch, corruption."""
import json
import shutil

import pytest

from indexer import index_files as files
from indexer.build import build_index
from search.index_store import load_state

from conftest import CORPUS


def test_manifest_records_what_built_the_index(corpus_index):
    version = files.current_version(corpus_index)
    manifest = json.loads((version / files.MANIFEST).read_text())
    assert manifest["model"]["id"] == "multilingual-e5-small" and manifest["model"]["dim"] == 384
    assert manifest["corpus"]["documents"] == 5 and len(manifest["corpus"]["checksum"]) == 64
    assert manifest["versions"]["sentence-transformers"] and manifest["versions"]["faiss-cpu"]
    assert set(manifest["files"]) == set(files.DATA_FILES)


def test_second_build_is_skipped_when_fresh(corpus_index, encoder):
    before = files.current_version(corpus_index)
    report = build_index(CORPUS, corpus_index, encoder=encoder)
    assert report.skipped and files.current_version(corpus_index) == before
    assert "up to date" in report.summary()


def test_loading_with_another_model_says_what_to_run(corpus_index):
    with pytest.raises(files.IndexError_) as err:
        load_state(corpus_index, requested_model="intfloat/multilingual-e5-base")
    message = str(err.value)
    assert "multilingual-e5-small" in message and "tracuu index" in message and "--model" in message


def test_corrupted_file_is_named_with_the_fix(corpus_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(corpus_index, copy)
    version = files.current_version(copy)
    with open(version / files.EMBEDDINGS, "r+b") as fh:
        fh.seek(200)
        fh.write(b"\x00garbage")
    with pytest.raises(files.IndexError_) as err:
        load_state(copy)
    assert files.EMBEDDINGS in str(err.value) and "--force" in str(err.value)
    (version / files.PASSAGES).unlink()
    with pytest.raises(files.IndexError_, match="passages.jsonl is missing"):
        load_state(copy)


def test_no_index_says_how_to_build_one(tmp_path):
    with pytest.raises(files.IndexError_, match="tracuu index"):
        load_state(tmp_path / "nothing")
