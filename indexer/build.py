"""Build an index version: read → chunk → segment → embed → write, timed per stage.

Incremental: a build compares the corpus with the version the store serves.
- a source file whose bytes (sha256) are unchanged keeps its document records and
  passages without being read again (`manifest["sources"]`);
- a passage whose index text (title, headings, text, footnotes; sha256 = its
  `content_hash`) is already in the store keeps its embedding and BM25 term counts
  (`Store.reusable`): only new passage texts are segmented and embedded;
- deleted files simply are not carried over.
The new version is written from scratch through the store's writer (every document in
corpus order), so it equals a build from scratch (tests/test_incremental.py checks it);
the store recomputes the BM25 statistics over all passages.
"""
from __future__ import annotations

import hashlib
import os
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from indexer.analysis import Analyzer, AnalyzerConfig
from indexer.chunker import MAX_PASSAGE_CHARS, chunk_document, parse_document, section_label
from indexer.documents import Document, IngestError, corpus_checksum
from indexer.embed_pipeline import EmbedPlan
from indexer.encoders import Encoder, model_id, resolve_model
from indexer.facts import extractor_fingerprint
from indexer.metadata import load_sidecar
from indexer.store import FORMAT_VERSION, PassageRecord, Store, StoreError, open_store

# rank_bm25's BM25Okapi defaults; recorded in the manifest and used by search/bm25.py
BM25_PARAMS = {"k1": 1.5, "b": 0.75, "epsilon": 0.25}


def content_hash(index_text: str) -> str:
    """A passage's identity for reuse: the sha256 of the text the analyser and encoder see."""
    return hashlib.sha256(index_text.encode("utf-8")).hexdigest()


