"""--calibrate dev, pooled and average EER over test sets, and whole test sets, through real runs."""

import csv
import gzip

import numpy as np
import pytest

import fakebench
from fakebench.metrics import eer
from fakebench.metrics.calibration import fit_calibration
from fakebench.results import ResultStore


@pytest.fixture
def opts(small_foley, tmp_path):
    return dict(data_root=str(small_foley), cache_dir=str(tmp_path / "cache"), results_dir=str(tmp_path / "res"),
                device="cpu")


def _scores(results_dir, rec):
    with gzip.open(ResultStore(results_dir).root / rec["scores_file"], "rt") as f:
        return list(csv.DictReader(f))


def test_calibrate_dev_maps_scores_to_llrs_and_reports_before_and_after(opts):
    rec = fakebench.run(dataset="foley-demo", detector="logmel-logreg", calibrate="dev", **opts)[0]
    cal = rec["calibration"]
    assert cal["fitted_on"] == "val" and cal["scale"] > 0
    assert set(cal["before"]) == {"act_dcf", "cllr"} and set(cal["after"]) == {"act_dcf", "cllr"}
    rows = _scores(opts["results_dir"], rec)
    ev = [r for r in rows if r["split"] == "eval"]
    val = [r for r in rows if r["split"] == "val"]
    raw = np.array([float(r["raw_score"]) for r in ev])
    llr = np.array([float(r["score"]) for r in ev])
    # the stored LLRs are the calibration fitted on the val split's raw scores, applied to eval
    refit = fit_calibration([float(r["raw_score"]) for r in val], [int(r["label"]) for r in val])
    np.testing.assert_allclose(llr, refit(raw), rtol=1e-5, atol=1e-5)
    assert cal["scale"] == pytest.approx(refit.scale, rel=1e-6)
    # a monotone map: the EER is unchanged, the record's metrics are those of the LLRs
    labels = np.array([int(r["label"]) for r in ev])
    assert rec["metrics"]["eer"] == pytest.approx(eer(raw, labels), abs=1e-12)
    assert rec["metrics"]["cllr"] == pytest.approx(cal["after"]["cllr"], abs=1e-9)
    assert rec["scores_are_logits"] is True


def test_without_calibrate_there_is_no_calibration(opts):
    rec = fakebench.run(dataset="foley-demo", detector="logmel-logreg", **opts)[0]
    assert "calibration" not in rec
    assert all(r["raw_score"] == "" for r in _scores(opts["results_dir"], rec))


def test_pooled_and_average_eer_over_test_sets(opts, small_foley):
    with open(small_foley / "foley" / "manifest.csv", newline="") as f:  # the same clips, as a manifest
        rows = list(csv.DictReader(f))
    with open(small_foley / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "path": "foley/" + r["path"]} for r in rows)
    recs = fakebench.run(dataset="foley-demo,manifest", train_dataset="foley-demo", detector="logmel-logreg", **opts)
    assert len(recs) == 2
    group = recs[0]["test_group"]
    assert group == recs[1]["test_group"] and group["datasets"] == ["foley-demo", "manifest"]
    # recompute from the stored per-clip scores: one threshold over both sets vs the mean of the two EERs
    parts = []
    for rec in recs:
        ev = [r for r in _scores(opts["results_dir"], rec) if r["split"] == "eval"]
        parts.append((np.array([float(r["score"]) for r in ev]), np.array([int(r["label"]) for r in ev])))
    pooled = eer(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    assert group["pooled_eer"] == pytest.approx(pooled, abs=1e-12)
    assert group["average_eer"] == pytest.approx(np.mean([eer(*p) for p in parts]), abs=1e-12)
    assert group["eer"]["manifest"] == pytest.approx(recs[1]["metrics"]["eer"], abs=1e-12)
    # manifest is used only for testing: scored whole (all 40 clips), and the record says so
    assert recs[1]["dataset"]["part"] == "all" and recs[1]["dataset"]["counts"]["eval"]["n"] == 40


def test_leaderboard_shows_pooled_and_average_eer_like_the_arena(opts, small_foley):
    from fakebench.report.render import render

    with open(small_foley / "foley" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(small_foley / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "path": "foley/" + r["path"]} for r in rows[::2])
    recs = fakebench.run(dataset="foley-demo,manifest", train_dataset="foley-demo", detector="logmel-logreg",
                         seeds=[0, 1], **opts)
    text = render(recs, pivot="pipeline:dataset", metrics=["eer"])
    header = next(ln for ln in text.splitlines() if "pipeline \\ dataset" in ln)
    cols = [c.strip() for c in header.strip("|").split("|")]
    assert cols[-2:] == ["pooled EER", "average EER"]
    row = [c.strip(" *") for c in next(ln for ln in text.splitlines() if "logmel-logreg" in ln).strip("|").split("|")]
    pooled = [r["test_group"]["pooled_eer"] for r in recs if r["dataset"]["name"] == "manifest"]
    mean = sum(pooled) / len(pooled)
    assert row[-2].startswith(f"{100 * mean:.2f}")
