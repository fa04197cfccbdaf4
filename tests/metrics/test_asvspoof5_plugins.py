"""The cllr, min_cllr, min_adcf and t_eer plugins inside a run's evaluation: registration,
the context they need, and equality with the functions."""

from pathlib import Path

import numpy as np
import pytest
from fakebench.data import Clip
from fakebench.evaluate import evaluate
from fakebench.metrics import asvspoof5 as A
from fakebench.registry import Registry

NAMES = ("cllr", "min_cllr", "min_adcf", "t_eer")


@pytest.fixture(scope="module")
def classes():
    table = Registry().table("metrics")
    return {n: table[n] for n in NAMES}


def _run():
    """40 clips (20 real, 20 fake, fakebench direction) and 3 trials per clip."""
    rng = np.random.default_rng(3)
    y = np.array([0] * 20 + [1] * 20)
    s = rng.normal(size=40) + 2.0 * y - 1.0
    clips = [Clip(f"E_{i:04d}", Path(f"/x/E_{i:04d}.flac"), int(y[i])) for i in range(40)]
    trials = {"speaker": [], "clip_id": [], "asv_key": [], "asv_score": []}
    for i, c in enumerate(clips):
        keys = ("spoof", "spoof") if y[i] else ("target", "nontarget")
        for k in keys:
            trials["speaker"].append(f"E_{i % 7:02d}")
            trials["clip_id"].append(c.id)
            trials["asv_key"].append(k)
            trials["asv_score"].append(float(rng.normal({"target": 2, "nontarget": -2, "spoof": 1}[k])))
    return s, y, clips, trials


def test_registered_with_requirements(classes):
    assert all(c.default for c in classes.values())
    assert classes["cllr"].requires == ("scores_are_logits",) and classes["min_cllr"].requires == ()
    assert classes["min_adcf"].requires == classes["t_eer"].requires == ("sasv_trials", "clip_ids")
    assert classes["t_eer"].percent and not classes["min_adcf"].percent


def test_left_out_of_default_runs_without_their_context(classes):
    s, y, clips, _ = _run()
    out = evaluate(s, y, clips, list(classes.values()), {"threshold": 0.0, "scores_are_logits": False},
                   skip_unavailable=True)
    assert set(out["metrics"]) == {"min_cllr"}


def test_asked_by_name_without_context_is_undefined_with_a_reason(classes):
    s, y, clips, _ = _run()
    out = evaluate(s, y, clips, [classes["t_eer"], classes["min_adcf"]], {"threshold": 0.0})
    assert out["metrics"] == {"t_eer": None, "min_adcf": None}
    assert any("sasv_trials" in w and "asv_score_file" in w for w in out["warnings"])


def test_values_equal_the_functions(classes):
    s, y, clips, trials = _run()
    ctx = {"threshold": 0.2, "scores_are_logits": True, "sasv_trials": trials, "clip_ids": [c.id for c in clips]}
    out = evaluate(s, y, clips, list(classes.values()), ctx, skip_unavailable=True)["metrics"]
    assert out["cllr"] == A.cllr(s, y) and out["min_cllr"] == A.min_cllr(s, y)
    idx = np.array([int(c[2:]) for c in trials["clip_id"]])
    cm, asv, keys = s[idx], np.array(trials["asv_score"]), np.array(trials["asv_key"])
    assert out["t_eer"] == A.t_eer(cm, asv, keys)
    gated = np.where(cm <= 0.2, asv, -np.inf)          # the cascade: CM at the run's threshold
    assert out["min_adcf"] == A.min_adcf(gated, keys)
    assert 0 < out["t_eer"] < 0.5 and 0 < out["min_adcf"] < 1


def test_trials_of_unscored_clips_are_left_out_with_a_warning(classes):
    s, y, clips, trials = _run()
    keep = [i for i in range(40) if i != 5]
    ctx = {"threshold": 0.0, "sasv_trials": trials, "clip_ids": [clips[i].id for i in keep]}
    out = evaluate(s[keep], y[keep], [clips[i] for i in keep], [classes["t_eer"]], ctx)
    assert out["metrics"]["t_eer"] is not None
    assert any("2 of 80 SASV trials left out" in w and "E_0005" in w for w in out["warnings"])
    with pytest.warns(UserWarning, match="left out"):
        cm, _, keys = A.trial_scores(s[keep], ctx["clip_ids"], trials)
    assert cm.size == 78 and (keys == "target").sum() == 19


def test_cllr_refuses_non_logit_scores_when_asked(classes):
    s, y, clips, _ = _run()
    out = evaluate(s, y, clips, [classes["cllr"]], {"threshold": 0.0, "scores_are_logits": False})
    assert out["metrics"]["cllr"] is None and "not logits" in out["warnings"][0]
