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
from indexer.embed_pipeline import EmbedPlan
from indexer.encoders import Encoder, model_id, resolve_model
from indexer.metadata import load_sidecar
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
    # incremental builds: what was read/reused/embedded this time
    files_read: int = 0
    files_reused: int = 0
    passages_embedded: int = 0
    passages_reused: int = 0
    removed: list[str] = field(default_factory=list)  # doc_ids dropped since the last version

    @property
    def failed(self) -> list[IngestError]:
        return [e for e in self.rejected if not e.skipped]

    @property
    def skipped_files(self) -> list[IngestError]:
        return [e for e in self.rejected if e.skipped]

    def counts(self) -> str:
        return (f"{self.documents} documents indexed, {len(self.skipped_files)} file(s) skipped, "
                f"{len(self.failed)} file(s) failed")

    def summary(self) -> str:
        if self.skipped:
            return (f"index {self.index_dir} is up to date ({self.documents} documents, "
                    f"{self.passages} passages); nothing to do; {self.counts()}")
        t = self.timings
        return (f"indexed {self.documents} documents into {self.passages} passages in "
                f"{t.get('total_s', 0):.1f}s (read+chunk {t.get('read_chunk_s', 0):.1f}s, "
                f"segment {t.get('segment_s', 0):.1f}s, embed {t.get('embed_s', 0):.1f}s, "
                f"write {t.get('write_s', 0):.1f}s); files read {self.files_read}, unchanged "
                f"{self.files_reused}, removed documents {len(self.removed)}; passages embedded "
                f"{self.passages_embedded}, reused {self.passages_reused} → {self.version}\n"
                f"summary: {self.counts()}")


