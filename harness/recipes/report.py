"""Writing a reproduction out: the plan (``--dry-run``) and the paper-vs-fakebench table,
as plain text for the terminal, Markdown and a self-contained HTML page.

Every output opens with what it is: a reproduction of the recipe, or a substitute run
that departs from it (and how), which must not be read as a reproduction.
"""

from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path
from typing import Sequence

from . import Plan
from .execute import Outcome, Row

COLUMNS = ("what", "source", "paper", "fakebench (mean ± std)", "difference", "within paper's spread")


def columns(plan: Plan) -> tuple[str, ...]:
    """The table's header; a substitute run says so in the fakebench column too."""
    if plan.is_reproduction:
        return COLUMNS
    return (*COLUMNS[:3], "fakebench SUBSTITUTE RUN (mean ± std)", *COLUMNS[4:])


def banner(plan: Plan) -> str:
    if plan.is_reproduction:
        return f"REPRODUCTION of recipe {plan.recipe.name!r} as published (the recipe's runs, protocol and parameters)"
    return ("SUBSTITUTE RUN -- NOT A REPRODUCTION of recipe "
            f"{plan.recipe.name!r}: " + "; ".join(plan.departures()))


def _status(plan: Plan) -> str:
    return "reproduction" if plan.is_reproduction else "substitute run (not a reproduction)"


def plan_text(plan: Plan) -> str:
    r = plan.recipe
    lines = [f"recipe {r.name}: {r.title}", f"  {r.citation}", f"  source: {r.url}   code: {r.code}",
             f"  status of the study: {r.status}; runs: {plan.n_runs} (recipe: {r.runs})", "", banner(plan), "",
             "runs:"]
    for p in plan.runs:
        lines.append(f"  {p.decl.id}: {p.pipeline} on {p.dataset} (protocol {p.protocol}"
                     + (f", length {p.length}" if p.length else "") + f"), seeds {_seeds(p.seeds)}")
        for k, v in sorted(p.sets.items()):
            lines.append(f"      --set {k}={_val(v)}")
        for kind, (old, new) in p.substituted.items():
            lines.append(f"      SUBSTITUTED {kind}: {old} -> {new}")
        for k, v in p.dropped.items():
            lines.append(f"      dropped with the substitution: {k}={_val(v)}")
        for chk in p.weights:
            lines.append(f"      weights [{'present' if chk.ok else 'MISSING'}] {chk.what}: {chk.detail}")
    if plan.data:
        lines += ["", "data:"]
        for chk in plan.data:
            lines.append(f"  [{'present' if chk.ok else 'MISSING'}] {chk.what}: {chk.detail}")
        for d in r.data:
            lines.append(f"  to get {d['dataset']}: {d.get('get', '')}  ({d.get('what', '')})")
    missing = [c for c in plan.data if not c.ok] + [c for p in plan.runs for c in p.weights if not c.ok]
    lines += ["", f"missing: {len(missing)} item(s)" if missing else "everything the recipe needs is present"]
    with_value = sum(c.paper is not None or bool(c.get("paper_text")) for c in r.comparisons)
    lines += ["", f"comparisons: {len(r.comparisons)} ({with_value} with a published value)"]
    return "\n".join(lines)


