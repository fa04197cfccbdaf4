"""The ABX metric: hand-computed values, ties, the plugin's contract."""

import numpy as np
import pytest
import torch

from fakebench.errors import MetricError
from fakebench.metrics import abx
from fakebench.plugins.metrics.abx import ABX
from fakebench.registry import Registry


def test_perfectly_separated_groups_score_one():
    e = np.array([[0.0], [1.0], [10.0], [11.0]])
    assert abx(e, ["a", "a", "b", "b"], distance="euclidean") == 1.0


def test_abx_by_hand():
    # a = {0, 10}, b = {1, 11}: anchor 0 -> A=10 (d 10), B: 1 (d 1) wrong, 11 (d 11) right -> 1/2
    # anchor 10 -> A=0 (d 10), B: 1 (d 9), 11 (d 1): both wrong -> 0 ; anchor 1 -> 0 ; anchor 11 -> 1/2
    e = np.array([[0.0], [10.0], [1.0], [11.0]])
    assert abx(e, ["a", "a", "b", "b"], distance="euclidean") == pytest.approx(0.25)


def test_ties_count_one_half_and_lonely_anchors_are_skipped():
    # anchor 0: A = 1 (d 1), B = -1 (d 1): a tie -> 0.5 ; anchor 1: A = 0 (d 1), B = -1 (d 2) -> 1
    # anchor -1 has no A and is skipped
    e = np.array([[0.0], [1.0], [-1.0]])
    assert abx(e, ["a", "a", "b"], distance="euclidean") == pytest.approx(0.75)


def test_none_groups_are_ignored_and_cosine_ignores_norms():
    e = np.array([[1.0, 0.0], [5.0, 0.1], [0.0, 1.0], [0.1, 3.0], [1.0, 0.0]])
    assert abx(e, ["a", "a", "b", "b", None]) == 1.0
    assert abx(e * 7.0, ["a", "a", "b", "b", None]) == 1.0


def test_random_embeddings_are_near_chance():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(200, 8))
    groups = rng.integers(0, 4, size=200).tolist()
    assert abs(abx(e, groups) - 0.5) < 0.05
    assert abs(abx(e, groups, max_anchors=50) - 0.5) < 0.1


def test_undefined_abx_is_a_metric_error():
    with pytest.raises(MetricError, match="no item"):
        abx(np.eye(3), ["a", "b", "c"])
    with pytest.raises(MetricError):
        abx(np.eye(3), ["a", "b"])


def test_plugin_uses_context_embeddings_and_labels():
    e = np.array([[0.0, 1.0], [0.1, 1.0], [1.0, 0.0], [1.0, 0.1]])
    y = torch.tensor([0, 0, 1, 1])
    assert ABX().compute(torch.zeros(4), y, embeddings=e) == 1.0
    # crossed groups, cosine distances: anchors 0 and 2 get 0/2 right; anchor 1: A=3 at 0.80,
    # B=0 at 0.005 (wrong) and B=2 at 0.90 (right) -> 1/2; anchor 3 likewise -> 1/2
    assert ABX().compute(torch.zeros(4), y, embeddings=e, groups=["a", "b", "a", "b"]) == pytest.approx(0.25)
    with pytest.raises(MetricError, match="embedding space"):
        ABX().compute(torch.zeros(4), y)


def test_plugin_is_registered_but_not_a_default():
    cls = Registry().metric("abx")
    assert cls is ABX and cls.higher_is_better and not cls.default and not cls.from_scores
