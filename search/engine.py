"""The application object behind the CLI and the HTTP API: ranked, cited passages.

One `SearchEngine` per store (indexer/store/: a local index directory or a PostgreSQL
URL); it reads through the store's interface only and names passages by `passage_id`.
It serves the store's current version and switches to a newer one (`reload_if_changed`)
without dropping requests in flight: each request works on the `IndexView` it started
with (`pinned()` gives callers that make several calls the same guarantee).
"""
from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections import Counter
from pathlib import Path

from indexer.analysis import Analyzer, AnalyzerConfig
from indexer.citation import format_citation, vietnamese_citation
from indexer.embedding import DEFAULT_MODEL_DIR, MODEL_ENV, Encoder, model_id
from indexer.metadata import normalize_reference
from indexer.store import DocumentSummary, Store, StoreError, open_store
from indexer.textnorm import search_key
from search.filters import Filters, doc_years, facet_value, reference_ids, FACET_FIELDS
from search.compare import GROUP_BY, group_of, group_order
from search.fusion import normalized_score_fusion, reciprocal_rank_fusion
from search.highlight import highlight_spans

MODES = ("bm25", "dense", "hybrid")
FUSIONS = ("rrf", "score")
MAX_K = 100
MAX_PER_DOCUMENT = 10


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


def _within(filters: Filters | None, doc_ids) -> Filters:
    """`filters`, further restricted to the documents named."""
    base = filters or Filters()
    scope = frozenset(doc_ids) if base.doc_ids is None else base.doc_ids & frozenset(doc_ids)
    return dataclasses.replace(base, doc_ids=scope)


class QueryError(ValueError):
    """A request that cannot be answered as asked (empty query, k out of range, …)."""


def check_model(manifest: dict, requested: str | None, location: str) -> None:
    """Searching an index with a model other than the one that embedded it fails loudly."""
    if not requested:
        return
    built_with = manifest["model"]["id"]
    if model_id(requested) != built_with:
        raise StoreError(
            f"the index in {location} was built with model {built_with!r} "
            f"(dimension {manifest['model']['dim']}), not {model_id(requested)!r}. Rebuild it for "
            f"this model with `tracuu index CORPUS --store {location} --model {requested}`, "
            f"or drop --model / TRACUU_MODEL to search with {built_with!r}.")


