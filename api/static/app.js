/* tracuu search page: answer (for questions), documents with their best passages, honest
   facets, compare by province/year, directives, precedents from other provinces. */
"use strict";
(() => {
  const T = Tracuu;
  const { api, describeError, el, viewUrl } = T;
  const $ = sel => document.querySelector(sel);
  const form = $("#search-form"), input = $("#q"), statusBox = $("#status"), resultsBox = $("#results"),
        answerBox = $("#answer"), filtersBox = $("#filters"), keyBox = $("#key-box"), notes = $("#results-note"),
        panel = $("#filter-panel"), toggle = $("#filter-toggle"), tabs = $("#tabs"), moreButton = $("#more"),
        views = { results: $("#view-results"), compare: $("#view-compare"), directives: $("#view-directives"),
                  documents: $("#view-documents") },
        factsBox = $("#facts"), homeBox = $("#home");
  const FACET_BOXES = [$("#facets"), $("#facets-inline")];
  const PAGE = 10;               // documents per page
  const PER_DOCUMENT = 3;        // passages shown under a document
  // An answer is shown only above this confidence (the reader's calibrated probability that
  // it is right). The server already answers only above cuts chosen for at most 2% wrong
  // answers (docs/results.md, Results); figures it gives come at ≥ its verifier's threshold (0.82 in
  // the shipped weights). Names, whose calibration is weaker, mostly fall below this cut: a
  // wrong figure or name is worse than none, so below it the page says it is not sure and
  // shows the passages.
  const ANSWER_MIN_CONFIDENCE = 0.7;
  const FILTERS = [
    { name: "province", label: "Tỉnh/thành phố", type: "text", placeholder: "vd. Nghệ An" },
    { name: "district", label: "Huyện/thị xã", type: "text", placeholder: "vd. Bình Sơn" },
    { name: "doc_type", label: "Loại văn bản", type: "text", placeholder: "vd. báo cáo" },
    { name: "year_from", label: "Từ năm", type: "number", placeholder: "2015" },
    { name: "year_to", label: "Đến năm", type: "number", placeholder: "2020" },
    { name: "references", label: "Dẫn chiếu văn bản", type: "text", placeholder: "vd. 114-KL/TW" },
  ];
  const FACET_LABELS = { province: "Tỉnh/thành phố", doc_type: "Loại văn bản", year: "Năm", district: "Huyện/thị xã" };
  const GROUP_LABELS = { province: "tỉnh/thành", year: "năm", doc_type: "loại văn bản" };
  const UNKNOWN = "không rõ";
  let feats = {};
  let activeFilters = [];
  let seq = 0;
  let shown = PAGE;

  // --- small helpers -----------------------------------------------------------------
  const fold = s => String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d")
    .replace(/Đ/g, "D").toLowerCase();
  const count = (n, noun) => `${n} ${noun}`;  // Vietnamese nouns do not inflect: "1 văn bản", "5 văn bản"
  function setStatus(text, kind = "") { statusBox.textContent = text; statusBox.className = "status " + kind; }
  function showView(name) {
    for (const [k, node] of Object.entries(views)) node.hidden = k !== name;
    for (const a of tabs.querySelectorAll("a")) {
      const on = a.dataset.view === name && (name !== "compare" || a.dataset.by === state().by);
      a.classList.toggle("active", on);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
  }
  function busy(on) { document.body.classList.toggle("searching", on); }

  // --- API key -------------------------------------------------------------------------
  const keyInput = $("#api-key");
  keyInput.value = T.getKey();
  $("#save-key").addEventListener("click", () => { T.setKey(keyInput.value.trim()); keyBox.open = false; run(false); });
  $("#clear-key").addEventListener("click", () => { keyInput.value = ""; T.setKey(""); });
  $("#widget-help").addEventListener("click", ev => {
    ev.preventDefault();
    const box = $("#widget-snippet");
    box.querySelector("pre").textContent =
      `<script src="${location.origin}/widget.js" data-endpoint="${location.origin}" data-key="KHÓA_API"></` + "script>";
    box.hidden = !box.hidden;
  });

  // --- state in the URL ----------------------------------------------------------------
  function state() {
    const p = new URLSearchParams(location.search);
    const filters = {};
    for (const f of FILTERS) { const v = p.get(f.name); if (v) filters[f.name] = f.type === "number" ? Number(v) : v; }
    return { q: p.get("q") || "", mode: p.get("mode") || "hybrid", view: p.get("view") || "results",
             by: p.get("by") || "province", directive: p.get("directive"), filters };
  }

  function go(changes, push = true) {
    const s = Object.assign(state(), changes);
    const p = new URLSearchParams();
    if (s.directive) p.set("directive", s.directive);
    else if (s.view === "directives") p.set("view", "directives");
    else {
      if (s.q) p.set("q", s.q);
      if (s.mode && s.mode !== "hybrid") p.set("mode", s.mode);
      for (const [k, v] of Object.entries(s.filters || {})) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
      if (s.view === "compare") { p.set("view", "compare"); p.set("by", s.by); }
      if (s.view === "documents" && !s.q) p.set("view", "documents");
    }
    const url = "/" + (p.toString() ? "?" + p.toString() : "");
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    shown = PAGE;
    run();
  }

  // --- filters (folded behind "Lọc") ---------------------------------------------------------
  function buildFilters() {
    activeFilters = FILTERS.filter(f => (feats.searchParams || []).includes(f.name));
    for (const f of activeFilters) {
      const id = "f-" + f.name;
      const field = el("input", { id, name: f.name, type: f.type, placeholder: f.placeholder, list: id + "-list",
                                  min: f.type === "number" ? "1945" : null, max: f.type === "number" ? "2100" : null });
      field.addEventListener("change", () => go({ filters: formFilters() }));
      filtersBox.append(el("label", { class: "filter", for: id }, el("span", { text: f.label }), field,
                           el("datalist", { id: id + "-list" })));
    }
    if (activeFilters.length) {
      filtersBox.append(el("button", { type: "button", class: "secondary small", text: "Bỏ lọc",
                                       onclick: () => go({ filters: {} }) }));
    }
    if (feats.documentsList) loadFilterValues();
  }

  function formFilters() {
    const values = {};
    for (const f of activeFilters) {
      const v = $("#f-" + f.name).value.trim();
      if (v) values[f.name] = f.type === "number" ? Number(v) : v;
    }
    return values;
  }

  function showFilters(filters) {
    for (const f of activeFilters) $("#f-" + f.name).value = filters[f.name] ?? "";
    const chips = $("#active-filters");
    chips.replaceChildren();
    const entries = Object.entries(filters);
    for (const [name, value] of entries) {
      const label = (FILTERS.find(f => f.name === name) || {}).label || name;
      chips.append(el("button", { type: "button", class: "filter-chip", title: "Bỏ lọc " + label,
        onclick: () => { const rest = Object.assign({}, state().filters); delete rest[name]; go({ filters: rest }); } },
        `${label}: ${name === "doc_type" ? T.typeLabel(value) : value}`, el("span", { "aria-hidden": "true", text: " ×" })));
    }
    const badge = $("#filter-count");
    badge.hidden = !entries.length;
    badge.textContent = String(entries.length);
  }

  function setPanel(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("filters-open", open);
  }
  toggle.addEventListener("click", () => setPanel(panel.hidden));

  function addOptions(name, values) {
    const list = document.getElementById("f-" + name + "-list");
    if (!list) return;
    const have = new Set([...list.options].map(o => o.value));
    for (const v of values) {
      if (!v || have.has(v)) continue;
      // a type is filtered by its stored value ("tin bài") and shown with its label ("Bài viết")
      list.append(el("option", { value: v, label: name === "doc_type" ? T.typeLabel(v) : null }));
      have.add(v);
    }
  }

  async function loadFilterValues() {
    try {
      const docs = await api("/documents");
      const seen = { province: new Set(), district: new Set(), doc_type: new Set(), references: new Set() };
      for (const d of docs) {
        const m = d.metadata || {};
        for (const k of Object.keys(seen)) {
          const v = m[k];
          if (Array.isArray(v)) v.forEach(x => seen[k].add(typeof x === "object" ? x.id : x));
          else if (v) seen[k].add(v);
        }
      }
      for (const [k, vs] of Object.entries(seen)) addOptions(k, [...vs].sort((a, b) => a.localeCompare(b, "vi")));
    } catch (e) { /* suggestions are optional */ }
  }

  // --- facets: documents per value, over every match ---------------------------------------------
  function facetOrder(name, entries) {
    const known = entries.filter(e => e.value !== null && e.value !== undefined && e.value !== "");
    const unknown = entries.filter(e => !known.includes(e));
    if (name === "year") known.sort((a, b) => Number(a.value) - Number(b.value));
    else known.sort((a, b) => (b.count - a.count) || String(a.value).localeCompare(String(b.value), "vi"));
    return known.concat(unknown);
  }

  function renderFacets(facets) {
    const has = facets && Object.values(facets).some(v => (v || []).length);
    for (const box of FACET_BOXES) {
      box.replaceChildren();
      box.hidden = !has;
      if (!has) continue;
      box.append(el("h2", { text: "Số văn bản theo" }));
      for (const [name, values] of Object.entries(facets)) {
        const entries = facetOrder(name, (values || []).map(v => ({ value: v.value, count: v.count })));
        if (!entries.length) continue;
        const list = el("ul");
        for (const { value, count: n } of entries) {
          const unknown = value === null || value === undefined || value === "";
          const label = unknown ? UNKNOWN : name === "doc_type" ? T.typeLabel(value) : String(value);
          const filterName = name === "year" ? "year_from" : name;
          const clickable = !unknown && activeFilters.some(f => f.name === filterName);
          const body = [el("span", { class: "facet-value", text: label }), el("span", { class: "count", text: String(n) })];
          list.append(el("li", {}, clickable
            ? el("button", { type: "button", class: "facet-link", "data-facet": name, "data-value": label,
                             title: `Chỉ xem ${n} văn bản: ${label}`, onclick: () => applyFacet(name, value) }, ...body)
            : el("span", { class: "facet-link static", "data-facet": name, "data-value": label }, ...body)));
        }
        box.append(el("section", { class: "facet" }, el("h3", { text: FACET_LABELS[name] || name }), list));
      }
    }
  }

  function applyFacet(name, value, period) {
    const filters = Object.assign({}, state().filters);
    // a compare group by year may be a period ("2015–2020"): filter by its years
    if (name === "year") { filters.year_from = Number(period ? period.from : value); filters.year_to = Number(period ? period.to : value); }
    else filters[name] = value;
    go({ filters, view: "results" });
  }

  // --- a passage, a document card ---------------------------------------------------------
  function snippet(hit) {
    const text = hit.text || "";
    const spans = T.normalizeSpans(hit.highlights, text.length);
    const [start, end] = T.bestWindow(text, spans);
    const p = el("p", { class: "snippet" });
    const pre = T.appendRich(el("span", { class: "clip-pre" }), text, spans, 0, start);
    const post = T.appendRich(el("span", { class: "clip-post" }), text, spans, end, text.length);
    p.append(start > 0 ? el("span", { class: "ellipsis", text: "… " }) : "", pre);
    T.appendRich(p, text, spans, start, end);
    p.append(post, end < text.length ? el("span", { class: "ellipsis", text: " …" }) : "");
    const clipped = start > 0 || end < text.length;
    const more = clipped ? el("button", { type: "button", class: "link-button expand", text: "Cả đoạn",
      onclick: ev => { const open = p.classList.toggle("expanded"); ev.target.textContent = open ? "Thu gọn" : "Cả đoạn"; } }) : null;
    return [p, more];
  }

  function renderPassage(hit, query, options = {}) {
    const href = viewUrl(hit.doc_id, hit.paragraph, { passage: hit.passage_id, q: query });
    const [text, more] = snippet(hit);
    const item = el("li", { class: "passage", "data-passage-id": hit.passage_id, "data-doc-id": hit.doc_id,
                            "data-paragraph": String(hit.paragraph) });
    if (options.withDocument) {
      item.append(el("a", { class: "passage-doc", href: viewUrl(hit.doc_id, null), text: T.plainText(hit.title) }),
                  el("div", { class: "doc-sub", text: T.docSubtitle(hit.metadata) }));
    }
    item.append(el("a", { class: "where view-link", href, text: T.passageWhere(hit) }), text);
    const actions = el("div", { class: "actions" }, more);
    if (hit.citation_vi) {
      actions.append(el("button", { type: "button", class: "link-button copy-cite", "data-citation": hit.citation_vi,
        title: hit.citation_vi, text: "Sao chép trích dẫn",
        onclick: async ev => {
          const ok = await T.copyText(hit.citation_vi);
          ev.target.textContent = ok ? "Đã sao chép" : "Không sao chép được";
          setTimeout(() => { ev.target.textContent = "Sao chép trích dẫn"; }, 2500);
        } }));
    }
    if (feats.precedents && options.precedents !== false) {
      const box = el("div", { class: "precedents", hidden: true });
      actions.append(el("button", { type: "button", class: "link-button find-precedents", text: "Tìm tiền lệ ở tỉnh khác",
                                    onclick: ev => togglePrecedents(hit, box, ev.target) }));
      item.append(actions, box);
    } else {
      item.append(actions);
    }
    return item;
  }

  function renderDocument(doc, query) {
    const first = doc.passages[0] || {};
    const card = el("li", { class: "doc", "data-doc-id": doc.doc_id });
    const title = T.plainText(doc.title);
    card.append(el("h3", { class: "doc-title" },
                   el("a", { href: viewUrl(doc.doc_id, first.paragraph, { passage: first.passage_id, q: query }),
                             title, text: title })),
                el("div", { class: "doc-sub", text: T.docSubtitle(doc.metadata) }));
    const list = el("ul", { class: "passages" });
    for (const hit of doc.passages) list.append(renderPassage(hit, query));
    card.append(list);
    const shownPassages = doc.passages.reduce((n, p) => n + (p.passage_ids || [p.passage_id]).length, 0);
    if (doc.matched > shownPassages) card.append(el("a", { class: "doc-more", href: viewUrl(doc.doc_id, null, { q: query }),
                                                        text: "Xem cả văn bản →" }));
    return card;
  }

  // --- precedents ----------------------------------------------------------------------------------
  async function togglePrecedents(hit, box, button) {
    if (!box.hidden) { box.hidden = true; button.textContent = "Tìm tiền lệ ở tỉnh khác"; return; }
    box.hidden = false;
    button.textContent = "Ẩn tiền lệ";
    if (box.dataset.loaded) return;
    box.replaceChildren(el("p", { class: "muted", text: "Đang tìm đoạn văn tương tự ở tỉnh khác…" }));
    try {
      const body = await api("/precedents?" + new URLSearchParams({ passage_id: hit.passage_id, k: "5" }));
      box.dataset.loaded = "1";
      const where = body.province ? `ngoài ${body.province}` : "ở nơi khác";
      box.replaceChildren(el("h4", { text: body.results.length
        ? `Đoạn văn tương tự ${where}` : `Không tìm thấy đoạn văn tương tự ${where}.` }));
      const list = el("ul", { class: "passages" });
      for (const p of body.results) list.append(renderPassage(p, "", { withDocument: true, precedents: false }));
      box.append(list);
    } catch (err) {
      box.replaceChildren(el("p", { class: "error", text: describeError(err) }));
    }
  }

  // --- answer ---------------------------------------------------------------------------------------
  function isQuestion(body) {
    return body && body.answer_type && body.answer_type !== "passage";
  }

  function placeAsked(body) {
    const a = body.analysis || {};
    return a.district || a.province || null;
  }

  function renderAnswer(body, query) {
    answerBox.replaceChildren();
    answerBox.className = "answer";
    notes.hidden = true;
    if (!isQuestion(body)) { answerBox.hidden = true; return; }  // keywords: results only
    answerBox.hidden = false;
    const confident = body.answer && Number(body.confidence) >= ANSWER_MIN_CONFIDENCE;
    if (!confident) {
      answerBox.classList.add("refusal");
      const reason = body.answer ? "Chưa đủ căn cứ để trả lời chắc chắn; hãy đọc các đoạn văn dưới đây."
                                 : T.vietnameseOnly(body.reason) || "Không tìm thấy câu trả lời có căn cứ.";
      answerBox.append(el("p", { class: "refusal-text" }, el("strong", { text: "Không có câu trả lời. " }), reason));
      renderBestGuess(body);
      const place = placeAsked(body);
      if (!body.answer && place && /không có tài liệu/i.test(body.reason || "")) {
        notes.hidden = false;
        notes.textContent = `Các văn bản dưới đây thuộc địa phương khác, không phải ${place}.`;
      } else if (!body.answer && /giai đoạn/i.test(body.reason || "")) {
        notes.hidden = false;
        notes.textContent = "Các văn bản dưới đây thuộc giai đoạn khác với giai đoạn được hỏi.";
      }
      return;
    }
    const answer = T.plainText(body.answer);
    const line = el("p", { class: "answer-line" }, el("span", { class: "answer-text", text: answer }));
    const list = el("ol", { class: "evidence" });
    (body.evidence || []).forEach((ev, i) => {
      const n = i + 1, href = viewUrl(ev.doc_id, ev.paragraph, { passage: ev.passage_id, hl: answer });
      line.append(" ", el("a", { class: "cite-ref", href, title: ev.citation, text: `[${n}]` }));
      const quote = el("blockquote", { class: "evidence-quote" });
      T.appendRich(quote, ev.sentence || "", [], 0, (ev.sentence || "").length, answer);
      list.append(el("li", { id: "ev-" + n }, el("span", { class: "ev-n", text: `[${n}]` }), quote,
        el("a", { class: "evidence-link", href }, el("cite", { text: ev.citation || ev.title }))));
    });
    answerBox.append(line, list,
      el("p", { class: "confidence", text: `Độ tin cậy ${Math.round(Number(body.confidence) * 100)}% · trích nguyên văn từ văn bản nguồn` }));
  }

  /* Under a refusal, the sentence the answerer came closest with — quoted with its citation,
     plainly not an answer (the response's `best_guess_evidence`: one evidence object, or a list). */
  function renderBestGuess(body) {
    const guess = Array.isArray(body.best_guess_evidence) ? body.best_guess_evidence[0] : body.best_guess_evidence;
    if (!guess || !(guess.sentence || guess.text)) return;
    const sentence = guess.sentence || guess.text;
    const href = guess.doc_id ? viewUrl(guess.doc_id, guess.paragraph, { passage: guess.passage_id }) : null;
    const quote = el("blockquote", { class: "evidence-quote" });
    T.appendRich(quote, sentence, [], 0, sentence.length);
    const cite = el("cite", { text: guess.citation || guess.title || "" });
    answerBox.append(el("div", { class: "best-guess" },
      el("p", { class: "best-guess-label", text: "Câu có thể liên quan:" }), quote,
      href ? el("a", { class: "evidence-link", href }, cite) : cite,
      el("p", { class: "muted", text: "Đây không phải câu trả lời: hãy tự đọc và kiểm tra." })));
  }

  async function ask(s, mySeq) {
    answerBox.dataset.state = "pending";
    if (!feats.ask) { answerBox.dataset.state = "done"; return; }
    const body = { question: s.q };
    if (feats.askFields.includes("k")) body.k = 3;
    for (const [k, v] of Object.entries(s.filters)) if (feats.askFields.includes(k)) body[k] = v;
    try {
      const answer = await api("/ask", { method: "POST", body });
      // a comparison question is answered by its table: no refusal box above it
      const refused = !(answer.answer && Number(answer.confidence) >= ANSWER_MIN_CONFIDENCE);
      if (refused && asksComparison(s.q) && await factsShown) { if (mySeq === seq) answerBox.hidden = true; return; }
      if (mySeq === seq) renderAnswer(answer, s.q);
    } catch (err) {
      if (mySeq === seq) answerBox.hidden = true;
    } finally {
      if (mySeq === seq) answerBox.dataset.state = "done";
    }
  }

  // --- the table of figures (GET /facts), when a question asks to compare places or years ------------
  // (folded text) "so sánh … giữa các tỉnh", "theo tỉnh", "qua các năm", "by province" …
  const COMPARE_QUESTION = /\b(so sanh|giua cac (tinh|dia phuong|huyen|nam)|cac tinh|theo tinh|tung tinh|moi tinh|qua cac nam|theo (tung )?nam|hang nam|by province|by year|compare[sd]?|comparison|across provinces|each province|per province|over the years)\b/;
  const OVER_YEARS = /\b(qua cac nam|theo (tung )?nam|hang nam|giua cac nam|by year|over the years)\b/;
  // the comparison's own words are not part of what is counted (the server drops them too)
  const COMPARE_WORDS = /so s[aá]nh|gi[uữ]a c[aá]c (t[iỉ]nh|đ[iị]a ph[uư][oơ]ng|huy[eệ]n|n[aă]m)|theo (t[uừ]ng )?(t[iỉ]nh|n[aă]m)|c[aá]c t[iỉ]nh|t[uừ]ng t[iỉ]nh|m[oỗ]i t[iỉ]nh|qua c[aá]c n[aă]m|h[aằ]ng n[aă]m|by (province|year)|across provinces|(each|per) province|over the years|compar(e[sd]?|ison)/giu;
  const PERIOD_SOURCE = { paragraph: "đoạn văn", section: "mục", document: "văn bản", title: "tên văn bản" };
  const asksComparison = q => COMPARE_QUESTION.test(fold(q));
  let factsShown = Promise.resolve(false);

  function indicatorOf(q) {
    return q.replace(COMPARE_WORDS, " ").replace(/[?.!]+$/, "").replace(/\s+/g, " ").trim() || q;
  }

  /* The table for a comparison question; resolves to whether a table is shown. */
  async function facts(s, mySeq) {
    factsBox.hidden = true;
    factsBox.replaceChildren();
    if (!feats.facts || !asksComparison(s.q)) { factsBox.dataset.state = "done"; return false; }
    factsBox.dataset.state = "pending";
    const params = new URLSearchParams();
    const name = (feats.factsParams || []).find(p => ["indicator", "q", "query"].includes(p)) || "indicator";
    params.set(name, indicatorOf(s.q));
    for (const [k, v] of Object.entries(s.filters)) if ((feats.factsParams || []).includes(k)) params.set(k, v);
    try {
      const table = await api("/facts?" + params.toString());
      return mySeq === seq && renderFacts(table, params, OVER_YEARS.test(fold(s.q)) ? "line" : "bar");
    } catch (err) {
      return false;  // no table: the results still answer
    } finally {
      if (mySeq === seq) factsBox.dataset.state = "done";
    }
  }

  const cellHref = cell => viewUrl(cell.doc_id, cell.paragraph, { passage: cell.passage_id, hl: cell.raw });
  const cellTitle = cell => `[${cell.note}] ${cell.label} · ${cell.place || cell.row} · ${cell.period}: ${cell.raw}` +
    `\n${cell.citation_vi || cell.citation}`;

  /* Rows in their groups: a province, then its district-level total and districts under it; a
     district whose province has no figure of its own still comes under its province's name. */
  function groupedRows(table) {
    const groups = table.row_groups && table.row_groups.length ? table.row_groups
      : (table.rows || []).map(row => ({ row, parent: null }));
    const out = [];
    let heading = null;
    for (const g of groups) {
      const parent = g.parent || null;
      if (parent && heading !== parent && !groups.some(o => o.row === parent)) {
        out.push({ heading: parent });
      }
      heading = parent || g.row;
      out.push(Object.assign({}, g, { sub: !!parent }));
    }
    return out;
  }

  function renderFacts(table, params, mode) {
    const rows = table.rows || [], columns = table.columns || [];
    if (!rows.length || !columns.length || !(table.cells || []).length) return false;
    const cells = new Map(table.cells.map(c => [c.row + "\u0000" + c.column, c]));
    const asked = table.indicator || {};
    const what = indicatorOf(asked.query || "");
    const title = asked.label || (what.charAt(0).toUpperCase() + what.slice(1));
    let inferred = false;

    const head = el("tr", {}, el("th", { scope: "col", text: table.by && table.by[0] === "province" ? "Địa bàn" : "" }),
                    ...columns.map(c => el("th", { scope: "col", class: "num", text: String(c) })));
    const body = groupedRows(table).map(g => {
      if (g.heading) {
        return el("tr", { class: "group-row" }, el("th", { scope: "row", colspan: String(columns.length + 1), text: g.heading }));
      }
      const name = g.sub && g.parent && g.row.endsWith(", " + g.parent) ? g.row.slice(0, -(g.parent.length + 2)) : g.row;
      return el("tr", { class: g.sub ? "sub-row" : "", "data-row": g.row },
        el("th", { scope: "row", title: g.row }, name,
           g.level && g.level !== "tỉnh" && !/\bcấp /.test(name) ? el("span", { class: "level", text: ` (cấp ${g.level})` }) : null),
        ...columns.map(col => {
          const cell = cells.get(g.row + "\u0000" + col);
          if (!cell) return el("td", { class: "empty num", text: "—" });
          const td = el("td", { class: "num", "data-note": String(cell.note) },
            el("a", { href: cellHref(cell), title: cellTitle(cell), text: cell.raw }),
            el("sup", {}, el("a", { href: "#fact-note-" + cell.note, class: "note-ref", text: String(cell.note) })));
          if (cell.period_inferred) {
            inferred = true;
            td.append(el("span", { class: "inferred", title: "Năm suy ra từ " + (PERIOD_SOURCE[cell.period_source] || "văn bản") +
                                                           ", không nêu trong câu", text: "*" }));
          }
          if (cell.kind === "percent" && asked.rate === false) td.append(el("span", { class: "cell-kind", text: "tỷ lệ" }));
          if ((cell.others || []).length) {
            td.title = "Cùng ô còn: " + cell.others.map(o => `${o.raw} (${o.label})`).join("; ");
          }
          return td;
        }));
    });

    const facts = el("div", { class: "facts-head" },
      el("h2", {}, "Bảng số liệu: ", el("span", { class: "indicator-label", text: title })));
    const meta = el("ul", { class: "facts-meta" });
    if ((table.labels || []).length > 1) meta.append(el("li", { text: "Chỉ tiêu: " + table.labels.join("; ") }));
    if ((table.wordings || []).length) {
      meta.append(el("li", { class: "wordings" }, "Gộp các cách diễn đạt: ",
        ...table.wordings.flatMap((w, i) => [i ? "; " : "", el("q", { text: w })])));
    }
    const chartBox = el("div", { class: "chart-box" });
    factsBox.replaceChildren(facts, meta,
      el("div", { class: "table-scroll" }, el("table", { class: "facts-table" },
        el("caption", { class: "sr-only", text: title }), el("thead", {}, head), el("tbody", {}, ...body))),
      inferred ? el("p", { class: "muted legend-inferred" }, el("span", { class: "inferred", text: "*" }),
                    " năm suy ra từ đoạn, mục hoặc văn bản chứa số liệu (câu văn không nêu năm).") : "",
      chartBox);
    factsBox.hidden = false;
    renderChart(chartBox, table, mode, title);

    if ((table.variants || []).length) {  // the same thing counted with another qualifier is another indicator
      factsBox.append(el("div", { class: "variants" },
        el("p", { class: "muted", text: "Không gộp vào bảng (khác phạm vi: thẩm quyền, lần đầu, đông người, định kỳ, cấp…):" }),
        el("ul", {}, ...table.variants.map(v => el("li", {}, el("span", { class: "qualified", text: v.label }),
                                                  ` — ${count(v.facts, "số liệu")}`)))));
    }
    const noteCell = new Map(table.cells.map(c => [c.note, c]));
    const quoted = new Map();  // a sentence holding several cells' figures is quoted once
    const notesList = el("ol", { class: "fact-notes" }, ...(table.notes || []).map(n => {
      const first = quoted.get(n.sentence);
      if (!first) quoted.set(n.sentence, n.n);
      return el("li", { id: "fact-note-" + n.n, value: String(n.n) },
        el("a", { href: noteCell.has(n.n) ? cellHref(noteCell.get(n.n)) : n.link, text: n.citation_vi || n.citation }),
        first ? el("span", { class: "muted", text: ` — cùng câu với [${first}]` })
              : el("blockquote", { class: "evidence-quote", text: n.sentence }));
    }));
    factsBox.append(el("h3", { class: "notes-title", text: "Nguồn" }), notesList);
    if (feats.factsParams && feats.factsParams.includes("format")) {
      const exports = el("p", { class: "exports" }, "Tải bảng kèm nguồn: ");
      for (const format of ["csv", "xlsx", "docx"]) {
        const p = new URLSearchParams(params);
        p.set("format", format);
        const href = "/facts?" + p.toString();
        exports.append(el("a", { href, class: "export", "data-format": format, download: `bang-so-lieu.${format}`,
          onclick: ev => {  // with an API key the file is fetched with it
            if (!T.getKey()) return;
            ev.preventDefault();
            T.download(href, `bang-so-lieu.${format}`).catch(err => setStatus(describeError(err), "error"));
          } }, format.toUpperCase()), " ");
      }
      factsBox.append(exports);
    }
    return true;
  }

  /* The chart of the table's cells: counts and rates apart (one axis never mixes them); bars by
     place or lines by year, the reader may switch; each mark links to its sentence. */
  function renderChart(box, table, mode, title) {
    const columns = table.columns;
    const kinds = [["count", "Số lượng", c => c.kind !== "percent"], ["percent", "Tỷ lệ (%)", c => c.kind === "percent"]];
    const panels = kinds.map(([key, name, test]) => {
      const chosen = table.cells.filter(test);
      const groups = table.rows.map(row => ({ name: row, points: columns
        .map(col => chosen.find(c => c.row === row && c.column === col))
        .filter(c => c && Number.isFinite(c.value))
        .map(c => ({ column: c.column, value: c.value, raw: c.raw, note: c.note, cell: c })) }))
        .filter(g => g.points.length);
      const units = [...new Set(chosen.map(c => c.unit).filter(Boolean))];
      return { key, name: units.length === 1 && key === "count" ? `${name} (${units[0]})` : name, groups };
    }).filter(p => p.groups.length);
    if (!panels.length) return;
    const switcher = el("div", { class: "chart-modes", role: "group", "aria-label": "Kiểu biểu đồ" });
    const area = el("div", { class: "chart-area" });
    box.replaceChildren(el("h3", { class: "chart-title", text: "Biểu đồ" }), switcher, area);
    let current = mode, lastWidth = 0;
    const draw = () => {
      lastWidth = area.clientWidth;
      area.replaceChildren();
      for (const p of panels) {
        const figure = el("figure", { class: "chart", "data-kind": p.key });
        const scroll = el("div", { class: "chart-scroll" });
        figure.append(el("figcaption", { text: p.name }), scroll);
        area.append(figure);
        TracuuChart.draw(scroll, p.groups, columns, {
          mode: current, title: `${title} — ${p.name}`,
          hrefOf: point => cellHref(point.cell), titleOf: (g, point) => cellTitle(point.cell) });
        const keys = current === "line" ? p.groups.map(g => g.name) : columns.filter(c => p.groups.some(g => g.points.some(x => x.column === c)));
        figure.append(el("ul", { class: "chart-legend" }, ...keys.map(k => {
          const i = current === "line" ? p.groups.findIndex(g => g.name === k) : columns.indexOf(k);
          const swatch = el("span", { class: "swatch" });
          swatch.style.background = TracuuChart.colorOf(i);
          return el("li", {}, swatch, String(k));
        })));
      }
      for (const b of switcher.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.mode === current));
    };
    for (const [m, text] of [["bar", "Cột theo địa bàn"], ["line", "Đường theo năm"]]) {
      switcher.append(el("button", { type: "button", class: "toggle", "data-mode": m, text,
                                     onclick: () => { current = m; draw(); } }));
    }
    draw();
    // drawn to its box's width: redrawn when the box changes width (the facets column arriving, a
    // phone turned), never wider than the page
    let timer = null;
    const observer = new ResizeObserver(() => {
      if (!box.isConnected) { observer.disconnect(); return; }
      clearTimeout(timer);
      timer = setTimeout(() => { if (area.clientWidth !== lastWidth) draw(); }, 100);
    });
    observer.observe(area);
  }

  // --- the views ------------------------------------------------------------------------------------
  async function searchView(s, mySeq) {
    const params = new URLSearchParams({ q: s.q, k: String(shown), per_document: String(PER_DOCUMENT) });
    if (s.mode !== "hybrid") params.set("mode", s.mode);
    for (const [k, v] of Object.entries(s.filters)) params.set(k, String(v));
    const response = await api("/search/documents?" + params.toString());
    if (mySeq !== seq) return;
    resultsBox.replaceChildren(...response.documents.map(d => renderDocument(d, s.q)));
    renderFacets(response.facets);
    const total = response.total_documents, passages = response.documents.reduce((n, d) => n + d.matched, 0);
    moreButton.hidden = total <= response.documents.length;
    if (!total) setStatus("Không tìm thấy văn bản nào phù hợp. Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc.", "empty");
    else setStatus(`${count(total, "văn bản")} phù hợp` +
                   (response.documents.length < total ? `, hiện ${response.documents.length}` : "") +
                   ` · ${Math.round(response.took_ms)} ms`);
    statusBox.dataset.total = String(total);
    statusBox.dataset.passages = String(passages);
  }

  async function compareView(s, mySeq) {
    const box = views.compare;
    const body = { query: s.q, group_by: s.by, k_per_group: 2, mode: s.mode };
    for (const [k, v] of Object.entries(s.filters)) if ((feats.compareFields || []).includes(k)) body[k] = v;
    const response = await api("/compare", { method: "POST", body });
    if (mySeq !== seq) return;
    box.replaceChildren();
    const grid = el("div", { class: "compare-grid" });
    for (const group of response.groups) {
      const unknown = group.key === null || group.key === undefined;
      const label = unknown ? UNKNOWN : s.by === "doc_type" ? T.typeLabel(group.key) : String(group.key);
      const head = el("h3", { class: "group-key" },
        unknown || s.by === "doc_type" ? label
          : el("a", { href: "#", text: label, title: "Chỉ xem kết quả của " + label,
                      onclick: ev => { ev.preventDefault(); applyFacet(s.by, group.key, group.period); } }));
      const list = el("ul", { class: "passages" });
      let previous = null;  // a document's title once, above its passages
      for (const hit of group.results) {
        list.append(renderPassage(hit, s.q, { withDocument: hit.doc_id !== previous }));
        previous = hit.doc_id;
      }
      const multiYear = group.period && group.period.from !== group.period.to;  // its figures are the period's totals
      grid.append(el("section", { class: "group", "data-key": label }, head,
                     el("div", { class: "muted", text: (group.documents !== undefined
                       ? count(group.documents, "văn bản phù hợp") : count(group.count, "đoạn văn phù hợp")) +
                       (multiYear ? " · số liệu cả giai đoạn" : "") }), list));
    }
    box.append(grid);
    setStatus(`So sánh theo ${GROUP_LABELS[s.by] || s.by}: ${count(response.groups.length, "nhóm")} · ${Math.round(response.took_ms)} ms`);
  }

  async function directivesView() {
    const box = views.directives;
    const listing = await api("/directives");
    box.replaceChildren(el("h2", { text: "Văn bản chỉ đạo được dẫn chiếu" }),
      el("p", { class: "muted", text: "Các kết luận, chỉ thị, nghị quyết… mà văn bản trong kho thực hiện hoặc nhắc đến." }));
    const table = el("table", { class: "directive-table" },
      el("thead", {}, el("tr", {}, ...["Văn bản", "Loại", "Ngày", "Số văn bản dẫn chiếu", "Lần nhắc"].map(t => el("th", { text: t })))));
    const tbody = el("tbody");
    for (const d of listing) {
      const others = (d.spellings || []).filter(x => x !== d.id);
      tbody.append(el("tr", { "data-directive": d.id }, el("td", {}, el("a", { href: T.directiveUrl(d.id), text: d.id }),
          others.length ? el("div", { class: "spellings muted", text: "cũng viết: " + others.join(", ") }) : null),
        el("td", { text: T.typeLabel(d.type) }), el("td", { text: d.date ? T.dateVi(d.date) : "" }),
        el("td", { class: "num", text: String(d.documents) }), el("td", { class: "num", text: String(d.mentions) })));
    }
    table.append(tbody);
    box.append(el("div", { class: "table-scroll" }, table));
    setStatus(`${count(listing.length, "văn bản chỉ đạo")} được dẫn chiếu`);
  }

  async function directiveView(id) {
    const box = views.directives;
    const found = await api("/directives/" + encodeURIComponent(id));
    const kind = T.typeLabel(found.type) || "Văn bản";
    const others = (found.spellings || []).filter(x => x !== found.id);
    box.replaceChildren(el("p", {}, el("a", { href: "/?view=directives", text: "← Tất cả văn bản chỉ đạo" })),
      el("h2", { class: "directive-title", text: `${kind} ${found.id}` }),
      el("p", { class: "doc-sub", text: [found.issuer, found.date ? "ngày " + T.dateVi(found.date) : "",
                                        others.length ? "cũng viết: " + others.join(", ") : ""].filter(Boolean).join(" · ") }),
      el("p", { text: `${count(found.documents.length, "văn bản")} thực hiện hoặc dẫn chiếu ${found.id}:` }));
    const list = el("ol", { class: "results" });
    for (const doc of found.documents) {
      const card = el("li", { class: "doc", "data-doc-id": doc.doc_id },
        el("h3", { class: "doc-title" }, el("a", { href: viewUrl(doc.doc_id, null), text: T.plainText(doc.title) })),
        el("div", { class: "doc-sub", text: [T.docSubtitle(doc.metadata), count(doc.mentions, "lần nhắc đến")].filter(Boolean).join(" · ") }));
      const passages = el("ul", { class: "passages" });
      doc.passages.forEach((hit, i) => { const item = renderPassage(hit, found.id); if (i >= 3) item.classList.add("extra"); passages.append(item); });
      card.append(passages);
      if (doc.passages.length > 3) {
        card.append(el("button", { type: "button", class: "link-button", text: `Xem cả ${doc.passages.length} đoạn`,
          onclick: ev => { card.classList.add("show-all"); ev.target.remove(); } }));
      }
      list.append(card);
    }
    box.append(list);
    setStatus(`${found.id}: ${count(found.documents.length, "văn bản")} thực hiện`);
  }

  // --- the home page: what the archive holds, example questions, adding documents ------------------
  const HOME_FACETS = [["province", "Tỉnh/thành phố"], ["doc_type", "Loại văn bản"], ["year", "Năm"]];

  function listFilter(name, value) {
    if (name === "year") return { year_from: Number(value), year_to: Number(value) };
    return { [name]: value };
  }

  async function showHome(mySeq, attempt = 0) {
    document.title = "Tra cứu văn bản";
    homeBox.hidden = false;
    let overview;
    try {
      overview = await api("/overview");
    } catch (err) {
      if (mySeq !== seq) return;
      $("#archive").replaceChildren(el("p", { class: "error", text: describeError(err) }));
      return;
    }
    if (mySeq !== seq) return;
    renderArchive(overview);
    renderNewest(overview.newest || []);
    renderExamples(overview);
    renderUploadBox(overview.updates);
    // the example questions are computed once per index version, a few seconds after start-up
    if (overview.examples_pending && attempt < 40) setTimeout(() => { if (mySeq === seq) refreshExamples(mySeq, attempt + 1); }, 1500);
  }

  async function refreshExamples(mySeq, attempt) {
    try {
      const overview = await api("/overview");
      if (mySeq !== seq) return;
      renderExamples(overview);
      if (overview.examples_pending && attempt < 40) setTimeout(() => { if (mySeq === seq) refreshExamples(mySeq, attempt + 1); }, 1500);
    } catch (err) { /* the examples are optional */ }
  }

  function renderArchive(o) {
    const box = $("#archive");
    const head = el("p", { class: "archive-counts" },
      "Kho có ", el("a", { href: "/?view=documents", class: "count-link", "data-count": "documents",
                           onclick: ev => { ev.preventDefault(); go({ q: "", view: "documents", filters: {} }); } },
                    el("strong", { text: String(o.documents) }), " văn bản"),
      " · ", el("span", { "data-count": "passages" }, el("strong", { text: String(o.passages) }), " đoạn văn"));
    const groups = el("div", { class: "archive-facets" });
    for (const [name, label] of HOME_FACETS) {
      const values = (o.facets || {})[name] || [];
      if (!values.length) continue;
      const list = el("ul");
      for (const { value, count: n } of values) {
        const unknown = value === null || value === undefined || value === "";
        const text = unknown ? UNKNOWN : name === "doc_type" ? T.typeLabel(value) : String(value);
        const body = [el("span", { class: "facet-value", text }), el("span", { class: "count", text: String(n) })];
        list.append(el("li", {}, unknown
          ? el("span", { class: "facet-link static", "data-facet": name, "data-value": text }, ...body)
          : el("button", { type: "button", class: "facet-link", "data-facet": name, "data-value": text,
                           title: `Xem ${n} văn bản: ${text}`,
                           onclick: () => go({ q: "", view: "documents", filters: listFilter(name, value) }) }, ...body)));
      }
      groups.append(el("section", { class: "facet" }, el("h3", { text: label }), list));
    }
    box.replaceChildren(head, groups);
  }

  function renderExamples(o) {
    const list = $("#example-list");
    list.replaceChildren();
    for (const ex of o.examples || []) {
      list.append(el("li", {}, el("button", { type: "button", class: "example", "data-kind": ex.kind,
        onclick: () => go({ q: ex.question, view: "results", directive: null, filters: {} }), text: ex.question })));
    }
    $("#examples").hidden = !(o.examples || []).length && !o.examples_pending;
    if (o.examples_pending && !(o.examples || []).length) {
      list.append(el("li", { class: "muted", text: "Đang chọn câu hỏi mẫu từ kho văn bản…" }));
    }
    $("#examples").dataset.ready = o.examples_pending ? "" : "1";
  }

  function renderNewest(docs) {
    const list = $("#newest-list");
    list.replaceChildren(...docs.map(d => el("li", { "data-doc-id": d.doc_id },
      el("a", { href: viewUrl(d.doc_id, null), text: T.plainText(d.title) }),
      el("div", { class: "doc-sub", text: T.docSubtitle(d.metadata) }))));
    $("#newest").hidden = !docs.length;
  }

  // --- a filtered listing of documents (a count clicked on the home page) ----------------------------
  async function documentsView(s) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(s.filters)) params.set(k, String(v));
    const docs = await api("/documents" + (params.toString() ? "?" + params.toString() : ""));
    const box = views.documents;
    const list = el("ol", { class: "results" });
    for (const d of docs) {
      list.append(el("li", { class: "doc", "data-doc-id": d.doc_id },
        el("h3", { class: "doc-title" }, el("a", { href: viewUrl(d.doc_id, null), text: T.plainText(d.title) })),
        el("div", { class: "doc-sub", text: [T.docSubtitle(d.metadata), count(d.passages, "đoạn văn")].filter(Boolean).join(" · ") })));
    }
    box.replaceChildren(el("p", { class: "muted", text: "Nhập câu hỏi hoặc từ khóa ở trên để tìm trong các văn bản này." }), list);
    setStatus(`${count(docs.length, "văn bản")} trong kho`);
    statusBox.dataset.total = String(docs.length);
  }

  // --- adding documents: one request per file, a progress line each ---------------------------------
  const STEPS = [["upload", "Tải lên"], ["read", "Đọc (OCR nếu là bản quét)"], ["embed", "Nhúng"], ["searchable", "Tìm được"]];
  let uploadBound = false;

  function renderUploadBox(mode) {
    const box = $("#upload"), off = $("#upload-off");
    const allowed = mode === "open" || (mode === "admin" && T.getKey());
    box.hidden = !allowed;
    off.hidden = allowed;
    off.textContent = mode === "admin"
      ? "Muốn thêm văn bản: nhập khóa API quyền admin ở mục “Khóa API”."
      : "Máy chủ này không nhận văn bản từ trang web. Người quản trị có thể chạy “tracuu serve --allow-updates” "
        + "(hoặc make run ALLOW_UPDATES=1), cấp khóa API quyền admin, hoặc thêm bằng lệnh “tracuu add TỆP…”.";
    if (!allowed || uploadBound) return;
    uploadBound = true;
    const zone = $("#drop-zone"), picker = $("#file-input");
    picker.addEventListener("change", () => { addFiles([...picker.files]); picker.value = ""; });
    zone.addEventListener("keydown", ev => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); picker.click(); } });
    for (const name of ["dragenter", "dragover"]) zone.addEventListener(name, ev => { ev.preventDefault(); zone.classList.add("over"); });
    for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("over"));
    zone.addEventListener("drop", ev => { ev.preventDefault(); addFiles([...(ev.dataTransfer.files || [])]); });
  }

  let uploadQueue = Promise.resolve();
  function addFiles(files) {
    for (const file of files) {
      const row = uploadRow(file);
      $("#upload-list").append(row.item);
      uploadQueue = uploadQueue.then(() => uploadOne(file, row));  // one at a time: the server indexes in turn
    }
    uploadQueue = uploadQueue.then(() => { if (!state().q && state().view !== "documents") refreshArchive(); });
  }

  async function refreshArchive() {
    try { const o = await api("/overview"); renderArchive(o); renderNewest(o.newest || []); } catch (e) { /* counts stay */ }
  }

  function uploadRow(file) {
    const steps = {};
    const line = el("ol", { class: "steps" });
    for (const [key, label] of STEPS) { steps[key] = el("li", { "data-step": key, text: label }); line.append(steps[key]); }
    const message = el("div", { class: "upload-message" });
    const item = el("li", { class: "upload-item", "data-file": file.name, "data-state": "waiting" },
                    el("span", { class: "file-name", text: file.name }), line, message);
    const set = (key, state, text) => { steps[key].dataset.state = state; if (text) steps[key].textContent = text; };
    return { item, message, set };
  }

  function uploadOne(file, row) {
    return new Promise(resolve => {
      const form = new FormData();
      form.append("files", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/documents");
      for (const [k, v] of Object.entries(T.writeHeaders())) xhr.setRequestHeader(k, v);
      row.item.dataset.state = "working";
      row.set("upload", "active");
      xhr.upload.onprogress = ev => { if (ev.lengthComputable) row.set("upload", "active", `Tải lên ${Math.round(100 * ev.loaded / ev.total)}%`); };
      xhr.upload.onload = () => { row.set("upload", "done", "Đã tải lên"); row.set("read", "active"); row.set("embed", "active"); };
      xhr.onerror = () => { finish("refused", "Không kết nối được máy chủ."); };
      xhr.onload = async () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201) {
          row.set("upload", "done", "Đã tải lên");
          row.set("read", "done", "Đã đọc");
          row.set("embed", "done", `Đã nhúng ${body.passages_embedded} đoạn`);
          const docIds = ((body.files || [])[0] || {}).doc_ids || [];
          try {
            for (const id of docIds) await api("/documents/" + T.docPath(id));  // served by the new index version
            row.set("searchable", "done", "Tìm được");
            row.message.replaceChildren(...docIds.map(id => el("a", { class: "new-doc", href: viewUrl(id, null), text: "Xem văn bản: " + id })));
            finish("added");
          } catch (err) { finish("refused", describeError(err)); }
          return;
        }
        const rejected = (body.rejected || [])[0];
        const reason = rejected ? (rejected.reason_vi || rejected.reason)
          : xhr.status === 403 ? "Không được phép thêm văn bản: " + T.vietnameseOnly((body.detail || "")) 
          : xhr.status === 413 ? "Tệp quá lớn so với giới hạn của máy chủ."
          : (body.detail || body.title || ("Lỗi máy chủ (" + xhr.status + ")"));
        finish("refused", reason);
      };
      function finish(state, reason) {
        row.item.dataset.state = state;
        if (state === "refused") {
          for (const [key] of STEPS) if (row.item.querySelector(`[data-step=${key}]`).dataset.state !== "done") row.set(key, "skipped");
          row.message.replaceChildren(el("span", { class: "refusal-reason", text: "Không nhận: " + reason }));
        }
        resolve();
      }
      xhr.send(form);
    });
  }

  function clearResults() {
    resultsBox.replaceChildren();
    answerBox.hidden = true;
    notes.hidden = true;
    factsBox.hidden = true;
    moreButton.hidden = true;
    renderFacets(null);
  }

  async function run() {
    const s = state();
    const mySeq = ++seq;
    homeBox.hidden = true;
    input.value = s.q;
    const radio = form.querySelector(`input[name=mode][value="${CSS.escape(s.mode)}"]`);
    if (radio) radio.checked = true;
    showFilters(s.filters);
    for (const a of document.querySelectorAll(".site-nav a")) {
      a.classList.toggle("active", a.dataset.nav === ((s.directive || s.view === "directives") ? "directives" : "search"));
    }
    try {
      if (s.directive || s.view === "directives") {
        clearResults();
        tabs.hidden = true;
        showView("directives");
        document.title = (s.directive || "Văn bản chỉ đạo") + " — Tra cứu văn bản";
        busy(true);
        await (s.directive ? directiveView(s.directive) : directivesView());
        return;
      }
      if (!s.q && s.view === "documents") {
        clearResults(); tabs.hidden = true; showView("documents");
        document.title = "Văn bản trong kho — Tra cứu văn bản";
        busy(true);
        await documentsView(s);
        return;
      }
      if (!s.q) { clearResults(); tabs.hidden = true; showView("results"); setStatus(""); await showHome(mySeq); return; }
      document.title = s.q + " — Tra cứu văn bản";
      tabs.hidden = !feats.compare;
      busy(true);
      setStatus("Đang tìm…", "busy");
      if (s.view === "compare") {
        answerBox.hidden = true; factsBox.hidden = true; renderFacets(null);
        showView("compare");
        await compareView(s, mySeq);
      } else {
        showView("results");
        factsShown = facts(s, mySeq);
        ask(s, mySeq);
        await searchView(s, mySeq);
      }
    } catch (err) {
      if (mySeq !== seq) return;
      clearResults();
      setStatus(describeError(err), "error");
      if (err instanceof T.ApiError && err.status === 401) { keyBox.open = true; keyInput.focus(); }
    } finally {
      if (mySeq === seq) { busy(false); document.body.dataset.state = "done"; }
    }
  }

  form.addEventListener("submit", ev => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    if (window.matchMedia("(max-width: 760px)").matches) setPanel(false);
    go({ q: input.value.trim(), view: state().view === "compare" ? "compare" : "results", directive: null,
         filters: Object.assign(state().filters, formFilters()) });
  });
  for (const radio of form.querySelectorAll("input[name=mode]")) {
    radio.addEventListener("change", () => { if (state().q) go({ mode: radio.value }); });
  }
  for (const a of tabs.querySelectorAll("a")) {
    a.addEventListener("click", ev => { ev.preventDefault(); go({ view: a.dataset.view, by: a.dataset.by || state().by }); });
  }
  moreButton.addEventListener("click", () => { shown += PAGE; run(); });
  window.addEventListener("popstate", () => { shown = PAGE; run(); });

  T.features().then(f => {
    feats = f;
    buildFilters();
    document.body.dataset.ready = "1";
    run();
  });
})();
