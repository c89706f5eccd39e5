"""What the archive holds, for the home page: counts, facets over every document, the newest
documents, and example questions drawn from the archive itself.

The example questions are written from the archive's own figures (the table of facts,
search/answer/facts.py): a figure's sentence gives its predicate and counted thing ("đã
tiếp nhận 1.215 đơn thư khiếu nại" → "… đã tiếp nhận bao nhiêu đơn thư khiếu nại …?"), its
document the place and period. Each is put to the served answerer and kept only when it
answers with the figure it was written from, confidently enough for the page to show it:
a click on an example always shows an answer. An archive of laws gets questions on its
laws' figures; an archive with too few answerable figures gets searches on its documents'
titles instead. Computed once per index version (the answerer is slow on purpose).
"""
from __future__ import annotations

import re
import threading
from collections import Counter

from indexer.clauses import folded, predicates_in

# the page shows an answer from this confidence on (api/static/app.js ANSWER_MIN_CONFIDENCE)
SHOWN_CONFIDENCE = 0.7
EXAMPLES_WANTED = 6
EXAMPLES_TRIED = 24  # candidate questions put to the answerer at most, per index version
NEWEST = 5
# the words that end a clause around a figure
_BOUNDARY = re.compile(r"[,;:()\[\]“”\"!?]|\s-\s|\.(?:\s|$)|\s(?:và|trong đó|gồm|với|so với|bằng)\s")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# a question needs a verb before the figure ("tiếp nhận"), not just a noun phrase
_WEAK_PREDICATES = {"is", "have", "remain", "sign", ""}
_WEAK_LEFT = {"là", "có", "được", "đạt", "của", "cho", "tại", "ở", "trên", "dưới", "khoảng", "gần", "hơn"}


def _period_words(period: dict | None) -> str:
    if not period or not period.get("from"):
        return ""
    a, b = period["from"], period.get("to") or period["from"]
    return f"năm {a}" if a == b else f"giai đoạn {a}–{b}"


