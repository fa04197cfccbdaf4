"""``fakebench leaderboard publish``: a static site plus the tables, from stored records.

Layout written to the output folder (the repository's ``leaderboards/`` by default)::

    index.html              all datasets: leaderboard, pivot, cross-dataset matrices
    <dataset>.html          one dataset: its table and its plots (DET, ROC, ...)
    leaderboard.md          the tables as Markdown (with significance markers)
    leaderboard.csv         raw numbers (fractions), mean and std per metric
    leaderboard.tex         a booktabs table for papers
    cross.md / cross.tex    the train -> test matrices, when there are cross-dataset runs

Files of the same names are replaced; nothing else in the folder is touched (its
README.md stays).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Sequence

from ..leaderboard import ALPHA, cross_grids, table_grid
from .text import to_csv, to_latex, to_markdown


def default_publish_dir(start: str | os.PathLike | None = None) -> Path:
    """``leaderboards/`` at the root of the repository holding ``start`` (default: the
    current folder): the first parent with a ``leaderboards/`` folder or a ``.git``;
    the current folder's ``leaderboards/`` outside any repository."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "leaderboards").is_dir() or (d / ".git").exists():
            return d / "leaderboards"
    return here / "leaderboards"


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "dataset"


def publish(records: Sequence[dict[str, Any]], store: Any, out: str | os.PathLike | None = None,
            metrics: Sequence[str] | None = None, sort_by: str | None = None, alpha: float = ALPHA,
            digits: int = 2, plots: bool = True) -> list[Path]:
    """Write the site and tables; returns the paths written."""
    from ..storage import atomic_write_bytes
    from .html import by_dataset, leaderboard_page

    out_dir = Path(out).expanduser() if out else default_publish_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, text: str) -> None:
        path = out_dir / name
        atomic_write_bytes(path, text.encode("utf-8"))
        written.append(path)

    datasets = by_dataset(records)
    pages = {name: ("dataset-" if slug(name) in ("index", "leaderboard", "cross") else "") + f"{slug(name)}.html"
             for name in datasets}
    nav = {"index": "index.html", **pages}
    grid = table_grid(records, metrics, sort_by, alpha, title="fakebench leaderboard")
    write("index.html", leaderboard_page(records, store=None, metrics=metrics, sort_by=sort_by, alpha=alpha,
                                         digits=digits, links=nav))
    for name, recs in datasets.items():
        write(pages[name], leaderboard_page(recs, store=store if plots else None, metrics=metrics, sort_by=sort_by,
                                            alpha=alpha, digits=digits, title=f"fakebench — {name}", links=nav))
    write("leaderboard.md", to_markdown(grid, digits) + "\n")
    write("leaderboard.csv", to_csv(grid))
    write("leaderboard.tex", to_latex(grid, digits) + "\n")
    metric = sort_by or (list(metrics)[0] if metrics else "eer")
    cross = cross_grids(records, metric, alpha)
    if cross:
        write("cross.md", "\n\n".join(to_markdown(g, digits) for g in cross) + "\n")
        write("cross.tex", "\n\n".join(to_latex(g, digits, label=f"tab:cross-{i}") for i, g in enumerate(cross)) + "\n")
    return written
