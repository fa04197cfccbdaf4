"""Logistic-regression calibration (dev -> eval) and reliability-diagram data."""

import math

import numpy as np
import pytest
from fakebench.errors import MetricError
from fakebench.metrics import asvspoof5 as A
from fakebench.metrics.calibration import (
    ASVSPOOF5_PRIOR,
    Calibration,
    calibrate,
    effective_prior,
    fit_calibration,
    posterior,
    reliability_diagram,
)


def gaussian(n, seed, scale=1.0, shift=0.0):
    """Real ~ N(-1, 2^2), fake ~ N(2, 2^2) (fakebench direction), then an affine distortion.
    The true LLR of spoof vs bona fide of the undistorted score x is
    ((x + 1)^2 - (x - 2)^2) / 8 = (6x - 3) / 8."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = np.where(y == 1, rng.normal(2, 2, n), rng.normal(-1, 2, n))
    return x * scale + shift, y, x


def weighted_ce(llr, y, prior):
    """The objective, written out independently: prior-weighted cross-entropy (nats)."""
    lp = math.log(prior / (1 - prior))
    fake, real = llr[y == 1] + lp, llr[y == 0] + lp
    return prior * np.mean(np.logaddexp(0, -fake)) + (1 - prior) * np.mean(np.logaddexp(0, real))


def test_effective_prior_of_asvspoof5():
    assert ASVSPOOF5_PRIOR == effective_prior(0.05, 1, 10) == pytest.approx(0.5 / 1.45, rel=1e-15)
    # the Bayes threshold of act_dcf is where the posterior at this prior is 1/2
    assert posterior([math.log(1.9)], ASVSPOOF5_PRIOR)[0] == pytest.approx(0.5, abs=1e-15)


@pytest.mark.parametrize("prior", ["asvspoof5", 0.5, "empirical", 0.1])
def test_recovers_the_true_llr(prior):
    s, y, _ = gaussian(40_000, 1, scale=5.0, shift=3.0)     # distorted: llr = (6 (s - 3)/5 - 3) / 8
    cal = fit_calibration(s, y, prior)
    assert cal.scale == pytest.approx(6 / 40, rel=0.03)
    assert cal.offset == pytest.approx(-18 / 40 - 3 / 8, abs=0.04)


@pytest.mark.parametrize("prior", [ASVSPOOF5_PRIOR, 0.5, 0.9])
def test_fit_minimises_the_weighted_cross_entropy(prior):
    s, y, _ = gaussian(3000, 2, scale=0.3, shift=-1.0)
    cal = fit_calibration(s, y, prior, l2=0.0)
    best = weighted_ce(cal(s), y, prior)
    for da, db in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3), (1e-3, 1e-3)]:
        assert weighted_ce((cal.scale + da) * s + cal.offset + db, y, prior) > best
    if prior == 0.5:  # at prior 1/2 the objective is Cllr x ln 2: the fit minimises Cllr
        assert A.cllr(cal(s), y) == pytest.approx(best / math.log(2), rel=1e-12)


def test_dev_to_eval_improves_cllr_and_act_dcf():
    dev_s, dev_y, _ = gaussian(4000, 3, scale=4.0, shift=6.0)
    ev_s, ev_y, _ = gaussian(4000, 4, scale=4.0, shift=6.0)
    llr, cal = calibrate(dev_s, dev_y, ev_s)
    assert cal.prior == ASVSPOOF5_PRIOR and (cal.n_real, cal.n_fake) == (int((dev_y == 0).sum()), int(dev_y.sum()))
    assert A.cllr(llr, ev_y) < 0.75 and A.cllr(ev_s, ev_y) > 2.0             # min Cllr is about 0.68 here
    assert A.cllr(llr, ev_y) - A.min_cllr(llr, ev_y) < 0.02          # little calibration loss left
    assert A.act_dcf(llr, ev_y) < A.act_dcf(ev_s, ev_y)
    assert A.act_dcf(llr, ev_y) == pytest.approx(A.min_dcf(llr, ev_y), abs=0.05)
    assert A.min_dcf(llr, ev_y) == A.min_dcf(ev_s, ev_y)               # a positive affine map keeps the order


def test_deterministic_and_serialisable():
    s, y, _ = gaussian(2000, 5)
    a, b = fit_calibration(s, y), fit_calibration(s.copy(), y.copy())
    assert a == b
    assert Calibration.from_dict(a.to_dict()) == a
    np.testing.assert_array_equal(a(s), a.scale * s + a.offset)
    np.testing.assert_allclose(a.posterior(s), 1 / (1 + np.exp(-(a(s) + math.log(a.prior / (1 - a.prior))))),
                               rtol=1e-12)


def test_separable_dev_scores_give_a_finite_steep_map():
    s = np.array([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    cal = fit_calibration(s, y)
    assert 1.0 < cal.scale < 100.0 and np.isfinite(cal.offset)
    assert (cal(s[y == 1]) > math.log(1.9)).all() and (cal(s[y == 0]) < math.log(1.9)).all()


def test_errors():
    with pytest.raises(MetricError, match="both real and fake"):
        fit_calibration([0.1, 0.2], [1, 1])
    with pytest.raises(MetricError, match="vary"):
        fit_calibration([0.5, 0.5, 0.5], [0, 1, 0])
    with pytest.raises(MetricError, match="prior"):
        fit_calibration([0.1, 0.9], [0, 1], prior=1.5)
    with pytest.raises(MetricError, match="unknown calibration prior"):
        fit_calibration([0.1, 0.9], [0, 1], prior="flat")
    with pytest.raises(MetricError, match="finite"):
        fit_calibration([0.1, np.nan], [0, 1])
    with pytest.raises(MetricError, match="labels must be 0"):
        fit_calibration([0.1, 0.2], [0, 2])


def test_reliability_by_hand():
    """Prior 1/2; LLRs -10, -10, 0, 0, 10, 10 give p(fake) = s(-10), s(-10), .5, .5, s(10), s(10)
    with s the sigmoid. Two bins [0, .5) and [.5, 1]: the first holds the two -10s (both
    real: observed 0, predicted s(-10) = 4.54e-5); the second the 0s and 10s (one real at 0;
    observed 3/4, predicted (.5 + .5 + 2 s(10)) / 4)."""
    def sig(v):
        return 1 / (1 + math.exp(-v))

    r = reliability_diagram([-10, -10, 0, 0, 10, 10], [0, 0, 0, 1, 1, 1], bins=2, prior=0.5)
    assert r.edges == [0.0, 0.5, 1.0] and r.count == [2, 4] and r.n_fake == [0, 3]
    assert r.observed == [0.0, 0.75]
    assert r.mean_predicted[0] == pytest.approx(sig(-10), rel=1e-12)
    assert r.mean_predicted[1] == pytest.approx((1 + 2 * sig(10)) / 4, rel=1e-12)
    assert r.ece == pytest.approx(2 / 6 * sig(-10) + 4 / 6 * abs(0.75 - (1 + 2 * sig(10)) / 4), rel=1e-12)
    empty = reliability_diagram([-10, 10], [0, 1], bins=4, prior=0.5)
    assert empty.count == [1, 0, 0, 1] and empty.observed[1] is None and empty.mean_predicted[2] is None
    assert reliability_diagram([0.0, 0.0], [0, 1], bins=1).to_dict()["prior"] == 0.5


def test_reliability_of_true_llrs_is_near_the_diagonal():
    _, y, x = gaussian(50_000, 6)
    true_llr = (6 * x - 3) / 8
    good = reliability_diagram(true_llr, y)
    bad = reliability_diagram(3 * true_llr, y)
    assert good.ece < 0.01 and bad.ece > 0.05
    assert sum(good.count) == y.size and sum(good.n_fake) == int(y.sum())
    filled = [(p, o) for p, o, c in zip(good.mean_predicted, good.observed, good.count) if c > 1000]
    assert all(abs(p - o) < 0.02 for p, o in filled)
