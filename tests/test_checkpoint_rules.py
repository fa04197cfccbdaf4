"""Checkpoint rules of the embedding heads: ``best`` (fakebench's) and ``block-mean:N``
(Ouajdi et al.'s ``ModelTrainer.best_model``), on recorded validation curves and ties,
and in real training runs.

The recorded curves are the per-epoch validation accuracies printed by the authors'
``deepfakeClassifiers/examples/example_training.ipynb`` (github.com/mathieulagrange/
audioFoleyDeepFake, commit 82e84b2), runs 1 and 2 of its cell 4 (VGGish, 100 epochs).
``authors_best_epoch`` below is a transcription of the rule in that repository's
``utils.py``, written for this test.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fakebench.errors import ConfigError
from fakebench.training import batch_mean_accuracy, block_means, parse_checkpoint_rule, select_epoch

RUN_1 = [
0.7729, 0.7170, 0.7510, 0.7820, 0.7367, 0.7516, 0.7378, 0.7866, 0.7891, 0.7903,
    0.8113, 0.8150, 0.8144, 0.8194, 0.8144, 0.8059, 0.8034, 0.7719, 0.7984, 0.7937,
    0.8041, 0.7712, 0.8056, 0.7891, 0.8044, 0.8006, 0.8247, 0.8387, 0.8300, 0.8403,
    0.7881, 0.8119, 0.8009, 0.8081, 0.8363, 0.8072, 0.8478, 0.8056, 0.8175, 0.8447,
    0.8150, 0.8213, 0.8219, 0.8400, 0.8169, 0.8406, 0.8287, 0.8350, 0.8387, 0.8431,
    0.8331, 0.8491, 0.8175, 0.8344, 0.8466, 0.8272, 0.8584, 0.8141, 0.8506, 0.8291,
    0.8525, 0.8488, 0.8562, 0.8350, 0.8353, 0.8462, 0.8406, 0.8556, 0.8325, 0.8447,
    0.8372, 0.8253, 0.8334, 0.8319, 0.8213, 0.8475, 0.8178, 0.8363, 0.8519, 0.8422,
    0.8466, 0.8478, 0.8263, 0.8131, 0.8450, 0.8075, 0.8450, 0.8403, 0.8431, 0.8403,
    0.8378, 0.8528, 0.8503, 0.8375, 0.8497, 0.8509, 0.8278, 0.8237, 0.8381, 0.8497
]
RUN_2 = [
    0.7457, 0.7804, 0.8063, 0.7717, 0.8037, 0.7850, 0.7578, 0.7662, 0.7934, 0.7984,
    0.8047, 0.8253, 0.8284, 0.8069, 0.7847, 0.8206, 0.7816, 0.7600, 0.8119, 0.8003,
    0.8069, 0.8253, 0.8194, 0.8244, 0.8434, 0.8294, 0.8244, 0.8137, 0.8294, 0.8344,
    0.8147, 0.8184, 0.8287, 0.8366, 0.8394, 0.8278, 0.8056, 0.8247, 0.8316, 0.8200,
    0.8488, 0.8409, 0.8066, 0.8384, 0.8269, 0.8391, 0.8247, 0.8159, 0.8609, 0.8381,
    0.8263, 0.8497, 0.8269, 0.8287, 0.8256, 0.8444, 0.8616, 0.8406, 0.8100, 0.8378,
    0.8225, 0.8469, 0.8538, 0.8484, 0.8453, 0.8425, 0.8297, 0.8378, 0.8519, 0.8456,
    0.8481, 0.8419, 0.8416, 0.8438, 0.8147, 0.7987, 0.8366, 0.8519, 0.8572, 0.8400,
    0.8266, 0.8447, 0.8491, 0.8322, 0.8478, 0.8562, 0.8494, 0.8325, 0.8591, 0.8609,
    0.8559, 0.8553, 0.8531, 0.8491, 0.8409, 0.8428, 0.8350, 0.8459, 0.8369, 0.8481
]


def authors_best_epoch(valid_acc, interval_length=10, num_epochs=100, checkpoint_interval=10):
    """The authors' rule, transcribed: average each block of ``interval_length`` epochs
    (sum divided by ``interval_length``), take the first block with the highest average,
    then among the epochs i (0-based) strictly inside (start, end) keep those whose 1-based
    number is a checkpoint epoch, and load the best of them (there is one: the block's
    last epoch)."""
    averages = []
    for start in range(0, num_epochs, interval_length):
        averages.append(sum(valid_acc[start:start + interval_length]) / interval_length)
    block = averages.index(max(averages))
    lo, hi = block * interval_length, block * interval_length + interval_length
    kept = [(i + 1, a) for i, a in enumerate(valid_acc) if lo < i < hi and (i + 1) % checkpoint_interval == 0]
    return max(kept, key=lambda t: t[1])[0]


def authors_epoch_accuracy(logits: torch.Tensor, labels: torch.Tensor, batch: int) -> float:
    """The authors' per-epoch validation accuracy, transcribed: for each batch of the
    (unshuffled) validation loader, mean of (sigmoid(output) > threshold) == target as a
    float32 tensor, ``.item()``; then ``np.mean`` of the batch values."""
    accs = []
    for start in range(0, len(logits), batch):
        out = logits[start:start + batch].float().view(-1, 1)
        target = labels[start:start + batch].float().view(-1, 1)
        preds = (torch.sigmoid(out) > 0.5) * 1
        accs.append(torch.mean((preds == target).type(torch.float)).item())
    return np.mean(accs)


@pytest.mark.parametrize("curve", [RUN_1, RUN_2], ids=["run1", "run2"])
def test_block_mean_picks_the_authors_epoch_on_recorded_curves(curve):
    assert len(curve) == 100
    got = select_epoch("block-mean:10", curve)
    assert got == authors_best_epoch(curve)
    # and fakebench's default rule keeps another epoch on both: the rules really differ
    assert select_epoch("best", curve, checkpoint_every=10) != got


def test_the_recorded_curves_pick_blocks_that_best_would_not():
    # run 1: block 61-70 averages 0.8447, yet epoch 100 has the best single accuracy
    assert select_epoch("block-mean:10", RUN_1) == authors_best_epoch(RUN_1) == 70
    assert select_epoch("best", RUN_1, checkpoint_every=10) == 100
    # run 2: blocks 81-90 (0.8459) and 91-100 (0.8463) are close; epoch 90 is the best single
    assert select_epoch("block-mean:10", RUN_2) == authors_best_epoch(RUN_2) == 100
    assert select_epoch("best", RUN_2, checkpoint_every=10) == 90


@pytest.mark.parametrize("curve", [
    [0.5] * 100,                                          # all blocks tie: the first
    [0.25] * 10 + [0.75] * 10 + [0.5] * 60 + [0.75] * 10 + [0.25] * 10,  # exact tie: blocks 2 and 9
    [0.5] * 10 + [0.125, 0.875] * 5 + [0.5] * 80,         # same mean by another sum
    [0.9] + [0.1] * 9 + [0.3] * 10 + [0.2] * 80,          # best single epoch (1) is not the best block
    list(np.linspace(0.1, 0.9, 100)),                     # increasing: the last block
    list(np.linspace(0.9, 0.1, 100)),                     # decreasing: the first block
], ids=["flat", "tie-2-9", "tie-other-sum", "single-vs-block", "up", "down"])
def test_block_mean_ties_and_corner_cases(curve):
    assert select_epoch("block-mean:10", curve) == authors_best_epoch(curve)


def test_block_mean_on_floating_point_near_ties():
    """Block means that differ only in the last bits: the comparison must be the authors'
    left-to-right sum divided by N, not a mean computed another way."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        base = rng.integers(0, 128, size=10) / 128.0
        curve = list(rng.permutation(base)) + list(rng.permutation(base)) + list(rng.random(80) * 0.4)
        assert select_epoch("block-mean:10", curve) == authors_best_epoch(curve)
        curve = [float(v) for v in rng.random(100)]
        assert select_epoch("block-mean:10", curve) == authors_best_epoch(curve)
        assert block_means(curve, 10) == [sum(curve[i:i + 10]) / 10 for i in range(0, 100, 10)]


