"""Metric functions on tensors (CPU or GPU).

Conventions: ``scores`` are floats, higher = more likely fake; ``labels`` are 1 = fake,
0 = real. Threshold-based metrics call a clip fake when ``score > threshold``.

The EER follows the ASVspoof evaluation packages exactly. They treat bona fide as the
target class with higher scores for bona fide, so fakebench negates its scores once,
here (:func:`official_classes`), before applying their algorithm:

1. sort all scores, bona fide before spoof on ties (the packages' stable mergesort of
   bona fide followed by spoof);
2. thresholds are the sorted scores plus one below the minimum;
3. FRR(bona fide) and FAR(spoof) at each threshold, by cumulative sums;
4. EER is the mean of FRR and FAR where they are closest (first such point); no
   interpolation.

Step 1 is done without an index sort: the two classes are sorted separately (values
only, which is fast) and merged with ``searchsorted``; a bona fide score goes before
every spoof score that is not strictly smaller. 10 million scores take well under a
second on one CPU core (``benchmarks/test_eer_speed.py``).

Cost functions, all in the official (bona fide = target) convention:

* :func:`min_tdcf`: the tandem detection cost function of ASVspoof 2019, in its legacy
  2019 form (``version="2019"``: Kinnunen et al., Odyssey 2018; ASVspoof 2019 evaluation
  plan, ``tDCF_python`` v1) and its revised form (``version="2021"``: Kinnunen et al.,
  "Tandem assessment of spoofing countermeasures and automatic speaker verification:
  fundamentals", IEEE/ACM TASLP 2020; ``tDCF_python`` v2 and the ASVspoof 2021
  evaluation package). Both need the organisers' ASV scores.
* :func:`min_dcf` / :func:`act_dcf`: the normalised DCF of ASVspoof 5 (evaluation plan
  and ``asvspoof5/evaluation-package``: Pspoof 0.05, Cmiss 1, Cfa 10).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch

from ..errors import MetricError
from ..contracts.metric import as_tensors


def need_both_classes(y: torch.Tensor, what: str) -> tuple[int, int]:
    n_fake = int(y.sum())
    n_real = int(y.numel() - n_fake)
    if n_fake == 0 or n_real == 0:
        only = "fake" if n_real == 0 else "real"
        raise MetricError(f"{what} is undefined: the scores hold only {only} clips",
                          hint="evaluate on a split with both real and fake clips")
    return n_real, n_fake


def _sorted(x: torch.Tensor) -> torch.Tensor:
    """Values sorted ascending. NumPy's value sort is several times faster than
    ``torch.sort`` (which always builds indices) on CPU; GPUs use torch."""
    if x.device.type == "cpu":
        return torch.from_numpy(np.sort(x.numpy()))
    return torch.sort(x).values


def official_classes(scores: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The one place where fakebench's direction is converted to the official one:
    (bona fide scores, spoof scores), both with higher = more bona fide."""
    s, y = as_tensors(scores, labels)
    if s.device.type == "cpu":  # NumPy's boolean indexing is about twice as fast here
        sn, real = s.numpy(), y.numpy() == 0
        bona, spoof = sn[real], sn[~real]
        return torch.from_numpy(np.negative(bona, out=bona)), torch.from_numpy(np.negative(spoof, out=spoof))
    return -s[y == 0], -s[y == 1]


