"""evaluate(): context-dependent metrics, breakdowns, and the real-time factors."""

import math

import numpy as np
import pytest

from fakebench.data import Clip
from fakebench.evaluate import evaluate
from fakebench.registry import Registry

REG = Registry()


def _clips():
    # 4 real (codec a/b), 6 fake from two systems; scores: system "easy" fakes high, "hard" fakes low
    spec = [(0, None, "a", -2.0), (0, None, "a", -1.0), (0, None, "b", -0.5), (0, None, "b", 0.5),
            (1, "easy", "a", 2.0), (1, "easy", "b", 3.0), (1, "easy", "a", 1.5),
            (1, "hard", "b", -1.5), (1, "hard", "a", 0.2), (1, "hard", "b", -0.2)]
    clips = [Clip(id=f"c{i}", path=f"c{i}.wav", label=l, system=sy, attrs={"codec": co}, duration=4.0)
             for i, (l, sy, co, _) in enumerate(spec)]
    return clips, np.array([x[3] for x in spec]), np.array([x[0] for x in spec])


def _metrics(*names):
    return [REG.metric(n) for n in names]


def test_unavailable_metrics_are_left_out_by_default():
    clips, s, y = _clips()
    res = evaluate(s, y, clips, _metrics("eer", "min_tdcf_2021", "act_dcf"), {"threshold": 0.0},
                   skip_unavailable=True)
    assert set(res["metrics"]) == {"eer"} and res["warnings"] == []
    asked = evaluate(s, y, clips, _metrics("eer", "min_tdcf_2021"), {"threshold": 0.0})
    assert asked["metrics"]["min_tdcf_2021"] is None
    assert any("needs ASV scores" in w for w in asked["warnings"])


def test_asv_scores_in_context_give_tdcf():
    clips, s, y = _clips()
    asv = {"target": [2.0, 3.0, 4.0, 5.0], "nontarget": [0.0, 1.0, 2.5, 6.0], "spoof": [3.0, 4.0, 5.0, 2.5]}
    res = evaluate(s, y, clips, _metrics("min_tdcf_2019", "min_tdcf_2021"), {"threshold": 0.0, "asv_scores": asv},
                   skip_unavailable=True)
    assert 0 <= res["metrics"]["min_tdcf_2019"] and 0 < res["metrics"]["min_tdcf_2021"] <= 1


def test_threshold_from_context_drives_accuracy_and_confusion():
    clips, s, y = _clips()
    r0 = evaluate(s, y, clips, _metrics("accuracy"), {"threshold": 0.0})
    r1 = evaluate(s, y, clips, _metrics("accuracy"), {"threshold": -1.6})
    assert r0["confusion"] == [[3, 1], [2, 4]] and r0["metrics"]["accuracy"] == pytest.approx(0.7)
    assert r1["confusion"] == [[1, 3], [0, 6]] and r1["metrics"]["accuracy"] == pytest.approx(0.7)


def test_breakdowns_per_class_system_condition_and_pooled():
    clips, s, y = _clips()
    res = evaluate(s, y, clips, _metrics("eer"), {"threshold": 0.0, "scores_are_logits": True},
                   attributes=("system", "codec"))
    b = res["breakdowns"]
    assert set(b) == {"pooled", "label", "system", "codec"}
    assert b["pooled"]["all"]["eer"] == res["metrics"]["eer"] and b["pooled"]["all"]["n"] == 10
    assert b["label"]["real"]["accuracy"] == pytest.approx(3 / 4)  # recall of real clips
    assert b["label"]["fake"]["accuracy"] == pytest.approx(4 / 6)
    # per system: all real clips against that system's fakes
    assert b["system"]["easy"]["eer"] == 0.0 and b["system"]["easy"]["auc"] == 1.0
    # hard: official order -0.5b -0.2s 0.2s 0.5b ...; closest point FRR 1/4, FAR 1/3 -> 7/24
    assert b["system"]["hard"]["eer"] == pytest.approx(7 / 24) and b["system"]["hard"]["bce"] > b["system"]["easy"]["bce"]
    assert b["system"]["easy"]["bce"] == pytest.approx(np.mean(np.log1p(np.exp(-np.array([2.0, 3.0, 1.5])))))
    assert b["codec"]["a"]["n"] == 5 and b["codec"]["a"]["real"] == 2 and "eer" in b["codec"]["a"]


def test_no_bce_breakdown_for_non_logit_scores():
    clips, s, y = _clips()
    res = evaluate(s, y, clips, _metrics("eer"), {"threshold": 0.0, "scores_are_logits": False},
                   attributes=("system",))
    assert "bce" not in res["breakdowns"]["system"]["easy"]


def _ctx(cached=False, embedder=True):
    extract = {"embedding": {"n": 10, "cached": 10 if cached else 0, "computed": 0 if cached else 10,
                             "audio_seconds": 0.0 if cached else 40.0, "model_seconds": 0.0 if cached else 2.0,
                             "total_seconds": 0.01 if cached else 3.0}} if embedder else {}
    return {"threshold": 0.0, "timings": {"fit": 5.0, "score": 0.2}, "audio_seconds": 40.0, "extract": extract}


def test_rtf_metrics_read_the_timings():
    """Embedding model: 2 s for 40 s of audio = 5 % of real time; detector 0.2 / 40 = 0.5 %;
    end to end (decode + embed 3 s, detect 0.2 s) / 40 s = 8 %."""
    clips, s, y = _clips()
    res = evaluate(s, y, clips, _metrics("rtf", "rtf_embedding", "rtf_detector"), _ctx())
    m = res["metrics"]
    assert m["rtf_embedding"] == pytest.approx(0.05) and m["rtf_detector"] == pytest.approx(0.005)
    assert m["rtf"] == pytest.approx(0.08)
    assert res["metric_info"]["rtf"] == {"higher_is_better": False, "percent": True}


def test_rtf_with_cached_embeddings_is_undefined_but_detector_rtf_is_not():
    clips, s, y = _clips()
    res = evaluate(s, y, clips, _metrics("rtf", "rtf_embedding", "rtf_detector"), _ctx(cached=True))
    assert res["metrics"]["rtf"] is None and res["metrics"]["rtf_embedding"] is None
    assert res["metrics"]["rtf_detector"] == pytest.approx(0.005)
    assert any("--no-cache" in w or "cache" in w for w in res["warnings"])


def test_rtf_of_an_end_to_end_detector_is_its_scoring_time():
    clips, s, y = _clips()
    res = evaluate(s, y, clips, _metrics("rtf", "rtf_embedding"), _ctx(embedder=False))
    assert res["metrics"]["rtf"] == pytest.approx(0.005) and res["metrics"]["rtf_embedding"] is None


def test_rtf_metrics_are_opt_in():
    assert all(getattr(REG.metric(n), "default", True) is False for n in ("rtf", "rtf_embedding", "rtf_detector"))
    assert all(REG.metric(n).from_scores is False for n in ("rtf", "rtf_embedding", "rtf_detector"))


def test_stopwatch_measures_elapsed_time():
    import time

    from fakebench.timing import Stopwatch

    with Stopwatch("cpu") as sw:
        time.sleep(0.05)
    assert 0.04 < sw.seconds < 1.0 and math.isfinite(sw.seconds)
