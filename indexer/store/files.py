"""The local store's files: one directory of immutable versions and a pointer to the served one.

    INDEX_DIR/
      CURRENT                 name of the version being served (replaced atomically)
      .lock                   held by the one writer (flock), never by readers
      v-<timestamp>/          one complete, immutable index version
        manifest.json         model, settings, corpus checksum, versions, file checksums
        documents.jsonl       document text, title, metadata, paragraph table
        passages.jsonl        passages with their citations
        bm25_tf.npz           passages × terms raw term counts (CSR)
        bm25_vocab.json       the term of each column
        embeddings.npy        passages × dim float32, L2-normalised
        dense_hnsw.faiss      (large versions only) the HNSW graph over embeddings.npy

A writer builds a new version folder completely (`.tmp-v-…`), fsyncs it, renames it
and swaps CURRENT with os.replace: a reader sees the old version or the new one, never
a half-written index; a writer killed at any point leaves a `.tmp-` folder that the
next writer (or `tracuu index --repair`) removes.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
from scipy import sparse

from indexer.store.base import StoreError

FORMAT_VERSION = 2  # 2: documents carry metadata and directive citations
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
PASSAGES = "passages.jsonl"
BM25_TF = "bm25_tf.npz"
BM25_VOCAB = "bm25_vocab.json"
EMBEDDINGS = "embeddings.npy"
DENSE_ANN = "dense_hnsw.faiss"
DATA_FILES = (DOCUMENTS, PASSAGES, BM25_TF, BM25_VOCAB, EMBEDDINGS)
KEEP_VERSIONS = 2
LOCK_NAME = ".lock"
TMP_PREFIX = ".tmp-"
# tests: seconds to sleep before each data file is written (to kill a build mid-write)
WRITE_DELAY_ENV = "TRACUU_DEBUG_WRITE_DELAY"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rebuild_hint(index_dir: Path) -> str:
    return f"rebuild with `tracuu index CORPUS --index-dir {index_dir} --force`"


# --- versions -----------------------------------------------------------------------------
def current_name(index_dir: Path) -> str | None:
    """What CURRENT names (None: no CURRENT). Raises StoreError when it is unreadable."""
    pointer = Path(index_dir) / CURRENT
    if not pointer.exists():
        return None
    try:
        name = pointer.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise StoreError(f"{pointer} is unreadable ({err})") from None
    if not name.startswith("v-") or "/" in name or "\n" in name:
        raise StoreError(f"{pointer} is corrupted (it names {name[:40]!r}, not an index version)")
    return name


def current_version(index_dir: Path) -> Path | None:
    """The folder CURRENT names (None: no CURRENT); it may be missing or damaged."""
    name = current_name(index_dir)
    return Path(index_dir) / name if name else None


def version_dirs(index_dir: Path) -> list[Path]:
    """Published versions, newest first (names start with their creation time)."""
    return sorted((p for p in Path(index_dir).glob("v-*") if p.is_dir()), key=lambda p: p.name, reverse=True)


def new_version_dir(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    ns = time.time_ns()
    # sorts by creation time: seconds, then nanoseconds, then the writer's pid
    name = time.strftime("v-%Y%m%dT%H%M%S", time.localtime(ns // 10**9)) + f".{ns % 10**9:09d}-{os.getpid()}"
    path = index_dir / (TMP_PREFIX + name)
    path.mkdir()
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def point_current(index_dir: Path, name: str) -> None:
    """CURRENT := name, atomically and durably."""
    pointer_tmp = index_dir / (CURRENT + ".tmp")
    pointer_tmp.write_text(name + "\n")
    with open(pointer_tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def publish_version(index_dir: Path, tmp_version: Path) -> Path:
    """Make a fully written version folder the one served, atomically."""
    for child in tmp_version.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())
    final = index_dir / tmp_version.name.removeprefix(TMP_PREFIX)
    os.rename(tmp_version, final)
    _fsync_dir(index_dir)
    point_current(index_dir, final.name)
    prune_versions(index_dir)
    return final


def prune_versions(index_dir: Path, keep: int = KEEP_VERSIONS) -> None:
    """Drop old versions (and leftovers of interrupted builds), never the current one.
    Called with the writer lock held, so no `.tmp-` folder belongs to a live writer."""
    try:
        current = current_name(index_dir)
    except StoreError:
        current = None
    versions = version_dirs(index_dir)
    stale = [p for p in versions[keep:] if p.name != current]
    stale += [p for p in index_dir.glob(TMP_PREFIX + "v-*") if p.is_dir()]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


# --- files --------------------------------------------------------------------------------
def write_jsonl(path: Path, records) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def save_term_freqs(path: Path, matrix: sparse.csr_matrix) -> None:
    np.savez(path, data=matrix.data.astype(np.float32), indices=matrix.indices.astype(np.int32),
             indptr=matrix.indptr.astype(np.int64), shape=np.asarray(matrix.shape, dtype=np.int64))


def load_term_freqs(path: Path) -> sparse.csr_matrix:
    with np.load(path) as npz:
        return sparse.csr_matrix((npz["data"], npz["indices"], npz["indptr"]),
                                 shape=tuple(int(x) for x in npz["shape"]))


def write_manifest(version_dir: Path, manifest: dict, names) -> None:
    manifest = dict(manifest)
    manifest["files"] = {name: file_sha256(version_dir / name) for name in names}
    (version_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")


def read_manifest(version_dir: Path) -> dict:
    path = version_dir / MANIFEST
    if not path.exists():
        raise StoreError(f"{path} is missing: the index is incomplete; {rebuild_hint(version_dir.parent)}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise StoreError(f"{path} is corrupted ({getattr(err, 'msg', err)}); "
                         f"{rebuild_hint(version_dir.parent)}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise StoreError(f"{path} is corrupted (no file checksums); {rebuild_hint(version_dir.parent)}")
    return manifest


def verify_files(version_dir: Path, manifest: dict) -> None:
    """Every data file present and matching the checksum the manifest recorded."""
    for name, expected in manifest.get("files", {}).items():
        path = version_dir / name
        if not path.exists():
            raise StoreError(f"{path} is missing; {rebuild_hint(version_dir.parent)}")
        if file_sha256(path) != expected:
            raise StoreError(f"{path} is corrupted (checksum mismatch); {rebuild_hint(version_dir.parent)}")


# --- the writer lock ----------------------------------------------------------------------
@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = 600.0):
    """One writer at a time across processes (`tracuu index/add/remove`, API uploads);
    readers never lock."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_NAME, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(f"{index_dir} is locked by another indexing run "
                                     f"(tracuu index/add/remove) for over {timeout:.0f}s") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_delay() -> float:
    try:
        return float(os.environ.get(WRITE_DELAY_ENV, "0") or 0)
    except ValueError:
        return 0.0
