"""EER and DET curve: equal to a direct transcription of the official ASVspoof
algorithm, close to scikit-learn, and the same on CPU and GPU."""

import math

import numpy as np
import pytest
import torch

from fakebench import metrics as M


def official_det(target, nontarget):
    """compute_det_curve of the ASVspoof 2019/2021 packages, transcribed with numpy
    (target = bona fide, higher = more bona fide)."""
    n_scores = target.size + nontarget.size
    all_scores = np.concatenate((target, nontarget))
    labels = np.concatenate((np.ones(target.size), np.zeros(nontarget.size)))
    indices = np.argsort(all_scores, kind="mergesort")
    labels = labels[indices]
    tar_trial_sums = np.cumsum(labels)
    nontarget_trial_sums = nontarget.size - (np.arange(1, n_scores + 1) - tar_trial_sums)
    frr = np.concatenate((np.atleast_1d(0), tar_trial_sums / target.size))
    far = np.concatenate((np.atleast_1d(1), nontarget_trial_sums / nontarget.size))
    thresholds = np.concatenate((np.atleast_1d(all_scores[indices[0]] - 0.001), all_scores[indices]))
    return frr, far, thresholds


def official_eer(target, nontarget):
    frr, far, thr = official_det(target, nontarget)
    i = np.argmin(np.abs(frr - far))
    return np.mean((frr[i], far[i])), thr[i]


def _check(s, y):
    """Our EER, threshold and DET curve against the official code on -s (bona fide high)."""
    ours, thr = M.eer(s, y, return_threshold=True, warn=False)
    ref, ref_thr = official_eer(-s[y == 0], -s[y == 1])
    assert ours == ref  # exactly: same operations in the same order
    assert thr == math.nextafter(-ref_thr, -math.inf)
    frr, far, thresholds = M.det_curve(s, y)
    rfrr, rfar, rthr = official_det(-s[y == 0], -s[y == 1])
    np.testing.assert_array_equal(frr.numpy(), rfrr)
    np.testing.assert_array_equal(far.numpy(), rfar)
    np.testing.assert_array_equal(thresholds.numpy(), rthr)


@pytest.mark.parametrize("seed", range(6))
def test_random_scores_match_official(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 3000))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    s = rng.normal(size=n) * rng.uniform(0.1, 5) + y * rng.uniform(-1, 3)
    _check(s, y)


@pytest.mark.parametrize("levels", [2, 3, 5, 17])
def test_heavily_tied_scores_match_official(levels):
    rng = np.random.default_rng(levels)
    y = rng.integers(0, 2, 1500)
    s = rng.integers(0, levels, 1500).astype(float) + 0.5 * y * rng.integers(0, 2, 1500)
    _check(s, y)


@pytest.mark.parametrize("n_real,n_fake", [(1, 1), (3, 1), (1, 4), (5, 5)])
def test_all_equal_scores_match_official(n_real, n_fake):
    y = np.array([0] * n_real + [1] * n_fake)
    s = np.full(y.size, 0.25)
    _check(s, y)
    # ties put bona fide first, so at the shared score every real clip is already
    # rejected while every fake is still accepted: FRR = FAR = 1, the official EER is 100%
    assert M.eer(s, y, warn=False) == 1.0


@pytest.mark.parametrize("s", [[0.1, 0.9], [0.9, 0.1], [0.5, 0.5], [-3.0, 7.0]])
def test_one_real_one_fake(s):
    s = np.array(s)
    y = np.array([0, 1])
    _check(s, y)


def test_perfect_and_reversed_extremes():
    y = np.array([0] * 50 + [1] * 70)
    s = np.concatenate([np.linspace(-2, -1, 50), np.linspace(1, 2, 70)])
    _check(s, y)
    assert M.eer(s, y) == 0.0
    _check(-s, y)
    assert M.eer(-s, y, warn=False) == 1.0


def test_order_of_clips_does_not_matter():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 800)
    s = np.round(rng.normal(size=800) + y, 1)
    perm = rng.permutation(800)
    assert M.eer(s, y) == M.eer(s[perm], y[perm])


@pytest.mark.parametrize("seed", range(3))
def test_within_one_over_n_of_sklearn(seed):
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(100 + seed)
    n = 4000
    y = rng.integers(0, 2, n)
    s = rng.normal(size=n) + 0.8 * y
    for drop in (False, True):  # every threshold, and scikit-learn's default thinned curve
        fpr, tpr, _ = roc_curve(y, s, drop_intermediate=drop)
        fnr = 1 - tpr
        i = np.nanargmin(np.abs(fnr - fpr))
        bound = 1 / n if not drop else 2 / min((y == 0).sum(), (y == 1).sum())
        assert abs(M.eer(s, y) - (fpr[i] + fnr[i]) / 2) <= bound


def test_float32_and_int_inputs():
    s32 = torch.tensor([0.1, 0.4, 0.35, 0.8], dtype=torch.float32)
    y = torch.tensor([0, 0, 1, 1], dtype=torch.int32)
    assert M.eer(s32, y) == M.eer(s32.double().numpy(), y.numpy())


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_equals_cpu():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 20000)
    s = np.round(rng.normal(size=20000) + y, 2)
    sc, yc = torch.from_numpy(s), torch.from_numpy(y)
    sg, yg = sc.cuda(), yc.cuda()
    assert M.eer(sg, yg, return_threshold=True) == M.eer(sc, yc, return_threshold=True)
    for a, b in zip(M.det_curve(sg, yg), M.det_curve(sc, yc)):
        assert torch.equal(a.cpu(), b)
    assert M.roc_auc(sg, yg) == M.roc_auc(sc, yc)
    assert M.min_dcf(sg, yg) == M.min_dcf(sc, yc)
    assert M.act_dcf(sg, yg) == M.act_dcf(sc, yc)
    assert M.confusion(sg, yg, 0.5) == M.confusion(sc, yc, 0.5)
    asv = {"target": [2.0, 3.0, 4.0, 5.0], "nontarget": [0.0, 1.0, 2.5, 6.0], "spoof": [3.0, 4.0, 5.0, 2.5]}
    assert M.min_tdcf(sg, yg, asv, "2021") == pytest.approx(M.min_tdcf(sc, yc, asv, "2021"), abs=1e-15)