def test_other_block_lengths_and_a_short_last_block():
    curve = [0.1, 0.2, 0.3, 0.9, 0.9, 0.1, 0.5, 0.5, 0.5, 0.5]  # 2.4/5 against 2.1/5
    assert select_epoch("block-mean:5", curve) == authors_best_epoch(curve, 5, 10, 5) == 5
    curve = [0.1, 0.2, 0.3, 0.4, 0.4, 0.9, 0.1, 0.5, 0.5, 0.5]  # 1.4/5 against 2.5/5
    assert select_epoch("block-mean:5", curve) == authors_best_epoch(curve, 5, 10, 5) == 10
    # 12 epochs, blocks of 5: the short last block is divided by 5, as the authors divide
    short = [0.5] * 10 + [0.9, 0.9]  # the last block scores 1.8 / 5 = 0.36, not 0.9
    assert block_means(short, 5)[-1] == pytest.approx(0.36)
    assert select_epoch("block-mean:5", short) == 5
    assert select_epoch("block-mean:5", [0.1] * 10 + [1.0, 1.0]) == 12  # it can still win: its last epoch
    assert select_epoch("block-mean:5", [0.1] * 10 + [1.0] * 5) == 15


def test_rule_names():
    assert parse_checkpoint_rule("best") == ("best", None)
    assert parse_checkpoint_rule("block-mean:10") == ("block-mean", 10)
    for bad in ("block-mean", "block-mean:0", "block-mean:x", "mean:10", ""):
        with pytest.raises(ConfigError):
            parse_checkpoint_rule(bad)


