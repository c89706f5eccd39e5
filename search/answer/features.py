"""Features of a candidate answer against the question: what the reader weighs.

Each is a number computed the same way at training time (eval/reader_train.py) and at
answer time; their weights are learned, never set here. Groups:
- predicate and counted-thing alignment (through the glossary and the English mapping):
  does the verb governing the figure match the question's, does its unit name the thing
  asked, does its clause speak of something the question contrasts (khiếu nại / tố cáo);
- question–clause similarity from the multilingual encoder, and word overlap;
- answer-type agreement; level and sub-period agreement; position; retrieval rank.
"""
from __future__ import annotations

import math
import re

import numpy as np

from indexer.facts import TOPICS
from indexer.clauses import WEAK_PREDICATES, folded, predicates_in, sub_period_key
from indexer.textnorm import normalize_text, search_key
from search.answer.candidates import Candidate
from search.answer.question import NAMED_UNIT, QuestionAnalysis

# things reports count side by side: a figure of one does not answer about the other
CONTRASTS = [("khieu nai", "to cao"), ("khieu nai", "kien nghi"), ("to cao", "kien nghi"),
             ("khieu nai", "tranh chap dat dai"), ("to cao", "tranh chap dat dai"), ("kien nghi", "tranh chap dat dai")]
WORD = re.compile(r"[^\W_]+")
QUESTION_ASKS_CHANGE = re.compile(r"\b(so voi|compared|tang|giam|increase|decrease|reduce|fall|fell|rise|"
                                  r"cat giam|tinh gian)\b")
FUNCTION_WORDS = {"cua", "va", "cac", "nhung", "la", "co", "duoc", "da", "trong", "tai", "o", "voi", "cho",
                  "theo", "den", "tu", "ve", "the", "of", "and", "in", "to", "a", "nao", "gi", "bao", "nhieu"}


def words(text: str) -> set[str]:
    return set(WORD.findall(folded(text)))


def recall(needed: set[str], found: set[str]) -> float:
    return len(needed & found) / len(needed) if needed else 0.0


class QuestionContext:
    """What every candidate of one question is compared with, computed once."""

    def __init__(self, analysis: QuestionAnalysis):
        self.analysis = analysis
        self.key = folded(analysis.question + " " + " ".join(analysis.keywords))
        self.keywords = set(analysis.keywords) - FUNCTION_WORDS
        self.counted = words(analysis.counted or "") - FUNCTION_WORDS
        self.strong_predicates = {p for p in analysis.predicates if p not in WEAK_PREDICATES}
        self.asks_change = bool(QUESTION_ASKS_CHANGE.search(self.key))
        self.question_words = set(WORD.findall(search_key(analysis.question)))
        self.years = analysis.years
        self.topics = [t for t in TOPICS if t in self.key]
        # the question's content words (keywords, the counted thing) and every word it has,
        # English mapped to Vietnamese, for the alignment features
        self.terms = list(dict.fromkeys(t for t in list(analysis.keywords) + sorted(self.counted)
                                        if t not in FUNCTION_WORDS and not t.isdigit()))
        seq = [t for t in WORD.findall(folded(analysis.retrieval_query)) if t not in FUNCTION_WORDS]
        terms = set(self.terms)
        self.bigrams = {(a, b) for a, b in zip(seq, seq[1:]) if a in terms and b in terms}
        self.question_all = set(WORD.findall(self.key)) | set(WORD.findall(folded(analysis.retrieval_query)))
        self.idf: dict[str, float] = {}
        self.focus = focus_predicate(analysis.question)
        self.stated = stated_figures(analysis.question)
        question_key = folded(analysis.question)
        self.asks_before = bool(ASKS_BEFORE.search(question_key))
        self.asks_after = bool(ASKS_AFTER.search(question_key))
        self.state_asked = state_asked(analysis.question)  # the hard rule's reading (learned.allowed_figure)

    def contrast_conflict(self, text_key: str) -> float:
        """The candidate's words name the other side of a pair the question picks one of."""
        for a, b in CONTRASTS:
            if (a in self.key) == (b in self.key):
                continue
            asked, other = (a, b) if a in self.key else (b, a)
            if other in text_key and asked not in text_key:
                return 1.0
        return 0.0