class IndexView:
    """One index version as the engine serves it: the store pinned to that version and
    what the engine derives from it once (analyser, document catalogue, restorer, and what
    the answer stage and the facts table derive: `derived`). Everything here belongs to
    this version only, so a request holding the view reads one version throughout."""

    def __init__(self, store: Store):
        self.store = store
        self.version = store.version()
        self.manifest = store.manifest()
        self.analyzer = Analyzer(AnalyzerConfig.from_dict(self.manifest["settings"]["analyzer"]))
        # every document without its text: metadata for results, facets, directives
        self.catalog: dict[str, DocumentSummary] = {d.doc_id: d for d in store.documents()}
        self.passage_count = store.count()[1]
        self._restorer = None
        self._lock = threading.Lock()
        self._derived: dict[str, object] = {}

    @property
    def restorer(self):
        """Diacritic restorer over this version's passages, built on first use."""
        if self._restorer is None:
            with self._lock:
                if self._restorer is None:
                    from search.diacritics import DiacriticRestorer

                    self._restorer = DiacriticRestorer(p["title"] + "\n" + p["text"]
                                                       for p in self.store.iter_passages())
        return self._restorer

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["id"]

    def derived(self, key: str, build):
        """`build()` computed once for this version and kept with it (a per-version cache that
        goes when the version is no longer served), under `key` ("answers.learned", …)."""
        try:
            return self._derived[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self._derived:
                self._derived[key] = build()
            return self._derived[key]

    def metadata(self, doc_id: str) -> dict:
        return self.catalog[doc_id].metadata


class _ModelSlot:
    """The query encoder, loaded on first use, shared by an engine and its pinned copies."""

    def __init__(self, encoder: Encoder | None):
        self.encoder = encoder
        self.lock = threading.Lock()


class SearchEngine:
    def __init__(self, store: Store | str | Path | None = None, model: str | None = None,
                 encoder: Encoder | None = None, verify: bool = True, rrf_k: float = 60.0,
                 weights: dict[str, float] | None = None, fusion: str = "score", depth: int = 100):
        """`store`: a Store, or its location (an index directory or a postgresql:// URL;
        default $TRACUU_STORE, else $TRACUU_INDEX_DIR, else `index`)."""
        import os

        self._root = open_store(store if not isinstance(store, Path) else str(store), verify=verify)
        self.requested_model = model or os.environ.get(MODEL_ENV)
        self.rrf_k = rrf_k
        self.weights = weights or {"bm25": 1.0, "dense": 1.0}
        self.fusion = fusion
        self.depth = depth
        self._reload_lock = threading.Lock()
        self._pinned = False
        self._view = self._load_view()
        # shared with the pinned copies: the model is loaded once, whichever copy needs it first
        self._model = _ModelSlot(encoder)

    def _load_view(self) -> IndexView:
        view = IndexView(self._root.snapshot())
        check_model(view.manifest, self.requested_model, self._root.describe())
        return view

    # --- the store ----------------------------------------------------------------
    @property
    def store(self) -> Store:
        """The store, pinned to the version this engine serves now (one per request)."""
        return self._view.store

    @property
    def location(self) -> str:
        """Where the index lives, safe to show (no password)."""
        return self._root.describe()

    @property
    def view(self) -> IndexView:
        return self._view

    def pinned(self) -> "SearchEngine":
        """This engine fixed to the version served now: a caller making several calls
        (search, then passages, then documents) sees one version throughout. The HTTP API
        gives every request one (api/routes/__init__.py served_engine)."""
        if self._pinned:
            return self
        other = copy.copy(self)
        other._pinned = True
        return other

    @property
    def is_pinned(self) -> bool:
        return self._pinned

    def passage(self, passage_id: str) -> dict | None:
        return self._view.store.passage(passage_id)

    def passages(self, passage_ids) -> list[dict]:
        """The passages named, in order (unknown ids raise KeyError)."""
        return self._view.store.passages(list(passage_ids))

    # --- model --------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        slot = self._model
        with slot.lock:
            if slot.encoder is None:
                from indexer.embed_pipeline import query_backend

                # queries are encoded by the backend that embedded the passages
                slot.encoder = Encoder(self._model_location(),
                                       backend=query_backend(self._view.manifest, self.location))
            return slot.encoder

    def _model_location(self) -> str:
        if self.requested_model:
            return self.requested_model
        name = self._view.manifest["model"]["name"]
        if Path(name).exists() or not name.startswith(("/", ".")):
            return name
        # the index was built in another checkout: the same converted model lives here
        if model_id(str(DEFAULT_MODEL_DIR)) == self._view.model_id:
            return str(DEFAULT_MODEL_DIR)
        return name

    # --- index versions -------------------------------------------------------------
    def reload_if_changed(self) -> bool:
        """Serve the store's newest committed version; True when it changed."""
        if self._pinned:
            return False
        with self._reload_lock:
            self._root.refresh()
            if self._root.version() == self._view.version:
                return False
            view = self._load_view()
            encoder = self._model.encoder
            if encoder is not None and view.model_id != encoder.id:
                raise StoreError(f"new index version uses model {view.model_id!r}; restart to load it")
            if encoder is not None and getattr(encoder, "backend", None):
                from indexer.embed_pipeline import manifest_backend

                if manifest_backend(view.manifest) != encoder.backend:
                    raise StoreError(f"new index version was embedded with the "
                                     f"{manifest_backend(view.manifest)!r} encoder; restart to load it")
            self._view = view
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

    def query_terms(self, query: str) -> list[str]:
        """The analysed BM25 terms of a query (English queries get Vietnamese terms)."""
        return self._view.analyzer.terms(self.bm25_query(query))

    def fused(self, query: str, mode: str = "hybrid", filters: Filters | None = None,
              depth: int | None = None, dense_text: str | None = None) -> list[tuple[str, float, dict]]:
        """The candidate pool, best first: (passage_id, score, per-retriever scores).
        Filters are pushed down into the store: each retriever returns its best `depth`
        passages among those the filters accept, however far down they rank overall."""
        view = self._view
        depth = depth or self.depth
        lists: dict[str, list[tuple[str, float]]] = {}
        if mode in ("bm25", "hybrid"):
            lists["bm25"] = view.store.bm25(self.query_terms(query), depth, filters)
        if mode in ("dense", "hybrid"):
            vector = self.encoder.encode_queries([dense_text or self.dense_query(query)])[0]
            lists["dense"] = view.store.dense(vector, depth, filters)
        per_retriever = {name: dict(ranking) for name, ranking in lists.items()}
        if mode == "hybrid":
            if self.fusion == "score":
                fused = normalized_score_fusion(lists, self.weights)
            else:
                fused = reciprocal_rank_fusion(lists, k=self.rrf_k, weights=self.weights)
        else:
            fused = lists[mode]
        return [(pid, score, {name: scores.get(pid) for name, scores in per_retriever.items()})
                for pid, score in fused]

    def rank(self, query: str, k: int, mode: str = "hybrid",
             filters: Filters | None = None) -> list[tuple[str, float, dict]]:
        return self.fused(query, mode, filters, depth=max(self.depth, 3 * k))[:k]

    @staticmethod
    def bm25_query(query: str) -> str:
        """An English query shares no words with Vietnamese reports but names (Nghe An):
        BM25 gets the Vietnamese terms of its content words too (complaints → khiếu nại)."""
        from search.answer.question import detect_language, english_to_vietnamese_terms

        if detect_language(query) != "en":
            return query
        missing = [t for t in english_to_vietnamese_terms(query) if t not in query]  # /ask adds them already
        return " ".join([query, *missing])

    def dense_query(self, query: str) -> str:
        """What the encoder sees: an unaccented Vietnamese query gets its diacritics back
        (the encoder cannot read 'khieu nai'; BM25 matches it through its folded stream)."""
        from search.diacritics import needs_restoring

        restorer = self._view.restorer
        if needs_restoring(query, restorer):
            return restorer.restore(query)
        return query

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
               facets: bool = True) -> dict:
        """The `k` best passages. `facets=False` skips the facet counts (returned as {}): they
        count every document the query matches, which a caller that shows only the passages
        (the CLI's text output, the widget) need not pay for on a large archive."""
        started = time.perf_counter()
        query = self.validate(query, k, mode)
        engine = self.pinned()
        restored = engine.dense_query(query) if mode != "bm25" else query
        pool = engine.fused(query, mode, filters, depth=max(self.depth, 3 * k), dense_text=restored)[:k]
        passages = engine.passages([pid for pid, _, _ in pool])
        results = [engine.result(passage, rank, score, query, scores)
                   for rank, (passage, (_, score, scores)) in enumerate(zip(passages, pool), start=1)]
        response = {"query": query, "mode": mode,
                    "took_ms": round((time.perf_counter() - started) * 1000, 2), "results": results,
                    "filters": filters.to_dict() if filters else {},
                    "facets": engine.facets(query, filters, mode) if facets else {}}
        if restored != query:
            response["query_restored"] = restored
        return response

    def search_documents(self, query: str, k: int = 10, per_document: int = 3, mode: str = "hybrid",
                         filters: Filters | None = None, facets: bool = True) -> dict:
        """The documents the query matches (`matching_documents`), best first (by their best
        passage), each with its best `per_document` passages, consecutive pieces of one
        paragraph shown as one (search/grouping.py). `total_documents` and the facets count
        the same documents, so a facet's count is what filtering by it shows (`facets=False`:
        not counted, returned as {})."""
        from search.grouping import group_by_document

        started = time.perf_counter()
        query = self.validate(query, k, mode)
        if not isinstance(per_document, int) or not 1 <= per_document <= MAX_PER_DOCUMENT:
            raise QueryError(f"per_document must be an integer from 1 to {MAX_PER_DOCUMENT}, got {per_document!r}")
        engine = self.pinned()
        matching = engine.matching_documents(query, mode, filters)
        wanted = set(matching)
        restored = engine.dense_query(query) if mode != "bm25" else query
        hits: list[dict] = []  # a listed document's best passages (a few more than shown, to merge pieces)
        matched: Counter = Counter()  # listed document → its passages among the ranked ones
        scope, position = filters, 0
        for _ in range(3):  # matching documents whose passages rank low get a search of their own (twice at most)
            need = min(k, len(wanted)) - len(matched)
            if need <= 0:
                break
            pool = engine.fused(query, mode, scope, depth=max(self.depth, 3 * need * per_document),
                                dense_text=restored)
            for passage, (_, score, scores) in zip(engine.passages([pid for pid, _, _ in pool]), pool):
                position += 1
                doc_id = passage["doc_id"]
                if doc_id not in wanted or (doc_id not in matched and len(matched) == k):
                    continue
                matched[doc_id] += 1
                if matched[doc_id] <= 2 * per_document:
                    hits.append(engine.result(passage, position, score, query, scores))
            scope = _within(filters, wanted - set(matched))
        texts: dict[str, str] = {}

        def text_of(doc_id: str) -> str:
            if doc_id not in texts:
                texts[doc_id] = engine.store.document(doc_id)["text"]
            return texts[doc_id]

        response = {"query": query, "mode": mode, "took_ms": round((time.perf_counter() - started) * 1000, 2),
                    "total_documents": len(matching),
                    "documents": group_by_document(hits, per_document, text_of, matched),
                    "filters": filters.to_dict() if filters else {},
                    "facets": engine.facets(query, filters, mode, documents=matching) if facets else {}}
        if restored != query:
            response["query_restored"] = restored
        return response

    def matching_documents(self, query: str, mode: str = "hybrid", filters: Filters | None = None) -> list[str]:
        """The documents a query matches under the filters — what result totals and facet
        counts count: every document holding a query term (bm25, hybrid); in dense mode,
        where the encoder ranks every passage, every document the filters accept."""
        store = self._view.store
        if mode == "dense":
            return [d.doc_id for d in store.documents(filters)]
        return list(store.matching_documents(self.query_terms(query), filters))

    def facets(self, query: str, filters: Filters | None = None, mode: str = "hybrid",
               documents: list[str] | None = None) -> dict:
        """Documents per province, type and year among every document the query matches
        under the filters (`matching_documents`), so that a count is what filtering by its
        value shows. A document counts for each year of its period, as the year filters
        select documents whose period overlaps them; unknown values (None) come last."""
        view = self._view
        counts = {field: Counter() for field in FACET_FIELDS}
        for doc_id in documents if documents is not None else self.matching_documents(query, mode, filters):
            metadata = view.metadata(doc_id)
            for field in FACET_FIELDS:
                if field == "year":
                    years = doc_years(metadata)
                    for year in range(years[0], years[1] + 1) if years else (None,):
                        counts[field][year] += 1
                else:
                    counts[field][facet_value(metadata, field)] += 1

        def order(field, item):
            value, n = item
            if value is None:
                return (1, 0, "")
            return (0, value, "") if field == "year" else (0, -n, search_key(str(value)))

        return {field: [{"value": value, "count": n} for value, n in sorted(counter.items(), key=lambda i: order(field, i))]
                for field, counter in counts.items()}

    def result(self, passage: dict | str, rank: int, score: float, query: str, scores: dict | None = None) -> dict:
        """A ranked passage as the API returns it (a passage dict, or its passage_id)."""
        if isinstance(passage, str):
            passage = self._view.store.passages([passage])[0]
        hit = {
            "rank": rank, "score": round(float(score), 6), "passage_id": passage["passage_id"],
            "doc_id": passage["doc_id"], "title": passage["title"], "paragraph": passage["paragraph"],
            "heading_path": passage["heading_path"], "section": passage["section"],
            "text": passage["text"], "highlights": highlight_spans(passage["text"], query),
            "paragraph_end": passage.get("paragraph_end", passage["paragraph"]),
            "citation": self.citation(passage), "citation_vi": self.citation_vi(passage),
            "span": [passage["start"], passage["end"]], "footnotes": passage["footnotes"],
            "metadata": self.metadata(passage["doc_id"]),
            "scores": {name: (None if s is None else round(float(s), 6)) for name, s in (scores or {}).items()},
        }
        if passage.get("page"):
            hit["page"] = passage["page"]
        return hit

    def metadata(self, doc_id: str) -> dict:
        """A document's metadata as results carry it: cited directives by id only."""
        metadata = dict(self._view.metadata(doc_id))
        metadata["references"] = reference_ids(metadata)
        return metadata

    def citation(self, passage: dict) -> str:
        metadata = self._view.metadata(passage["doc_id"])
        return format_citation(passage["title"], passage["section"], passage["paragraph"],
                               passage.get("paragraph_end"), extra=citation_place_and_time(metadata),
                               page=passage.get("page"), page_end=passage.get("page_end"))

    def citation_vi(self, passage: dict) -> str:
        """The passage cited in the Vietnamese administrative style (the page's "copy citation")."""
        return vietnamese_citation(passage["title"], self._view.metadata(passage["doc_id"]), passage["section"],
                                   passage["paragraph"], passage.get("paragraph_end"))

    # --- cross-document research -----------------------------------------------------
    def compare(self, query: str, group_by: str = "province", k_per_group: int = 3, mode: str = "hybrid",
                filters: Filters | None = None, max_groups: int = 50) -> dict:
        """The best passages per province / year / document type: precedents side by side.
        By year, a period report is a group of its own ("2015–2020"; search/compare.py)."""
        if group_by not in GROUP_BY:
            raise QueryError(f"group_by must be one of {', '.join(GROUP_BY)}, got {group_by!r}")
        if not isinstance(k_per_group, int) or not 1 <= k_per_group <= 20:
            raise QueryError(f"k_per_group must be an integer from 1 to 20, got {k_per_group!r}")
        started = time.perf_counter()
        query = self.validate(query, 1, mode)
        engine = self.pinned()
        view = engine.view
        # the groups are those of the documents the query matches (as facets count them);
        # each shows its best passages among those documents
        documents_of: dict = {}
        periods: dict = {}
        for doc_id in engine.matching_documents(query, mode, filters):
            key, period = group_of(view.metadata(doc_id), group_by)
            documents_of.setdefault(key, set()).add(doc_id)
            periods[key] = period
        groups = {key: {"key": key, "documents": len(docs), "count": 0, "results": []}
                  for key, docs in documents_of.items()}
        if group_by == "year":
            for key, group in groups.items():
                group["period"] = periods[key]
        restored = engine.dense_query(query) if mode != "bm25" else query
        missing, scope = set(groups), None
        depth = max(self.depth, 2 * k_per_group * min(len(groups), max_groups))
        for _ in range(3):  # a group whose passages rank low gets a search of its own documents
            if not missing:
                break
            pool = engine.fused(query, mode, filters if scope is None else _within(filters, scope), depth=depth,
                                dense_text=restored)
            passages = {p["passage_id"]: p for p in engine.passages([pid for pid, _, _ in pool])}
            for pid, score, scores in pool:
                passage = passages[pid]
                key = group_of(view.metadata(passage["doc_id"]), group_by)[0]
                if key not in missing:
                    continue
                group = groups[key]
                group["count"] += 1
                if len(group["results"]) < k_per_group:
                    group["results"].append(engine.result(passage, len(group["results"]) + 1, score, query, scores))
            missing = {key for key in missing if not groups[key]["results"]}
            scope = frozenset(d for key in missing for d in documents_of[key])
        # years and periods by their first year, places and types by name; unknown (None) last
        ordered = sorted((g for g in groups.values() if g["results"]), key=group_order)
        return {"query": query, "mode": mode, "group_by": group_by, "k_per_group": k_per_group,
                "took_ms": round((time.perf_counter() - started) * 1000, 2), "groups": ordered[:max_groups]}

    def precedents(self, passage_id: str, k: int = 5, per_document: int = 2) -> dict | None:
        """The passages of other provinces' documents most like this one: what others did
        about the same thing. Hybrid: the passage's own BM25 terms and embedding, read back
        from the store, searched within the documents of every other (known) province."""
        engine = self.pinned()
        view, store = engine.view, engine.store
        passage = store.passage(passage_id)
        if passage is None:
            return None
        province = view.metadata(passage["doc_id"]).get("province")
        others = frozenset(doc_id for doc_id, summary in view.catalog.items()
                           if summary.metadata.get("province") and summary.metadata.get("province") != province)
        response = {"passage_id": passage_id, "doc_id": passage["doc_id"], "province": province, "results": []}
        if not others:
            return response
        stored = store.reusable([passage["content_hash"]]).get(passage["content_hash"]) \
            if passage.get("content_hash") else None
        if stored is not None:
            counts, vector = stored
            terms = [term for term, n in counts.items() for _ in range(n)]
        else:  # a store that keeps no reusable vectors: analyse and embed the text again
            terms = view.analyzer.terms(passage["text"])
            vector = engine.encoder.encode_passages([passage["text"]])[0]
        scope, depth = Filters(doc_ids=others), max(self.depth, 4 * k * per_document)
        lists = {"bm25": store.bm25(terms, depth, scope), "dense": store.dense(vector, depth, scope)}
        fused = normalized_score_fusion(lists, self.weights)
        per_retriever = {name: dict(ranking) for name, ranking in lists.items()}
        chosen, shown = [], Counter()
        candidates = engine.passages([pid for pid, _ in fused])
        for candidate, (pid, score) in zip(candidates, fused):
            if shown[candidate["doc_id"]] >= per_document:
                continue
            shown[candidate["doc_id"]] += 1
            scores = {name: ranking.get(pid) for name, ranking in per_retriever.items()}
            chosen.append(engine.result(candidate, len(chosen) + 1, score, "", scores))
            if len(chosen) == k:
                break
        response["results"] = chosen
        return response

    def directives(self) -> list[dict]:
        """Every directive the corpus cites, with how many documents cite it."""
        found: dict[str, dict] = {}
        for doc_id, summary in self._view.catalog.items():
            for ref in summary.metadata.get("references") or []:
                entry = found.setdefault(ref["id"], {"id": ref["id"], "type": ref.get("type"), "documents": 0,
                                                     "mentions": 0, "date": ref.get("date"),
                                                     "issuer": ref.get("issuer"), "spellings": [ref["id"]]})
                entry["documents"] += 1
                entry["spellings"] += [s for s in ref.get("spellings") or [] if s not in entry["spellings"]]
                entry["mentions"] += ref.get("count", 1)
                entry["date"] = entry["date"] or ref.get("date")
                entry["issuer"] = entry["issuer"] or ref.get("issuer")
        return sorted(found.values(), key=lambda e: (-e["documents"], -e["mentions"], e["id"]))

    def directive(self, directive_id: str) -> dict | None:
        """The documents citing a directive and the passages where they do."""
        engine = self.pinned()
        view = engine.view
        wanted = normalize_reference(directive_id) or directive_id
        # another spelling of a cited id ("13-CT/UBND" for 13/CT-UBND) names the same directive,
        # unless some document cites a directive with that very id
        refs_cited = [r for summary in view.catalog.values() for r in summary.metadata.get("references") or []]
        if wanted not in {r["id"] for r in refs_cited}:
            spelt = {s: r["id"] for r in refs_cited for s in r.get("spellings") or []}
            wanted = spelt.get(wanted, spelt.get(directive_id.strip(), wanted))
        documents, first_ref, spellings = [], None, [wanted]
        for doc_id, summary in view.catalog.items():
            refs = [r for r in summary.metadata.get("references") or [] if r["id"] == wanted]
            spellings += [s for r in refs for s in r.get("spellings") or [] if s not in spellings]
            if not refs:
                continue
            first_ref = first_ref or refs[0]
            record = view.store.document(doc_id)
            mentions = [c for c in record.get("citations", []) if c["id"] == wanted]
            passages = [p for p in view.store.passages(view.store.passage_ids(doc_id))
                        if any(p["start"] <= m["start"] < p["end"] for m in mentions)]
            documents.append({"doc_id": doc_id, "title": summary.title, "metadata": engine.metadata(doc_id),
                              "mentions": refs[0].get("count", len(mentions)),
                              "passages": [engine.result(p, i, 0.0, wanted) for i, p in enumerate(passages, start=1)]})
        if not documents:
            return None
        return {"id": wanted, "type": first_ref.get("type"), "date": first_ref.get("date"),
                "issuer": first_ref.get("issuer"), "spellings": spellings, "documents": documents}

    def documents_list(self, filters: Filters | None = None) -> list[dict]:
        engine = self.pinned()
        return [{"doc_id": d.doc_id, "title": d.title, "source": d.source, "passages": d.passages,
                 "metadata": engine.metadata(d.doc_id)}
                for d in engine.view.store.documents(filters)]

    # --- documents ------------------------------------------------------------------
    def health(self) -> dict:
        """The version served and the store's state: `degraded` with `warnings` saying why and
        `unavailable` naming each part that cannot be reached (probed, Store.unavailable);
        `serving` is false when no query can be served (the server itself is down)."""
        view = self._view
        documents, passages = view.store.count()
        down = self._root.unavailable()
        warnings = list(self._root.warnings()) + [f"{p.detail_vi} ({p})" for p in down]
        return {"status": "degraded" if warnings else "ok", "model": view.model_id,
                "dimension": view.manifest["model"]["dim"], "documents": documents, "passages": passages,
                "index_version": view.version, "created_at": view.manifest.get("created_at"),
                "store": self.location, "warnings": warnings, "unavailable": [p.part for p in down],
                "serving": not any(p.whole for p in down),
                "scan_warnings": [f"{source}: {problem}" for source, info in view.manifest.get("sources", {}).items()
                                  for problem in info.get("page_problems", [])]}

    def document(self, doc_id: str) -> dict | None:
        engine = self.pinned()
        store = engine.store
        record = store.document(doc_id)
        if record is None:
            return None
        passages = [p | {"citation": engine.citation(p), "citation_vi": engine.citation_vi(p)}
                    for p in store.passages(store.passage_ids(doc_id))]
        return {"doc_id": doc_id, "title": record["title"], "source": record["source"],
                "metadata": engine.metadata(doc_id), "text": record["text"], "paragraphs": record["paragraphs"],
                "footnotes": record["footnotes"], "passages": passages,
                "page_problems": (record.get("extra") or {}).get("page_problems", [])}

    def paragraph(self, doc_id: str, number: int) -> dict | None:
        store = self.pinned().store
        record = store.document(doc_id)
        if record is None:
            return None
        for paragraph in record["paragraphs"]:
            if paragraph["n"] == number:
                passages = store.passages(store.passage_ids(doc_id))
                return {"doc_id": doc_id, "title": record["title"], "paragraph": number,
                        "kind": paragraph["kind"], "section": paragraph["section"],
                        "text": paragraph["text"], "span": [paragraph["start"], paragraph["end"]],
                        "passage_ids": [p["passage_id"] for p in passages
                                        if p["paragraph"] <= number <= p["paragraph_end"]]}
        return None
