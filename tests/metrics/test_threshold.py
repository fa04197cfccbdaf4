"""Threshold metrics, ROC AUC and BCE against scikit-learn; the metric plugins' context."""

import numpy as np
import pytest
import torch

from fakebench import metrics as M
from fakebench.errors import MetricError
from fakebench.registry import Registry


def _data(seed, n=700, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = rng.normal(size=n) + y
    return (np.round(s, 1) if ties else s), y


@pytest.mark.parametrize("seed,ties", [(0, False), (1, True), (2, True)])
def test_roc_auc_equals_sklearn(seed, ties):
    from sklearn.metrics import roc_auc_score

    s, y = _data(seed, ties=ties)
    assert M.roc_auc(s, y) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_roc_auc_edge_cases():
    y = np.array([0, 0, 1, 1])
    assert M.roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), y) == 1.0
    assert M.roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), y) == 0.0
    assert M.roc_auc(np.zeros(4), y) == 0.5
    with pytest.raises(MetricError, match="only fake"):
        M.roc_auc(np.array([0.1, 0.2]), np.array([1, 1]))


def test_roc_curve_endpoints_and_monotone():
    s, y = _data(3)
    fpr, tpr = M.roc_curve(s, y)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert bool((torch.diff(fpr) >= 0).all()) and bool((torch.diff(tpr) >= 0).all())


@pytest.mark.parametrize("threshold", [-0.5, 0.0, 0.7])
def test_threshold_metrics_equal_sklearn(threshold):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, precision_score, recall_score

    s, y = _data(4)
    pred = (s > threshold).astype(int)
    assert M.accuracy(s, y, threshold) == pytest.approx(accuracy_score(y, pred))
    assert M.balanced_accuracy(s, y, threshold) == pytest.approx(balanced_accuracy_score(y, pred))
    assert M.precision(s, y, threshold) == pytest.approx(precision_score(y, pred, zero_division=0))
    assert M.recall(s, y, threshold) == pytest.approx(recall_score(y, pred, zero_division=0))
    assert M.f1(s, y, threshold) == pytest.approx(f1_score(y, pred, zero_division=0))


def test_balanced_accuracy_by_hand_and_undefined():
    """Real: 3 of 4 right (0.75); fake: 1 of 2 right (0.5); balanced = 0.625 while plain
    accuracy is 4/6."""
    s = np.array([0.1, 0.2, 0.3, 0.9, 0.8, 0.1])
    y = np.array([0, 0, 0, 0, 1, 1])
    assert M.balanced_accuracy(s, y, 0.5) == pytest.approx(0.625)
    assert M.accuracy(s, y, 0.5) == pytest.approx(4 / 6)
    with pytest.raises(MetricError):
        M.balanced_accuracy(s[:4], y[:4], 0.5)


def test_precision_is_zero_without_positive_calls():
    assert M.precision(np.array([0.1, 0.2]), np.array([0, 1]), threshold=0.5) == 0.0


def test_bce_equals_sklearn_log_loss():
    from sklearn.metrics import log_loss

    s, y = _data(5)
    p = 1 / (1 + np.exp(-s))
    assert M.bce(s, y) == pytest.approx(log_loss(y, p), rel=1e-9)


def test_plugins_use_the_threshold_they_are_given():
    reg = Registry()
    s = torch.tensor([0.1, 0.4, 0.6, 0.9], dtype=torch.float64)
    y = torch.tensor([0, 1, 0, 1])
    acc = reg.metric("balanced_accuracy")()
    assert acc.compute(s, y, threshold=0.5) == 0.5
    assert acc.compute(s, y, threshold=0.3) == 0.75
    assert reg.metric("recall")().compute(s, y, threshold=0.3) == 1.0
    assert reg.metric("precision")().compute(s, y, threshold=0.95) == 0.0


def test_logit_metrics_refuse_non_logit_scores():
    reg = Registry()
    s = torch.tensor([0.1, 0.9, 0.3, 0.7], dtype=torch.float64)
    y = torch.tensor([0, 1, 0, 1])
    for name in ("bce", "act_dcf"):
        with pytest.raises(MetricError, match="logit"):
            reg.metric(name)().compute(s, y, scores_are_logits=False)
    assert reg.metric("act_dcf").requires == ("scores_are_logits",)
    assert reg.metric("min_tdcf_2021").requires == ("asv_scores",)


def test_metric_directions():
    reg = Registry()
    lower = {"eer", "min_dcf", "act_dcf", "min_tdcf_2019", "min_tdcf_2021", "bce", "rtf", "rtf_embedding",
             "rtf_detector"}
    higher = {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc"}
    for name in lower:
        assert reg.metric(name).higher_is_better is False, name
    for name in higher:
        assert reg.metric(name).higher_is_better is True, name
