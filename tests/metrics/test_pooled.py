"""Pooled and average EER over several test sets, on cases worked out by hand."""

import numpy as np
import pytest
from fakebench.errors import MetricError
from fakebench.metrics.pooled import average_eer, per_set_eer, pooled_eer


def test_shifted_sets_pooled_is_not_average():
    """Set A: real 0.1, 0.2, fake 0.3, 0.4; set B: real 0.5, 0.6, fake 0.7, 0.8. Each set is
    perfectly separated: EER 0, average 0.

    Pooled, in the official direction (negated): bona fide -0.1 -0.2 -0.5 -0.6, spoof
    -0.3 -0.4 -0.7 -0.8; ascending -.8s -.7s -.6b -.5b -.4s -.3s -.2b -.1b. With the
    leading point (FRR 0, FAR 1): FRR 0 0 0 1/4 2/4 ..., FAR 1 3/4 2/4 2/4 2/4 ...;
    |FRR - FAR| = 1, .75, .5, .25, 0 -> EER = (2/4 + 2/4) / 2 = 50 %: no single threshold
    separates both sets."""
    a = ([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1])
    b = ([0.5, 0.6, 0.7, 0.8], [0, 0, 1, 1])
    assert per_set_eer([a, b]) == {"set 1": 0.0, "set 2": 0.0}
    assert average_eer([a, b]) == 0.0
    assert pooled_eer([a, b]) == 0.5


def test_equal_weight_per_set():
    """A: real 0, 0.1, fake 1, 1.1 (EER 0); B: real 0.6, fake 0.4, reversed: official
    bona fide -0.6 below spoof -0.4, FRR 0 1 1, FAR 1 1 0 -> the first closest point is
    (1, 1): EER 100 %. Average = (0 + 1) / 2 = 50 %, whatever the sizes.

    Pooled: bona fide 0 -0.1 -0.6, spoof -1 -1.1 -0.4; ascending -1.1s -1s -.6b -.4s -.1b 0b,
    FRR 0 0 0 1/3 1/3 2/3 1, FAR 1 2/3 1/3 1/3 0 0 0 -> |diff| 1 .67 .33 0: EER 1/3."""
    a = (np.array([0.0, 0.1, 1.0, 1.1]), np.array([0, 0, 1, 1]))
    b = (np.array([0.6, 0.4]), np.array([0, 1]))
    assert average_eer([a, b]) == 0.5
    assert pooled_eer([a, b]) == pytest.approx(1 / 3, abs=1e-15)


def test_identical_sets_give_the_same_value():
    """Real 0, 2, fake 1, 3: bona fide 0 -2, spoof -1 -3, ascending -3s -2b -1s 0b: FRR
    0 0 .5 .5 1, FAR 1 .5 .5 0 0 -> EER 50 %; two copies pooled give the same curve."""
    part = ([0.0, 2.0, 1.0, 3.0], [0, 0, 1, 1])
    assert average_eer([part, part]) == pooled_eer([part, part]) == 0.5


def test_one_class_sets_pool_but_do_not_average():
    reals = ([-1.0, -2.0, 0.5], [0, 0, 0])
    fakes = ([1.0, 2.0, -0.5], [1, 1, 1])
    # pooled: bona fide 1 2 -0.5, spoof -1 -2 0.5: -2s -1s -.5b .5s 1b 2b -> EER 1/3
    assert pooled_eer({"bonafide": reals, "A01": fakes}) == pytest.approx(1 / 3, abs=1e-15)
    with pytest.raises(MetricError, match="bonafide: EER is undefined"):
        average_eer({"bonafide": reals, "A01": fakes})


def test_bad_input():
    with pytest.raises(MetricError, match="no test sets"):
        pooled_eer([])
    with pytest.raises(MetricError, match="set 2 is not a"):
        average_eer([([0.0, 1.0], [0, 1]), [0.0, 1.0, 2.0]])
    with pytest.raises(MetricError, match="set 1: 2 scores for 3 labels"):
        pooled_eer([([0.0, 1.0], [0, 1, 1])])


def test_tensors_and_arrays_mix():
    torch = pytest.importorskip("torch")
    a = (torch.tensor([0.1, 0.2, 0.3, 0.4]), torch.tensor([0, 0, 1, 1]))
    b = (np.array([0.5, 0.6, 0.7, 0.8]), [0, 0, 1, 1])
    assert pooled_eer([a, b]) == 0.5 and average_eer([a, b]) == 0.0
