"""The encoder backends (issue 11): the ONNX exports (fp32, the default, and int8) against
the torch fp32 model,
batching that does not change vectors, concurrent queries, the backend setting, local
worker processes and the progress display."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import CORPUS, NGHE_AN, ROOT, THAI_HOA
from indexer.store import files
from indexer.build import build_index
from indexer.chunker import chunk_document, parse_document
from indexer.documents import read_path


def corpus_passages(limit: int | None = None) -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("*.txt")):
        for doc in read_path(path, CORPUS):
            texts += [p.index_text() for p in chunk_document(doc.doc_id, doc.title, doc.text,
                                                              parse_document(doc.text))]
    return texts[:limit] if limit else texts


@pytest.fixture(scope="module")
def torch_encoder(model_dir):
    from indexer.encoders import Encoder

    return Encoder(str(model_dir), backend="torch")


@pytest.fixture(scope="module")
def int8_encoder(model_dir):
    from indexer.encoders import Encoder

    return Encoder(str(model_dir), backend="onnx-int8")


def test_default_backend_is_onnx_fp32_and_keeps_the_api(encoder):
    """onnx-fp32 is the default: onnx-int8 loses nDCG@10 on our labelled set beyond 0.005
    (eval/results/encoder_variants.md)."""
    from indexer.encoders import DEFAULT_BACKEND

    assert encoder.backend == DEFAULT_BACKEND == "onnx-fp32"
    assert encoder.id == "multilingual-e5-small" and encoder.dim == 384
    vectors = encoder.encode_passages(["Điều 1. Phạm vi điều chỉnh"])
    assert vectors.shape == (1, 384) and vectors.dtype == np.float32
    assert abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-4
    assert encoder.encode_queries([]).shape == (0, 384)


QUERIES = ["Nghệ An đã giải quyết bao nhiêu đơn khiếu nại giai đoạn 2015–2020?",
           "nghe an giai quyet bao nhieu don khieu nai", "KNTC CCHC UBND",
           "How many complaints did Nghe An resolve?"]


@pytest.fixture(scope="module")
def torch_vectors(torch_encoder):
    texts = corpus_passages()[::3]  # 55 passages of all five reports
    return texts, torch_encoder.encode_passages(texts), torch_encoder.encode_queries(QUERIES)


def test_onnx_fp32_vectors_equal_torch_fp32(encoder, torch_vectors):
    """The default is the same model in the same precision: the same vectors up to
    floating-point order (fused attention and GELU)."""
    texts, ref, ref_q = torch_vectors
    cosine = (encoder.encode_passages(texts) * ref).sum(axis=1)
    assert cosine.min() >= 0.9999, cosine.min()
    assert (encoder.encode_queries(QUERIES) * ref_q).sum(axis=1).min() >= 0.9999


def test_onnx_int8_vectors_match_torch_fp32(int8_encoder, torch_vectors):
    """The cosine bar of issue 11 on our own passages: ≥ 0.98 for every text, ≥ 0.99 on
    average. It holds, yet nDCG@10 drops beyond 0.005 (eval/results/encoder_variants.md):
    the bar is necessary, not sufficient, which is why int8 is not the default."""
    texts, ref, ref_q = torch_vectors
    cosine = (int8_encoder.encode_passages(texts) * ref).sum(axis=1)
    assert cosine.min() >= 0.98 and cosine.mean() >= 0.99, (cosine.min(), cosine.mean())
    q_cos = (int8_encoder.encode_queries(QUERIES) * ref_q).sum(axis=1)
    assert q_cos.min() >= 0.98, q_cos


@pytest.mark.parametrize("backend", ["default", "onnx-int8"])
def test_a_vector_does_not_depend_on_its_batch(backend, encoder, int8_encoder):
    """One text per forward pass (int8 activation scales span a pass), so a text gets the
    same vector alone, in a batch of others or padded next to longer texts: checkpoints,
    workers and Ray rely on it."""
    encoder = encoder if backend == "default" else int8_encoder
    texts = corpus_passages(24)
    together = encoder.encode_passages(texts)
    alone = np.stack([encoder.encode_passages([t])[0] for t in texts[:6]])
    assert np.allclose(together[:6], alone, atol=2e-5)
    padded = encoder.encode_token_batch(encoder.tokenize_passages([texts[0], max(texts, key=len)]))
    assert np.allclose(padded[0], alone[0], atol=2e-5)


def test_concurrent_queries_are_batched_and_equal_sequential(encoder):
    queries = [f"báo cáo kết quả thực hiện năm {2015 + i} của tỉnh Nghệ An" for i in range(24)]
    sequential = np.stack([encoder.encode_queries([q])[0] for q in queries])
    results: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(12)

    def client(i):
        barrier.wait()
        for j in range(i, len(queries), 12):
            results[j] = encoder.encode_queries([queries[j]])[0]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert np.allclose(np.stack([results[j] for j in range(len(queries))]), sequential, atol=2e-5)


def test_batch_plan_groups_similar_lengths():
    from indexer.encoders import batch_plan

    lengths = [500, 10, 12, 480, 11, 490]
    plan = batch_plan(lengths, max_tokens=1024)
    assert sorted(i for b in plan for i in b) == list(range(6))
    assert plan[0] == [1, 4, 2]  # the short ones together, not padded to 500
    assert all(len(b) * max(lengths[i] for i in b) <= 1024 for b in plan)


def test_export_is_idempotent_and_derived_from_the_converted_model(encoder, int8_encoder, model_dir):
    from indexer.encoders import onnx_export

    before = {}
    for backend, spec in onnx_export.EXPORTS.items():
        assert onnx_export.is_current(model_dir, backend)
        marker = json.loads(onnx_export.marker_path(model_dir, backend).read_text(encoding="utf-8"))
        assert marker["source"] == onnx_export.source_fingerprint(model_dir)
        assert marker["recipe"] == onnx_export.recipe(backend)
        assert marker["self_check"]["cosine_min"] >= spec["min_cosine"]
        before[backend] = onnx_export.export_path(model_dir, backend).stat().st_mtime_ns
    assert onnx_export.recipe("onnx-fp32") != onnx_export.recipe("onnx-int8")
    run = subprocess.run([sys.executable, "-m", "indexer.encoders.onnx_export", "--model", str(model_dir)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.count("current; nothing to do") == len(onnx_export.EXPORTS)
    for backend in onnx_export.EXPORTS:
        assert onnx_export.export_path(model_dir, backend).stat().st_mtime_ns == before[backend]


def test_unknown_backend_is_a_clear_error(monkeypatch, model_dir):
    from indexer.encoders import Encoder, EncoderSettingError

    monkeypatch.setenv("TRACUU_ENCODER", "onnx-fp64")
    with pytest.raises(EncoderSettingError, match="onnx-fp64.*TRACUU_ENCODER.*onnx-fp32, onnx-int8, torch"):
        Encoder(str(model_dir))


def small_corpus(folder):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CORPUS / THAI_HOA, folder / THAI_HOA)
    return folder


def test_backend_recorded_and_mixing_refused(tmp_path, encoder, torch_encoder, monkeypatch):
    from indexer.encoders import EncoderSettingError
    from search.engine import SearchEngine

    corpus, index_dir = small_corpus(tmp_path / "corpus"), tmp_path / "index"
    build_index(corpus, index_dir, encoder=encoder)
    manifest = files.read_manifest(files.current_version(index_dir))
    assert manifest["settings"]["encoder"] == "onnx-fp32" and manifest["model"]["encoder"] == "onnx-fp32"

    shutil.copyfile(CORPUS / NGHE_AN, corpus / NGHE_AN)  # an incremental add, other backend
    with pytest.raises(EncoderSettingError, match="embedded with the 'onnx-fp32' encoder.*--force"):
        build_index(corpus, index_dir, encoder=torch_encoder)
    with pytest.raises(EncoderSettingError, match="never mixes"):
        build_index(corpus, index_dir, encoder_backend="torch")
    assert files.read_manifest(files.current_version(index_dir)) == manifest  # nothing changed

    monkeypatch.setenv("TRACUU_ENCODER", "torch")  # queries must be encoded like the passages
    with pytest.raises(EncoderSettingError, match="embedded with the 'onnx-fp32' encoder"):
        SearchEngine(index_dir).encoder
    monkeypatch.delenv("TRACUU_ENCODER")

    # --force re-embeds everything with the other backend
    (corpus / NGHE_AN).unlink()
    report = build_index(corpus, index_dir, encoder=torch_encoder, force=True)
    manifest = files.read_manifest(index_dir / report.version)
    assert manifest["settings"]["encoder"] == "torch" and report.passages_embedded == report.passages


def test_workers_build_equals_in_process_build(tmp_path, encoder, monkeypatch):
    """`--workers 2`: two processes with one thread each; same passages, same vectors."""
    from indexer.embed_pipeline import EmbedPlan

    monkeypatch.setenv("TRACUU_EMBED_CHUNK", "16")
    corpus = small_corpus(tmp_path / "corpus")
    shutil.copyfile(CORPUS / NGHE_AN, corpus / NGHE_AN)
    local = build_index(corpus, tmp_path / "local", encoder=encoder)
    spread = build_index(corpus, tmp_path / "workers", encoder=encoder, embed_plan=EmbedPlan(workers=2))
    local_v, spread_v = tmp_path / "local" / local.version, tmp_path / "workers" / spread.version
    ids = [p["passage_id"] for p in files.read_jsonl(local_v / files.PASSAGES)]
    assert ids == [p["passage_id"] for p in files.read_jsonl(spread_v / files.PASSAGES)]
    a, b = np.load(local_v / files.EMBEDDINGS), np.load(spread_v / files.EMBEDDINGS)
    assert (a * b).sum(axis=1).min() >= 0.9999


def test_index_progress_lines_and_json(tmp_path, model_dir):
    corpus = small_corpus(tmp_path / "corpus")
    shutil.copyfile(CORPUS / NGHE_AN, corpus / NGHE_AN)
    env = {**os.environ, "TRACUU_EMBED_CHUNK": "8", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "api.cli", "index", str(corpus), "--index-dir",
                          str(tmp_path / "index"), "--json-progress"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    assert all(line.startswith("{") for line in run.stderr.splitlines() if line.strip()), run.stderr
    progress = [e for e in events if e["event"] == "progress"]
    assert progress[-1]["files_done"] == progress[-1]["files_total"] == 2
    last = [e for e in progress if e["stage"] == "embed"][-1]
    assert last["passages_done"] == last["passages_total"] > 8 and last["eta_s"] == 0
    assert any(e["passages_per_s"] for e in progress if e["stage"] == "embed")
    done = next(e for e in events if e["event"] == "done")
    assert done["passages"] == last["passages_total"]
    assert "summary:" in events[-1]["message"]  # the build summary, as a JSON line too

    # a log (stderr not a terminal): one plain line per update, no carriage returns, no tqdm bar
    run = subprocess.run([sys.executable, "-m", "api.cli", "index", str(corpus), "--index-dir",
                          str(tmp_path / "index2")], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stderr and "Batches" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("[embed]")]
    assert lines and "passages" in lines[-1] and "passages/s" in lines[-1] and "ETA 0s" in lines[-1]
