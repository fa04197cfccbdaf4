"""Reports from stored results: standalone HTML leaderboards with embedded plots, and
the static site of ``fakebench leaderboard publish``.

* :mod:`.render`: :func:`render`, the leaderboard in any format;
* :mod:`.text`: Markdown, CSV and LaTeX tables;
* :mod:`.plots`: matplotlib figures (Agg canvas) as PNG bytes: DET, ROC, score
  histograms, confusion matrices, per-system bars;
* :mod:`.html`: tables and pages (no external resources);
* :mod:`.site`: :func:`publish` writes ``index.html``, one page per dataset, and the
  tables as Markdown, CSV and LaTeX.

Matplotlib is imported only when a figure is drawn.
"""

from .site import default_publish_dir, publish

__all__ = ["publish", "default_publish_dir"]
