"""How the CLI prints search results, answers and comparisons.

On a terminal, matched words are bold and coloured, titles bold, citations dim; piped
into a file or another program the text is plain (no escape codes, no markers), as it is
with NO_COLOR set or `--color never`. Counts agree with their nouns ("1 result",
"2 results"). Markdown emphasis left in the source text ("**KT.GIÁM ĐỐC**") is dropped.
"""
from __future__ import annotations

import os
import re
import sys

BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"
MATCH = "\x1b[1;33m"  # bold yellow
ANSWER = "\x1b[1;32m"  # bold green
SNIPPET_CHARS = 320
EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])", re.S)


def use_color(choice: str = "auto", stream=None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural_form or noun + 's')}"


class Style:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if self.color and text else text


def strip_emphasis(text: str, spans: list[list[int]] | None = None) -> tuple[str, list[list[int]]]:
    """Drop markdown emphasis markers (**bold**, *italic*), moving the highlight offsets."""
    removed: list[int] = []  # offsets of removed marker characters
    for m in EMPHASIS.finditer(text):
        width = 2 if m.group(1) is not None else 1
        removed += list(range(m.start(), m.start() + width)) + list(range(m.end() - width, m.end()))
    # bold that spans two paragraphs ("**KT.GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC**"): each half alone
    for edge in (re.match(r"\s*\*\*(?=\S)", text), re.search(r"(?<=\S)\*\*\s*$", text)):
        if edge is not None:
            start = edge.end() - 2 if edge.start() == 0 and text[edge.end() - 1] == "*" else edge.start()
            if start not in removed:
                removed += [start, start + 1]
    removed.sort()
    if not removed:
        return text, [list(s) for s in spans or []]
    gone = set(removed)
    out = "".join(c for i, c in enumerate(text) if i not in gone)

    def moved(offset: int) -> int:
        return offset - sum(1 for r in removed if r < offset)

    return out, [[moved(s), moved(e)] for s, e in spans or [] if moved(e) > moved(s)]


def best_window(text: str, spans: list[list[int]], width: int = SNIPPET_CHARS) -> tuple[int, int]:
    """The `width` characters holding the most highlighted characters, cut at spaces."""
    if len(text) <= width:
        return 0, len(text)
    best, best_score = (0, width), -1
    for s, _ in spans:
        start = max(0, min(s - 60, len(text) - width))
        score = sum(e - b for b, e in spans if b >= start and e <= start + width)
        if score > best_score:
            best, best_score = (start, start + width), score
    start, end = best
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space - start < 25 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if end - space < 25 and space > start else end
    return start, end


def snippet(text: str, spans: list[list[int]], style: Style, width: int = SNIPPET_CHARS) -> str:
    """One line: the best window of the passage, matches marked, whitespace collapsed."""
    text, spans = strip_emphasis(text, spans)
    start, end = best_window(text, spans, width)
    out, pos = [], start
    for s, e in sorted(spans):
        s, e = max(s, start), min(e, end)
        if e <= s or s < pos:
            continue
        out += [text[pos:s], style(text[s:e], MATCH)]
        pos = e
    out.append(text[pos:end])
    line = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + line + ("…" if end < len(text) else "")


def plain(text: str) -> str:
    return " ".join(strip_emphasis(text)[0].split())


def place_and_time(metadata: dict) -> str:
    """'Bình Sơn, Quảng Ngãi · 2021' — where and when a document is from."""
    metadata = metadata or {}
    place = ", ".join(p for p in (metadata.get("district"), metadata.get("province")) if p)
    when = ""
    if metadata.get("date"):
        when = "/".join(reversed(metadata["date"].split("-")))
    elif metadata.get("period"):
        period = metadata["period"]
        when = str(period["from"]) if period["from"] == period.get("to") else f"{period['from']}–{period['to']}"
    return " · ".join(x for x in (place, when) if x)


def passage_place(hit: dict) -> str:
    """'mục B. II. 4.2, đoạn 37' — where in its document a passage is."""
    where = []
    if hit.get("section"):
        section = hit["section"]
        where.append(section if section.startswith(("Điều", "Chương", "Mục", "Phần")) else f"mục {section}")
    end = hit.get("paragraph_end")
    where.append(f"đoạn {hit['paragraph']}–{end}" if end and end != hit["paragraph"] else f"đoạn {hit['paragraph']}")
    if hit.get("page"):
        where.append(f"trang {hit['page']}")
    return ", ".join(where)


