"""The answerer /ask serves (issue 12): the figure, date, name or short span that answers a
question, quoted from the source with its sentence as evidence, or an abstention that
says why. Measured with cross-validation grouped by document by `python -m eval.qa`
(eval/results/*_qa.md). The one answer stage: the rule answerer that stood beside it
(answerer.py) is retired, what it weighed being features here and its exclusions hard rules.

1. The question is analysed (question.py): answer type, place, level, period, predicate,
   counted thing.
2. Scope: only documents about the place asked whose period overlaps the years asked; where
   no document is about the place but a passage names it (a district in its province's
   report), the documents naming it, an answer then standing in a sentence that names it.
   A place the text never names → abstain ("không có tài liệu nào về X"). A figure from
   another place, level or period is never given (those rules are hard, not learned), nor
   the other end of a change than the state asked ("sau sắp xếp" of "từ 480 … còn lại 460");
   a sub-period asked (quý I, 6 tháng đầu năm) narrows the choice but does not block it.
3. Retrieval through the engine's public search (hybrid), inside the scope.
4. The neural span reader (span_reader.py) reads the best passages; candidates at clause
   level in the passages read (candidates.py, with the span reader's spans where the patterns
   find none), their features (features.py; the span reader's opinion of each among them), the
   learned reader's score (reader.py). A figure answers when the verifier's probability that it
   is right clears its threshold (reader.Verifier); a name or a span when its margin clears its
   family's threshold (`decide`). A
   question about a document itself (who signed it, which body issued it, when) is answered
   from that document's metadata, quoted where its text states it (`document_answer`).
5. Withheld, the response still carries the first choice's sentence, cited
   (`best_guess_evidence`), to be shown as possibly related, never as the answer.

The engine is used through its public methods only: search(), document(),
documents_list(), encoder, pinned() and view.derived() (what is derived from an index
version is kept with that version, VersionFacts).
"""
from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict

from indexer.analysis import expand_abbreviations
from indexer.clauses import sub_period_key
from indexer.numbers import find_quantities
from indexer.textnorm import fold_diacritics, search_key
from search.answer import candidates as cand
from search.answer.features import (ALIGNMENT_RELATIVE, QuestionContext, add_rank, add_relative,
                                    add_similarity, add_span_reader, change_role, entity_features,
                                    figure_features, set_idf, span_features)
from search.answer.question import QuestionAnalysis, analyze_question, detect_language, out_of_scope_reason
from search.answer.reader import Reader
from search.engine import MAX_K, QueryError
from search.filters import Filters, doc_years

PASSAGES_READ = 8
# passages the span reader reads (the best ones; windows of span_reader.MAX_LEN tokens): its cost
# grows with them (eval/results/ask_latency.md)
SPAN_READER_PASSAGES = 3
SPANS_PER_PASSAGE = 10
SEARCH_DEPTH = 40
FAMILIES_FOR = {"number": ("figure",), "percent": ("figure",), "date": ("figure",),
                "entity": ("entity", "span"), "passage": ("span",)}
