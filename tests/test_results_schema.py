"""The results store survives bad records: the record schema (pydantic), validation when
adding, indexing and reading, quarantine on rebuild, refusal of newer schemas, an atomic
and streaming rebuild, self-healing of records the index lacks, and merges that cannot
copy files from outside either store."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc

import pytest
from click.testing import CliRunner

from fakebench.cli import main
from fakebench.errors import FakebenchError
from fakebench.results import SCHEMA, RecordError, ResultStore, ScoresError, check_record


def record(run_id: str, seed: int = 0, eer: float = 0.1, **extra) -> dict:
    """A record with every field the runner writes (records.build_record + runner extras)."""
    rec = {
        "schema": SCHEMA, "run_id": run_id, "created": f"2026-01-01T00:00:{seed:02d}+00:00", "run_group": "abc123",
        "group_key": "g1", "seed": seed, "recipe": None, "condition": "clean", "train_condition": "clean",
        "dataset": {"name": "d", "protocol": "random", "params": {"held_out": None}, "fingerprint": "f" * 16,
                    "counts": {"eval": {"n": 4, "real": 2, "fake": 2}, "train": {"n": 8, "real": 4, "fake": 4}},
                    "part": "eval"},
        "train_dataset": None,
        "pipeline": {"name": "toy-mlp", "embedder": {"name": "toy", "version": "1", "params": {}, "weights": "none",
                                                     "sample_rate": 16000, "dim": 8},
                     "detector": {"name": "mlp", "version": "1", "params": {"epochs": 2}}, "length": "full"},
        "metrics": {"eer": eer, "accuracy": 0.9, "roc_auc": None},
        "metric_info": {"eer": {"higher_is_better": False, "percent": True},
                        "accuracy": {"higher_is_better": True, "percent": True},
                        "roc_auc": {"higher_is_better": True, "percent": True}},
        "threshold": 0.0, "threshold_source": "detector", "scores_are_logits": True,
        "confusion": [[2, 0], [0, 2]],
        "breakdowns": {"pooled": {"all": {"n": 4, "real": 2, "fake": 2, "accuracy": 1.0, "mean_score": 0.1,
                                          "eer": 0.0, "auc": 1.0, "bce": 0.2}}},
        "warnings": [], "training": {"history": [{"epoch": 1, "loss": 0.5}], "best_epoch": 1, "reused_fit": False},
        "timings": {"fit": 0.1, "score": 0.01}, "extraction": {"embedding": {"n": 12, "cached": 0}},
        "environment": {"python": "3.11"}, "options": {"precision": "fp32"},
        "calibration": {"method": "logistic regression", "fitted_on": "val", "scores": "llr", "scale": 1.0,
                        "offset": 0.0, "prior": 0.05, "before": {"act_dcf": 0.5, "cllr": None},
                        "after": {"act_dcf": 0.4, "cllr": 0.9}},
        "test_group": {"datasets": ["d", "e"], "pooled_eer": 0.1, "average_eer": 0.12, "eer": {"d": 0.1, "e": 0.14}},
        "model_file": f"models/{run_id}.pt",
    }
    rec.update(extra)
    return rec


ROWS = [{"id": "a", "split": "eval", "label": 1, "score": "0.5"}, {"id": "b", "split": "eval", "label": 0, "score": "-1"}]


# -- the schema -----------------------------------------------------------------------------


def test_a_full_record_as_the_runner_writes_it_validates():
    check_record(record("r1"))
    minimal = {"schema": SCHEMA, "run_id": "r", "dataset": {"name": "d"},
               "pipeline": {"name": "p", "detector": {"name": "m"}}, "metrics": {}}
    check_record(minimal)
    check_record({**minimal, "a_field_of_a_newer_minor_version": [1, 2]})  # unknown fields are kept


BAD = {
    "metric is text": (lambda r: r["metrics"].update(eer="0.3"), "metrics.eer must be a number"),
    "metric is a bool": (lambda r: r["metrics"].update(eer=True), "metrics.eer"),
    "metric is a list": (lambda r: r["metrics"].update(eer=[0.1]), "metrics.eer"),
    "no dataset": (lambda r: r.pop("dataset"), "dataset is missing"),
    "no dataset name": (lambda r: r["dataset"].pop("name"), "dataset.name is missing"),
    "no pipeline detector": (lambda r: r["pipeline"].pop("detector"), "pipeline.detector is missing"),
    "no metrics": (lambda r: r.pop("metrics"), "metrics is missing"),
    "no run id": (lambda r: r.pop("run_id"), "run_id is missing"),
    "seed beyond the index": (lambda r: r.update(seed=2**70), "seed"),
    "negative seed": (lambda r: r.update(seed=-1), "seed"),
    "seed as text": (lambda r: r.update(seed="0"), "seed must be an integer"),
    "counts as text": (lambda r: r["dataset"]["counts"]["eval"].update(n="4"), "dataset.counts.eval.n"),
    "confusion 3x1": (lambda r: r.update(confusion=[[1], [2], [3]]), "confusion"),
    "scores file escapes": (lambda r: r.update(scores_file="../../../evil/p.txt"), "scores_file"),
    "absolute model file": (lambda r: r.update(model_file="/etc/passwd"), "model_file"),
    "run id with a slash": (lambda r: r.update(run_id="../x"), "run_id"),
    "foreign schema": (lambda r: r.update(schema="other/1"), "schema 'other/1'"),
    "no schema": (lambda r: r.pop("schema"), "schema None"),
    "old schema": (lambda r: r.update(schema="fakebench.result/0"), "old schema"),
    "calibration scale as text": (lambda r: r["calibration"].update(scale="1"), "calibration.scale"),
    "test group without datasets": (lambda r: r["test_group"].pop("datasets"), "test_group.datasets"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_records_are_refused_with_one_line(kind):
    change, needle = BAD[kind]
    rec = record("r1")
    change(rec)
    with pytest.raises(RecordError) as e:
        check_record(rec)
    assert needle in e.value.reason and "\n" not in e.value.reason, e.value.reason
    assert not e.value.newer


def test_a_newer_schema_is_refused_by_name():
    with pytest.raises(RecordError) as e:
        check_record(record("r1", schema="fakebench.result/7"))
    assert e.value.newer and "fakebench.result/7" in e.value.reason and "upgrade" in e.value.hint


# -- adding: nothing half-written -----------------------------------------------------------


def test_a_record_that_cannot_be_indexed_is_not_written_at_all(tmp_path):
    store = ResultStore(tmp_path)
    with pytest.raises(FakebenchError, match="seed"):
        store.add(record("big", seed=2**70), ROWS)
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("*.csv.gz"))
    with pytest.raises(FakebenchError, match="metrics.eer"):
        store.add(record("txt", eer="0.3"), ROWS)
    assert not list(tmp_path.rglob("*.json"))
    store.add(record("ok"), ROWS)
    assert [r["run_id"] for r in store.records()] == ["ok"]


def test_numpy_values_are_stored_as_numbers(tmp_path):
    import numpy as np

    store = ResultStore(tmp_path)
    store.add(record("np", eer=np.float64(0.25), seed=int(np.int64(3))), ROWS)
    assert store.records()[0]["metrics"]["eer"] == 0.25


# -- reading: bad records skipped and named ---------------------------------------------------


def _fill(tmp_path, n=3):
    store = ResultStore(tmp_path)
    for i in range(n):
        store.add(record(f"r{i}", seed=i, eer=0.1 * (i + 1)), ROWS)
    return store


def test_one_bad_record_does_not_break_reading(tmp_path, caplog):
    store = _fill(tmp_path)
    r1 = tmp_path / "runs" / "r1.json"
    r1.write_text(r1.read_text()[:150])  # truncated after it was indexed
    rec = json.loads((tmp_path / "runs" / "r2.json").read_text())
    rec["metrics"]["eer"] = "n/a"
    (tmp_path / "runs" / "r2.json").write_text(json.dumps(rec))
    got = store.records()
    assert [r["run_id"] for r in got] == ["r0"]
    assert store.skipped_count == 2
    assert {p.rsplit("/", 1)[-1] for p, _ in store.skipped} == {"r1.json", "r2.json"}
    assert "r1.json" in caplog.text and "truncated JSON" in caplog.text and "metrics.eer" in caplog.text


def test_records_the_index_lacks_are_indexed_on_read(tmp_path):
    """A crash between writing a record and indexing it (or a record copied in by hand)
    used to leave `leaderboard` saying "No results" with records on disk."""
    _fill(tmp_path, 2)
    con = sqlite3.connect(tmp_path / "index.sqlite")
    con.execute("DELETE FROM runs")
    con.commit()
    con.close()
    (tmp_path / "runs" / "r9.json").write_text(json.dumps(record("r9", seed=9)))
    assert sorted(r["run_id"] for r in ResultStore(tmp_path).records()) == ["r0", "r1", "r9"]


def test_a_newer_record_is_skipped_not_averaged_in_and_left_in_place(tmp_path):
    store = _fill(tmp_path, 2)
    (tmp_path / "runs" / "new.json").write_text(json.dumps(record("new", eer=0.9, schema="fakebench.result/2")))
    assert sorted(r["run_id"] for r in store.records()) == ["r0", "r1"]
    assert any("newer schema" in why for _, why in store.skipped)
    assert store.rebuild() == 2
    assert (tmp_path / "runs" / "new.json").exists() and not (tmp_path / "quarantine" / "new.json").exists()


def test_rebuild_quarantines_bad_records_with_the_reason(tmp_path):
    store = _fill(tmp_path, 3)
    (tmp_path / "runs" / "r1.json").write_text("{not json")
    (tmp_path / "runs" / "big.json").write_text(json.dumps(record("big", seed=2**70)))
    (tmp_path / "runs" / "renamed.json").write_text(json.dumps(record("other-id")))
    assert store.rebuild() == 2
    q = tmp_path / "quarantine"
    assert sorted(p.name for p in q.glob("*.json")) == ["big.json", "r1.json", "renamed.json"]
    assert "not valid JSON" in (q / "r1.json.reason.txt").read_text()
    assert "seed" in (q / "big.json.reason.txt").read_text()
    assert "does not match its file name" in (q / "renamed.json.reason.txt").read_text()
    assert sorted(r["run_id"] for r in store.records()) == ["r0", "r2"] and store.skipped_count == 0


def test_rebuild_is_atomic(tmp_path, monkeypatch):
    """A crash in the middle of a rebuild leaves the old index, not a half one (the old
    code deleted the index first)."""
    store = _fill(tmp_path, 3)
    before = (tmp_path / "index.sqlite").stat().st_size
    calls = []

    def crash(self, rows, con=None):
        calls.append(len(rows))
        raise RuntimeError("killed")

    import fakebench.results.store as S

    monkeypatch.setattr(S.ResultStore, "_insert", crash)
    with pytest.raises(RuntimeError):
        store.rebuild()
    monkeypatch.undo()
    assert calls and (tmp_path / "index.sqlite").exists() and (tmp_path / "index.sqlite").stat().st_size >= before
    assert sorted(r["run_id"] for r in ResultStore(tmp_path).records()) == ["r0", "r1", "r2"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index.sqlite.rebuild")]


def test_rebuild_streams_the_records(tmp_path):
    """Peak memory does not grow with the number of records (each here carries ~40 KB of
    training history; holding 300 of them would take well over 12 MB)."""
    runs = tmp_path / "runs"
    runs.mkdir(parents=True)
    history = [{"epoch": e, "loss": 0.5, "accuracy": 0.5, "val_loss": 0.5, "val_accuracy": 0.5} for e in range(400)]
    for i in range(300):
        rec = record(f"s{i:04d}", seed=i)
        rec["training"]["history"] = history
        (runs / f"s{i:04d}.json").write_text(json.dumps(rec))
    store = ResultStore(tmp_path)
    tracemalloc.start()
    n = store.rebuild()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert n == 300
    assert peak < 4_000_000, f"rebuild peaked at {peak / 1e6:.1f} MB for 300 records"


# -- paths inside records ---------------------------------------------------------------------


def test_merge_refuses_paths_outside_the_stores(tmp_path):
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "p.txt").write_text("secret")
    other = ResultStore(tmp_path / "stores" / "other")
    other.add(record("good"), ROWS)
    for run_id, rel in (("dotdot", "../../../evil/p.txt"), ("absolute", str(tmp_path / "evil" / "p.txt"))):
        rec = record(run_id)
        rec["scores_file"] = rel
        (other.runs_dir / f"{run_id}.json").write_text(json.dumps(rec))
    # a symlink inside the store that leads out of it
    (other.scores_dir / "link.csv.gz").symlink_to(tmp_path / "evil" / "p.txt")
    rec = record("symlink")
    rec["scores_file"] = "scores/link.csv.gz"
    (other.runs_dir / "symlink.json").write_text(json.dumps(rec))
    mine = ResultStore(tmp_path / "stores" / "mine")
    assert mine.merge(other.root) == 1
    assert [r["run_id"] for r in mine.records()] == ["good"]
    assert mine.skipped_count == 0  # reading is clean: the bad ones were never copied
    copied = [p for p in (tmp_path / "stores" / "mine").rglob("*") if p.is_file()]
    assert not [p for p in copied if p.read_bytes() == b"secret"]
    r = CliRunner().invoke(main, ["results", "merge", str(other.root), "--results", str(tmp_path / "m2")])
    assert r.exit_code == 0, r.output
    assert "merged 1 new record(s)" in r.output and "3 result record(s)" in r.output


def test_scores_of_a_record_are_read_only_inside_the_store(tmp_path):
    store = _fill(tmp_path, 1)
    rec = store.records()[0]
    assert len(store.scores(rec)) == 2
    with pytest.raises(ScoresError, match="outside"):
        store.scores({**rec, "scores_file": "../x.csv.gz"})
    (tmp_path / "scores" / "r0.csv.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(ScoresError, match="unreadable"):
        store.scores(rec)
    with pytest.raises(FakebenchError):
        store.model_path("../../etc/passwd")


def test_the_cli_reports_and_quarantines(tmp_path):
    store = _fill(tmp_path, 2)
    (tmp_path / "runs" / "bad.json").write_text("[1, 2")
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(tmp_path)])
    assert r.exit_code == 0 and "toy-mlp" in r.output, r.output
    assert "bad.json" in r.output and "1 result record(s)" in r.output
    r = CliRunner().invoke(main, ["results", "rebuild", "--results", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "indexed 2 record(s)" in r.output and "moved 1 unusable record(s)" in r.output
    assert (tmp_path / "quarantine" / "bad.json").exists()
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(tmp_path)])
    assert r.exit_code == 0 and "bad.json" not in r.output
    assert len(store.records()) == 2
