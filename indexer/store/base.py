"""The store: the one seam between indexing and searching.

Everything above the indexer (the engine, answers, compare/directives, the HTTP update
routes, eval, the benchmarks) reads and writes an index through this interface only;
no module outside `indexer/store/` opens an index file or a database table by name.

Backends (chosen by `indexer.store.open_store(location)`):
- `LocalStore`    a directory of versioned files (the embedded default): CURRENT names
                  the version served; a writer builds a new version and swaps CURRENT.
- `PostgresStore` a `postgresql://` URL: one PostgreSQL server with pgvector, or a
                  coordinator whose passage tables are partitioned over shard servers.

Identity: `passage_id` (str) names a passage across the seam, `doc_id` (str) a
document. Integer rows, term-matrix columns and table keys stay inside a backend.

Filters (`indexer.store.filters.Filters`) are pushed down: a retriever asked for the
top k under filters returns the best k passages *that pass the filters*, however far
down they rank overall, without the caller fetching the whole index.

Scores: `bm25` returns exactly what `rank_bm25.BM25Okapi.get_scores` gives over the
whole index (corpus-wide statistics, also when sharded), ties broken by passage order;
`dense` returns inner products of L2-normalised vectors (cosine).
"""
from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.store.factindex import FactQuery
from indexer.store.filters import Filters

Hit = tuple[str, float]  # (passage_id, score), best first


class StoreError(RuntimeError):
    """A store that is missing, incomplete, corrupted, unreachable or built differently
    from what is asked. The message says what and how to fix it."""


@dataclass
class PassageRecord:
    """What a writer stores per passage. `passage` is the chunker's dict (passage_id,
    doc_id, title, text, paragraph, paragraph_end, heading_path, section, start, end,
    footnotes, content_hash, page…); `terms` its BM25 term counts; `vector` its
    normalised embedding (float32, manifest dim)."""
    passage: dict
    terms: dict[str, int]
    vector: np.ndarray


@dataclass
class DocumentSummary:
    """A document without its text: for listings, filters, facets and scoping."""
    doc_id: str
    title: str
    source: str
    metadata: dict
    passages: int
    extra: dict = field(default_factory=dict)


