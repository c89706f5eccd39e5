"""Evaluation datasets: our labelled set over corpus/ and any BEIR-layout folder.

A dataset gives queries, what counts as relevant, and the corpus to index. Indexes are
built with the real indexer (indexer.build.build_index) into a cache folder keyed by
the dataset checksum and the chunk size, and reused while fresh (build_index itself
skips when the corpus and settings are unchanged).

Relevance units:
- `corpus` (eval/data/corpus_retrieval.jsonl): gold = text spans. Each gold span is one
  relevant unit; a passage satisfies it when its [start, end) source span overlaps the
  span's character offsets in the document text. Labels survive re-chunking.
- BEIR (corpus.jsonl, queries.jsonl, qrels.tsv): relevance at document level (graded by
  the qrels score); a passage stands for its document and documents are ranked by their
  best passage (duplicates dropped).
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS_DIR = ROOT / "corpus"
CORPUS_LABELS = ROOT / "eval" / "data" / "corpus_retrieval.jsonl"
CACHE_DIR = Path(os.environ.get("TRACUU_EVAL_CACHE", ROOT / "eval" / ".cache"))


@dataclass
class Query:
    qid: str
    text: str
    variant: str = "all"
    # corpus set: [(doc_id, span)]; BEIR: {doc_id: grade}
    gold_spans: list[tuple[str, str]] = field(default_factory=list)
    qrels: dict[str, int] = field(default_factory=dict)


@dataclass
class Dataset:
    name: str
    kind: str  # "spans" | "beir"
    corpus_path: Path  # what build_index reads (a folder or a .jsonl file)
    queries: list[Query]

    def checksum(self) -> str:
        digest = hashlib.sha256()
        paths = [self.corpus_path] if self.corpus_path.is_file() else sorted(
            p for p in self.corpus_path.rglob("*") if p.is_file() and not p.name.startswith("."))
        for path in paths:
            rel = path.name if self.corpus_path.is_file() else path.relative_to(self.corpus_path).as_posix()
            digest.update(rel.encode() + b"\0")
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()


def load_corpus_set(labels: Path = CORPUS_LABELS, corpus_dir: Path = CORPUS_DIR) -> Dataset:
    queries = []
    for line in Path(labels).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        queries.append(Query(row["id"], row["query"], row.get("variant", "vi"),
                             gold_spans=[(g["doc_id"], g["span"]) for g in row["gold"]]))
    return Dataset("corpus", "spans", Path(corpus_dir), queries)


def load_beir(folder: Path, split: str | None = None) -> Dataset:
    folder = Path(folder)
    for name in ("corpus.jsonl", "queries.jsonl", "qrels.tsv"):
        if not (folder / name).exists():
            raise FileNotFoundError(f"{folder} is not a BEIR folder: {name} is missing")
    qrels: dict[str, dict[str, int]] = {}
    qrels_path = folder / "qrels.tsv"
    with open(qrels_path, encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for i, row in enumerate(reader):
            if not row or (i == 0 and not row[-1].strip().lstrip("-").isdigit()):
                continue  # header
            qid, doc_id, score = row[0], row[1], int(row[2]) if len(row) > 2 else 1
            if score > 0:
                qrels.setdefault(qid, {})[doc_id] = score
    queries = []
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if row["_id"] not in qrels or (split and row.get("split") != split):
                continue
            queries.append(Query(str(row["_id"]), row["text"], "all", qrels=qrels[row["_id"]]))
    return Dataset(folder.name, "beir", folder / "corpus.jsonl", queries)


def load_dataset(name_or_path: str) -> Dataset:
    if name_or_path == "corpus":
        return load_corpus_set()
    return load_beir(Path(name_or_path))


class CachingEncoder:
    """The real encoder with a disk cache of passage embeddings keyed by the sha256 of the
    text the encoder sees (= a passage's `content_hash`). Rebuilding an eval index after an
    index-format or chunking change then re-embeds only passages never seen before.
    Seeded from every index version already under the cache folder."""

    SAVE_EVERY = 256

    def __init__(self, encoder, cache_dir: Path | None = None):
        self._encoder = encoder
        self._path = Path(cache_dir or CACHE_DIR) / f"embeddings-{encoder.id}{backend_suffix(encoder)}.npz"
        self._vectors: dict[str, "np.ndarray"] = {}
        self._dirty = False
        self._load()

    def __getattr__(self, name):
        return getattr(self._encoder, name)

    def _load(self) -> None:
        import numpy as np

        if self._path.exists():
            with np.load(self._path) as npz:
                self._vectors.update(zip(npz["keys"].tolist(), npz["vectors"]))
        from indexer.store import StoreError, open_store

        for index_dir in sorted(p for p in self._path.parent.glob("index-*") if p.is_dir()):
            try:
                store = open_store(index_dir)
                manifest = store.manifest()
                if manifest["model"]["id"] != self._encoder.id or (
                        manifest["settings"].get("encoder", "torch") != getattr(self._encoder, "backend", "torch")):
                    continue
                keys = [p["content_hash"] for p in store.iter_passages()
                        if p.get("content_hash") and p["content_hash"] not in self._vectors]
                for key, (_terms, vector) in store.reusable(keys).items():
                    self._vectors[key] = vector
                    self._dirty = True
            except (StoreError, OSError, KeyError, ValueError):
                continue

    def save(self) -> None:
        import numpy as np

        if not self._dirty or not self._vectors:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        tmp = self._path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.asarray(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        os.replace(tmp, self._path)
        self._dirty = False

    def encode_passages(self, texts, batch_size: int = 32, progress: bool = False):
        import numpy as np

        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._vectors]
        # in slices, saved after each: an interrupted build resumes where it stopped
        for first in range(0, len(missing), self.SAVE_EVERY):
            part = missing[first:first + self.SAVE_EVERY]
            vectors = self._encoder.encode_passages([texts[i] for i in part], batch_size, False)
            for i, v in zip(part, vectors):
                self._vectors[keys[i]] = v
            self._dirty = True
            self.save()
            if progress:
                print(f"embedded {first + len(part)}/{len(missing)} new passages", flush=True)
        if not texts:
            return np.zeros((0, self._encoder.dim), dtype=np.float32)
        return np.ascontiguousarray(np.stack([self._vectors[k] for k in keys]), dtype=np.float32)


def backend_suffix(encoder) -> str:
    """Cache names per encoder backend (torch kept the names from before backends existed)."""
    backend = getattr(encoder, "backend", "torch") if encoder is not None else None
    if backend is None:
        from indexer.encoders import resolve_backend

        backend = resolve_backend()
    return "" if backend == "torch" else f"-{backend}"


def index_dir_for(dataset: Dataset, max_chars: int | None = None, cache_dir: Path | None = None,
                  encoder=None) -> Path:
    from indexer.chunker import MAX_PASSAGE_CHARS

    max_chars = max_chars or MAX_PASSAGE_CHARS
    return Path(cache_dir or CACHE_DIR) / (f"index-{dataset.name}-{dataset.checksum()[:12]}-c{max_chars}"
                                           f"{backend_suffix(encoder)}")


def ensure_index(dataset: Dataset, encoder=None, max_chars: int | None = None,
                 cache_dir: Path | None = None, log=print, progress: bool = False) -> Path:
    """Build (or reuse) the index of `dataset` with the real model; returns the index dir."""
    from indexer.build import build_index
    from indexer.chunker import MAX_PASSAGE_CHARS

    max_chars = max_chars or MAX_PASSAGE_CHARS
    if encoder is None:
        from indexer.embedding import Encoder

        encoder = Encoder()
    index_dir = index_dir_for(dataset, max_chars, cache_dir, encoder)
    if not isinstance(encoder, CachingEncoder):
        encoder = CachingEncoder(encoder, cache_dir)
    report = build_index(dataset.corpus_path, index_dir, encoder=encoder, max_chars=max_chars,
                         progress=progress, log=log)
    encoder.save()
    log(report.summary())
    return index_dir
