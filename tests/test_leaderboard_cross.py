"""End to end on real clips: a cross-dataset run (train A -> test A, B and back) with
manifest-based datasets built in tmp from the shared Foley clips, the train -> test
matrix, the dev-set EER threshold, and the Markdown/HTML/publish outputs of those runs."""

import csv
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import fakebench
from fakebench import metrics as M
from fakebench.cli import main
from fakebench.results import ResultStore

pytestmark = [pytest.mark.shared, pytest.mark.weights]
pytest.importorskip("aisfx")

FIELDS = ["path", "label", "class", "system", "duration", "split"]


def _copy(rows, shared, dest_dir, prefix=""):
    out = []
    for r in rows:
        dst = dest_dir / prefix / r["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / "data" / "foley" / r["path"], dst)
        out.append({**r, "path": f"{prefix}/{r['path']}" if prefix else r["path"]})
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory, shared, foley_rows):
    """Dataset 'manifest' (root/manifest.csv, given splits): 10 real + T-Foley-LSTM fakes.
    Dataset 'foley-demo' (root/foley/manifest.csv, random split): 10 other real clips +
    MambaFoley fakes, i.e. unseen generators. Two seeds each way."""
    tmp = tmp_path_factory.mktemp("cross")
    root = tmp / "data"
    real = [r for r in foley_rows if r["label"] == "real"]
    lstm = [r for r in foley_rows if r["system"] == "t-foley-lstm"][:14]
    mamba = [r for r in foley_rows if r["system"] == "mamba-foley"][:14]
    a = _copy(real[:10] + lstm, shared, root, prefix="a")
    for i, r in enumerate(a):  # given splits: val and eval hold both classes
        k = i if r["label"] == "real" else i - 10
        r["split"] = "train" if k < (6 if r["label"] == "real" else 8) else (
            "val" if k < (8 if r["label"] == "real" else 10) else "eval")
    b = _copy(real[10:20] + mamba, shared, root / "foley")
    for path, rows in ((root / "manifest.csv", a), (root / "foley" / "manifest.csv", b)):
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    opts = dict(data_root=str(root), cache_dir=str(tmp / "cache"), results_dir=str(tmp / "results"), device="cpu",
                sets={"epochs": 8, "hidden": [32], "checkpoint_every": 4}, seeds=[0, 1])
    ab = fakebench.run(dataset="manifest,foley-demo", train_dataset="manifest", detector="sfx-mlp", **opts)
    ba = fakebench.run(dataset="foley-demo,manifest", train_dataset="foley-demo", detector="sfx-mlp", **opts)
    dev = fakebench.run(dataset="manifest", detector="sfx-mlp", threshold="dev-eer", **{**opts, "seeds": [0]})
    return {"ab": ab, "ba": ba, "dev": dev, "results": tmp / "results", "tmp": tmp}


def test_cross_dataset_records(runs):
    assert len(runs["ab"]) == 4 and len(runs["ba"]) == 4
    by_test = {(r["seed"], r["dataset"]["name"]): r for r in runs["ab"]}
    assert by_test[(0, "manifest")]["train_dataset"] is None  # in-domain
    assert by_test[(0, "foley-demo")]["train_dataset"]["name"] == "manifest"
    in_domain = {(r["seed"], r["dataset"]["name"]): r for r in runs["ba"]}
    # a dataset used only for testing is scored whole (every one of its 24 clips, as papers report
    # In-the-Wild), and the record says so; its in-domain run scores its eval split
    assert by_test[(0, "foley-demo")]["dataset"]["part"] == "all"
    assert by_test[(0, "foley-demo")]["dataset"]["counts"]["eval"] == {"n": 24, "real": 10, "fake": 14}
    assert in_domain[(0, "foley-demo")]["dataset"]["part"] == "eval"
    assert in_domain[(0, "foley-demo")]["dataset"]["counts"]["eval"]["n"] < 24
    assert by_test[(0, "manifest")]["breakdowns"]["system"]["t-foley-lstm"]["n"] == 4
    assert "mamba-foley" in by_test[(0, "foley-demo")]["breakdowns"]["system"]


def test_train_test_matrix(runs):
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(runs["results"]), "--cross", "--metric", "eer"],
                           catch_exceptions=False)
    assert r.exit_code == 0
    lines = r.output.splitlines()
    header = next(line for line in lines if "train \\ test" in line)
    assert "manifest" in header and "foley-demo" in header
    body = [line for line in lines if line.startswith("| manifest") or line.startswith("| foley-demo")]
    # 2 seeds in all 4 cells, then the pooled and average EER over the two test sets
    assert len(body) == 2 and all(line.count("±") == 4 for line in body)
    assert "pooled EER" in header and "average EER" in header


def test_dev_eer_threshold_is_recorded_and_used(runs):
    (rec,) = runs["dev"]
    assert rec["threshold_source"] == "dev-eer" and rec["options"]["threshold"] == "dev-eer"
    store = ResultStore(runs["results"])
    rows = store.scores(rec)
    val = [r for r in rows if r["split"] == "val"]
    ev = [r for r in rows if r["split"] == "eval"]
    v_s, v_y = np.array([float(r["score"]) for r in val]), np.array([int(r["label"]) for r in val])
    _, thr = M.eer(v_s, v_y, return_threshold=True, warn=False)
    assert rec["threshold"] == pytest.approx(thr, rel=1e-5, abs=1e-6)
    e_s, e_y = np.array([float(r["score"]) for r in ev]), np.array([int(r["label"]) for r in ev])
    assert rec["metrics"]["accuracy"] == pytest.approx(M.accuracy(e_s, e_y, rec["threshold"]))
    # a different threshold policy is a different leaderboard row
    plain = [r for r in runs["ab"] if r["dataset"]["name"] == "manifest"]
    assert rec["group_key"] != plain[0]["group_key"]


def test_html_and_publish_of_real_runs(runs, tmp_path):
    res = str(runs["results"])
    out = tmp_path / "site"
    r = CliRunner().invoke(main, ["leaderboard", "publish", "--results", res, "--out", str(out), "--sort", "eer"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "manifest.html", "foley-demo.html", "leaderboard.md", "leaderboard.csv",
            "leaderboard.tex", "cross.md", "cross.tex"} <= names
    page = (out / "foley-demo.html").read_text()
    assert 'alt="DET curve foley-demo"' in page and page.count("data:image/png;base64,") >= 4
    md = (out / "leaderboard.md").read_text()
    assert "foley-demo (trained on manifest)" in md and "dev-eer" in md  # the threshold policy labels its row
    j = CliRunner().invoke(main, ["leaderboard", "--results", res, "--format", "csv"], catch_exceptions=False)
    assert len(list(csv.DictReader(j.output.splitlines()))) == 5  # 4 cross cells + the dev-eer run
    assert json.loads(json.dumps(runs["dev"]))  # records stay JSON
