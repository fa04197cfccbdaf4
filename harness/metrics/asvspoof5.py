"""The ASVspoof 5 metrics, computed exactly as the organisers' evaluation package does.

Source: https://github.com/asvspoof-challenge/asvspoof5, folder ``evaluation-package``
(``calculate_modules.py``, ``calculate_metrics.py``, ``a_dcf.py``; read at commit
fe23d30 of September 2024). Track 1 ranks stand-alone countermeasures (CMs) by
``min DCF``, with ``Cllr``, ``EER`` and ``act DCF`` beside it; track 2 ranks
spoofing-robust speaker verification (SASV) by ``a-DCF``, with ``min t-DCF`` and
``t-EER`` beside it. Everything here was re-implemented from reading that code (no code
is copied); ``tests/metrics/`` checks each function against a transcription of the
official algorithm on thousands of random score sets.

Direction. fakebench scores CM trials with *higher = more likely fake* (label 1 = spoof);
the package reads CM scores with *higher = bona fide*. :func:`_to_official` (a negation)
is the one place where CM scores change direction, and every function below goes
through it. ASV and SASV scores are never converted: in fakebench and in the package
alike they are *higher = accept* (the trial is the claimed target speaker, bona fide).

Functions (fakebench's direction for CM scores; fractions, not percentages):

* :func:`cllr` — the package's ``calculate_CLLR`` (bits) of CM scores read as bona fide
  log-likelihood ratios: ``(mean softplus(-llr_bona) + mean softplus(llr_spoof)) / (2 ln 2)``.
  Computed with a stable softplus; the package's ``log1p(exp(-x))`` overflows to ``inf``
  for a bona fide LLR below about -709.78 (or a spoof LLR above +709.78), where this
  returns the finite value.
* :func:`min_cllr` — Cllr after the optimal monotone calibration (PAV; Brümmer and du
  Preez 2006). The ASVspoof 5 package computes no min Cllr; this follows the BOSARIS
  toolkit and its Python port PYLLR (github.com/bsxfan/PYLLR, ``pav_rocch.PAV`` and
  ``cllr.min_cllr``): on tied scores bona fide trials are sorted before spoofed ones, so
  PAV pools every tie into one LLR (a score maps to one LLR).
* :func:`min_dcf`, :func:`act_dcf` — ``compute_mindcf`` and ``compute_actDCF`` with the
  package's float operations (``1 - (1 - Pspoof)`` and ``numpy.log`` included), so the
  values are bit-identical to the package on CPU. They differ from
  :func:`fakebench.metrics.min_dcf` / :func:`fakebench.metrics.act_dcf` only in the last
  bits (see those functions' tests in ``tests/metrics/test_asvspoof5_official.py``).
* :func:`min_adcf` / :func:`adcf_curve` — the architecture-agnostic DCF of Shim et al.
  (Odyssey 2024), ``a_dcf._calculate_a_dcf``, on SASV scores with ASV keys.
* :func:`t_eer` — the concurrent tandem EER of Kinnunen et al. (IEEE TPAMI 2023), as the
  package computes it from per-trial CM and ASV scores (``compute_teer_accelerated``:
  an exhaustive search below 2,999 trials, a coarse-to-fine search above).
* :func:`trial_scores` — per-trial CM, ASV scores and keys from a dataset's SASV trial
  list (the ``sasv_trials`` run context) and the CM scores of the scored clips.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import MetricError

#: ASV keys of SASV trials, as in the package's key files.
ASV_KEYS = ("target", "nontarget", "spoof")


# -- the one direction change ------------------------------------------------------------------


def _to_official(cm_scores: np.ndarray) -> np.ndarray:
    """fakebench CM scores (higher = more fake) -> the package's (higher = bona fide)."""
    return np.negative(cm_scores)


