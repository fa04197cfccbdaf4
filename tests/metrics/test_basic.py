"""Core metric functions: EER against a direct transcription of the official algorithm."""

import numpy as np
import pytest
import torch

from fakebench import metrics as M
from fakebench.errors import MetricError

from metrics.test_eer import official_eer  # the ASVspoof packages' algorithm, transcribed


def _fb(scores, labels):
    return M.eer(scores, labels, return_threshold=True, warn=False)


@pytest.mark.parametrize("seed", range(5))
def test_eer_matches_official_on_random_scores(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 500)
    s = rng.normal(size=500) + y
    ours, thr = _fb(s, y)
    ref, ref_thr = official_eer(-s[y == 0], -s[y == 1])
    assert ours == pytest.approx(ref, abs=1e-12)
    assert thr == pytest.approx(-ref_thr)


def test_eer_matches_official_on_heavy_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    s = rng.integers(0, 4, 400).astype(float)
    assert _fb(s, y)[0] == pytest.approx(official_eer(-s[y == 0], -s[y == 1])[0], abs=1e-12)


def test_eer_all_equal_scores():
    y = np.array([0, 0, 1, 1, 1])
    s = np.zeros(5)
    assert _fb(s, y)[0] == pytest.approx(official_eer(-s[y == 0], -s[y == 1])[0])


def test_eer_one_real_one_fake():
    assert _fb(np.array([0.1, 0.9]), np.array([0, 1]))[0] == 0.0
    assert _fb(np.array([0.9, 0.1]), np.array([0, 1]))[0] == pytest.approx(official_eer(np.array([-0.9]), np.array([-0.1]))[0])


def test_eer_threshold_rule_is_score_above_threshold():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = rng.normal(size=300) + 2 * y
    e, thr = _fb(s, y)
    pred = s > thr
    frr = np.mean(pred[y == 0])
    far = np.mean(~pred[y == 1])
    assert (frr + far) / 2 == pytest.approx(e)


def test_eer_close_to_sklearn_roc():
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 2000)
    s = rng.normal(size=2000) + y
    fpr, tpr, _ = roc_curve(y, s)
    fnr = 1 - tpr
    i = np.nanargmin(np.abs(fnr - fpr))
    assert abs(M.eer(s, y) - (fpr[i] + fnr[i]) / 2) <= 1 / 1000


def test_eer_warns_when_direction_looks_swapped():
    with pytest.warns(UserWarning, match="swapped"):
        M.eer(np.array([0.9, 0.8, 0.1, 0.2]), np.array([0, 0, 1, 1]))


def test_eer_one_class_is_undefined():
    with pytest.raises(MetricError, match="only fake"):
        M.eer(np.array([0.1, 0.2]), np.array([1, 1]))


def test_accuracy_f1_confusion():
    s = np.array([0.9, 0.8, 0.2, 0.6, 0.1])
    y = np.array([1, 1, 0, 0, 1])
    assert M.confusion(s, y, 0.5) == [[1, 1], [1, 2]]
    assert M.accuracy(s, y, 0.5) == pytest.approx(3 / 5)
    assert M.f1(s, y, 0.5) == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))


def test_metrics_accept_tensors():
    s = torch.tensor([0.1, 0.9, 0.2, 0.8])
    y = torch.tensor([0, 1, 0, 1])
    assert M.eer(s, y) == 0.0 and M.accuracy(s, y, 0.5) == 1.0
