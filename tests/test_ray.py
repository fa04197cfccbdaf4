"""The Ray executor on a real local Ray instance (one per module), real clips, real kills.

* ``fakebench run --executor ray`` (sfx on real Foley clips): the cache holds the same
  embeddings as the local run's, bit for bit, and the record the same metrics;
* ``kill -9`` of a Ray worker during extraction: the job finishes, every clip is in the
  cache exactly once, and the killed worker's batches were computed again by its
  restarted process;
* ``kill -9`` of the driver (``fakebench embed --executor ray`` in a subprocess), then
  the same command: it computes exactly the clips the cache did not hold;
* a sweep of 2 pipelines x 3 seeds: 6 records in the store, from Ray worker processes;
  ``fakebench run --executor ray --runs 2`` hands its seeds to Ray the same way;
* AASIST (the official checkpoint) scores the same on Ray workers as here.

The module's Ray instance uses token authentication with a token of its own (nothing is
written under ``~/.ray``) and ``tests/`` on the workers' ``PYTHONPATH`` (for the test
embedder ``toy``, whose ``delay`` makes a job slow enough to kill in the middle).
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fakebench.cache import EmbeddingCache, Namespace
from fakebench.cli import main
from fakebench.config import RunSpec
from fakebench.data import Clip
from fakebench.extract import extract
from fakebench.registry import Registry
from fakebench.results import ResultStore

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.shared]

TESTS = Path(__file__).resolve().parent
FOLEY = 16


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray instance for the module (2 CPUs, no dashboard); its GCS address."""
    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "PYTHONPATH")}
    os.environ.pop("RAY_AUTH_MODE", None)  # unset: a new local instance turns token mode on (for this process too)
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), saved["PYTHONPATH"]]))
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def foley_manifest(tmp_path, shared, foley_rows) -> Path:
    """A manifest of 16 real Foley clips (8 real, 8 fake), absolute paths into ../shared."""
    real = [r for r in foley_rows if r["label"] == "real"][:FOLEY // 2]
    fake = [r for r in foley_rows if r["label"] == "fake"][::9][:FOLEY // 2]
    path = tmp_path / "foley.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label", "class", "system", "duration"])
        for r in real + fake:
            w.writerow([shared / "data" / "foley" / r["path"], r["label"], r["class"], r["system"], r["duration"]])
    return path


def _clips(manifest: Path) -> list[Clip]:
    with open(manifest, newline="") as f:
        return [Clip(id=Path(r["path"]).name, path=Path(r["path"]), label=int(r["label"] == "fake"),
                     duration=float(r["duration"])) for r in csv.DictReader(f)]


def _namespaces(cache: Path) -> dict[str, dict[str, np.ndarray]]:
    """Every namespace of a cache: {name: {key: array}}."""
    out = {}
    for d in sorted((cache / "emb").iterdir()):
        ns = Namespace(d)
        ns.refresh()
        keys = sorted(ns._index)
        arrays, _ = ns.get_many(keys)
        out[d.name] = dict(zip(keys, arrays))
    return out


def _rows_per_key(cache: Path) -> dict[str, int]:
    """How many rows each key has over all shard files of the cache's one namespace."""
    (d,) = [p for p in (cache / "emb").iterdir() if p.is_dir()]
    counts: dict[str, int] = {}
    for shard in sorted(d.glob("*.npz")):
        with np.load(shard) as z:
            for k in z["keys"].tolist():
                counts[k] = counts.get(k, 0) + 1
    return counts


# -- equality with the local path ----------------------------------------------------------------


