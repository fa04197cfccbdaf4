"""The ASVspoof 5 metrics against transcriptions of the official package, on thousands of
seeded random score sets (ties, repeated scores, two-score sets, unbalanced sets).

Every comparison converts fakebench's CM scores (higher = fake) to the package's
direction (higher = bona fide) by negation, as the functions under test do internally.
"""

import functools
import math

import numpy as np
import pytest
from fakebench import metrics as M
from fakebench.errors import MetricError
from fakebench.metrics import asvspoof5 as A

from . import official_asvspoof5 as O

N_SETS = 1200
REL = 1e-9


def close(ours, ref, rel=REL):
    """Relative agreement; a reference of 0 must be met within 1e-15."""
    ref = float(ref)
    if ref == 0.0:
        return abs(ours) <= 1e-15
    return abs(ours - ref) <= rel * abs(ref)


# -- random sets --------------------------------------------------------------------------------


def cm_set(rng, kind):
    """One (scores, labels) set in fakebench's direction, of one of 7 kinds."""
    if kind == 3:                                   # two scores, possibly equal
        s = rng.choice([-1.0, 0.0, 0.5, 1.0], size=2)
        return s, np.array([0, 1])
    n = int(rng.integers(3, 80))
    if kind == 4:                                   # unbalanced: one clip of one class
        y = np.ones(n, int)
        y[rng.integers(n)] = 0
        if rng.random() < 0.5:
            y = 1 - y
    else:
        y = rng.integers(0, 2, n)
        y[0], y[1] = 0, 1
    s = rng.normal(size=n) * rng.uniform(0.3, 3) + y * rng.uniform(-1, 4)
    if kind == 1:                                   # ties
        s = np.round(s, 1)
    elif kind == 2:                                 # a few repeated values
        s = rng.integers(-2, 3, n).astype(float) * 0.5
    elif kind == 5:                                 # all equal
        s = np.full(n, float(rng.normal()))
    elif kind == 6:                                 # wide LLR range
        s = s * 10
    return s, y


def cm_sets(seed, n=N_SETS):
    rng = np.random.default_rng(seed)
    return [cm_set(rng, k % 7) for k in range(n)]


def sasv_set(rng, kind):
    """Per-trial (cm fakebench direction, asv, keys) of one of 5 kinds."""
    if kind == 3:
        keys = np.array(["target", "nontarget", "spoof"])
    elif kind == 4:                                 # unbalanced
        n = int(rng.integers(5, 60))
        keys = np.array(["spoof"] * n, dtype=object)
        keys[0], keys[1] = "target", "nontarget"
        if rng.random() < 0.5:
            keys[2:] = "target"
            keys[2] = "spoof"
        keys = keys.astype(str)
    else:
        n = int(rng.integers(3, 70))
        keys = rng.choice(list(A.ASV_KEYS), size=n, p=[0.4, 0.3, 0.3])
        keys[:3] = A.ASV_KEYS
        rng.shuffle(keys)
    n = keys.size
    asv = np.select([keys == "target", keys == "nontarget"],
                    [rng.normal(2, 1, n), rng.normal(-2, 1.5, n)], rng.normal(1, 1.5, n))
    cm = np.where(keys == "spoof", rng.normal(1, 1, n), rng.normal(-1, 1, n)) * rng.uniform(0.5, 2)
    if kind == 1:                                   # ties
        asv, cm = np.round(asv * 2) / 2, np.round(cm * 2) / 2
    elif kind == 2:                                 # repeated identical scores
        asv, cm = rng.integers(-1, 2, n) * 1.0, rng.integers(-1, 2, n) * 1.0
    return cm, asv, keys


def sasv_sets(seed, n=N_SETS):
    rng = np.random.default_rng(seed)
    return [sasv_set(rng, k % 5) for k in range(n)]


# -- track 1 ------------------------------------------------------------------------------------


@functools.cache
def track1_references():
    """The 1,200 sets of seed 1 with the package's (minDCF, EER, Cllr, actDCF) of each."""
    return [(s, y, O.track1(-s[y == 0], -s[y == 1])) for s, y in cm_sets(1)]


