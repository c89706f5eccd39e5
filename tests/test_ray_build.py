"""A Ray-distributed build equals a local one (issue 11 part 3), on a local 3-node Ray
cluster started here (`ray.cluster_utils.Cluster`), with one worker node killed while
the build runs: the build completes and every passage is embedded into the index once."""
from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest

from conftest import BAC_GIANG, CORPUS, NGHE_AN
from indexer.store import files
from indexer.build import build_index
from indexer.embed_pipeline import CHECKPOINT_DIR_NAME, EmbedPlan
from indexer.progress import BuildProgress


class Lines:
    """A text stream that keeps the progress lines it is given."""

    def __init__(self):
        self.lines: list[str] = []

    def write(self, text):
        self.lines += [x for x in text.splitlines() if x.strip()]

    def flush(self):
        pass

    def isatty(self):
        return False


@pytest.mark.slow
def test_ray_build_with_a_node_killed_equals_local_build(tmp_path, encoder, monkeypatch):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    monkeypatch.setenv("TRACUU_EMBED_CHUNK", "6")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (NGHE_AN, BAC_GIANG):
        shutil.copyfile(CORPUS / name, corpus / name)
    local = build_index(corpus, tmp_path / "local", encoder=encoder)

    cluster = Cluster(initialize_head=True, connect=False,
                      head_node_args={"num_cpus": 1, "include_dashboard": False})
    workers = [cluster.add_node(num_cpus=1) for _ in range(2)]
    try:
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        assert len([n for n in ray.nodes() if n["Alive"]]) == 3
        stream, messages = Lines(), []
        progress = BuildProgress(stream, json_lines=True)
        result: dict = {}

        def build():
            try:
                result["report"] = build_index(corpus, tmp_path / "ray", encoder=encoder, progress=progress,
                                               embed_plan=EmbedPlan(ray_address=cluster.address),
                                               log=messages.append)
            except BaseException as err:  # noqa: BLE001 - reported below
                result["error"] = err

        thread = threading.Thread(target=build)
        thread.start()
        checkpoints = tmp_path / "ray" / CHECKPOINT_DIR_NAME
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and thread.is_alive():
            if checkpoints.is_dir() and len(list(checkpoints.glob("*.npy"))) >= 2:
                break
            time.sleep(0.05)
        assert thread.is_alive(), f"the build ended before a node could be killed: {result} {messages}"
        cluster.remove_node(workers[0], allow_graceful=False)  # a machine lost mid-build
        thread.join(timeout=900)
        assert not thread.is_alive() and "error" not in result, (result, messages)
    finally:
        ray.shutdown()
        cluster.shutdown()

    report = result["report"]
    assert any("actor died" in m for m in messages), messages  # the kill hit a working actor
    assert any("3 encoder actor(s) on" in m for m in messages), messages
    # every passage embedded into the index once: progress counted each chunk once
    progress_lines = [line for line in stream.lines if '"event": "progress"' in line]
    assert f'"passages_done": {report.passages}' in progress_lines[-1]
    assert report.passages_embedded == report.passages == local.passages

    local_v, ray_v = tmp_path / "local" / local.version, tmp_path / "ray" / report.version
    a = files.read_jsonl(local_v / files.PASSAGES)
    b = files.read_jsonl(ray_v / files.PASSAGES)
    assert [p["passage_id"] for p in a] == [p["passage_id"] for p in b]
    va, vb = np.load(local_v / files.EMBEDDINGS), np.load(ray_v / files.EMBEDDINGS)
    assert (va * vb).sum(axis=1).min() >= 0.9999