@dataclass
class BuildReport:
    store: str  # where the index lives (Store.describe())
    version: str | None
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
    passages_restored: int = 0  # vectors from the checkpoints of a killed build (not embedded again)
    removed: list[str] = field(default_factory=list)  # doc_ids dropped since the last version

    @property
    def failed(self) -> list[IngestError]:
        return [e for e in self.rejected if not e.skipped and not hasattr(e, "of")]

    @property
    def duplicates(self) -> list[IngestError]:
        """Files not indexed because they repeat a document (indexer.duplicates.DuplicateError)."""
        return [e for e in self.rejected if hasattr(e, "of")]

    @property
    def skipped_files(self) -> list[IngestError]:
        return [e for e in self.rejected if e.skipped]

    def counts(self) -> str:
        duplicates = f", {len(self.duplicates)} duplicate(s) not indexed" if self.duplicates else ""
        return (f"{self.documents} documents indexed, {len(self.skipped_files)} file(s) skipped, "
                f"{len(self.failed)} file(s) failed{duplicates}")

    def summary(self) -> str:
        if self.skipped:
            return (f"index {self.store} is up to date ({self.documents} documents, "
                    f"{self.passages} passages); nothing to do; {self.counts()}")
        t = self.timings
        return (f"indexed {self.documents} documents into {self.passages} passages in "
                f"{t.get('total_s', 0):.1f}s (read+chunk {t.get('read_chunk_s', 0):.1f}s, "
                f"segment {t.get('segment_s', 0):.1f}s, embed {t.get('embed_s', 0):.1f}s, "
                f"write {t.get('write_s', 0):.1f}s); files read {self.files_read}, unchanged "
                f"{self.files_reused}, removed documents {len(self.removed)}; passages embedded "
                f"{self.passages_embedded}, reused {self.passages_reused}"
                f"{f', restored from checkpoints {self.passages_restored}' if self.passages_restored else ''}"
                f" → {self.version}\n"
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
    from indexer.duplicates import fingerprint
    from indexer.metadata import apply_overrides, extract_metadata, find_references

    parsed = parse_document(doc.text)
    metadata = extract_metadata(doc.doc_id, doc.title, doc.text)
    if metadata_override is not None:
        metadata = apply_overrides(metadata, metadata_override)
    return {
        "doc_id": doc.doc_id, "title": doc.title, "source": doc.source, "checksum": doc.checksum,
        "text": doc.text, "extra": {**(doc.extra or {}), "fingerprint": fingerprint(doc.text).to_dict()},
        "metadata": metadata,
        "citations": [{"id": r["id"], "start": r["start"], "end": r["end"]} for r in find_references(doc.text)],
        "paragraphs": [{"n": p.number, "kind": p.kind, "start": p.start, "end": p.end,
                        "section": section_label(p.path), "text": p.text} for p in parsed.paragraphs],
        "footnotes": [{"marker": f.marker, "text": f.text, "start": f.start, "end": f.end}
                      for f in parsed.footnotes.values()],
    }, parsed


def _drop_duplicates(items: list, sources: dict, indexed_before: set[str], rejected: list, log) -> list:
    """`items` without the documents new to the index whose text repeats a kept one: the
    documents of the served version first (never dropped), then the new ones in corpus order.
    A dropped document leaves `sources` too, so the next build reads and reports it again."""
    from indexer.duplicates import DuplicateError, DuplicateIndex, record_fingerprint

    def doc_id(entry) -> str:
        return entry[1]["doc_id"] if entry[0] == "reused" else entry[1].doc_id

    def fp(entry):
        return record_fingerprint(entry[1] if entry[0] == "reused" else entry[2])

    kept = DuplicateIndex()
    for entry in items:
        if doc_id(entry) in indexed_before:
            kept.add(doc_id(entry), fp(entry))
    dropped: set[str] = set()
    for entry in items:
        if doc_id(entry) in indexed_before:
            continue
        new_print = fp(entry)
        found = kept.find(doc_id(entry), new_print)
        if found is None:
            kept.add(doc_id(entry), new_print)
            continue
        source = entry[1].source if entry[0] == "new" else entry[1]["source"]
        err = DuplicateError(source, found[0], found[1])
        rejected.append(err)
        log(f"duplicate {err.path}: {err.reason}")
        dropped.add(doc_id(entry))
    if not dropped:
        return items
    for rel in list(sources):
        left = [d for d in sources[rel]["doc_ids"] if d not in dropped]
        if left:
            sources[rel]["doc_ids"] = left
        else:
            del sources[rel]
    return [e for e in items if doc_id(e) not in dropped]


def build_settings(model: str, analyzer_config: AnalyzerConfig, max_chars: int,
                   encoder_backend: str | None = None) -> dict:
    """What makes two indexes of the same corpus differ; equal settings + corpus = fresh."""
    from indexer.encoders import DEFAULT_BACKEND

    return {"format": FORMAT_VERSION, "model": model_id(model),
            "encoder": encoder_backend or DEFAULT_BACKEND,
            "analyzer": analyzer_config.to_dict(), "bm25": BM25_PARAMS,
            "chunking": {"max_chars": max_chars}}


def served_manifest(store: Store) -> dict:
    """The manifest of the version the store serves ({} when empty or unreadable)."""
    try:
        return store.manifest()
    except StoreError:
        return {}


def build_index(corpus: Path, store: Store | str | Path, model: str | None = None,
                encoder: Encoder | None = None, analyzer_config: AnalyzerConfig | None = None,
                max_chars: int = MAX_PASSAGE_CHARS, force: bool = False, progress=False,
                log=lambda msg: print(msg, file=sys.stderr), encoder_backend: str | None = None,
                embed_plan: EmbedPlan | None = None, allow_duplicates: bool = False,
                staged: dict[str, Path] | None = None) -> BuildReport:
    """Index `corpus` into a new version of `store` (a Store, or its location) and serve it.

    Incremental unless `force`: files unchanged since the served version are not read
    again, passages whose text is unchanged keep their embeddings and term counts; the
    result equals a build from scratch. One writer at a time (the store's writer lock);
    readers keep serving the previous version until the new one is committed.

    Embedding (indexer/embed_pipeline.py): `encoder_backend` ("onnx-fp32", "onnx-int8", "torch"; default
    $TRACUU_ENCODER, else the backend the index was built with, else the default backend),
    `embed_plan` (local worker processes or a Ray cluster), checkpoints in
    INDEX_DIR/.embed-checkpoints so a killed build resumes; `progress` a
    `indexer.progress.BuildProgress` (or True for the default display).

    Duplicates (indexer/duplicates.py): a document not in the served version whose text
    repeats one that is, or one read earlier in this run, is not indexed but reported in
    `rejected` (a DuplicateError naming the other); `allow_duplicates` indexes it anyway.
    Documents already indexed are never dropped as duplicates.

    `staged`: files being added (name in the corpus folder → a hidden staging copy there,
    indexer/updates.py), indexed as if they were in the folder and moved into it once the
    version holding them is committed; a staged file that is refused is deleted."""
    store = open_store(store)
    with store.writer() as writer:
        return _build_locked(Path(corpus), store, writer, model, encoder, analyzer_config, max_chars, force,
                             progress, log, encoder_backend, embed_plan, allow_duplicates,
                             staged or {})


def _passages(doc: Document, parsed, max_chars: int, path: str) -> list[tuple[dict, str]]:
    """A new document's passages (dicts as stored) with their index texts; IngestError when
    there are more than TRACUU_MAX_PASSAGES (nothing of it is segmented or embedded)."""
    from indexer.document import check_passage_count
    from indexer.readers.pdf import page_at
    from indexer.readers.spreadsheet import table_row_place

    table = bool((doc.extra or {}).get("table_rows"))  # a spreadsheet: one passage per row
    chunks = chunk_document(doc.doc_id, doc.title, doc.text, parsed, max_chars=max_chars, one_per_paragraph=table)
    check_passage_count(path, len(chunks))
    pages = (doc.extra or {}).get("pages")
    ocr_pages = ((doc.extra or {}).get("ocr") or {}).get("pages") or {}  # page → mean word confidence
    out = []
    for passage in chunks:
        if table:
            passage.section, passage.heading_path = table_row_place(doc.extra, passage.start)
        data = passage.to_dict()
        text = passage.index_text()
        data["content_hash"] = content_hash(text)
        if pages:
            data["page"] = page_at(pages, passage.start)
            data["page_end"] = page_at(pages, max(passage.start, passage.end - 1))
            if str(data["page"]) in ocr_pages:
                data["ocr"], data["ocr_confidence"] = True, ocr_pages[str(data["page"])]
        out.append((data, text))
    return out


STAGED_PREFIX = ".adding-"  # .adding-<pid>-<name>: a file `tracuu add` has not committed yet


def staging_path(root: Path, name: str) -> Path:
    """Where `tracuu add` stages `name` in the corpus folder `root` until it is indexed:
    hidden (corpus scans skip dot files), on the same file system (the final move is a rename)."""
    return root / f"{STAGED_PREFIX}{os.getpid()}-{name}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def finish_interrupted_adds(corpus: Path, previous: dict, log) -> list[str]:
    """Files staged by an add that was killed (its process is gone): one the served version
    already indexes (killed after its commit) is moved into the corpus folder; any other is
    deleted. Each is logged; returns the names moved in."""
    from indexer.store.files import file_sha256

    if not corpus.is_dir():
        return []
    sources, moved = previous.get("sources", {}), []
    for path in sorted(corpus.glob(STAGED_PREFIX + "*")):
        pid, _, name = path.name[len(STAGED_PREFIX):].partition("-")
        if not pid.isdigit() or not name or _pid_alive(int(pid)):
            continue
        if sources.get(name, {}).get("sha256") == file_sha256(path):
            path.replace(corpus / name)
            moved.append(name)
            log(f"picked up {name}: an interrupted `tracuu add` indexed it but had not moved it into {corpus}")
        else:
            path.unlink(missing_ok=True)
            log(f"discarded {path.name}: an interrupted `tracuu add` of {name} did not index it")
    return moved


def _place_staged(corpus: Path, staged: dict[str, Path], indexed: dict) -> None:
    """After the commit: staged files the version indexes move into the corpus folder (a
    rename), refused ones are deleted."""
    for name, path in staged.items():
        if name in indexed:
            path.replace(corpus / name)
        else:
            path.unlink(missing_ok=True)


def _build_locked(corpus: Path, store: Store, writer, model, encoder, analyzer_config, max_chars,
                  force, progress, log, encoder_backend=None, embed_plan=None,
                  allow_duplicates=False,
                  staged: dict[str, Path] | None = None) -> BuildReport:
    from types import SimpleNamespace

    from indexer import embed_pipeline
    from indexer.documents import is_sidecar, iter_corpus_files, read_path, scan_corpus
    from indexer.progress import BuildProgress
    from indexer.store.files import file_sha256

    if progress is True:
        progress = BuildProgress()
    progress = progress or None
    analyzer_config = analyzer_config or AnalyzerConfig()
    model_name = encoder.name if encoder is not None else resolve_model(model)
    t0 = time.perf_counter()
    previous = served_manifest(store)
    finish_interrupted_adds(corpus, previous, log)  # by what the served version indexes, forced or not
    indexed_before = {d for src in previous.get("sources", {}).values() for d in src.get("doc_ids", [])}
    backend = embed_pipeline.choose_backend(previous, encoder, encoder_backend, force, where=store.describe())
    settings = build_settings(model_name, analyzer_config, max_chars, backend)
    if force or previous.get("settings") != settings:
        previous = {}  # built differently (or forced): nothing is reused
    previous_sources = previous.get("sources", {})
    previous_docs = {d.doc_id for d in store.documents()} if previous else set()

    staged = staged or {}
    scanned = [s for s in scan_corpus(corpus) if s[1] not in staged]
    scanned += [(path, name, file_sha256(path)) for name, path in staged.items()]
    if staged:
        scanned.sort(key=lambda s: corpus / s[1])  # corpus order, as if the staged files were in the folder
    from indexer.readers.ocr import set_page_listener
    set_page_listener(progress.ocr_pages if progress is not None else None)  # scanned pages OCR'd
    sidecars = {} if corpus.is_file() else {
        p.relative_to(corpus).as_posix(): file_sha256(p) for p in iter_corpus_files(corpus) if is_sidecar(p)}
    sidecars_same = sidecars == previous.get("sidecars", {})
    metadata_overrides = {} if corpus.is_file() else load_sidecar(corpus)

    # --- read what changed, carry over what did not ----------------------------------
    items: list = []  # ("reused", record, passages) | ("new", Document, record, [(passage, index text)])
    rejected: list[IngestError] = []
    sources: dict[str, dict] = {}
    seen: dict[str, str] = {}
    files_read = files_reused = 0
    for files_done, (path, rel, sha) in enumerate(scanned, 1):
        if progress is not None:
            progress.files(files_done, len(scanned))
        before = previous_sources.get(rel)
        reuse = (before is not None and before.get("sha256") == sha and sidecars_same
                 and all(d in previous_docs for d in before.get("doc_ids", [])))
        try:
            if reuse:
                entries = [("reused", store.document(d), store.passages(store.passage_ids(d)))
                           for d in before["doc_ids"]]
                files_reused += 1
            else:
                files_read += 1
                entries = []
                for doc in read_path(path, corpus, rel):
                    record, parsed = document_record(doc, metadata_overrides.get(doc.doc_id))
                    entries.append(("new", doc, record, _passages(doc, parsed, max_chars, str(path))))
            for entry in entries:
                doc_id = entry[1]["doc_id"] if entry[0] == "reused" else entry[1].doc_id
                if doc_id in seen:
                    raise IngestError(str(path), f"duplicate doc_id {doc_id!r} (also in {seen[doc_id]})")
                seen[doc_id] = str(path)
        except IngestError as err:
            if rel in staged:  # named as it was added, not by its staging copy
                err = IngestError(rel, err.reason, err.skipped)
            rejected.append(err)
            log(f"{'skipped' if err.skipped else 'failed'} {err.path}: {err.reason}")
            continue
        items += entries
        sources[rel] = {"sha256": sha, "doc_ids": [e[1]["doc_id"] if e[0] == "reused" else e[1].doc_id
                                                  for e in entries]}
        # pages OCR could not read or read badly ("trang 3: chất lượng quét thấp"), for /health
        problems = (before or {}).get("page_problems", []) if reuse else [
            p for e in entries for p in (e[1].extra or {}).get("page_problems", [])]
        if problems:
            sources[rel]["page_problems"] = problems
    if not allow_duplicates:
        items = _drop_duplicates(items, sources, indexed_before, rejected, log)
    records = [e[1] if e[0] == "reused" else e[2] for e in items]
    checksum = corpus_checksum([SimpleNamespace(doc_id=r["doc_id"], checksum=r["checksum"]) for r in records])
    removed = sorted(previous_docs - {r["doc_id"] for r in records})
    # fresh: same settings, corpus and sources, facts extracted by this code, and the store
    # serves its current version intact (a store serving an older version instead of a
    # damaged one is rebuilt)
    if (previous and previous.get("corpus", {}).get("checksum") == checksum
            and previous.get("sources", sources) == sources
            and previous.get("facts_extractor") == extractor_fingerprint() and not store.warnings()):
        writer.abort()
        _place_staged(corpus, staged, sources)
        return BuildReport(store.describe(), store.version(), True, previous["corpus"]["documents"],
                           previous["corpus"]["passages"], rejected,
                           files_read=files_read, files_reused=files_reused)
    if not items:
        raise IngestError(str(corpus), "no documents to index (nothing readable found)")

    # --- passages: reuse term counts and embeddings by passage content ----------------
    doc_passages: list[list[dict]] = []  # per item, its passages in order
    new_texts: dict[str, str] = {}  # content_hash → index text, for passages not in the store
    for entry in items:
        if entry[0] == "reused":
            doc_passages.append(entry[2])
            continue
        for data, text in entry[3]:
            new_texts[data["content_hash"]] = text
        doc_passages.append([data for data, _ in entry[3]])
    all_hashes = [p["content_hash"] for ps in doc_passages for p in ps]
    reused = store.reusable(all_hashes) if previous else {}
    for entry, passages in zip(items, doc_passages):
        if entry[0] == "reused" and not all(p["content_hash"] in reused for p in passages):
            raise StoreError(f"{store.describe()} lacks the term counts or vectors of {entry[1]['doc_id']}; "
                             f"rebuild with `tracuu index {corpus} --force`")
    to_embed = [h for h in dict.fromkeys(all_hashes) if h not in reused]
    n_passages = len(all_hashes)
    t_chunk = time.perf_counter()

    analyzer = Analyzer(analyzer_config)
    if progress is not None and to_embed:
        progress.start_stage("segment", passages=len(to_embed))
    new_terms = analyzer.terms_many([new_texts[h] for h in to_embed]) if to_embed else []
    t_segment = time.perf_counter()

    # --- embed: the one step that runs the model (only passages not in the store) ------
    if to_embed or not previous:
        encoder = encoder or Encoder(model_name, backend=backend)
        model_info = {"id": encoder.id, "name": encoder.name, "dim": encoder.dim, "encoder": backend}
    else:  # nothing new to embed: the model is the previous version's (same settings)
        model_info = dict(previous["model"])
    checkpoints = embed_pipeline.Checkpoints(embed_pipeline.checkpoint_folder(store.location))
    if progress is not None and to_embed:
        progress.log(f"embedding {len(to_embed)} passages with {encoder.id} ({backend}, "
                     f"{(embed_plan or EmbedPlan()).describe()}; {n_passages - len(to_embed)} reused)")
    new_vectors = embed_pipeline.embed_passages([new_texts[h] for h in to_embed], encoder, embed_plan,
                                                checkpoints, progress, log=log) if to_embed else []
    t_embed = time.perf_counter()

    # --- write: every document, in corpus order, through the store's writer -------------
    fresh = {h: (dict(Counter(terms)), vector) for h, terms, vector in zip(to_embed, new_terms, new_vectors)}
    writer.reset()
    for record, passages in zip(records, doc_passages):
        writer.add_document(record, [PassageRecord(p, *(reused.get(p["content_hash"]) or fresh[p["content_hash"]]))
                                     for p in passages])
    timings = {"read_chunk_s": t_chunk - t0, "segment_s": t_segment - t_chunk,
               "embed_s": t_embed - t_segment}
    # embedded: passages the model embedded in this run; restored: new to the store, but their
    # vectors come from the checkpoints of a run that was killed (its work, not this run's)
    restored = sum(1 for h in all_hashes if h not in reused and new_texts[h] in checkpoints.restored)
    embedded = sum(1 for h in all_hashes if h not in reused) - restored
    writer.set_manifest({
        "format": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": settings,
        "facts_extractor": extractor_fingerprint(),  # facts other code extracted are extracted again
        "model": model_info,
        "corpus": {"root": str(corpus.resolve()), "checksum": checksum, "documents": len(records),
                   "passages": n_passages},
        "sources": sources,
        "sidecars": sidecars,
        "update": {"files_read": files_read, "files_reused": files_reused,
                   "passages_embedded": embedded, "passages_restored": restored,
                   "passages_reused": n_passages - embedded - restored,
                   "removed": removed},
        "versions": package_versions(),
        "timings": timings,
    })
    version = writer.commit()
    _place_staged(corpus, staged, sources)
    checkpoints.discard()
    set_page_listener(None)
    if progress is not None:
        progress.finish(passages=n_passages, embedded=embedded)
    timings["write_s"] = time.perf_counter() - t_embed
    timings["total_s"] = time.perf_counter() - t0
    return BuildReport(store.describe(), version, False, len(records), n_passages, rejected, timings,
                       files_read=files_read, files_reused=files_reused,
                       passages_embedded=embedded, passages_restored=restored,
                       passages_reused=n_passages - embedded - restored,
                       removed=removed)