def test_run_through_ray_equals_the_local_run(ray_cluster, foley_manifest, tmp_path):
    pytest.importorskip("aisfx")
    common = ["run", "-d", "sfx-logreg", "-D", "manifest", "--data-root", str(foley_manifest), "--seed", "3",
              "--device", "cpu", "--batch-size", "4", "--json", "--no-save-model"]
    records = {}
    for how in ("local", "ray"):
        extra = ["--executor", "ray"] if how == "ray" else []
        r = CliRunner().invoke(main, common + extra + ["--cache-dir", str(tmp_path / how / "cache"),
                                                       "--results", str(tmp_path / how / "results")],
                               catch_exceptions=False)
        assert r.exit_code == 0, r.output
        (records[how],) = json.loads(r.stdout)
    # the embeddings: same namespace, same keys, identical bits
    local, remote = _namespaces(tmp_path / "local" / "cache"), _namespaces(tmp_path / "ray" / "cache")
    assert list(local) == list(remote) and len(local) == 1
    (name,) = local
    assert len(local[name]) == FOLEY and local[name].keys() == remote[name].keys()
    for key, a in local[name].items():
        assert a.dtype == remote[name][key].dtype and a.tobytes() == remote[name][key].tobytes(), key
    # the record: the same metrics, computed from those embeddings
    assert records["ray"]["metrics"] == records["local"]["metrics"]
    assert records["ray"]["seed"] == records["local"]["seed"] == 3
    assert records["ray"]["confusion"] == records["local"]["confusion"]
    assert records["ray"]["extraction"]["embedding"]["computed"] == FOLEY  # computed through Ray, not read
    assert len(ResultStore(tmp_path / "ray" / "results").records()) == 1


# -- failures --------------------------------------------------------------------------------------


def test_killing_a_worker_mid_job_loses_nothing(ray_cluster, foley_manifest, tmp_path, monkeypatch):
    from fakebench.executors.ray import RayExecutor

    monkeypatch.setenv("FAKEBENCH_PLUGINS", "fbtest_plugins")  # forwarded to the workers
    clips = _clips(foley_manifest)
    toy = Registry().embedder("toy")
    expected, _ = extract(toy.from_params({}).load(device="cpu"), clips, cache=None, batch_size=2)
    ex = RayExecutor(device="cpu", num_actors=2)
    cache = EmbeddingCache(tmp_path / "cache")
    done: dict = {}

    def job():
        try:
            done["result"] = ex.extract(toy.from_params({"delay": 0.5}), clips, cache=cache, batch_size=2)
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            done["error"] = e

    thread = threading.Thread(target=job)
    thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (ex.last_job and len(ex.worker_pids) == 2
                                               and ex.last_job.rows_written >= 4):
        time.sleep(0.05)
    assert ex.last_job and ex.last_job.rows_written < FOLEY, "the job was not caught in the middle"
    first_pids = list(ex.worker_pids)
    victim = first_pids[0]
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=180)
    assert not thread.is_alive(), "the job did not finish after a worker was killed"
    assert "error" not in done, done.get("error")
    arrays, stats = done["result"]
    assert stats.computed == FOLEY and stats.cached == 0 and not stats.skipped
    assert all(np.array_equal(a, b) for a, b in zip(arrays, expected))
    # every clip in the cache exactly once: the driver wrote each row once
    assert ex.last_job.rows_written == FOLEY
    counts = _rows_per_key(tmp_path / "cache")
    assert len(counts) == FOLEY and set(counts.values()) == {1}
    # the killed worker's in-flight batches were computed again, by its restarted process
    pids = {s["pid"] for s in ex.last_job.shards}
    assert victim in pids and pids - set(first_pids), pids


