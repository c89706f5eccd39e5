"""A build killed while embedding resumes where it stopped (issue 11 part 4, issue 14
item 9): the second run restores the checkpointed chunks, embeds only the rest, and
writes the same index as a build that was never interrupted."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np

from conftest import BAC_GIANG, CORPUS, NGHE_AN, ROOT
from indexer.store import files
from indexer.build import build_index
from indexer.embed_pipeline import CHECKPOINT_DIR_NAME


def test_killed_build_resumes_and_equals_an_uninterrupted_one(tmp_path, encoder, monkeypatch):
    import shutil

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (NGHE_AN, BAC_GIANG):  # ~100 passages
        shutil.copyfile(CORPUS / name, corpus / name)
    env = {**os.environ, "TRACUU_EMBED_CHUNK": "8", "PYTHONPATH": str(ROOT)}
    index_dir = tmp_path / "index"
    checkpoints = index_dir / CHECKPOINT_DIR_NAME
    command = [sys.executable, "-m", "api.cli", "index", str(corpus), "--index-dir", str(index_dir)]

    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if checkpoints.is_dir() and len(list(checkpoints.glob("*.npy"))) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, f"the build ended before it could be killed: {proc.stderr.read()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(checkpoints.glob("*.npy")))
    assert done_before >= 3
    assert files.current_version(index_dir) is None  # nothing published

    resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    line = next(x for x in resumed.stderr.splitlines() if x.startswith("resuming:"))
    restored, total = (int(w) for w in line.split()[1:4:2])
    assert restored >= 3 * 8 and restored < total
    # all new to the index; what the killed run embedded is restored, not counted as embedded again
    assert (f"passages embedded {total - restored}, reused 0, restored from checkpoints {restored}"
            in resumed.stderr)
    assert not checkpoints.exists() or not list(checkpoints.glob("*.npy"))  # used, then removed

    monkeypatch.setenv("TRACUU_EMBED_CHUNK", "8")
    whole = build_index(corpus, tmp_path / "uninterrupted", encoder=encoder)
    a_version, b_version = files.current_version(index_dir), tmp_path / "uninterrupted" / whole.version
    a = files.read_jsonl(a_version / files.PASSAGES)
    b = files.read_jsonl(b_version / files.PASSAGES)
    assert [p["passage_id"] for p in a] == [p["passage_id"] for p in b]
    assert np.allclose(np.load(a_version / files.EMBEDDINGS), np.load(b_version / files.EMBEDDINGS), atol=1e-6)
    tf_a, tf_b = files.load_term_freqs(a_version / files.BM25_TF), files.load_term_freqs(b_version / files.BM25_TF)
    assert (tf_a != tf_b).nnz == 0
