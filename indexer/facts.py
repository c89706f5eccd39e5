"""The table of figures: every figure a document states, as a fact with its indicator.

A fact is one figure read the way the answer stage reads it (indexer/clauses.py): its
value and unit, the indicator it measures — normalised predicate + counted thing, so
"đơn thư khiếu nại đã giải quyết", "vụ việc khiếu nại được giải quyết" and "resolved
complaints" are one key —, its place (the document's province and district), level,
period (the year its sentence names, else the document's period, with any sub-period
such as 6 tháng đầu năm) and where it stands (document, passage, paragraph, span,
sentence) so every cell of a table links to its source.

Computed in one separate step of the index build (`document_facts`), stored by the store
beside the passages, read back by search/answer/facts.py.
"""
from __future__ import annotations

import re

from indexer.clauses import PREDICATES, WEAK_PREDICATES, folded, predicates_in, sentence_figures, sentences

FACT_KINDS = ("number", "money", "percent", "ratio")
# container words that say how something is counted, not what: "đơn thư khiếu nại" = "vụ việc khiếu nại"
GENERIC = {"don", "thu", "vu", "viec", "so", "cac", "nhung", "cua", "da", "duoc", "dang", "tong", "toan", "bo",
           "ty", "le", "ti", "tren", "duoi", "hon", "khoang", "gan", "va", "voi", "cho", "trong", "nam", "thang",
           "dat", "co", "la", "tai", "theo", "thuoc", "tham", "quyen", "nguoi", "luot", "ca", "tinh", "huyen",
           "xa", "cap", "nay", "do", "cong", "dan", "ve", "de", "chi", "khi", "the", "of", "and", "petitions",
           "cases", "number"}
# what reports count side by side: a figure's topic when its own words are generic ("08 vụ" under
# "Tổng số đơn khiếu nại …")
TOPICS = ("khieu nai", "to cao", "kien nghi", "phan anh", "tranh chap dat dai", "tiep cong dan",
          "thu tuc hanh chinh", "dich vu cong truc tuyen", "bien che", "mo hinh", "hoa giai", "doi thoai",
          "ho so", "can bo", "cong chuc", "vien chuc", "don vi hanh chinh", "thon", "to dan pho", "lanh dao",
          "nong thon moi")
UNIT_CLASSES = {"luot": "visits", "nguoi": "people", "don": "cases", "vu": "cases", "viec": "cases",
                "ho so": "files", "thu tuc": "procedures", "%": "rate"}
PREDICATE_LABEL = {key: forms[0] for key, forms in PREDICATES.items() if key}
YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
COMPARED = re.compile(r"so v[oớ]i (?:cùng kỳ )?(?:năm )?((?:19|20)\d{2})|compared (?:with|to) ((?:19|20)\d{2})",
                      re.IGNORECASE)


def topic_words(text_key: str) -> list[str]:
    return [t for t in TOPICS if re.search(rf"\b{t}\b", text_key)]


def counted_words(text: str) -> list[str]:
    """The content words of a counted thing, container words and function words dropped."""
    return [w for w in re.findall(r"[^\W\d_]+", folded(text)) if w not in GENERIC]


def indicator_key(predicate: str | None, words: list[str], kind: str) -> str:
    """'resolve:khieu-nai' — predicate group, then the counted thing's words in order, once each;
    rates ('%') are their own indicator ('resolve:khieu-nai:rate')."""
    seen = list(dict.fromkeys(words))
    key = f"{predicate or 'state'}:{'-'.join(seen) or 'unspecified'}"
    return key + (":rate" if kind == "percent" else "")


def indicator_label(predicate: str | None, words: list[str], kind: str) -> str:
    verb = PREDICATE_LABEL.get(predicate or "", "")
    thing = " ".join(dict.fromkeys(words))
    label = f"{thing} ({verb})" if verb else thing
    return ("tỷ lệ " if kind == "percent" else "") + label


def _period(metadata: dict, sentence: str, figure) -> dict:
    """The year(s) a figure speaks for: the one year its sentence names (comparisons aside),
    else the document's period; with the sub-period its clause names."""
    compared = {int(y) for pair in COMPARED.findall(sentence) for y in pair if y}
    years = sorted({int(y) for y in YEAR.findall(sentence)} - compared)
    period = metadata.get("period") or {}
    low, high = period.get("from"), period.get("to") or period.get("from")
    if low is None and (metadata.get("date") or "")[:4].isdigit():
        low = high = int(metadata["date"][:4])
    if len(years) == 1 and (low is None or low <= years[0] <= (high or years[0])):
        low = high = years[0]
    return {"from": low, "to": high, "sub": figure.sub_period}


