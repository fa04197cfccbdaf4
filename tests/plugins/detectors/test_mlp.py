"""The paper's MLP."""

import numpy as np
import pytest
import torch

from fakebench.plugins.detectors.mlp import MLP
from fakebench.testing import parametrize_with_checks


@parametrize_with_checks(lambda: MLP(hidden=(32, 32), epochs=20, checkpoint_every=5, batch_size=32))
def test_mlp_conformance(factory, check):
    check(factory)


def test_defaults_are_the_papers():
    d = MLP().get_params()
    assert d["hidden"] == (512, 1024, 512)
    assert d["dropout"] == 0.5 and d["lr"] == 7e-4 and d["batch_size"] == 128 and d["epochs"] == 100
    assert d["checkpoint_every"] == 10 and d["balance"] == "sampler"


def test_architecture():
    from fakebench.plugins.detectors.mlp import build_mlp

    m = build_mlp(1024, (512, 1024, 512), 0.5)
    linears = [l for l in m if isinstance(l, torch.nn.Linear)]
    assert [(l.in_features, l.out_features) for l in linears] == [(1024, 512), (512, 1024), (1024, 512), (512, 1)]
    assert sum(isinstance(l, torch.nn.Dropout) and l.p == 0.5 for l in m) == 3
    assert sum(isinstance(l, torch.nn.ReLU) for l in m) == 3


def test_checkpoint_kept_is_best_validation_accuracy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    xv = rng.normal(size=(60, 8)).astype(np.float32)
    yv = (xv[:, 0] > 0).astype(np.int64)
    det = MLP(epochs=30, checkpoint_every=10, batch_size=32).fit(x, y, xv, yv)
    checkpoints = [h for h in det.history_ if h["epoch"] % 10 == 0]
    best = max(checkpoints, key=lambda h: (h["val_accuracy"], -h["epoch"]))
    assert det.best_epoch_ == best["epoch"]
    acc = ((det.decision_function(xv) > 0).astype(int) == yv).mean()
    assert acc == pytest.approx(best["val_accuracy"])


def test_balanced_sampling_draws_classes_equally():
    from fakebench.training import epoch_indices

    y = torch.tensor([0] * 100 + [1] * 900)
    idx = epoch_indices(len(y), y, "sampler", torch.Generator().manual_seed(0))
    frac_real = float((y[idx] == 0).double().mean())
    assert 0.45 < frac_real < 0.55


def test_cpu_runs_are_bit_reproducible():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 6)).astype(np.float32)
    y = (x[:, 1] > 0).astype(np.int64)
    a = MLP(epochs=5, random_state=7).fit(x, y).decision_function(x)
    b = MLP(epochs=5, random_state=7).fit(x, y).decision_function(x)
    c = MLP(epochs=5, random_state=8).fit(x, y).decision_function(x)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_wrong_dim_is_clear():
    from fakebench.errors import ConfigError

    det = MLP(epochs=1).fit(np.random.rand(20, 4).astype(np.float32), np.array([0, 1] * 10))
    with pytest.raises(ConfigError, match="trained on 4-d"):
        det.decision_function(np.random.rand(3, 5))