def _cm_classes(scores: Any, labels: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(bona fide, spoof) CM scores in the package's direction, float64, in input order."""
    from ..contracts.metric import as_tensors

    s, y = as_tensors(scores, labels)
    s, y = s.detach().cpu().numpy(), y.detach().cpu().numpy()
    official = _to_official(s)
    bona, spoof = official[y == 0], official[y == 1]
    if official.size == 0:
        raise MetricError(f"{what} is undefined on zero clips")
    if bona.size == 0 or spoof.size == 0:
        only = "fake" if bona.size == 0 else "real"
        raise MetricError(f"{what} is undefined: the scores hold only {only} clips",
                          hint="evaluate on a split with both real and fake clips")
    return bona, spoof


def _softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow."""
    return np.logaddexp(0.0, x)


# -- Cllr ---------------------------------------------------------------------------------------


def cllr(scores: Any, labels: Any) -> float:
    """Cllr (bits) of CM scores that are log-likelihood ratios, as ``calculate_CLLR``.

    ``scores``: per clip, higher = more likely fake; read as LLRs of spoof versus bona
    fide (a calibrated detector's output: :mod:`fakebench.metrics.calibration`).
    ``labels``: 1 = spoof, 0 = bona fide. 0 is perfect, 1 is a system that always
    outputs LLR 0; uncalibrated scores can give any value above.
    """
    bona, spoof = _cm_classes(scores, labels, "Cllr")
    return float(0.5 * (np.mean(_softplus(-bona)) + np.mean(_softplus(spoof))) / np.log(2))


def _pav_blocks(targets: np.ndarray, nontargets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target and nontarget counts of the PAV blocks of the optimal monotone (score ->
    posterior of target) map, scores ascending, ties pooled (targets sorted first)."""
    scores = np.concatenate([targets, nontargets])
    is_tar = np.concatenate([np.ones(targets.size, np.int64), np.zeros(nontargets.size, np.int64)])
    order = np.argsort(scores, kind="stable")
    s, t = scores[order], is_tar[order]
    # one group per distinct score: PAV always pools a tie sorted targets-first (a run of
    # 1s then 0s can hold no block boundary), so grouping ties first is exact
    start = np.flatnonzero(np.concatenate([[True], s[1:] != s[:-1]]))
    tar = np.add.reduceat(t, start)
    tot = np.diff(np.append(start, s.size))
    non = tot - tar
    # merge neighbours with the same target fraction (always one PAV block or equal LLRs)
    if tar.size > 1:
        same = tar[1:] * tot[:-1] == tar[:-1] * tot[1:]
        keep = np.flatnonzero(np.concatenate([[True], ~same]))
        tar, non = np.add.reduceat(tar, keep), np.add.reduceat(non, keep)
    # pool adjacent violators, with exact integer comparisons of the fractions
    bt: list[int] = []
    bn: list[int] = []
    for ti, ni in zip(tar.tolist(), non.tolist()):
        while bt and bt[-1] * (ti + ni) >= ti * (bt[-1] + bn[-1]):  # previous fraction >= this one
            ti += bt.pop()
            ni += bn.pop()
        bt.append(ti)
        bn.append(ni)
    return np.asarray(bt, dtype=np.int64), np.asarray(bn, dtype=np.int64)


def min_cllr(scores: Any, labels: Any) -> float:
    """Minimum Cllr (bits): the Cllr after the best monotone (PAV) calibration.

    The discrimination part of Cllr: 0 for separable classes, 1 for scores that carry no
    information (all equal, or ranked worse than chance after pooling). The calibration
    loss of a system is ``cllr - min_cllr``. ``scores``/``labels`` as :func:`cllr`, but
    the scores need not be LLRs: only their order matters. Tied scores share one LLR
    (BOSARIS/PYLLR convention; see the module docstring).
    """
    bona, spoof = _cm_classes(scores, labels, "min Cllr")
    tar_b, non_b = _pav_blocks(bona, spoof)
    n_tar, n_non = bona.size, spoof.size
    # block LLR = log(T_b / N_b) - log(n_tar / n_non); the costs per trial in closed form
    with np.errstate(divide="ignore"):
        t = tar_b > 0
        n = non_b > 0
        both = t & n
        cost_tar = np.zeros(tar_b.size)
        cost_non = np.zeros(tar_b.size)
        # softplus(-llr) for targets, softplus(llr) for nontargets; a pure block costs 0
        cost_tar[both] = np.log1p((non_b[both] * n_tar) / (tar_b[both] * n_non))
        cost_non[both] = np.log1p((tar_b[both] * n_non) / (non_b[both] * n_tar))
    c = (np.dot(tar_b[t], cost_tar[t]) / n_tar + np.dot(non_b[n], cost_non[n]) / n_non) / (2 * np.log(2))
    return float(c)


# -- DCF (track 1) ----------------------------------------------------------------------------


def _det_curve(target: np.ndarray, nontarget: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The package's ``compute_det_curve`` (both classes non-empty)."""
    n = target.size + nontarget.size
    all_scores = np.concatenate((target, nontarget))
    labels = np.concatenate((np.ones(target.size), np.zeros(nontarget.size)))
    idx = np.argsort(all_scores, kind="mergesort")
    labels = labels[idx]
    tar_sums = np.cumsum(labels)
    non_sums = nontarget.size - (np.arange(1, n + 1) - tar_sums)
    frr = np.concatenate((np.atleast_1d(0), tar_sums / target.size))
    far = np.concatenate((np.atleast_1d(1), non_sums / nontarget.size))
    thr = np.concatenate((np.atleast_1d(all_scores[idx[0]] - 0.001), all_scores[idx]))
    return frr, far, thr


def min_dcf(scores: Any, labels: Any, pspoof: float = 0.05, cmiss: float = 1.0, cfa: float = 10.0) -> float:
    """Minimum normalised DCF of ASVspoof 5 (``compute_mindcf``), the track 1 ranking metric::

        DCF(t) = (Cmiss (1 - Pspoof) Pmiss(t) + Cfa Pspoof Pfa(t)) / min(Cmiss (1 - Pspoof), Cfa Pspoof)

    minimised over the thresholds of the official DET curve (every sorted score and one
    below the minimum); Pmiss = bona fide rejected, Pfa = spoof accepted. Defaults are
    the challenge's: Pspoof 0.05, Cmiss 1, Cfa 10.
    """
    bona, spoof = _cm_classes(scores, labels, "min DCF")
    frr, far, _ = _det_curve(bona, spoof)
    p_target = 1 - pspoof
    c_det = cmiss * frr * p_target + cfa * far * (1 - p_target)
    c_def = min(cmiss * p_target, cfa * (1 - p_target))
    return float(np.min(c_det) / c_def)


def act_dcf(scores: Any, labels: Any, pspoof: float = 0.05, cmiss: float = 1.0, cfa: float = 10.0) -> float:
    """Actual normalised DCF of ASVspoof 5 (``compute_actDCF``): the DCF at the Bayes
    threshold of calibrated scores.

    The package accepts a clip as bona fide when its bona fide LLR is ``>= -log(beta)``,
    ``beta = Cmiss (1 - Pspoof) / (Cfa Pspoof)`` (1.9 by default). In fakebench's
    direction: a clip is called fake when ``score > log(beta)``, where ``score`` is the
    LLR of spoof versus bona fide. Meaningful only for calibrated scores.
    """
    bona, spoof = _cm_classes(scores, labels, "act DCF")
    beta = cmiss * (1 - pspoof) / (cfa * pspoof)
    threshold = -np.log(beta)
    rate_miss = np.sum(bona < threshold) / bona.size
    rate_fa = np.sum(spoof >= threshold) / spoof.size
    value = cmiss * (1 - pspoof) * rate_miss + cfa * pspoof * rate_fa
    return float(value / np.min([cfa * pspoof, cmiss * (1 - pspoof)]))


# -- SASV trials --------------------------------------------------------------------------------


def _keys(asv_keys: Any, n: int, what: str) -> np.ndarray:
    keys = np.asarray(asv_keys).astype(str)
    if keys.ndim != 1 or keys.size != n:
        raise MetricError(f"{what}: {keys.size} ASV keys for {n} trials (one key per trial)")
    bad = ~np.isin(keys, ASV_KEYS)
    if bad.any():
        raise MetricError(f"{what}: unknown ASV key {keys[bad][0]!r} (trial {int(np.flatnonzero(bad)[0])})",
                          hint="ASV keys are target, nontarget or spoof")
    return keys


def _floats(values: Any, what: str, allow_inf: bool = False) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise MetricError(f"{what} must be 1-D, got shape {x.shape}")
    bad = np.isnan(x) if allow_inf else ~np.isfinite(x)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise MetricError(f"{what} hold {int(bad.sum())} {'NaN' if allow_inf else 'NaN or infinite'} value(s), "
                          f"the first at trial {i}", hint="fix or remove those trials")
    return x


def _by_key(values: np.ndarray, keys: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values of the target, nontarget and spoof trials (file order kept), all non-empty."""
    out = tuple(values[keys == k] for k in ASV_KEYS)
    empty = [k for k, v in zip(ASV_KEYS, out) if v.size == 0]
    if empty:
        raise MetricError(f"{what} needs target, nontarget and spoof trials; there are no {empty[0]} trials",
                          hint="evaluate on the corpus' full SASV trial list")
    return out  # type: ignore[return-value]


def trial_scores(scores: Any, clip_ids: Sequence[str], sasv_trials: Mapping[str, Any]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-trial (CM score, ASV score, ASV key) of the SASV trials whose clip was scored.

    ``scores`` are the CM scores of the clips ``clip_ids`` (same order; fakebench's
    direction). ``sasv_trials`` maps ``clip_id`` (the probe clip of each trial),
    ``asv_key`` (target / nontarget / spoof) and ``asv_score`` (higher = the claimed
    speaker) to per-trial sequences of equal length; a clip may appear in several
    trials. Trials whose clip is not among ``clip_ids`` (not scored, e.g. a missing file)
    are left out with a warning.
    """
    try:
        trial_clips = np.asarray(sasv_trials["clip_id"]).astype(str)
        keys = sasv_trials["asv_key"]
        asv = sasv_trials["asv_score"]
    except (KeyError, TypeError):
        raise MetricError("sasv_trials must map clip_id, asv_key and asv_score to per-trial sequences") from None
    if hasattr(scores, "detach"):
        scores = scores.detach().cpu().numpy()
    cm = np.asarray(scores, dtype=np.float64)
    ids = np.asarray(list(clip_ids)).astype(str)
    if ids.size != cm.size:
        raise MetricError(f"{cm.size} scores for {ids.size} clip ids (one score per clip)")
    keys = _keys(keys, trial_clips.size, "sasv_trials")
    asv = _floats(asv, "ASV scores")
    if asv.size != trial_clips.size:
        raise MetricError(f"sasv_trials: {asv.size} ASV scores for {trial_clips.size} trials")
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    if sorted_ids.size:
        pos_c = np.minimum(np.searchsorted(sorted_ids, trial_clips), sorted_ids.size - 1)
        found = sorted_ids[pos_c] == trial_clips
    else:
        pos_c, found = np.zeros(trial_clips.size, np.int64), np.zeros(trial_clips.size, bool)
    if not found.all():
        missing = int((~found).sum())
        warnings.warn(f"{missing} of {trial_clips.size} SASV trials left out: their clip was not scored "
                      f"(e.g. {trial_clips[~found][0]})", stacklevel=2)
    if not found.any():
        raise MetricError("none of the SASV trials' clips were scored", hint="the trial list and the eval clips differ")
    idx = order[pos_c[found]]
    return cm[idx], asv[found], keys[found]


# -- a-DCF (track 2) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ADCFCosts:
    """The a-DCF cost model: priors of target, nontarget and spoof trials, the cost of a
    missed target and of a falsely accepted nontarget or spoof."""

    ptar: float
    pnon: float
    pspoof: float
    cmiss: float = 1.0
    cfa_asv: float = 10.0
    cfa_spoof: float = 10.0


#: What the ASVspoof 5 package computes (``calculate_aDCF_tdcf_tEER``, from its t-DCF
#: cost model): Ptar = 0.95 x 0.99, Pnon = 0.95 x 0.01, Pspoof 0.05, Cmiss 1, Cfa 10, Cfa_spoof 10.
ADCF_ASVSPOOF5 = ADCFCosts(ptar=(1 - 0.05) * 0.99, pnon=(1 - 0.05) * 0.01, pspoof=0.05,
                           cmiss=1.0, cfa_asv=10.0, cfa_spoof=10.0)
#: The defaults of ``a_dcf.CostModel`` (the a-DCF paper): Ptar 0.9, Pnon 0.05, Pspoof 0.05,
#: Cmiss 1, Cfa 10, Cfa_spoof 20.
ADCF_PAPER = ADCFCosts(ptar=0.9, pnon=0.05, pspoof=0.05, cmiss=1.0, cfa_asv=10.0, cfa_spoof=20.0)


def adcf_curve(sasv_scores: Any, asv_keys: Any, costs: ADCFCosts = ADCF_ASVSPOOF5
               ) -> tuple[np.ndarray, np.ndarray]:
    """The normalised a-DCF at every threshold of ``compute_a_det_curve``, and those
    thresholds (SASV direction). See :func:`min_adcf`."""
    sasv = _floats(sasv_scores, "SASV scores", allow_inf=True)
    keys = _keys(asv_keys, sasv.size, "a-DCF")
    trg, non, spf = _by_key(sasv, keys, "a-DCF")
    all_scores = np.concatenate((trg, non, spf))
    labels = np.concatenate((np.ones(trg.size, np.int64), np.zeros(non.size, np.int64),
                             np.full(spf.size, 2, np.int64)))
    idx = np.argsort(all_scores, kind="mergesort")
    lab = labels[idx]
    fn = np.concatenate(([0], np.cumsum(lab == 1)))
    fp_non = non.size - np.concatenate(([0], np.cumsum(lab == 0)))
    fp_spf = spf.size - np.concatenate(([0], np.cumsum(lab == 2)))
    frr, far_asv, far_cm = fn / trg.size, fp_non / non.size, fp_spf / spf.size
    c = costs
    a_dcfs = (np.array([c.cmiss * c.ptar]) * frr + np.array([c.cfa_asv * c.pnon]) * far_asv
              + np.array([c.cfa_spoof * c.pspoof]) * far_cm)
    all_accept = c.cfa_asv * c.pnon + c.cfa_spoof * c.pspoof
    all_reject = c.cmiss * c.ptar
    thresholds = np.concatenate(([float(np.min(all_scores)) - 1e-8], all_scores[idx]))
    return a_dcfs / min(all_accept, all_reject), thresholds


def min_adcf(sasv_scores: Any, asv_keys: Any, costs: ADCFCosts = ADCF_ASVSPOOF5, *,
             return_threshold: bool = False):
    """Minimum normalised a-DCF of a SASV system (``a_dcf._calculate_a_dcf``), the track 2
    ranking metric::

        a-DCF(t) = (Cmiss Ptar Pmiss_tar(t) + Cfa_asv Pnon Pfa_non(t) + Cfa_spoof Pspoof Pfa_spoof(t))
                   / min(Cfa_asv Pnon + Cfa_spoof Pspoof, Cmiss Ptar)

    Inputs, one per SASV trial: ``sasv_scores`` (higher = accept: the trial is the
    claimed target speaker and bona fide; ``-inf`` is allowed, e.g. for trials a
    cascade's CM already rejected) and ``asv_keys`` (``target``, ``nontarget`` or
    ``spoof``). A trial is accepted when its score is above the threshold; the minimum is
    over the package's thresholds (every sorted score and one 1e-8 below the minimum).
    ``costs`` default to what the package computes for the challenge
    (:data:`ADCF_ASVSPOOF5`); :data:`ADCF_PAPER` holds the a-DCF paper's. With
    ``return_threshold``, also the threshold of the minimum (first on ties).
    """
    curve, thresholds = adcf_curve(sasv_scores, asv_keys, costs)
    i = int(np.argmin(curve))
    value = float(curve[i])
    return (value, float(thresholds[i])) if return_threshold else value


# -- t-EER (track 2) ----------------------------------------------------------------------------


def _asv_curves(tar: np.ndarray, non: np.ndarray, spf: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The package's ``compute_Pmiss_Pfa_Pspoof_curves``."""
    all_scores = np.concatenate((tar, non, spf))
    labels = np.concatenate((np.ones(tar.size), np.zeros(non.size), -1 * np.ones(spf.size)))
    idx = np.argsort(all_scores, kind="mergesort")
    labels = labels[idx]
    pmiss = np.concatenate((np.atleast_1d(0), np.cumsum(labels == 1) / tar.size))
    pfa_non = np.concatenate((np.atleast_1d(1), 1 - (np.cumsum(labels == 0) / non.size)))
    pfa_spf = np.concatenate((np.atleast_1d(1), 1 - (np.cumsum(labels == -1) / spf.size)))
    thr = np.concatenate((np.atleast_1d(all_scores[idx[0]] - 0.001), all_scores[idx]))
    return pmiss, pfa_non, pfa_spf, thr


_CHUNK = 1 << 22  # elements per block of the (ASV threshold x CM threshold) search


def _teer_search(pmiss_cm: np.ndarray, pfa_cm: np.ndarray, pmiss_asv: np.ndarray, pfa_non_asv: np.ndarray,
                 pfa_spf_asv: np.ndarray) -> tuple[float, int, int]:
    """The package's ``compute_teer`` (rho 0.5): (t-EER as a fraction, ASV index, CM index).

    For each ASV threshold in the allowed region it takes the first CM threshold where
    |Pmiss_tandem - Pfa_tandem| is smallest, then keeps the first ASV threshold closest
    to the concurrent point Pfa_non_asv / Pfa_spoof_asv = Pfa_cm / (1 - Pmiss_cm). The
    float operations are the package's, in its order, so the choice is identical.
    """
    rho = 0.5
    allowed = np.flatnonzero(pmiss_asv < (1 - rho) * pfa_non_asv + rho * pfa_spf_asv)
    if allowed.size == 0:
        raise MetricError("t-EER is undefined: no ASV threshold has Pmiss_asv below the tandem false "
                          "acceptance of nontargets and spoofs", hint="check the ASV scores and keys")
    one_minus = 1 - pmiss_cm
    v = (1 - rho) * one_minus
    w = rho * pfa_cm
    rows = max(1, _CHUNK // max(1, pmiss_cm.size))
    cm_idx = np.empty(allowed.size, dtype=np.int64)
    for lo in range(0, allowed.size, rows):
        j = allowed[lo:lo + rows]
        a, b, c = pmiss_asv[j, None], pfa_non_asv[j, None], pfa_spf_asv[j, None]
        pmiss_tdm = pmiss_cm + one_minus * a
        pfa_tdm = v * b + w * c
        cm_idx[lo:lo + rows] = np.argmin(np.abs(pmiss_tdm - pfa_tdm), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lhs = pfa_non_asv[allowed] / pfa_spf_asv[allowed]
        rhs = pfa_cm[cm_idx] / (1 - pmiss_cm[cm_idx])
        crit = np.abs(lhs - rhs)
    usable = np.flatnonzero(crit < np.inf)  # the package keeps crit < best, best starting at inf (NaN never)
    if usable.size == 0:
        raise MetricError("t-EER is undefined: no operating point where the concurrent criterion is finite",
                          hint="the ASV scores accept no spoof or no nontarget at any allowed threshold")
    k = usable[np.argmin(crit[usable])]
    ja, jc = int(allowed[k]), int(cm_idx[k])
    return float(pfa_spf_asv[ja] * pfa_cm[jc]), ja, jc


def t_eer(cm_scores: Any, asv_scores: Any, asv_keys: Any, *, exhaustive: bool = False) -> float:
    """Concurrent tandem EER (a fraction) of a CM with a fixed ASV system, as the ASVspoof 5
    package computes it (``calculate_aDCF_tdcf_tEER`` -> ``compute_teer_accelerated``).

    Inputs, one per SASV trial (a clip may appear in several trials):

    * ``cm_scores``: the CM score of the trial's clip, fakebench's direction (higher =
      more likely fake); converted once by :func:`_to_official`;
    * ``asv_scores``: the ASV score of the trial (higher = the claimed target speaker);
    * ``asv_keys``: ``target`` (bona fide, claimed speaker), ``nontarget`` (bona fide,
      another speaker) or ``spoof``.

    The CM curve is bona fide (target + nontarget trials) versus spoof trials; the ASV
    curves are Pmiss of targets and Pfa of nontargets and of spoofs. With rho = 0.5 the
    tandem rates are ``Pmiss = Pmiss_cm + (1 - Pmiss_cm) Pmiss_asv`` and
    ``Pfa = 0.5 (1 - Pmiss_cm) Pfa_non_asv + 0.5 Pfa_cm Pfa_spoof_asv``; the t-EER is
    ``Pfa_spoof_asv x Pfa_cm`` at the concurrent point (see :func:`_teer_search`).

    Like the package, the search is exhaustive when either curve has fewer than 3,000
    points (2,999 trials); above, it searches every ``n // 3000``-th threshold first,
    then all thresholds within 1,600 of the best pair. ``exhaustive=True`` always
    searches every pair (O(trials²) time). The package returns percent; this a fraction.
    """
    asv = _floats(asv_scores, "ASV scores")
    cm = _floats(cm_scores, "CM scores")
    if cm.size != asv.size:
        raise MetricError(f"t-EER: {cm.size} CM scores for {asv.size} ASV scores (one of each per trial)")
    keys = _keys(asv_keys, asv.size, "t-EER")
    tar_asv, non_asv, spf_asv = _by_key(asv, keys, "t-EER")
    cm_official = _to_official(cm)
    bona_cm = np.concatenate([cm_official[keys == "target"], cm_official[keys == "nontarget"]])
    spf_cm = cm_official[keys == "spoof"]
    pmiss_asv, pfa_non_asv, pfa_spf_asv, tau_asv = _asv_curves(tar_asv, non_asv, spf_asv)
    pmiss_cm, pfa_cm, tau_cm = _det_curve(bona_cm, spf_cm)
    size, window = 3000, 1600
    ds_asv, ds_cm = tau_asv.size // size, tau_cm.size // size
    if exhaustive or not (ds_asv > 0 and ds_cm > 0):
        return _teer_search(pmiss_cm, pfa_cm, pmiss_asv, pfa_non_asv, pfa_spf_asv)[0]
    ia, ic = np.arange(tau_asv.size)[::ds_asv], np.arange(tau_cm.size)[::ds_cm]
    _, ja, jc = _teer_search(pmiss_cm[ic], pfa_cm[ic], pmiss_asv[ia], pfa_non_asv[ia], pfa_spf_asv[ia])
    ca, cc = ja * ds_asv, jc * ds_cm
    a1, a2 = max(ca - window, 0), min(ca + window, tau_asv.size)
    c1, c2 = max(cc - window, 0), min(cc + window, tau_cm.size)
    return _teer_search(pmiss_cm[c1:c2], pfa_cm[c1:c2], pmiss_asv[a1:a2], pfa_non_asv[a1:a2],
                        pfa_spf_asv[a1:a2])[0]


def tandem_sasv_scores(cm_scores: Any, asv_scores: Any, cm_threshold: float) -> np.ndarray:
    """SASV scores of a CM -> ASV cascade with the CM at ``cm_threshold``: the ASV score
    where the CM accepts the trial as bona fide (``cm_score <= cm_threshold``, fakebench's
    direction), ``-inf`` (always rejected) where it calls it fake."""
    cm = _floats(cm_scores, "CM scores")
    asv = _floats(asv_scores, "ASV scores")
    if not math.isfinite(float(cm_threshold)):
        raise MetricError(f"the CM threshold must be finite, got {cm_threshold}")
    return np.where(cm <= float(cm_threshold), asv, -np.inf)
