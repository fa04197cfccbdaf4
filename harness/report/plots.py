"""Leaderboard figures as PNG bytes.

Matplotlib is imported inside each function and drawn on an Agg canvas
(``matplotlib.figure.Figure`` + ``FigureCanvasAgg``): no pyplot, no global backend
switch, safe on headless machines and in threads. Every function returns PNG bytes;
:func:`data_uri` turns them into an ``<img src=...>`` value for a standalone page.

Conventions: fake is the positive class. DET axes are on the normal-deviate (probit)
scale, x = real clips called fake, y = fakes called real, as in the ASVspoof DET plots.

Labels come from users (pipeline, dataset and system names such as ``$x^$``), so every
figure is drawn as plain text: mathtext and LaTeX are off (``text.parse_math`` and
``text.usetex``), whatever the user's matplotlibrc says; a matplotlib too old for
``text.parse_math`` gets its dollar signs escaped instead (:func:`plain`).
"""

from __future__ import annotations

import base64
import io
from typing import Any, Mapping, Sequence

import numpy as np

DET_TICKS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.98, 0.99)


def _rc() -> dict[str, Any]:
    import matplotlib

    rc: dict[str, Any] = {"text.usetex": False}
    if "text.parse_math" in matplotlib.rcParams:
        rc["text.parse_math"] = False
    return rc


def plain(text: Any) -> str:
    """``text`` as a label matplotlib draws verbatim: control characters become spaces;
    with ``text.parse_math`` off (see :func:`plain_text`) nothing else changes, on an
    older matplotlib ``$`` is escaped."""
    import matplotlib

    text = "".join(" " if ord(ch) < 32 or 127 <= ord(ch) < 160 else ch for ch in str(text))  # no glyph for them
    if "text.parse_math" in matplotlib.rcParams:
        return text
    return text.replace("$", r"\$")


