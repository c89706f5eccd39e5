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
from indexer.metadata import normalize_reference
from search.filters import Filters, allowed_rows, facet_value, facets, reference_ids
from search.fusion import normalized_score_fusion, reciprocal_rank_fusion
from search.highlight import highlight_spans
from search.index_store import IndexState, load_state

MODES = ("bm25", "dense", "hybrid")
FUSIONS = ("rrf", "score")
MAX_K = 100
GROUP_BY = ("province", "year", "doc_type")


def citation_place_and_time(metadata: dict) -> list[str]:
    """'Bình Sơn, Quảng Ngãi', '07/2020' — where and when, for the citation string."""
    place = ", ".join(p for p in (metadata.get("district"), metadata.get("province")) if p)
    date, when = metadata.get("date"), ""
    if date:
        parts = date.split("-")
        when = "/".join(reversed(parts)) if len(parts) > 1 else parts[0]
    elif metadata.get("period"):
        period = metadata["period"]
        when = str(period["from"]) if period["from"] == period.get("to") else f"{period['from']}–{period['to']}"
    return [x for x in (place, when) if x]


class QueryError(ValueError):
    """A request that cannot be answered as asked (empty query, k out of range, …)."""


class SearchEngine:
    def __init__(self, index_dir: Path, model: str | None = None, encoder: Encoder | None = None,
                 verify: bool = True, rrf_k: float = 60.0, weights: dict[str, float] | None = None,
                 fusion: str = "score", depth: int = 100):
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
                from indexer.embed_pipeline import query_backend

                # queries are encoded by the backend that embedded the passages
                self._encoder = Encoder(self._model_location(),
                                        backend=query_backend(self.state.manifest, self.index_dir))
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
        if self._encoder is not None and getattr(self._encoder, "backend", None):
            from indexer.embed_pipeline import manifest_backend

            if manifest_backend(state.manifest) != self._encoder.backend:
                raise files.IndexError_(f"new index version was embedded with the "
                                        f"{manifest_backend(state.manifest)!r} encoder; restart to load it")
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

    def fused(self, query: str, mode: str = "hybrid", state: IndexState | None = None,
              allowed: set[int] | None = None, depth: int | None = None,
              dense_text: str | None = None) -> list[tuple[int, float, dict]]:
        """The candidate pool, best first: (passage row, score, per-retriever scores).
        `allowed` restricts the rows (filters); retrievers then scan everything so that
        the best allowed rows are found however far down they rank overall."""
        state = state or self.state
        depth = depth or self.depth
        lists: dict[str, list[tuple[int, float]]] = {}
        if mode in ("bm25", "hybrid"):
            lists["bm25"] = state.bm25.search(state.analyzer.terms(self.bm25_query(query)),
                                              state.bm25.size if allowed is not None else depth)
        if mode in ("dense", "hybrid"):
            vector = self.encoder.encode_queries([dense_text or self.dense_query(query, state)])[0]
            lists["dense"] = state.dense.search(vector, state.dense.size if allowed is not None else depth)
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
                for row, score in fused]

    def rank(self, query: str, k: int, mode: str = "hybrid", state: IndexState | None = None,
             allowed: set[int] | None = None) -> list[tuple[int, float, dict]]:
        return self.fused(query, mode, state, allowed, depth=max(self.depth, 3 * k))[:k]

    @staticmethod
    def bm25_query(query: str) -> str:
        """An English query shares no words with Vietnamese reports but names (Nghe An):
        BM25 gets the Vietnamese terms of its content words too (complaints → khiếu nại)."""
        from search.answer.question import detect_language, english_to_vietnamese_terms

        if detect_language(query) != "en":
            return query
        missing = [t for t in english_to_vietnamese_terms(query) if t not in query]  # /ask adds them already
        return " ".join([query, *missing])

    def dense_query(self, query: str, state: IndexState | None = None) -> str:
        """What the encoder sees: an unaccented Vietnamese query gets its diacritics back
        (the encoder cannot read 'khieu nai'; BM25 matches it through its folded stream)."""
        state = state or self.state
        from search.diacritics import needs_restoring

        if needs_restoring(query, state.restorer):
            return state.restorer.restore(query)
        return query

    def allowed(self, filters: Filters | None, state: IndexState) -> set[int] | None:
        return allowed_rows(filters, state.documents, state.passages_by_doc)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None) -> dict:
        started = time.perf_counter()
        query = self.validate(query, k, mode)
        state = self.state
        restored = self.dense_query(query, state) if mode != "bm25" else query
        pool = self.fused(query, mode, state, self.allowed(filters, state), depth=max(self.depth, 3 * k),
                          dense_text=restored)
        results = [self.result(state, row, rank, score, query, scores)
                   for rank, (row, score, scores) in enumerate(pool[:k], start=1)]
        response = {"query": query, "mode": mode,
                    "took_ms": round((time.perf_counter() - started) * 1000, 2), "results": results,
                    "filters": filters.to_dict() if filters else {},
                    # facets count passages among the candidate pool (the best `depth` passages)
                    "facets": facets([row for row, _, _ in pool], state.passages, state.documents)}
        if restored != query:
            response["query_restored"] = restored
        return response

    def result(self, state: IndexState, row: int, rank: int, score: float, query: str,
               scores: dict | None = None) -> dict:
        passage = state.passages[row]
        metadata = self.metadata(state, passage["doc_id"])
        hit = {
            "rank": rank, "score": round(float(score), 6), "passage_id": passage["passage_id"],
            "doc_id": passage["doc_id"], "title": passage["title"], "paragraph": passage["paragraph"],
            "heading_path": passage["heading_path"], "section": passage["section"],
            "text": passage["text"], "highlights": highlight_spans(passage["text"], query),
            "citation": self.citation(state, passage),
            "span": [passage["start"], passage["end"]], "footnotes": passage["footnotes"],
            "metadata": metadata,
            "scores": {name: (None if s is None else round(float(s), 6)) for name, s in (scores or {}).items()},
        }
        if passage.get("page"):
            hit["page"] = passage["page"]
        return hit

    @staticmethod
    def metadata(state: IndexState, doc_id: str) -> dict:
        """A document's metadata as results carry it: cited directives by id only."""
        metadata = dict(state.documents[doc_id].get("metadata") or {})
        metadata["references"] = reference_ids(metadata)
        return metadata

    def citation(self, state: IndexState, passage: dict) -> str:
        metadata = state.documents[passage["doc_id"]].get("metadata") or {}
        return format_citation(passage["title"], passage["section"], passage["paragraph"],
                               passage.get("paragraph_end"), extra=citation_place_and_time(metadata),
                               page=passage.get("page"), page_end=passage.get("page_end"))

    # --- cross-document research -----------------------------------------------------
    def compare(self, query: str, group_by: str = "province", k_per_group: int = 3, mode: str = "hybrid",
                filters: Filters | None = None, max_groups: int = 50) -> dict:
        """The best passages per province / year / document type: precedents side by side."""
        if group_by not in GROUP_BY:
            raise QueryError(f"group_by must be one of {', '.join(GROUP_BY)}, got {group_by!r}")
        if not isinstance(k_per_group, int) or not 1 <= k_per_group <= 20:
            raise QueryError(f"k_per_group must be an integer from 1 to 20, got {k_per_group!r}")
        started = time.perf_counter()
        query = self.validate(query, 1, mode)
        state = self.state
        allowed = self.allowed(filters, state)
        pool = self.fused(query, mode, state, allowed if allowed is not None else set(range(len(state.passages))),
                          depth=len(state.passages))
        groups: dict = {}
        for row, score, scores in pool:
            metadata = state.documents[state.passages[row]["doc_id"]].get("metadata") or {}
            key = facet_value(metadata, group_by)
            group = groups.setdefault(key, {"key": key, "count": 0, "results": []})
            group["count"] += 1
            if len(group["results"]) < k_per_group:
                group["results"].append(self.result(state, row, len(group["results"]) + 1, score, query, scores))
        # groups in the order of their best passage; unknown key (None) last
        ordered = sorted(groups.values(), key=lambda g: (g["key"] is None, -g["results"][0]["score"]))
        return {"query": query, "mode": mode, "group_by": group_by, "k_per_group": k_per_group,
                "took_ms": round((time.perf_counter() - started) * 1000, 2), "groups": ordered[:max_groups]}

    def directives(self) -> list[dict]:
        """Every directive the corpus cites, with how many documents cite it."""
        state = self.state
        found: dict[str, dict] = {}
        for doc_id, record in state.documents.items():
            for ref in (record.get("metadata") or {}).get("references") or []:
                entry = found.setdefault(ref["id"], {"id": ref["id"], "type": ref.get("type"), "documents": 0,
                                                     "mentions": 0, "date": ref.get("date"),
                                                     "issuer": ref.get("issuer")})
                entry["documents"] += 1
                entry["mentions"] += ref.get("count", 1)
                entry["date"] = entry["date"] or ref.get("date")
                entry["issuer"] = entry["issuer"] or ref.get("issuer")
        return sorted(found.values(), key=lambda e: (-e["documents"], -e["mentions"], e["id"]))

    def directive(self, directive_id: str) -> dict | None:
        """The documents citing a directive and the passages where they do."""
        state = self.state
        wanted = normalize_reference(directive_id) or directive_id
        documents = []
        for doc_id, record in state.documents.items():
            refs = [r for r in (record.get("metadata") or {}).get("references") or [] if r["id"] == wanted]
            if not refs:
                continue
            mentions = [c for c in record.get("citations", []) if c["id"] == wanted]
            rows = [r for r in state.passages_by_doc.get(doc_id, [])
                    if any(state.passages[r]["start"] <= m["start"] < state.passages[r]["end"] for m in mentions)]
            documents.append({"doc_id": doc_id, "title": record["title"], "metadata": self.metadata(state, doc_id),
                              "mentions": refs[0].get("count", len(mentions)),
                              "passages": [self.result(state, r, i, 0.0, wanted)
                                           for i, r in enumerate(rows, start=1)]})
        if not documents:
            return None
        ref = next(r for d in documents for r in state.documents[d["doc_id"]]["metadata"]["references"]
                   if r["id"] == wanted)
        return {"id": wanted, "type": ref.get("type"), "date": ref.get("date"), "issuer": ref.get("issuer"),
                "documents": documents}

    def documents_list(self, filters: Filters | None = None) -> list[dict]:
        state = self.state
        return [{"doc_id": doc_id, "title": record["title"], "source": record["source"],
                 "passages": len(state.passages_by_doc.get(doc_id, [])), "metadata": self.metadata(state, doc_id)}
                for doc_id, record in state.documents.items()
                if filters is None or filters.accepts(record.get("metadata") or {})]

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
