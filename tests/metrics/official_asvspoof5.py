"""Reference transcriptions for the metric tests (written for these tests from reading the
sources; no code copied).

* The ASVspoof 5 evaluation package, github.com/asvspoof-challenge/asvspoof5 at commit
  fe23d3053a0889b305d98c9e4cadf418c213d972, ``evaluation-package/``:
  ``calculate_modules.py`` (``compute_det_curve``, ``compute_mindcf``, ``compute_actDCF``,
  ``calculate_CLLR``, ``compute_Pmiss_Pfa_Pspoof_curves``, ``compute_teer``,
  ``compute_teer_accelerated``), ``a_dcf.py`` (``compute_a_det_curve``,
  ``_calculate_a_dcf``, ``normalize``) and ``calculate_metrics.py`` (how they are called,
  the cost models). The package has no license file except the MIT header of
  ``a_dcf.py``, so the tests do not run it; the algorithms are transcribed step by step,
  loops where it loops, in the package's direction (CM scores: higher = bona fide).
* min Cllr: PYLLR (github.com/bsxfan/PYLLR, MIT; ``pav_rocch.PAV`` and ``cllr.min_cllr``),
  the Python port of the BOSARIS toolkit, with a plain pool-adjacent-violators loop in
  place of scikit-learn's private routine; and, for comparison only, the variant of
  Nautsch's ``cllr`` package (LGPLv3) that sorts nontargets first on ties.
"""

from __future__ import annotations

import numpy as np

# -- track 1 ----------------------------------------------------------------------------------


def det_curve(target, nontarget):
    n_scores = target.size + nontarget.size
    all_scores = np.concatenate((target, nontarget))
    labels = np.concatenate((np.ones(target.size), np.zeros(nontarget.size)))
    order = np.argsort(all_scores, kind="mergesort")
    labels = labels[order]
    tar_sums = np.cumsum(labels)
    non_sums = nontarget.size - (np.arange(1, n_scores + 1) - tar_sums)
    frr = np.concatenate((np.atleast_1d(0), tar_sums / target.size))
    far = np.concatenate((np.atleast_1d(1), non_sums / nontarget.size))
    thr = np.concatenate((np.atleast_1d(all_scores[order[0]] - 0.001), all_scores[order]))
    return frr, far, thr


def mindcf(frr, far, thresholds, pspoof, cmiss, cfa):
    best = float("inf")
    p_target = 1 - pspoof
    for i in range(len(frr)):
        c_det = cmiss * frr[i] * p_target + cfa * far[i] * (1 - p_target)
        if c_det < best:  # noqa: PLR1730  (the package's loop)
            best = c_det
    return best / min(cmiss * p_target, cfa * (1 - p_target))


def actdcf(bona, spoof, pspoof, cmiss, cfa):
    beta = cmiss * (1 - pspoof) / (cfa * pspoof)
    threshold = -np.log(beta)
    miss = np.sum(bona < threshold) / bona.size
    fa = np.sum(spoof >= threshold) / spoof.size
    cost = cmiss * (1 - pspoof) * miss + cfa * pspoof * fa
    return cost / np.min([cfa * pspoof, cmiss * (1 - pspoof)])


def cllr(target_llrs, nontarget_llrs):
    def neg_log_sigmoid(lodds):
        return np.log1p(np.exp(-lodds))

    t, n = np.array(target_llrs), np.array(nontarget_llrs)
    return 0.5 * (np.mean(neg_log_sigmoid(t)) + np.mean(neg_log_sigmoid(-n))) / np.log(2)


def track1(bona, spoof):
    """minDCF, EER, Cllr, actDCF as ``calculate_minDCF_EER_CLLR_actDCF`` (Pspoof 0.05, Cmiss 1, Cfa 10)."""
    frr, far, thr = det_curve(bona, spoof)
    i = np.argmin(np.abs(frr - far))
    eer = np.mean((frr[i], far[i]))
    return mindcf(frr, far, thr, 0.05, 1, 10), eer, cllr(bona, spoof), actdcf(bona, spoof, 0.05, 1, 10)


# -- a-DCF ------------------------------------------------------------------------------------

#: (Ptrg, Pnontrg, Pspf, Cmiss, Cfa_asv, Cfa_cm) as calculate_aDCF_tdcf_tEER builds it
CHALLENGE_COSTS = ((1 - 0.05) * 0.99, (1 - 0.05) * 0.01, 0.05, 1, 10, 10)
#: a_dcf.CostModel() defaults
PAPER_COSTS = (0.9, 0.05, 0.05, 1, 10, 20)