def plain_text(fn):
    """Draw ``fn``'s figure with mathtext and LaTeX off (labels are user text)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import warnings

        import matplotlib

        with matplotlib.rc_context(_rc()), warnings.catch_warnings():
            # a name in a script the font lacks is drawn as a box; that needs no warning per glyph
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
            return fn(*args, **kwargs)

    return wrapper


def _figure(width: float = 4.6, height: float = 3.6):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def data_uri(png_bytes: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii")


Curve = tuple[str, Sequence[float], Sequence[int]]  # (label, scores, labels)


@plain_text
def det_plot(curves: Sequence[Curve], title: str = "DET") -> bytes:
    """DET curves of several pipelines on probit axes, with their EER points."""
    from scipy.stats import norm

    from ..metrics import det_curve, eer

    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    lo = 1.0
    for label, scores, labels in curves:
        frr, far, _ = det_curve(scores, labels)
        n = len(scores)
        eps = 0.5 / n
        lo = min(lo, eps)
        x = norm.ppf(np.clip(frr.cpu().numpy(), eps, 1 - eps))
        y = norm.ppf(np.clip(far.cpu().numpy(), eps, 1 - eps))
        e = eer(scores, labels, warn=False)
        (line,) = ax.step(x, y, where="post", label=plain(f"{label} (EER {100 * e:.1f}%)"))
        pe = norm.ppf(np.clip(e, eps, 1 - eps))
        ax.plot([pe], [pe], "o", color=line.get_color(), markersize=4)
    ticks = [t for t in DET_TICKS if t >= lo * 0.99] or [0.5]
    lim = norm.ppf([max(lo, 1e-4), 1 - max(lo, 1e-4)])
    for axis_set, axis_ticks in ((ax.set_xticks, ax.set_xticklabels), (ax.set_yticks, ax.set_yticklabels)):
        axis_set(norm.ppf(ticks))
        axis_ticks([f"{100 * t:g}" for t in ticks], fontsize=7)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.plot(lim, lim, ":", color="grey", linewidth=0.8)
    ax.set_xlabel("real clips called fake (%)")
    ax.set_ylabel("fake clips called real (%)")
    ax.set_title(plain(title), fontsize=10)
    ax.grid(True, linewidth=0.3)
    ax.legend(fontsize=7, loc="upper right")
    return png(fig)


@plain_text
def roc_plot(curves: Sequence[Curve], title: str = "ROC") -> bytes:
    """ROC curves (fake = positive) with their AUC."""
    from ..metrics import roc_auc, roc_curve

    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    for label, scores, labels in curves:
        fpr, tpr = roc_curve(scores, labels)
        ax.step(fpr.cpu().numpy(), tpr.cpu().numpy(), where="post",
                label=plain(f"{label} (AUC {roc_auc(scores, labels):.3f})"))
    ax.plot([0, 1], [0, 1], ":", color="grey", linewidth=0.8)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("false positive rate (real called fake)")
    ax.set_ylabel("true positive rate (fake detected)")
    ax.set_title(plain(title), fontsize=10)
    ax.grid(True, linewidth=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return png(fig)


@plain_text
def score_histogram(scores: Sequence[float], labels: Sequence[int], threshold: float | None = None,
                    title: str = "scores") -> bytes:
    """Histograms of real and fake scores on shared bins, with the decision threshold."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    fig = _figure(4.2, 3.0)
    ax = fig.add_subplot(1, 1, 1)
    bins = np.histogram_bin_edges(s, bins=min(40, max(8, s.size // 4)))
    ax.hist(s[y == 0], bins=bins, alpha=0.6, label=f"real ({int((y == 0).sum())})", color="tab:blue")
    ax.hist(s[y == 1], bins=bins, alpha=0.6, label=f"fake ({int((y == 1).sum())})", color="tab:red")
    if threshold is not None and np.isfinite(threshold):
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label="threshold")
    ax.set_xlabel("score (higher = more likely fake)")
    ax.set_ylabel("clips")
    ax.set_title(plain(title), fontsize=10)
    ax.legend(fontsize=7)
    return png(fig)


@plain_text
def confusion_plot(matrix: Sequence[Sequence[int]], title: str = "confusion") -> bytes:
    """A 2 x 2 confusion matrix [[TN, FP], [FN, TP]] (rows = truth) with counts."""
    m = np.asarray(matrix, dtype=np.int64)
    fig = _figure(2.8, 2.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(m, cmap="Blues", vmin=0, vmax=max(1, int(m.max())))
    for i in range(2):
        for j in range(2):
            ax.text(j, i, str(int(m[i, j])), ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black", fontsize=11)
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["real", "fake"])
    ax.set_yticks([0, 1])
    ax.set_yticklabels(["real", "fake"])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(plain(title), fontsize=9)
    return png(fig)


@plain_text
def system_bars(values: Mapping[str, Mapping[str, tuple[float, float | None]]], ylabel: str = "EER (%)",
                title: str = "per system", scale: float = 100.0) -> bytes:
    """Grouped bars: for each system, one bar per pipeline (mean, with the std as an
    error bar). ``values[pipeline][system] = (mean, std)``."""
    pipelines = list(values)
    systems = sorted({s for v in values.values() for s in v})
    fig = _figure(max(4.6, 0.55 * len(systems) * max(1, len(pipelines)) + 1.5), 3.6)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(1, len(pipelines))
    x = np.arange(len(systems))
    for k, p in enumerate(pipelines):
        means = np.array([values[p].get(s, (np.nan, None))[0] * scale for s in systems])
        errs = np.array([(values[p].get(s, (np.nan, None))[1] or 0.0) * scale for s in systems])
        lower = np.minimum(errs, np.nan_to_num(means))  # error rates do not go below 0
        # plain lists: matplotlib warns on (2, 1) arrays of error bars
        ax.bar(x + (k - (len(pipelines) - 1) / 2) * width, means, width, yerr=[lower.tolist(), errs.tolist()],
               capsize=2, label=plain(p))
    ax.set_xticks(x)
    ax.set_xticklabels([plain(x) for x in systems], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(plain(title), fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(True, axis="y", linewidth=0.3)
    return png(fig)
