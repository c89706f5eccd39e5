/* tracuu search page: search, answer box, filters/facets (when the server has them). */
"use strict";
(() => {
  const { api, describeError, features, el, normalizeSpans, appendHighlighted, bestWindow, viewUrl,
          META_LABELS, metaValue } = Tracuu;
  const $ = sel => document.querySelector(sel);
  const form = $("#search-form"), input = $("#q"), statusBox = $("#status"), resultsBox = $("#results"),
        answerBox = $("#answer"), filtersBox = $("#filters"), facetsBox = $("#facets"), keyBox = $("#key-box");
  const K = 10;

  // filters the page knows how to show; only those the server accepts are rendered
  const FILTERS = [
    { name: "province", label: "Tỉnh/thành phố", type: "text", facet: "province", placeholder: "vd. Nghệ An" },
    { name: "district", label: "Huyện/thị xã", type: "text", facet: "district", placeholder: "vd. Bình Sơn" },
    { name: "doc_type", label: "Loại văn bản", type: "text", facet: "doc_type", placeholder: "vd. báo cáo" },
    { name: "year_from", label: "Từ năm", type: "number", placeholder: "2015" },
    { name: "year_to", label: "Đến năm", type: "number", placeholder: "2020" },
    { name: "references", label: "Dẫn chiếu văn bản", type: "text", facet: "references", placeholder: "vd. 114-KL/TW" },
  ];
  const FACET_LABELS = { province: "Tỉnh/thành phố", doc_type: "Loại văn bản", year: "Năm", district: "Huyện/thị xã",
                         references: "Văn bản dẫn chiếu" };
  const CONFIDENCE = { high: "cao", medium: "trung bình", low: "thấp" };
  let feats = { ask: false, askFields: [], searchParams: [], documentsList: false };
  let activeFilters = [];
  let searchSeq = 0;

  // --- API key ---------------------------------------------------------------------
  const keyInput = $("#api-key");
  keyInput.value = Tracuu.getKey();
  $("#save-key").addEventListener("click", () => { Tracuu.setKey(keyInput.value.trim()); keyBox.open = false; if (input.value.trim()) run(); });
  $("#clear-key").addEventListener("click", () => { keyInput.value = ""; Tracuu.setKey(""); });

  $("#widget-help").addEventListener("click", ev => {
    ev.preventDefault();
    const box = $("#widget-snippet");
    box.querySelector("pre").textContent =
      `<script src="${location.origin}/widget.js" data-endpoint="${location.origin}" data-key="KHÓA_API"></` + "script>";
    box.hidden = !box.hidden;
  });

  // --- filters -------------------------------------------------------------------------
  function buildFilters() {
    activeFilters = FILTERS.filter(f => feats.searchParams.includes(f.name));
    if (!activeFilters.length) return;
    filtersBox.hidden = false;
    filtersBox.append(el("span", { class: "filters-title", text: "Lọc:" }));
    for (const f of activeFilters) {
      const id = "f-" + f.name;
      const inputEl = el("input", { id, name: f.name, type: f.type, placeholder: f.placeholder,
                                    list: f.facet ? id + "-list" : null, min: f.type === "number" ? "1945" : null,
                                    max: f.type === "number" ? "2100" : null });
      inputEl.addEventListener("change", () => { if (input.value.trim()) run(); });
      filtersBox.append(el("label", { class: "filter", for: id }, el("span", { text: f.label }), inputEl,
                           f.facet ? el("datalist", { id: id + "-list" }) : null));
    }
    filtersBox.append(el("button", { type: "button", class: "secondary small", text: "Bỏ lọc",
                                     onclick: () => { clearFilters(); if (input.value.trim()) run(); } }));
    if (feats.documentsList) loadFilterValues();
  }

  function clearFilters() {
    for (const f of activeFilters) $("#f-" + f.name).value = "";
  }

  function filterValues() {
    const values = {};
    for (const f of activeFilters) {
      const v = $("#f-" + f.name).value.trim();
      if (v) values[f.name] = f.type === "number" ? Number(v) : v;
    }
    return values;
  }

  function addOptions(name, values) {
    const list = document.getElementById("f-" + name + "-list");
    if (!list) return;
    const have = new Set([...list.options].map(o => o.value));
    for (const v of values) if (v && !have.has(v)) { list.append(el("option", { value: v })); have.add(v); }
  }

  async function loadFilterValues() {
    try {
      const body = await api("/documents");
      const docs = Array.isArray(body) ? body : (body.documents || body.results || []);
      const seen = { province: [], district: [], doc_type: [], references: [] };
      for (const d of docs) {
        const m = d.metadata || d;
        for (const k of Object.keys(seen)) {
          const v = m[k];
          if (Array.isArray(v)) v.forEach(x => seen[k].push(metaValue(x)));
          else if (v) seen[k].push(metaValue(v));
        }
      }
      for (const [k, vs] of Object.entries(seen)) addOptions(k, [...new Set(vs)].sort((a, b) => a.localeCompare(b, "vi")));
    } catch (e) { /* suggestions are optional */ }
  }

  // --- facets --------------------------------------------------------------------------
  function facetEntries(value) {
    if (Array.isArray(value)) {
      return value.map(v => Array.isArray(v) ? [String(v[0]), v[1]] :
        [String(v.value ?? v.key ?? v.name ?? ""), v.count ?? v.n ?? 0]);
    }
    if (value && typeof value === "object") return Object.entries(value);
    return [];
  }

  function renderFacets(facets) {
    facetsBox.replaceChildren();
    if (!facets || typeof facets !== "object" || !Object.keys(facets).length) { facetsBox.hidden = true; return; }
    facetsBox.hidden = false;
    facetsBox.append(el("h2", { text: "Phân bố kết quả" }));
    for (const [name, value] of Object.entries(facets)) {
      const entries = facetEntries(value).filter(([k]) => k && k !== "null" && k !== "undefined");
      if (!entries.length) continue;
      entries.sort((a, b) => (b[1] - a[1]) || String(a[0]).localeCompare(String(b[0]), "vi"));
      addOptions(name, entries.map(e => e[0]));
      const list = el("ul");
      for (const [key, count] of entries) {
        const filterName = name === "year" ? "year_from" : name;
        const clickable = activeFilters.some(f => f.name === filterName);
        const label = el("span", { class: "facet-value", text: key });
        const item = clickable
          ? el("button", { type: "button", class: "facet-link", title: "Lọc theo " + key,
                           onclick: () => applyFacet(name, key) }, label, el("span", { class: "count", text: String(count) }))
          : el("span", { class: "facet-link static" }, label, el("span", { class: "count", text: String(count) }));
        list.append(el("li", {}, item));
      }
      facetsBox.append(el("section", { class: "facet" }, el("h3", { text: FACET_LABELS[name] || name }), list));
    }
  }

  function applyFacet(name, key) {
    if (name === "year") {
      for (const n of ["year_from", "year_to"]) { const i = document.getElementById("f-" + n); if (i) i.value = key; }
    } else {
      const i = document.getElementById("f-" + name);
      if (i) i.value = key;
    }
    run();
  }

  // --- results -------------------------------------------------------------------------
  function metaChips(meta) {
    if (!meta || typeof meta !== "object") return null;
    const chips = el("div", { class: "chips" });
    for (const name of ["province", "district", "doc_type", "date", "period"]) {
      const v = metaValue(meta[name]);
      if (v) chips.append(el("span", { class: "chip chip-" + name, title: META_LABELS[name] || name, text: v }));
    }
    return chips.childNodes.length ? chips : null;
  }

  function renderHit(hit, query) {
    const text = hit.text || "";
    const spans = normalizeSpans(hit.highlights, text.length);
    const [start, end] = bestWindow(text, spans);
    const snippet = el("p", { class: "snippet" });
    const pre = el("span", { class: "clip-pre" }), post = el("span", { class: "clip-post" });
    appendHighlighted(pre, text, spans, 0, start);
    appendHighlighted(post, text, spans, end, text.length);
    snippet.append(start > 0 ? el("span", { class: "ellipsis", text: "… " }) : "", pre);
    appendHighlighted(snippet, text, spans, start, end);
    snippet.append(post, end < text.length ? el("span", { class: "ellipsis", text: " …" }) : "");
    const clipped = start > 0 || end < text.length;
    const toggle = clipped ? el("button", {
      type: "button", class: "link-button", text: "Hiện toàn bộ đoạn trích",
      onclick: ev => {
        const open = snippet.classList.toggle("expanded");
        ev.target.textContent = open ? "Thu gọn" : "Hiện toàn bộ đoạn trích";
      } }) : null;
    const href = viewUrl(hit.doc_id, hit.paragraph, { passage: hit.passage_id, q: query });
    return el("li", { class: "hit", "data-passage-id": hit.passage_id, "data-doc-id": hit.doc_id },
      el("div", { class: "hit-head" },
        el("span", { class: "rank", text: String(hit.rank) }),
        el("a", { class: "hit-title", href, text: hit.title || hit.doc_id })),
      el("div", { class: "citation" }, el("span", { class: "cite-label", text: "Trích dẫn: " }),
        el("cite", { text: hit.citation })),
      metaChips(hit.metadata),
      snippet,
      el("div", { class: "hit-foot" },
        el("a", { class: "view-link", href, text: "Xem đoạn " + hit.paragraph + " trong văn bản →" }),
        toggle,
        el("span", { class: "score", title: "điểm xếp hạng", text: "điểm " + Number(hit.score).toFixed(4) })));
  }

  function renderResults(response, query) {
    resultsBox.replaceChildren();
    const results = response.results || [];
    for (const hit of results) resultsBox.append(renderHit(hit, query));
    renderFacets(response.facets);
    return results.length;
  }

  // --- answer --------------------------------------------------------------------------
  function confidenceText(c) {
    if (c === null || c === undefined) return "";
    if (typeof c === "number") return (c <= 1 ? Math.round(c * 100) : Math.round(c)) + "%";
    return CONFIDENCE[c] || String(c);
  }
  function confidenceClass(c) {
    if (typeof c === "number") c = c >= 0.7 ? "high" : c >= 0.4 ? "medium" : "low";
    return "conf-" + (CONFIDENCE[c] ? c : "low");
  }

  function quoteWithAnswer(sentence, answer) {
    const q = el("blockquote", { class: "evidence-quote" });
    const i = answer ? sentence.indexOf(answer) : -1;
    if (i < 0) { q.textContent = sentence; return q; }
    q.append(sentence.slice(0, i), el("mark", { class: "answer-mark", text: answer }), sentence.slice(i + answer.length));
    return q;
  }

  function renderAnswer(body, query) {
    answerBox.replaceChildren();
    answerBox.hidden = false;
    answerBox.classList.remove("loading");
    const head = el("div", { class: "answer-head" }, el("h2", { text: "Câu trả lời" }));
    const conf = confidenceText(body.confidence);
    if (conf) head.append(el("span", { class: "confidence " + confidenceClass(body.confidence), text: "Độ tin cậy: " + conf }));
    answerBox.append(head);
    if (body.answer) {
      answerBox.append(el("p", { class: "answer-text", text: body.answer }));
    } else {
      const why = body.reason || body.explanation || body.why || body.message || body.note || "";
      answerBox.append(el("p", { class: "answer-none", text: "Chưa tìm thấy câu trả lời có căn cứ trong kho văn bản." }));
      if (why) answerBox.append(el("p", { class: "answer-why", text: typeof why === "string" ? why : JSON.stringify(why) }));
    }
    const evidence = body.evidence || [];
    if (body.answer && evidence.length) {
      const list = el("ul", { class: "evidence" });
      for (const ev of evidence) {
        const href = viewUrl(ev.doc_id, ev.paragraph, { passage: ev.passage_id, hl: body.answer });
        list.append(el("li", {},
          quoteWithAnswer(ev.sentence || "", body.answer),
          el("div", { class: "citation" }, el("span", { class: "cite-label", text: "Nguồn: " }),
            el("a", { href, class: "evidence-link" }, el("cite", { text: ev.citation || ev.title })))));
      }
      answerBox.append(list);
    }
  }

  async function ask(query, filters, seq) {
    answerBox.hidden = false;
    answerBox.classList.add("loading");
    answerBox.replaceChildren(el("p", { class: "answer-pending", text: "Đang tìm câu trả lời…" }));
    const body = { question: query };
    if (feats.askFields.includes("k")) body.k = 5;
    for (const [k, v] of Object.entries(filters)) if (feats.askFields.includes(k)) body[k] = v;
    try {
      const answer = await api("/ask", { method: "POST", body });
      if (seq === searchSeq) renderAnswer(answer, query);
    } catch (err) {
      if (seq !== searchSeq) return;
      if (err instanceof Tracuu.ApiError && (err.status === 404 || err.status === 405)) { feats.ask = false; }
      answerBox.hidden = true;
    }
  }

  // --- search --------------------------------------------------------------------------
  function currentMode() { return (form.querySelector("input[name=mode]:checked") || {}).value || "hybrid"; }

  function setStatus(text, kind = "") {
    statusBox.textContent = text;
    statusBox.className = "status " + kind;
  }

  async function run(push = true) {
    const query = input.value.trim();
    if (!query) return;
    const seq = ++searchSeq;
    const mode = currentMode();
    const filters = filterValues();
    const params = new URLSearchParams({ q: query, k: String(K), mode });
    for (const [k, v] of Object.entries(filters)) params.set(k, String(v));
    if (push) {
      const pageParams = new URLSearchParams(params); pageParams.delete("k");
      history.pushState(null, "", "/?" + pageParams.toString());
    }
    document.title = query + " — Tra cứu văn bản";
    setStatus("Đang tìm…", "busy");
    document.body.classList.add("searching");
    if (feats.ask) ask(query, filters, seq); else answerBox.hidden = true;
    try {
      const response = await api("/search?" + params.toString());
      if (seq !== searchSeq) return;
      const n = renderResults(response, query);
      setStatus(n ? `${n} đoạn văn phù hợp (${Math.round(response.took_ms)} ms)` :
        "Không tìm thấy đoạn văn nào phù hợp. Hãy thử từ khóa khác hoặc bỏ bớt bộ lọc.", n ? "" : "empty");
    } catch (err) {
      if (seq !== searchSeq) return;
      resultsBox.replaceChildren();
      answerBox.hidden = true;
      setStatus(describeError(err), "error");
      if (err instanceof Tracuu.ApiError && err.status === 401) { keyBox.open = true; keyInput.focus(); }
    } finally {
      if (seq === searchSeq) document.body.classList.remove("searching");
    }
  }

  form.addEventListener("submit", ev => { ev.preventDefault(); run(); });
  for (const radio of form.querySelectorAll("input[name=mode]")) radio.addEventListener("change", () => { if (input.value.trim()) run(); });

  function fromUrl() {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    const mode = params.get("mode");
    const radio = mode && form.querySelector(`input[name=mode][value="${CSS.escape(mode)}"]`);
    if (radio) radio.checked = true;
    for (const f of activeFilters) { const v = params.get(f.name); $("#f-" + f.name).value = v || ""; }
    if (input.value.trim()) run(false);
  }
  window.addEventListener("popstate", fromUrl);

  features().then(f => { feats = f; buildFilters(); document.body.dataset.ready = "1"; fromUrl(); });
})();
