/* tracuu: shared helpers for the search page and the document page (after text.js). */
"use strict";
const Tracuu = (() => {
  const KEY_STORE = "tracuu.apiKey";

  function getKey() {
    try { return localStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; }
  }
  function setKey(value) {
    try {
      if (value) localStorage.setItem(KEY_STORE, value); else localStorage.removeItem(KEY_STORE);
    } catch (e) { /* private mode: the key lives for this page only */ }
  }

  class ApiError extends Error {
    constructor(status, detail, retryAfter) {
      super(detail || ("HTTP " + status));
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  /* The message of an error body: problem details (title/detail) or FastAPI's {detail}. */
  function errorDetail(body) {
    if (!body || typeof body !== "object") return "";
    const d = body.detail;
    if (typeof d === "string" && d) return d;
    if (Array.isArray(d)) return d.map(e => (e && e.msg) ? ((e.loc || []).slice(1).join(".") + ": " + e.msg) : String(e)).join("; ");
    return body.title || (d ? JSON.stringify(d) : "");
  }

  async function api(path, options = {}) {
    const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    const key = getKey();
    if (key) headers["Authorization"] = "Bearer " + key;
    if (options.body !== undefined && typeof options.body !== "string") {
      headers["Content-Type"] = "application/json";
      options = Object.assign({}, options, { body: JSON.stringify(options.body) });
    }
    const response = await fetch(path, Object.assign({}, options, { headers }));
    if (!response.ok) {
      let detail = "";
      try { detail = errorDetail(await response.json()); } catch (e) { /* not JSON */ }
      throw new ApiError(response.status, detail, response.headers.get("Retry-After"));
    }
    return response.json();
  }

  function describeError(err) {
    if (!(err instanceof ApiError)) return "Không kết nối được máy chủ: " + err.message;
    if (err.status === 401) return "Máy chủ yêu cầu khóa API. Hãy nhập khóa trong mục “Khóa API”.";
    if (err.status === 403) return "Khóa API này không có quyền thực hiện thao tác: " + err.message;
    if (err.status === 429) return "Quá nhiều yêu cầu. Vui lòng thử lại sau " + (err.retryAfter || "ít") + " giây.";
    if (err.status === 404) return "Không tìm thấy: " + err.message;
    if (err.status === 422) return "Yêu cầu không hợp lệ: " + err.message;
    return "Lỗi máy chủ (" + err.status + "): " + err.message;
  }

  /* The server's features, from its OpenAPI description (public even with keys). */
  let featuresPromise = null;
  function features() {
    if (!featuresPromise) {
      featuresPromise = fetch("/openapi.json").then(r => r.ok ? r.json() : {}).catch(() => ({})).then(spec => {
        const paths = spec.paths || {};
        const schemas = (spec.components || {}).schemas || {};
        const bodyFields = op => {
          try {
            const content = op.requestBody.content["application/json"].schema;
            const ref = content.$ref ? schemas[content.$ref.split("/").pop()] : content;
            return Object.keys((ref && ref.properties) || {});
          } catch (e) { return []; }
        };
        const params = op => ((op || {}).parameters || []).map(p => p.name);
        const askPost = (paths["/ask"] || {}).post;
        const comparePost = (paths["/compare"] || {}).post;
        return {
          ask: !!askPost,
          askFields: askPost ? bodyFields(askPost) : [],
          compare: !!comparePost,
          compareFields: comparePost ? bodyFields(comparePost) : [],
          searchParams: params((paths["/search"] || {}).get),
          documentSearch: !!(paths["/search/documents"] || {}).get,
          documentsList: !!((paths["/documents"] || {}).get),
          directives: !!((paths["/directives"] || {}).get),
          precedents: !!((paths["/precedents"] || {}).get),
          facts: !!((paths["/facts"] || {}).get),
          factsParams: params((paths["/facts"] || {}).get),
        };
      });
    }
    return featuresPromise;
  }

  /* Merge, clip and sort [start, end) highlight offsets. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
    return node;
  }

  function docPath(docId) {
    return docId.split("/").map(encodeURIComponent).join("/");
  }

  function viewUrl(docId, paragraph, extra = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
    const qs = params.toString();
    return "/view/" + docPath(docId) + (qs ? "?" + qs : "") + (paragraph ? "#p" + paragraph : "");
  }

  function directiveUrl(id) { return "/?directive=" + encodeURIComponent(id); }

  const META_LABELS = {
    issuer: "Cơ quan ban hành", number: "Số hiệu", date: "Ngày", signer: "Người ký", signer_title: "Chức vụ người ký", subject: "Trích yếu", period: "Giai đoạn",
    doc_type: "Loại văn bản", province: "Tỉnh/thành", district: "Huyện/thị", references: "Văn bản dẫn chiếu",
  };
  // how a document and a passage are named in one line: api/static/text.js, shared with the widget
  const { DOC_TYPES, typeLabel, dateVi, periodVi, docSubtitle, passageWhere } = TracuuText;

  function metaValue(value, name) {
    if (value === null || value === undefined || value === "") return "";
    if (name === "date") return dateVi(value);
    if (name === "period") return periodVi(value);
    if (name === "doc_type") return typeLabel(value);
    if (name === "number" && String(value).startsWith("/")) return "…" + value;  // "Số: /BC-SNV": left blank
    if (Array.isArray(value)) return value.map(v => (v && typeof v === "object") ? (v.id || v.name || "") : String(v)).join(", ");
    if (typeof value === "object") return value.name || value.id || periodVi(value);
    return String(value);
  }

  /* Server reasons come as "Vietnamese (English)": the page speaks Vietnamese. */
  function vietnameseOnly(text) {
    if (!text) return "";
    let out = String(text).trim();
    const m = /\s*\(([^()]*)\)\s*\.?\s*$/.exec(out);
    if (m) {  // a trailing aside in (mostly unaccented, English) words is the translation
      const letters = m[1].match(/\p{L}/gu) || [];
      const ascii = letters.filter(c => c < "\u0080").length;
      if (letters.length && ascii / letters.length > 0.9 && /^[a-z]/.test(m[1].trim())) out = out.slice(0, m.index);
    }
    return out.replace(/([^.!?…])$/, "$1.");
  }

  /* A request that changes the index (upload, withdrawal): the key if any, and the header that
     tells the server it comes from its own page (api/security.py). */
  const WRITE_HEADER = { "X-Requested-With": "tracuu-page" };
  function writeHeaders() {
    const headers = Object.assign({ "Accept": "application/json" }, WRITE_HEADER);
    const key = getKey();
    if (key) headers["Authorization"] = "Bearer " + key;
    return headers;
  }

  /* Who may add documents here ("open", "admin", "off"), from /health (public). */
  function updatesMode() {
    return fetch("/health", { headers: { "Accept": "application/json" } }).then(r => r.ok ? r.json() : {})
      .then(h => h.updates || "off").catch(() => "off");
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
    } catch (e) { /* fall back below */ }
    const area = el("textarea", { class: "copy-buffer", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  /* Save a file the API serves (an export), sending the API key like every request does: a plain
     link cannot carry the Authorization header a server with keys asks for. */
  async function download(path, filename) {
    const headers = {};
    const key = getKey();
    if (key) headers["Authorization"] = "Bearer " + key;
    const response = await fetch(path, { headers });
    if (!response.ok) {
      let detail = "";
      try { detail = errorDetail(await response.json()); } catch (e) { /* not JSON */ }
      throw new ApiError(response.status, detail, response.headers.get("Retry-After"));
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  const { normalizeSpans, appendRich, plainText, bestWindow } = TracuuText;  // api/static/text.js
  return { api, ApiError, describeError, features, getKey, setKey, normalizeSpans, appendRich, plainText,
           bestWindow, el, docPath, viewUrl, directiveUrl, META_LABELS, metaValue, docSubtitle, passageWhere,
           vietnameseOnly, copyText, download, dateVi, periodVi, typeLabel, writeHeaders, updatesMode };
})();