def test_min_and_act_dcf_are_bit_identical_to_the_package():
    kinds = set()
    for s, y, (ref_min, _, _, ref_act) in track1_references():
        assert A.min_dcf(s, y) == ref_min
        assert A.act_dcf(s, y) == ref_act
        kinds.add(len(np.unique(s)) < len(s))
    assert kinds == {True, False}


def test_fakebench_min_and_act_dcf_agree_to_1e_9():
    """fakebench.metrics.min_dcf / act_dcf (the existing ones) on the same 1,200 sets."""
    worst = 0.0
    for s, y, (ref_min, _, _, ref_act) in track1_references():
        ours = M.min_dcf(s, y)
        assert close(ours, ref_min) and close(M.act_dcf(s, y), ref_act)
        if ref_min:
            worst = max(worst, abs(ours - ref_min) / ref_min)
    assert worst < 1e-14  # they differ in the last bits only: 0.05 versus 1 - (1 - 0.05)


def test_random_costs_min_and_act_dcf():
    rng = np.random.default_rng(11)
    for s, y in cm_sets(2, 300):
        pspoof, cmiss, cfa = rng.uniform(0.01, 0.6), rng.uniform(0.2, 5), rng.uniform(0.2, 20)
        bona, spoof = -s[y == 0], -s[y == 1]
        frr, far, thr = O.det_curve(bona, spoof)
        assert A.min_dcf(s, y, pspoof, cmiss, cfa) == O.mindcf(frr, far, thr, pspoof, cmiss, cfa)
        assert A.act_dcf(s, y, pspoof, cmiss, cfa) == O.actdcf(bona, spoof, pspoof, cmiss, cfa)


def test_act_dcf_threshold_uses_numpy_log_like_the_package():
    """The one case where fakebench.metrics.act_dcf and the package disagree: a cost model
    whose beta has numpy.log(beta) != math.log(beta) (one ulp), and a score exactly on the
    package's threshold. Neither happens with the default costs (beta = 1.9, where the two
    logs agree)."""
    assert np.log(1.9) == math.log(1.9)
    # a cost whose libm log is one ulp below numpy's: fakebench's threshold is then one ulp above
    cfa = next(c for c in np.linspace(1.0, 20.0, 20001) if math.log(0.95 / (c * 0.05)) < np.log(0.95 / (c * 0.05)))
    beta = 0.95 / (cfa * 0.05)
    on_threshold = -np.log(beta)                      # the package's threshold, bona fide direction
    s = np.array([-on_threshold, -50.0, 50.0, 60.0])   # fakebench direction: real clip exactly on it
    y = np.array([0, 0, 1, 1])
    bona, spoof = -s[y == 0], -s[y == 1]
    ref = O.actdcf(bona, spoof, 0.05, 1.0, cfa)
    assert A.act_dcf(s, y, 0.05, 1.0, cfa) == ref == 0.0     # accepted: score >= threshold
    # fakebench rejects that real clip: Pmiss 1/2, DCF 0.95 x 1/2 / min(Cfa x 0.05, 0.95)
    assert M.act_dcf(s, y, 0.05, 1.0, cfa) == pytest.approx(0.95 * 0.5 / min(cfa * 0.05, 0.95), rel=1e-12)


def test_cllr_matches_calculate_cllr():
    for s, y in cm_sets(3):
        ref = O.cllr(-s[y == 0], -s[y == 1])
        assert close(A.cllr(s, y), ref), (s, y)


def test_cllr_stays_finite_where_the_package_overflows():
    s, y = np.array([800.0, -1.0, 1.0]), np.array([0, 0, 1])    # a real clip with bona fide LLR -800
    with np.errstate(over="ignore"):
        assert O.cllr(-s[y == 0], -s[y == 1]) == math.inf
    expected = 0.5 * ((800 + math.log1p(math.exp(-800)) + math.log1p(math.exp(-1))) / 2
                      + math.log1p(math.exp(-1))) / math.log(2)
    assert A.cllr(s, y) == pytest.approx(expected, rel=1e-12)


def test_min_cllr_matches_pyllr_pav():
    worst = 0.0
    for s, y in cm_sets(4):
        ref = O.pyllr_min_cllr(-s[y == 0], -s[y == 1])
        ours = A.min_cllr(s, y)
        assert close(ours, ref, 1e-9) or abs(ours - ref) < 1e-14, (s, y, ours, ref)
        assert ours <= A.cllr(s, y) + 1e-12 or not np.isfinite(A.cllr(s, y))
        worst = max(worst, abs(ours - ref))
    assert worst < 1e-12


