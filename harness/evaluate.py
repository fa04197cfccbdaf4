"""Metrics and breakdowns of one set of scores.

The runner calls :func:`evaluate` once per test set with a context (``threshold``,
``threshold_source``, ``timings``, ``audio_seconds``, ``extract``, ``val_scores``,
``val_labels``, ``scores_are_logits``, ``asv_scores``, ``device``); every metric gets
the whole context as keyword arguments.

A metric may declare ``requires``: context keys that must hold a value (not ``None`` or
``False``) for it to mean anything, e.g. ``("asv_scores",)`` for t-DCF. When the run
did not ask for metrics by name, such a metric is left out where its context is
missing instead of being recorded as ``None`` with a warning.

Breakdowns (``record["breakdowns"]``), one table per key:

* ``pooled``: all clips (``{"all": entry}``);
* ``label``: per true class, ``real`` and ``fake`` (accuracy = recall of that class);
* one per dataset attribute (``class``, ``system``/attack, codec...).

An entry holds counts, accuracy at the threshold, the mean score, the EER and ROC AUC
(a fakes-only group, such as one attack, is scored against all real eval clips, the
ASVspoof per-attack convention) and, for logit scores, the mean BCE.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .data import FAKE, REAL, Clip, label_name
from .data.clip_list import clip_column
from .errors import MetricError
from . import metrics as M


def available(cls: type, context: dict[str, Any]) -> bool:
    """Whether every context key the metric ``requires`` holds a value."""
    return all(context.get(k) is not None and context.get(k) is not False for k in cls.requires)


def evaluate(scores: np.ndarray, labels: np.ndarray, clips: Sequence[Clip], metric_classes: Sequence[type],
             context: dict[str, Any], attributes: Sequence[str] = (), skip_unavailable: bool = False
             ) -> dict[str, Any]:
    """Compute every metric, the confusion matrix and the breakdowns.

    A metric that is undefined here (one class only, say) is recorded as ``None`` with
    the reason in ``warnings``; it never stops the run. With ``skip_unavailable``,
    metrics whose ``requires`` are missing from ``context`` are left out silently.
    """
    device = "cuda" if torch.cuda.is_available() and str(context.get("device", "cpu")).startswith("cuda") else "cpu"
    s = torch.as_tensor(scores, dtype=torch.float64, device=device)
    y = torch.as_tensor(labels, dtype=torch.int64, device=device)
    threshold = float(context.get("threshold", 0.0))
    out_metrics: dict[str, float | None] = {}
    info: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for cls in metric_classes:
        if skip_unavailable and not available(cls, context):
            continue
        m = cls()
        info[cls.name] = {"higher_is_better": cls.higher_is_better, "percent": cls.percent}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = m.compute(s, y, **context)
            for w in caught:
                notes.append(f"{cls.name}: {w.message}")
            out_metrics[cls.name] = None if value is None else float(value)
        except MetricError as e:
            out_metrics[cls.name] = None
            notes.append(f"{cls.name}: {e}")
    confusion = M.confusion(s, y, threshold)
    logits = bool(context.get("scores_are_logits"))
    breakdowns: dict[str, dict[str, dict[str, Any]]] = {
        "pooled": breakdown(scores, labels, clips, "pooled", threshold, logits, values=["all"] * len(labels)),
        "label": breakdown(scores, labels, clips, "label", threshold, logits,
                           values=[label_name(v) for v in np.asarray(labels).tolist()]),
    }
    for a in attributes:
        breakdowns[a] = breakdown(scores, labels, clips, a, threshold, logits)
    breakdowns = {a: b for a, b in breakdowns.items() if b}
    return {"metrics": out_metrics, "metric_info": info, "confusion": confusion, "breakdowns": breakdowns,
            "warnings": notes}


def breakdown(scores: np.ndarray, labels: np.ndarray, clips: Sequence[Clip], attribute: str | Callable[[Clip], Any],
              threshold: float, logits: bool = False, values: Sequence[Any] | None = None) -> dict[str, dict[str, Any]]:
    """Per value of ``attribute`` (a clip attribute name, or a function of the clip; or
    ``values``, one per clip, given directly): counts, accuracy and mean score; EER and ROC
    AUC where defined (a fakes-only group against all real eval clips); mean BCE when the
    scores are logits."""
    if values is None:  # an attribute name is read as a column (a ClipList builds no Clip for it)
        values = [attribute(c) for c in clips] if callable(attribute) else clip_column(clips, attribute)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(values):
        if v is not None and v != "":
            groups[str(v)].append(i)
    if not groups:
        return {}
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    real_idx = np.flatnonzero(labels == REAL)
    out: dict[str, dict[str, Any]] = {}
    for value in sorted(groups):
        idx = np.asarray(groups[value])
        y = labels[idx]
        pred = (scores[idx] > threshold).astype(int)
        entry: dict[str, Any] = {"n": int(idx.size), "real": int((y == REAL).sum()), "fake": int((y == FAKE).sum()),
                                 "accuracy": float((pred == y).mean()), "mean_score": float(scores[idx].mean())}
        both = None
        if entry["real"] and entry["fake"]:
            both = idx
        elif entry["fake"] and real_idx.size:
            both = np.concatenate([real_idx, idx])
        if both is not None:
            entry["eer"] = M.eer(scores[both], labels[both], warn=False)
            entry["auc"] = M.roc_auc(scores[both], labels[both])
        if logits:
            entry["bce"] = M.bce(scores[idx], y)
        out[value] = entry
    return out
