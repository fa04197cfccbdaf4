"""DADA's triplet losses (checked against hand-computed values) and triplet sampling."""

import math

import numpy as np
import pytest
import torch

from fakebench.errors import DatasetError
from fakebench.plugins.detectors._dada.losses import AdaTriplet, pair_distance, triplet_loss
from fakebench.plugins.detectors._dada.triplets import check_groups, group_codes, sample_triplets


def t(*rows):
    return torch.tensor(rows, dtype=torch.float64)


def test_l2_triplet_loss_by_hand():
    a = t([0.0, 0.0], [0.0, 0.0])
    p = t([3.0, 4.0], [3.0, 4.0])  # d(a, p) = 5
    n = t([6.0, 8.0], [1.0, 0.0])  # d(a, n) = 10, then 1
    # max(0, 5 - 10 + 1) = 0 ; max(0, 5 - 1 + 1) = 5
    assert triplet_loss(a, p, n, margin=1.0, distance="l2", reduction="none").tolist() == [0.0, 5.0]
    assert float(triplet_loss(a, p, n, margin=1.0, distance="l2")) == pytest.approx(2.5)
    assert float(triplet_loss(a, p, n, margin=1.0, distance="l2", reduction="sum")) == pytest.approx(5.0)


def test_cosine_triplet_loss_by_hand():
    a = t([1.0, 0.0], [1.0, 0.0])
    p = t([1.0, 1.0], [0.0, 1.0])  # cos = 1/sqrt(2) -> d = 1 - 0.7071 ; cos = 0 -> d = 1
    n = t([0.0, 1.0], [2.0, 0.0])  # d = 1 ; d = 0 (cosine ignores the norm)
    d_ap = 1 - 1 / math.sqrt(2)
    assert pair_distance(a, p, "cosine").tolist() == pytest.approx([d_ap, 1.0])
    per = triplet_loss(a, p, n, margin=0.5, distance="cosine", reduction="none")
    assert per.tolist() == pytest.approx([max(0.0, d_ap - 1 + 0.5), 1.5])
    assert float(triplet_loss(a, p, n, margin=0.5, distance="cosine")) == pytest.approx(0.75)


def test_adatriplet_loss_by_hand():
    a = t([1.0, 0.0], [1.0, 0.0])
    p = t([0.6, 0.8], [1.0, 0.0])  # phi_ap = 0.6 ; 1
    n = t([0.8, 0.6], [0.0, 1.0])  # phi_an = 0.8 ; 0
    loss = AdaTriplet(eps=0.1, beta=0.5, lambda_an=1.0)
    # triplet 1: (0.8 - 0.6 + 0.1) + (0.8 - 0.5) = 0.6 ; triplet 2: 0 + 0 = 0
    assert loss(a, p, n, reduction="none").tolist() == pytest.approx([0.6, 0.0])
    assert float(loss(a, p, n)) == pytest.approx(0.3)
    # the angular term alone (lambda=2 doubles it): 0.3 + 2 * 0.3
    assert float(AdaTriplet(eps=0.1, beta=0.5, lambda_an=2.0)(a[:1], p[:1], n[:1])) == pytest.approx(0.9)


def test_automargin_update_by_hand():
    a = t([1.0, 0.0], [1.0, 0.0])
    p = t([0.6, 0.8], [1.0, 0.0])
    n = t([0.8, 0.6], [0.0, 1.0])
    loss = AdaTriplet(eps=0.1, beta=0.5, k_delta=2.0, k_an=2.0)
    loss.observe(a, p, n)
    # Delta = phi_ap - phi_an = [-0.2, 1.0], mean 0.4 -> eps = 0.4 / 2 = 0.2
    # mean phi_an = 0.4 -> beta = 1 - (1 - 0.4) / 2 = 0.7
    eps, beta = loss.update()
    assert (eps, beta) == pytest.approx((0.2, 0.7))
    assert (loss.eps, loss.beta) == pytest.approx((0.2, 0.7))
    # statistics are forgotten after an update: nothing observed -> margins stay
    assert loss.update() == pytest.approx((0.2, 0.7))
    # a negative mean Delta gives eps = 0, never a negative margin
    loss.observe(a[:1], p[:1], n[:1])
    assert loss.update(eps=True, beta=False)[0] == 0.0 and loss.beta == pytest.approx(0.7)


def test_losses_have_gradients():
    a = torch.randn(4, 8, requires_grad=True)
    p, n = torch.randn(4, 8), torch.randn(4, 8)
    (triplet_loss(a, p, n, margin=2.0, distance="l2") + AdaTriplet(eps=1.0, beta=-1.0)(a, p, n)).backward()
    assert a.grad is not None and a.grad.abs().sum() > 0


def test_sampled_triplets_respect_groups():
    codes, names = group_codes(["x", "y", "x", None, "z", "y", "x", "z", "w"])
    assert names == ["w", "x", "y", "z"]
    gen = torch.Generator().manual_seed(0)
    for _ in range(50):
        a, p, n = sample_triplets(codes, gen)
        # every item of a group with >= 2 members is an anchor exactly once; None and the
        # singleton group "w" are never anchors
        assert sorted(a.tolist()) == [0, 1, 2, 4, 5, 6, 7]
        assert (codes[a] == codes[p]).all() and (a != p).all()
        assert (codes[n] != codes[a]).all() and (codes[n] >= 0).all() and (codes[p] >= 0).all()
    a1 = sample_triplets(codes, torch.Generator().manual_seed(3))
    a2 = sample_triplets(codes, torch.Generator().manual_seed(3))
    assert all(torch.equal(u, v) for u, v in zip(a1, a2))


def test_sampled_negatives_cover_every_other_group():
    codes, _ = group_codes(["x", "x", "y", "z"])
    gen = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(200):
        a, p, n = sample_triplets(codes, gen)
        seen |= {int(nn) for aa, nn in zip(a, n) if aa == 0}
    assert seen == {2, 3}


def test_groups_that_cannot_form_triplets_are_clear():
    with pytest.raises(DatasetError, match="two groups"):
        check_groups(group_codes(["a", "a", "a"])[0], "text branch", "hint")
    with pytest.raises(DatasetError):
        check_groups(group_codes(["a", "b", None])[0], "text branch", "hint")
    check_groups(np.array([0, 0, 1]), "ok", "hint")