def _clause_around(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The words before a figure within its clause, and the counted thing after it."""
    left = sentence[:start]
    cut = [m.end() for m in _BOUNDARY.finditer(left)]
    left = left[cut[-1]:] if cut else left
    right = sentence[end:]
    stop = _BOUNDARY.search(right)
    right = right[:stop.start()] if stop else right
    return " ".join(left.split()), " ".join(right.split())


def question_from_fact(fact: dict) -> str | None:
    """'Nghệ An đã tiếp nhận bao nhiêu đơn thư khiếu nại giai đoạn 2015–2020?', or None when the
    figure's clause gives no verb and counted thing to ask with."""
    sentence, raw = fact.get("sentence") or "", fact.get("raw") or ""
    if fact.get("kind") not in ("number", "percent") or not raw or fact.get("comparison"):
        return None
    at = sentence.find(raw)
    if at < 0:
        return None
    if fact.get("kind") == "number" and (fact.get("value") or 0) < 2:
        return None  # "01 đồng chí": nothing worth asking
    left, right = _clause_around(sentence, at, at + len(raw))
    # the question starts at the clause's last verb of counting ("đã tiếp nhận", "giải quyết", "giảm còn")
    key = folded(left)
    verbs = [(a, group) for a, _, group in predicates_in(key) if group not in _WEAK_PREDICATES
             # folded, "đất" is "đạt"
             and (group != "reach" or left[a:a + 3].lower() == "đạt")]
    if len(key) != len(left) or not verbs:
        return None
    start = verbs[-1][0]
    before = left[:start].split()
    if before and folded(before[-1]) in ("da", "duoc"):
        start = left.rfind(before[-1], 0, start)
    left_words = _WORD.findall(left[start:])[:5]
    if fact.get("kind") == "percent":  # a rate needs its subject, said before the verb ("tỷ lệ hộ nghèo giảm còn")
        left_words = (_WORD.findall(left[:start])[-4:] + left_words)[-7:]
    # the counted thing: the figure's own words ("7.570 lượt người"), else the clause after it
    own = _WORD.findall(raw)
    right_words = own[:5] if own else _WORD.findall(right)[:5]
    if not left_words or left_words[-1].lower() in _WEAK_LEFT:
        return None
    unit = raw[len(raw.rstrip("%")):] or ""
    place = fact.get("district") or fact.get("province") or ""
    when = _period_words(fact.get("period"))
    if unit == "%":
        asked = f"{' '.join(left_words)} bao nhiêu phần trăm"
    else:
        thing = " ".join(right_words)
        if not thing:
            return None
        asked = f"{' '.join(left_words)} bao nhiêu {thing}"
    if place and place.lower() in asked.lower():
        place = ""
    elif place and asked[1:2].islower():  # "Bắc Giang tổ chức …", not "Bắc Giang Tổ chức …" (but "UBND …")
        asked = asked[0].lower() + asked[1:]
    text = " ".join(x for x in (place, asked, when) if x)
    return text[0].upper() + text[1:] + "?"


def _figure_of(text: str) -> str:
    digits = re.search(r"\d[\d.,]*", text or "")
    return digits.group(0).rstrip(".,") if digits else ""


def _when(metadata: dict) -> tuple:
    """Sort key of a document's date: its date, else its period's end (newest first)."""
    date = metadata.get("date") or ""
    period = metadata.get("period") or {}
    year = int(date[:4]) if date[:4].isdigit() else (period.get("to") or period.get("from") or 0)
    return (year, date)


class ArchiveOverview:
    """GET /overview: the counts computed once per index version; the example questions (a few
    seconds of the answerer's time) in a thread of their own, so that the counts never wait
    for them: until they are ready, `examples` is empty and `examples_pending` true."""

    def __init__(self, engine):
        self.engine = engine  # the switching engine: each get() reads one version pinned from it
        self._lock = threading.Lock()
        self._counts: dict | None = None
        self._examples: tuple[str, list[dict]] | None = None  # (index version, examples)
        self._running: threading.Thread | None = None

    def get(self, wait: bool = False) -> dict:
        engine = self.engine.pinned()
        version = engine.view.version
        with self._lock:
            if self._counts is None or self._counts["index_version"] != version:
                self._counts = self._compute(engine)
            counts = self._counts
            ready = self._examples is not None and self._examples[0] == version
            if not ready and (self._running is None or not self._running.is_alive()):
                self._running = threading.Thread(target=self._compute_examples, args=(engine,),
                                                 name="overview-examples", daemon=True)
                self._running.start()
            running = self._running
        if not ready and wait:
            running.join()
            return self.get()
        return counts | {"examples": self._examples[1] if ready else [], "examples_pending": not ready}

    def _compute_examples(self, engine) -> None:
        import os

        try:  # background work: it yields the CPU to the requests being served (Linux: per thread)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (AttributeError, OSError):
            pass
        examples = self._examples_of(engine)
        with self._lock:
            self._examples = (engine.view.version, examples)

    def _compute(self, engine) -> dict:
        view = engine.view
        catalog = view.catalog
        facets = engine.facets("", documents=list(catalog))
        newest = sorted(catalog.values(), key=lambda d: _when(d.metadata), reverse=True)[:NEWEST]
        return {"index_version": view.version, "documents": len(catalog), "passages": view.passage_count,
                "facets": facets,
                "newest": [{"doc_id": d.doc_id, "title": d.title, "metadata": engine.metadata(d.doc_id)}
                           for d in newest]}

    def _candidates(self, engine) -> list[tuple[str, dict]]:
        """Questions from the figures, taking documents in turn so that each gets asked about."""
        by_doc: dict[str, list[tuple[str, dict]]] = {}
        seen: set[str] = set()
        from search.answer.facts import FactTable

        for fact in FactTable(engine).facts():
            question = question_from_fact(fact)
            if question and question not in seen:
                seen.add(question)
                by_doc.setdefault(fact["doc_id"], []).append((question, fact))
        # counts before rates: "bao nhiêu phần trăm" questions are vaguer and more often refused
        ordered, queues = [], [sorted(q, key=lambda item: item[1]["kind"] == "percent") for q in by_doc.values()]
        while any(queues) and len(ordered) < EXAMPLES_TRIED:
            for queue in queues:
                if queue and len(ordered) < EXAMPLES_TRIED:
                    ordered.append(queue.pop(0))
        return ordered

    def _examples_of(self, engine) -> list[dict]:
        from search.answer import served_answerer

        answerer = served_answerer(engine)  # on the version the examples are computed for
        examples: list[dict] = []
        per_doc: Counter = Counter()
        for question, fact in self._candidates(engine):
            if len(examples) >= EXAMPLES_WANTED:
                break
            if per_doc[fact["doc_id"]] >= 2:
                continue
            try:
                answer = answerer.ask(question, k=3)
            except Exception:  # an example is optional; a question the answerer cannot take is skipped
                continue
            given = answer.get("answer")
            if not given or float(answer.get("confidence") or 0) < SHOWN_CONFIDENCE:
                continue
            if _figure_of(given) != _figure_of(fact["raw"]):
                continue  # answered, but not with the figure the question was written from
            per_doc[fact["doc_id"]] += 1
            examples.append({"question": question, "kind": "question", "answer": given, "doc_id": fact["doc_id"]})
        if len(examples) < 4:  # too few answerable figures: searches on what the documents are about
            for summary in sorted(engine.view.catalog.values(), key=lambda d: _when(d.metadata), reverse=True):
                if len(examples) >= EXAMPLES_WANTED:
                    break
                words = _WORD.findall(re.sub(r"\s+", " ", summary.title))[:8]
                if len(words) >= 2:
                    examples.append({"question": " ".join(words), "kind": "search", "answer": None,
                                     "doc_id": summary.doc_id})
        return examples