def test_min_cllr_pools_ties_unlike_the_nontarget_first_order():
    """All scores equal: one PAV block, LLR 0, min Cllr 1. Sorting nontargets first on
    ties (Nautsch's cllr ordering) would split the tie and claim perfect separation."""
    s, y = np.zeros(6), np.array([0, 0, 0, 1, 1, 1])
    assert A.min_cllr(s, y) == pytest.approx(1.0, abs=1e-15)
    assert O.pyllr_min_cllr(-s[y == 0], -s[y == 1]) == pytest.approx(1.0)
    assert O.nontarget_first_min_cllr(-s[y == 0], -s[y == 1]) == 0.0
    # without ties the two orders agree
    rng = np.random.default_rng(0)
    s, y = rng.normal(size=50), rng.integers(0, 2, 50)
    assert O.nontarget_first_min_cllr(-s[y == 0], -s[y == 1]) == pytest.approx(A.min_cllr(s, y), rel=1e-12)


def test_min_cllr_is_fast_on_a_large_set():
    import time

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 700_000)
    s = rng.normal(size=y.size) + 1.2 * y
    t = time.perf_counter()
    value = A.min_cllr(s, y)
    assert time.perf_counter() - t < 5.0
    assert 0.0 < value < A.cllr(s, y) < 1.0


# -- a-DCF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("costs, ref_costs", [(A.ADCF_ASVSPOOF5, O.CHALLENGE_COSTS), (A.ADCF_PAPER, O.PAPER_COSTS)],
                         ids=["challenge", "paper"])
def test_min_adcf_matches_the_package(costs, ref_costs):
    for k, (cm, asv, keys) in enumerate(sasv_sets(5)):
        sasv = (asv, asv - cm, np.round(asv - 0.5 * cm))[k % 3]    # ASV alone, a fusion, a tied fusion
        ref, ref_thr = O.min_adcf(sasv[keys == "target"], sasv[keys == "nontarget"], sasv[keys == "spoof"],
                                  ref_costs)
        value, thr = A.min_adcf(sasv, keys, costs, return_threshold=True)
        assert value == ref and thr == ref_thr


def test_adcf_costs_are_the_packages():
    assert (A.ADCF_ASVSPOOF5.ptar, A.ADCF_ASVSPOOF5.pnon, A.ADCF_ASVSPOOF5.pspoof) == O.CHALLENGE_COSTS[:3]
    assert (A.ADCF_ASVSPOOF5.cmiss, A.ADCF_ASVSPOOF5.cfa_asv, A.ADCF_ASVSPOOF5.cfa_spoof) == O.CHALLENGE_COSTS[3:]
    assert (A.ADCF_PAPER.ptar, A.ADCF_PAPER.pnon, A.ADCF_PAPER.pspoof, A.ADCF_PAPER.cmiss, A.ADCF_PAPER.cfa_asv,
            A.ADCF_PAPER.cfa_spoof) == O.PAPER_COSTS


def test_min_adcf_accepts_minus_infinity_for_rejected_trials():
    sasv = np.array([3.0, -np.inf, 2.0, -1.0, -np.inf, 0.5])
    keys = np.array(["target", "target", "nontarget", "nontarget", "spoof", "spoof"])
    ref, _ = O.min_adcf(sasv[keys == "target"], sasv[keys == "nontarget"], sasv[keys == "spoof"])
    assert A.min_adcf(sasv, keys) == ref


# -- t-EER --------------------------------------------------------------------------------------


def test_t_eer_matches_the_package_on_random_sets():
    defined = 0
    worst = 0.0
    for cm, asv, keys in sasv_sets(6):
        try:
            ref = O.track2_teer(-cm, asv, keys)          # percent
        except O.Undefined:
            with pytest.raises(MetricError, match="t-EER is undefined"):  # never seen on these sets
                A.t_eer(cm, asv, keys)
            continue
        ours = A.t_eer(cm, asv, keys) * 100              # the package's last step
        assert close(ours, ref), (cm, asv, keys, ours, ref)
        worst = max(worst, abs(ours - ref))
        defined += 1
    assert defined >= 1000 and worst == 0.0


