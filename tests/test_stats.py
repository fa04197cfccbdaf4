"""Statistics: mean ± std, Mann-Whitney U, bootstrap EER intervals, per-system BCE and
correlations, against scipy and values known by hand."""

import math

import numpy as np
import pytest
import torch

from fakebench import stats as S
from fakebench.errors import ConfigError, MetricError

from metrics.test_eer import official_eer


def test_mean_std_is_sample_std():
    mean, std = S.mean_std([0.9, 0.8, 0.85])
    assert mean == pytest.approx(0.85) and std == pytest.approx(0.05)
    assert S.mean_std([0.3]) == (0.3, None)
    with pytest.raises(ValueError):
        S.mean_std([])


def test_u_test_known_values():
    """5 vs 5 with complete separation: U = 0 and the exact two-sided p is
    2 / C(10, 5) = 2 / 252 = 0.0079365. 3 vs 3 separated: p = 2 / C(6, 3) = 0.1."""
    r = S.mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert r.u == 0 and r.p == pytest.approx(2 / 252)
    assert S.mann_whitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).u == 25
    assert S.mann_whitney([1, 2, 3], [4, 5, 6]).p == pytest.approx(0.1)
    # U counts the pairs where a wins: a = [1, 4], b = [2, 3] -> (4 > 2), (4 > 3) = 2
    assert S.mann_whitney([1, 4], [2, 3]).u == 2


def test_u_test_matches_scipy_with_ties():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(0)
    a = np.round(rng.normal(0.2, 0.05, 8), 2)
    b = np.round(rng.normal(0.25, 0.05, 7), 2)
    ref = mannwhitneyu(a, b, alternative="two-sided")
    r = S.mann_whitney(a, b)
    assert (r.u, r.p) == (pytest.approx(ref.statistic), pytest.approx(ref.pvalue))


@pytest.mark.parametrize("ties", [False, True])
def test_u_test_p_values_equal_scipy_over_sizes(ties):
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(1 + ties)
    for _ in range(200):
        n, m = rng.integers(1, 14, size=2)
        a, b = rng.normal(0, 1, n), rng.normal(rng.uniform(-1, 1), 1, m)
        if ties:
            a, b = np.round(a, 0), np.round(b, 0)
        ref = mannwhitneyu(a, b, alternative="two-sided")
        r = S.mann_whitney(a, b)
        assert r.u == pytest.approx(ref.statistic), (a, b)
        if np.isfinite(ref.pvalue):
            assert r.p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12), (a, b)


def test_u_test_identical_values_is_not_significant():
    assert S.mann_whitney([0.1, 0.1, 0.1], [0.1, 0.1, 0.1]).p == 1.0


def _loop_bootstrap(s, y, n_boot, seed, stratified):
    """Reference: the same resampling plan, one official EER per replicate."""
    order = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)])
    s_ord, y_ord = s[order], y[order]
    n_real = int((y == 0).sum())
    plan = S.bootstrap_indices(n_real, len(y) - n_real, n_boot, seed, stratified)
    out = []
    for b in range(n_boot):
        idx = (torch.cat([plan[0][b], plan[1][b] + n_real]) if stratified else plan[b]).numpy()
        ss, yy = s_ord[idx], y_ord[idx]
        out.append(official_eer(-ss[yy == 0], -ss[yy == 1])[0])
    return np.array(out)


@pytest.mark.parametrize("stratified", [True, False])
def test_bootstrap_replicates_equal_the_official_eer_of_each_resample(stratified):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 120)
    s = np.round(rng.normal(size=120) + y, 1)  # ties included
    ci = S.bootstrap_eer(s, y, n_boot=60, seed=3, stratified=stratified, chunk_elems=1000)
    ref = _loop_bootstrap(s, y, 60, 3, stratified)
    np.testing.assert_array_equal(ci.replicates, ref)
    assert (ci.low, ci.high) == tuple(np.percentile(ref, [2.5, 97.5]))
    assert ci.value == official_eer(-s[y == 0], -s[y == 1])[0]


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 600)
    s = rng.normal(size=600) + y
    a = S.bootstrap_eer(s, y, n_boot=200, seed=11)
    b = S.bootstrap_eer(s, y, n_boot=200, seed=11)
    c = S.bootstrap_eer(s, y, n_boot=200, seed=12)
    assert (a.low, a.high) == (b.low, b.high) and not np.array_equal(a.replicates, c.replicates)
    assert a.low < a.value < a.high
    assert "95% CI" in str(a)


def test_bootstrap_agrees_with_scipy_percentile_interval():
    """Same statistic, different random streams: the intervals agree to ~0.01."""
    from scipy.stats import bootstrap

    from fakebench.metrics import eer

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 1000)
    s = rng.normal(size=1000) + 1.2 * y

    def stat(ss, yy):
        return eer(ss, yy, warn=False) if 0 < yy.sum() < yy.size else np.nan

    ref = bootstrap((s, y), stat, paired=True, vectorized=False, n_resamples=400, method="percentile",
                    random_state=0).confidence_interval
    ours = S.bootstrap_eer(s, y, n_boot=400, seed=0, stratified=False)
    assert ours.low == pytest.approx(ref.low, abs=0.012)
    assert ours.high == pytest.approx(ref.high, abs=0.012)


def test_bootstrap_of_separable_scores_is_zero():
    s = np.array([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0])
    ci = S.bootstrap_eer(s, np.array([0, 0, 0, 1, 1, 1]), n_boot=50)
    assert (ci.value, ci.low, ci.high) == (0.0, 0.0, 0.0)


def test_per_system_bce_by_hand():
    """A fake with logit 0 costs log 2; a fake with logit log(3) costs log(4/3)
    (p = 3/4); a real clip with logit 0 costs log 2. System A: mean(log 2, log 4/3)."""
    out = S.per_system_bce([0.0, math.log(3), 0.0, 5.0], [1, 1, 0, 1], ["A", "A", "real", None])
    assert out["A"]["bce"] == pytest.approx((math.log(2) + math.log(4 / 3)) / 2)
    assert out["A"]["n"] == 2 and out["real"]["bce"] == pytest.approx(math.log(2))
    assert set(out) == {"A", "real"}


def test_correlate_matches_scipy():
    from scipy.stats import pearsonr, spearmanr

    x = [0.1, 0.5, 0.3, 0.9, 0.7]
    y = [3.0, 1.0, 2.5, 0.2, 0.4]
    c = S.correlate(x, y)
    assert c.spearman == pytest.approx(spearmanr(x, y).statistic) and c.spearman == pytest.approx(-1.0)
    assert c.pearson == pytest.approx(pearsonr(x, y).statistic)
    assert c.pearson_p == pytest.approx(pearsonr(x, y).pvalue)
    with pytest.raises(MetricError, match="at least 3"):
        S.correlate([1, 2], [2, 1])
    with pytest.raises(MetricError, match="constant"):
        S.correlate([1, 2, 3], [1, 1, 1])


def test_systems_table(tmp_path):
    p = tmp_path / "fad.csv"
    p.write_text("system,fad\n# a comment\nA,3.5\nB, 7\n\n")
    assert S.systems_table(str(p)) == {"A": 3.5, "B": 7.0}
    (tmp_path / "bad.csv").write_text("system,fad\nA,3.5\nB,lots\n")
    with pytest.raises(ConfigError, match=r"bad.csv:3"):
        S.systems_table(str(tmp_path / "bad.csv"))
    with pytest.raises(ConfigError, match="does not exist"):
        S.systems_table(str(tmp_path / "nope.csv"))
