"""cnn1d and logreg: conformance, the paper's architecture, checkpoint selection.

Training on the real shared Foley clips (sfx embeddings) is in test_cli_detectors.py."""

import numpy as np
import pytest
import torch

from fakebench.plugins.detectors.cnn1d import CNN1d, CNN1dNet
from fakebench.plugins.detectors.logreg import LogReg
from fakebench.testing import parametrize_with_checks


@parametrize_with_checks(lambda: CNN1d(epochs=10, checkpoint_every=5, batch_size=32))
def test_cnn1d_conformance(factory, check):
    check(factory)


@parametrize_with_checks(lambda: LogReg())
def test_logreg_conformance(factory, check):
    check(factory)


def test_cnn1d_defaults_are_the_papers():
    d = CNN1d().get_params()
    assert d["channels"] == 64 and d["kernel_size"] == 3 and d["pool_size"] == 3 and d["dropout"] == 0.5
    assert d["lr"] == 7e-4 and d["batch_size"] == 128 and d["epochs"] == 100
    assert d["checkpoint_every"] == 10 and d["balance"] == "sampler"


def test_cnn1d_architecture_matches_companion_code():
    net = CNN1dNet(512)
    assert (net.conv1.in_channels, net.conv1.out_channels, net.conv1.kernel_size) == (1, 64, (3,))
    assert (net.conv2.in_channels, net.conv2.out_channels, net.conv2.kernel_size) == (64, 64, (3,))
    assert net.pool.kernel_size == 3 and net.pool.stride == 1 and net.drop.p == 0.5
    assert net.linear.in_features == 64 * (512 - 4) and net.linear.out_features == 1
    assert net(torch.zeros(2, 512)).shape == (2,)


def test_cnn1d_too_short_embedding_is_clear():
    from fakebench.errors import ConfigError

    with pytest.raises(ConfigError, match="at least 5"):
        CNN1d(epochs=1).fit(np.zeros((4, 3), dtype=np.float32), np.array([0, 1, 0, 1]))


def test_cnn1d_keeps_best_validation_checkpoint():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 16)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    xv = rng.normal(size=(40, 16)).astype(np.float32)
    yv = (xv[:, 0] > 0).astype(np.int64)
    det = CNN1d(epochs=12, checkpoint_every=4, batch_size=32).fit(x, y, xv, yv)
    checkpoints = [h for h in det.history_ if h["epoch"] % 4 == 0]
    best = max(checkpoints, key=lambda h: (h["val_accuracy"], -h["epoch"]))
    assert det.best_epoch_ == best["epoch"]
    acc = ((det.decision_function(xv) > 0).astype(int) == yv).mean()
    assert acc == pytest.approx(best["val_accuracy"])


def test_logreg_matches_sklearn_and_standardises():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    x = (rng.normal(size=(200, 6)) * [1, 10, 100, 1, 1, 1]).astype(np.float32)
    y = (x[:, 0] + x[:, 1] / 10 > 0).astype(np.int64)
    det = LogReg().fit(x, y)
    xs = StandardScaler().fit_transform(x.astype(np.float64))
    ref = LogisticRegression(class_weight="balanced", max_iter=1000).fit(xs, y).decision_function(xs)
    np.testing.assert_allclose(det.decision_function(x), ref, rtol=1e-6, atol=1e-6)
    raw = LogReg(standardize=False).fit(x, y)
    assert not np.allclose(raw.decision_function(x), det.decision_function(x))
    assert det.history_[0]["accuracy"] > 0.9 and det.history_[0]["loss"] < 0.4
