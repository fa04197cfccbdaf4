"""Rendering a leaderboard in any format: the one entry point, :func:`render`.

Text formats come from :mod:`fakebench.report.text`, HTML (with plots) from
:mod:`fakebench.report.html`; the tables themselves from :mod:`fakebench.leaderboard`.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import ConfigError
from ..leaderboard import ALPHA, Grid, build_grids
from .html import grids_page, leaderboard_page
from .text import RENDERERS

#: The leaderboard output formats.
FORMATS = ("markdown", "csv", "latex", "html")


def render_grids(grids: Sequence[Grid], fmt: str, digits: int = 2) -> str:
    if fmt == "html":
        return grids_page(grids, digits=digits)
    if fmt not in RENDERERS:
        raise ConfigError(f"unknown leaderboard format {fmt!r}", hint="use one of: " + ", ".join(FORMATS))
    sep = "\n" if fmt == "csv" else "\n\n"
    return sep.join(RENDERERS[fmt](g, digits=digits) for g in grids)


def render(records: Sequence[dict[str, Any]], fmt: str = "markdown", metrics: Sequence[str] | None = None,
           digits: int = 2, sort_by: str | None = None, alpha: float = ALPHA, pivot: str | None = None,
           cross: bool = False, store: Any = None, plots: bool = True) -> str:
    """The leaderboard as ``markdown``, ``csv``, ``latex`` or ``html`` text.

    ``pivot="ROWS:COLS"`` (e.g. ``pipeline:dataset``) shows one metric (the first of
    ``metrics``, default eer) in a grid; ``cross`` shows the train -> test matrix of
    each pipeline. HTML with a ``store`` embeds plots (DET, ROC, histograms, confusion
    matrices, per-system bars) read from the stored per-clip scores.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown leaderboard format {fmt!r}", hint="use one of: " + ", ".join(FORMATS))
    if fmt == "html" and not pivot and not cross:
        return leaderboard_page(records, store=store if plots else None, metrics=metrics, sort_by=sort_by,
                                alpha=alpha, digits=digits)
    grids = build_grids(records, metrics, sort_by, alpha, pivot, cross)
    return render_grids(grids, fmt, digits)
