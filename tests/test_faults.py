"""Fault tests (issue 14): `kill -9` the indexer at several points of a build and of an
incremental `tracuu add`; every time search answers from the newest intact version, nothing
indexed before is lost, and running the command again finishes the job.

Kill points are found from what the process does, not from wall-clock guesses: the
start (reading and segmenting), the "embedding …" line it prints, and the moment a new
version begins to appear in the index folder (with TRACUU_DEBUG_WRITE_DELAY slowing each
file write down, so a kill lands between two files). Whatever the point, the invariant
is the same, so a kill that lands a little earlier or later tests the same promise.
(Index files corrupted on disk are the store's fall-back, tested with it.)
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import CONFERENCE, CORPUS, NGHE_AN, ROOT, THAI_HOA, tracuu_command

# small documents (9, 22 and 24 passages) keep each run short; a phrase each answers first
PROBES = {CONFERENCE: "hội nghị tổng kết quy chế dân chủ 2018", THAI_HOA: "Thái Hòa quy chế công tác dân vận",
          NGHE_AN: "Nghệ An 1.215 đơn thư khiếu nại"}
BASE = [CONFERENCE, THAI_HOA]


def copy_corpus(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(CORPUS / name, folder / name)
    return folder


# what the build's progress prints as a stage starts (indexer/progress.py)
PROGRESS_MARKERS = {"segmenting": b"[segment]", "embedding": b"embedding "}


def start_and_kill(command: list[str], point: str, delay: float, env: dict, index_dir: Path,
                   corpus: Path | None = None, added: str | None = None) -> tuple[bool, str]:
    """Run `command`; SIGKILL it `delay` s after `point`:
    "segmenting" / "embedding"  its progress output says so;
    "copied"                    `tracuu add` has put the file into the corpus folder;
    "writing"                   a new version has begun to appear in the index folder.
    Returns (whether it was still running when killed, its output)."""
    before = set(index_dir.iterdir()) if index_dir.exists() else set()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    output = bytearray()

    def read():  # raw chunks: progress bars redraw with \r, not \n
        while chunk := os.read(proc.stderr.fileno(), 65536):
            output.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def reached() -> bool:
        if point in PROGRESS_MARKERS:
            return PROGRESS_MARKERS[point] in output
        if point == "copied":
            return (corpus / added).exists()
        return index_dir.exists() and bool(set(index_dir.iterdir()) - before - {index_dir / ".lock"})

    deadline = time.monotonic() + 600
    while not reached() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    return alive, output.decode("utf-8", "replace")


def served_documents(index_dir: Path, encoder) -> set[str]:
    """What a fresh engine (every checksum verified) serves; each document found by search."""
    from search.engine import SearchEngine

    engine = SearchEngine(index_dir, encoder=encoder)
    documents = {d["doc_id"] for d in engine.documents_list()}
    for doc_id in documents:
        hits = engine.search(PROBES[doc_id], k=3, mode="bm25")["results"]
        assert hits and hits[0]["doc_id"] == doc_id, (doc_id, [h["doc_id"] for h in hits])
        assert engine.search(PROBES[doc_id], k=3, mode="dense")["results"], doc_id
    return documents


def command_env(write_delay: float = 0.0) -> dict:
    env = dict(os.environ)
    if write_delay:
        env["TRACUU_DEBUG_WRITE_DELAY"] = str(write_delay)  # slow file writes: a kill lands between two
    return env


def build(corpus: Path, index_dir: Path, encoder) -> set[str]:
    from indexer.build import build_index

    report = build_index(corpus, index_dir, encoder=encoder)
    assert not report.rejected
    return served_documents(index_dir, encoder)


@pytest.mark.slow
@pytest.mark.parametrize("point,delay", [("segmenting", 0.0), ("embedding", 0.3)])
def test_killed_first_build_leaves_no_half_index(tmp_path, encoder, model_dir, point, delay):
    corpus = copy_corpus(tmp_path / "corpus", BASE)
    index_dir = tmp_path / "index"
    command = tracuu_command() + ["index", str(corpus), "--index-dir", str(index_dir), "--model", str(model_dir)]
    alive, output = start_and_kill(command, point, delay, command_env(), index_dir)
    assert alive, f"the build ended before the kill: {output[-2000:]}"
    # nothing was published: a clear error that says how to build, not a half index
    searched = subprocess.run(tracuu_command() + ["search", "dân vận", "--mode", "bm25", "--index-dir",
                                                  str(index_dir)], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
    assert searched.returncode == 2 and "tracuu index" in searched.stderr, searched.stderr[-2000:]
    assert build(corpus, index_dir, encoder) == set(BASE)  # the same command again finishes the job


@pytest.mark.slow
@pytest.mark.parametrize("point,delay", [("embedding", 0.5), ("writing", 0.1), ("writing", 0.9)])
def test_killed_rebuild_keeps_the_previous_version(tmp_path, encoder, model_dir, point, delay):
    corpus = copy_corpus(tmp_path / "corpus", BASE)
    index_dir = tmp_path / "index"
    before = build(corpus, index_dir, encoder)
    shutil.copyfile(CORPUS / NGHE_AN, corpus / NGHE_AN)
    command = tracuu_command() + ["index", str(corpus), "--index-dir", str(index_dir), "--model", str(model_dir),
                                  "--force"]
    alive, output = start_and_kill(command, point, delay, command_env(0.4 if point == "writing" else 0), index_dir)
    assert alive, f"the build ended before the kill: {output[-2000:]}"
    assert served_documents(index_dir, encoder) == before
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    assert served_documents(index_dir, encoder) == before | {NGHE_AN}


@pytest.mark.slow
@pytest.mark.parametrize("point,delay", [("copied", 0.0), ("embedding", 0.2), ("writing", 0.5), ("writing", 1.7)])
def test_killed_add_loses_nothing_and_a_rerun_adds(tmp_path, encoder, model_dir, point, delay):
    corpus = copy_corpus(tmp_path / "corpus", [CONFERENCE])
    index_dir = tmp_path / "index"
    before = build(corpus, index_dir, encoder)
    command = tracuu_command() + ["add", str(CORPUS / THAI_HOA), "--index-dir", str(index_dir), "--model",
                                  str(model_dir)]
    alive, output = start_and_kill(command, point, delay, command_env(0.4 if point == "writing" else 0),
                                   index_dir, corpus, THAI_HOA)
    assert alive, f"`tracuu add` ended before the kill: {output[-2000:]}"
    after_kill = served_documents(index_dir, encoder)
    # the previous version, or (killed after the switch) the new one; never less
    assert after_kill in (before, before | {THAI_HOA}), after_kill
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    assert served_documents(index_dir, encoder) == before | {THAI_HOA}
    assert (corpus / THAI_HOA).exists()
