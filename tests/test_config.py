"""Run configuration: config files, --set, command-line options, and their precedence.

Precedence, highest first: command line > --set > config file > defaults.
"""

import json

import pytest
from click.testing import CliRunner

import fakebench
from fakebench.cli import main
from fakebench.config import RUN_KEYS, RunSpec, load_config_file
from fakebench.errors import ConfigError


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


# -- the bug that started it: [run] keys of a config file were dropped ------------------------


def test_config_file_run_keys_are_honoured_through_the_cli(small_foley, tmp_path):
    cfg = write(tmp_path / "c.toml", "[run]\nruns = 2\nseed = 7\n\n[detector]\nC = 0.5\n")
    r = CliRunner().invoke(main, ["run", "--detector", "logmel-logreg", "--dataset", "foley-demo", "--data-root",
                                  str(small_foley), "--config", str(cfg), "--json", "--results", str(tmp_path / "res"),
                                  "--cache-dir", str(tmp_path / "cache")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    records = json.loads(r.stdout)
    assert [rec["seed"] for rec in records] == [7, 8]
    assert all(rec["pipeline"]["detector"]["params"]["C"] == 0.5 for rec in records)


def test_the_python_api_takes_a_config(small_foley, tmp_path):
    cfg = write(tmp_path / "c.toml", '[run]\ndataset = "foley-demo"\ndetector = "logmel-logreg"\nseed = 3\n')
    records = fakebench.run(config=cfg, data_root=str(small_foley), results_dir=str(tmp_path / "res"),
                            cache_dir=str(tmp_path / "cache"))
    assert [r["seed"] for r in records] == [3]
    assert records[0]["dataset"]["name"] == "foley-demo"


# -- precedence ---------------------------------------------------------------------------------


@pytest.fixture
def cfg(tmp_path):
    return write(tmp_path / "c.toml", """
[run]
dataset = "foley-demo"
detector = "sfx-mlp"
runs = 3
seed = 10
device = "cpu"
threshold = "dev-eer"

[detector]
epochs = 20
lr = 0.01
""")


def test_defaults_alone():
    spec = RunSpec.from_config(None, dataset="d", detector="x")
    assert list(spec.seeds) == [0] and spec.device == "auto" and spec.threshold == "detector" and spec.sets == {}


def test_config_file_over_defaults(cfg):
    spec = RunSpec.from_config(cfg)
    assert list(spec.seeds) == [10, 11, 12]
    assert spec.device == "cpu" and spec.threshold == "dev-eer"
    assert spec.sets == {"detector.epochs": 20, "detector.lr": 0.01}


def test_set_over_config_file(cfg):
    spec = RunSpec.from_config(cfg, sets=["detector.epochs=5", "run.seed=1", "run.threshold=detector"])
    assert spec.sets["detector.epochs"] == 5 and spec.sets["detector.lr"] == 0.01
    assert list(spec.seeds) == [1, 2, 3]  # seed from --set, runs from the file
    assert spec.threshold == "detector"


def test_command_line_over_set_and_config(cfg):
    spec = RunSpec.from_config(cfg, sets=["run.seed=1", "run.device=cuda"], seed=4, runs=2, device="cpu",
                               detector="logmel-logreg")
    assert list(spec.seeds) == [4, 5]
    assert spec.device == "cpu" and spec.detector == "logmel-logreg"


def test_options_given_as_none_do_not_override(cfg):
    spec = RunSpec.from_config(cfg, device=None, runs=None)
    assert spec.device == "cpu" and list(spec.seeds) == [10, 11, 12]


def test_runs_alone_on_the_command_line_keeps_the_files_seed(cfg):
    assert list(RunSpec.from_config(cfg, runs=1).seeds) == [10]


def test_explicit_seed_list_and_range_the_higher_layer_wins(tmp_path):
    c = write(tmp_path / "s.toml", '[run]\ndataset = "d"\ndetector = "x"\nseeds = [3, 9]\n')
    assert list(RunSpec.from_config(c).seeds) == [3, 9]
    assert list(RunSpec.from_config(c, seed=5).seeds) == [5]


def test_cli_precedence_end_to_end(small_foley, tmp_path):
    c = write(tmp_path / "c.toml", "[run]\nruns = 2\nseed = 7\n")
    r = CliRunner().invoke(main, ["run", "-d", "logmel-logreg", "-D", "foley-demo", "--data-root", str(small_foley),
                                  "--config", str(c), "--set", "run.seed=20", "--runs", "1", "--json",
                                  "--results", str(tmp_path / "res"), "--cache-dir", str(tmp_path / "cache")],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert [rec["seed"] for rec in json.loads(r.stdout)] == [20]


# -- every [run] key is honoured or refused ------------------------------------------------------


def test_unknown_run_key_is_refused(tmp_path):
    c = write(tmp_path / "c.toml", '[run]\ndataset = "d"\ndetector = "x"\nepoch = 3\n')
    with pytest.raises(ConfigError, match=r"unknown run key\(s\) \['epoch'\]"):
        RunSpec.from_config(c)


@pytest.mark.parametrize("key", RUN_KEYS)
def test_every_run_key_reaches_the_spec(key, tmp_path):
    values = {"runs": 2, "seed": 5, "seeds": [4, 6], "workers": 0, "num_workers": 0, "retrain": True,
              "reuse_fits": False, "no_cache": True, "use_cache": False, "no_save_model": True, "save_model": False,
              "metric": ["eer"], "metrics": ["eer"], "results": "r", "results_dir": "r", "cache": "c",
              "cache_dir": "c", "batch_size": 3, "allow_missing": True, "skip_bad": True, "threshold": "dev-eer",
              "precision": "bf16", "length": "crop:2", "device": "cpu", "dataset": "dd", "detector": "xx",
              "embedder": "ee", "train_dataset": "tt", "data_root": "/data", "protocol": "p", "weights": "w",
              "recipe": "ouajdi2024", "calibrate": "dev", "condition": "mp3:32k", "conditions": "clean,gain:db=-3",
              "condition_set": "codecs", "train_condition": "telephone", "executor": "ray", "address": "auto",
              "max_memory": "4G"}
    assert key in values, f"add an example value for the new run key {key!r}"
    base = {"dataset": "d", "detector": "x"}
    spec = RunSpec.from_config({"run": {**base, key: values[key]}})
    default = RunSpec(**base)
    changed = {f for f in vars(spec) if getattr(spec, f) != getattr(default, f)}
    assert changed, f"[run] {key} = {values[key]!r} changed nothing"


@pytest.mark.parametrize("bad, words", [
    ({"runs": 0}, "runs must be an integer >= 1"),
    ({"runs": "ten"}, "runs must be an integer"),
    ({"seed": -1}, "seed must be an integer >= 0"),
    ({"seed": 2**40}, "exceed"),
    ({"batch_size": 0}, "--batch-size 0 must be an integer >= 1"),
    ({"max_memory": "lots"}, "--max-memory 'lots' is not a size"),
    ({"max_memory": "10M"}, "too small"),
    ({"max_memory": float("inf")}, "not a finite size"),
    ({"workers": -1}, "--workers -1 must be an integer >= 0"),
    ({"retrain": "yes please"}, "retrain must be true or false"),
    ({"threshold": "median"}, "unknown threshold policy"),
    ({"precision": "fp8"}, "unknown precision"),
    ({"length": "crop:-1"}, "clip length"),
    ({"device": 3}, "device must be a string"),
])
def test_bad_run_values_are_refused(bad, words):
    with pytest.raises(ConfigError, match=words):
        RunSpec.from_config({"run": {"dataset": "d", "detector": "x", **bad}})


def test_missing_dataset_names_the_option():
    with pytest.raises(ConfigError, match="no dataset given"):
        RunSpec.from_config({"run": {"detector": "x"}})


def test_unknown_table_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown table"):
        load_config_file(write(tmp_path / "c.toml", "[model]\nx = 1\n"))


def test_utf16_config_with_bom_is_read(tmp_path):
    p = tmp_path / "c.toml"
    p.write_bytes('[run]\ndataset = "dé"\ndetector = "x"\n'.encode("utf-16"))
    assert RunSpec.from_config(p).dataset == "dé"


def test_latin1_config_names_the_file_and_byte(tmp_path):
    p = tmp_path / "c.toml"
    p.write_bytes('[run]\ndataset = "d\xe9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"c\.toml.*byte 0xe9 at offset 18"):
        RunSpec.from_config(p)


@pytest.mark.parametrize("text, mib", [("4G", 4096), ("4GiB", 4096), ("2500M", 2500), ("1.5g", 1536), (512, 512),
                                       ("1T", 1024 * 1024)])
def test_max_memory_sizes_are_binary_and_a_bare_number_is_mib(text, mib):
    from fakebench.config import parse_memory

    assert parse_memory(text) == mib
