"""Interruption and concurrency, with real subprocesses and real signals.

* ``kill -9`` during embedding extraction, then the same command again: it resumes, at
  most one batch is recomputed, and the cache holds no partial or corrupt entry.
* ``kill -9`` during training: no half-written result record; the store stays consistent.
* Four runs at once on one results store and one embedding cache: every result present,
  no corrupt entries.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fakebench.cache import Namespace

from conftest import write_wav

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parent
N = 40
BATCH = 4


@pytest.fixture
def corpus(tmp_path):
    rows = ["path,label"]
    for i in range(N):
        label = "fake" if i % 2 else "real"
        write_wav(tmp_path / "audio" / f"{i}.wav", seconds=0.5, freq=200 + 40 * i, seed=i)
        rows.append(f"audio/{i}.wav,{label}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "manifest.csv"


def _env(tmp_path):
    return dict(os.environ, PYTHONPATH=str(TESTS), FAKEBENCH_PLUGINS="fbtest_plugins",
                FAKEBENCH_HOME=str(tmp_path / "home"), PYTHONUNBUFFERED="1")


def _fb(*args):
    return [sys.executable, "-m", "fakebench.cli", *args]


def _wait_for(pred, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def _namespace(cache: Path) -> Namespace:
    (d,) = [p for p in (cache / "emb").iterdir() if p.is_dir()]
    ns = Namespace(d)
    ns.refresh()
    return ns


def test_kill_during_extraction_resumes(corpus, tmp_path):
    cache, log = tmp_path / "cache", tmp_path / "batches.log"
    args = _fb("embed", "-e", "toy", "-D", "manifest", "--data-root", str(corpus), "--batch-size", str(BATCH),
               "--workers", "0", "--cache-dir", str(cache), "--set", f"log={log}", "--json")
    slow = args + ["--set", "delay=0.25"]
    proc = subprocess.Popen(slow, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert _wait_for(lambda: log.exists() and len(log.read_text().split()) >= 3), "extraction never started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = sum(int(x) for x in log.read_text().split())  # clips whose model pass completed
    assert finished < N, "the run finished before it was killed; nothing was tested"

    ns = _namespace(cache)
    assert not list(ns.dir.glob("*.corrupt-*"))
    kept = len(ns)
    arrays, _ = ns.get_many(list(ns._index))
    assert all(a is not None and a.shape == (8,) and np.isfinite(a).all() for a in arrays), "a partial entry"
    assert finished - kept <= BATCH, f"{finished - kept} clips were lost, more than one batch"

    out = subprocess.run(args, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["cached"] == kept and stats["computed"] == N - kept
    assert len(_namespace(cache)) == N


def test_kill_during_training_leaves_no_half_record(corpus, tmp_path):
    results = tmp_path / "results"
    base = _fb("run", "-d", "toy-mlp", "-D", "manifest", "--data-root", str(corpus), "--results", str(results),
               "--cache-dir", str(tmp_path / "cache"))
    proc = subprocess.Popen(base + ["--set", "epochs=100000"], env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # wait until extraction has finished (its shards are packed), i.e. training has begun
    assert _wait_for(lambda: (tmp_path / "cache" / "emb").exists() and any(
        len(list(d.glob("*.npz"))) == 1 and Namespace(d).dir.exists() for d in (tmp_path / "cache" / "emb").iterdir()))
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not list((results / "runs").glob("*.json")) if (results / "runs").exists() else True
    out = subprocess.run(base + ["--set", "epochs=3"], env=_env(tmp_path), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    records = list((results / "runs").glob("*.json"))
    assert len(records) == 1 and json.loads(records[0].read_text())["schema"] == "fakebench.result/1"
    con = sqlite3.connect(results / "index.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def test_four_concurrent_runs_share_store_and_cache(corpus, tmp_path):
    results, cache = tmp_path / "results", tmp_path / "cache"
    procs = [
        subprocess.Popen(_fb("run", "-d", "toy-mlp", "-D", "manifest", "--data-root", str(corpus), "--seed", str(s),
                             "--results", str(results), "--cache-dir", str(cache), "--batch-size", "2",
                             "--workers", "0", "--set", "epochs=5"),
                         env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for s in range(4)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (o, e) in zip(procs, outs):
        assert p.returncode == 0, e
    records = [json.loads(p.read_text()) for p in (results / "runs").glob("*.json")]
    assert sorted(r["seed"] for r in records) == [0, 1, 2, 3]
    con = sqlite3.connect(results / "index.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 4
    ns = _namespace(cache)
    assert len(ns) == N and not list(ns.dir.glob("*.corrupt-*"))
    arrays, _ = ns.get_many(list(ns._index))
    assert all(a is not None and np.isfinite(a).all() for a in arrays)