def a_det_curve(trg, non, spf):
    all_scores = np.concatenate((trg, non, spf))
    labels = np.concatenate((np.ones_like(trg), np.zeros_like(non), np.ones_like(spf) + 1))
    order = np.argsort(all_scores, kind="mergesort")
    labels = labels[order]
    scores_sorted = all_scores[order]
    fp_non, fp_spf, fn = len(non), len(spf), 0
    far_asv, far_cm, frr, thr = [1.0], [1.0], [0.0], [float(np.min(scores_sorted)) - 1e-8]
    for sco, lab in zip(scores_sorted, labels):
        if lab == 0:
            fp_non -= 1
        elif lab == 1:
            fn += 1
        elif lab == 2:
            fp_spf -= 1
        far_asv.append(fp_non / len(non))
        far_cm.append(fp_spf / len(spf))
        frr.append(fn / len(trg))
        thr.append(sco)
    return far_asv, far_cm, frr, thr


def min_adcf(trg, non, spf, costs=CHALLENGE_COSTS):
    ptrg, pnon, pspf, cmiss, cfa_asv, cfa_cm = costs
    far_asv, far_cm, frr, thr = a_det_curve(trg, non, spf)
    a_dcfs = (np.array([cmiss * ptrg]) * np.array(frr) + np.array([cfa_asv * pnon]) * np.array(far_asv)
              + np.array([cfa_cm * pspf]) * np.array(far_cm))
    accept_all = np.array([cfa_asv * pnon + cfa_cm * pspf])
    reject_all = np.array([cmiss * ptrg])
    normed = a_dcfs / min(accept_all, reject_all)
    i = np.argmin(normed)
    return normed[i], thr[i]


# -- t-EER ------------------------------------------------------------------------------------


def asv_curves(tar, non, spf):
    all_scores = np.concatenate((tar, non, spf))
    labels = np.concatenate((np.ones(tar.size), np.zeros(non.size), -1 * np.ones(spf.size)))
    order = np.argsort(all_scores, kind="mergesort")
    labels = labels[order]
    pmiss = np.concatenate((np.atleast_1d(0), np.cumsum(labels == 1) / tar.size))
    pfa_non = np.concatenate((np.atleast_1d(1), 1 - (np.cumsum(labels == 0) / non.size)))
    pfa_spf = np.concatenate((np.atleast_1d(1), 1 - (np.cumsum(labels == -1) / spf.size)))
    thr = np.concatenate((np.atleast_1d(all_scores[order[0]] - 0.001), all_scores[order]))
    return pmiss, pfa_non, pfa_spf, thr


class Undefined(Exception):
    """Where the package would fail (it reads a variable its loop never set)."""


def teer(pmiss_cm, pfa_cm, tau_cm, pmiss_asv, pfa_non_asv, pfa_spf_asv, tau_asv, return_index=False):
    """compute_teer with rho = 0.5 (percent, like the package)."""
    rho = 0.5
    best = np.inf
    found = None
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(len(tau_asv)):
            pmiss_tdm = pmiss_cm + (1 - pmiss_cm) * pmiss_asv[j]
            pfa_tdm = (1 - rho) * (1 - pmiss_cm) * pfa_non_asv[j] + rho * pfa_cm * pfa_spf_asv[j]
            k = np.argmin(abs(pmiss_tdm - pfa_tdm))
            if pmiss_asv[j] < (1 - rho) * pfa_non_asv[j] + rho * pfa_spf_asv[j]:
                lhs = pfa_non_asv[j] / pfa_spf_asv[j]
                rhs = pfa_cm[k] / (1 - pmiss_cm[k])
                crit = abs(lhs - rhs)
                if crit < best:
                    best = crit
                    found = (pfa_spf_asv[j] * pfa_cm[k], [j, k])
    if found is None:
        raise Undefined
    return (found[0] * 100, found[1]) if return_index else found[0] * 100


