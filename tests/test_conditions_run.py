"""The condition axis through real runs: one record per condition, cached conditioned
embeddings, the pipeline x condition pivot, and clear errors."""

import json
import time

import pytest
from click.testing import CliRunner

import fakebench
from fakebench.cli import main
from fakebench.report.render import render
from fakebench.results import ResultStore


@pytest.fixture
def speech(shared, tmp_path):
    """24 real speech clips (12 bona fide, 12 synthetic) as a manifest with given splits."""
    import csv

    with open(shared / "data" / "speech" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    real = [r for r in rows if r["label"] == "real"][:12]
    fake = [r for r in rows if r["label"] == "fake"][:12]
    out = []
    for group in (real, fake):
        for i, r in enumerate(group):
            split = "train" if i < 6 else ("val" if i < 8 else "eval")
            out.append({"path": str(shared / "data" / "speech" / r["path"]), "label": r["label"], "split": split})
    path = tmp_path / "speech.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "split"])
        w.writeheader()
        w.writerows(out)
    return path


def test_one_record_per_condition_and_a_free_rerun(speech, tmp_path):
    opts = dict(dataset="manifest", detector="mfcc-logreg", data_root=str(speech), device="cpu",
                results_dir=str(tmp_path / "res"), cache_dir=str(tmp_path / "cache"))
    t0 = time.perf_counter()
    recs = fakebench.run(conditions="clean,mp3:32k,noise:snr=0,telephone", **opts)
    first = time.perf_counter() - t0
    assert [r["condition"] for r in recs] == ["clean", "mp3:bitrate=32000", "noise:snr=0.0", "telephone"]
    assert recs[2]["condition_params"]["snr"] == 0.0
    assert len({r["group_key"] for r in recs}) == 4  # each condition is its own leaderboard row
    assert all(r["train_condition"] == "clean" for r in recs)
    assert all(r["dataset"]["counts"]["eval"]["n"] == 8 for r in recs)
    # the detector is fitted once: every condition's record shares the training curve and threshold
    assert len({json.dumps(r["training"]["history"]) for r in recs}) == 1
    # the degradations reach the scores: 0 dB noise changes them
    store = ResultStore(tmp_path / "res")
    scores = {r["condition"]: [row["score"] for row in store.scores(r) if row["split"] == "eval"] for r in recs}
    assert scores["noise:snr=0.0"] != scores["clean"]
    # a re-run finds every conditioned embedding in the cache
    t0 = time.perf_counter()
    again = fakebench.run(conditions="clean,mp3:32k,noise:snr=0,telephone", **opts)
    assert [r["metrics"]["eer"] for r in again] == [r["metrics"]["eer"] for r in recs]
    assert all(r["extraction"]["embedding"]["computed"] == 0 for r in again)
    assert time.perf_counter() - t0 < 0.5 * first


def test_a_random_condition_depends_on_the_seed_and_is_reproducible(speech, tmp_path):
    opts = dict(dataset="manifest", detector="mfcc-logreg", data_root=str(speech), device="cpu",
                results_dir=str(tmp_path / "res"), cache_dir=str(tmp_path / "cache"), conditions="noise:snr=5")
    store = ResultStore(tmp_path / "res")

    def eval_scores(rec):
        return [row["score"] for row in store.scores(rec) if row["split"] == "eval"]

    a, b = fakebench.run(seeds=[0, 1], **opts)
    again = fakebench.run(seeds=[0], no_cache=True, **opts)[0]
    assert eval_scores(a) == eval_scores(again)  # recomputed from scratch: the same noise
    assert eval_scores(a) != eval_scores(b)


def test_pivot_with_degradation_through_the_cli(speech, tmp_path):
    res = str(tmp_path / "res")
    r = CliRunner().invoke(main, ["run", "-d", "mfcc-logreg", "-D", "manifest", "--data-root", str(speech),
                                  "--condition", "clean,gain:-6,noise:snr=0", "--results", res,
                                  "--cache-dir", str(tmp_path / "cache")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["leaderboard", "--results", res, "--pivot", "pipeline:condition", "--metric", "eer"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    header = next(line for line in r.output.splitlines() if "pipeline \\ condition" in line)
    cols = [c.strip() for c in header.strip("|").split("|")]
    assert cols[1] == "clean" and "Δ vs clean (mean)" in cols and "Δ vs clean (worst)" in cols
    recs = ResultStore(res).records()
    clean = next(x for x in recs if x["condition"] == "clean")["metrics"]["eer"]
    others = [x["metrics"]["eer"] for x in recs if x["condition"] != "clean"]
    row = next(line for line in r.output.splitlines() if line.startswith("| mfcc-logreg"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[cols.index("Δ vs clean (mean)")] == f"{100 * (sum(others) / 2 - clean):.2f}"


def test_condition_errors_are_one_line(speech, tmp_path):
    base = ["run", "-d", "mfcc-logreg", "-D", "manifest", "--data-root", str(speech),
            "--results", str(tmp_path / "r"), "--cache-dir", str(tmp_path / "c")]
    r = CliRunner().invoke(main, base + ["--condition", "clean,mp4:32k"])
    assert r.exit_code == 2 and "mp4" in r.output and "did you mean 'mp3'" in r.output
    r = CliRunner().invoke(main, base + ["--condition", "noise:snr=abc"])
    assert r.exit_code == 2 and "noise" in r.output and "snr" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(main, base + ["--condition-set", "codec"])
    assert r.exit_code == 2 and "did you mean 'codecs'" in r.output


@pytest.mark.weights
def test_aasist_under_conditions(shared, speech, tmp_path):
    """The released AASIST checkpoint scored under a codec and noise: the audio path of a
    waveform detector is conditioned too (scores differ from clean)."""
    recs = fakebench.run(dataset="manifest", detector="aasist", data_root=str(speech), device="cpu",
                         weights=str(shared / "weights" / "aasist"), conditions="clean,noise:snr=0",
                         results_dir=str(tmp_path / "res"), cache_dir=str(tmp_path / "cache"),
                         sets={"eval_batch_size": 8})
    store = ResultStore(tmp_path / "res")
    clean, noisy = ([row["score"] for row in store.scores(r) if row["split"] == "eval"] for r in recs)
    assert len(clean) == 8 and clean != noisy
    assert [r["condition"] for r in recs] == ["clean", "noise:snr=0.0"]


def test_render_shows_the_condition_in_the_table(speech, tmp_path):
    recs = fakebench.run(dataset="manifest", detector="mfcc-logreg", data_root=str(speech), device="cpu",
                         results_dir=str(tmp_path / "res"), cache_dir=str(tmp_path / "cache"),
                         conditions="clean,bitdepth:8")
    text = render(recs, metrics=["eer"])
    assert "manifest [bitdepth" in text
