"""t-DCF (2019 legacy and 2021 revised) and the ASVspoof 5 DCF on worked examples."""

import numpy as np
import pytest

from fakebench import metrics as M
from fakebench.errors import MetricError

# The worked example. fakebench scores (higher = more fake):
#   real clips  s = -2, -1, 0.5   -> official bona fide scores  2,  1, -0.5
#   fake clips  s =  1, -0.5, 0   -> official spoof scores     -1, 0.5,  0
SCORES = np.array([-2.0, -1.0, 0.5, 1.0, -0.5, 0.0])
LABELS = np.array([0, 0, 0, 1, 1, 1])
ASV = {"target": [2.0, 3.0, 4.0, 5.0], "nontarget": [0.0, 1.0, 2.5, 6.0], "spoof": [3.0, 4.0, 5.0, 2.5]}


def test_asv_rates_by_hand():
    """ASV scores sorted (nontarget before target only on ties, none here):
    0n 1n 2t 2.5n 3t 4t 5t 6n. FRR (targets at or below) after each: 0 0 1/4 1/4 2/4 3/4 1 1,
    FAR (nontargets above): 3/4 2/4 2/4 1/4 1/4 1/4 1/4 0; with the leading (0, 1) point,
    |FRR - FAR| = 1, .75, .5, .25, 0, ... -> the EER point is index 4, threshold 2.5.
    Pfa_asv = #(nontarget >= 2.5)/4 = 2/4; Pmiss_asv = #(target < 2.5)/4 = 1/4;
    Pmiss_spoof_asv = #(spoof < 2.5)/4 = 0."""
    r = M.asv_error_rates(ASV)
    assert (r.threshold, r.pfa, r.pmiss, r.pmiss_spoof) == (2.5, 0.5, 0.25, 0.0)


def test_cm_det_by_hand():
    """Official CM scores sorted: -1s -0.5b 0s 0.5s 1b 2b, so
    Pmiss_cm (bona fide rejected) = 0, 0, 1/3, 1/3, 1/3, 2/3, 1 and
    Pfa_cm (spoof accepted)       = 1, 2/3, 2/3, 1/3, 0, 0, 0."""
    frr, far, _ = M.det_curve(SCORES, LABELS)
    np.testing.assert_allclose(frr.numpy(), [0, 0, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(far.numpy(), [1, 2 / 3, 2 / 3, 1 / 3, 0, 0, 0])


def test_tdcf_2019_by_hand():
    """Ptar = 0.95 * 0.99 = 0.9405, Pnon = 0.95 * 0.01 = 0.0095, Pspoof = 0.05.
    C1 = Ptar (Cmiss_cm - Cmiss_asv Pmiss_asv) - Pnon Cfa_asv Pfa_asv
       = 0.9405 (1 - 0.25) - 0.0095 * 10 * 0.5 = 0.705375 - 0.0475 = 0.657875
    C2 = Cfa_cm Pspoof (1 - Pmiss_spoof_asv) = 10 * 0.05 * 1 = 0.5
    t-DCF = C1 Pmiss_cm + C2 Pfa_cm over the 7 points:
       0.5, 0.33333, 0.54263, 0.38596, 0.21929, 0.43858, 0.657875
    min = C1 / 3 = 0.2192917 (Pmiss_cm 1/3, Pfa_cm 0); normalised by min(C1, C2) = 0.5:
    min t-DCF = 0.4385833."""
    assert M.min_tdcf(SCORES, LABELS, ASV, version="2019") == pytest.approx(0.657875 / 3 / 0.5, abs=1e-12)
    assert M.min_tdcf(SCORES, LABELS, ASV, version="2019") == pytest.approx(0.4385833, abs=1e-7)


def test_tdcf_2021_by_hand():
    """C0 = Ptar Cmiss Pmiss_asv + Pnon Cfa Pfa_asv = 0.9405 * 0.25 + 0.0095 * 10 * 0.5
          = 0.235125 + 0.0475 = 0.282625
    C1 = Ptar Cmiss - C0 = 0.9405 - 0.282625 = 0.657875
    C2 = Pspoof Cfa_spoof Pfa_spoof_asv = 0.05 * 10 * (1 - 0) = 0.5
    min over points of C0 + C1 Pmiss_cm + C2 Pfa_cm = 0.282625 + 0.657875 / 3 = 0.5019167
    normalised by C0 + min(C1, C2) = 0.782625: min t-DCF = 0.6413246."""
    expected = (0.282625 + 0.657875 / 3) / 0.782625
    assert M.min_tdcf(SCORES, LABELS, ASV, version="2021") == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.6413246, abs=1e-7)


def test_tdcf_perfect_cm():
    """A perfect CM has a point with Pmiss_cm = Pfa_cm = 0: the 2019 min t-DCF is 0 and
    the 2021 one is C0 / (C0 + min(C1, C2)) = 0.282625 / 0.782625."""
    s = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    assert M.min_tdcf(s, LABELS, ASV, "2019") == 0.0
    assert M.min_tdcf(s, LABELS, ASV, "2021") == pytest.approx(0.282625 / 0.782625)


def test_tdcf_needs_asv_scores_and_soft_scores():
    with pytest.raises(MetricError, match="needs ASV scores"):
        M.min_tdcf(SCORES, LABELS, None)
    with pytest.raises(MetricError, match="soft scores"):
        M.min_tdcf(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0, 0, 1, 1]), ASV)
    with pytest.raises(MetricError, match="spoof"):
        M.min_tdcf(SCORES, LABELS, {"target": [1.0], "nontarget": [0.0]})
    with pytest.raises(MetricError, match="version"):
        M.min_tdcf(SCORES, LABELS, ASV, version="2017")


