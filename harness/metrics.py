"""Metric functions on tensors (CPU or GPU).

Conventions: ``scores`` are floats, higher = more likely fake; ``labels`` are 1 = fake,
0 = real. Threshold-based metrics call a clip fake when ``score > threshold``.

The EER follows the ASVspoof evaluation packages exactly. They treat bona fide as the
target class with higher scores for bona fide, so fakebench negates its scores once,
here, before applying their algorithm:

1. sort all scores stably (mergesort), bona fide before spoof on ties;
2. thresholds are the sorted scores plus one below the minimum;
3. FRR(bona fide) and FAR(spoof) at each threshold, by cumulative sums;
4. EER is the mean of FRR and FAR where they are closest; no interpolation.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from .errors import MetricError
from .metric import as_tensors


def _need_both(y: torch.Tensor, what: str) -> tuple[int, int]:
    n_fake = int(y.sum())
    n_real = int(y.numel() - n_fake)
    if n_fake == 0 or n_real == 0:
        only = "fake" if n_real == 0 else "real"
        raise MetricError(f"{what} is undefined: the scores hold only {only} clips",
                          hint="evaluate on a split with both real and fake clips")
    return n_real, n_fake


def det_curve(scores: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(frr, far, thresholds) as in the ASVspoof packages, in fakebench's score direction.

    ``frr[i]`` is the fraction of real clips rejected (called fake) and ``far[i]`` the
    fraction of fakes accepted (called real) at ``thresholds[i]``, which are in the
    official (bona fide = high) direction: a clip is accepted as real when
    ``-score > thresholds[i]``. :func:`eer` converts its threshold back.
    """
    s, y = as_tensors(scores, labels)
    n_real, n_fake = _need_both(y, "the DET curve")
    bona = -s  # official direction: higher = more bona fide
    # concatenate bona fide first so a stable sort keeps bona fide before spoof on ties
    order_src = torch.cat([bona[y == 0], bona[y == 1]])
    is_target = torch.cat([torch.ones(n_real, dtype=torch.int64, device=s.device),
                           torch.zeros(n_fake, dtype=torch.int64, device=s.device)])
    sorted_scores, idx = torch.sort(order_src, stable=True)
    t = is_target[idx]
    tar_sums = torch.cumsum(t, 0)
    ranks = torch.arange(1, t.numel() + 1, device=s.device)
    non_sums = n_fake - (ranks - tar_sums)
    zero = torch.zeros(1, dtype=torch.float64, device=s.device)
    one = torch.ones(1, dtype=torch.float64, device=s.device)
    frr = torch.cat([zero, tar_sums.double() / n_real])
    far = torch.cat([one, non_sums.double() / n_fake])
    thresholds = torch.cat([sorted_scores[:1] - 0.001, sorted_scores])
    return frr, far, thresholds


def eer(scores: Any, labels: Any, *, return_threshold: bool = False, warn: bool = True):
    """Equal error rate (a fraction), ASVspoof-exact; optionally with its threshold.

    The threshold is in fakebench's direction: a clip is called fake when
    ``score > threshold``. (The official rule rejects bona fide when its score is at or
    below the threshold; negated, a clip is fake when ``score >= -thr``, which is
    ``score > nextafter(-thr, -inf)``.)
    """
    frr, far, thr = det_curve(scores, labels)
    i = torch.argmin(torch.abs(frr - far))
    value = float((frr[i] + far[i]) / 2)
    if warn and value > 0.5:
        warnings.warn(
            f"EER is {value:.1%} (> 50%): negated scores would do better. Are the labels or the score "
            "direction swapped? fakebench expects 1 = fake and higher score = more likely fake.",
            stacklevel=2,
        )
    if return_threshold:
        import math

        return value, math.nextafter(-float(thr[i]), -math.inf)
    return value


def confusion(scores: Any, labels: Any, threshold: float = 0.0) -> list[list[int]]:
    """[[TN, FP], [FN, TP]] with fake as the positive class (rows = truth)."""
    s, y = as_tensors(scores, labels)
    pred = (s > threshold).long()
    tp = int(((pred == 1) & (y == 1)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    return [[tn, fp], [fn, tp]]


def accuracy(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    s, y = as_tensors(scores, labels)
    if y.numel() == 0:
        raise MetricError("accuracy is undefined on zero clips")
    return float(((s > threshold).long() == y).double().mean())


def balanced_accuracy(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    (tn, fp), (fn, tp) = confusion(scores, labels, threshold)
    if tn + fp == 0 or tp + fn == 0:
        raise MetricError("balanced accuracy is undefined with only one class present")
    return (tn / (tn + fp) + tp / (tp + fn)) / 2


def precision_recall_f1(scores: Any, labels: Any, threshold: float = 0.0) -> tuple[float, float, float]:
    """Precision, recall and F1 for the fake class (0 where undefined, as scikit-learn)."""
    (tn, fp), (fn, tp) = confusion(scores, labels, threshold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def f1(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    return precision_recall_f1(scores, labels, threshold)[2]
