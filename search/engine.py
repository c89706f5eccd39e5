"""The application object behind the CLI and the HTTP API: ranked, cited passages.

One `SearchEngine` per index directory. It serves whichever index version CURRENT
names and switches to a newer one (`reload_if_changed`) without dropping requests in
flight: each request works on the `IndexState` it started with.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from indexer import index_files as files
from indexer.citation import format_citation
from indexer.embedding import DEFAULT_MODEL_DIR, MODEL_ENV, Encoder, model_id
from search.fusion import normalized_score_fusion, reciprocal_rank_fusion
from search.highlight import highlight_spans
from search.index_store import IndexState, load_state

MODES = ("bm25", "dense", "hybrid")
FUSIONS = ("rrf", "score")
MAX_K = 100


class QueryError(ValueError):
    """A request that cannot be answered as asked (empty query, k out of range, …)."""


class SearchEngine:
    def __init__(self, index_dir: Path, model: str | None = None, encoder: Encoder | None = None,
                 verify: bool = True, rrf_k: float = 60.0, weights: dict[str, float] | None = None,
                 fusion: str = "rrf", depth: int = 100):
        import os

        self.index_dir = Path(index_dir)
        self.requested_model = model or os.environ.get(MODEL_ENV)
        self.verify = verify
        self.rrf_k = rrf_k
        self.weights = weights or {"bm25": 1.0, "dense": 1.0}
        self.fusion = fusion
        self.depth = depth
        self._lock = threading.Lock()
        self.state: IndexState = load_state(self.index_dir, self.requested_model, verify)
        self._encoder = encoder

    # --- model --------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = Encoder(self._model_location())
            return self._encoder

    def _model_location(self) -> str:
        if self.requested_model:
            return self.requested_model
        name = self.state.manifest["model"]["name"]
        if Path(name).exists() or not name.startswith(("/", ".")):
            return name
        # the index was built in another checkout: the same converted model lives here
        if model_id(str(DEFAULT_MODEL_DIR)) == self.state.model_id:
            return str(DEFAULT_MODEL_DIR)
        return name

    # --- index versions -------------------------------------------------------------
    def reload_if_changed(self) -> bool:
        version = files.current_version(self.index_dir)
        if version is None or version == self.state.version:
            return False
        state = load_state(self.index_dir, self.requested_model, self.verify)
        if self._encoder is not None and state.model_id != self._encoder.id:
            raise files.IndexError_(f"new index version uses model {state.model_id!r}; restart to load it")
        self.state = state
        return True

    # --- search ---------------------------------------------------------------------
    def validate(self, query: str, k: int, mode: str) -> str:
        if query is None or not str(query).strip():
            raise QueryError("query must not be empty")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        return str(query).strip()

    def rank(self, query: str, k: int, mode: str = "hybrid", state: IndexState | None = None,
             allowed: set[int] | None = None) -> list[tuple[int, float, dict]]:
        """(passage row, score, per-retriever scores), best first. `allowed` restricts the
        rows (filters); retrievers then look deeper so k allowed rows can still be found."""
        state = state or self.state
        depth = max(self.depth, 3 * k)
        if allowed is not None:
            depth = max(depth, min(state.bm25.size, depth * 4))
        lists: dict[str, list[tuple[int, float]]] = {}
        if mode in ("bm25", "hybrid"):
            lists["bm25"] = state.bm25.search(state.analyzer.terms(query), state.bm25.size if allowed else depth)
        if mode in ("dense", "hybrid"):
            vector = self.encoder.encode_queries([self.dense_query(query, state)])[0]
            lists["dense"] = state.dense.search(vector, state.dense.size if allowed else depth)
        if allowed is not None:
            lists = {name: [(r, s) for r, s in ranking if r in allowed][:depth]
                     for name, ranking in lists.items()}
        per_retriever = {name: dict(ranking) for name, ranking in lists.items()}
        if mode == "hybrid":
            if self.fusion == "score":
                fused = normalized_score_fusion(lists, self.weights)
            else:
                fused = reciprocal_rank_fusion(lists, k=self.rrf_k, weights=self.weights)
        else:
            fused = lists[mode]
        return [(row, score, {name: scores.get(row) for name, scores in per_retriever.items()})
                for row, score in fused[:k]]

    def dense_query(self, query: str, state: IndexState | None = None) -> str:
        """What the encoder sees: an unaccented Vietnamese query gets its diacritics back
        (the encoder cannot read 'khieu nai'; BM25 matches it through its folded stream)."""
        state = state or self.state
        from search.diacritics import needs_restoring

        if needs_restoring(query, state.restorer):
            return state.restorer.restore(query)
        return query

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               allowed: set[int] | None = None) -> dict:
        started = time.perf_counter()
        query = self.validate(query, k, mode)
        state = self.state
        ranked = self.rank(query, k, mode, state, allowed)
        results = [self.result(state, row, rank, score, query, scores)
                   for rank, (row, score, scores) in enumerate(ranked, start=1)]
        response = {"query": query, "mode": mode,
                    "took_ms": round((time.perf_counter() - started) * 1000, 2), "results": results}
        if mode != "bm25":
            restored = self.dense_query(query, state)
            if restored != query:
                response["query_restored"] = restored
        return response

    def result(self, state: IndexState, row: int, rank: int, score: float, query: str,
               scores: dict | None = None) -> dict:
        passage = state.passages[row]
        return {
            "rank": rank, "score": round(float(score), 6), "passage_id": passage["passage_id"],
            "doc_id": passage["doc_id"], "title": passage["title"], "paragraph": passage["paragraph"],
            "heading_path": passage["heading_path"], "section": passage["section"],
            "text": passage["text"], "highlights": highlight_spans(passage["text"], query),
            "citation": self.citation(state, passage),
            "span": [passage["start"], passage["end"]], "footnotes": passage["footnotes"],
            "scores": {name: (None if s is None else round(float(s), 6)) for name, s in (scores or {}).items()},
        }

    def citation(self, state: IndexState, passage: dict) -> str:
        return format_citation(passage["title"], passage["section"], passage["paragraph"],
                               passage.get("paragraph_end"), page=passage.get("page"),
                               page_end=passage.get("page_end"))

    # --- documents ------------------------------------------------------------------
    def health(self) -> dict:
        state = self.state
        return {"status": "ok", "model": state.model_id, "dimension": state.manifest["model"]["dim"],
                "documents": len(state.documents), "passages": len(state.passages),
                "index_version": state.version.name, "created_at": state.manifest.get("created_at")}

    def document(self, doc_id: str) -> dict | None:
        state = self.state
        record = state.documents.get(doc_id)
        if record is None:
            return None
        passages = [state.passages[r] | {"citation": self.citation(state, state.passages[r])}
                    for r in state.passages_by_doc.get(doc_id, [])]
        return {"doc_id": doc_id, "title": record["title"], "source": record["source"],
                "text": record["text"], "paragraphs": record["paragraphs"],
                "footnotes": record["footnotes"], "passages": passages}

    def paragraph(self, doc_id: str, number: int) -> dict | None:
        state = self.state
        record = state.documents.get(doc_id)
        if record is None:
            return None
        for paragraph in record["paragraphs"]:
            if paragraph["n"] == number:
                rows = [r for r in state.passages_by_doc.get(doc_id, [])
                        if state.passages[r]["paragraph"] <= number <= state.passages[r]["paragraph_end"]]
                return {"doc_id": doc_id, "title": record["title"], "paragraph": number,
                        "kind": paragraph["kind"], "section": paragraph["section"],
                        "text": paragraph["text"], "span": [paragraph["start"], paragraph["end"]],
                        "passage_ids": [state.passages[r]["passage_id"] for r in rows]}
        return None