def test_killing_the_driver_then_rerunning_resumes_from_the_cache(ray_cluster, foley_manifest, tmp_path,
                                                                    monkeypatch):
    cache = tmp_path / "cache"
    env = dict(os.environ, FAKEBENCH_PLUGINS="fbtest_plugins", PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "fakebench.cli", "embed", "-e", "toy", "-D", "manifest", "--data-root",
           str(foley_manifest), "--batch-size", "2", "--executor", "ray", "--address", ray_cluster,
           "--cache-dir", str(cache), "--json"]
    proc = subprocess.Popen(cmd + ["--set", "delay=0.4"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def written() -> int:
        d = cache / "emb"
        return sum(1 for _ in d.glob("*/shard-*.npz")) if d.is_dir() else 0

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and written() < 2 and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    (d,) = [p for p in (cache / "emb").iterdir() if p.is_dir()]
    ns = Namespace(d)
    ns.refresh()
    kept = len(ns)
    assert 4 <= kept < FOLEY, kept
    monkeypatch.setenv("FAKEBENCH_PLUGINS", "fbtest_plugins")
    again = CliRunner().invoke(main, cmd[3:], catch_exceptions=False)  # the same command, in this process
    assert again.exit_code == 0, again.output
    stats = json.loads(again.stdout)
    assert stats["cached"] == kept and stats["computed"] == FOLEY - kept  # nothing finished is recomputed
    counts = _rows_per_key(cache)
    assert len(counts) == FOLEY and set(counts.values()) == {1}


# -- sweeps ------------------------------------------------------------------------------------------


def test_sweeps_two_pipelines_by_three_seeds_and_run_fans_out_its_seeds(ray_cluster, foley_manifest, tmp_path):
    from fakebench.executors.ray import RayExecutor

    base = RunSpec(dataset="manifest", detector="logmel-logreg", data_root=str(foley_manifest), seeds=[0, 1, 2],
                   device="cpu", cache_dir=str(tmp_path / "cache"), results_dir=str(tmp_path / "results"),
                   save_model=False, executor="ray")
    specs = [base, RunSpec(**{**vars(base), "detector": "logmel-mlp", "sets": {"epochs": 2, "batch_size": 8}})]
    ex = RayExecutor(device="cpu")
    records = ex.sweep(specs)
    got = [(r["pipeline"]["detector"]["name"], r["seed"]) for r in records]
    assert got == [("logreg", 0), ("logreg", 1), ("logreg", 2), ("mlp", 0), ("mlp", 1), ("mlp", 2)]
    stored = ResultStore(tmp_path / "results").records()
    assert len(stored) == 6 and {r["run_id"] for r in stored} == {r["run_id"] for r in records}
    assert all(t["pid"] != os.getpid() for t in ex.last_sweep) and len(ex.last_sweep) == 6
    # the embeddings were computed once, before the runs: one namespace with every clip
    (name, table), = _namespaces(tmp_path / "cache").items()
    assert name.startswith("logmel-") and len(table) == FOLEY
    # `fakebench run --executor ray --runs 2`: the runner hands its seeds to the executor
    r = CliRunner().invoke(main, ["run", "-d", "logmel-logreg", "-D", "manifest", "--data-root", str(foley_manifest),
                                  "--seed", "5", "--runs", "2", "--device", "cpu", "--executor", "ray", "--json",
                                  "--cache-dir", str(tmp_path / "cache"), "--results", str(tmp_path / "cli")],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert [rec["seed"] for rec in json.loads(r.stdout)] == [5, 6]
    assert len(ResultStore(tmp_path / "cli").records()) == 2


# -- audio-input detectors ---------------------------------------------------------------------------


def test_aasist_scores_the_same_on_ray_workers(ray_cluster, shared, speech_rows):
    from fakebench.executors.ray import RayExecutor
    from fakebench.inputs import build_inputs

    weights = shared / "weights" / "aasist" / "AASIST.pth"  # the official checkpoint; 1-s inputs keep it quick
    rows = [r for r in speech_rows if r["label"] == "real"][:2] + [r for r in speech_rows if r["label"] == "fake"][:2]
    clips = [Clip(id=r["path"], path=shared / "data" / "speech" / r["path"], label=int(r["label"] == "fake"))
             for r in rows]
    det = Registry().detector("aasist").from_params({"weights": str(weights), "threshold": 0.0,
                                                     "eval_batch_size": 2})
    X = build_inputs(det, clips, length="repeat:1")
    det.fit(X, np.array([c.label for c in clips]))
    here = det.decision_function(X)
    ex = RayExecutor(device="cpu", shard_size=2)
    there = ex.score(det, X)
    assert len(ex.last_job.shards) == 2 and len(set(ex.last_job.pids)) == 2
    # the same network and inputs; the workers run torch on another thread count, so float sums may
    # differ in the last bits (measured: at most 5e-7 on these logits)
    np.testing.assert_allclose(there, here, rtol=1e-6, atol=1e-6)