class Store(abc.ABC):
    """One index, read side. Thread-safe for concurrent readers.

    A reader works on the version it opened; `refresh()` switches to the newest
    committed version (a reader never sees half a document or half a build)."""

    location: str  # the path or URL it was opened with (passwords masked by `describe()`)

    # --- versions -----------------------------------------------------------------------
    @abc.abstractmethod
    def version(self) -> str:
        """The id of the version being read ("v-20261130T101500-…", or a generation number)."""

    @abc.abstractmethod
    def refresh(self) -> bool:
        """Switch to the newest committed version; True when it changed."""

    @abc.abstractmethod
    def manifest(self) -> dict:
        """The version's manifest: {"format", "created_at", "settings": {analyzer, bm25,
        chunking, encoder…}, "model": {"id", "name", "dim"}, "corpus": {"root", "checksum",
        "documents", "passages"}, "sources": {rel_path: {"sha256", "doc_ids"}}, "sidecars",
        "versions", "timings", "update"}. Same shape for every backend."""

    def describe(self) -> str:
        """Where this store lives, safe to log or show (no password)."""
        return self.location

    def snapshot(self) -> "Store":
        """A reader pinned to the version being read: a later `refresh()` of this store does
        not move it. One per request, so a request never mixes two versions (a passage id
        from one search must still resolve when the results are built). Backends without
        versions may return self."""
        return self

    def warnings(self) -> list[str]:
        """What an operator must know about the version served (e.g. the current version was
        corrupt and an older intact one is served instead). Shown by /health and logged."""
        return []

    def repair(self) -> list[str]:
        """Bring the store back to a consistent state (`tracuu index --repair`); returns one
        line per thing done or found, saying what to do when it cannot repair."""
        return [f"{self.describe()}: nothing to repair"]

    # --- documents and passages ----------------------------------------------------------
    @abc.abstractmethod
    def count(self) -> tuple[int, int]:
        """(documents, passages) in the version being read."""

    @abc.abstractmethod
    def document(self, doc_id: str) -> dict | None:
        """The full document record (doc_id, title, source, checksum, text, extra, metadata,
        citations, paragraphs, footnotes), or None."""

    @abc.abstractmethod
    def documents(self, filters: Filters | None = None) -> Iterator[DocumentSummary]:
        """Every document the filters accept, in index order, without their text."""

    @abc.abstractmethod
    def passages(self, passage_ids: Sequence[str]) -> list[dict]:
        """The passages named, in the order asked; unknown ids raise KeyError."""

    def passage(self, passage_id: str) -> dict | None:
        try:
            return self.passages([passage_id])[0]
        except KeyError:
            return None

    @abc.abstractmethod
    def passage_ids(self, doc_id: str) -> list[str]:
        """The passages of one document, in document order ([] for an unknown doc_id)."""

    def iter_passages(self, batch: int = 1000) -> Iterator[dict]:
        """Every passage of the version, in index order (documents in index order, passages
        in document order): for whole-corpus statistics such as the diacritic restorer."""
        for summary in self.documents():
            ids = self.passage_ids(summary.doc_id)
            for first in range(0, len(ids), batch):
                yield from self.passages(ids[first:first + batch])

    @abc.abstractmethod
    def candidates(self, filters: Filters) -> set[str] | None:
        """The passage ids the filters accept (None: no filter, every passage). For callers
        that need the set itself (the answer scope); retrievers take `filters` directly."""

    # --- retrieval ------------------------------------------------------------------------
    @abc.abstractmethod
    def bm25(self, terms: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]:
        """Top-k passages by Okapi BM25 for the analysed query terms (repeated terms count
        again), passages scoring 0 left out."""

    @abc.abstractmethod
    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None,
              exact: bool | None = None) -> list[Hit]:
        """Top-k passages by inner product with a normalised query vector. `exact` forces
        an exhaustive scan (None: the backend's default for its size)."""

    @abc.abstractmethod
    def matching_documents(self, terms: Sequence[str], filters: Filters | None = None) -> list[str]:
        """doc_ids of every document with at least one passage matching a query term under
        the filters: what facet counts and result totals count."""

    # --- reuse for incremental builds ------------------------------------------------------
    @abc.abstractmethod
    def reusable(self, content_hashes: Iterable[str]) -> dict[str, tuple[dict[str, int], np.ndarray]]:
        """For passage content hashes already indexed: their term counts and vector, so an
        incremental build segments and embeds only new text."""

    # --- writing -----------------------------------------------------------------------------
    @abc.abstractmethod
    def writer(self) -> "StoreWriter":
        """The one writer (an exclusive lock across processes); use as a context manager."""

    # --- the table of figures (indexer/facts.py) ----------------------------------------------
    def facts(self, filters: Filters | None = None, query: "FactQuery | None" = None) -> Iterator[dict] | None:
        """The figures extracted at index time (one dict per figure: indicator, value, unit,
        kind, place, level, period, doc_id, passage_id, paragraph, span, sentence; see
        indexer/facts.py) of the documents the filters accept (their years are the
        facts' own periods) that answer the query (indexer/store/factindex.py), in index
        order, found through the store's index of facts. None: this store keeps no facts
        (the answer stage then extracts them from the documents)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections, memory maps."""


class StoreWriter(abc.ABC):
    """Changes to a store, published all at once by `commit()`.

    Full builds, incremental updates (`tracuu add/remove`, the HTTP upload routes) and the
    benchmarks all write through it. Until `commit()` returns, readers see the previous
    version; a writer killed at any point leaves the previous version served and nothing
    already indexed lost. BM25 statistics after a commit equal those of a build from
    scratch over the same passages.

        with store.writer() as w:
            w.set_manifest(manifest)          # settings, model, corpus, sources
            w.remove_documents(["old.txt"])
            w.add_document(record, [PassageRecord(...), ...])
            w.commit()                        # atomic; leaving the block without it aborts
    """

    @abc.abstractmethod
    def set_manifest(self, manifest: dict) -> None:
        """The manifest of the version being written (see `Store.manifest`)."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Start from an empty index (a full rebuild) instead of the current version."""

    @abc.abstractmethod
    def add_document(self, record: dict, passages: Sequence[PassageRecord]) -> None:
        """Add a document (replacing one with the same doc_id) with its passages, in order."""

    @abc.abstractmethod
    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        """Withdraw documents and their passages; unknown ids are ignored."""

    @abc.abstractmethod
    def commit(self) -> str:
        """Publish atomically; returns the new version id."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop everything written since the writer was opened."""

    def set_facts(self, doc_id: str, facts: Sequence[dict]) -> None:  # noqa: B027 - optional
        """The figures of a document added in this writer, instead of those the writer
        extracts itself (indexer/facts.py `document_facts`, run on every document added);
        they are replaced with the document and removed with it. A backend that keeps no
        facts ignores them (its `Store.facts` returns None)."""

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.abort()  # a no-op after commit()