@pytest.mark.parametrize("n, ties", [(3200, False), (7000, False), (6500, True)])
def test_t_eer_coarse_to_fine_search_matches_the_package(n, ties):
    rng = np.random.default_rng(n)
    keys = rng.choice(list(A.ASV_KEYS), size=n, p=[0.3, 0.3, 0.4])
    asv = np.select([keys == "target", keys == "nontarget"], [rng.normal(2, 1, n), rng.normal(-2, 1, n)],
                    rng.normal(1, 1.5, n))
    cm = np.where(keys == "spoof", rng.normal(0.8, 1, n), rng.normal(-0.8, 1, n))
    if ties:
        asv, cm = np.round(asv, 1), np.round(cm, 1)
    ref = O.track2_teer(-cm, asv, keys)
    assert A.t_eer(cm, asv, keys) * 100 == ref       # the package returns percent
    assert 0.0 < ref < 50


def test_t_eer_exhaustive_is_compute_teer():
    rng = np.random.default_rng(8)
    cm, asv, keys = sasv_set(rng, 0)
    cm, asv, keys = np.tile(cm, 20), np.tile(asv, 20) + rng.normal(0, 0.1, 20 * cm.size), np.tile(keys, 20)
    x_tar, x_non, x_spf = (keys == "target"), (keys == "nontarget"), (keys == "spoof")
    curves = O.asv_curves(asv[x_tar], asv[x_non], asv[x_spf])
    cm_curve = O.det_curve(np.concatenate([-cm[x_tar], -cm[x_non]]), -cm[x_spf])
    ref = O.teer(*cm_curve, *curves)
    assert A.t_eer(cm, asv, keys, exhaustive=True) * 100 == ref


# -- hand-checked values ----------------------------------------------------------------------


def test_cllr_by_hand():
    """LLR 0 everywhere: (ln 2 + ln 2) / (2 ln 2) = 1 bit. Bona fide LLR ln 3 on the real
    clip and -ln 3 on the fake (fakebench scores -ln 3 and +ln 3): each costs ln(4/3), so
    Cllr = ln(4/3) / ln 2 = 0.41504."""
    assert A.cllr([0.0, 0.0], [0, 1]) == pytest.approx(1.0, rel=1e-15)
    assert A.cllr([-math.log(3), math.log(3)], [0, 1]) == pytest.approx(math.log(4 / 3) / math.log(2), rel=1e-14)
    assert math.log(4 / 3) / math.log(2) == pytest.approx(0.41504, abs=1e-5)


def test_min_cllr_by_hand():
    """Real clips 0, 2 and fakes 1, 3 (fakebench) are bona fide scores 0, -2 and spoof -1, -3.
    Ascending: -3 s, -2 b, -1 s, 0 b -> 0 1 0 1; PAV pools (1, 0) into 1/2: blocks {s},
    {b, s}, {b}. The middle block's LLR is logit(1/2) - log(2/2) = 0: its two trials cost
    ln 2 each, the pure blocks nothing. min Cllr = (ln2 / 2 + ln2 / 2) / (2 ln 2) = 0.5."""
    assert A.min_cllr([0.0, 2.0, 1.0, 3.0], [0, 0, 1, 1]) == pytest.approx(0.5, rel=1e-15)
    assert A.min_cllr([0.0, 1.0], [0, 1]) == 0.0
    assert A.min_cllr([1.0, 0.0], [0, 1]) == pytest.approx(1.0, rel=1e-15)


def test_min_adcf_by_hand():
    """SASV target 3, 1; nontarget 2, -1; spoof 0, 2.5. Challenge costs: A = Cmiss Ptar = 0.9405,
    B = Cfa Pnon = 0.095, C = Cfa_spoof Pspoof = 0.5, norm = min(B + C, A) = 0.595.
    Ascending -1n 0s 1t 2n 2.5s 3t; the cost after each: 0.595, 0.5475, 0.2975, 0.76775,
    0.72025, 0.47025, 0.9405 -> min 0.2975 (threshold 0: accept the target 3, 1, the
    nontarget 2 and the spoof 2.5): 0.2975 / 0.595 = 0.5."""
    sasv = [3.0, 1.0, 2.0, -1.0, 0.0, 2.5]
    keys = ["target", "target", "nontarget", "nontarget", "spoof", "spoof"]
    value, thr = A.min_adcf(sasv, keys, return_threshold=True)
    assert value == pytest.approx(0.5, rel=1e-14) and thr == 0.0


