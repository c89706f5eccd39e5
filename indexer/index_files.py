"""The on-disk layout of an index, written by the indexer and read by search.

    INDEX_DIR/
      CURRENT                 name of the version being served (replaced atomically)
      v-<timestamp>/          one complete, immutable index version
        manifest.json         model, analyzer, corpus checksum, versions, file checksums
        documents.jsonl       document text, title, paragraph table
        passages.jsonl        passages with their citations
        bm25_tf.npz           passages × terms raw term counts (CSR)
        bm25_vocab.json       the term of each column
        embeddings.npy        passages × dim float32, L2-normalised

A writer builds a new version folder completely, then swaps CURRENT with os.replace:
a reader sees either the old version or the new one, never a half-written index.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
from scipy import sparse

FORMAT_VERSION = 2  # 2: documents carry metadata and directive citations
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
DOCUMENTS = "documents.jsonl"
PASSAGES = "passages.jsonl"
BM25_TF = "bm25_tf.npz"
BM25_VOCAB = "bm25_vocab.json"
EMBEDDINGS = "embeddings.npy"
DATA_FILES = (DOCUMENTS, PASSAGES, BM25_TF, BM25_VOCAB, EMBEDDINGS)
KEEP_VERSIONS = 2


class IndexError_(RuntimeError):
    """An index that is missing, incomplete, corrupted or built differently from what is asked."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def current_version(index_dir: Path) -> Path | None:
    pointer = Path(index_dir) / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_text().strip()
    return Path(index_dir) / name if name else None


def new_version_dir(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    name = time.strftime("v-%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.time_ns() % 1_000_000:06d}"
    path = index_dir / (".tmp-" + name)
    path.mkdir()
    return path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_version(index_dir: Path, tmp_version: Path) -> Path:
    """Make a fully written version folder the one served, atomically."""
    for child in tmp_version.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())
    final = index_dir / tmp_version.name.removeprefix(".tmp-")
    os.rename(tmp_version, final)
    _fsync_dir(index_dir)
    pointer_tmp = index_dir / (CURRENT + ".tmp")
    pointer_tmp.write_text(final.name + "\n")
    with open(pointer_tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    prune_versions(index_dir)
    return final


def prune_versions(index_dir: Path, keep: int = KEEP_VERSIONS) -> None:
    """Drop old versions (and leftovers of interrupted builds), never the current one."""
    current = current_version(index_dir)
    versions = sorted(p for p in index_dir.glob("v-*") if p.is_dir())
    stale = [p for p in versions if p != current][: max(0, len(versions) - keep)]
    stale += [p for p in index_dir.glob(".tmp-v-*") if p.is_dir()
              and time.time() - p.stat().st_mtime > 3600]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


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


def write_manifest(version_dir: Path, manifest: dict) -> None:
    manifest = dict(manifest)
    manifest["files"] = {name: file_sha256(version_dir / name) for name in DATA_FILES}
    (version_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")


def read_manifest(version_dir: Path) -> dict:
    path = version_dir / MANIFEST
    if not path.exists():
        raise IndexError_(f"{path} is missing: the index is incomplete; "
                          f"rebuild it with `tracuu index CORPUS --index-dir {version_dir.parent}`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise IndexError_(f"{path} is corrupted ({err.msg}); rebuild it with "
                          f"`tracuu index CORPUS --index-dir {version_dir.parent} --force`") from None


def verify_files(version_dir: Path, manifest: dict) -> None:
    """Every data file present and matching the checksum the manifest recorded."""
    for name, expected in manifest.get("files", {}).items():
        path = version_dir / name
        fix = f"rebuild with `tracuu index CORPUS --index-dir {version_dir.parent} --force`"
        if not path.exists():
            raise IndexError_(f"{path} is missing; {fix}")
        if file_sha256(path) != expected:
            raise IndexError_(f"{path} is corrupted (checksum mismatch); {fix}")