# where a question asks ("còn bao nhiêu", "how many … did it resolve"): the predicate next to
# it is the one the figure must carry; the others set the scene ("Sau sắp xếp, … còn bao nhiêu")
WH_PHRASE = re.compile(r"\b(bao nhieu|bao lau|ngay nao|khi nao|nam nao|la ai|thu may|may|how many|how much|how long|"
                       r"when|who|which|what)\b")
ASKS_BEFORE = re.compile(r"\b(truoc khi|truoc|ban dau|before|originally|at first)\b")
ASKS_AFTER = re.compile(r"\b(con lai|xuong con|con|sau khi|sau|after|remain|remaining|left)\b")
# "giảm từ 67.936 người xuống còn 60.059 người": the figure after "từ" is where it started,
# the one after "còn"/"xuống"/"lên" where it ended
FROM_MARK = re.compile(r"\btu\s*$")
TO_MARK = re.compile(r"\b(xuong con|con lai|con|xuong|len|thanh|to)\s*$")
YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
# the two ends of one change in a sentence: "từ 480 ĐVHC còn lại 460 ĐVHC", "giảm từ 67.936 người
# xuống còn 60.059 người" — read with diacritics (lower-cased), since folded "con" is also "con"
# (a child: "con nuôi"), and the end's mark is followed by its figure
CHANGE_FROM = re.compile(r"(?<!\w)từ\s*$")
CHANGE_TO = r"(?:xuống còn|còn lại|còn|xuống|lên|thành)"
CHANGE_END_AFTER = re.compile(rf"(?<!\w){CHANGE_TO}\s+\d")
CHANGE_END_MARK = re.compile(rf"(?<!\w){CHANGE_TO}\s*$")
CHANGE_START_BEFORE = re.compile(r"(?<!\w)từ\s+\d")
# what a question asks of a change: the state after it or before it (folded; "còn" only with its
# diacritics or as "con lai" / "con bao nhieu", "con" alone being a child too)
STATE_AFTER = re.compile(r"\b(sau khi|sau|con lai|con bao nhieu|xuong con|after|remain|remaining|left)\b")
STATE_BEFORE = re.compile(r"\b(truoc khi|truoc|ban dau|before|originally|at first)\b")


def change_role(c: Candidate) -> str | None:
    """'start' for the A of "từ A … còn lại/còn/xuống B" (a change's two ends in one sentence),
    'end' for its B, None for a figure that is no end of such a change."""
    sentence = normalize_text(c.sentence_text).lower()  # length-preserving on the indexed (NFC) text
    start, end = c.start - c.sentence[0], c.end - c.sentence[0]
    left = sentence[max(0, start - 30):start]
    if CHANGE_FROM.search(left) and CHANGE_END_AFTER.search(sentence[end:end + 100]):
        return "start"
    if CHANGE_END_MARK.search(left) and CHANGE_START_BEFORE.search(sentence[max(0, start - 120):start]):
        return "end"
    return None


def state_asked(question: str) -> str | None:
    """'after' when a question asks the state after a change ("sau sắp xếp", "còn bao nhiêu"),
    'before' when the state before it ("trước khi sắp xếp"), None when neither or both."""
    key = folded(question)
    after = bool(STATE_AFTER.search(key) or re.search(r"(?<!\w)còn(?!\w)", normalize_text(question).lower()))
    before = bool(STATE_BEFORE.search(key))
    return "after" if after and not before else "before" if before and not after else None


