"""The local-files store: the Store contract, and what a damaged index version does
(issue 14 item 9): the newest intact version is served with a loud warning, and
`tracuu index --repair` says what it did."""
from __future__ import annotations

import itertools
import shutil

import numpy as np
import pytest

from conftest import BINH_SON, CONFERENCE, CORPUS, THAI_HOA
from indexer.build import build_index, content_hash
from indexer.store import StoreError, open_store
from indexer.store import files
from indexer.store.local import LocalStore
from store_contract import StoreContract, stored_corpus  # noqa: F401  (the contract's fixture)


class TestLocalStore(StoreContract):
    @pytest.fixture
    def make_store(self, tmp_path):
        numbers = itertools.count()
        return lambda: LocalStore(tmp_path / f"store-{next(numbers)}")


class TestLocalStoreWithHNSW(StoreContract):
    """The same contract with the dense HNSW graph that large versions get."""

    @pytest.fixture
    def make_store(self, tmp_path):
        numbers = itertools.count()
        return lambda: LocalStore(tmp_path / f"store-{next(numbers)}", ann_min_passages=1)

    def test_the_graph_is_built_and_used(self, filled, stored_corpus):
        assert filled.manifest()["dense"]["index"] == "hnsw"
        assert files.DENSE_ANN in filled.manifest()["files"]


# --- damaged versions ------------------------------------------------------------------------
class StoredEncoder:
    """The real model's passage vectors, read back from the session index by content hash
    (every passage of corpus/ is there), so these tests embed nothing again."""

    def __init__(self, encoder, corpus_index):
        self.inner, self.name, self.id, self.dim = encoder, encoder.name, encoder.id, encoder.dim
        store = open_store(corpus_index)
        self.vectors = {h: v for h, (_, v) in store.reusable(p["content_hash"] for p in store.iter_passages()).items()}

    def encode_passages(self, texts, progress=False, batch_size=32):
        return np.stack([self.vectors[content_hash(t)] for t in texts])

    def encode_queries(self, texts, batch_size=32):
        return self.inner.encode_queries(texts, batch_size=batch_size)


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory, encoder, corpus_index):
    """An index whose previous version holds CONFERENCE + THAI_HOA and whose current one
    adds BINH_SON; and the corpus folder it was built from."""
    work = tmp_path_factory.mktemp("two-versions")
    corpus = work / "corpus"
    corpus.mkdir()
    for name in (CONFERENCE, THAI_HOA):
        shutil.copyfile(CORPUS / name, corpus / name)
    stored = StoredEncoder(encoder, corpus_index)
    store = LocalStore(work / "index", ann_min_passages=1)  # every file a large index has
    build_index(corpus, store, encoder=stored)
    shutil.copyfile(CORPUS / BINH_SON, corpus / BINH_SON)
    build_index(corpus, store, encoder=stored)
    versions = files.version_dirs(work / "index")
    assert len(versions) == 2 and files.current_name(work / "index") == versions[0].name
    return work, stored


def damage(path):
    """Overwrite bytes in the middle of a file (or make CURRENT name nothing sensible)."""
    if path.name == files.CURRENT:
        path.write_text("garbage\n")
        return
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = b"\x00\xffXX\x00\xff\x00X"
    path.write_bytes(bytes(data))


DAMAGED = [files.CURRENT, files.MANIFEST, *files.DATA_FILES, files.DENSE_ANN]


