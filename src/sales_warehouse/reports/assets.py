"""The site's own stylesheet and script (written into assets/; nothing is fetched from anywhere).

reports.js only sorts tables and shows hidden rows: every chart is SVG drawn at build time, so a
page reads fine with scripts off.
"""

from __future__ import annotations

CSS = """
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #fff;
  --accent: #2563eb; --good: #15803d; --bad: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink); background: var(--bg); display: flex; min-height: 100vh; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
aside.nav { width: 220px; flex: none; background: #0f172a; color: #cbd5e1; padding: 18px 0;
  position: sticky; top: 0; height: 100vh; overflow-y: auto; }
aside.nav .brand { font-weight: 700; font-size: 15px; padding: 0 18px 14px; }
aside.nav .brand a { color: #fff; }
aside.nav ul { list-style: none; margin: 0; padding: 0; }
aside.nav li a { display: block; padding: 6px 18px; color: #cbd5e1; }
aside.nav li a:hover { background: #1e293b; text-decoration: none; }
aside.nav li.current a { background: #1e40af; color: #fff; }
aside.nav .build-info { font-size: 11px; color: #94a3b8; padding: 14px 18px; border-top: 1px solid #1e293b;
  margin-top: 14px; }
main { flex: 1; min-width: 0; padding: 24px 36px 48px; max-width: 1240px; }
.crumbs { font-size: 12px; color: var(--muted); margin-bottom: 4px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; }
h3 { font-size: 16px; margin: 20px 0 6px; } h4 { font-size: 14px; margin: 0 0 6px; }
p.description { color: var(--muted); margin: 0 0 16px; }
p { max-width: 860px; }
.row { display: flex; flex-wrap: wrap; gap: 14px; align-items: stretch; margin: 10px 0; }
.row > .component { flex: 1 1 420px; }
.component { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  margin: 10px 0; min-width: 0; }
.component .subtitle { color: var(--muted); margin: -4px 0 6px; font-size: 12px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 100%; overflow: visible; }
svg.chart text { font-size: 11px; fill: #334155; }
svg.chart .tick { fill: var(--muted); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .line { fill: none; stroke-width: 2; }
svg.chart .pt:hover, svg.chart .bar:hover, svg.chart .cell:hover { opacity: 0.75; }
svg.chart.many .pt { opacity: 0; } svg.chart.many .pt:hover { opacity: 1; }
svg.chart .ref { stroke: #0f172a; stroke-dasharray: 4 3; stroke-width: 1.2; }
svg.chart .ref-label, svg.chart .sub-label { fill: var(--muted); font-size: 10.5px; }
svg.chart .value-label { font-weight: 600; }
svg.chart .cell-label { fill: #1e293b; } svg.chart .cell-label.light { fill: #fff; }
svg.sparkline { width: 120px; height: 30px; display: block; overflow: visible; }
svg.sparkline polyline { stroke-width: 1.6; }
td.spark svg.sparkline { width: 90px; height: 22px; }
.big-value { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px;
  flex: 1 1 200px; min-width: 190px; max-width: 320px; }
.bv-title { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.bv-value { font-size: 26px; font-weight: 700; margin: 2px 0; white-space: nowrap; }
.bv-compare, .bv-target { font-size: 12px; margin: 2px 0; }
.bv-target .progress { display: block; height: 5px; background: var(--line); border-radius: 3px;
  margin-top: 3px; }
.bv-target .progress span { display: block; height: 100%; border-radius: 3px; background: var(--warn); }
.bv-target.good .progress span { background: var(--good); }
.bv-target.bad .progress span { background: var(--bad); }
.muted { color: var(--muted); }
.delta { font-weight: 600; white-space: nowrap; }
.delta.good { color: var(--good); } .delta.bad { color: var(--bad); }
.delta.flat { color: var(--muted); }
.value { font-weight: 600; }
.no-data { color: var(--muted); font-style: italic; padding: 18px 0; text-align: center; }
.callout { border-left: 4px solid var(--accent); background: #eff6ff; padding: 8px 14px; border-radius: 4px;
  margin: 12px 0; } .callout p { margin: 4px 0; }
.table-wrap { overflow-x: auto; }
table.data-table { border-collapse: collapse; width: 100%; font-size: 13px; }
table.data-table th { text-align: left; font-weight: 600; color: #334155;
  border-bottom: 2px solid var(--line);
  padding: 6px 8px; cursor: pointer; white-space: nowrap; user-select: none; }
table.data-table th.num, table.data-table td.num { text-align: right; }
table.data-table th[aria-sort="ascending"]::after { content: " ▲"; font-size: 9px; }
table.data-table th[aria-sort="descending"]::after { content: " ▼"; font-size: 9px; }
table.data-table td { padding: 5px 8px; border-bottom: 1px solid var(--line);
  font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data-table td.long { white-space: normal; min-width: 260px; }
.row > .component.data-table { flex-basis: 560px; }
table.data-table tfoot td { font-weight: 700; border-top: 2px solid var(--line); }
table.data-table tbody tr:hover { background: #f1f5f9; }
td.good { color: var(--good); font-weight: 600; } td.bad { color: var(--bad); font-weight: 600; }
td.warn { color: var(--warn); font-weight: 600; } td.pos { color: var(--good); } td.neg { color: var(--bad); }
td.bar { background: linear-gradient(90deg, #dbeafe var(--bar), transparent var(--bar)); }
.badge { display: inline-block; background: #fee2e2; color: var(--bad); border-radius: 10px; font-size: 11px;
  padding: 0 7px; font-weight: 600; }
button.show-more { margin-top: 6px; border: 1px solid var(--line); background: #fff; border-radius: 6px;
  padding: 4px 10px; cursor: pointer; color: var(--accent); }
details.queries { margin-top: 36px; color: var(--muted); }
details.queries pre { background: #f1f5f9; padding: 8px;
  border-radius: 6px; overflow-x: auto; font-size: 12px; color: var(--ink); }
pre { background: #f1f5f9; padding: 8px; border-radius: 6px; overflow-x: auto; }
ul.page-list li { margin: 4px 0; }
footer { margin-top: 28px; font-size: 12px; color: var(--muted); }
@media print { aside.nav { display: none; } main { padding: 0; } }
"""

JS = """
(function () {
  "use strict";
  function value(cell) {
    var raw = cell.getAttribute("data-v");
    if (raw === null || raw === "") { return null; }
    var number = Number(raw);
    return isNaN(number) ? raw.toLowerCase() : number;
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    rows.sort(function (a, b) {
      var x = value(a.cells[index]), y = value(b.cells[index]);
      if (x === y) { return Number(a.getAttribute("data-row")) - Number(b.getAttribute("data-row")); }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () { sortBy(table, index, th); });
    });
  });
  document.querySelectorAll("button.show-more").forEach(function (button) {
    button.addEventListener("click", function () {
      button.parentNode.querySelectorAll("tr.more").forEach(function (row) { row.hidden = false; });
      button.remove();
    });
  });
})();
"""