def focus_predicate(question: str) -> str | None:
    """The strong predicate group nearest the question's wh-phrase (before it, as in Vietnamese
    "giảm bao nhiêu", else after it, as in English "how many … did it resolve")."""
    key = folded(question)
    wh = WH_PHRASE.search(key)
    found = [(s, e, g) for s, e, g in predicates_in(key) if g not in WEAK_PREDICATES]
    if not found:
        return None
    if wh is None:
        return found[-1][2]
    before = [p for p in found if p[0] < wh.start()]
    after = [p for p in found if p[0] >= wh.start()]
    if before and (not after or wh.start() - before[-1][1] <= 12):
        return before[-1][2]
    return after[0][2] if after else found[-1][2]


def stated_figures(question: str) -> set[tuple]:
    """The figures a question states itself ("trong 5 năm", "mức độ 4", "năm 2019", "Chỉ thị
    26/CT-TTg ngày 05/9/2016"): by value, so that "5 năm" in the text matches "5 năm" asked."""
    from indexer.numbers import find_quantities

    return {(q.kind, q.number, q.date) for q in find_quantities(question)}


def figure_features(ctx: QuestionContext, c: Candidate) -> dict[str, float]:
    a, f = ctx.analysis, c.figure
    q = f.quantity
    sentence = c.sentence_text
    context_key = folded(f.context)
    after = c.hit["text"][c.end:min(c.clause[1], c.end + 40)]
    around_key = folded(f.context + " " + after)
    unit_words = words(q.unit or "") - FUNCTION_WORDS
    counted_words = words(f.counted) - FUNCTION_WORDS
    clause_words, sentence_words = words(c.clause_text), words(sentence)
    around_words = set(WORD.findall(around_key))
    doc_sub = sub_period_key(search_key(c.hit.get("title") or ""))
    x = {
        "asks_" + a.asks + "_is_" + q.kind: 1.0,
        "counted_in_unit": recall(ctx.counted, unit_words) if q.kind != "percent" else recall(ctx.counted, counted_words),
        "counted_in_context": recall(ctx.counted, around_words),
        "counted_in_own_words": recall(ctx.counted, set(WORD.findall(context_key))),
        "topic_in_own_words": float(any(t in context_key for t in ctx.topics)) if ctx.topics else 0.0,
        "unit_conflict": float(bool(ctx.counted and unit_words and not (unit_words & ctx.counted)
                                    and q.kind not in ("percent", "date"))),
        "unit_in_question": recall(unit_words, ctx.question_words | ctx.keywords) if unit_words else 0.0,
        "keywords_in_context": recall(ctx.keywords, around_words),
        "keywords_in_clause": recall(ctx.keywords, clause_words),
        "keywords_in_sentence": recall(ctx.keywords, sentence_words),
        "predicate_near": float(bool(f.predicate and f.predicate in a.predicates)),
        "predicate_in_sentence": float(bool(set(f.predicates) & set(a.predicates))),
        "predicate_conflict": float(bool(ctx.strong_predicates and f.predicate and f.predicate not in WEAK_PREDICATES
                                         and f.predicate not in ctx.strong_predicates)),
        "predicate_none": float(f.predicate is None),
        "contrast_conflict": ctx.contrast_conflict(around_key),
        "level_match": float(bool(set(a.levels) & f.levels)),
        "level_unstated": float(bool(a.levels) and not f.levels),
        # a report of "quý I năm 2024" states its sub-period once, in its title
        "sub_period_match": float(bool(a.sub_period) and (f.sub_period or doc_sub) == a.sub_period),
        "sub_period_unstated": float(bool(a.sub_period) and (f.sub_period or doc_sub) is None),
        "sub_period_not_asked": float(not a.sub_period and f.sub_period is not None),
        "comparison_not_asked": float(f.comparison and not ctx.asks_change),
        "comparison_asked": float(f.comparison and ctx.asks_change),
        "parenthetical": float(f.parenthetical),
        "overall_whole_asked": float(f.overall and not a.names_unit),
        "breakdown_whole_asked": float(f.breakdown and not a.names_unit),
        "sub_unit_not_asked": float(not a.names_unit and bool(NAMED_UNIT.search(context_key))),
        "sub_unit_asked_named": float(a.names_unit and bool(NAMED_UNIT.search(context_key))),
        # by value: the figure's first word is "ngày" for a date, which every "ngày nào" question has
        "figure_in_question": float((q.kind, q.number, q.date) in ctx.stated),
        "first_in_sentence": float(f.index == 0),
        "position_in_sentence": math.log1p(f.index),
        "rank_inverse": 1.0 / c.rank,
        "top_passage": float(c.rank == 1),
    }
    if q.kind == "date":
        date = (q.date or "").lstrip("-")
        x["date_day"] = float(len(date) >= 10)
        x["date_month"] = float(len(date) == 7)
        codes = {w for w in ctx.question_words if any(ch.isdigit() for ch in w)}
        before = search_key(sentence[max(0, q.start - 80):q.start])
        x["code_before_date"] = float(bool(codes) and any(code in before for code in codes))
        x["event_after_date"] = recall(ctx.keywords, words(sentence[q.end:q.end + 120]))
    if ctx.years:
        years = {int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", sentence)}
        x["year_in_sentence_match"] = float(any(ctx.years[0] <= y <= ctx.years[1] for y in years))
        x["year_in_sentence_other"] = float(bool(years) and not x["year_in_sentence_match"])
    x.update(role_features(ctx, c))
    x.update(alignment_features(ctx, sentence, c.start - c.sentence[0], c.end - c.sentence[0]))
    x.update(heading_features(ctx, c))
    return x


def role_features(ctx: QuestionContext, c: Candidate) -> dict[str, float]:
    """The figure's role against what is asked: does the predicate next to the question's
    wh-phrase govern it (not just occur in its sentence); is it the start or the end of a
    change ("từ 480 … còn lại 460"); which year does the sentence tie it to ("năm 2016 có
    109 …, năm 2018 có 101 …": the nearest year before it)."""
    f, q = c.figure, c.figure.quantity
    sentence = c.sentence_text
    start = c.start - c.sentence[0]
    clause_start = max(0, c.clause[0] - c.sentence[0])
    left = folded(sentence[max(clause_start, start - 30):start])
    x = {"focus_governs": float(bool(ctx.focus) and f.predicate == ctx.focus),
         "focus_adjacent": float(bool(ctx.focus) and any(g == ctx.focus for _, _, g in predicates_in(left))),
         "focus_elsewhere": float(bool(ctx.focus) and f.predicate != ctx.focus and ctx.focus in f.predicates),
         "focus_none": float(ctx.focus is None)}
    is_from = bool(FROM_MARK.search(left))
    is_to = bool(TO_MARK.search(left))
    x["change_start"] = float(is_from)
    x["change_end"] = float(is_to)
    x["change_start_before_asked"] = float(is_from and ctx.asks_before)
    x["change_start_after_asked"] = float(is_from and ctx.asks_after and not ctx.asks_before)
    x["change_end_after_asked"] = float(is_to and ctx.asks_after)
    if ctx.years:
        years = [int(m.group(1)) for m in YEAR.finditer(sentence[:start])]
        if years:
            x["year_nearest_match"] = float(ctx.years[0] <= years[-1] <= ctx.years[1])
            x["year_nearest_other"] = 1.0 - x["year_nearest_match"]
    return x


def entity_features(ctx: QuestionContext, c: Candidate) -> dict[str, float]:
    a = ctx.analysis
    name_words = words(c.text)
    sentence = c.sentence_text
    offset = c.start - c.sentence[0]
    near = sentence[max(0, offset - 80):offset + len(c.text) + 120]
    x = {
        "entity_" + (c.entity_type or "other"): 1.0,
        "entity_kind_match": float(c.entity_type == a.entity_kind or
                                   (a.entity_kind == "person" and c.entity_type == "signer") or
                                   (a.entity_kind == "organisation" and c.entity_type == "issuer")),
        "entity_in_question": recall(name_words - FUNCTION_WORDS, ctx.question_words | ctx.keywords),
        "keywords_near": recall(ctx.keywords, words(near)),
        "keywords_in_clause": recall(ctx.keywords, words(c.clause_text)),
        "keywords_in_sentence": recall(ctx.keywords, words(sentence)),
        "predicate_in_sentence": float(bool({g for _, _, g in predicates_in(folded(sentence))} & set(a.predicates))),
        "name_length": min(len(c.text.split()), 12) / 12,
        "rank_inverse": 1.0 / c.rank,
        "top_passage": float(c.rank == 1),
    }
    x.update(alignment_features(ctx, sentence, c.start - c.sentence[0], c.end - c.sentence[0]))
    x.update(heading_features(ctx, c))
    return x


def span_features(ctx: QuestionContext, c: Candidate) -> dict[str, float]:
    """A short span: the words around it should be the question's, the span itself not."""
    text = c.hit["text"]
    span_words = set(WORD.findall(search_key(c.text)))
    left = set(WORD.findall(search_key(text[max(c.sentence[0], c.start - 60):c.start])))
    right = set(WORD.findall(search_key(text[c.end:min(c.sentence[1], c.end + 60)])))
    q = ctx.question_words - FUNCTION_WORDS
    n = len(c.text.split())
    whole_sentence = (c.start, c.end) == c.sentence
    previous = search_key(text[max(c.sentence[0], c.start - 12):c.start]).split()[-1:]
    x = {
        "span_question_overlap": recall(span_words - FUNCTION_WORDS, q) if span_words - FUNCTION_WORDS else 1.0,
        "span_has_question_word": float(bool(span_words & q)),
        "left_context": recall(q, left),
        "right_context": recall(q, right),
        "sentence_context": recall(q, set(WORD.findall(search_key(c.sentence_text)))),
        "clause_context": recall(q, set(WORD.findall(search_key(c.clause_text)))),
        "span_is_clause": float((c.start, c.end) == c.clause),
        "span_is_sentence": float(whole_sentence),
        "span_words": min(n, 30) / 30,
        "span_one_word": float(n == 1),
        "span_capitalised": float(bool(c.text[:1].isupper())),
        "span_has_digit": float(any(ch.isdigit() for ch in c.text)),
        "after_la": float(previous == ["la"]),
        "after_function_word": float(bool(previous) and previous[0] in FUNCTION_WORDS),
        "rank_inverse": 1.0 / c.rank,
        "sentence_position": 0.0,
    }
    asked_kind = ctx.analysis.asks
    x["asks_" + asked_kind + "_span"] = 1.0
    if asked_kind in ("number", "percent", "date"):
        x["type_number_span"] = float(any(ch.isdigit() for ch in c.text))
    if asked_kind == "entity":
        x["type_entity_span"] = float(c.text[:1].isupper())
    x.update(alignment_features(ctx, c.sentence_text, c.start - c.sentence[0], c.end - c.sentence[0]))
    x.update(heading_features(ctx, c))
    return x


# a list item's marker: "- ", "+ ", "a) ", "2. "
LIST_MARK = re.compile(r"\s*(?:[-–•+*]|[a-zđ]\)|\d{1,2}[.)])\s")


def item_lead(c: Candidate) -> str | None:
    """The lead of the list item a candidate stands in, up to its first colon or sentence end:
    "- Tổng số đơn khiếu nại thuộc thẩm quyền: 12 đơn/12 vụ … Số vụ việc đã giải quyết: 08 vụ"
    — the lead says whose the item's later figures are."""
    text = c.hit["text"]
    start = text.rfind("\n", 0, c.start) + 1
    end = text.find("\n", c.start)
    line = text[start:end if end != -1 else len(text)]
    if not LIST_MARK.match(line):
        return None
    cut = min((i for i in (line.find(":"), line.find(". ")) if i != -1), default=len(line))
    return line[:min(cut, 160)]


def heading_features(ctx: QuestionContext, c: Candidate) -> dict[str, float]:
    """The headings the candidate's passage sits under ("Điều 9. Thời hiệu khiếu nại", a
    report's "2. Công tác giải quyết khiếu nại, tố cáo") and the lead of its list item: their
    share of the question's words (by rarity among the sentences read), and whether they name
    the other side of a pair the question picks one of. Candidates of one sentence share them;
    they tell passages apart."""
    idf = ctx.idf or {t: 1.0 for t in ctx.terms}
    total = sum(idf.get(t, 1.0) for t in ctx.terms)

    def share(key: str) -> float:
        found = set(WORD.findall(key))
        return sum(idf.get(t, 1.0) for t in ctx.terms if t in found) / total if total else 0.0

    x: dict[str, float] = {}
    path = [h for h in (c.hit.get("heading_path") or []) if h]
    if path:
        whole = folded(" ".join(path))
        x["heading_terms"] = share(folded(path[-1]))
        x["heading_path_terms"] = share(whole)
        x["heading_contrast"] = ctx.contrast_conflict(whole)
    lead = item_lead(c)
    if lead:
        lead_key = folded(lead)
        x["item_lead_terms"] = share(lead_key)
        x["item_lead_contrast"] = ctx.contrast_conflict(lead_key)
    return x


def add_relative(cands: list[Candidate], names: tuple[str, ...]) -> None:
    """Each feature also as its distance to the question's best candidate on it: the
    reader compares candidates of one question, not absolute levels across questions."""
    for name in names:
        best = max((c.features.get(name, 0.0) for c in cands), default=0.0)
        for c in cands:
            c.features[name + "_gap"] = best - c.features.get(name, 0.0)


def figure_window(c: Candidate) -> str:
    """The words a figure belongs to: up to 80 characters before it and 25 after, inside its
    clause ("cấp tỉnh giảm 13,37% so năm 2015" of a sentence listing three levels)."""
    text = c.hit["text"]
    return text[max(c.clause[0], c.start - 80):min(c.clause[1], c.end + 25)]


def add_similarity(ctx: QuestionContext, cands: list[Candidate], encoder, cache: dict | None = None,
                   windows: bool = True) -> None:
    """Cosine of the question ('query: ') and each candidate's sentence ('passage: ') from
    the multilingual encoder, once per distinct text (the vectors are kept in `cache`); for a
    figure also of its window (figure_window): a sentence with several figures gives them one
    sentence similarity, the window tells them apart. Measured with grouped 5-fold
    cross-validation (eval/reader_train.py), the window raised the figure ranker's first
    choice from 0.65 to 0.685 over corpus/ and from 0.81 to 0.84 over the laws; clause
    similarity did less (0.675 / 0.78). Encoding is most of an answer's time on a CPU, so
    spans and names get the sentence only (`windows=False`: figures too, eval/ask_bench.py)."""
    if encoder is None or not cands:
        return
    cache = {} if cache is None else cache
    windows = {id(c): figure_window(c) for c in cands if c.kind == "figure"} if windows else {}
    wanted = [c.sentence_text for c in cands] + list(windows.values())
    # read from the cache once, into a dict of this call's own: a cache shared by concurrent
    # requests may drop an entry between its write and its read
    vectors = {t: cache.get(("p", t)) for t in dict.fromkeys(wanted)}
    texts = [t for t, v in vectors.items() if v is None]
    if texts:
        for t, v in zip(texts, encoder.encode_passages(texts, batch_size=32)):
            cache[("p", t)] = vectors[t] = v
    key = ("q", ctx.analysis.question)
    qv = cache.get(key)
    if qv is None:
        qv = cache[key] = encoder.encode_queries([ctx.analysis.question])[0]
    for c in cands:
        c.features["similarity_sentence"] = float(np.dot(qv, vectors[c.sentence_text]))
        dense = (c.hit.get("scores") or {}).get("dense")
        c.features["similarity_passage"] = float(dense) if dense is not None else 0.0
        if id(c) in windows:
            c.features["similarity_window"] = float(np.dot(qv, vectors[windows[id(c)]]))
    add_relative(cands, ("similarity_sentence",))
    figures = [c for c in cands if c.kind == "figure"]
    if figures:
        add_relative(figures, ("similarity_window",))


# --- alignment: the question's words near the candidate, weighted by how rare they are ---------
# A figure is stated by the words next to it ("cơ quan khối chính quyền giảm 11"): each of the
# question's words found close before it (or just after, or in its own unit) counts by its rarity
# among the sentences read (a word every candidate shares tells none apart) and decays with its
# distance in words; another figure in between weakens the tie.
DIGIT = re.compile(r"\d")
DECAYS = (3.0, 10.0)


def set_idf(ctx: "QuestionContext", texts: list[str]) -> None:
    """Rarity of the question's words among the sentences read for this question."""
    from indexer.clauses import sentences as split_sentences

    bags = [set(WORD.findall(folded(t[s:e]))) for t in texts for s, e in split_sentences(t)]
    n = len(bags)
    ctx.idf = {}
    for term in ctx.terms:
        df = sum(1 for bag in bags if term in bag)
        ctx.idf[term] = math.log((n + 1) / (df + 0.5))


def _tokens(text: str) -> list[str]:
    return WORD.findall(folded(text))


def alignment_features(ctx: "QuestionContext", sentence: str, start: int, end: int) -> dict[str, float]:
    """`start`, `end`: the candidate's offsets in `sentence`."""
    idf = getattr(ctx, "idf", None) or {t: 1.0 for t in ctx.terms}
    total = sum(idf.get(t, 1.0) for t in ctx.terms)
    before = _tokens(sentence[:start])
    inside = _tokens(sentence[start:end])
    after = _tokens(sentence[end:])
    x: dict[str, float] = {}
    if not total:
        return x
    # distance of each word before the candidate, figures crossed counting 4 words each
    best_before: dict[str, float] = {}
    crossed = 0
    for d, tok in enumerate(reversed(before), start=1):
        if DIGIT.search(tok):
            crossed += 1
            continue
        if tok in idf and tok not in best_before:
            best_before[tok] = d + 4 * crossed
    best_after: dict[str, float] = {}
    crossed = 0
    for d, tok in enumerate(after, start=1):
        if DIGIT.search(tok):
            crossed += 1
            continue
        if tok in idf and tok not in best_after:
            best_after[tok] = d + 4 * crossed
    in_unit = {t for t in inside if t in idf}
    for tau in DECAYS:
        b = sum(idf[t] * math.exp(-(best_before[t] - 1) / tau) for t in best_before if t not in in_unit)
        a = sum(idf[t] * math.exp(-(best_after[t] - 1) / tau) for t in best_after if t not in in_unit)
        u = sum(idf[t] for t in in_unit)
        both = sum(idf[t] * max(math.exp(-(best_before.get(t, 1e9) - 1) / tau),
                                math.exp(-(1.5 * best_after.get(t, 1e9) - 1) / tau), float(t in in_unit))
                   for t in idf)
        x[f"align_before_{tau:g}"] = (b + u) / total
        x[f"align_after_{tau:g}"] = a / total
        x[f"align_{tau:g}"] = both / total
    x["align_unit"] = sum(idf[t] for t in in_unit) / total
    sentence_words = set(before) | set(inside) | set(after)
    x["terms_missing_in_sentence"] = sum(idf[t] for t in idf if t not in sentence_words) / total
    # the candidate's own words the question does not have ("684 đơn thư tố cáo" for khiếu nại)
    own = [t for t in inside if not DIGIT.search(t) and t not in FUNCTION_WORDS]
    unexplained = [t for t in own if t not in ctx.question_all]
    x["unit_unexplained"] = len(unexplained) / len(own) if own else 0.0
    near = [t for t in before[-5:] if not DIGIT.search(t) and t not in FUNCTION_WORDS]
    x["near_unexplained"] = sum(1 for t in near if t not in ctx.question_all) / len(near) if near else 0.0
    # the question's word pairs ("khieu nai", "cap xa") right before the candidate or in its unit
    window = before[-12:] + inside
    pairs = set(zip(window, window[1:]))
    x["bigrams_near"] = len(ctx.bigrams & pairs) / len(ctx.bigrams) if ctx.bigrams else 0.0
    return x


ALIGNMENT_RELATIVE = ("align_3", "align_10", "align_before_3", "align_before_10", "align_unit", "bigrams_near",
                      "terms_missing_in_sentence", "heading_terms", "heading_path_terms")


def add_rank(cands: list, name: str) -> None:
    """Each candidate's place among its question's on one feature (0 = best)."""
    order = sorted(range(len(cands)), key=lambda i: -cands[i].features.get(name, 0.0))
    for place, i in enumerate(order):
        cands[i].features[name + "_place"] = float(min(place, 10))


# --- the span reader's reading (search/answer/span_reader.py) ------------------------------------
# a candidate no span read overlaps gets these: below any span's margin, past any rank kept
SPAN_MARGIN_FLOOR = -20.0
SPAN_RANK_NONE = 20.0
SPAN_FEATURES = ("span_margin", "span_margin_gap", "span_rank", "span_cover", "span_exact", "span_top_margin",
                 "span_read")


def add_span_reader(cands: list[Candidate], spans: dict[str, list]) -> None:
    """The neural span reader's opinion of each candidate. `spans`: per passage text read, its
    spans (span_reader.Span: start, end, score, no_answer), best first over the question.
    For a candidate: the margin over "no answer" (score − no-answer score) of the best span
    overlapping its characters, that span's rank among all the question's spans, how far the
    two coincide (character overlap F1; 1 = the same words), and the question's best margin
    (how sure the reader is that any passage read answers). A candidate in a passage the span
    reader did not read (a list item's lead-in, a signature block) gets span_read 0."""
    ranked = sorted((s for found in spans.values() for s in found), key=lambda s: -s.margin)
    place = {id(s): i for i, s in enumerate(ranked)}
    top = ranked[0].margin if ranked else SPAN_MARGIN_FLOOR
    best_margin = SPAN_MARGIN_FLOOR
    for c in cands:
        found = spans.get(c.hit["text"])
        x = {"span_read": float(found is not None), "span_top_margin": top, "span_margin": SPAN_MARGIN_FLOOR,
             "span_rank": SPAN_RANK_NONE, "span_cover": 0.0, "span_exact": 0.0}
        best = None
        for s in found or ():
            overlap = min(s.end, c.end) - max(s.start, c.start)
            if overlap <= 0:
                continue
            cover = 2 * overlap / ((s.end - s.start) + (c.end - c.start))
            if best is None or (s.margin, cover) > (best[0].margin, best[1]):
                best = (s, cover)
        if best is not None:
            s, cover = best
            x.update(span_margin=s.margin, span_rank=float(min(place[id(s)], SPAN_RANK_NONE)), span_cover=cover,
                     span_exact=float(search_key(s.text) == search_key(c.text)))
            best_margin = max(best_margin, s.margin)
        c.features.update(x)
    for c in cands:
        c.features["span_margin_gap"] = best_margin - c.features["span_margin"]
