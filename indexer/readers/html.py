"""HTML pages (lxml): the article only.

1. Boilerplate goes first: script/style/nav/aside/form/iframe…, page-level header and
   footer, elements whose role is navigation/banner/contentinfo/complementary/search,
   elements whose class or id names a menu, breadcrumb, banner, sidebar, related-links,
   share or comment box, and link lists (≥ 3 items, ≥ 80 % of the text inside links).
2. The main content is <article> (the one with most text), else <main>/[role=main],
   else the element holding the most paragraph text, else <body>.
3. Block elements (p, h1–h6, li, blockquote, pre, div with its own text, …) become one
   line each, <br> a line break, <sup>1</sup> a footnote marker "¹", list items of
   <ul> get "- " and of <ol> "1. ", tables one line per row with column headers.
A "Tin liên quan" / "Tin cùng chuyên mục" heading left inside the article is dropped
with what follows by the chunker, as for the .txt captures of web pages.
"""
from __future__ import annotations

import re
from pathlib import Path

from indexer.document import Document, IngestError
from indexer.readers.tables import table_lines

DROP_TAGS = {"script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg",
             "button", "select", "input", "textarea", "canvas", "object", "embed", "video", "audio",
             "map", "dialog", "menu"}
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
BOILERPLATE_TOKENS = {"nav", "navbar", "navigation", "menu", "mainmenu", "breadcrumb", "breadcrumbs",
                      "banner", "sidebar", "side", "footer", "related", "relate", "share", "social",
                      "comment", "comments", "advert", "ads", "advertisement", "cookie", "popup",
                      "pagination", "toolbar", "widget", "tags", "lienquan", "tinlienquan",
                      "othernews", "topbar", "masthead", "copyright"}
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd", "div",
              "section", "article", "main", "header", "footer", "address", "figcaption", "caption",
              "center", "ul", "ol", "dl", "hr", "body", "html"}
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", re.IGNORECASE)


def _tokens(el) -> set[str]:
    raw = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return set(t for t in re.split(r"[^a-z0-9]+", raw) if t)


def _text_len(el) -> int:
    return len(" ".join(el.text_content().split()))


def _link_text_len(el) -> int:
    return sum(_text_len(a) for a in el.iter("a"))


def _is_boilerplate(el, inside_article: bool) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in DROP_TAGS:
        return True
    if (el.get("role") or "").lower() in DROP_ROLES:
        return True
    if tag in ("header", "footer") and not inside_article:
        return True
    if _tokens(el) & BOILERPLATE_TOKENS and tag not in ("html", "body", "article", "main"):
        return True
    if tag in ("ul", "ol", "div", "section"):
        items = el.findall(".//li") if tag in ("ul", "ol") else el.findall(".//a")
        total = _text_len(el)
        if len(items) >= 3 and total and _link_text_len(el) >= 0.8 * total:
            return True
    return False


def _clean(root) -> None:
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
    for el in list(root.iter()):
        if el.getparent() is None or not isinstance(el.tag, str):
            continue
        inside_article = any(a.tag in ("article", "main") for a in el.iterancestors())
        if _is_boilerplate(el, inside_article):
            el.drop_tree()


def _main_content(root):
    articles = root.findall(".//article")
    if articles:
        return max(articles, key=_text_len)
    for path in (".//main", ".//*[@role='main']"):
        found = root.find(path)
        if found is not None and _text_len(found):
            return found
    best, best_len = None, 0
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("html", "body"):
            continue
        paragraph_text = sum(_text_len(p) for p in el.findall("./p"))
        if paragraph_text > best_len:
            best, best_len = el, paragraph_text
    body = root.find(".//body")
    if best is not None and body is not None and best_len >= 0.5 * sum(_text_len(p) for p in body.iter("p")):
        return best
    return body if body is not None else root


class _Writer:
    def __init__(self):
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def flush(self, prefix: str = "") -> None:
        text = "".join(self.buffer)
        self.buffer = []
        first = True
        for line in text.split("\n"):
            line = " ".join(line.split())
            if line:
                self.lines.append((prefix if first else "") + line)
                first = False

    def table(self, el) -> None:
        rows = []
        for tr in el.iter("tr"):
            cells = []
            for cell in tr:
                if cell.tag not in ("td", "th"):
                    continue
                cells.append(" ".join(cell.text_content().split()))
                cells += [""] * (int(cell.get("colspan", "1") or 1) - 1 if str(cell.get("colspan", "1")).isdigit() else 0)
            rows.append(cells)
        self.lines += table_lines(rows)

    def walk(self, el, list_counter: list | None = None) -> None:
        tag = el.tag
        if tag == "table":
            self.flush()
            self.table(el)
        elif tag == "br":
            self.buffer.append("\n")
        elif tag in BLOCK_TAGS:
            self.flush()
            prefix = ""
            if tag == "li":
                if list_counter is not None:
                    list_counter[0] += 1
                    prefix = f"{list_counter[0]}. "
                else:
                    prefix = "- "
            self.buffer.append(el.text or "")
            counter = [0] if tag == "ol" else None
            for child in el:
                self.walk(child, counter if tag == "ol" else None)
                if tag in ("ul", "ol", "dl"):
                    pass
            if prefix:
                # the item's own text (before nested blocks) was flushed by a child block
                # or is still in the buffer
                self.flush(prefix)
            else:
                self.flush()
        else:
            text = el.text or ""
            if tag == "sup" and text.strip().isdigit() and not len(el):
                text = text.strip().translate(SUPERSCRIPT)
            self.buffer.append(text)
            for child in el:
                self.walk(child)
        if el.tail:
            self.buffer.append(el.tail)


def decode_html(path: Path, data: bytes) -> str:
    from indexer.readers.text import decode_bytes

    match = META_CHARSET.search(data[:4096])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii").lower())
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(path, data)[0]


def read_html(path: Path, doc_id: str) -> Document:
    import lxml.html
    from indexer.document import make_document

    text = decode_html(path, path.read_bytes())
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise IngestError(str(path), "empty file")
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as err:
        raise IngestError(str(path), f"not parseable as HTML ({err})") from None
    _clean(root)
    writer = _Writer()
    writer.walk(_main_content(root))
    writer.flush()
    return make_document(path, doc_id, "\n\n".join(writer.lines) + "\n", {"format": "html"})
