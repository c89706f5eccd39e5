"""Incremental, atomic and verifiable indexing with the real model."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

from conftest import (BAC_GIANG, BINH_SON, CONFERENCE, CORPUS, NGHE_AN, ROOT, THAI_HOA, running_server,
                      tracuu_command)
from indexer.build import build_index, content_hash
from indexer.store import StoreError, open_store
from indexer.store import files


class CountingEncoder:
    """The real encoder, counting the passage texts it is asked to embed."""

    def __init__(self, encoder):
        self.inner, self.name, self.id, self.dim = encoder, encoder.name, encoder.id, encoder.dim
        self.texts: list[str] = []

    def encode_passages(self, texts, progress=False, batch_size=32):
        self.texts += list(texts)
        return self.inner.encode_passages(texts, progress=progress, batch_size=batch_size)

    def encode_queries(self, texts, batch_size=32):
        return self.inner.encode_queries(texts, batch_size=batch_size)


def corpus_copy(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(CORPUS / name, folder / name)
    return folder


def load(index_dir):
    version = index_dir / files.current_name(index_dir)
    passages = files.read_jsonl(version / files.PASSAGES)
    tf = files.load_term_freqs(version / files.BM25_TF)
    vocab = json.loads((version / files.BM25_VOCAB).read_text(encoding="utf-8"))
    return version, passages, tf, vocab, np.load(version / files.EMBEDDINGS)


def test_add_change_remove_equals_full_rebuild(tmp_path, encoder):
    from indexer.updates import add_documents, remove_documents

    counting = CountingEncoder(encoder)
    corpus = corpus_copy(tmp_path / "corpus", [CONFERENCE, NGHE_AN, THAI_HOA])
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, encoder=counting)
    assert len(counting.texts) == first.passages

    # adding one document embeds only that document's passages
    counting.texts.clear()
    report = add_documents(index_dir, [CORPUS / BINH_SON], encoder=counting)
    _, passages, *_ = load(index_dir)
    new = [p for p in passages if p["doc_id"] == BINH_SON]
    assert len(counting.texts) == len(new) == report.passages_embedded > 0
    assert report.files_read == 1 and report.files_reused == 3
    assert report.passages_reused == len(passages) - len(new)
    print(f"\nadd: embedded {len(counting.texts)} of {len(passages)} passages")

    # change a paragraph of one document, remove another
    counting.texts.clear()
    text = (corpus / THAI_HOA).read_text(encoding="utf-8")
    (corpus / THAI_HOA).write_text(text.replace("Thái Hòa", "Thị xã Thái Hòa", 3), encoding="utf-8")
    removed = remove_documents(index_dir, [CONFERENCE], encoder=counting)
    assert removed.removed == [CONFERENCE] and not (corpus / CONFERENCE).exists()
    assert any((index_dir / "removed").rglob(CONFERENCE))  # recoverable
    changed = {p["content_hash"] for p in load(index_dir)[1] if p["doc_id"] == THAI_HOA}
    assert 0 < len(counting.texts) < len(changed) + 1
    assert all(p["doc_id"] in (THAI_HOA,) for p in load(index_dir)[1]
               if p["content_hash"] in {content_hash(t) for t in counting.texts})

    # BM25 statistics and passages equal a build from scratch
    scratch = tmp_path / "scratch"
    build_index(corpus, scratch, encoder=encoder, force=True)
    _, p_inc, tf_inc, vocab_inc, emb_inc = load(index_dir)
    _, p_full, tf_full, vocab_full, emb_full = load(scratch)
    assert [p["passage_id"] for p in p_inc] == [p["passage_id"] for p in p_full]
    assert p_inc == p_full
    assert vocab_inc == vocab_full
    assert (tf_inc != tf_full).nnz == 0 and tf_inc.shape == tf_full.shape
    assert np.allclose(emb_inc, emb_full, atol=2e-5)
    from indexer.analysis import Analyzer

    inc, full = open_store(index_dir), open_store(scratch)
    terms = Analyzer().terms("tiếp công dân giải quyết khiếu nại tố cáo")
    assert inc.bm25(terms, 20) == full.bm25(terms, 20)

    # nothing changed: nothing read, nothing embedded
    counting.texts.clear()
    again = build_index(corpus, index_dir, encoder=counting)
    assert again.skipped and not counting.texts


def test_corrupted_or_missing_file_names_file_and_fix(tmp_path, encoder):
    corpus = corpus_copy(tmp_path / "corpus", [CONFERENCE])
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)
    version = index_dir / files.current_name(index_dir)
    with open(version / files.PASSAGES, "a", encoding="utf-8") as fh:
        fh.write("\n")
    with pytest.raises(StoreError) as info:
        open_store(index_dir).count()
    message = str(info.value)
    assert str(version / files.PASSAGES) in message and "corrupted" in message
    assert f"tracuu index CORPUS --index-dir {index_dir} --force" in message
    (version / files.EMBEDDINGS).unlink()
    (version / files.PASSAGES).write_text("")
    with pytest.raises(StoreError, match="missing|corrupted"):
        open_store(index_dir).count()
    # the fix the message names works, and does not reuse the damaged version
    build_index(corpus, index_dir, encoder=encoder, force=True)
    assert open_store(index_dir).count()[1] > 0


def _run_and_kill(command, env, trigger, delay):
    """Start `command`, wait until `trigger(stderr_so_far)` is true, sleep `delay`, SIGKILL."""
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: [seen.append(line) for line in proc.stderr], daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not trigger("".join(seen)) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(delay)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return killed, "".join(seen)


@pytest.mark.parametrize("phase", ["embedding", "writing"])
def test_kill_mid_build_keeps_previous_version_serving(tmp_path, encoder, model_dir, phase):
    from search.engine import SearchEngine

    corpus = corpus_copy(tmp_path / "corpus", [BINH_SON, CONFERENCE])
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)
    before = files.current_name(index_dir)
    engine = SearchEngine(index_dir, encoder=encoder)
    added = BAC_GIANG if phase == "embedding" else NGHE_AN  # 79 passages to embed / 24
    shutil.copyfile(CORPUS / added, corpus / added)

    env = dict(os.environ)
    rng = random.Random()
    if phase == "embedding":
        trigger = lambda err: "embedding" in err  # noqa: E731
        delay = rng.uniform(0.1, 1.5)
    else:
        env["TRACUU_DEBUG_WRITE_DELAY"] = "0.4"
        trigger = lambda err: any(index_dir.glob(".tmp-v-*"))  # noqa: E731
        delay = rng.uniform(0.0, 2.3)  # 6 delays of 0.4 s: kill between any two file writes
    command = tracuu_command() + ["index", str(corpus), "--index-dir", str(index_dir), "--model", str(model_dir)]
    killed, err = _run_and_kill(command, env, trigger, delay)
    assert killed, f"the build finished before it could be killed: {err[-2000:]}"

    assert files.current_name(index_dir) == before
    assert not engine.reload_if_changed()
    hits = engine.search("tiếp công dân định kỳ", k=3)["results"]
    assert hits and hits[0]["doc_id"] in (BINH_SON, CONFERENCE)
    engine_fresh = SearchEngine(index_dir, encoder=encoder)  # verifies every checksum
    assert engine_fresh.health()["documents"] == 2

    report = build_index(corpus, index_dir, encoder=encoder)
    assert not report.skipped and report.documents == 3
    assert engine.reload_if_changed()
    assert engine.health()["documents"] == 3 and engine.store.document(added) is not None
    # only the added document is embedded (or restored from what the killed run checkpointed)
    assert report.passages_embedded + report.passages_restored == len(engine.store.passage_ids(added))


def test_running_server_picks_up_tracuu_add_without_failing_requests(tmp_path, encoder, model_dir):
    import httpx

    corpus = corpus_copy(tmp_path / "corpus", [BINH_SON, CONFERENCE, THAI_HOA])
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)
    env = {k: v for k, v in os.environ.items() if k != "TRACUU_API_KEYS_FILE"}
    with running_server(index_dir, tmp_path / "server.log", model_dir, env=env) as base:
        failures, answered, stop = [], [], threading.Event()

        def hammer():
            with httpx.Client(base_url=base, timeout=30) as client:
                while not stop.is_set():
                    try:
                        r = client.get("/search", params={"q": "Bắc Giang 209 xã, phường, thị trấn", "k": 3})
                        if r.status_code != 200:
                            failures.append(f"{r.status_code} {r.text[:200]}")
                        else:
                            answered.append(r.json()["results"][0]["doc_id"])
                    except httpx.HTTPError as err:
                        failures.append(repr(err))

        threads = [threading.Thread(target=hammer) for _ in range(2)]
        for t in threads:
            t.start()
        added = subprocess.run(tracuu_command() + ["add", str(CORPUS / BAC_GIANG), "--index-dir", str(index_dir),
                                                   "--model", str(model_dir), "--quiet"],
                               cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert added.returncode == 0, added.stderr
        assert (corpus / BAC_GIANG).exists()  # added documents live in the corpus folder
        deadline = time.monotonic() + 20
        while BAC_GIANG not in answered[-5:] and time.monotonic() < deadline:
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert not failures, failures[:5]
        assert len(answered) > 10 and BAC_GIANG in answered
        assert answered[0] != BAC_GIANG

        # the HTTP update routes are off without an admin key or --allow-updates
        r = httpx.delete(base + f"/documents/{BINH_SON}", timeout=30)
        assert r.status_code == 403 and "--allow-updates" in r.json()["detail"]
        r = httpx.post(base + "/documents", files={"files": ("x.txt", b"abc", "text/plain")}, timeout=30)
        assert r.status_code == 403


def test_api_upload_and_delete_when_allowed(tmp_path, encoder, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from search.engine import SearchEngine

    monkeypatch.delenv("TRACUU_API_KEYS_FILE", raising=False)
    corpus = corpus_copy(tmp_path / "corpus", [CONFERENCE])
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)
    engine = SearchEngine(index_dir, encoder=encoder)
    app = create_app(engine)
    app.state.allow_updates = True
    client = TestClient(app)
    r = client.post("/documents", files=[("files", (BINH_SON, (CORPUS / BINH_SON).read_bytes(), "text/plain")),
                                         ("files", ("empty.txt", b"", "text/plain"))],
                    headers={"X-Requested-With": "test"})  # no key: the cross-site write check wants it
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["added"] == [BINH_SON] and body["rejected"][0]["file"] == "empty.txt"
    assert (corpus / BINH_SON).exists() and not (corpus / "empty.txt").exists()
    assert client.get("/search", params={"q": "tiếp công dân định kỳ Bình Sơn", "mode": "bm25"}).json()[
        "results"][0]["doc_id"] == BINH_SON
    assert client.delete("/documents/nope.txt", headers={"X-Requested-With": "test"}).status_code == 404
    r = client.delete(f"/documents/{BINH_SON}", headers={"X-Requested-With": "test"})
    assert r.status_code == 200 and r.json()["documents"] == 1
    assert client.get(f"/documents/{BINH_SON}").status_code == 404


def test_facts_extracted_by_other_code_are_extracted_again(tmp_path, encoder, monkeypatch):
    """An index built before the facts extractor changed is not 'fresh': the next build extracts
    the facts again from the stored passages, and embeds nothing (a user upgrading tracuu gets
    the new facts without a forced rebuild)."""
    import indexer.build
    import indexer.store.local

    counting = CountingEncoder(encoder)
    corpus = corpus_copy(tmp_path / "corpus", [THAI_HOA])
    index_dir = tmp_path / "index"
    first = build_index(corpus, index_dir, encoder=counting)
    version = index_dir / files.current_name(index_dir)
    facts_before = files.read_jsonl(version / indexer.store.local.FACTS_FILE)
    assert facts_before and json.loads((version / files.MANIFEST).read_text())["facts_extractor"]
    assert build_index(corpus, index_dir, encoder=counting).skipped  # same code: nothing to do

    # the extraction code changes (a new tracuu): its fingerprint differs
    for module in (indexer.build, indexer.store.local):
        monkeypatch.setattr(module, "extractor_fingerprint", lambda: "other-extractor")
    extracted = []
    real_document_facts = indexer.store.local.document_facts
    monkeypatch.setattr(indexer.store.local, "document_facts",
                        lambda record, passages: extracted.append(record["doc_id"]) or real_document_facts(record, passages))
    counting.texts.clear()
    again = build_index(corpus, index_dir, encoder=counting)
    assert not again.skipped and counting.texts == [] and again.passages == first.passages
    assert extracted == [THAI_HOA]  # from the stored passages, by the (new) extraction code
    version = index_dir / files.current_name(index_dir)
    assert json.loads((version / files.MANIFEST).read_text())["facts_extractor"] == "other-extractor"
    assert len(files.read_jsonl(version / indexer.store.local.FACTS_FILE)) == len(facts_before)