def package_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in ("tracuu", "sentence-transformers", "transformers", "torch", "onnxruntime", "faiss-cpu",
                 "pyvi", "rank-bm25", "numpy", "scipy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def document_record(doc: Document, metadata_override=None) -> dict:
    """Everything the index keeps about a document: text, paragraph table, metadata
    (province, type, date, period, cited directives; a sidecar file may override fields)
    and where in the text each directive is cited."""
    from indexer.metadata import apply_overrides, extract_metadata, find_references

    parsed = parse_document(doc.text)
    metadata = extract_metadata(doc.doc_id, doc.title, doc.text)
    if metadata_override is not None:
        metadata = apply_overrides(metadata, metadata_override)
    return {
        "doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "checksum": doc.checksum,
        "text": doc.text, "extra": doc.extra, "metadata": metadata,
        "citations": [{"id": r["id"], "start": r["start"], "end": r["end"]} for r in find_references(doc.text)],
        "paragraphs": [{"n": p.number, "kind": p.kind, "start": p.start, "end": p.end,
                        "section": section_label(p.path), "text": p.text} for p in parsed.paragraphs],
        "footnotes": [{"marker": f.marker, "text": f.text, "start": f.start, "end": f.end}
                      for f in parsed.footnotes.values()],
    }, parsed


def build_settings(model: str, analyzer_config: AnalyzerConfig, max_chars: int,
                   encoder_backend: str | None = None) -> dict:
    """What makes two indexes of the same corpus differ; equal settings + corpus = fresh."""
    from indexer.encoders import DEFAULT_BACKEND

    return {"format": files.FORMAT_VERSION, "model": model_id(model),
            "encoder": encoder_backend or DEFAULT_BACKEND,
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
                max_chars: int = MAX_PASSAGE_CHARS, force: bool = False, progress=False,
                log=lambda msg: print(msg, file=sys.stderr), encoder_backend: str | None = None,
                embed_plan: EmbedPlan | None = None) -> BuildReport:
    """Index `corpus` into a new version of `index_dir` and serve it.

    Incremental unless `force`: files unchanged since the served version are not read
    again, passages whose text is unchanged keep their embeddings and term counts
    (indexer/incremental.py); the result equals a build from scratch. One writer at a
    time (a lock file in index_dir); readers keep serving the previous version until
    the new one is complete.

    Embedding (indexer/embed_pipeline.py): `encoder_backend` ("onnx-int8", "torch"; default
    $TRACUU_ENCODER, else the backend the index was built with, else the default backend),
    `embed_plan` (local worker processes or a Ray cluster), checkpoints in
    INDEX_DIR/.embed-checkpoints so a killed build resumes; `progress` a
    `indexer.progress.BuildProgress` (or True for the default display)."""
    from indexer.incremental import writer_lock

    corpus, index_dir = Path(corpus), Path(index_dir)
    with writer_lock(index_dir):
        return _build_locked(corpus, index_dir, model, encoder, analyzer_config, max_chars, force,
                             progress, log, encoder_backend, embed_plan)


def _build_locked(corpus: Path, index_dir: Path, model, encoder, analyzer_config, max_chars,
                  force, progress, log, encoder_backend=None, embed_plan=None) -> BuildReport:
    from types import SimpleNamespace

    from indexer.documents import is_sidecar, iter_corpus_files, read_path, scan_corpus
    from indexer.incremental import PreviousVersion, assemble_term_matrix, content_hash, write_delay
    from indexer.readers.pdf import page_at

    from indexer import embed_pipeline
    from indexer.progress import BuildProgress

    if progress is True:
        progress = BuildProgress()
    progress = progress or None
    analyzer_config = analyzer_config or AnalyzerConfig()
    model_name = encoder.name if encoder is not None else resolve_model(model)
    t0 = time.perf_counter()
    backend = embed_pipeline.choose_backend(index_dir, encoder, encoder_backend, force)
    settings = build_settings(model_name, analyzer_config, max_chars, backend)
    previous = PreviousVersion(None if force else index_dir, settings)

    scanned = scan_corpus(corpus)
    sidecars = {} if corpus.is_file() else {
        p.relative_to(corpus).as_posix(): files.file_sha256(p) for p in iter_corpus_files(corpus) if is_sidecar(p)}
    sidecars_same = sidecars == previous.manifest.get("sidecars", {})
    metadata_overrides = {} if corpus.is_file() else load_sidecar(corpus)

    # --- read what changed, carry over what did not ----------------------------------
    items: list = []  # ("reused", record) | ("new", Document, record, parsed)
    rejected: list[IngestError] = []
    sources: dict[str, dict] = {}
    seen: dict[str, str] = {}
    files_read = files_reused = 0
    for files_done, (path, rel, sha) in enumerate(scanned, 1):
        if progress is not None:
            progress.files(files_done, len(scanned))
        before = previous.sources.get(rel)
        reuse = (before is not None and before.get("sha256") == sha and sidecars_same
                 and all(d in previous.documents for d in before.get("doc_ids", [])))
        try:
            if reuse:
                entries = [("reused", previous.documents[d]) for d in before["doc_ids"]]
                files_reused += 1
            else:
                files_read += 1
                entries = []
                for doc in read_path(path, corpus):
                    record, parsed = document_record(doc, metadata_overrides.get(doc.doc_id))
                    entries.append(("new", doc, record, parsed))
            for entry in entries:
                doc_id = entry[1]["doc_id"] if entry[0] == "reused" else entry[1].doc_id
                if doc_id in seen:
                    raise IngestError(str(path), f"duplicate doc_id {doc_id!r} (also in {seen[doc_id]})")
                seen[doc_id] = str(path)
        except IngestError as err:
            rejected.append(err)
            log(f"{'skipped' if err.skipped else 'failed'} {err.path}: {err.reason}")
            continue
        items += entries
        sources[rel] = {"sha256": sha, "doc_ids": [e[1]["doc_id"] if e[0] == "reused" else e[1].doc_id
                                                  for e in entries]}
    records = [e[1] if e[0] == "reused" else e[2] for e in items]
    checksum = corpus_checksum([SimpleNamespace(doc_id=r["doc_id"], checksum=r["checksum"]) for r in records])
    removed = sorted(set(previous.documents) - {r["doc_id"] for r in records})
    fresh = None if force else is_fresh(index_dir, settings, checksum)
    if fresh is not None and fresh.get("sources", sources) == sources:
        return BuildReport(index_dir, files.current_version(index_dir), True,
                           fresh["corpus"]["documents"], fresh["corpus"]["passages"], rejected,
                           files_read=files_read, files_reused=files_reused)
    if not items:
        raise IngestError(str(corpus), "no documents to index (nothing readable found)")

    # --- passages: reuse term counts and embeddings by passage content ----------------
    passages: list[dict] = []
    tf_rows: list[dict | None] = []
    embedding_rows: list[int | None] = []
    new_texts: list[str] = []
    for entry in items:
        if entry[0] == "reused":
            for row in previous.rows_by_doc.get(entry[1]["doc_id"], []):
                passages.append(previous.passages[row])
                tf_rows.append(previous.term_counts(row))
                embedding_rows.append(row)
            continue
        _, doc, record, parsed = entry
        pages = (doc.extra or {}).get("pages")
        for passage in chunk_document(doc.doc_id, doc.title, doc.text, parsed, max_chars=max_chars):
            data = passage.to_dict()
            text = passage.index_text()
            data["content_hash"] = content_hash(text)
            if pages:
                data["page"] = page_at(pages, passage.start)
                data["page_end"] = page_at(pages, max(passage.start, passage.end - 1))
            passages.append(data)
            row = previous.row_by_hash.get(data["content_hash"])
            if row is not None:
                tf_rows.append(previous.term_counts(row))
                embedding_rows.append(row)
            else:
                tf_rows.append(None)
                embedding_rows.append(None)
                new_texts.append(text)
    t_chunk = time.perf_counter()

    analyzer = Analyzer(analyzer_config)
    if progress is not None and new_texts:
        progress.start_stage("segment", passages=len(new_texts))
    new_terms = analyzer.terms_many(new_texts) if new_texts else []
    term_freqs, vocabulary = assemble_term_matrix(tf_rows, new_terms)
    t_segment = time.perf_counter()

    if new_texts or previous.embeddings is None:
        encoder = encoder or Encoder(model_name, backend=backend)
        model_info = {"id": encoder.id, "name": encoder.name, "dim": encoder.dim, "encoder": backend}
    else:  # nothing new to embed: the model is the previous version's (same settings)
        model_info = dict(previous.manifest["model"])
    checkpoints = embed_pipeline.Checkpoints(embed_pipeline.checkpoint_folder(index_dir))
    if progress is not None and new_texts:
        progress.log(f"embedding {len(new_texts)} passages with {encoder.id} ({backend}, "
                     f"{(embed_plan or EmbedPlan()).describe()}; {len(passages) - len(new_texts)} reused)")
    new_vectors = embed_pipeline.embed_passages(new_texts, encoder, embed_plan, checkpoints, progress,
                                                log=log) if new_texts else None
    embeddings = np.zeros((len(passages), model_info["dim"]), dtype=np.float32)
    new_iter = iter(range(len(new_texts)))
    for i, row in enumerate(embedding_rows):
        embeddings[i] = previous.embeddings[row] if row is not None else new_vectors[next(new_iter)]
    t_embed = time.perf_counter()

    delay = write_delay()
    tmp = files.new_version_dir(index_dir)
    writes = [(files.DOCUMENTS, lambda p: files.write_jsonl(p, records)),
              (files.PASSAGES, lambda p: files.write_jsonl(p, passages)),
              (files.BM25_TF, lambda p: files.save_term_freqs(p, term_freqs)),
              (files.BM25_VOCAB, lambda p: files.write_json(p, vocabulary)),
              (files.EMBEDDINGS, lambda p: np.save(p, embeddings))]
    for name, write in writes:
        if delay:
            time.sleep(delay)
        write(tmp / name)
    timings = {"read_chunk_s": t_chunk - t0, "segment_s": t_segment - t_chunk,
               "embed_s": t_embed - t_segment}
    manifest = {
        "format": files.FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": settings,
        "model": model_info,
        "corpus": {"root": str(corpus.resolve()), "checksum": checksum, "documents": len(records),
                   "passages": len(passages)},
        "sources": sources,
        "sidecars": sidecars,
        "update": {"files_read": files_read, "files_reused": files_reused,
                   "passages_embedded": len(new_texts), "passages_reused": len(passages) - len(new_texts),
                   "removed": removed},
        "versions": package_versions(),
        "timings": timings,
    }
    if delay:
        time.sleep(delay)
    files.write_manifest(tmp, manifest)
    version = files.publish_version(index_dir, tmp)
    checkpoints.discard()
    if progress is not None:
        progress.finish(passages=len(passages), embedded=len(new_texts))
    timings["write_s"] = time.perf_counter() - t_embed
    timings["total_s"] = time.perf_counter() - t0
    return BuildReport(index_dir, version, False, len(records), len(passages), rejected, timings,
                       files_read=files_read, files_reused=files_reused,
                       passages_embedded=len(new_texts), passages_reused=len(passages) - len(new_texts),
                       removed=removed)