@pytest.mark.parametrize("damaged", DAMAGED)
def test_damaged_current_version_serves_the_newest_intact_one(two_versions, tmp_path, damaged):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.cli import main
    from search.engine import SearchEngine

    work, stored = two_versions
    index_dir = tmp_path / "index"
    shutil.copytree(work / "index", index_dir)
    current, previous = [p.name for p in files.version_dirs(index_dir)]  # newest first
    target = index_dir / files.CURRENT if damaged == files.CURRENT else index_dir / current / damaged
    damage(target)
    # a damaged pointer: the newest intact version is the current one itself
    served, documents = ((current, {CONFERENCE, THAI_HOA, BINH_SON}) if damaged == files.CURRENT
                         else (previous, {CONFERENCE, THAI_HOA}))

    engine = SearchEngine(index_dir, encoder=stored)
    health = TestClient(create_app(engine)).get("/health").json()
    assert health["status"] == "degraded" and health["index_version"] == served
    assert "damaged" in health["warnings"][0] and served in health["warnings"][0]
    assert "--repair" in health["warnings"][0]
    # everything indexed before the damaged version is still served
    assert {d["doc_id"] for d in engine.documents_list()} == documents
    hits = engine.search("Thái Hòa quy chế công tác dân vận", k=3)["results"]
    assert hits and hits[0]["doc_id"] == THAI_HOA

    # repair: CURRENT names the intact version, the broken one is gone, nothing is lost
    assert main(["index", "--repair", "--index-dir", str(index_dir)]) == 0
    assert files.current_name(index_dir) == served
    assert [p.name for p in files.version_dirs(index_dir)] == ([current, previous] if served == current
                                                                else [previous])
    repaired = open_store(index_dir)
    assert repaired.warnings() == [] and {d.doc_id for d in repaired.documents()} == documents
    assert engine.reload_if_changed() is False and engine.health()["status"] == "ok"


def test_repair_says_what_it_did(two_versions, tmp_path, capsys):
    from api.cli import main

    work, stored = two_versions
    index_dir = tmp_path / "index"
    shutil.copytree(work / "index", index_dir)
    current, previous = [p.name for p in files.version_dirs(index_dir)]  # newest first
    (index_dir / ".tmp-v-20200101T000000.000000000-1").mkdir()  # a killed build's leftovers
    damage(index_dir / current / files.EMBEDDINGS)
    assert main(["index", "--repair", "--index-dir", str(index_dir)]) == 0
    said = capsys.readouterr().err
    assert "removed .tmp-v-20200101T000000.000000000-1" in said
    assert f"removed broken version {current}" in said and "embeddings.npy" in said
    assert f"CURRENT now names {previous}" in said

    # nothing to do the second time
    assert main(["index", "--repair", "--index-dir", str(index_dir)]) == 0
    assert "nothing to repair" in capsys.readouterr().err

    # no intact version left: it says to rebuild, and a rebuild works
    damage(index_dir / previous / files.PASSAGES)
    assert main(["index", "--repair", "--index-dir", str(index_dir)]) == 2
    assert "rebuild it with `tracuu index CORPUS" in capsys.readouterr().err
    with pytest.raises(StoreError, match="tracuu index"):
        open_store(index_dir).count()
    report = build_index(work / "corpus", index_dir, encoder=stored)
    assert report.documents == 3 and open_store(index_dir).warnings() == []


def test_a_build_over_a_damaged_version_reuses_the_intact_one(two_versions, tmp_path):
    work, stored = two_versions
    index_dir = tmp_path / "index"
    shutil.copytree(work / "index", index_dir)
    current, previous = [p.name for p in files.version_dirs(index_dir)]  # newest first
    damage(index_dir / current / files.BM25_TF)
    # same corpus, but the served version is the older one: not "up to date"
    report = build_index(work / "corpus", index_dir, encoder=stored)
    assert not report.skipped and report.documents == 3
    assert report.files_reused == 2 and report.files_read == 1  # from the intact version
    store = open_store(index_dir)
    assert store.warnings() == [] and store.count()[0] == 3


def test_a_damaged_new_version_leaves_the_server_on_the_old_one(two_versions, tmp_path):
    from search.engine import SearchEngine

    work, stored = two_versions
    index_dir = tmp_path / "index"
    shutil.copytree(work / "index", index_dir)
    current, previous = [p.name for p in files.version_dirs(index_dir)]  # newest first
    files.point_current(index_dir, previous)
    engine = SearchEngine(index_dir, encoder=stored)
    assert engine.view.version == previous and engine.health()["status"] == "ok"
    # a new version is published, then damaged on disk before the server picks it up
    files.point_current(index_dir, current)
    damage(index_dir / current / files.DOCUMENTS)
    assert engine.reload_if_changed() is False
    health = engine.health()
    assert health["index_version"] == previous and health["status"] == "degraded"
    assert engine.search("tiếp công dân định kỳ", k=1)["results"]
