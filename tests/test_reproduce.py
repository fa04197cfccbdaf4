"""``fakebench reproduce``: the recipes (data, validated), their plans, the dry run with no
data, the comparisons, and an end-to-end substitute run on a DCASE-layout corpus built
from the real Foley clips (aiSFX in place of the paper's embedders, two runs of two
epochs), whose output must say it is not a reproduction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fakebench.cli.reproduce import reproduce_cmd
from fakebench.errors import ConfigError
from fakebench.recipes import Comparison, fad_table, load_recipe, parse_substitutions, plan, recipe_paths
from fakebench.recipes.execute import best_record, compare

RECIPES = ("ouajdi2024", "asvspoof19-cnn", "dada2025")


def invoke(*args: str):
    result = CliRunner().invoke(reproduce_cmd, list(args), catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


# -- recipes as data -------------------------------------------------------------------------


def test_list_names_every_recipe():
    out = invoke("--list").output
    for name in RECIPES:
        assert name in out
    assert set(RECIPES) <= set(recipe_paths())


@pytest.mark.parametrize("name", RECIPES)
def test_builtin_recipes_load_and_plan(name):
    r = load_recipe(name)
    assert r.name == name and r.run_decls and r.comparisons and r.exact and r.differences
    p = plan(r)
    assert p.is_reproduction and len(p.runs) == len(r.run_decls)
    assert all(len(x.seeds) == r.runs for x in p.runs)
    for c in r.comparisons:
        assert c.source and c.what
    if name == "dada2025":
        assert all(c.paper is None for c in r.comparisons)  # the draft has no numbers


def test_ouajdi2024_holds_the_authors_protocol_and_the_papers_values():
    r = load_recipe("ouajdi2024")
    p = plan(r)
    assert {x.protocol for x in p.runs} == {"fixed"} and {x.length for x in p.runs} == {"pad:4"}
    assert {x.pipeline for x in p.runs} == {"vggish-mlp", "clap-2023-mlp", "panns-wavegram-logmel-mlp",
                                           "panns-cnn14-32k-mlp"}
    for x in p.runs:
        assert x.sets["detector.checkpoint_rule"] == "block-mean:10" and x.sets["detector.warmup_epochs"] == 3
    vgg = next(x for x in p.runs if x.decl.id == "vggish")
    assert vgg.sets["embedder.postprocess"] == "none" and vgg.sets["embedder.final_relu"] is False
    clap = next(x for x in p.runs if x.decl.id == "clap")
    assert clap.sets["embedder.windows"] == "fadtk"
    values = {c.id: (c.paper, c.get("paper_std")) for c in r.comparisons}
    assert values["acc-clap"] == (98.02, 0.18) and values["acc-vggish"] == (88.11, 0.73)
    assert values["acc-panns-wavegram"] == (93.15, 0.34) and values["acc-panns-32k"] == (93.04, 0.32)
    assert values["fad-corr-A"][0] == -0.86 and values["fad-corr-B"][0] == -0.27
    table = fad_table(r.resource("data/dcase23_t7_fad.csv"))
    assert len(table) == 36 and table["TASys02"]["submission_code"] == "Chon_Gaudio_task7_trackA_1"
    assert sum(row["track"] == "A" for row in table.values()) == 9


def test_asvspoof_recipe_runs_the_slides_network():
    p = plan(load_recipe("asvspoof19-cnn"))
    cnn = {x.decl.id: x for x in p.runs}
    assert cnn["cnn-multiply"].sets["arch"] == "slides-vgg" and cnn["cnn-multiply"].sets["balance"] == "multiply:8"
    assert cnn["cnn-3000"].sets["balance"] == "subsample:3000"
    assert (cnn["resnet50-waveform"].sets["batch_size"], cnn["resnet50-waveform"].sets["epochs"]) == (50, 4)
    assert (cnn["cnn-multiply"].sets["batch_size"], cnn["cnn-multiply"].sets["epochs"]) == (40, 3)


@pytest.mark.parametrize("body,match", [
    ('schema = "fakebench.recipe/0"', "schema"),
    ('[[compare]]\nid = "x"\nwhat = "x"\nsource = "T1"\nkind = "metric"\nrun = "nope"\nmetric = "accuracy"', "not a run"),
    ('[[compare]]\nid = "x"\nwhat = "x"\nsource = "T1"\nkind = "magic"\nrun = "a"', "kind"),
    ('[[compare]]\nid = "x"\nwhat = "x"\nsource = "T1"\nkind = "metric"\nrun = "a"', "needs 'metric'"),
    ('[[compare]]\nid = "x"\nwhat = "x"\nsource = "T1"\nkind = "metric"\nrun = "a"\nmetric = "eer"\npaper = "high"',
     "paper must be a number"),
    ('colour = "blue"', "unknown key"),
])
def test_a_bad_recipe_is_one_clear_error(tmp_path, body, match):
    base = ('schema = "fakebench.recipe/1"\nname = "mine"\ntitle = "t"\n'
            '[[run]]\nid = "a"\ndataset = "foley-demo"\ndetector = "sfx-mlp"\n')
    if body.startswith("schema"):
        base = base.replace('schema = "fakebench.recipe/1"\n', "")
    path = tmp_path / "mine.toml"
    path.write_text(base + body + "\n")
    with pytest.raises(ConfigError, match=match) as e:
        load_recipe(path)
    assert "mine.toml" in e.value.message


def test_a_recipe_naming_an_unknown_plugin_fails_at_planning(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('schema = "fakebench.recipe/1"\nname = "mine"\ntitle = "t"\n'
                    '[[run]]\nid = "a"\ndataset = "foley-demo"\ndetector = "sfx-mlp"\nprotocol = "fixed"\n'
                    '[run.sets]\n"detector.checkpoint_rule" = "block-mean:10"\nepochz = 3\n')
    with pytest.raises(ConfigError, match="run 'a'.*epochz"):
        plan(load_recipe(path))
    with pytest.raises(ConfigError, match="unknown recipe"):
        load_recipe("ouajdi2025")


def test_substitutions_are_never_a_reproduction():
    r = load_recipe("ouajdi2024")
    p = plan(r, substitute=parse_substitutions(["embedder=sfx"]))
    assert not p.is_reproduction
    assert {x.pipeline for x in p.runs} == {"sfx-mlp"}
    assert any("clap-2023 -> sfx" in d for d in p.departures())
    assert not any(k.startswith("embedder.") for x in p.runs for k in x.sets)
    assert not plan(r, sets={"epochs": 2}).is_reproduction
    assert not plan(r, runs=3).is_reproduction and plan(r, runs=10).is_reproduction
    partial = plan(r, only=["clap"])
    assert not partial.is_reproduction and any("left out: vggish" in d for d in partial.departures())
    for bad in (["embedder"], ["weights=x"], ["embedder="]):
        with pytest.raises(ConfigError, match="substitute"):
            parse_substitutions(bad)
    with pytest.raises(Exception, match="nope"):
        plan(r, substitute={"embedder": "nope"})


# -- the dry run -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RECIPES)
def test_dry_run_works_with_no_data_and_names_what_is_missing(name, tmp_path):
    empty = tmp_path / "no-data"
    result = invoke(name, "--dry-run", "--data-root", str(empty))
    assert result.exit_code == 0, result.output
    out = result.output
    r = load_recipe(name)
    assert "MISSING" in out and str(empty) in out
    for d in r.data:
        assert f"to get {d['dataset']}" in out
    for decl in r.run_decls:
        assert f"{decl.id}:" in out
    doc = json.loads(invoke(name, "--dry-run", "--json", "--data-root", str(empty)).stdout)
    assert doc["recipe"] == name and doc["data"] and not any(d["present"] for d in doc["data"])
    if name == "ouajdi2024":  # the embedders' weight files are named, with where to put them
        weights = [w for run in doc["runs"] for w in run["weights"]]
        assert not any(w["present"] for w in weights)
        text = " ".join(w["what"] + w["detail"] for w in weights)
        for f in ("vggish-10086976.pth", "CLAP_weights_2023.pth", "Cnn14_mAP=0.431.pth",
                  "Wavegram_Logmel_Cnn14_mAP=0.439.pth"):
            assert f in text
        assert "vggish_pca_params" not in text  # postprocess=none needs no PCA file
    if name == "dada2025":
        assert "facebook/wav2vec2-base" in out and "AASIST.pth" in out


def test_dry_run_sees_present_data(tmp_path):
    from plugins.datasets.layouts import dcase23

    dcase23(tmp_path / "data", fakes_per_system=2, n_real=9)
    doc = json.loads(invoke("ouajdi2024", "--dry-run", "--json", "--data-root", str(tmp_path / "data")).stdout)
    assert [d["present"] for d in doc["data"]] == [True]
    assert "train" in doc["data"][0]["detail"]


# -- comparisons on records ---------------------------------------------------------------------


def _record(seed, acc, cm=None, systems=None, classes=None, history=None):
    return {"seed": seed, "metrics": {"accuracy": acc, "eer": 1 - acc},
            "confusion": cm or [[10, 2], [3, 85]],
            "breakdowns": {"system": systems or {}, "class": classes or {}},
            "training": {"history": history or []}}


def _plan_with(tmp_path, compares: str):
    path = tmp_path / "toy.toml"
    (tmp_path / "fad.csv").write_text("# test table\nsystem,track,fad\nTASys01,A,1.0\nTASys02,A,2.0\n"
                                      "TASys03,A,4.0\nTASys04,A,\nTBSys01,B,3.0\n")
    path.write_text('schema = "fakebench.recipe/1"\nname = "toy"\ntitle = "t"\nruns = 3\n'
                    '[[run]]\nid = "a"\ndataset = "foley-demo"\ndetector = "sfx-mlp"\n'
                    '[[run]]\nid = "b"\ndataset = "foley-demo"\ndetector = "sfx-mlp"\n' + compares)
    return plan(load_recipe(path))


def test_compare_rows(tmp_path):
    p = _plan_with(tmp_path, '''
[[compare]]
id = "acc"
what = "accuracy"
source = "Table 1"
kind = "metric"
run = "a"
metric = "accuracy"
scale = 100
paper = 90.0
paper_std = 1.0
[[compare]]
id = "acc-none"
what = "accuracy, no published value"
source = "Table 2"
kind = "metric"
run = "b"
metric = "accuracy"
[[compare]]
id = "cm"
what = "real predicted fake"
source = "Table 3"
kind = "confusion"
run = "a"
truth = "real"
predicted = "fake"
paper = 2
paper_spread = 0.5
spread_kind = "rounding"
[[compare]]
id = "u"
what = "U test"
source = "V.C"
kind = "utest"
run = "a"
against = "b"
metric = "accuracy"
paper_text = "significant"
[[compare]]
id = "r"
what = "Pearson"
source = "V.E"
kind = "correlation"
run = "a"
track = "A"
table = "fad.csv"
paper = 0.9
paper_spread = 0.005
[[compare]]
id = "abx"
what = "abx"
source = "4.1.2"
kind = "history"
run = "b"
stage = "abx"
split = "val"
field = "text_speaker"
''')
    # system BCE: mean x n is the authors' per-system sum; counts differ between systems
    systems = {"TASys01": {"bce": 0.5, "n": 2}, "TASys02": {"bce": 0.1, "n": 30}, "TASys03": {"bce": 0.2, "n": 40},
               "TASys04": {"bce": 9.0, "n": 5}, "TBSys01": {"bce": 1.0, "n": 10}}
    recs = {"a": [_record(0, 0.90), _record(1, 0.92, cm=[[20, 0], [5, 75]], systems=systems), _record(2, 0.91)],
            "b": [_record(s, 0.80 + s / 100, history=[{"stage": "abx", "split": "val", "text_speaker": 0.7 + s / 10}])
                  for s in range(3)]}
    rows = {r.id: r for r in compare(p, recs, measure_rtf=False)}
    acc = rows["acc"]
    assert acc.numbers["mean"] == pytest.approx(91.0) and acc.numbers["std"] == pytest.approx(1.0)
    assert acc.within.startswith("yes") and acc.diff == "+1.00"
    assert rows["acc-none"].within == "no published value" and rows["acc-none"].paper == "no published value"
    assert rows["cm"].numbers["cell"] == 0 and rows["cm"].numbers["seed"] == 1  # the best run's matrix
    assert rows["cm"].within.startswith("no")
    assert rows["u"].numbers["p"] == pytest.approx(0.1) and rows["u"].within.startswith("no")
    sums = [0.5 * 2, 0.1 * 30, 0.2 * 40]
    from scipy.stats import pearsonr

    assert rows["r"].numbers["r"] == pytest.approx(pearsonr(sums, [1.0, 2.0, 4.0]).statistic)
    assert rows["r"].numbers["systems"] == ["TASys01", "TASys02", "TASys03"]  # no FAD for TASys04; B left out
    means = [0.5, 0.1, 0.2]
    assert abs(pearsonr(means, [1.0, 2.0, 4.0]).statistic - rows["r"].numbers["r"]) > 0.1  # sum, not mean
    assert rows["abx"].numbers["mean"] == pytest.approx(0.8)
    assert best_record(recs["a"], "accuracy")["seed"] == 1 and best_record(recs["a"], "eer")["seed"] == 1


def test_fad_table_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("system,fad\nTASys01,lots\n")
    with pytest.raises(ConfigError, match="not a number"):
        fad_table(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        fad_table(tmp_path / "none.csv")


# -- end to end: a substitute run on the real Foley clips in the DCASE 2023 T7 layout ------------


@pytest.fixture(scope="module")
def substitute_run(tmp_path_factory, shared):
    from plugins.datasets.layouts import dcase23

    pytest.importorskip("aisfx")
    root = tmp_path_factory.mktemp("reproduce")
    dcase23(root / "data", fakes_per_system=3, n_real=12)
    import os

    env = {"FAKEBENCH_HOME": str(root / "home")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = invoke("ouajdi2024", "--data-root", str(root / "data"), "--substitute", "embedder=sfx",
                        "--runs", "2", "--set", "epochs=2", "--no-rtf", "--device", "cpu",
                        "--results", str(root / "results"), "--cache-dir", str(root / "cache"),
                        "--out", str(root / "report"))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return root, result


@pytest.mark.slow
def test_end_to_end_substitute_run(substitute_run):
    root, result = substitute_run
    assert result.exit_code == 0, result.output
    out = result.stdout  # the table; progress bars go to stderr
    assert out.startswith("SUBSTITUTE RUN -- NOT A REPRODUCTION")
    assert "clap-2023 -> sfx" in out and "--set epochs=2" in out and "2 run(s) instead of the recipe's 10" in out
    assert "98.02 ± 0.18" in out and "(n=2)" in out
    md = (root / "report" / "report.md").read_text()
    page = (root / "report" / "report.html").read_text()
    for text in (md, page):
        assert "SUBSTITUTE RUN -- NOT A REPRODUCTION" in text and "substitute run (not a reproduction)" in text
        assert "Table II" in text and "Accuracy (%), MS-Clap" in text
    assert "fakebench SUBSTITUTE RUN (mean ± std)" in md
    assert "the FAD table" in out  # the correlation says why it is not computed
    from fakebench.results import ResultStore

    records = ResultStore(root / "results").records()
    assert len(records) == 8  # 4 runs x 2 seeds
    assert {r["dataset"]["protocol"] for r in records} == {"fixed"}
    assert {r["pipeline"]["name"] for r in records} == {"sfx-mlp"}
    assert {r.get("recipe") for r in records} == {"ouajdi2024"}
    assert all(r["pipeline"]["detector"]["params"]["checkpoint_rule"] == "block-mean:10" for r in records)
    counts = records[0]["dataset"]["counts"]
    assert (counts["train"]["n"], counts["val"]["n"], counts["eval"]["n"]) == (16, 3, 5)  # 24 clips, fixed split


@pytest.mark.slow
def test_paper_style_inference_time_on_a_saved_run(substitute_run):
    from fakebench.recipes.measure import single_clip_rtf
    from fakebench.results import ResultStore

    root, _ = substitute_run
    store = ResultStore(root / "results")
    rec = store.records()[0]
    got = single_clip_rtf(rec, repeats=2, store=store, data_root=root / "data", device="cpu")
    assert got["repeats"] == 2 and got["duration"] == pytest.approx(4.0) and got["percent"] > 0
    eval_ids = {r["id"] for r in store.scores(rec) if r["split"] == "eval"}
    assert got["clip"] in eval_ids
    assert single_clip_rtf(rec, repeats=1, store=store, data_root=root / "data")["clip"] == got["clip"]


def test_comparison_object():
    c = Comparison("x", "w", "s", "metric", "a", {"paper": 1.5, "metric": "eer"})
    assert c.paper == 1.5 and c.get("metric") == "eer" and c.get("scale", 1) == 1
    assert np.isfinite(c.paper)
    assert Path(load_recipe("ouajdi2024").path).name == "ouajdi2024.toml"
