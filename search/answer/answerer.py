"""Answers, not just passages: the figure, date or name that answers a question, quoted
from the source with its evidence — or an abstention that says why.

1. The question is analysed (search/answer/question.py): what kind of answer, the place,
   the period, the counted thing.
2. The scope: only documents about the place asked (metadata province/district) whose
   period overlaps the years asked. No such document → abstain; a figure from another
   province, district or period is never given.
3. Hybrid retrieval inside the scope; then every sentence of the best passages is
   scored, and inside it every quantity of the right kind (indexer/numbers.py): does
   its unit name the counted thing, does its clause carry the question's words, how
   high did its passage rank.
4. The best span is the answer, quoted as written ("1.215 đơn thư khiếu nại").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.analysis import expand_abbreviations
from indexer.textnorm import search_key
from search.engine import MAX_K, QueryError, SearchEngine
from search.filters import Filters, doc_years
from indexer.numbers import Quantity, find_quantities
from search.answer.question import QuestionAnalysis, analyze_question, out_of_scope_reason

PASSAGES_READ = 8
KIND_FOR = {"number": ("number", "money", "ratio"), "percent": ("percent",), "date": ("date",)}
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“(]?[A-ZĐÀ-Ỹ0-9])")
SYLLABLE = re.compile(r"[^\W_]+")
PERSON_NAME = re.compile(r"\b([A-ZĐÀ-Ỹ][a-zà-ỹđ]+(?:\s+[A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,3})\b")
ORGANISATION = re.compile(r"\b((?:Sở|Ban|UBND|Ủy ban|Uỷ ban|Phòng|Thanh tra|Hội đồng|Tòa án|Toà án|Ban Chỉ đạo|"
                          r"Ban Thường vụ|Mặt trận)(?:\s+[A-ZĐÀ-Ỹa-zà-ỹđ]+){1,5})")
MIN_CONFIDENCE = 0.45
# capitalised words that start sentences or name institutions, not people
NOT_PERSON = {"tren", "day", "nam", "trong", "thuc", "hien", "ket", "qua", "cong", "tac", "bao", "cao", "ngay",
              "sau", "nhin", "ben", "canh", "tiep", "theo", "voi", "de", "tinh", "den", "tu", "qua", "hoi"}
INSTITUTION_WORDS = {"ban", "so", "uy", "ubnd", "trung", "uong", "dang", "tinh", "huyen", "xa", "hoi", "dong",
                     "nhan", "dan", "mat", "tran", "to", "quoc", "bo", "chinh", "tri", "quoc", "hoi", "thuong",
                     "vu", "chi", "dao", "thi", "nghi", "quyet", "luat", "nha", "nuoc", "chu", "tich", "pho",
                     "bi", "thu", "truong", "kt", "tm", "giam", "doc", "thanh", "tra", "van", "phong", "cuc"}


def _syllables(text: str) -> list[str]:
    """Folded syllables, abbreviations spelled out (KNTC → khiếu nại, tố cáo)."""
    return SYLLABLE.findall(search_key(expand_abbreviations(text)))


LEVELS = ("tinh", "huyen", "xa")
LEVEL_PHRASE = re.compile(r"\b(?:cap|ubnd|uy ban nhan dan|chu tich ubnd|chu tich)\s+(tinh|huyen|xa)\b")


def _levels(text_key: str) -> set[str]:
    """Administrative levels a text speaks of ('cấp huyện', 'UBND tỉnh')."""
    return set(LEVEL_PHRASE.findall(text_key))


OVERALL = re.compile(r"\b(toan tinh|toan huyen|toan thi xa|toan thanh pho|tong so|tong cong|ca tinh|ca huyen)\b")
NAMED_UNIT = re.compile(r"\b(thanh tra|so|ban|cap|phong|toa an|doan|hoi dong|uy ban|ubnd|chu tich|"
                        r"department|inspectorate|court|committee|chairman|council)\b")
YEAR_MENTION = re.compile(r"(?:năm|trong)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
COMPARISON_YEAR = re.compile(r"so v[oớ]i (?:cùng kỳ )?(?:năm )?((?:19|20)\d{2})", re.IGNORECASE)


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


CONTEXT_SEPARATOR = re.compile(r";|, |\(|\)|:\s+(?=[A-ZĐÀ-Ỹ])")
# things reports count side by side: a figure of one is never the answer about the other
CONTRASTS = [("khieu nai", "to cao"), ("khieu nai", "kien nghi"), ("to cao", "kien nghi")]
ACTIONS = re.compile(r"\b(giai quyet|tiep nhan|tiep|xu ly|hoa giai|ban hanh|to chuc|thanh lap|xay dung|cat giam|"
                     r"giam|tang|dat|xep thu|sap xep|ky|thu|van dong|lap danh sach|resolved?|received?|settled?)\b")


def _context_before(sentence: str, quantities: list[Quantity], index: int) -> str:
    """The words a figure belongs to: back to the previous figure or separator, plus its
    own unit. 'khiếu nại 571 đơn, tố cáo 63 đơn' gives 571 'khiếu nại', 63 'tố cáo';
    'tỷ lệ ... khiếu nại ... 144/170 đạt 84,7%; tỷ lệ ... tố cáo ... đạt 84,9%' keeps each
    rate with its noun."""
    q = quantities[index]
    floor = quantities[index - 1].end if index > 0 else 0
    separators = [m.end() for m in CONTEXT_SEPARATOR.finditer(sentence, floor, q.start)]
    start = separators[-1] if separators else floor
    if q.start - start < 12 and index > 0:
        # "144/170 đạt 84,7%": a rate right after its count shares the count's context
        return _context_before(sentence, quantities, index - 1) + " " + sentence[start:q.end]
    return sentence[start:q.end]


SUB_YEAR_PERIOD = re.compile(r"\b(\d+|sau|mot|hai|ba|bon|nam|chin) thang (dau|cuoi) nam|\bquy (i|ii|iii|iv|\d)\b")


@dataclass
class Candidate:
    score: float
    passage: dict
    rank: int
    sentence: tuple[int, int]
    quantity: Quantity | None = None
    entity: tuple[int, int] | None = None  # span in the passage text
    detail: dict | None = None


class Answerer:
    def __init__(self, engine: SearchEngine):
        self.engine = engine  # pinned (SearchEngine.pinned()) to answer from one index version

    def _version_cache(self) -> tuple[dict, dict]:
        """Facts derived from the documents of the engine's index version, computed once per
        version and kept with it (IndexView.derived): districts, years spoken per document."""
        view = self.engine.view

        def build() -> tuple[dict, dict]:
            districts = {}
            for summary in view.catalog.values():
                district = summary.metadata.get("district")
                if district:
                    districts[search_key(district)] = district
            return districts, {}

        return view.derived("answers.rules", build)

    # --- scope ------------------------------------------------------------------------
    def known_districts(self) -> dict[str, str]:
        return self._version_cache()[0]

    def _years_spoken(self, doc_id: str) -> set[int]:
        """Years a document speaks of ("năm 2022", "trong 2022"), comparisons ("so với năm 2021") aside."""
        spoken = self._version_cache()[1]
        if doc_id not in spoken:
            text = self.engine.store.document(doc_id)["text"]
            spoken[doc_id] = ({int(y) for y in YEAR_MENTION.findall(text)}
                              - {int(y) for y in COMPARISON_YEAR.findall(text)})
        return spoken[doc_id]

    def scope(self, analysis: QuestionAnalysis, filters: Filters | None) -> tuple[set[str] | None, str | None]:
        """The documents the answer may come from, or the reason there are none."""
        place = analysis.district or analysis.province
        if not place and not analysis.years and (filters is None or filters.is_empty()):
            return None, None
        rows: set[str] = set()
        about_place = 0
        for doc_id, summary in self.engine.view.catalog.items():
            metadata = summary.metadata
            if filters is not None and not filters.accepts(metadata, doc_id):
                continue
            if analysis.district and search_key(metadata.get("district") or "") != search_key(analysis.district):
                continue
            if analysis.province and not analysis.district and \
                    search_key(metadata.get("province") or "") != search_key(analysis.province):
                continue
            about_place += 1
            years = doc_years(metadata)
            if analysis.years and years and (years[1] < analysis.years[0] or years[0] > analysis.years[1]):
                continue
            rows.add(doc_id)
        if rows:
            return rows, None
        return set(), out_of_scope_reason(place, about_place, analysis.years)

    # --- scoring ----------------------------------------------------------------------
    def _period_ok(self, analysis: QuestionAnalysis, passage: dict, sentence_years: set[int]) -> bool:
        """A figure answers for the years asked only if its document covers exactly those
        years, or its sentence or passage names a year inside them: a 5-year total is not
        the figure of one of its years."""
        if not analysis.years:
            return True
        low, high = analysis.years
        years = doc_years(self.engine.view.metadata(passage["doc_id"]))
        if years and low <= years[0] and years[1] <= high:
            return True
        if years is None and not sentence_years:
            # a document that states no period: it must speak of the year asked somewhere
            # ("Với những kết quả trong 2022"), comparisons ("so với năm 2021") aside
            return any(low <= y <= high for y in self._years_spoken(passage["doc_id"]))
        mentioned = sentence_years or ({int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", passage["text"])}
                                       - {int(y) for y in COMPARISON_YEAR.findall(passage["text"])})
        return any(low <= y <= high for y in mentioned)

    def _quantity_candidates(self, analysis: QuestionAnalysis, passage: dict, rank: int) -> list[Candidate]:
        text = passage["text"]
        kinds = KIND_FOR[analysis.asks]
        counted = set(_syllables(analysis.counted or ""))
        keywords = set(analysis.keywords) | counted
        question_key = search_key(expand_abbreviations(" ".join([analysis.question] + analysis.keywords)))
        sub_year = SUB_YEAR_PERIOD.search(question_key)
        actions = {m.group(1) for m in ACTIONS.finditer(question_key)}
        asked_levels = _levels(question_key)
        needed_precision = 10 if re.search(r"\b(ngay nao|ngay bao nhieu|what date|which date|what day|which day)\b",
                                           question_key) else (7 if re.search(r"\b(thang nao|which month)\b",
                                                                             question_key) else 4)
        names_unit = bool(NAMED_UNIT.search(question_key))
        out = []
        for s_start, s_end in _sentences(text):
            sentence = text[s_start:s_end]
            sentence_words = set(_syllables(sentence))
            keyword_share = len(keywords & sentence_words) / len(keywords) if keywords else 0.0
            quantities = find_quantities(sentence)
            compared = {int(y) for y in COMPARISON_YEAR.findall(sentence)}
            sentence_years = {int(q.date[:4]) for q in quantities if q.kind in ("date", "range") and q.date
                              and q.date[:4].isdigit()} - compared
            if not self._period_ok(analysis, passage, sentence_years):
                continue
            # "6 tháng đầu năm 2020" asked: a sentence about another span of time does not answer
            if sub_year and sub_year.group(0) not in search_key(sentence):
                continue
            for index, q in enumerate(quantities):
                if q.kind not in kinds:
                    continue
                if q.kind == "date" and (q.raw in analysis.question or (q.date or "") in question_key):
                    continue  # the date the question itself names is not its answer
                if q.kind == "date" and len(q.date or "") < needed_precision:
                    continue  # "ngày nào?" wants a day, not the year "2018" of "Năm dân vận chính quyền 2018"
                unit_words = set(_syllables(q.unit or ""))
                # the words before a figure and those after it up to the next figure or
                # separator ("7.570 lượt người đến KNTC và kiến nghị"; "ngày 30/7/2021, Bộ Chính trị ...")
                context = _context_before(sentence, quantities, index)
                after = CONTEXT_SEPARATOR.search(sentence, q.end)
                after_end = min(after.start() if after else len(sentence),
                                quantities[index + 1].start if index + 1 < len(quantities) else len(sentence))
                if q.kind == "date":  # "ngày 30/7/2021, Bộ Chính trị đã ban hành …": the event follows
                    semicolon = sentence.find(";", q.end)
                    after_end = semicolon if semicolon != -1 else len(sentence)
                    context += " " + sentence[q.end:min(after_end, q.end + 120)]
                else:
                    context += " " + sentence[q.end:min(after_end, q.end + 40)]
                context_words = set(_syllables(context))
                context_key = search_key(expand_abbreviations(context))
                unit_key = search_key(q.unit or "")
                if any((a in question_key and b in unit_key and a not in unit_key) or
                       (b in question_key and a in unit_key and b not in unit_key) for a, b in CONTRASTS
                       if (a in question_key) != (b in question_key)):
                    continue  # "684 đơn thư tố cáo" when khiếu nại is asked
                if any((a in question_key) != (b in question_key) and
                       ((a in question_key and b in context_key and a not in context_key) or
                        (b in question_key and a in context_key and b not in context_key))
                       for a, b in CONTRASTS):
                    continue  # "tố cáo" asked, this figure counts "khiếu nại"
                action = 0.4 if actions and any(act in context_key for act in actions) else 0.0
                # "Chủ tịch UBND tỉnh" asked: a figure of "Chủ tịch UBND cấp huyện" is another one
                context_levels = _levels(search_key(context))
                if asked_levels and context_levels and not (asked_levels & context_levels):
                    continue
                if counted and unit_words and not (unit_words & counted) and q.kind != "percent":
                    continue  # it counts something else ("684 đơn thư tố cáo" for khiếu nại)
                unit_match = len(unit_words & counted) / len(counted) if counted else 0.0
                context_match = len(keywords & context_words) / len(keywords) if keywords else 0.0
                precision = {10: 0.3, 7: 0.15}.get(len(q.date or ""), 0.0) if q.kind == "date" else 0.0
                # a total ("toàn tỉnh đã tiếp 7.570 lượt") answers a question that names no sub-unit
                overall = 0.3 if not names_unit and OVERALL.search(search_key(context)) else 0.0
                score = (1.0 * unit_match + 1.2 * context_match + 0.5 * keyword_share + 0.3 / rank + precision
                         + overall + action - 0.01 * index)
                out.append(Candidate(score, passage, rank, (s_start, s_end), quantity=q, detail={
                    "unit_match": round(unit_match, 3), "context_match": round(context_match, 3),
                    "keyword_share": round(keyword_share, 3), "passage_rank": rank}))
        return out

    def _entity_candidates(self, analysis: QuestionAnalysis, passage: dict, rank: int) -> list[Candidate]:
        text = passage["text"]
        metadata = self.engine.view.metadata(passage["doc_id"])
        keywords = set(analysis.keywords)
        question_key = search_key(analysis.question)
        wants_signer = bool(re.search(r"\b(ky|signed|signer|signs)\b", question_key))
        wants_body = bool(re.search(r"\b(co quan|don vi|agency|body|office|department)\b", question_key))
        # the document's own signer / issuer, when asked and named in this passage
        known = metadata.get("signer") if wants_signer else (metadata.get("issuer") if wants_body and
                                                               re.search(r"\b(ban hanh|issued|bao cao|report)\b",
                                                                         question_key) else None)
        out = []
        for s_start, s_end in _sentences(text):
            sentence = text[s_start:s_end]
            keyword_share = len(keywords & set(_syllables(sentence))) / len(keywords) if keywords else 0.0
            if known and known in sentence:
                at = s_start + sentence.index(known)
                out.append(Candidate(2.0 + 0.4 / rank, passage, rank, (s_start, s_end), entity=(at, at + len(known)),
                                     detail={"from_metadata": "signer" if wants_signer else "issuer",
                                             "passage_rank": rank, "keyword_share": round(keyword_share, 3)}))
            pattern = ORGANISATION if wants_body else PERSON_NAME
            for m in pattern.finditer(sentence):
                name = m.group(1)
                words = name.split()
                if not wants_body and (search_key(words[0]) in NOT_PERSON or
                                       any(search_key(w) in INSTITUTION_WORDS for w in words)):
                    continue
                if search_key(name) in {search_key(metadata.get("province") or "-"),
                                        search_key(metadata.get("district") or "-")}:
                    continue
                # a title before a name ("đồng chí Đoàn Văn Việt - Phó Bí thư ...") that the question names
                near = search_key(sentence[max(0, m.start() - 80):m.end() + 120])
                near_share = len(keywords & set(SYLLABLE.findall(near))) / len(keywords) if keywords else 0.0
                score = 0.4 * keyword_share + 1.0 * near_share + 0.3 / rank + (0.2 if len(words) in (3, 4) else 0)
                out.append(Candidate(score, passage, rank, (s_start, s_end),
                                     entity=(s_start + m.start(1), s_start + m.end(1)),
                                     detail={"keyword_share": round(keyword_share, 3),
                                             "near_share": round(near_share, 3), "passage_rank": rank}))
        return out

    def _signature_rows(self, top: list[tuple[dict, int]]) -> list[tuple[dict, int]]:
        """Passages naming the signer or issuer of the best-ranked documents: a signature
        block rarely ranks high for "Ai ký báo cáo …?", but it holds the answer."""
        store = self.engine.store
        seen = {p["passage_id"] for p, _ in top}
        extra = []
        for passage, rank in top[:3]:
            doc_id = passage["doc_id"]
            metadata = self.engine.view.metadata(doc_id)
            names = [n for n in (metadata.get("signer"), metadata.get("issuer")) if n]
            if not names:
                continue
            for other in store.passages(store.passage_ids(doc_id)):
                if other["passage_id"] not in seen and any(n in other["text"] for n in names):
                    seen.add(other["passage_id"])
                    extra.append((other, rank))
        return extra

    # --- answer -----------------------------------------------------------------------
    def ask_in(self, question: str, doc_ids: set[str], k: int = 5) -> dict:
        """Answer from the given documents only (reading comprehension with a gold context)."""
        return self.ask(question, k=k, restrict=doc_ids)

    def ask(self, question: str, k: int = 5, filters: Filters | None = None,
            restrict: set[str] | None = None) -> dict:
        if question is None or not str(question).strip():
            raise QueryError("question must not be empty")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:  # the same limit as /search
            raise QueryError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        question = str(question).strip()
        engine = self.engine.pinned()
        analysis = analyze_question(question, self.known_districts())
        rows, reason = (restrict, None) if restrict is not None else self.scope(analysis, filters)
        response = {"question": question, "answer": None, "value": None,
                    "answer_type": analysis.asks, "confidence": 0.0, "reason": reason,
                    "analysis": analysis.to_dict(), "evidence": [], "passages": []}
        if rows is not None and not rows:
            # nothing in scope: show what the corpus has on the topic, clearly not an answer
            response["passages"] = engine.search(analysis.retrieval_query, k=k, mode="hybrid")["results"]
            return response

        scope = Filters(doc_ids=rows) if rows is not None else None
        pool = engine.fused(analysis.retrieval_query, "hybrid", scope, depth=max(engine.depth, 3 * k))
        read = max(k, PASSAGES_READ)
        passages = engine.passages([pid for pid, _, _ in pool[:read]])
        response["passages"] = [engine.result(passage, rank, score, question, scores)
                                for rank, (passage, (_, score, scores)) in enumerate(zip(passages, pool[:k]), start=1)]
        top = [(passage, rank) for rank, passage in enumerate(passages[:PASSAGES_READ], start=1)]
        if analysis.asks in KIND_FOR:
            candidates = [c for passage, rank in top for c in self._quantity_candidates(analysis, passage, rank)]
        elif analysis.asks == "entity":
            candidates = [c for passage, rank in top + self._signature_rows(top)
                          for c in self._entity_candidates(analysis, passage, rank)]
        else:
            candidates = []
        if analysis.asks == "passage" and top:
            passage, rank = top[0]
            text = passage["text"]
            best_sentence = max(_sentences(text), key=lambda s: len(
                set(analysis.keywords) & set(_syllables(text[s[0]:s[1]]))))
            candidates = [Candidate(0.5, passage, rank, best_sentence)]
        if not candidates:
            response["reason"] = ("Các đoạn tìm được không nêu con số/ngày cần hỏi "
                                  "(the passages found do not state what is asked).")
            return response
        best = max(candidates, key=lambda c: (c.score, -c.rank))
        confidence = self.confidence(best, analysis)
        response["confidence"] = confidence
        if confidence < MIN_CONFIDENCE and analysis.asks != "passage":
            response["reason"] = ("Không đủ căn cứ: câu tốt nhất không khớp với điều được hỏi "
                                  "(no sentence clearly states what is asked).")
            response["best_guess_evidence"] = [self.evidence(best)]
            return response
        response.update(self.answer_fields(best, analysis))
        response["evidence"] = [self.evidence(best)]
        response["reason"] = None
        return response

    @staticmethod
    def confidence(best: Candidate, analysis: QuestionAnalysis) -> float:
        if analysis.asks == "passage":
            return 0.5
        if analysis.asks == "entity":
            return round(min(1.0, 0.3 + best.score / 2), 3)
        detail = best.detail or {}
        value = 0.15 + 0.3 * detail.get("unit_match", 0) + 0.35 * detail.get("context_match", 0) \
            + 0.2 * detail.get("keyword_share", 0) + 0.1 / best.rank
        return round(max(0.0, min(1.0, value)), 3)

    def answer_fields(self, best: Candidate, analysis: QuestionAnalysis) -> dict:
        text = best.passage["text"]
        if best.quantity is not None:
            q = best.quantity
            value = {"kind": q.kind, "number": q.number, "unit": q.unit, "raw": q.raw}
            for extra in ("denominator", "end_number", "date", "scaled"):
                if getattr(q, extra, None) is not None:
                    value[extra] = getattr(q, extra)
            answer_type = {"money": "number"}.get(q.kind, q.kind)
            return {"answer": q.raw, "value": value, "answer_type": answer_type}
        if best.entity is not None:
            return {"answer": text[best.entity[0]:best.entity[1]], "value": None, "answer_type": "entity"}
        s, e = best.sentence
        return {"answer": text[s:e], "value": None, "answer_type": "passage"}

    def evidence(self, best: Candidate) -> dict:
        passage = best.passage
        s, e = best.sentence
        if best.quantity is not None:
            a_start, a_end = s + best.quantity.start, s + best.quantity.end
        elif best.entity is not None:
            a_start, a_end = best.entity
        else:
            a_start, a_end = s, e
        # offsets into the passage text; `span` in the document (exact when the passage is a
        # verbatim slice of the document, which is every single-paragraph passage)
        doc_start = passage["start"] + a_start if passage["paragraph"] == passage["paragraph_end"] else None
        return {"passage_id": passage["passage_id"], "doc_id": passage["doc_id"], "title": passage["title"],
                "paragraph": passage["paragraph"], "sentence": passage["text"][s:e],
                "answer_in_passage": [a_start, a_end],
                "span": [doc_start, doc_start + (a_end - a_start)] if doc_start is not None else [passage["start"], passage["end"]],
                "citation": self.engine.citation(passage), "scores": best.detail}
