/* tracuu document page: /view/{doc_id}?passage=ID&q=…&hl=…#p{n} */
"use strict";
(() => {
  const { api, describeError, el, docPath, META_LABELS, metaValue } = Tracuu;
  const $ = sel => document.querySelector(sel);
  const statusBox = $("#status");
  const docId = decodeURIComponent(location.pathname.replace(/^\/view\//, ""));
  const params = new URLSearchParams(location.search);
  const passageId = params.get("passage");
  const highlight = params.get("hl");

  if (document.referrer && new URL(document.referrer).origin === location.origin && new URL(document.referrer).pathname === "/") {
    $("#back").href = document.referrer;
  }

  $("#save-key").addEventListener("click", () => { Tracuu.setKey($("#api-key").value.trim()); location.reload(); });

  function targetParagraph() {
    const m = /^#p(\d+)$/.exec(location.hash);
    return m ? Number(m[1]) : null;
  }

  function appendWithHighlight(node, text, phrase) {
    if (!phrase) { node.append(text); return; }
    let pos = 0, i;
    while ((i = text.indexOf(phrase, pos)) >= 0) {
      node.append(text.slice(pos, i), el("mark", { class: "answer-mark", text: phrase }));
      pos = i + phrase.length;
    }
    node.append(text.slice(pos));
  }

  function render(doc) {
    document.title = doc.title + " — Tra cứu văn bản";
    const head = $("#doc-head");
    const meta = el("div", { class: "doc-meta" }, el("div", { text: "Tệp nguồn: " + doc.source }));
    const m = doc.metadata || {};
    const dl = el("dl");
    for (const [k, label] of Object.entries(META_LABELS)) {
      const v = metaValue(m[k]);
      if (v) dl.append(el("dt", { text: label }), el("dd", { text: v }));
    }
    if (dl.childNodes.length) meta.append(dl);
    head.replaceChildren(el("h1", { text: doc.title }), meta);

    const passage = passageId ? (doc.passages || []).find(p => p.passage_id === passageId) : null;
    const target = targetParagraph();
    let first = passage ? passage.paragraph : target, last = passage ? passage.paragraph_end : target;
    const article = $("#document");
    article.replaceChildren();
    for (const p of doc.paragraphs) {
      const cited = first !== null && p.n >= first && p.n <= last;
      const text = el("div", { class: "ptext" });
      if (cited && p.n === first) text.append(el("span", { class: "cited-label", text: "Đoạn được trích dẫn" }), el("br"));
      if (p.section) text.append(el("span", { class: "psec", text: p.section }));
      appendWithHighlight(text, p.text, cited ? highlight : null);
      article.append(el("div", { id: "p" + p.n, class: "para kind-" + p.kind + (cited ? " cited" : "") + (p.n === target ? " target" : ""),
                                 "data-n": String(p.n) },
        el("a", { class: "pn", href: "#p" + p.n, title: "Liên kết đến đoạn " + p.n, text: "¶ " + p.n }), text));
    }
    article.hidden = false;
    if (passage || target) {
      const note = $("#cited-note");
      note.hidden = false;
      note.textContent = passage ? ("Trích dẫn: " + passage.citation) : ("Đoạn " + target);
    }
    if (doc.footnotes && doc.footnotes.length) {
      const box = $("#footnotes");
      box.hidden = false;
      box.append(el("h2", { text: "Chú thích" }));
      for (const f of doc.footnotes) box.append(el("p", { text: "[" + f.marker + "] " + f.text }));
    }
    statusBox.textContent = "";
    const anchor = target || first;
    if (anchor) {
      const node = document.getElementById("p" + anchor);
      if (node) node.scrollIntoView({ block: "center" });
    }
    document.body.dataset.ready = "1";
  }

  window.addEventListener("hashchange", () => {
    document.querySelectorAll(".para.target").forEach(n => n.classList.remove("target"));
    const t = targetParagraph();
    const node = t && document.getElementById("p" + t);
    if (node) node.classList.add("target");
  });

  if (!docId) { statusBox.textContent = "Thiếu mã văn bản."; return; }
  api("/documents/" + docPath(docId)).then(render).catch(err => {
    statusBox.textContent = describeError(err);
    statusBox.className = "status error";
    if (err instanceof Tracuu.ApiError && err.status === 401) { $("#key-box").hidden = false; $("#key-box").open = true; }
    document.body.dataset.ready = "error";
  });
})();