def by_document(hits: list[dict]) -> list[tuple[dict, list[dict]]]:
    """Hits grouped under their document, documents in the order of their best hit."""
    groups: dict[str, tuple[dict, list[dict]]] = {}
    for hit in hits:
        groups.setdefault(hit["doc_id"], (hit, []))[1].append(hit)
    return list(groups.values())


def format_hits(response: dict, style: Style) -> str:
    hits = response["results"]
    groups = by_document(hits)
    lines = [f"{plural(len(hits), 'result')} in {plural(len(groups), 'document')} for {response['query']!r} "
             f"({response['mode']}, {response['took_ms']:.0f} ms)"]
    for first, group in groups:
        subtitle = place_and_time(first.get("metadata") or {})
        lines.append("\n" + style(plain(first["title"]), BOLD) + (style(f"  — {subtitle}", DIM) if subtitle else ""))
        for hit in group:
            score = f"score {hit['score']:.3f}"
            lines.append(f"{hit['rank']:>3}. {style(passage_place(hit), DIM)}  {style(score, DIM)}")
            lines.append("     " + snippet(hit["text"], hit.get("highlights") or [], style))
    return "\n".join(lines)


def format_answer(response: dict, style: Style) -> str:
    if response["answer"] is None:
        lines = [f"Không có câu trả lời / no answer: {response['reason']}"]
        for ev in response.get("best_guess_evidence") or []:
            # the sentence the reader would have answered from: quoted, clearly not an answer
            lines.append(f"Câu có thể liên quan / possibly related (not an answer):\n"
                         f"  {style(ev['citation'], DIM)}\n      “{plain(ev['sentence'])}”")
    else:
        lines = [f"{style(plain(response['answer']), ANSWER)}   "
                 f"({response['answer_type']}, confidence {response['confidence']:.2f})"]
        for number, ev in enumerate(response["evidence"], start=1):
            sentence = plain(ev["sentence"])
            answer = plain(response["answer"])
            if style.color and answer in sentence:
                sentence = sentence.replace(answer, style(answer, ANSWER), 1)
            lines.append(f"  [{number}] {style(ev['citation'], DIM)}\n      “{sentence}”")
    if response["passages"]:
        lines.append(f"\n{plural(len(response['passages']), 'passage')}:")
        cited: dict[str, list[int]] = {}  # pieces of one paragraph share a citation: say it once
        for hit in response["passages"]:
            cited.setdefault(hit["citation"], []).append(hit["rank"])
        lines += [f"{', '.join(map(str, ranks)):>3}. {citation}" for citation, ranks in cited.items()]
    return "\n".join(lines)


def format_groups(response: dict, style: Style) -> str:
    groups = response["groups"]
    lines = [f"{response['query']!r} by {response['group_by']}: {plural(len(groups), 'group')}"]
    for group in groups:
        key = group["key"] if group["key"] is not None else "không rõ / unknown"
        heading = f"== {key}"
        lines.append(f"\n{style(heading, BOLD)} ({plural(group['count'], 'passage')})")
        for hit in group["results"]:
            lines.append(f"  {hit['rank']}. {style(hit['citation'], DIM)}")
            lines.append("     " + snippet(hit["text"], hit.get("highlights") or [], style, width=240))
    return "\n".join(lines)


def format_directive(found: dict, style: Style) -> str:
    lines = [style(f"{found['id']}", BOLD) + f" ({found.get('type') or 'văn bản'}, "
             f"{found.get('date') or 'date not given'}): cited by {plural(len(found['documents']), 'document')}"]
    for doc in found["documents"]:
        lines.append(f"  {plain(doc['title'])[:100]} — {plural(len(doc['passages']), 'passage')}")
        for hit in doc["passages"]:
            lines.append(f"    {style(hit['citation'], DIM)}")
    return "\n".join(lines)


def format_directives(listing: list[dict]) -> str:
    return "\n".join(f"{entry['id']:<28} {entry['type'] or '':<12} {plural(entry['documents'], 'document')}, "
                     f"{plural(entry['mentions'], 'mention')}" for entry in listing)