YEAR_MENTION = re.compile(r"(?:năm|trong)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
COMPARISON_YEAR = re.compile(r"so v[oớ]i (?:cùng kỳ )?(?:năm )?((?:19|20)\d{2})", re.IGNORECASE)
# a document's own signer, issuer or date, asked about that document: read by the indexer from its
# header and signature block (indexer/metadata.py) and quoted where the text states it
METADATA_CONFIDENCE = 0.95
# the documents a question's noun names (question.DOCUMENT_NOUN), by metadata doc_type; None: any
DOCUMENT_KINDS = {"bao cao": {"báo cáo"}, "report": {"báo cáo"}, "bai viet": {"tin bài"}, "bai bao": {"tin bài"},
                  "tin bai": {"tin bài"}, "article": {"tin bài"}, "van ban": None, "document": None}
ANY_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
LIST_ITEM = re.compile(r"^\s*(?:[a-zđ]\)|[-–•+]\s)")  # "a) …", "- …": an item of a list
LAW_TITLE = re.compile(r"^(?:bo )?luat\W+([a-z ,]+?)\W*$")  # "Luật: KHIẾU NẠI", "Bộ luật: LAO ĐỘNG"


# the first choice's own features the verifier reads (reader.Verifier), beside its margin
VERIFIED_FEATURES = ("similarity_window", "similarity_window_gap", "similarity_sentence", "focus_governs",
                     "predicate_conflict", "unit_conflict", "counted_in_unit", "level_match", "rank_inverse",
                     "year_in_sentence_other", "sub_period_unstated", "keywords_in_sentence",
                     "terms_missing_in_sentence", "align_10",
                     # the span reader's opinion of it (features.add_span_reader)
                     "span_margin", "span_margin_gap", "span_rank", "span_cover", "span_top_margin")


def verification_features(best: cand.Candidate, cands: list[cand.Candidate], question: str,
                          asks: str) -> dict[str, float]:
    """What the verifier weighs once the reader's first choice `best` is made among `cands`:
    its margin and ranker score, how many different answers competed, the type asked, how the
    question is written (English; Vietnamese without diacritics, whose similarities to accented
    text run lower), a few of the first choice's own features — the span reader's opinion of
    it among them — and whether it stands in a law's article. (The rule answerer's agreement,
    answerer.py, was one of its signs until the span reader's features measured at least as
    well without it: docs/answers-issue22.md.)"""
    english = detect_language(question) == "en"
    x = {"margin": best.score, "raw": best.raw,
         "answers_log": math.log(max(1, len({c.text for c in cands}))),
         "asks_percent": float(asks == "percent"), "asks_date": float(asks == "date"),
         "question_english": float(english),
         "question_unaccented": float(not english and fold_diacritics(question) == question),
         # a law's article states one rule in few words; a report's sentence lists many figures
         "in_article": float(str(best.hit.get("section") or "").startswith("Điều"))}
    x.update({"first_" + name: best.features.get(name, 0.0) for name in VERIFIED_FEATURES})
    return x


def names_something(c: cand.Candidate) -> bool:
    """Whether a span holds a name: a capitalised word other than its sentence's first (which
    every sentence capitalises)."""
    words = c.text.split()
    if c.start == c.sentence[0]:
        words = words[1:]
    return any(w[:1].isupper() for w in words)


def trim_oldest(cache: OrderedDict, size: int) -> None:
    """Drop the oldest entries of a cache shared by concurrent requests until it holds `size`."""
    while len(cache) > size:
        try:
            cache.popitem(last=False)
        except KeyError:  # emptied by another request meanwhile
            break


class VersionFacts:
    """What the answerer derives from one index version (documents, districts, law names,
    a few full documents at hand, years spoken), kept with that version (IndexView.derived)
    and shared by every request reading it."""

    def __init__(self, engine):
        self.documents = {d["doc_id"]: d for d in engine.documents_list()}
        self.districts = {search_key(d["metadata"]["district"]): d["metadata"]["district"]
                          for d in self.documents.values() if (d.get("metadata") or {}).get("district")}
        self.law_names: dict[str, set[str]] = {}
        for doc_id, d in self.documents.items():
            m = LAW_TITLE.match(search_key(d.get("title") or ""))
            if m:
                self.law_names.setdefault(" ".join(m.group(1).split()), set()).add(doc_id)
        self.texts: OrderedDict[str, dict] = OrderedDict()
        self.years_spoken: dict[str, set[int]] = {}
        self.naming: dict[str, set[str]] = {}  # folded place → documents whose text names it
        self.lock = threading.Lock()


class LearnedAnswerer:
    def __init__(self, engine, reader: Reader | None = None, mode: str = "hybrid", encoder=None,
                 similarity_cache: OrderedDict | None = None, span_reader=None,
                 span_cache: OrderedDict | None = None):
        """`mode`: the retrieval the answers read from; `encoder`: the one comparing the question
        with candidate sentences (default: the engine's).
        `engine` should be pinned (SearchEngine.pinned()) so one answer reads one index version;
        served_answerer does it. `span_reader`: the neural span reader (span_reader.SpanReader)
        whose spans are features of every candidate and candidates of their own (names, spans);
        None: those features are absent (read as "not read")."""
        self.engine = engine
        self.span_reader = span_reader
        # the span reader's spans per (question, passage text): a passage reads the same whatever
        # else is read with it; not version-bound
        self.span_cache: OrderedDict = OrderedDict() if span_cache is None else span_cache
        self.reader = reader or Reader()
        self.mode = mode
        self._encoder = encoder
        # question and sentence vectors by text (features.add_similarity); not version-bound
        self.similarity_cache: OrderedDict = OrderedDict() if similarity_cache is None else similarity_cache
        # figures compared with the question by their own window too (features.add_similarity)
        self.window_similarity = True

    # --- what the index holds, once per index version ------------------------------------
    @property
    def version_facts(self) -> VersionFacts:
        engine = self.engine.pinned()
        return engine.view.derived("answers.learned", lambda: VersionFacts(engine))

    @property
    def encoder(self):
        return self._encoder if self._encoder is not None else self.engine.encoder

    def known_districts(self) -> dict[str, str]:
        return self.version_facts.districts

    def _document(self, doc_id: str) -> dict:
        """The full document (text, passages with citations), a few kept at hand."""
        facts = self.version_facts
        with facts.lock:
            found = facts.texts.get(doc_id)
            if found is not None:
                facts.texts.move_to_end(doc_id)
                return found
        found = self.engine.document(doc_id)
        if found is None:  # the engine reads another version than the one asked about
            raise KeyError(f"document {doc_id!r} is not in index version {self.engine.view.version}")
        with facts.lock:
            facts.texts[doc_id] = found
            while len(facts.texts) > 32:
                facts.texts.popitem(last=False)
        return found

    def years_spoken(self, doc_id: str) -> set[int]:
        """Years a document speaks of ("năm 2022", "trong 2022"), comparisons ("so với năm 2021") aside."""
        spoken = self.version_facts.years_spoken
        if doc_id not in spoken:
            text = self._document(doc_id)["text"]
            spoken[doc_id] = ({int(y) for y in YEAR_MENTION.findall(text)}
                              - {int(y) for y in COMPARISON_YEAR.findall(text)})
        return spoken[doc_id]

    # --- scope ---------------------------------------------------------------------------
    def scope(self, analysis: QuestionAnalysis, filters: Filters | None) -> tuple[set[str] | None, str | None]:
        """Documents the answer may come from (None: any), or the reason there are none."""
        named = self.named_laws(analysis)
        if named and analysis.law_year:
            # "Luật Thanh tra 2022" when the index holds the 2010 law: its articles are another
            # law's, and a figure of theirs would answer for the wrong text
            adopted = {doc_id: self.adopted_year(doc_id) for doc_id in named}
            low, high = analysis.law_year
            named = {doc_id for doc_id, year in adopted.items() if year is None or low <= year <= high}
            if not named:
                held = ", ".join(str(y) for y in sorted(set(adopted.values())))
                return set(), (f"Kho văn bản không có bản luật năm {low} được hỏi, chỉ có bản năm {held} "
                               f"(the {low} law asked about is not in the corpus; only the {held} one is).")
        place = analysis.district or analysis.province
        if not place and not analysis.years and (filters is None or filters.is_empty()) and named is None:
            return None, None
        allowed, about_place = self._in_scope(analysis, filters, named, naming=None)
        if place and not about_place:
            # no document is about the place, but a passage may name it ("Huyện Tân Yên cho thôi
            # việc ông …" in the Bắc Giang report): those documents are read, and an answer must
            # stand in a sentence naming the place (about_place_asked). The refusal "không có tài
            # liệu nào về X" is kept for a place the corpus's text never names.
            naming = self.documents_naming(place)
            if naming:
                allowed, about_place = self._in_scope(analysis, filters, named, naming=naming)
                analysis.place_named_only = True
        if allowed:
            return allowed, None
        return set(), out_of_scope_reason(place, about_place, analysis.years)

    def _in_scope(self, analysis: QuestionAnalysis, filters: Filters | None, named: set[str] | None,
                  naming: set[str] | None) -> tuple[set[str], int]:
        """(documents in scope, how many are about the place asked whatever their period). With
        `naming`, the documents whose text names the place stand in for those about it."""
        allowed, about_place = set(), 0
        counts = analysis.asks in ("number", "percent")
        for doc_id, doc in self.version_facts.documents.items():
            metadata = doc.get("metadata") or {}
            if filters is not None and not filters.accepts(metadata):
                continue
            if naming is not None:
                if doc_id not in naming:
                    continue
            elif analysis.district and search_key(metadata.get("district") or "") != search_key(analysis.district):
                # a report of the district's province may speak of it ("huyện Tân Yên cho thôi việc …"):
                # read, but a figure must then name the district (allowed_figure)
                if metadata.get("district") or not analysis.province or \
                        search_key(metadata.get("province") or "") != search_key(analysis.province):
                    continue
            elif analysis.province and not analysis.district and (
                    search_key(metadata.get("province") or "") != search_key(analysis.province)
                    or (counts and metadata.get("district"))):
                continue  # a district's figures are not its whole province's
            if named is not None and doc_id not in named:
                continue  # "Theo Luật Khiếu nại, …": that law only
            about_place += 1
            years = doc_years(metadata)
            if analysis.years and years and (years[1] < analysis.years[0] or years[0] > analysis.years[1]):
                continue
            allowed.add(doc_id)
        return allowed, about_place

    def documents_naming(self, place: str) -> set[str]:
        """Documents whose text names `place` (a district, a commune, a province), found through
        the engine's lexical search (the index's own terms, not the corpus files) and confirmed
        in the passages' text; kept per index version."""
        key = search_key(place)
        naming = self.version_facts.naming
        if key not in naming:
            pattern = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
            hits = self.engine.search(place, k=50, mode="bm25", facets=False)["results"]
            # a passage's footnotes are indexed with it ("UBND huyện Yên Thế ban hành …" in a footnote)
            naming[key] = {h["doc_id"] for h in hits if pattern.search(search_key(
                " ".join([h["text"]] + [f.get("text") or "" for f in h.get("footnotes") or []])))}
        return naming[key]

    def about_place_asked(self, analysis: QuestionAnalysis, c: cand.Candidate) -> bool:
        """An answer from a document about another place, read because it names the place asked,
        must stand where the place is named: a province's report answering for one of its
        districts, in a sentence naming the district; a document read only because it names a
        place no document is about, in the answer's own clause."""
        place = analysis.district or analysis.province
        if analysis.place_named_only and place:
            # in the answer's own clause ("Huyện Tân Yên cho thôi việc ông Trần Văn Đoàn"), or for a
            # figure the words it belongs to: a sentence listing the place beside others ("04 đơn vị
            # cấp huyện đạt chuẩn nông thôn mới (Thành phố Vinh, Thái Hòa, …)") states nothing of it
            own = c.clause_text + " " + (c.figure.context if c.figure is not None else "")
            return search_key(place) in search_key(own)
        metadata = c.hit.get("metadata") or {}
        if analysis.district and search_key(metadata.get("district") or "") != search_key(analysis.district):
            return search_key(analysis.district) in search_key(c.sentence_text)
        return True

    def adopted_year(self, doc_id: str) -> int | None:
        """The year a law was adopted: its date ("Hà Nội, ngày 11 tháng 11 năm 2011"), else the
        year in its number ("02/2011/QH13")."""
        metadata = (self.version_facts.documents.get(doc_id) or {}).get("metadata") or {}
        found = re.match(r"((?:19|20)\d{2})", metadata.get("date") or "") or \
            re.search(r"/((?:19|20)\d{2})/", metadata.get("number") or "")
        return int(found.group(1)) if found else None

    def named_laws(self, analysis: QuestionAnalysis) -> set[str] | None:
        """The documents a question names by title ("Theo Luật Khiếu nại", "Bộ luật Lao động
        2019"): the longest law names of the index found after "luật" in the question."""
        key = " ".join(re.findall(r"[a-z0-9]+", search_key(expand_abbreviations(analysis.question))))
        law_names = self.version_facts.law_names
        found = [name for name in law_names if re.search(rf"\bluat {re.escape(name.replace(',', ''))}\b",
                                                         key.replace(",", ""))]
        if not found:
            return None
        longest = max(len(n) for n in found)
        return set().union(*(law_names[n] for n in found if len(n) == longest))

    def period_ok(self, analysis: QuestionAnalysis, hit: dict, sentence: str) -> bool:
        """A figure answers for the years asked only if its document covers exactly those
        years, or its sentence or passage names a year inside them: a 5-year total is not
        the figure of one of its years."""
        if not analysis.years:
            return True
        low, high = analysis.years
        years = doc_years(hit.get("metadata") or {})
        if years and low <= years[0] and years[1] <= high:
            return True
        compared = {int(y) for y in COMPARISON_YEAR.findall(sentence)}
        in_sentence = {int(y) for y in ANY_YEAR.findall(sentence)} - compared
        if years is None and not in_sentence:
            return any(low <= y <= high for y in self.years_spoken(hit["doc_id"]))
        mentioned = in_sentence or ({int(y) for y in ANY_YEAR.findall(hit["text"])}
                                    - {int(y) for y in COMPARISON_YEAR.findall(hit["text"])})
        return any(low <= y <= high for y in mentioned)

    # --- reading ---------------------------------------------------------------------------
    def passages_to_read(self, analysis: QuestionAnalysis, allowed: set[str] | None, filters: Filters | None,
                         doc_id: str | None, k: int) -> tuple[list[dict], list[dict]]:
        """(passages read, passages shown): the best passages in scope, best first."""
        if doc_id is not None:  # reading comprehension over one given document
            document = self._document(doc_id)
            metadata = (self.version_facts.documents.get(doc_id) or {}).get("metadata") or {}
            hits = [dict(p, metadata=metadata) for p in document["passages"]]
            if len(hits) > 1 and self.encoder is not None:
                import numpy as np

                qv = self.encoder.encode_queries([analysis.question])[0]
                pv = self.encoder.encode_passages([h["text"] for h in hits])
                order = np.argsort(-(pv @ qv))
                hits = [hits[i] for i in order]
            for rank, h in enumerate(hits, start=1):
                h["rank"] = rank
            return hits[:PASSAGES_READ], hits[:k]
        search_filters = Filters(**(filters.to_dict() if filters else {}))
        if analysis.place_named_only:
            pass  # the documents read are about other places (scope: those naming the place asked)
        elif analysis.district and not search_filters.district:
            search_filters.district = analysis.district
        elif analysis.province and not search_filters.province:
            search_filters.province = analysis.province
        results = self.engine.search(analysis.retrieval_query, k=max(SEARCH_DEPTH, k), mode=self.mode,
                                     filters=None if search_filters.is_empty() else search_filters)["results"]
        if allowed is not None:
            results = [r for r in results if r["doc_id"] in allowed]
        for rank, r in enumerate(results, start=1):
            r["rank"] = rank
        return results[:PASSAGES_READ], results[:k]

    def signature_passages(self, hits: list[dict]) -> list[dict]:
        """Passages naming the signer or issuer of the best-ranked documents: a signature
        block rarely ranks high for "Ai ký báo cáo …?", but it holds the answer."""
        seen = {h["passage_id"] for h in hits}
        extra = []
        for hit in hits[:3]:
            metadata = hit.get("metadata") or {}
            names = [n for n in (metadata.get("signer"), metadata.get("issuer")) if n]
            if not names:
                continue
            for p in self._document(hit["doc_id"])["passages"]:
                if p["passage_id"] not in seen and any(n in p["text"] for n in names):
                    seen.add(p["passage_id"])
                    extra.append(dict(p, metadata=metadata, rank=hit["rank"]))
        return extra

    def lead_ins(self, hits: list[dict]) -> list[dict]:
        """A list item read ("a) Nước sạch phục vụ sản xuất và sinh hoạt;") joined after the
        sentence that introduces its list ("2. Mức thuế suất 5% áp dụng đối với hàng hóa, dịch
        vụ sau đây:"): a law states the figure once, in the lead-in, for every item under it."""
        out, seen = [], set()
        for hit in hits:
            if not LIST_ITEM.match(hit["text"]):
                continue
            passages = self._document(hit["doc_id"])["passages"]
            at = next((i for i, p in enumerate(passages) if p["passage_id"] == hit["passage_id"]), None)
            if at is None:
                continue
            lead = None
            for p in reversed(passages[max(0, at - 40):at]):
                if not LIST_ITEM.match(p["text"]):
                    lead = p if p["text"].rstrip().endswith(":") else None
                    break
            if lead is None or (lead["passage_id"], hit["passage_id"]) in seen:
                continue
            seen.add((lead["passage_id"], hit["passage_id"]))
            span = [lead.get("start"), lead.get("end")]
            out.append(dict(lead, text=lead["text"].rstrip() + " " + hit["text"], span=span, rank=hit["rank"],
                            metadata=hit.get("metadata") or {}, lead_in_chars=len(lead["text"].rstrip())))
        return out

    def candidates(self, analysis: QuestionAnalysis, hits: list[dict]) -> dict[str, list[cand.Candidate]]:
        """Candidates per family with their features (not yet scored)."""
        ctx = QuestionContext(analysis)
        set_idf(ctx, [h["text"] for h in hits])
        families = FAMILIES_FOR[analysis.asks]
        found: dict[str, list[cand.Candidate]] = {}
        read = self.read_spans(analysis.question, hits[:SPAN_READER_PASSAGES])
        if "figure" in families:
            figures = []
            for hit in hits + self.lead_ins(hits):
                for c in cand.figure_candidates(analysis, hit, hit["rank"]):
                    if not self.allowed_figure(analysis, c, ctx.asks_change, ctx):
                        continue
                    if c.start >= hit.get("lead_in_chars", len(hit["text"])):
                        continue  # the item's own figures are read from the item itself
                    c.features = figure_features(ctx, c)
                    if c.features["contrast_conflict"]:
                        # a rate of tố cáo does not answer about khiếu nại (over corpus/ and the laws no
                        # gold figure names the other side of the pair asked; 99 wrong candidates did)
                        continue
                    figures.append(c)
            add_relative(figures, ("counted_in_unit", "keywords_in_context", "keywords_in_clause",
                                   "predicate_near") + ALIGNMENT_RELATIVE)
            add_rank(figures, "align_10")
            found["figure"] = figures
        if "entity" in families:
            entities = []
            for hit in hits + self.signature_passages(hits):
                self.keep(analysis, cand.entity_candidates(analysis, hit, hit["rank"]), entity_features, ctx, entities)
            for hit in hits[:SPAN_READER_PASSAGES]:
                # names the patterns miss, read by the span reader
                self.keep(analysis, cand.read_span_candidates("entity", analysis, hit, hit["rank"],
                                                              read.get(hit["text"]) or [], entities),
                          entity_features, ctx, entities)
            add_relative(entities, ("keywords_near", "keywords_in_sentence") + ALIGNMENT_RELATIVE)
            add_rank(entities, "align_10")
            found["entity"] = entities
        if "span" in families:
            spans = []
            for hit in hits[:3]:
                self.keep(analysis, cand.span_candidates(analysis, hit, hit["rank"]), span_features, ctx, spans)
            for hit in hits[:SPAN_READER_PASSAGES]:
                self.keep(analysis, cand.read_span_candidates("span", analysis, hit, hit["rank"],
                                                              read.get(hit["text"]) or [], spans),
                          span_features, ctx, spans)
            add_relative(spans, ("left_context", "right_context", "sentence_context", "clause_context")
                         + ALIGNMENT_RELATIVE)
            add_rank(spans, "align_10")
            found["span"] = spans
        if analysis.document_field:
            found["metadata"] = self.document_answer(analysis, hits)
        every = [c for family in found.values() for c in family]
        if self.span_reader is not None:
            add_span_reader([c for f, cs in found.items() if f != "metadata" for c in cs], read)
        add_similarity(ctx, every, self.encoder, self.similarity_cache, windows=self.window_similarity)
        trim_oldest(self.similarity_cache, 50000)
        return found

    def keep(self, analysis: QuestionAnalysis, found, featurize, ctx: QuestionContext, into: list) -> None:
        """Append to `into` each candidate of `found` about the place asked, with its features
        (`found` may read `into` as it goes: the span reader's skip what is already there)."""
        for c in found:
            if analysis.place_named_only and not self.about_place_asked(analysis, c):
                continue
            c.features = featurize(ctx, c)
            into.append(c)

    def read_spans(self, question: str, hits: list[dict]) -> dict[str, list]:
        """The span reader's best spans per passage text read (best first), from the cache where
        this question has read that passage before; {} without a span reader."""
        if self.span_reader is None:
            return {}
        texts = list(dict.fromkeys(h["text"] for h in hits if h.get("text")))
        missing = [t for t in texts if (question, t) not in self.span_cache]
        if missing:
            spans = self.span_reader.read(question, missing, top_k=SPANS_PER_PASSAGE)
            for i, text in enumerate(missing):
                self.span_cache[(question, text)] = [s for s in spans if s.passage == i]
            trim_oldest(self.span_cache, 20000)
        return {t: self.span_cache.get((question, t)) or [] for t in texts}

    def document_answer(self, analysis: QuestionAnalysis, hits: list[dict]) -> list[cand.Candidate]:
        """The answer a question about a document itself ("Ai ký báo cáo của huyện Bình Sơn năm
        2021?") has in that document's metadata — its signer, issuer or date — quoted where the
        document states it (the signature block, the header). The document is the one the
        passages read come from, of the kind named (a report, an article); none when the passages
        read come from two such documents that disagree, or when the text never states the value."""
        field, noun = analysis.document_field, analysis.document_noun or ""
        kinds = DOCUMENT_KINDS.get(noun)
        fitting: list[str] = []
        for hit in hits:
            metadata = hit.get("metadata") or {}
            if hit["doc_id"] not in fitting and metadata.get(field) and \
                    (kinds is None or metadata.get("doc_type") in kinds):
                fitting.append(hit["doc_id"])
        values = {search_key(str((self.version_facts.documents.get(d) or {}).get("metadata", {}).get(field))) for d in fitting}
        if len(values) != 1:
            return []  # no such document read, or two that disagree: the reader decides as for any question
        doc_id = fitting[0]
        metadata = (self.version_facts.documents.get(doc_id) or {}).get("metadata") or {}
        value = metadata[field]
        passages = [dict(p, metadata=metadata, rank=1) for p in self._document(doc_id)["passages"]]
        if field == "signer":
            passages.reverse()  # the signature block closes the document
        for hit in passages:
            if field == "date":
                found = [c for c in cand.figure_candidates(analysis, hit, 1) if c.figure.quantity.date == value]
            elif value in hit["text"]:
                found = [c for c in cand.entity_candidates(analysis, hit, 1) if c.text == value]
            else:
                continue
            if found:
                best = found[-1] if field == "signer" else found[0]
                best.entity_type = field if best.kind == "entity" else None
                best.features = {"from_metadata_" + field: 1.0}
                best.score = best.probability = METADATA_CONFIDENCE
                return [best]
        return []

    def allowed_figure(self, analysis: QuestionAnalysis, c: cand.Candidate, asks_change: bool = False,
                       ctx: QuestionContext | None = None) -> bool:
        """The hard rules: never a figure of another level, sub-period or period than asked,
        nor a change against another period where none is asked, nor the other end of a change
        than the state asked ("sau sắp xếp" of "từ 480 ĐVHC còn lại 460": never 480)."""
        f = c.figure
        if f.comparison and not asks_change:
            # "(*tăng 194 lượt người và tăng 187 vụ việc so với CKNT*)" is no count of this year's;
            # over corpus/ and the laws no gold figure is one, 206 wrong candidates were
            return False
        if ctx is not None and ctx.state_asked:
            role = change_role(c)
            if (role, ctx.state_asked) in (("start", "after"), ("end", "before")):
                return False  # the state after the change asked: not where it started, and the reverse
        if analysis.levels and f.levels and not (set(analysis.levels) & f.levels):
            return False  # "Chủ tịch UBND tỉnh" asked: a figure of "cấp huyện" is another one
        if analysis.sub_period and f.sub_period and f.sub_period != analysis.sub_period:
            return False  # quý I asked: a figure of 6 tháng đầu năm is another period's
        if not self.about_place_asked(analysis, c):
            return False  # a province report's figure answers for a district only where it names it
        doc_sub = sub_period_key(search_key(c.hit.get("title") or ""))
        if analysis.sub_period and doc_sub and doc_sub != analysis.sub_period and not f.sub_period:
            return False  # a report of quý II does not answer for quý I
        return self.period_ok(analysis, c.hit, c.sentence_text)

    # --- answer ----------------------------------------------------------------------------
    def ask_in(self, question: str, doc_id: str, k: int = 5) -> dict:
        """Answer from one given document only (reading comprehension with a gold context)."""
        return self.ask(question, k=k, doc_id=doc_id)

    def read(self, question: str, k: int = 5, filters: Filters | None = None, doc_id: str | None = None):
        """(response skeleton, analysis, candidates per family): everything but the choice,
        shared by `ask` and the reader's training (eval/reader_train.py)."""
        if question is None or not str(question).strip():
            raise QueryError("question must not be empty")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:  # the same limit as /search
            raise QueryError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        question = str(question).strip()
        analysis = analyze_question(question, self.known_districts())
        allowed, reason = (None, None) if doc_id is not None else self.scope(analysis, filters)
        response = {"question": question, "answer": None, "value": None, "answer_type": analysis.asks,
                    "confidence": 0.0, "reason": reason, "analysis": analysis.to_dict(), "evidence": [],
                    "best_guess_evidence": [], "passages": []}
        if allowed is not None and not allowed:
            # nothing in scope: show what the corpus has on the topic, clearly not an answer
            response["passages"] = self.engine.search(analysis.retrieval_query, k=k, mode=self.mode)["results"]
            return response, analysis, {}
        hits, shown = self.passages_to_read(analysis, allowed, filters, doc_id, k)
        response["passages"] = shown
        return response, analysis, self.candidates(analysis, hits) if hits else {}

    def choose(self, found: dict[str, list[cand.Candidate]],
               scored: bool = False) -> tuple[str | None, cand.Candidate | None]:
        """The best candidate over the families: each family's first choice by its margin, then
        the one most likely right by its family's calibration (margins of two rankers are not on
        one scale; their calibrated probabilities are). Measured on the entity questions of
        corpus/ and the laws (grouped 5-fold): the first choice was right for 8 of 32 this way,
        2 by the margin over each family's threshold (spans, with hundreds of candidates and a low
        threshold, won where a name was right)."""
        if found.get("metadata"):
            # a question about the document itself is answered from its metadata (document_answer)
            return "metadata", found["metadata"][0]
        best_family, best = None, None
        for family, cands in found.items():
            if not cands or family == "metadata":
                continue
            if not scored:
                self.reader.score(family, cands)
            top = max(cands, key=lambda c: (c.score, -c.rank, -(c.end - c.start)))
            if best is None or top.probability > best.probability:
                best_family, best = family, top
        names = found.get("entity") or []
        if best_family == "span" and names:
            # a name of the kind asked ("Ai ký …?": a person) beats a span, whatever their
            # calibrations say: a sentence is no name. Grouped 5-fold over the entity questions:
            # first choice right 4 → 4 (corpus/), 10 → 11 (laws); viwiki span F1 0.238 → 0.234
            top = max(names, key=lambda c: (c.score, -c.rank, -(c.end - c.start)))
            if top.features.get("entity_kind_match"):
                return "entity", top
        return best_family, best

    def ask(self, question: str, k: int = 5, filters: Filters | None = None, doc_id: str | None = None) -> dict:
        response, analysis, found = self.read(question, k, filters, doc_id)
        if response["reason"] and not found:
            return response
        family, best = self.choose(found)
        if best is None:
            response["reason"] = ("Các đoạn tìm được không nêu con số/ngày cần hỏi "
                                  "(the passages found do not state what is asked).")
            return response
        confidence, given, _ = self.decide(family, best, found[family], question, analysis.asks)
        # clients such as the page cut on this probability
        response["confidence"] = round(confidence, 3)
        if not given:
            response["reason"] = ("Không đủ căn cứ: không câu nào nêu rõ điều được hỏi "
                                  "(no sentence clearly states what is asked).")
            # still a help: the sentence the reader would have answered from, cited, clearly not an answer
            response["best_guess_evidence"] = [self.evidence(best, family)]
            return response
        response.update(self.answer_fields(best))
        if analysis.asks == "passage":
            # not a question of a known kind (a keyword search, "là gì"): the span is given, but
            # the type stays "passage" so clients show it as a reading aid, not as the answer
            response["answer_type"] = "passage"
        response["evidence"] = [self.evidence(best, family)]
        response["reason"] = None
        return response

    def decide(self, family: str, best: cand.Candidate, cands: list[cand.Candidate], question: str,
               asks: str) -> tuple[float, bool, dict | None]:
        """(confidence, whether the first choice `best` of `family` is given, the verifier's
        features): the one place an answer is given or withheld, for /ask and for the grouped
        cross-validation alike (eval/reader_train.outcome)."""
        if family == "metadata":
            return METADATA_CONFIDENCE, True, None
        verifier = self.reader.verifier(family)
        if verifier is not None:
            # figures: the verifier's probability that the first choice is right (reader.Verifier)
            verify = verification_features(best, cands, question, asks)
            confidence = verifier.probability(verify)
            return confidence, confidence >= verifier.threshold, verify
        # names and spans: the margin over the family's threshold, calibrated
        given = best.score >= self.reader.threshold(family)
        if family == "span" and asks == "entity" and not names_something(best):
            given = False  # "Ai ký …?" is answered by a name, never by "Trên đây" (a sentence's opening words)
        return best.probability, given, None

    @staticmethod
    def answer_fields(best: cand.Candidate) -> dict:
        if best.figure is not None:
            q = best.figure.quantity
            value = {"kind": q.kind, "number": q.number, "unit": q.unit, "raw": q.raw}
            for extra in ("denominator", "end_number", "date", "scaled"):
                if getattr(q, extra, None) is not None:
                    value[extra] = getattr(q, extra)
            answer_type = {"money": "number", "duration": "number", "range": "number"}.get(q.kind, q.kind)
            return {"answer": q.raw, "value": value, "answer_type": answer_type}
        value = None
        quantities = find_quantities(best.text)
        if len(quantities) == 1 and len(quantities[0].raw) >= 0.6 * len(best.text.strip()):
            q = quantities[0]  # a span that is one figure ("3.849 km²") is given as that figure
            value = {"kind": q.kind, "number": q.number, "unit": q.unit, "raw": q.raw, "date": q.date,
                     "denominator": q.denominator}
        return {"answer": best.text, "value": value,
                "answer_type": "entity" if best.kind == "entity" else "span"}

    def evidence(self, best: cand.Candidate, family: str) -> dict:
        hit = best.hit
        s, e = best.sentence
        start = (hit.get("span") or [hit.get("start"), hit.get("end")])[0]
        doc_span = None
        if start is not None:
            text = self._document(hit["doc_id"])["text"]
            at = start + best.start
            if text[at:at + (best.end - best.start)] == best.text:
                doc_span = [at, at + (best.end - best.start)]
            else:  # a passage joined from several paragraphs: find the span near where it should be
                found = text.find(best.text, max(0, at - 200))
                doc_span = [found, found + len(best.text)] if found != -1 else None
        return {"passage_id": hit["passage_id"], "doc_id": hit["doc_id"], "title": hit["title"],
                "paragraph": hit["paragraph"], "sentence": hit["text"][s:e],
                "answer_in_passage": [best.start, best.end],
                "span": doc_span or list(hit.get("span") or [hit.get("start"), hit.get("end")]),
                "citation": hit["citation"],
                "scores": {"reader": round(best.score, 3), "probability": round(best.probability, 3),
                           "family": family, "passage_rank": best.rank,
                           "features": best.features if family == "metadata" else self.reader.explain(family, best)}}

