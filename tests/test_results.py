"""The results store and leaderboards read only records."""

import json

import pytest

from fakebench.errors import FakebenchError
from fakebench.leaderboard import table
from fakebench.report.render import render
from fakebench.results import SCHEMA, ResultStore


def _record(run_id, seed, acc, group="g1", dataset="d", pipeline="sfx-mlp"):
    return {
        "schema": SCHEMA, "run_id": run_id, "created": f"2026-01-0{seed + 1}T00:00:00", "group_key": group,
        "seed": seed, "dataset": {"name": dataset, "protocol": "random"}, "train_dataset": None,
        "pipeline": {"name": pipeline, "embedder": {"name": pipeline.split("-")[0]}, "detector": {"name": "mlp"}},
        "metrics": {"accuracy": acc, "eer": 1 - acc},
        "metric_info": {"accuracy": {"higher_is_better": True, "percent": True},
                        "eer": {"higher_is_better": False, "percent": True}},
    }


def test_add_writes_record_scores_and_index(tmp_path):
    store = ResultStore(tmp_path)
    store.add(_record("r1", 0, 0.9), [{"id": "a", "split": "eval", "label": 1, "score": "0.5"}])
    assert (tmp_path / "runs" / "r1.json").exists() and (tmp_path / "index.sqlite").exists()
    rec = store.records()[0]
    assert rec["scores_file"] == "scores/r1.csv.gz"
    assert store.scores(rec)[0]["id"] == "a"


def test_index_is_rebuilt_from_json(tmp_path):
    store = ResultStore(tmp_path)
    store.add(_record("r1", 0, 0.9))
    store.add(_record("r2", 1, 0.8))
    (tmp_path / "index.sqlite").unlink()
    assert len(ResultStore(tmp_path).records()) == 2


def test_filters(tmp_path):
    store = ResultStore(tmp_path)
    store.add(_record("r1", 0, 0.9, dataset="a"))
    store.add(_record("r2", 0, 0.8, dataset="b", group="g2"))
    assert [r["run_id"] for r in store.records(dataset="b")] == ["r2"]
    with pytest.raises(FakebenchError):
        store.records(colour="red")


def test_merge_two_stores(tmp_path):
    a, b = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
    a.add(_record("r1", 0, 0.9))
    b.add(_record("r2", 1, 0.7))
    assert a.merge(tmp_path / "b") == 1
    assert {r["run_id"] for r in a.records()} == {"r1", "r2"}


def test_leaderboard_mean_std_across_seeds(tmp_path):
    recs = [_record(f"r{i}", i, acc) for i, acc in enumerate([0.9, 0.8, 0.85])]
    cols, rows = table(recs)
    assert rows[0]["runs"] == 3
    assert rows[0]["accuracy"]["mean"] == pytest.approx(0.85)
    assert rows[0]["accuracy"]["std"] == pytest.approx(0.05)
    md = render(recs)
    assert "85.00 ± 5.00" in md and "accuracy (%) ↑" in md and "eer (%) ↓" in md


def test_leaderboard_csv_and_sorting():
    recs = [_record("a", 0, 0.7, group="g1", pipeline="vggish-mlp"), _record("b", 0, 0.95, group="g2", pipeline="clap-mlp")]
    csv_text = render(recs, "csv")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("dataset,protocol,pipeline,runs,accuracy_mean,accuracy_std")
    assert lines[1].split(",")[2] == "clap-mlp"  # best accuracy first


def test_records_are_written_atomically(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    import fakebench.results as R

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(R, "atomic_write_bytes", boom)
    with pytest.raises(OSError):
        store.add(_record("r1", 0, 0.9))
    assert not (tmp_path / "runs" / "r1.json").exists()


def test_non_json_record_is_quarantined(tmp_path):
    store = ResultStore(tmp_path)
    store.add(_record("r1", 0, 0.9))
    (tmp_path / "runs" / "bad.json").write_text("{not json")
    assert store.rebuild() == 1
    assert (tmp_path / "quarantine" / "bad.json").exists()
    assert "not valid JSON" in (tmp_path / "quarantine" / "bad.json.reason.txt").read_text()


def test_a_seed_run_twice_counts_once_with_its_latest_result():
    recs = [_record("a", 0, 0.70), _record("b", 1, 0.80), _record("c", 0, 0.90)]
    recs[2]["created"] = "2026-02-01T00:00:00"  # seed 0 again, later
    cols, rows = table(recs)
    assert rows[0]["runs"] == 2
    assert rows[0]["accuracy"]["mean"] == pytest.approx(0.85)


def test_default_columns_are_the_headline_metrics_and_all_shows_every_one():
    rec = _record("a", 0, 0.9)
    rec["metrics"].update(roc_auc=0.95, bce=0.3)
    rec["metric_info"].update(roc_auc={"higher_is_better": True, "percent": True},
                              bce={"higher_is_better": False, "percent": False})
    assert table([rec])[0] == ["accuracy", "eer", "roc_auc"]
    assert table([rec], ["all"])[0] == ["accuracy", "eer", "roc_auc", "bce"]
    assert table([rec], ["bce"])[0] == ["bce"]


def test_results_list_shows_run_ids_with_their_metric(tmp_path):
    from click.testing import CliRunner

    from fakebench.cli import main

    store = ResultStore(tmp_path)
    store.add(_record("r1", 0, 0.9))
    store.add(_record("r2", 1, 0.8, dataset="other"))
    r = CliRunner().invoke(main, ["results", "list", "--results", str(tmp_path), "--metric", "accuracy"],
                           catch_exceptions=False)
    assert r.exit_code == 0 and "r1" in r.output and "r2" in r.output and "90.00%" in r.output
    r = CliRunner().invoke(main, ["results", "list", "--results", str(tmp_path), "--dataset", "other", "--json"],
                           catch_exceptions=False)
    assert [row["run_id"] for row in __import__("json").loads(r.output)] == ["r2"]


def test_record_parsing_is_the_same_with_the_fast_parser_and_words_errors_as_json():
    import json
    from pathlib import Path

    from fakebench.results import RecordError
    from fakebench.results.store import ResultStore as RS

    text = json.dumps({"run_id": "x", "metrics": {"eer": 0.1 + 0.2, "n": 2**62}, "s": "é\u2028", "l": [1e-310, -0.0]})
    assert RS._parse(Path("r.json"), text.encode()) == json.loads(text)
    assert RS._parse(Path("r.json"), b'{"v": NaN, "big": 123456789012345678901234567890}')["big"] == \
        123456789012345678901234567890  # outside the fast parser: json's values
    with pytest.raises(RecordError, match="truncated JSON"):
        RS._parse(Path("r.json"), text[:-1].encode())


def test_records_can_leave_out_fields_after_validating_them(tmp_path):
    from fakebench.cli.leaderboard import UNUSED_FIELDS

    store = ResultStore(tmp_path)
    store.add({**_record("r1", 0, 0.9), "training": {"history": [{"epoch": 1, "loss": 0.5}]}}, [])
    (tmp_path / "runs" / "bad.json").write_text(json.dumps({**_record("bad", 1, 0.8), "seed": "one"}))
    full, = store.records()
    assert full["training"]["history"]
    lean, = store.records(omit=UNUSED_FIELDS)  # the bad record is still refused: validation comes first
    assert "training" not in lean and lean["metrics"] == full["metrics"]
    assert store.skipped_count == 1
