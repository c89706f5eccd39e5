"""Build an index version: read → chunk → segment → embed → write, timed per stage."""
from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from indexer import index_files as files
from indexer.analysis import Analyzer, AnalyzerConfig
from indexer.chunker import MAX_PASSAGE_CHARS, chunk_document, parse_document, section_label
from indexer.documents import Document, IngestError, corpus_checksum, read_corpus
from indexer.embedding import Encoder, model_id, resolve_model
from indexer.term_matrix import build_term_matrix, vocabulary_list

# rank_bm25's BM25Okapi defaults; recorded in the manifest and used by search/bm25.py
BM25_PARAMS = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}


@dataclass
class BuildReport:
    index_dir: Path
    version: Path | None
    skipped: bool
    documents: int = 0
    passages: int = 0
    rejected: list[IngestError] = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def summary(self) -> str:
        if self.skipped:
            return (f"index {self.index_dir} is up to date ({self.documents} documents, "
                    f"{self.passages} passages); nothing to do")
        t = self.timings
        return (f"indexed {self.documents} documents into {self.passages} passages in "
                f"{t.get('total_s', 0):.1f}s (read+chunk {t.get('read_chunk_s', 0):.1f}s, "
                f"segment {t.get('segment_s', 0):.1f}s, embed {t.get('embed_s', 0):.1f}s, "
                f"write {t.get('write_s', 0):.1f}s); rejected {len(self.rejected)} file(s) → "
                f"{self.version}")


def package_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in ("tracuu", "sentence-transformers", "transformers", "torch", "faiss-cpu", "pyvi",
                 "rank-bm25", "numpy", "scipy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def document_record(doc: Document) -> dict:
    parsed = parse_document(doc.text)
    return {
        "doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "checksum": doc.checksum,
        "text": doc.text, "extra": doc.extra,
        "paragraphs": [{"n": p.number, "kind": p.kind, "start": p.start, "end": p.end,
                        "section": section_label(p.path), "text": p.text} for p in parsed.paragraphs],
        "footnotes": [{"marker": f.marker, "text": f.text, "start": f.start, "end": f.end}
                      for f in parsed.footnotes.values()],
    }, parsed


def build_settings(model: str, analyzer_config: AnalyzerConfig, max_chars: int) -> dict:
    """What makes two indexes of the same corpus differ; equal settings + corpus = fresh."""
    return {"format": files.FORMAT_VERSION, "model": model_id(model),
            "analyzer": analyzer_config.to_dict(), "bm25": BM25_PARAMS,
            "chunking": {"max_chars": max_chars}}


def is_fresh(index_dir: Path, settings: dict, checksum: str) -> dict | None:
    version = files.current_version(index_dir)
    if version is None or not version.exists():
        return None
    try:
        manifest = files.read_manifest(version)
    except files.IndexError_:
        return None
    if manifest.get("settings") == settings and manifest.get("corpus", {}).get("checksum") == checksum:
        return manifest
    return None


def build_index(corpus: Path, index_dir: Path, model: str | None = None,
                encoder: Encoder | None = None, analyzer_config: AnalyzerConfig | None = None,
                max_chars: int = MAX_PASSAGE_CHARS, force: bool = False, progress: bool = False,
                log=lambda msg: print(msg, file=sys.stderr)) -> BuildReport:
    corpus, index_dir = Path(corpus), Path(index_dir)
    analyzer_config = analyzer_config or AnalyzerConfig()
    model_name = encoder.name if encoder is not None else resolve_model(model)
    t0 = time.perf_counter()

    documents, rejected = read_corpus(corpus)
    for err in rejected:
        log(f"skipped {err.path}: {err.reason}")
    checksum = corpus_checksum(documents)
    settings = build_settings(model_name, analyzer_config, max_chars)
    fresh = None if force else is_fresh(index_dir, settings, checksum)
    if fresh is not None:
        return BuildReport(index_dir, files.current_version(index_dir), True,
                           fresh["corpus"]["documents"], fresh["corpus"]["passages"], rejected)
    if not documents:
        raise IngestError(str(corpus), "no documents to index (nothing readable found)")

    doc_records, passages = [], []
    for doc in documents:
        record, parsed = document_record(doc)
        doc_records.append(record)
        passages += chunk_document(doc.doc_id, doc.title, doc.text, parsed, max_chars=max_chars)
    t_chunk = time.perf_counter()

    index_texts = [p.index_text() for p in passages]
    analyzer = Analyzer(analyzer_config)
    term_freqs, vocabulary = build_term_matrix(analyzer.terms_many(index_texts, progress=progress))
    t_segment = time.perf_counter()

    encoder = encoder or Encoder(model_name)
    if progress:
        log(f"embedding {len(passages)} passages with {encoder.id}")
    embeddings = encoder.encode_passages(index_texts, progress=progress)
    t_embed = time.perf_counter()

    tmp = files.new_version_dir(index_dir)
    files.write_jsonl(tmp / files.DOCUMENTS, doc_records)
    files.write_jsonl(tmp / files.PASSAGES, [p.to_dict() for p in passages])
    files.save_term_freqs(tmp / files.BM25_TF, term_freqs)
    files.write_json(tmp / files.BM25_VOCAB, vocabulary_list(vocabulary))
    np.save(tmp / files.EMBEDDINGS, embeddings)
    timings = {"read_chunk_s": t_chunk - t0, "segment_s": t_segment - t_chunk,
               "embed_s": t_embed - t_segment}
    manifest = {
        "format": files.FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": settings,
        "model": {"id": encoder.id, "name": encoder.name, "dim": encoder.dim},
        "corpus": {"root": str(corpus), "checksum": checksum, "documents": len(doc_records),
                   "passages": len(passages)},
        "versions": package_versions(),
        "timings": timings,
    }
    files.write_manifest(tmp, manifest)
    version = files.publish_version(index_dir, tmp)
    timings["write_s"] = time.perf_counter() - t_embed
    timings["total_s"] = time.perf_counter() - t0
    return BuildReport(index_dir, version, False, len(doc_records), len(passages), rejected, timings)
