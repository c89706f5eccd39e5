/* tracuu: shared helpers for the search page and the document page (no dependencies). */
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
      try {
        const body = await response.json();
        detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      } catch (e) { /* not JSON */ }
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
        const searchGet = (paths["/search"] || {}).get || {};
        const params = (searchGet.parameters || []).map(p => p.name);
        const askPost = (paths["/ask"] || {}).post;
        let askFields = [];
        if (askPost) {
          try {
            const content = askPost.requestBody.content["application/json"].schema;
            const ref = content.$ref ? schemas[content.$ref.split("/").pop()] : content;
            askFields = Object.keys((ref && ref.properties) || {});
          } catch (e) { askFields = ["question", "k"]; }
        }
        return {
          ask: !!askPost,
          askFields,
          searchParams: params,
          documentsList: !!((paths["/documents"] || {}).get),
        };
      });
    }
    return featuresPromise;
  }

  /* Merge, clip and sort [start, end) highlight offsets. */
  function normalizeSpans(spans, length) {
    const sorted = (spans || [])
      .map(s => [Math.max(0, s[0] | 0), Math.min(length, s[1] | 0)])
      .filter(s => s[1] > s[0])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged = [];
    for (const s of sorted) {
      const last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    }
    return merged;
  }

  /* Append text[from:to] to `parent`, wrapping highlighted spans in <mark>. */
  function appendHighlighted(parent, text, spans, from = 0, to = text.length) {
    let pos = from;
    for (const [s, e] of spans) {
      if (e <= from || s >= to) continue;
      const a = Math.max(s, from), b = Math.min(e, to);
      if (a > pos) parent.appendChild(document.createTextNode(text.slice(pos, a)));
      const mark = document.createElement("mark");
      mark.textContent = text.slice(a, b);
      parent.appendChild(mark);
      pos = b;
    }
    if (pos < to) parent.appendChild(document.createTextNode(text.slice(pos, to)));
    return parent;
  }

  /* The window of about `width` characters holding the most highlighted characters. */
  function bestWindow(text, spans, width = 480) {
    if (text.length <= width + 80 || !spans.length) return [0, Math.min(text.length, text.length <= width + 80 ? text.length : width)];
    let best = [0, width], bestScore = -1;
    for (const [s] of spans) {
      const start = Math.max(0, Math.min(s - 80, text.length - width));
      const end = start + width;
      let score = 0;
      for (const [a, b] of spans) if (a >= start && b <= end) score += (b - a);
      if (score > bestScore) { bestScore = score; best = [start, end]; }
    }
    // widen to word boundaries
    let [start, end] = best;
    if (start > 0) { const sp = text.indexOf(" ", start); if (sp > 0 && sp - start < 30) start = sp + 1; }
    if (end < text.length) { const sp = text.lastIndexOf(" ", end); if (sp > start && end - sp < 30) end = sp; }
    return [start, end];
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function docPath(docId) {
    return docId.split("/").map(encodeURIComponent).join("/");
  }

  function viewUrl(docId, paragraph, extra = {}) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
    const qs = params.toString();
    return "/view/" + docPath(docId) + (qs ? "?" + qs : "") + "#p" + paragraph;
  }

  const META_LABELS = {
    province: "Tỉnh/thành", district: "Huyện/thị", issuer: "Cơ quan ban hành", doc_type: "Loại văn bản",
    number: "Số hiệu", date: "Ngày", period: "Giai đoạn", signer: "Người ký", year: "Năm", references: "Văn bản dẫn chiếu",
  };

  function metaValue(value) {
    if (value === null || value === undefined || value === "") return "";
    if (Array.isArray(value)) {
      if (value.length === 2 && value.every(v => typeof v === "number" || /^\d{4}$/.test(String(v)))) {
        return value[0] === value[1] ? String(value[0]) : value[0] + "–" + value[1];
      }
      return value.map(v => (v && typeof v === "object") ? (v.id || v.name || v.text || JSON.stringify(v)) : String(v)).join(", ");
    }
    if (typeof value === "object") {
      if ("first" in value || "start" in value || "from" in value) {
        const a = value.first ?? value.start ?? value.from, b = value.last ?? value.end ?? value.to;
        return a === b || b === undefined || b === null ? String(a) : a + "–" + b;
      }
      return value.name || value.id || value.text || "";
    }
    return String(value);
  }

  return { api, ApiError, describeError, features, getKey, setKey, normalizeSpans, appendHighlighted,
           bestWindow, el, docPath, viewUrl, META_LABELS, metaValue };
})();