def document_facts(record: dict, passages: list[dict]) -> list[dict]:
    """Every figure of a document as a fact (see the module docstring); passages are the
    chunker's dicts (passage_id, text, paragraph, start …) of that document, in order."""
    metadata = record.get("metadata") or {}
    text = record.get("text") or ""
    facts = []
    for passage in passages:
        body = passage["text"]
        for s_start, s_end in sentences(body):
            sentence = body[s_start:s_end]
            line_start = body.rfind("\n", 0, s_start) + 1
            lead_key = folded(body[max(line_start, s_start - 300):s_start])
            for figure in sentence_figures(sentence):
                q = figure.quantity
                if q.kind not in FACT_KINDS or q.number is None:
                    continue
                context_key = folded(figure.context)
                words = counted_words(figure.counted if q.kind != "percent" else figure.context.replace(q.raw, " "))
                topics = topic_words(context_key) or topic_words(lead_key)
                for t in topics:  # the topic first, then what else the unit says
                    words = [w for w in words if w not in t.split()]
                words = [w for t in topics for w in t.split()] + words
                predicate = figure.predicate
                if predicate in WEAK_PREDICATES:
                    strong = [g for _, _, g in predicates_in(context_key) if g not in WEAK_PREDICATES]
                    predicate = strong[-1] if strong else predicate
                a = passage["start"] + s_start + q.start
                exact = text[a:a + len(q.raw)] == q.raw
                facts.append({
                    "indicator": indicator_key(predicate, words[:6], q.kind),
                    "label": indicator_label(predicate, words[:6], q.kind),
                    "predicate": predicate, "counted": " ".join(words[:6]),
                    "value": q.number, "denominator": q.denominator, "unit": q.unit, "kind": q.kind, "raw": q.raw,
                    "scaled": q.scaled,
                    "province": metadata.get("province"), "district": metadata.get("district"),
                    "level": sorted(figure.levels)[0] if len(figure.levels) == 1 else
                    ("huyen" if metadata.get("district") else None),
                    "period": _period(metadata, sentence, figure),
                    "comparison": figure.comparison,
                    "doc_id": record["doc_id"], "passage_id": passage["passage_id"],
                    "paragraph": passage["paragraph"],
                    "span": [a, a + len(q.raw)] if exact else [passage["start"], passage["end"]],
                    "sentence": sentence,
                })
    return facts


UNIT_HINTS = ("luot", "nguoi", "ho so")


def fact_matches(fact: dict, predicate: str | None, words: set[str], rate: bool | None,
                 unit: str | None = None) -> bool:
    """A fact answers an indicator asked as (predicate group, content words, unit): same
    predicate, every word asked among the fact's counted words, the unit asked ('lượt' are
    visits, not cases); rates only when rates are asked."""
    if predicate and fact["predicate"] != predicate:
        return False
    if rate is not None and (fact["kind"] == "percent") != rate:
        return False
    if unit and unit not in folded(fact.get("unit") or ""):
        return False
    return words <= set(fact["counted"].split())


def parse_indicator(phrase: str) -> tuple[str | None, set[str], bool | None, str | None]:
    """'đơn khiếu nại đã giải quyết' → ('resolve', {'khieu', 'nai'}, False, None);
    'lượt tiếp công dân' → ('meet', set(), False, 'luot')."""
    key = folded(phrase)
    groups = [g for _, _, g in predicates_in(key) if g not in WEAK_PREDICATES]
    rate = True if re.search(r"\b(ty le|ti le|phan tram|rate|percentage|share)\b", key) else None
    words = {w for w in counted_words(phrase) if not any(w in f.split() for f in PREDICATES.get(groups[-1], ()))} \
        if groups else set(counted_words(phrase))
    if rate is None:  # counts unless a rate is asked ("tỷ lệ", "phần trăm")
        rate = False
    unit = next((u for u in UNIT_HINTS if re.search(rf"\b{u}\b", key)), None)
    return (groups[-1] if groups else None), words, rate, unit


def sub_period_label(sub: str | None) -> str:
    if not sub:
        return ""
    if sub in ("h1", "h2"):
        return "6 tháng đầu năm" if sub == "h1" else "6 tháng cuối năm"
    if sub.startswith("q"):
        return "quý " + {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(sub[1:], sub[1:])
    if sub.startswith("m"):
        return "tháng " + sub[1:]
    return sub


__all__ = ["document_facts", "fact_matches", "indicator_key", "parse_indicator", "sub_period_label"]
