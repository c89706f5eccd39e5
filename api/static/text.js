/* tracuu: how a passage's text is shown — highlights merged, markdown emphasis without its
   asterisks, the window of a long passage worth showing — and how a document and a passage are
   named in one line (type · issuer · place · date; section, paragraph). Shared by the search page, the
   document page (through common.js) and the embeddable widget (GET /widget.js serves this file
   before widget.js), so a quote reads the same everywhere. No dependencies; one global,
   TracuuText, defined once however many times the file is loaded. */
window.TracuuText = window.TracuuText || (() => {
  "use strict";

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

  /* Markdown emphasis some sources carry ("**KT.GIÁM ĐỐC**", "(*có 04 vụ*)"): the marker
     characters to hide and the ranges to show bold or italic, as offsets into the text. */
  const EMPHASIS = /\*\*(?=\S)([\s\S]+?)(?<=\S)\*\*|(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])/gu;
  function emphasis(text) {
    const hidden = new Set(), styles = [];
    for (const m of text.matchAll(EMPHASIS)) {
      const w = m[1] !== undefined ? 2 : 1, a = m.index, b = m.index + m[0].length;
      for (let i = 0; i < w; i++) { hidden.add(a + i); hidden.add(b - 1 - i); }
      styles.push([a + w, b - w, w === 2 ? "strong" : "em"]);
    }
    // bold that spans two paragraphs ("**KT.GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC**"): each half alone
    const open = /^\s*\*\*(?=\S)/.exec(text), close = /(?<=\S)\*\*\s*$/.exec(text);
    if (open && !hidden.has(open[0].length - 1)) {
      hidden.add(open[0].length - 2); hidden.add(open[0].length - 1);
      styles.push([open[0].length, close && !hidden.has(close.index) ? close.index : text.length, "strong"]);
    }
    if (close && !hidden.has(close.index)) {
      hidden.add(close.index); hidden.add(close.index + 1);
      if (!open) styles.push([0, close.index, "strong"]);
    }
    return { hidden, styles };
  }

  function plainText(text) {
    if (!text) return "";
    const { hidden } = emphasis(text);
    if (!hidden.size) return text;
    let out = "";
    for (let i = 0; i < text.length; i++) if (!hidden.has(i)) out += text[i];
    return out;
  }

  /* Append text[from:to] to `parent`: highlighted spans in <mark>, markdown emphasis as
     <strong>/<em> with its asterisks dropped, `answer` (a phrase) in <mark class=answer-mark>. */
  function appendRich(parent, text, spans, from = 0, to = text.length, answer = null) {
    const { hidden, styles } = emphasis(text);
    const marks = normalizeSpans(spans, text.length);
    const answers = [];
    if (answer) {
      let i = text.indexOf(answer);
      while (i >= 0) { answers.push([i, i + answer.length]); i = text.indexOf(answer, i + answer.length); }
    }
    const cuts = new Set([from, to]);
    for (const list of [marks, answers, styles]) for (const [a, b] of list) { cuts.add(a); cuts.add(b); }
    const points = [...cuts].filter(p => p >= from && p <= to).sort((a, b) => a - b);
    const inside = (list, a) => list.find(([s, e]) => s <= a && a < e);
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      let piece = "";  // blank lines between list items collapse to one line break
      for (let j = a; j < b; j++) if (!hidden.has(j) && !(text[j] === "\n" && text[j - 1] === "\n")) piece += text[j];
      if (!piece) continue;
      let node = document.createTextNode(piece);
      const style = inside(styles, a);
      if (style) { const s = document.createElement(style[2]); s.append(node); node = s; }
      if (inside(answers, a)) { const m = document.createElement("mark"); m.className = "answer-mark"; m.append(node); node = m; }
      else if (inside(marks, a)) { const m = document.createElement("mark"); m.append(node); node = m; }
      parent.append(node);
    }
    return parent;
  }

  /* The window of about `width` characters holding the most highlighted characters. */
  function bestWindow(text, spans, width = 360) {
    if (text.length <= width + 80) return [0, text.length];
    if (!spans.length) return [0, width];
    let best = [0, width], bestScore = -1;
    for (const [s] of spans) {
      const start = Math.max(0, Math.min(s - 80, text.length - width));
      const end = start + width;
      let score = 0;
      for (const [a, b] of spans) if (a >= start && b <= end) score += (b - a);
      if (score > bestScore) { bestScore = score; best = [start, end]; }
    }
    let [start, end] = best;  // widen to word boundaries
    if (start > 0) { const sp = text.indexOf(" ", start); if (sp > 0 && sp - start < 30) start = sp + 1; }
    if (end < text.length) { const sp = text.lastIndexOf(" ", end); if (sp > start && end - sp < 30) end = sp; }
    return [start, end];
  }

  /* How a document and a passage are named in one line, on the page, the document view and the
     widget alike. */
  // one label per document type everywhere (facets, cards, the document view, directives)
  const DOC_TYPES = { "tin bài": "Bài viết", "báo cáo": "Báo cáo", "kết luận": "Kết luận", "chỉ thị": "Chỉ thị",
                      "nghị quyết": "Nghị quyết", "kế hoạch": "Kế hoạch", "quyết định": "Quyết định",
                      "quy chế": "Quy chế", "luật": "Luật", "bộ luật": "Bộ luật", "quy định": "Quy định",
                      "chương trình": "Chương trình", "hướng dẫn": "Hướng dẫn", "công văn": "Công văn",
                      "thông báo": "Thông báo", "thông tư": "Thông tư", "nghị định": "Nghị định",
                      "tờ trình": "Tờ trình", "tham luận": "Tham luận", "đề án": "Đề án" };

  function typeLabel(type) {  // "tin bài" → "Bài viết"; an unknown type capitalised
    if (!type) return "";
    const t = String(type);
    return DOC_TYPES[t.toLowerCase()] || t.charAt(0).toUpperCase() + t.slice(1);
  }

  function dateVi(date) {  // "2020-07-14" → "14/07/2020", "2020-07" → "07/2020"
    return date ? String(date).split("-").reverse().join("/") : "";
  }

  function periodVi(period) {
    if (!period || typeof period !== "object") return "";
    const a = period.from, b = period.to;
    return a === b || b === undefined || b === null ? String(a) : a + "–" + b;
  }

  /* "Báo cáo · Sở Nội vụ · Bắc Giang · 07/2020": what and whose a document is. */
  function docSubtitle(meta) {
    meta = meta || {};
    const type = typeLabel(meta.doc_type);
    const place = [meta.district, meta.province].filter(Boolean).join(", ");
    const when = meta.date ? dateVi(meta.date) : periodVi(meta.period);
    return [type, meta.issuer, place, when].filter(Boolean).join(" · ");
  }

  /* "mục B. II. 4.2, đoạn 37": where in its document a passage is. */
  function passageWhere(hit) {
    const where = [];
    const s = hit.section;
    if (s) where.push(/^(Điều|Chương|Mục|Phần)/.test(s) ? s : "mục " + s);
    const end = hit.paragraph_end;
    where.push(end && end !== hit.paragraph ? `đoạn ${hit.paragraph}–${end}` : `đoạn ${hit.paragraph}`);
    if (hit.page) where.push("trang " + hit.page);
    return where.join(", ");
  }

  return { normalizeSpans, emphasis, plainText, appendRich, bestWindow, DOC_TYPES, typeLabel, dateVi, periodVi,
           docSubtitle, passageWhere };
})();
