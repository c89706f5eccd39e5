/* tracuu embeddable search widget.
 *
 *   <script src="http://HOST:8000/widget.js" data-endpoint="http://HOST:8000" data-key="KEY"></script>
 *
 * renders a <tracuu-search> element where the script tag stands (data-target="#id" mounts it
 * inside another element instead; data-mount="none" only defines the element). The element can
 * also be written by hand: <tracuu-search endpoint="http://HOST:8000" key="KEY" k="5"></tracuu-search>.
 * Results are grouped as on the search page: one entry per document (k documents, at most 20), its
 * title once with a one-line subtitle, its best passages under it (per-document, default 2) — the
 * server groups them (GET /search/documents, asked without facets, which the widget does not show).
 * Everything lives in a shadow root, so the host page's CSS does not leak in or out. The host
 * page's origin must be in the server's TRACUU_CORS_ORIGINS.
 * GET /widget.js serves api/static/text.js before this file: quotes are cut, highlighted and
 * cleaned of markdown asterisks by the same functions as on the search page.
 */
(() => {
  "use strict";
  const Text = window.TracuuText;
  if (!Text) { console.error("tracuu widget: load it from /widget.js (it brings text.js)"); return; }
  const script = document.currentScript;
  const defaults = { endpoint: "", key: "" };
  if (script) {
    try { defaults.endpoint = script.dataset.endpoint || new URL(script.src).origin; } catch (e) { /* inline */ }
    defaults.key = script.dataset.key || "";
  }

  const CSS = `
    :host { all: initial; display: block; font-family: "Noto Sans", "Segoe UI", Roboto, Arial, "DejaVu Sans", sans-serif;
            color: #1d2430; line-height: 1.5; font-size: 15px; }
    * { box-sizing: border-box; }
    .box { border: 1px solid #d9dee5; border-radius: 10px; background: #fff; padding: 14px; }
    .title { font-weight: 700; color: #0f4c81; font-size: 14px; margin: 0 0 8px; display: flex; align-items: center; gap: 6px; }
    .logo { display: inline-block; width: 20px; height: 20px; line-height: 20px; text-align: center; border-radius: 4px;
            background: #0f4c81; color: #fff; font-family: Georgia, serif; }
    form { display: flex; gap: 6px; }
    input { flex: 1; min-width: 0; font: inherit; padding: 8px 10px; border: 1px solid #b8c2cf; border-radius: 7px; background: #fff; color: inherit; }
    input:focus { outline: 2px solid #9cc3ea; border-color: #0f4c81; }
    button { font: inherit; font-weight: 600; cursor: pointer; background: #0f4c81; color: #fff; border: 0; border-radius: 7px; padding: 0 16px; }
    .status { color: #5b6574; font-size: 13px; margin: 8px 0 0; min-height: 1em; }
    .status.error { color: #b42318; font-weight: 600; }
    .answer { margin-top: 10px; border-left: 4px solid #0f4c81; background: #f3f7fb; padding: 8px 12px; border-radius: 6px; }
    .answer .label { font-size: 11px; text-transform: uppercase; letter-spacing: .5px; color: #0f4c81; font-weight: 700; }
    .answer .value { font-size: 19px; font-weight: 700; margin: 2px 0; }
    .answer .src { font-size: 12px; color: #5b6574; }
    ol { list-style: none; margin: 10px 0 0; padding: 0; }
    li { padding: 10px 0; border-top: 1px solid #eef1f4; }
    li:first-child { border-top: 0; }
    a { color: #0f4c81; }
    .t { font-weight: 600; text-decoration: none; }
    .t:hover { text-decoration: underline; }
    .sub { font-size: 12px; color: #5b6574; margin: 2px 0 4px; }
    ul.passages { list-style: none; margin: 0; padding: 0; }
    ul.passages li { padding: 4px 0 0; border: 0; }
    .where { font-size: 12px; color: #5b6574; text-decoration: none; }
    .where:hover { text-decoration: underline; }
    .snip { margin: 0; font-size: 14px; }
    mark { background: #fff0a6; color: inherit; border-radius: 2px; }
    .ell { color: #8a93a0; }
  `;

  function h(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null) continue;
      if (k === "text") n.textContent = v; else if (k === "class") n.className = v; else n.setAttribute(k, v);
    }
    for (const c of kids) if (c != null) n.append(c);
    return n;
  }

  class TracuuSearch extends HTMLElement {
    static get observedAttributes() { return ["endpoint", "key", "k", "per-document", "mode", "placeholder"]; }

    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      this.seq = 0;
      this.askSupported = true;
    }

    get endpoint() { return (this.getAttribute("endpoint") || defaults.endpoint || location.origin).replace(/\/+$/, ""); }
    get key() { return this.getAttribute("key") || defaults.key || ""; }

    connectedCallback() {
      if (this.form) return;
      const style = h("style", { text: CSS });
      this.input = h("input", { type: "search", part: "input", "aria-label": "Câu hỏi hoặc từ khóa",
                                placeholder: this.getAttribute("placeholder") || "Hỏi về văn bản, ví dụ: số đơn khiếu nại đã giải quyết…" });
      this.form = h("form", { role: "search" }, this.input, h("button", { type: "submit", text: "Tìm" }));
      this.statusEl = h("p", { class: "status", role: "status" });
      this.answerEl = h("div", { class: "answer", hidden: "" });
      this.list = h("ol", { class: "results" });
      this.root.append(style, h("div", { class: "box", part: "box" },
        h("p", { class: "title" }, h("span", { class: "logo", text: "§" }), "Tra cứu văn bản"),
        this.form, this.statusEl, this.answerEl, this.list));
      this.form.addEventListener("submit", ev => { ev.preventDefault(); this.search(this.input.value); });
    }

    async call(path, body) {
      const headers = { "Accept": "application/json" };
      if (this.key) headers["Authorization"] = "Bearer " + this.key;
      if (body) headers["Content-Type"] = "application/json";
      const r = await fetch(this.endpoint + path, { method: body ? "POST" : "GET", headers, body: body ? JSON.stringify(body) : undefined });
      if (!r.ok) { const e = new Error("HTTP " + r.status); e.status = r.status; e.retryAfter = r.headers.get("Retry-After"); throw e; }
      return r.json();
    }

    status(text, error) { this.statusEl.textContent = text; this.statusEl.className = "status" + (error ? " error" : ""); }

    viewUrl(docId, n, passage) {
      return this.endpoint + "/view/" + docId.split("/").map(encodeURIComponent).join("/") +
        (passage ? "?passage=" + encodeURIComponent(passage) : "") + "#p" + n;
    }

    async search(query) {
      query = (query || "").trim();
      if (!query) return;
      this.input.value = query;
      const seq = ++this.seq;
      const k = Math.max(1, Math.min(20, parseInt(this.getAttribute("k") || "5", 10) || 5));
      const perDocument = Math.max(1, Math.min(10, parseInt(this.getAttribute("per-document") || "2", 10) || 2));
      const mode = this.getAttribute("mode") || "hybrid";
      this.status("Đang tìm…");
      this.answerEl.hidden = true;
      if (this.askSupported) this.ask(query, seq);
      try {
        const params = new URLSearchParams({ q: query, k: String(k), per_document: String(perDocument), mode,
                                             facets: "false" });
        const data = await this.call("/search/documents?" + params.toString());
        if (seq !== this.seq) return;
        const documents = data.documents || [];
        this.render(documents);
        const total = data.total_documents || 0;
        this.status(!documents.length ? "Không tìm thấy kết quả phù hợp."
          : `${total} văn bản phù hợp` + (documents.length < total ? `, hiện ${documents.length}` : ""));
        this.setAttribute("data-state", "done");
      } catch (err) {
        if (seq !== this.seq) return;
        this.list.replaceChildren();
        this.setAttribute("data-state", "error");
        const msg = err.status === 401 ? "Cần khóa API hợp lệ (data-key)." :
          err.status === 403 ? "Khóa API không đủ quyền." :
          err.status === 429 ? `Quá nhiều yêu cầu, thử lại sau ${err.retryAfter || "ít"} giây.` :
          err.status ? `Lỗi máy chủ (${err.status}).` : "Không kết nối được máy chủ tra cứu (kiểm tra địa chỉ và CORS).";
        this.status(msg, true);
      }
    }

    async ask(query, seq) {
      try {
        const a = await this.call("/ask", { q: query });
        if (seq !== this.seq || !a || !a.answer) return;
        const ev = (a.evidence || [])[0];
        this.answerEl.replaceChildren(h("div", { class: "label", text: "Câu trả lời" }), h("div", { class: "value", text: Text.plainText(a.answer) }),
          ev ? h("div", { class: "src" }, "Nguồn: ", h("a", { href: this.viewUrl(ev.doc_id, ev.paragraph, ev.passage_id), target: "_blank",
                                                             rel: "noopener", text: ev.citation || ev.title })) : null);
        this.answerEl.hidden = false;
      } catch (err) {
        if (err.status === 404 || err.status === 405) this.askSupported = false;
      }
    }

    /* One entry per document, as the server grouped them (the page's GET /search/documents):
       the title once, what and whose it is, then its best passages, each with where it stands. */
    render(documents) {
      this.list.replaceChildren();
      for (const doc of documents) {
        const first = doc.passages[0] || {};
        const passages = h("ul", { class: "passages" });
        for (const p of doc.passages) {
          const text = p.text || "";
          const spans = Text.normalizeSpans(p.highlights, text.length);
          const [a, b] = Text.bestWindow(text, spans, 280);
          const snip = h("p", { class: "snip" });
          if (a > 0) snip.append(h("span", { class: "ell", text: "… " }));
          Text.appendRich(snip, text, spans, a, b);
          if (b < text.length) snip.append(h("span", { class: "ell", text: " …" }));
          passages.append(h("li", { class: "passage", "data-passage-id": p.passage_id },
            h("a", { class: "where", href: this.viewUrl(p.doc_id, p.paragraph, p.passage_id), target: "_blank",
                     rel: "noopener", text: Text.passageWhere(p) }), snip));
        }
        this.list.append(h("li", { class: "doc", "data-doc-id": doc.doc_id },
          h("a", { class: "t", href: this.viewUrl(doc.doc_id, first.paragraph, first.passage_id), target: "_blank",
                   rel: "noopener", text: Text.plainText(doc.title) || doc.doc_id }),
          h("div", { class: "sub", text: Text.docSubtitle(doc.metadata) }), passages));
      }
    }
  }

  if (!customElements.get("tracuu-search")) customElements.define("tracuu-search", TracuuSearch);

  if (script && script.dataset.mount !== "none") {
    const widget = document.createElement("tracuu-search");
    for (const name of ["k", "mode", "placeholder"]) if (script.dataset[name]) widget.setAttribute(name, script.dataset[name]);
    if (script.dataset.perDocument) widget.setAttribute("per-document", script.dataset.perDocument);
    const target = script.dataset.target && document.querySelector(script.dataset.target);
    if (target) target.append(widget);
    else if (script.parentNode && script.parentNode !== document.head) script.parentNode.insertBefore(widget, script.nextSibling);
    else document.addEventListener("DOMContentLoaded", () => document.body.append(widget));
  }
})();
