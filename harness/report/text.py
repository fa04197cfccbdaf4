"""Leaderboards as text: Markdown (tabulate), CSV and LaTeX (booktabs).

Tables come from the table model, :mod:`fakebench.leaderboard`; nothing here computes.
:func:`fakebench.report.render.render` is the one entry point for every format.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Callable

from ..leaderboard import MARKER, Column, Grid


def fmt_cell(cell: dict[str, Any] | None, digits: int = 2, plus_minus: str = " ± ") -> str:
    if cell is None:
        return "–"
    scale = 100.0 if cell["percent"] else 1.0
    text = f"{cell['mean'] * scale:.{digits}f}"
    if cell["std"] is not None:
        text += f"{plus_minus}{cell['std'] * scale:.{digits}f}"
    return text


def fmt_p(p: Any) -> str:
    if p is None:
        return "–"
    if p == "best":
        return "best"
    if isinstance(p, float) and math.isnan(p):
        return "–"
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _plain(value: Any, col: Column) -> str:
    if col.key.endswith("_p_vs_best"):
        return fmt_p(value)
    return "" if value is None else str(value)


def markdown_escape(text: str) -> str:
    """A table cell that cannot break its row: ``|`` escaped, line breaks and other
    control characters turned into spaces."""
    out = str(text).replace("|", "\\|")
    return "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in out)


def to_markdown(grid: Grid, digits: int = 2) -> str:
    from tabulate import tabulate

    def cell(v, col):
        if not col.metric:
            return markdown_escape(_plain(v, col))
        text = fmt_cell(v, digits)
        if v is not None and v["best"]:
            text = f"**{text}**"
        elif v is not None and v["sig"]:
            text += MARKER
        return text

    body = [[cell(v, c) for v, c in zip(row, grid.columns)] for row in grid.rows]
    text = tabulate(body, headers=[markdown_escape(c.label) for c in grid.columns], tablefmt="github",
                    disable_numparse=True)
    parts = [f"### {markdown_escape(grid.title)}\n"] if grid.title else []
    parts.append(text)
    if grid.notes and grid.rows:
        parts.append("\n" + "\n".join(f"> {n}" for n in grid.notes))
    return "\n".join(parts)


def to_csv(grid: Grid) -> str:
    """Raw numbers (fractions, not percentages), mean and std in separate columns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = []
    for c in grid.columns:
        header += [f"{c.key}_mean", f"{c.key}_std"] if c.metric else [c.key]
    w.writerow(header)
    for row in grid.rows:
        line = []
        for v, c in zip(row, grid.columns):
            if c.metric:
                line += ["", ""] if v is None else [repr(v["mean"]), "" if v["std"] is None else repr(v["std"])]
            elif c.key.endswith("_p_vs_best"):
                line.append("" if v is None else (v if isinstance(v, str) else repr(v)))
            else:
                line.append("" if v is None else str(v))
        w.writerow(line)
    return buf.getvalue()


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "↑": r"$\uparrow$", "↓": r"$\downarrow$", "→": r"$\rightarrow$", "±": r"$\pm$", "–": "--",
                  "α": r"$\alpha$"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def to_latex(grid: Grid, digits: int = 2, label: str = "tab:fakebench") -> str:
    """A booktabs ``table`` (needs ``\\usepackage{booktabs}``); every text is escaped."""

    def cell(v, col):
        if not col.metric:
            return latex_escape(_plain(v, col))
        if v is None:
            return "--"
        text = fmt_cell(v, digits, plus_minus=r" $\pm$ ")
        if v["best"]:
            text = rf"\textbf{{{text}}}"
        elif v["sig"]:
            text += rf"$^{{{MARKER}}}$"
        return text

    align = "".join("r" if c.metric or c.key in ("runs",) or c.key.endswith("_p_vs_best") else "l"
                    for c in grid.columns)
    lines = ["% fakebench leaderboard; needs \\usepackage{booktabs}", r"\begin{table}[t]", r"\centering"]
    if grid.title:
        lines.append(rf"\caption{{{latex_escape(grid.title)}. {latex_escape(' '.join(grid.notes))}}}")
    elif grid.notes:
        lines.append(rf"\caption{{{latex_escape(' '.join(grid.notes))}}}")
    lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{align}}}", r"\toprule",
              " & ".join(latex_escape(c.label) for c in grid.columns) + r" \\", r"\midrule"]
    for i, row in enumerate(grid.rows):
        if i in grid.breaks:
            lines.append(r"\midrule")
        lines.append(" & ".join(cell(v, c) for v, c in zip(row, grid.columns)) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines)


#: The text formats, each a function of (grid, digits).
RENDERERS: dict[str, Callable[..., str]] = {"markdown": to_markdown, "csv": lambda g, digits=2: to_csv(g),
                                            "latex": to_latex}