def test_t_eer_by_hand():
    """Three trials: ASV target 2, nontarget 0, spoof 1 -> ascending 0n 1s 2t,
    Pmiss_asv 0 0 0 1, Pfa_non 1 0 0 0, Pfa_spoof 1 1 0 0; allowed (Pmiss_asv <
    (Pfa_non + Pfa_spoof) / 2): the first two ASV thresholds.

    CM bona fide scores 1 (target), 0 (nontarget), spoof 0.5 (fakebench: -1, 0, -0.5):
    ascending 0b .5s 1b, Pmiss_cm 0 .5 .5 1, Pfa_cm 1 1 0 0.
    ASV threshold 0: Pmiss_tdm = 0 .5 .5 1, Pfa_tdm = (1 - Pmiss_cm)/2 + Pfa_cm/2 =
    1 .75 .25 0, |h| = 1 .25 .25 1 -> the first, index 1; LHS = 1/1, RHS = 1/(1 - .5) = 2,
    crit 1: t-EER = Pfa_spoof x Pfa_cm = 1 x 1. ASV threshold 1: Pfa_tdm = Pfa_cm/2 =
    .5 .5 0 0, |h| = .5 0 .5 1 -> index 1, LHS 0, crit 2: not closer. t-EER = 100 %.

    With a perfect CM (fakebench -1, -1, 0: bona fide 1, 1, spoof 0) the second ASV
    threshold meets the concurrent point exactly (crit 0) at Pfa_cm = 0: t-EER = 0."""
    keys = ["target", "nontarget", "spoof"]
    assert A.t_eer([-1.0, 0.0, -0.5], [2.0, 0.0, 1.0], keys) == 1.0
    assert A.t_eer([-1.0, -1.0, 0.0], [2.0, 0.0, 1.0], keys) == 0.0


# -- errors -------------------------------------------------------------------------------------


def test_undefined_inputs_raise_metric_error():
    with pytest.raises(MetricError, match="only fake"):
        A.cllr([1.0, 2.0], [1, 1])
    with pytest.raises(MetricError, match="only real"):
        A.min_cllr([1.0, 2.0], [0, 0])
    with pytest.raises(MetricError, match="only"):
        A.min_dcf([1.0], [0])
    with pytest.raises(MetricError, match="zero clips"):
        A.act_dcf([], [])
    with pytest.raises(MetricError, match="no spoof trials"):
        A.min_adcf([1.0, 2.0], ["target", "nontarget"])
    with pytest.raises(MetricError, match="unknown ASV key 'bonafide'"):
        A.min_adcf([1.0, 2.0], ["target", "bonafide"])
    with pytest.raises(MetricError, match="NaN"):
        A.min_adcf([1.0, np.nan, 0.0], ["target", "nontarget", "spoof"])
    with pytest.raises(MetricError, match="one of each per trial"):
        A.t_eer([1.0, 2.0], [1.0, 2.0, 3.0], ["target", "nontarget", "spoof"])
    with pytest.raises(MetricError, match="no target trials"):
        A.t_eer([1.0, 2.0], [1.0, 2.0], ["spoof", "nontarget"])
    with pytest.raises(MetricError, match="NaN or infinite"):
        A.t_eer([1.0, 2.0, 0.0], [1.0, np.inf, 0.0], ["target", "nontarget", "spoof"])


def test_tensor_inputs():
    torch = pytest.importorskip("torch")
    s, y = cm_sets(9, 1)[0]
    assert A.cllr(torch.tensor(s), torch.tensor(y)) == A.cllr(s, y)
    assert A.min_cllr(torch.tensor(s, dtype=torch.float32), torch.tensor(y)) == A.min_cllr(s.astype(np.float32), y)
    cm, asv, keys = sasv_sets(9, 1)[0]
    assert A.t_eer(torch.tensor(cm), torch.tensor(asv), list(keys)) == A.t_eer(cm, asv, keys)
