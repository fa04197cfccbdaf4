"""Standalone HTML leaderboards: tables plus plots embedded as base64 PNG.

A page has no external resources (no scripts, no stylesheets, no image files), so it
can be mailed, attached to a CI run or published as is. Plots need the per-clip scores
of the results store; for each pipeline on a dataset they show its *representative*
run, the seed whose EER is the median of its seeds (the lower one for an even count).
"""

from __future__ import annotations

import datetime as _dt
import html
import logging
from collections import OrderedDict, defaultdict
from typing import Any, Sequence

from ..leaderboard import ALPHA, MARKER, Grid, build_grids, cross_grids, pipeline_labels, pivot_grid, table_grid
from .text import fmt_cell, fmt_p
from ..stats import mean_std

log = logging.getLogger("fakebench")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1.05em}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em}
th,td{padding:0.3em 0.7em;border-bottom:1px solid #e4e4e4;text-align:left}
th{border-bottom:2px solid #444}td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody.section{border-top:2px solid #999}
.note{color:#555;font-size:0.85em;margin:0.2em 0}
figure{display:inline-block;margin:0.4em;vertical-align:top}figcaption{font-size:0.8em;color:#555}
img{max-width:100%}nav a{margin-right:1em}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2";font-size:0.7em}
table.sortable th[aria-sort=descending]::after{content:" \\25BC";font-size:0.7em}
"""

#: Click (or Enter on) a column header of a ``table.sortable`` to sort its rows by that
#: column, again to reverse. Cells sort by their leading number when both have one
#: ("12.3 ± 0.4", "8.51*"), else as text; empty and "–" cells stay last. Rows move only
#: within their own ``tbody`` (table sections stay apart). No external resources.
SORT_JS = r"""<script>
(function () {
  function key(cell) {
    var t = (cell ? cell.textContent : "").trim();
    if (t === "" || t === "\u2013" || t === "-") return {missing: true};
    var m = t.replace(/,/g, "").match(/^[-+\u2212]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i);
    return m ? {num: parseFloat(m[0].replace("\u2212", "-"))} : {text: t.toLowerCase()};
  }
  function compare(a, b) {
    if (a.num !== undefined && b.num !== undefined) return a.num - b.num;
    if (a.num !== undefined) return -1;
    if (b.num !== undefined) return 1;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }
  function sortBy(table, th, col) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (r1, r2) {
        var a = key(r1.cells[col]), b = key(r2.cells[col]);
        if (a.missing || b.missing) return (a.missing ? 1 : 0) - (b.missing ? 1 : 0);
        var c = compare(a, b);
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead || !table.tHead.rows.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = "Click to sort by this column (again to reverse)";
      th.addEventListener("click", function () { sortBy(table, th, col); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, col); }
      });
    });
  });
})();
</script>"""


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _metric_td(cell: dict[str, Any] | None, digits: int) -> str:
    if cell is None:
        return '<td class="num">–</td>'
    text = _esc(fmt_cell(cell, digits))
    tip = "per seed: " + ", ".join(f"{v:.4g}" for v in cell["values"])
    if cell["p"] is not None:
        tip += f"; U test vs best p = {fmt_p(cell['p'])}"
    if cell["best"]:
        text = f"<strong>{text}</strong>"
    elif cell["sig"]:
        text += f"<sup>{_esc(MARKER)}</sup>"
    return f'<td class="num" title="{_esc(tip)}">{text}</td>'


def grid_html(grid: Grid, digits: int = 2) -> str:
    out = []
    if grid.title:
        out.append(f"<h3>{_esc(grid.title)}</h3>")
    out.append('<table class="sortable">')
    out.append("<thead><tr>" + "".join(f"<th>{_esc(c.label)}</th>" for c in grid.columns) + "</tr></thead>")
    out.append("<tbody>")
    for i, row in enumerate(grid.rows):
        if i in grid.breaks:
            out.append('</tbody><tbody class="section">')
        cells = []
        for v, c in zip(row, grid.columns):
            if c.metric:
                cells.append(_metric_td(v, digits))
            elif c.key.endswith("_p_vs_best"):
                cells.append(f'<td class="num">{_esc(fmt_p(v))}</td>')
            else:
                cells.append(f"<td>{_esc('' if v is None else v)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    out += [f'<p class="note">{_esc(n)}</p>' for n in grid.notes]
    return "\n".join(out)


def page(title: str, body: Sequence[str]) -> str:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="note">Generated by fakebench on {stamp} from stored result records. Labels: 1 = fake; '
        "higher score = more likely fake.</p>",
        *body, SORT_JS, "</body>", "</html>", "",
    ])


def grids_page(grids: Sequence[Grid], digits: int = 2, title: str = "fakebench leaderboard") -> str:
    return page(title, [grid_html(g, digits) for g in grids])


# -- figures --------------------------------------------------------------------------------


def representative(recs: Sequence[dict[str, Any]], metric: str = "eer") -> dict[str, Any]:
    """The run whose ``metric`` is the median of the group (lower median)."""
    scored = sorted((r for r in recs if (r.get("metrics") or {}).get(metric) is not None),
                    key=lambda r: r["metrics"][metric])
    if not scored:
        return recs[0]
    return scored[(len(scored) - 1) // 2]


def _figure(caption: str, png: bytes, alt: str) -> str:
    from .plots import data_uri

    return (f'<figure><img src="{data_uri(png)}" alt="{_esc(alt)}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def dataset_figures(records: Sequence[dict[str, Any]], store: Any, dataset: str) -> list[str]:
    """DET and ROC of every pipeline, then per pipeline its score histogram and
    confusion matrix, then per-system EER bars (mean ± std over seeds)."""
    from . import plots

    groups: "OrderedDict[str, list[dict[str, Any]]]" = OrderedDict()
    for r in records:
        groups.setdefault(r.get("group_key") or r["run_id"], []).append(r)
    names = pipeline_labels(records)
    curves, singles = [], []
    for recs in groups.values():
        rep = representative(recs)
        label = names[rep["run_id"]] + (f" ({len(recs)} seeds: seed {rep.get('seed')})" if len(recs) > 1 else "")
        try:
            rows = [r for r in store.scores(rep) if r.get("split", "eval") == "eval"]
        except OSError as e:
            log.warning("no plots for %s: its scores file is unreadable (%s)", rep["run_id"], e)
            continue
        scores = [float(r["score"]) for r in rows]
        labels = [int(r["label"]) for r in rows]
        if rows and 0 < sum(labels) < len(labels):
            curves.append((label, scores, labels))
        if rows:
            singles.append((rep, label, scores, labels))
    out = []
    if curves:
        out.append(_figure(f"DET curves on {dataset} (probit axes; dots: EER)",
                           plots.det_plot(curves, f"DET — {dataset}"), f"DET curve {dataset}"))
        out.append(_figure(f"ROC curves on {dataset}", plots.roc_plot(curves, f"ROC — {dataset}"),
                           f"ROC curve {dataset}"))
    for rep, label, scores, labels in singles:
        out.append(_figure(f"{label}: eval scores, real vs fake",
                           plots.score_histogram(scores, labels, rep.get("threshold"), label),
                           f"score histogram {label}"))
        if rep.get("confusion"):
            out.append(_figure(f"{label}: confusion at threshold {rep.get('threshold', 0):.3g} "
                               f"({rep.get('threshold_source', 'detector')})",
                               plots.confusion_plot(rep["confusion"], label), f"confusion matrix {label}"))
    bars: dict[str, dict[str, tuple[float, float | None]]] = {}
    for recs in groups.values():
        per_system: dict[str, list[float]] = defaultdict(list)
        for r in recs:
            for system, entry in ((r.get("breakdowns") or {}).get("system") or {}).items():
                if entry.get("eer") is not None:
                    per_system[system].append(entry["eer"])
        if per_system:
            bars[names[recs[0]["run_id"]]] = {s: mean_std(v) for s, v in per_system.items()}
    if bars:
        out.append(_figure(f"EER per system on {dataset}: all real eval clips against that system's fakes "
                           "(mean ± std over seeds)", plots.system_bars(bars, title=f"EER per system — {dataset}"),
                           f"per-system EER {dataset}"))
    return out


# -- pages ----------------------------------------------------------------------------------


def by_dataset(records: Sequence[dict[str, Any]]) -> "OrderedDict[str, list[dict[str, Any]]]":
    out: "OrderedDict[str, list[dict[str, Any]]]" = OrderedDict()
    for r in sorted(records, key=lambda r: r["dataset"]["name"]):
        out.setdefault(r["dataset"]["name"], []).append(r)
    return out


def leaderboard_page(records: Sequence[dict[str, Any]], store: Any = None, metrics: Sequence[str] | None = None,
                     sort_by: str | None = None, alpha: float = ALPHA, digits: int = 2,
                     title: str = "fakebench leaderboard", links: dict[str, str] | None = None) -> str:
    """One standalone page: the main table, the pipeline x dataset pivot and the
    cross-dataset matrices when there are several datasets, then figures per dataset
    (when ``store`` is given)."""
    body = []
    if links:
        body.append("<nav>" + "".join(f'<a href="{_esc(href)}">{_esc(text)}</a>' for text, href in links.items())
                    + "</nav>")
    body.append("<h2>Leaderboard</h2>")
    body.append(grid_html(table_grid(records, metrics, sort_by, alpha), digits))
    datasets = by_dataset(records)
    metric = sort_by or (list(metrics)[0] if metrics else "eer")
    if len(datasets) > 1 and any(r.get("metrics", {}).get(metric) is not None for r in records):
        try:
            body.append(grid_html(pivot_grid(records, metric, "pipeline", "dataset", alpha), digits))
        except Exception as e:  # a clash of set-ups: the main table still says everything
            log.info("no pipeline x dataset pivot: %s", e)
        for g in cross_grids(records, metric, alpha):
            body.append(grid_html(g, digits))
    if store is not None:
        for name, recs in datasets.items():
            figs = dataset_figures(recs, store, name)
            if figs:
                body.append(f'<h2 id="{_esc(name)}">{_esc(name)}</h2>')
                body.extend(figs)
    return page(title, body)


__all__ = ["leaderboard_page", "grids_page", "grid_html", "dataset_figures", "representative", "build_grids"]
