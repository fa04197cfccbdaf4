"""Metrics and breakdowns of one set of scores."""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any, Sequence

import numpy as np
import torch

from .data import FAKE, REAL, Clip
from .errors import MetricError
from . import metrics as M


def evaluate(scores: np.ndarray, labels: np.ndarray, clips: Sequence[Clip], metric_classes: Sequence[type],
             context: dict[str, Any], attributes: Sequence[str] = ()) -> dict[str, Any]:
    """Compute every metric, the confusion matrix and per-attribute breakdowns.

    A metric that is undefined here (one class only, say) is recorded as ``None`` with
    the reason in ``warnings``; it never stops the run.
    """
    device = "cuda" if torch.cuda.is_available() and context.get("device", "cpu").startswith("cuda") else "cpu"
    s = torch.as_tensor(scores, dtype=torch.float64, device=device)
    y = torch.as_tensor(labels, dtype=torch.int64, device=device)
    threshold = float(context.get("threshold", 0.0))
    out_metrics: dict[str, float | None] = {}
    info: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for cls in metric_classes:
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
    breakdowns = {a: breakdown(scores, labels, clips, a, threshold) for a in attributes}
    breakdowns = {a: b for a, b in breakdowns.items() if b}
    return {"metrics": out_metrics, "metric_info": info, "confusion": confusion, "breakdowns": breakdowns,
            "warnings": notes}


def breakdown(scores: np.ndarray, labels: np.ndarray, clips: Sequence[Clip], attribute: str,
              threshold: float) -> dict[str, dict[str, Any]]:
    """Per value of ``attribute``: counts and accuracy; for fakes-only groups (a system or
    attack), also the EER of all real eval clips against that group's fakes, the
    ASVspoof per-attack convention."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(clips):
        v = c.attribute(attribute)
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
                                 "accuracy": float((pred == y).mean())}
        if entry["real"] and entry["fake"]:
            entry["eer"] = M.eer(scores[idx], y, warn=False)
        elif entry["fake"] and real_idx.size:
            both = np.concatenate([real_idx, idx])
            entry["eer"] = M.eer(scores[both], labels[both], warn=False)
        out[value] = entry
    return out