def test_tdcf_against_transcribed_formula_on_random_data():
    """The 2021 formula written out with numpy over the official DET points."""
    from metrics.test_eer import official_det, official_eer

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 400)
    s = rng.normal(size=400) + 1.5 * y
    asv = {"target": rng.normal(3, 1, 300), "nontarget": rng.normal(0, 1, 200), "spoof": rng.normal(2, 1, 250)}
    _, thr = official_eer(asv["target"], asv["nontarget"])
    pfa = np.mean(asv["nontarget"] >= thr)
    pmiss = np.mean(asv["target"] < thr)
    pfa_spoof = np.mean(asv["spoof"] >= thr)
    ptar, pnon = 0.95 * 0.99, 0.95 * 0.01
    c0 = ptar * pmiss + pnon * 10 * pfa
    c1 = ptar - c0
    c2 = 0.05 * 10 * pfa_spoof
    pmiss_cm, pfa_cm, _ = official_det(-s[y == 0], -s[y == 1])
    expected = np.min((c0 + c1 * pmiss_cm + c2 * pfa_cm) / (c0 + min(c1, c2)))
    assert M.min_tdcf(s, y, asv, "2021") == pytest.approx(expected, rel=1e-12)
    c1_19 = ptar * (1 - pmiss) - pnon * 10 * pfa
    c2_19 = 10 * 0.05 * pfa_spoof
    expected19 = np.min((c1_19 * pmiss_cm + c2_19 * pfa_cm) / min(c1_19, c2_19))
    assert M.min_tdcf(s, y, asv, "2019") == pytest.approx(expected19, rel=1e-12)


def test_min_dcf_by_hand():
    """ASVspoof 5: DCF = (Cmiss (1 - Pspoof) Pmiss + Cfa Pspoof Pfa) / min(0.95, 0.5)
    = 1.9 Pmiss + Pfa over the DET points above: 1, 0.667, 1.3, 0.967, 0.633, 1.267, 1.9
    -> min DCF = 1.9 / 3 = 0.6333."""
    assert M.min_dcf(SCORES, LABELS) == pytest.approx(1.9 / 3)


def test_act_dcf_by_hand():
    """beta = 1 * 0.95 / (10 * 0.05) = 1.9; a clip is called fake when its logit is
    above log(1.9) = 0.642: no real clip is (Pmiss 0), two fakes (-0.5, 0) are accepted
    (Pfa 2/3): actDCF = (0.5 * 2/3) / 0.5 = 0.6667."""
    assert M.act_dcf(SCORES, LABELS) == pytest.approx(2 / 3)
    # moving one fake just above the Bayes threshold removes its false acceptance
    s = SCORES.copy()
    s[5] = np.log(1.9) + 1e-9
    assert M.act_dcf(s, LABELS) == pytest.approx(1 / 3)


def test_min_dcf_never_above_act_dcf():
    rng = np.random.default_rng(9)
    for _ in range(5):
        y = rng.integers(0, 2, 300)
        s = rng.normal(size=300) * 2 + y * 2 - 1
        assert M.min_dcf(s, y) <= M.act_dcf(s, y) + 1e-12