def test_batch_mean_accuracy_is_the_authors_epoch_accuracy():
    g = torch.Generator().manual_seed(0)
    for n, batch in ((1000, 128), (3075, 128), (129, 128), (50, 128), (77, 7)):
        logits = torch.randn(n, generator=g) * 3
        logits = torch.where(logits.abs() < 1e-3, torch.full_like(logits, 0.5), logits)
        labels = (torch.rand(n, generator=g) > 0.3).long()
        assert batch_mean_accuracy(logits, labels, batch) == authors_epoch_accuracy(logits, labels, batch)
    # a short last batch weighs as much as a full one: not the plain accuracy
    logits = torch.tensor([5.0] * 128 + [-5.0])
    labels = torch.ones(129, dtype=torch.long)
    assert batch_mean_accuracy(logits, labels, 128) == 0.5
    assert float(((logits > 0).long() == labels).double().mean()) == pytest.approx(128 / 129)


def _data(seed=0, n=400, d=12):
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(n, generator=g) < 0.75).long()
    x = torch.randn(n, d, generator=g) + 0.6 * y[:, None].float()
    return x.numpy().astype(np.float32), y.numpy()


def _mlp(**kw):
    from fakebench.plugins.detectors.mlp import MLP

    base = dict(hidden=(16,), dropout=0.2, lr=3e-3, batch_size=32, epochs=30, checkpoint_every=5, random_state=0)
    return MLP(**{**base, **kw})


def test_training_keeps_the_block_mean_checkpoint():
    """A real training run: the epoch kept is the rule's on the run's own curve, and the
    model kept is the model of that epoch (a run stopped there gives the same scores)."""
    torch.set_num_threads(1)
    x, y = _data(0)
    xv, yv = _data(1, n=150)
    det = _mlp(checkpoint_rule="block-mean:5").fit(x, y, xv, yv)
    curve = [h["val_accuracy_batch_mean"] for h in det.history_]
    assert len(curve) == 30
    assert det.best_epoch_ == select_epoch("block-mean:5", curve) == authors_best_epoch(curve, 5, 30, 5)
    stopped = _mlp(epochs=det.best_epoch_, checkpoint_every=det.best_epoch_).fit(x, y, xv, yv)
    assert np.array_equal(det.decision_function(xv), stopped.decision_function(xv))
    plain = _mlp().fit(x, y, xv, yv)  # fakebench's rule on the same run
    best_curve = [h["val_accuracy"] for h in plain.history_]
    assert plain.best_epoch_ == select_epoch("best", best_curve, checkpoint_every=5)


def test_warmup_epochs_train_before_epoch_one():
    """Two warm-up epochs then three numbered ones train exactly like five epochs."""
    torch.set_num_threads(1)
    x, y = _data(2)
    xv, yv = _data(3, n=100)
    warm = _mlp(epochs=3, warmup_epochs=2, checkpoint_every=3).fit(x, y, xv, yv)
    five = _mlp(epochs=5, checkpoint_every=5).fit(x, y, xv, yv)
    assert np.array_equal(warm.decision_function(xv), five.decision_function(xv))
    assert [h.get("stage") for h in warm.history_[:2]] == ["warmup", "warmup"]
    assert [h["epoch"] for h in warm.history_[2:]] == [1, 2, 3] and warm.best_epoch_ == 3


def test_a_bad_rule_is_a_config_error_before_training():
    x, y = _data(0, n=40)
    with pytest.raises(ConfigError, match="checkpoint_rule"):
        _mlp(checkpoint_rule="block-mean:ten").fit(x, y, x, y)
