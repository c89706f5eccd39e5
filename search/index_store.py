"""Loading one index version into memory: passages, documents, BM25 and dense indexes."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer import index_files as files
from indexer.analysis import Analyzer, AnalyzerConfig
from indexer.embedding import model_id
from search.bm25 import BM25Index
from search.dense import DenseIndex


@dataclass
class IndexState:
    version: Path
    manifest: dict
    passages: list[dict]
    documents: dict[str, dict]
    passages_by_doc: dict[str, list[int]]
    analyzer: Analyzer
    bm25: BM25Index
    dense: DenseIndex
    embeddings: np.ndarray
    _restorer: object = None

    @property
    def restorer(self):
        """Diacritic restorer over this version's passages, built on first use."""
        if self._restorer is None:
            from search.diacritics import DiacriticRestorer

            self._restorer = DiacriticRestorer(p["title"] + "\n" + p["text"] for p in self.passages)
        return self._restorer

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["id"]


def check_model(manifest: dict, requested: str | None, index_dir: Path) -> None:
    """Loading an index with a model other than the one that embedded it fails loudly."""
    if not requested:
        return
    built_with = manifest["model"]["id"]
    if model_id(requested) != built_with:
        raise files.IndexError_(
            f"the index in {index_dir} was built with model {built_with!r} "
            f"(dimension {manifest['model']['dim']}), not {model_id(requested)!r}. Rebuild it for "
            f"this model with `tracuu index CORPUS --index-dir {index_dir} --model {requested}`, "
            f"or drop --model / TRACUU_MODEL to search with {built_with!r}.")


def load_state(index_dir: Path, requested_model: str | None = None, verify: bool = True) -> IndexState:
    index_dir = Path(index_dir)
    version = files.current_version(index_dir)
    if version is None:
        raise files.IndexError_(f"no index in {index_dir}; build one with "
                                f"`tracuu index corpus --index-dir {index_dir}`")
    if not version.exists():
        raise files.IndexError_(f"{index_dir}/{files.CURRENT} names {version.name}, which is missing; "
                                f"rebuild with `tracuu index CORPUS --index-dir {index_dir} --force`")
    manifest = files.read_manifest(version)
    if manifest.get("format") != files.FORMAT_VERSION:
        raise files.IndexError_(f"the index in {index_dir} has format {manifest.get('format')}, this "
                                f"tracuu reads format {files.FORMAT_VERSION}; rebuild with "
                                f"`tracuu index CORPUS --index-dir {index_dir} --force`")
    check_model(manifest, requested_model, index_dir)
    if verify:
        files.verify_files(version, manifest)

    passages = files.read_jsonl(version / files.PASSAGES)
    documents = {d["doc_id"]: d for d in files.read_jsonl(version / files.DOCUMENTS)}
    passages_by_doc: dict[str, list[int]] = {}
    for row, passage in enumerate(passages):
        passages_by_doc.setdefault(passage["doc_id"], []).append(row)
    vocabulary = {term: col for col, term in
                  enumerate(json.loads((version / files.BM25_VOCAB).read_text(encoding="utf-8")))}
    params = manifest["settings"]["bm25"]
    bm25 = BM25Index(files.load_term_freqs(version / files.BM25_TF), vocabulary, **params)
    embeddings = np.load(version / files.EMBEDDINGS, mmap_mode="r")
    dense = DenseIndex(embeddings)
    analyzer = Analyzer(AnalyzerConfig.from_dict(manifest["settings"]["analyzer"]))
    return IndexState(version, manifest, passages, documents, passages_by_doc, analyzer, bm25,
                      dense, embeddings)
