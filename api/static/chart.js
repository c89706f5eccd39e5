/* tracuu: the chart of a table of figures, drawn as inline SVG by the page itself (no library,
   no CDN: the page must work with no network but this server's).

   TracuuChart.draw(box, groups, columns, { mode, hrefOf, titleOf })
     groups:  [{ name, points: [{ column, value, raw, note, cell }] }]   one per row (a place)
     columns: the column keys in their order (years or periods)
     mode:    "bar"  — bars by place: a cluster per place, a bar per period
              "line" — lines by year: the periods along x, a line per place
   Every bar or point is an SVG <a> to its sentence (hrefOf(point)), as the table's cell is. */
"use strict";
const TracuuChart = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#0f4c81", "#d9822b", "#2e8540", "#b42318", "#6f42c1", "#00838f", "#8d6e63", "#5b6574"];
  const FONT = 12;

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    for (const c of children) if (c) node.append(c);
    return node;
  }

  /* Round axis steps (1, 2, 5 × 10^n) covering 0..max. */
  function ticks(max) {
    if (!(max > 0)) return [0, 1];
    const rough = max / 4, power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= rough);
    const out = [];
    for (let v = 0; v <= max + step * 0.001; v += step) out.push(v);
    if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
    return out;
  }

  const number = v => Number(v).toLocaleString("vi-VN", { maximumFractionDigits: 2 });

  /* A label cut to fit `chars` characters, the whole of it kept in a <title>. */
  function label(text, chars, attrs) {
    const cut = text.length > chars ? text.slice(0, Math.max(1, chars - 1)) + "…" : text;
    return svg("text", attrs, svg("title", {}, text), cut);
  }

  function colorOf(i) { return PALETTE[i % PALETTE.length]; }

  function draw(box, groups, columns, options) {
    const { mode, hrefOf, titleOf } = options;
    const values = groups.flatMap(g => g.points.map(p => p.value)).filter(v => Number.isFinite(v));
    const scale = ticks(Math.max(0, ...values));
    const top = scale[scale.length - 1] || 1;
    const yLabelWidth = Math.max(...scale.map(v => number(v).length)) * 7 + 10;
    const barMode = mode !== "line";
    // wide enough for its marks; wider than its box only when it must be (the box then scrolls, not the page)
    const slots = barMode ? groups.reduce((n, g) => n + Math.max(1, g.points.length), 0) + groups.length
                          : columns.length;
    // a bar at least 26 px, a place's cluster (its bars and the gap after) wide enough for ~11 characters
    const minSlot = barMode ? Math.max(26, ...groups.map(g => 80 / (Math.max(1, g.points.length) + 1))) : 70;
    const width = Math.max(box.clientWidth || 320, Math.ceil(yLabelWidth + slots * minSlot + 20));
    const height = 240, left = yLabelWidth, right = 12, top0 = 22, bottom = 40;
    const plotW = width - left - right, plotH = height - top0 - bottom;
    const y = v => top0 + plotH - (v / top) * plotH;
    const root = svg("svg", { class: "fact-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
                              "font-size": FONT, "font-family": "inherit" });
    root.append(svg("title", {}, options.title || "Biểu đồ"));
    for (const v of scale) {  // grid and y axis
      root.append(svg("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: "grid" }),
                  svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, number(v)));
    }
    root.append(svg("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), class: "axis-line" }));
    const marks = svg("g", { class: "marks" });
    if (barMode) {
      // a cluster per place; within it a bar per column, coloured by column (the legend says which)
      const unit = plotW / slots;
      let slot = 0.5;
      groups.forEach(g => {
        const n = Math.max(1, g.points.length);
        const x0 = left + slot * unit;
        const barW = Math.min(56, Math.max(4, unit - 4));  // a lone bar stays a bar, not a wall
        g.points.forEach((p, i) => {
          const x = x0 + i * unit, h = Math.max(1, y(0) - y(p.value || 0));
          const a = svg("a", { href: hrefOf(p), class: "bar", "data-row": g.name, "data-column": p.column,
                               "data-note": p.note, "aria-label": titleOf(g, p) },
            svg("title", {}, titleOf(g, p)),
            svg("rect", { x: x + (unit - barW) / 2, y: y(0) - h, width: barW, height: h,
                          fill: colorOf(columns.indexOf(p.column)), rx: 2 }),
            svg("text", { x: x + unit / 2, y: y(0) - h - 4, "text-anchor": "middle", class: "value" }, number(p.value)));
          marks.append(a);
        });
        root.append(label(g.name, Math.max(4, Math.floor((n + 1) * unit / 7)),
                          { x: x0 + (n * unit) / 2, y: height - bottom + 16, "text-anchor": "middle", class: "axis" }));
        slot += n + 1;
      });
    } else {
      // the columns along x; a line per place, coloured by place
      const step = plotW / Math.max(1, columns.length);
      const x = col => left + step * (columns.indexOf(col) + 0.5);
      columns.forEach(col => root.append(label(String(col), Math.max(4, Math.floor(step / 7)),
        { x: x(col), y: height - bottom + 16, "text-anchor": "middle", class: "axis" })));
      groups.forEach((g, gi) => {
        const color = colorOf(gi);
        const pts = g.points.filter(p => Number.isFinite(p.value));
        if (pts.length > 1) {
          marks.append(svg("polyline", { points: pts.map(p => `${x(p.column)},${y(p.value)}`).join(" "),
                                         fill: "none", stroke: color, "stroke-width": 2, class: "series" }));
        }
        for (const p of pts) {
          marks.append(svg("a", { href: hrefOf(p), class: "point", "data-row": g.name, "data-column": p.column,
                                  "data-note": p.note, "aria-label": titleOf(g, p) },
            svg("title", {}, titleOf(g, p)),
            svg("circle", { cx: x(p.column), cy: y(p.value), r: 6, fill: color, stroke: "#fff", "stroke-width": 2 }),
            svg("text", { x: x(p.column), y: y(p.value) - 10, "text-anchor": "middle", class: "value" }, number(p.value))));
        }
      });
    }
    root.append(marks);
    box.replaceChildren(root);
    return root;
  }

  return { draw, colorOf };
})();