def teer_accelerated(pmiss_cm, pfa_cm, tau_cm, pmiss_asv, pfa_non_asv, pfa_spf_asv, tau_asv,
                     size_decimated=3000, bin_width=1600):
    ds_asv = tau_asv.shape[0] // size_decimated
    ds_cm = tau_cm.shape[0] // size_decimated
    if ds_asv > 0 and ds_cm > 0:
        ia = np.arange(tau_asv.shape[0])[::ds_asv]
        ic = np.arange(tau_cm.shape[0])[::ds_cm]
        _, index = teer(pmiss_cm[ic], pfa_cm[ic], tau_cm[ic], pmiss_asv[ia], pfa_non_asv[ia], pfa_spf_asv[ia],
                        tau_asv[ia], return_index=True)
        ca, cc = index[0] * ds_asv, index[1] * ds_cm
        a1, a2 = np.max([ca - bin_width, 0]), np.min([ca + bin_width, len(tau_asv)])
        c1, c2 = np.max([cc - bin_width, 0]), np.min([cc + bin_width, len(tau_cm)])
        return teer(pmiss_cm[c1:c2], pfa_cm[c1:c2], tau_cm[c1:c2], pmiss_asv[a1:a2], pfa_non_asv[a1:a2],
                    pfa_spf_asv[a1:a2], tau_asv[a1:a2])
    return teer(pmiss_cm, pfa_cm, tau_cm, pmiss_asv, pfa_non_asv, pfa_spf_asv, tau_asv)


def track2_teer(cm_scores, asv_scores, asv_keys):
    """t-EER (percent) as ``calculate_aDCF_tdcf_tEER``; CM scores higher = bona fide."""
    x_tar = (asv_scores[asv_keys == "target"], cm_scores[asv_keys == "target"])
    x_non = (asv_scores[asv_keys == "nontarget"], cm_scores[asv_keys == "nontarget"])
    x_spf = (asv_scores[asv_keys == "spoof"], cm_scores[asv_keys == "spoof"])
    pmiss_asv, pfa_non_asv, pfa_spf_asv, tau_asv = asv_curves(x_tar[0], x_non[0], x_spf[0])
    pmiss_cm, pfa_cm, tau_cm = det_curve(np.concatenate([x_tar[1], x_non[1]]), x_spf[1])
    return teer_accelerated(pmiss_cm, pfa_cm, tau_cm, pmiss_asv, pfa_non_asv, pfa_spf_asv, tau_asv)


# -- min Cllr -----------------------------------------------------------------------------------


def pav(y):
    """Plain pool-adjacent-violators (non-decreasing fit, unit weights)."""
    means, weights = [], []
    for v in y:
        m, w = float(v), 1
        while means and means[-1] >= m:
            pm, pw = means.pop(), weights.pop()
            m = (pm * pw + m * w) / (pw + w)
            w += pw
        means.append(m)
        weights.append(w)
    return np.repeat(means, weights)


def softplus(x):
    return np.logaddexp(0, x)


def pyllr_min_cllr(target, nontarget):
    """PYLLR: PAV(scores, labels) with targets sorted first on ties, block LLRs, min_cllr."""
    scores = np.concatenate([target, nontarget])
    labels = np.concatenate([np.ones(target.size, int), np.zeros(nontarget.size, int)])
    order = np.lexsort((-labels, scores))
    fitted = pav(labels[order].astype(float))
    p, counts = np.unique(fitted, return_counts=True)
    tar_counts = np.rint(counts * p).astype(int)
    non_counts = counts - tar_counts
    with np.errstate(divide="ignore"):
        llrs = np.log(p) - np.log1p(-p) - np.log(target.size / nontarget.size)
    t, n = tar_counts > 0, non_counts > 0
    return ((softplus(-llrs[t]) @ tar_counts[t]) / target.size
            + (softplus(llrs[n]) @ non_counts[n]) / nontarget.size) / (2 * np.log(2))


def nontarget_first_min_cllr(target, nontarget):
    """The same with nontargets sorted first on ties (Nautsch's ordering, no epsilon):
    ties are then split between blocks, an optimistic value."""
    scores = np.concatenate([nontarget, target])
    labels = np.concatenate([np.zeros(nontarget.size), np.ones(target.size)])
    fitted = pav(labels[np.argsort(scores, kind="mergesort")])
    ordered_labels = labels[np.argsort(scores, kind="mergesort")]
    with np.errstate(divide="ignore"):
        llr = np.log(fitted) - np.log1p(-fitted) - np.log(target.size / nontarget.size)
    tar_llr, non_llr = llr[ordered_labels == 1], llr[ordered_labels == 0]
    return (np.mean(softplus(-tar_llr)) + np.mean(softplus(non_llr))) / (2 * np.log(2))