def _merge(target: torch.Tensor, nontarget: torch.Tensor
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Both classes sorted, where each target lands in the merged order (before equal
    nontargets), and the running count of targets along that order."""
    t_sorted, n_sorted, pos_t = sorted_positions(target, nontarget)
    is_target = torch.zeros(t_sorted.numel() + n_sorted.numel(), dtype=torch.int64, device=t_sorted.device)
    is_target[pos_t] = 1
    return t_sorted, n_sorted, pos_t, torch.cumsum(is_target, 0)


def sorted_positions(target: torch.Tensor, nontarget: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Both classes sorted, and the merged-order position of every sorted target: it
    goes after the nontargets strictly below it and before those equal to it."""
    n_tar, n_non = target.numel(), nontarget.numel()
    if n_tar == 0 or n_non == 0:
        raise MetricError("a DET curve needs scores of both classes")
    t_sorted, n_sorted = _sorted(target.double()), _sorted(nontarget.double())
    pos_t = torch.searchsorted(n_sorted, t_sorted, right=False)
    pos_t += torch.arange(n_tar, device=pos_t.device)
    return t_sorted, n_sorted, pos_t


def det_from_classes(target: torch.Tensor, nontarget: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The official ``compute_det_curve`` for target (high) and nontarget scores.

    Returns (frr, far, thresholds), each of length ``n + 1``: ``frr[i]`` is the fraction
    of targets at or below ``thresholds[i]`` (rejected) and ``far[i]`` the fraction of
    nontargets above it (accepted).
    """
    t_sorted, n_sorted, pos_t, tar_sums = _merge(target, nontarget)
    n_tar, n_non, dev = t_sorted.numel(), n_sorted.numel(), t_sorted.device
    n = n_tar + n_non
    non_sums = n_non - (torch.arange(1, n + 1, device=dev) - tar_sums)
    zero = torch.zeros(1, dtype=torch.float64, device=dev)
    one = torch.ones(1, dtype=torch.float64, device=dev)
    frr = torch.cat([zero, tar_sums.double() / n_tar])
    far = torch.cat([one, non_sums.double() / n_non])
    pos_n = torch.searchsorted(t_sorted, n_sorted, right=True)
    pos_n += torch.arange(n_non, device=dev)
    merged = torch.empty(n, dtype=torch.float64, device=dev)
    merged[pos_t] = t_sorted
    merged[pos_n] = n_sorted
    thresholds = torch.cat([merged[:1] - 0.001, merged])
    return frr, far, thresholds


def _eer_from_classes(target: torch.Tensor, nontarget: torch.Tensor) -> tuple[float, float]:
    """(EER, official threshold) without building the DET curve.

    FRR - FAR never decreases along the curve, so the official "first argmin of
    |FRR - FAR|" lies where it changes sign and is found by bisection; the number of
    targets among the first k merged scores is a ``searchsorted`` in the target
    positions. The float operations per point are the official ones, so the result is
    identical to :func:`det_from_classes` + ``argmin`` (checked in the tests), at the
    cost of two value sorts and one ``searchsorted``.
    """
    t_sorted, n_sorted, pos_t = sorted_positions(target, nontarget)
    n_tar, n_non = t_sorted.numel(), n_sorted.numel()
    pos = pos_t.cpu().numpy()

    def tar(k: int) -> int:  # targets among the first k merged scores
        return int(np.searchsorted(pos, k, side="left"))

    def point(k: int) -> tuple[float, float]:  # (frr, far) at curve index k
        if k == 0:
            return 0.0, 1.0
        t = tar(k)
        return t / n_tar, (n_non - (k - t)) / n_non

    def first(pred) -> int:  # first k in [0, n] with pred(diff(k)); diff is non-decreasing
        lo, hi = 0, n_tar + n_non
        while lo < hi:
            mid = (lo + hi) // 2
            frr, far = point(mid)
            if pred(frr - far):
                hi = mid
            else:
                lo = mid + 1
        return lo

    m = first(lambda d: d >= 0)  # exists: the last point has frr 1, far 0
    frr_m, far_m = point(m)
    frr_b, far_b = point(m - 1)
    if abs(frr_b - far_b) <= abs(frr_m - far_m):  # the negative side wins: its plateau's start
        d = frr_b - far_b
        i = first(lambda x: x >= d)
    else:
        i = m
    frr_i, far_i = point(i)
    if i == 0:
        thr = min(float(t_sorted[0]), float(n_sorted[0])) - 0.001
    else:
        p = i - 1
        before = tar(p)
        thr = float(t_sorted[before]) if tar(p + 1) > before else float(n_sorted[p - before])
    return (frr_i + far_i) / 2, thr


def det_curve(scores: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(frr, far, thresholds) as in the ASVspoof packages, in fakebench's score direction.

    ``frr[i]`` is the fraction of real clips rejected (called fake) and ``far[i]`` the
    fraction of fakes accepted (called real) at ``thresholds[i]``, which are in the
    official (bona fide = high) direction: a clip is accepted as real when
    ``-score > thresholds[i]``. :func:`eer` converts its threshold back.
    """
    s, y = as_tensors(scores, labels)
    need_both_classes(y, "the DET curve")
    bona, spoof = official_classes(s, y)
    return det_from_classes(bona, spoof)


def _eer_point(frr: torch.Tensor, far: torch.Tensor) -> tuple[float, int]:
    i = int(torch.argmin(torch.abs(frr - far)))
    return float((frr[i] + far[i]) / 2), i


def eer(scores: Any, labels: Any, *, return_threshold: bool = False, warn: bool = True):
    """Equal error rate (a fraction), ASVspoof-exact; optionally with its threshold.

    The threshold is in fakebench's direction: a clip is called fake when
    ``score > threshold``. (The official rule rejects bona fide when its score is at or
    below the threshold; negated, a clip is fake when ``score >= -thr``, which is
    ``score > nextafter(-thr, -inf)``.)
    """
    s, y = as_tensors(scores, labels)
    need_both_classes(y, "EER")
    value, thr = _eer_from_classes(*official_classes(s, y))
    if warn and value > 0.5:
        warnings.warn(
            f"EER is {value:.1%} (> 50%): negated scores would do better. Are the labels or the score "
            "direction swapped? fakebench expects 1 = fake and higher score = more likely fake.",
            stacklevel=2,
        )
    if return_threshold:
        return value, math.nextafter(-thr, -math.inf)
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
    """Mean of the recall of real clips and the recall of fake clips."""
    (tn, fp), (fn, tp) = confusion(scores, labels, threshold)
    if tn + fp == 0 or tp + fn == 0:
        raise MetricError("balanced accuracy is undefined with only one class present",
                          hint="evaluate on a split with both real and fake clips")
    return (tn / (tn + fp) + tp / (tp + fn)) / 2


def precision_recall_f1(scores: Any, labels: Any, threshold: float = 0.0) -> tuple[float, float, float]:
    """Precision, recall and F1 for the fake class (0 where undefined, as scikit-learn)."""
    (tn, fp), (fn, tp) = confusion(scores, labels, threshold)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def precision(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    return precision_recall_f1(scores, labels, threshold)[0]


def recall(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    return precision_recall_f1(scores, labels, threshold)[1]


def f1(scores: Any, labels: Any, threshold: float = 0.0) -> float:
    return precision_recall_f1(scores, labels, threshold)[2]


def roc_auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve, fake as positive: P(fake > real) + P(tie) / 2.

    Computed from the two sorted classes with ``searchsorted`` (O(n log n)); equal to
    scikit-learn's ``roc_auc_score``, ties included.
    """
    s, y = as_tensors(scores, labels)
    n_real, n_fake = need_both_classes(y, "ROC AUC")
    real = _sorted(s[y == 0])
    fake = s[y == 1].contiguous()
    below = torch.searchsorted(real, fake, right=False).sum()
    at_or_below = torch.searchsorted(real, fake, right=True).sum()
    return float((below + at_or_below).double() / (2.0 * n_real * n_fake))


def roc_curve(scores: Any, labels: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """(false positive rate, true positive rate) with fake as positive, from the DET
    curve: fpr = real called fake, tpr = 1 - fakes called real."""
    frr, far, _ = det_curve(scores, labels)
    return frr, 1.0 - far


def bce(scores: Any, labels: Any) -> float:
    """Mean binary cross-entropy (nats) of logit scores: softplus(-s) for fakes,
    softplus(s) for real clips."""
    s, y = as_tensors(scores, labels)
    if s.numel() == 0:
        raise MetricError("BCE is undefined on zero clips")
    return float(torch.nn.functional.binary_cross_entropy_with_logits(s, y.double()))


# -- detection cost functions --------------------------------------------------------------


@dataclass(frozen=True)
class TDCFCosts:
    """The t-DCF cost model. The defaults are the ASVspoof 2019 (and 2021) values:
    Pspoof 0.05, Ptar = 0.95 x 0.99, Pnon = 0.95 x 0.01; every cost 1 for a miss and 10
    for a false alarm. The 2019 legacy form uses ``cmiss_asv``, ``cfa_asv``,
    ``cmiss_cm`` and ``cfa_cm``; the revised form ``cmiss``, ``cfa`` and ``cfa_spoof``."""

    pspoof: float = 0.05
    ptar: float = 0.95 * 0.99
    pnon: float = 0.95 * 0.01
    cmiss_asv: float = 1.0
    cfa_asv: float = 10.0
    cmiss_cm: float = 1.0
    cfa_cm: float = 10.0
    cmiss: float = 1.0
    cfa: float = 10.0
    cfa_spoof: float = 10.0


@dataclass(frozen=True)
class ASVRates:
    """ASV error rates at the ASV EER threshold (the official ``obtain_asv_error_rates``)."""

    threshold: float
    pfa: float
    pmiss: float
    pmiss_spoof: float

    @property
    def pfa_spoof(self) -> float:
        return 1.0 - self.pmiss_spoof


def asv_error_rates(asv_scores: Mapping[str, Any]) -> ASVRates:
    """Rates of the ASV system from its ``target``/``nontarget``/``spoof`` scores
    (ASV direction: higher = more likely the target speaker).

    The threshold is the ASV EER point of target vs nontarget (official
    ``compute_eer``); then Pfa = nontarget >= thr, Pmiss = target < thr and
    Pmiss_spoof = spoof < thr.
    """
    try:
        tar, non, spoof = (torch.as_tensor(np.asarray(asv_scores[k], dtype=np.float64))
                           for k in ("target", "nontarget", "spoof"))
    except KeyError as e:
        raise MetricError(f"ASV scores lack the {e.args[0]!r} trials",
                          hint="asv_scores must map target, nontarget and spoof to score arrays") from None
    if tar.numel() == 0 or non.numel() == 0 or spoof.numel() == 0:
        raise MetricError("t-DCF needs ASV scores of target, nontarget and spoof trials (one set is empty)")
    frr, far, thr = det_from_classes(tar, non)
    _, i = _eer_point(frr, far)
    t = thr[i]
    return ASVRates(threshold=float(t), pfa=float((non >= t).double().mean()),
                    pmiss=float((tar < t).double().mean()), pmiss_spoof=float((spoof < t).double().mean()))


def tdcf_curve(scores: Any, labels: Any, asv_scores: Mapping[str, Any] | None, version: str = "2021",
               costs: TDCFCosts | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The normalised t-DCF at every CM threshold, and those thresholds (official
    direction). See :func:`min_tdcf`."""
    if asv_scores is None:
        raise MetricError("t-DCF needs ASV scores, and this dataset provides none",
                          hint="t-DCF is defined for ASVspoof-style datasets that ship ASV scores; use eer or min_dcf")
    c = costs or TDCFCosts()
    s, y = as_tensors(scores, labels)
    need_both_classes(y, "t-DCF")
    if torch.unique(s).numel() < 3:
        raise MetricError("t-DCF needs soft scores, not hard decisions (fewer than 3 distinct values)")
    rates = asv_error_rates(asv_scores)
    pmiss_cm, pfa_cm, thr = det_curve(s, y)
    if version == "2019":
        c1 = c.ptar * (c.cmiss_cm - c.cmiss_asv * rates.pmiss) - c.pnon * c.cfa_asv * rates.pfa
        c2 = c.cfa_cm * c.pspoof * (1 - rates.pmiss_spoof)
        if c1 < 0 or c2 < 0:
            raise MetricError(f"t-DCF weights are negative (C1={c1:.4g}, C2={c2:.4g}): check the ASV scores")
        return (c1 * pmiss_cm + c2 * pfa_cm) / min(c1, c2), thr
    if version == "2021":
        c0 = c.ptar * c.cmiss * rates.pmiss + c.pnon * c.cfa * rates.pfa
        c1 = c.ptar * c.cmiss - c0
        c2 = c.pspoof * c.cfa_spoof * rates.pfa_spoof
        if c0 < 0 or c1 < 0 or c2 < 0:
            raise MetricError(f"t-DCF weights are negative (C0={c0:.4g}, C1={c1:.4g}, C2={c2:.4g}): "
                              "check the ASV scores")
        return (c0 + c1 * pmiss_cm + c2 * pfa_cm) / (c0 + min(c1, c2)), thr
    raise MetricError(f"unknown t-DCF version {version!r}", hint="use '2019' (legacy) or '2021' (revised)")


def min_tdcf(scores: Any, labels: Any, asv_scores: Mapping[str, Any] | None, version: str = "2021",
             costs: TDCFCosts | None = None) -> float:
    """Minimum normalised t-DCF over all CM thresholds.

    ``version="2019"`` (legacy, the ASVspoof 2019 challenge ranking)::

        C1 = Ptar (Cmiss_cm - Cmiss_asv Pmiss_asv) - Pnon Cfa_asv Pfa_asv
        C2 = Cfa_cm Pspoof (1 - Pmiss_spoof_asv)
        t-DCF(t) = (C1 Pmiss_cm(t) + C2 Pfa_cm(t)) / min(C1, C2)

    ``version="2021"`` (revised; ASVspoof 2021 and tDCF_python v2)::

        C0 = Ptar Cmiss Pmiss_asv + Pnon Cfa Pfa_asv
        C1 = Ptar Cmiss - C0
        C2 = Pspoof Cfa_spoof Pfa_spoof_asv
        t-DCF(t) = (C0 + C1 Pmiss_cm(t) + C2 Pfa_cm(t)) / (C0 + min(C1, C2))

    ``Pmiss_cm`` is the fraction of real clips the CM rejects and ``Pfa_cm`` the
    fraction of fakes it accepts (the DET curve of :func:`det_curve`); the ASV rates
    are taken at the ASV EER threshold (:func:`asv_error_rates`).
    """
    curve, _ = tdcf_curve(scores, labels, asv_scores, version, costs)
    return float(curve.min())


#: ASVspoof 5 cost parameters (evaluation plan; ``calculate_minDCF_EER_CLLR_actDCF``).
ASVSPOOF5_DCF = {"pspoof": 0.05, "cmiss": 1.0, "cfa": 10.0}


def _dcf_default(pspoof: float, cmiss: float, cfa: float) -> float:
    return min(cmiss * (1 - pspoof), cfa * pspoof)


def min_dcf(scores: Any, labels: Any, pspoof: float = 0.05, cmiss: float = 1.0, cfa: float = 10.0) -> float:
    """Minimum normalised DCF of ASVspoof 5 over all thresholds::

        DCF(t) = (Cmiss (1 - Pspoof) Pmiss(t) + Cfa Pspoof Pfa(t)) / min(Cmiss (1 - Pspoof), Cfa Pspoof)

    with Pmiss = real clips rejected and Pfa = fakes accepted.
    """
    frr, far, _ = det_curve(scores, labels)
    cost = cmiss * (1 - pspoof) * frr + cfa * pspoof * far
    return float(cost.min()) / _dcf_default(pspoof, cmiss, cfa)


def act_dcf(scores: Any, labels: Any, pspoof: float = 0.05, cmiss: float = 1.0, cfa: float = 10.0) -> float:
    """Actual normalised DCF of ASVspoof 5: the DCF at the Bayes threshold for
    calibrated scores.

    The official package reads the scores as bona fide log-likelihood ratios and
    accepts a clip as bona fide when ``llr >= -log(beta)``, ``beta = Cmiss (1 - Pspoof)
    / (Cfa Pspoof)``. fakebench scores that are logits of p(fake) are negated bona fide
    LLRs (for a detector trained on balanced classes), so a clip is rejected as fake
    when ``score > log(beta)``. On uncalibrated scores the value is meaningless.
    """
    s, y = as_tensors(scores, labels)
    need_both_classes(y, "actDCF")
    beta = cmiss * (1 - pspoof) / (cfa * pspoof)
    bona, spoof = official_classes(s, y)
    thr = -math.log(beta)
    pmiss = float((bona < thr).double().mean())
    pfa = float((spoof >= thr).double().mean())
    return (cmiss * (1 - pspoof) * pmiss + cfa * pspoof * pfa) / _dcf_default(pspoof, cmiss, cfa)


from .abx import abx  # noqa: E402  (the ABX of an embedding space)
from .asvspoof5 import ADCF_ASVSPOOF5, ADCFCosts, cllr, min_adcf, min_cllr, t_eer, trial_scores  # noqa: E402,F401  (ASVspoof 5)
