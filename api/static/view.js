/* tracuu document page: /view/{doc_id}?passage=ID&q=…&hl=…#p{n} */
"use strict";
(() => {
  const T = Tracuu;
  const { api, describeError, el, docPath } = T;
  const $ = sel => document.querySelector(sel);
  const statusBox = $("#status");
  const docId = decodeURIComponent(location.pathname.replace(/^\/view\//, ""));
  const params = new URLSearchParams(location.search);
  const passageId = params.get("passage");
  const highlight = params.get("hl");
  // who issued it, its number and date, who signed, the period it reports on, what it implements
  const REFS_SHOWN = 8;
  const META_ORDER = ["doc_type", "subject", "issuer", "number", "date", "signer", "signer_title", "period", "province", "district", "references"];

  if (document.referrer && new URL(document.referrer).origin === location.origin && new URL(document.referrer).pathname === "/") {
    $("#back").href = document.referrer;
  }
  $("#save-key").addEventListener("click", () => { T.setKey($("#api-key").value.trim()); location.reload(); });

  function targetParagraph() {
    const m = /^#p(\d+)$/.exec(location.hash);
    return m ? Number(m[1]) : null;
  }

  function metadataBlock(meta) {
    const dl = el("dl", { class: "meta-block", id: "metadata" });
    for (const name of META_ORDER) {
      const value = meta[name];
      if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
      let dd;
      if (name === "references") {  // the first few, the rest folded: some reports cite fifty
        dd = el("dd", { class: "refs" });
        const links = value.map(ref => {
          const id = typeof ref === "object" ? ref.id : ref;
          return el("a", { href: T.directiveUrl(id), title: "Các văn bản thực hiện " + id, text: id });
        });
        for (const a of links.slice(0, REFS_SHOWN)) dd.append(a, " ");
        if (links.length > REFS_SHOWN) {
          const more = el("details", { class: "more-refs" }, el("summary", { text: `và ${links.length - REFS_SHOWN} văn bản khác` }));
          for (const a of links.slice(REFS_SHOWN)) more.append(a, " ");
          dd.append(more);
        }
      } else {
        dd = el("dd", { "data-field": name, text: T.metaValue(value, name) });
      }
      dl.append(el("dt", { text: T.META_LABELS[name] || name }), dd);
    }
    return dl.childNodes.length ? dl : null;
  }

  function render(doc) {
    const title = T.plainText(doc.title);
    document.title = title + " — Tra cứu văn bản";
    $("#doc-head").replaceChildren(el("h1", { text: title }), metadataBlock(doc.metadata || {}),
                                   el("div", { class: "source-file", text: "Tệp nguồn: " + doc.source }));
    // scanned pages OCR read badly or not at all: "trang 3: chất lượng quét thấp"
    for (const problem of doc.page_problems || []) {
      $("#doc-head").append(el("div", { class: "status warning scan-warning", text: problem }));
    }
    const passage = passageId ? (doc.passages || []).find(p => p.passage_id === passageId) : null;
    const target = targetParagraph();
    const first = passage ? passage.paragraph : target, last = passage ? passage.paragraph_end : target;
    const article = $("#document");
    article.replaceChildren();
    for (const p of doc.paragraphs) {
      const cited = first !== null && p.n >= first && p.n <= last;
      const text = el("div", { class: "ptext" });
      if (cited && p.n === first) text.append(el("span", { class: "cited-label", text: "Đoạn được trích dẫn" }), el("br"));
      if (p.section) text.append(el("span", { class: "psec", text: p.section }));
      T.appendRich(text, p.text, [], 0, p.text.length, cited ? highlight : null);
      article.append(el("div", { id: "p" + p.n, class: "para kind-" + p.kind + (cited ? " cited" : "") + (p.n === target ? " target" : ""),
                                 "data-n": String(p.n) },
        el("a", { class: "pn", href: "#p" + p.n, title: "Liên kết đến đoạn " + p.n, text: "¶ " + p.n }), text));
    }
    article.hidden = false;
    if (passage || target) {
      const note = $("#cited-note");
      note.hidden = false;
      note.replaceChildren(el("span", { text: passage ? "Trích dẫn: " + (passage.citation_vi || passage.citation) : "Đoạn " + target }));
      const cite = passage && passage.citation_vi;
      if (cite) {
        note.append(el("button", { type: "button", class: "link-button copy-cite", "data-citation": cite, text: "Sao chép trích dẫn",
          onclick: async ev => { ev.target.textContent = (await T.copyText(cite)) ? "Đã sao chép" : "Không sao chép được"; } }));
      }
    }
    if (doc.footnotes && doc.footnotes.length) {
      const box = $("#footnotes");
      box.hidden = false;
      box.append(el("h2", { text: "Chú thích" }));
      for (const f of doc.footnotes) box.append(el("p", { text: "[" + f.marker + "] " + T.plainText(f.text) }));
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

  /* Withdrawal, for those allowed: the file leaves the corpus folder (kept under the index's
     removed/ folder) and the index is rebuilt without it. Asked to confirm first. */
  function offerWithdrawal(doc) {
    T.updatesMode().then(mode => {
      if (!(mode === "open" || (mode === "admin" && T.getKey()))) return;
      const box = $("#withdraw-box"), button = $("#withdraw"), status = $("#withdraw-status");
      box.hidden = false;
      button.addEventListener("click", async () => {
        const title = T.plainText(doc.title);
        if (!window.confirm(`Rút văn bản “${title}” khỏi kho?\nVăn bản sẽ không còn được tìm thấy; tệp gốc được giữ lại trong thư mục removed/ của chỉ mục.`)) return;
        button.disabled = true;
        status.textContent = "Đang rút văn bản và cập nhật chỉ mục…";
        try {
          const response = await fetch("/documents/" + docPath(docId), { method: "DELETE", headers: T.writeHeaders() });
          let body = {};
          try { body = await response.json(); } catch (e) { /* not JSON */ }
          if (!response.ok) throw new T.ApiError(response.status, body.detail || body.title || "");
          box.dataset.state = "withdrawn";
          status.replaceChildren("Đã rút văn bản khỏi kho. ", el("a", { href: "/", text: "Về trang chủ" }));
          $("#document").classList.add("withdrawn");
        } catch (err) {
          button.disabled = false;
          status.textContent = describeError(err);
        }
      });
    });
  }

  if (!docId) { statusBox.textContent = "Thiếu mã văn bản."; return; }
  api("/documents/" + docPath(docId)).then(doc => { render(doc); offerWithdrawal(doc); }).catch(err => {
    statusBox.textContent = describeError(err);
    statusBox.className = "status error";
    if (err instanceof T.ApiError && err.status === 401) { $("#key-box").hidden = false; $("#key-box").open = true; }
    document.body.dataset.ready = "error";
  });
})();