def _seeds(seeds: Sequence[int]) -> str:
    seeds = list(seeds)
    if len(seeds) > 3 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}..{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _val(v) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _table_rows(rows: Sequence[Row]) -> list[tuple[str, ...]]:
    return [(r.what, r.source, r.paper, r.value, r.diff, r.within) for r in rows]


def table_text(rows: Sequence[Row], header: Sequence[str] = COLUMNS) -> str:
    data = [tuple(header), *_table_rows(rows)]
    widths = [min(60, max(len(str(row[i])) for row in data)) for i in range(len(header))]
    out = []
    for n, row in enumerate(data):
        out.append("  ".join(str(v)[: widths[i]].ljust(widths[i]) for i, v in enumerate(row)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    notes = [f"  {r.id}: {r.note}" for r in rows if r.note]
    return "\n".join(out + (["", "notes:", *notes] if notes else []))


def outcome_text(outcome: Outcome) -> str:
    plan = outcome.plan
    head = [banner(plan), "", f"{plan.recipe.title}", f"  {plan.recipe.citation}", ""]
    return "\n".join(head) + table_text(outcome.rows, columns(plan)) + "\n\n" + banner(plan)


def _meta(outcome: Outcome) -> list[tuple[str, str]]:
    from ..provenance import fakebench_version

    plan = outcome.plan
    r = plan.recipe
    devices = sorted({(rec.get("environment") or {}).get("device", "?") for recs in outcome.records.values()
                      for rec in recs} - {None})
    return [("recipe", f"{r.name} ({r.path.name})"), ("study", r.citation), ("source", r.url), ("code", r.code),
            ("status", _status(plan)), ("runs", f"{plan.n_runs} (recipe: {r.runs})"),
            ("device", ", ".join(devices) or "?"), ("fakebench", fakebench_version() or "?"),
            ("written", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")),
            ("time", f"{outcome.seconds:.0f} s")]


def markdown(outcome: Outcome) -> str:
    plan = outcome.plan
    r = plan.recipe
    def esc(text) -> str:
        return str(text).replace("|", "\\|")

    lines = [f"# fakebench reproduce {r.name}", "", f"**{banner(plan)}**", ""]
    lines += [f"- {k}: {esc(v)}" for k, v in _meta(outcome)]
    lines += ["", "## Paper vs fakebench", "", "| " + " | ".join(columns(plan)) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in _table_rows(outcome.rows)]
    notes = [r_ for r_ in outcome.rows if r_.note]
    if notes:
        lines += ["", "Notes:", ""] + [f"- `{n.id}`: {esc(n.note)}" for n in notes]
    lines += ["", "## Runs", "", "| run | pipeline | dataset | protocol | seeds | records |", "|---|---|---|---|---|---|"]
    for p in plan.runs:
        recs = outcome.records.get(p.decl.id, [])
        lines.append(f"| {p.decl.id} | {p.pipeline} | {p.dataset} | {p.protocol} | {_seeds(p.seeds)} | {len(recs)} |")
    if plan.departures():
        lines += ["", "## Departures from the recipe", ""] + [f"- {esc(d)}" for d in plan.departures()]
    lines += ["", "## Reproduced exactly", ""] + [f"- {esc(x)}" for x in r.exact]
    lines += ["", "## Known differences", ""] + [f"- {esc(x)}" for x in r.differences]
    return "\n".join(lines) + "\n"


def html_page(outcome: Outcome) -> str:
    plan = outcome.plan
    r = plan.recipe
    e = html.escape
    cls = "ok" if plan.is_reproduction else "sub"
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>fakebench reproduce {e(r.name)}</title><style>",
             "body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}",
             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;"
             "text-align:left;vertical-align:top}th{background:#f3f3f3}",
             ".banner{padding:.8em;font-weight:bold}.ok{background:#e6f4e6}.sub{background:#fde2e2;border:2px solid #c00}",
             "td.yes{background:#e6f4e6}td.no{background:#fbeaea}</style></head><body>",
             f"<h1>fakebench reproduce {e(r.name)}</h1>", f"<p class='banner {cls}'>{e(banner(plan))}</p>", "<ul>"]
    parts += [f"<li><b>{e(k)}</b>: {e(str(v))}</li>" for k, v in _meta(outcome)]
    parts += ["</ul><h2>Paper vs fakebench</h2><table><tr>"] + [f"<th>{e(c)}</th>" for c in columns(plan)] + ["</tr>"]
    for row, rr in zip(_table_rows(outcome.rows), outcome.rows):
        verdict = "yes" if rr.within.startswith("yes") else "no" if rr.within.startswith("no ") else ""
        cells = [f"<td>{e(str(v))}</td>" for v in row[:-1]] + [f"<td class='{verdict}'>{e(row[-1])}</td>"]
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    notes = [x for x in outcome.rows if x.note]
    if notes:
        parts.append("<h3>Notes</h3><ul>" + "".join(f"<li><code>{e(n.id)}</code>: {e(n.note)}</li>" for n in notes)
                     + "</ul>")
    parts.append("<h2>Runs</h2><table><tr><th>run</th><th>pipeline</th><th>dataset</th><th>protocol</th>"
                 "<th>seeds</th><th>records</th></tr>")
    for p in plan.runs:
        parts.append(f"<tr><td>{e(p.decl.id)}</td><td>{e(p.pipeline)}</td><td>{e(p.dataset)}</td>"
                     f"<td>{e(p.protocol)}</td><td>{e(_seeds(p.seeds))}</td>"
                     f"<td>{len(outcome.records.get(p.decl.id, []))}</td></tr>")
    parts.append("</table>")
    for title, items in (("Departures from the recipe", plan.departures()), ("Reproduced exactly", r.exact),
                         ("Known differences", r.differences)):
        if items:
            parts.append(f"<h2>{e(title)}</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in items) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write(outcome: Outcome, folder: str | Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``folder``; return their paths."""
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    md, page = folder / "report.md", folder / "report.html"
    md.write_text(markdown(outcome), encoding="utf-8")
    page.write_text(html_page(outcome), encoding="utf-8")
    return md, page
