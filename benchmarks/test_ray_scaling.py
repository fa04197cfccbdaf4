"""Ray executor scaling: extraction throughput, per-batch overhead, per-task scheduling.

Run with ``python -m pytest benchmarks/test_ray_scaling.py --benchmark-only -s`` (needs
``ray``; starts a local Ray instance with every usable core, no dashboard). On real Foley
clips with the ``sfx`` embedder (real weights from the aisfx wheel):

* **throughput**: :func:`fakebench.extract.extract` (the local path: one process, torch on
  every core, and on one thread) against the Ray executor with 1 worker of every core, 1
  worker of one core, and one worker per core. ``vs local`` divides by the local path on
  every core. ``steady clip/s`` is clips over the time from the first
  batch's submission to the last batch's arrival (the pool is up); ``wall s`` includes
  starting the workers and loading the model in each. Same clips, same batch size, fresh
  cache each time.
* **per-batch overhead**: one worker, one batch in flight at a time, so nothing queues:
  ``dispatch`` (the driver's submission to the worker's start), ``return`` (the worker's
  end to the driver holding the arrays: serialisation, transfer, deserialisation) and
  ``to model`` (submission to the model's start, decoding included) against the model's
  forward time per batch. The Ray part, dispatch + return, must stay under 10% of it.
* **scheduling**: a no-op task and a no-op actor call, one at a time (latency) and 500 at
  once (per-task cost when pipelined).

Settings: ``FAKEBENCH_BENCH_RAY_CLIPS`` (default 64, at most 142: the clips must be
different files), ``FAKEBENCH_BENCH_RAY_BATCH`` (default 8), ``FAKEBENCH_BENCH_DEVICE``
(``cuda`` on a GPU machine: the local path on the GPU against one Ray worker per GPU). On a shared machine every
number moves with other people's load; the session's load average is printed with the
tables. Results are in docs/distributed.md.
"""

from __future__ import annotations

import os
import secrets
import time

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("aisfx")

N_CLIPS = min(142, int(os.environ.get("FAKEBENCH_BENCH_RAY_CLIPS", "64")))
BATCH = int(os.environ.get("FAKEBENCH_BENCH_RAY_BATCH", "8"))
TABLE = "Ray executor: sfx extraction throughput"
OVERHEAD = "Ray executor: per-batch overhead (sfx, 1 worker, 1 batch in flight)"
SCHED = "Ray: scheduling overhead per task"


@pytest.fixture(scope="module")
def ray_instance():
    from fakebench.extract import usable_cpus

    saved = {k: os.environ.get(k) for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    os.environ.pop("RAY_AUTH_MODE", None)
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)  # nothing written under ~/.ray
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=usable_cpus(), include_dashboard=False, logging_level="WARNING")  # sees the GPUs itself
    try:
        yield usable_cpus()
    finally:
        ray.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _sfx(device: str = "cpu"):
    from fakebench.registry import Registry

    return Registry().embedder("sfx")().load(device=device)


def test_extraction_throughput(benchmark, ray_instance, foley_clips, tmp_path, report, device):
    from fakebench.cache import EmbeddingCache
    from fakebench.executors.ray import RayExecutor
    from fakebench.extract import extract

    cores = ray_instance
    clips = foley_clips(N_CLIPS)
    emb = _sfx(device)
    extract(emb, clips[:BATCH], cache=None, batch_size=BATCH)  # warm-up
    local: dict = {}

    def run_local():
        t, cpu = time.perf_counter(), time.process_time()
        arrays, stats = extract(emb, clips, cache=EmbeddingCache(tmp_path / "local"), batch_size=BATCH)
        local.update(wall=time.perf_counter() - t, cpu=time.process_time() - cpu, arrays=arrays, stats=stats)

    benchmark.pedantic(run_local, rounds=1, iterations=1)
    report.table(TABLE, ["path", "workers", "threads/worker", "clips", "batch", "wall s", "startup s", "steady clip/s",
                         "vs local", "model s/batch", "CPU s/clip"],
                 note="steady = first submission to last arrival; startup = worker start + model load (median); "
                      "CPU = every thread of the process (local) or of the workers after loading + the driver (ray)")
    local_rate = N_CLIPS / local["wall"]
    report.row(TABLE, **{"path": "local", "workers": 1, "threads/worker": cores, "clips": N_CLIPS, "batch": BATCH,
                         "wall s": local["wall"], "startup s": 0.0, "steady clip/s": local_rate, "vs local": 1.0,
                         "model s/batch": local["stats"].model_seconds / -(-N_CLIPS // BATCH),
                         "CPU s/clip": local["cpu"] / N_CLIPS})
    if cores > 1 and device == "cpu":  # the local path on one thread: the same work as one 1-CPU Ray worker
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            t, cpu = time.perf_counter(), time.process_time()
            _, one = extract(emb, clips, cache=EmbeddingCache(tmp_path / "local1"), batch_size=BATCH)
            wall1, cpu1 = time.perf_counter() - t, time.process_time() - cpu
        finally:
            torch.set_num_threads(before)
        report.row(TABLE, **{"path": "local", "workers": 1, "threads/worker": 1, "clips": N_CLIPS, "batch": BATCH,
                             "wall s": wall1, "startup s": 0.0, "steady clip/s": N_CLIPS / wall1,
                             "vs local": (N_CLIPS / wall1) / local_rate,
                             "model s/batch": one.model_seconds / -(-N_CLIPS // BATCH), "CPU s/clip": cpu1 / N_CLIPS})
    gpus = int(ray.cluster_resources().get("GPU", 0)) if device.startswith("cuda") else 0
    if gpus:  # one worker per GPU, each with its share of the cores for decoding
        configs = [(n, max(1, cores // n)) for n in sorted({1, gpus})]
    else:
        configs = [(1, cores), (1, 1)] + ([(cores, 1)] if cores > 1 else [])
    for n, per in configs:
        ex = RayExecutor(device=device, num_actors=n, cpus_per_actor=per)
        t, cpu = time.perf_counter(), time.process_time()
        arrays, stats = ex.extract(_unloaded(), clips, cache=EmbeddingCache(tmp_path / f"ray{n}x{per}"),
                                   batch_size=BATCH)
        wall, driver_cpu = time.perf_counter() - t, time.process_time() - cpu
        assert stats.computed == N_CLIPS
        if not gpus:  # on a GPU, kernels may differ between processes; on the CPU the bits are equal
            assert all(a.tobytes() == b.tobytes() for a, b in zip(arrays, local["arrays"]))
        shards = ex.last_job.shards
        steady = max(s["received"] for s in shards) - min(s["submitted"] for s in shards)
        rate = N_CLIPS / steady
        report.row(TABLE, **{"path": "ray" + (" (GPU)" if gpus else ""), "workers": n, "threads/worker": per, "clips": N_CLIPS, "batch": BATCH,
                             "wall s": wall, "startup s": float(np.median(ex.last_job.load_seconds)),
                             "steady clip/s": rate, "vs local": rate / local_rate,
                             "model s/batch": float(np.median([s["model_seconds"] for s in shards])),
                             "CPU s/clip": (ex.last_job.worker_cpu_seconds + driver_cpu) / N_CLIPS})
        benchmark.extra_info[f"ray_{n}x{per}_vs_local"] = rate / local_rate


def _unloaded():
    from fakebench.registry import Registry

    emb = Registry().embedder("sfx")()
    emb.weights_fingerprint = emb.identify()
    return emb


def test_per_batch_overhead(benchmark, ray_instance, foley_clips, tmp_path, report, device):
    from fakebench.cache import EmbeddingCache
    from fakebench.executors.ray import RayExecutor

    cores = ray_instance
    clips = foley_clips(4 * BATCH)
    ex = RayExecutor(device=device, num_actors=1, cpus_per_actor=cores, max_in_flight=1)
    runs = iter(range(100))

    def job():
        ex.extract(_unloaded(), clips, cache=EmbeddingCache(tmp_path / f"c{next(runs)}"), batch_size=BATCH)

    benchmark.pedantic(job, rounds=1, iterations=1)
    o = ex.last_job.overheads()
    ray_part = o["dispatch"] + o["return"]
    ratio = ray_part / o["model"]
    report.table(OVERHEAD, ["batch", "batches", "dispatch ms", "return ms", "decode ms", "to model ms", "model ms",
                            "ray / model", "driver write ms"],
                 note="medians over batches; ray = dispatch + return; driver write = memo + cache shard per batch")
    report.row(OVERHEAD, **{"batch": BATCH, "batches": int(o["batches"]), "dispatch ms": 1e3 * o["dispatch"],
                            "return ms": 1e3 * o["return"], "decode ms": 1e3 * o["decode"],
                            "to model ms": 1e3 * o["to_model"], "model ms": 1e3 * o["model"], "ray / model": ratio,
                            "driver write ms": 1e3 * o["driver_write"]})
    benchmark.extra_info.update(overhead_ratio=ratio, **o)
    assert ratio < 0.10, o


def test_scheduling_overhead(benchmark, ray_instance, report):
    @ray.remote  # one CPU each: at most one task per core, on reused worker processes
    def noop(x):
        return x

    @ray.remote(num_cpus=0)  # beside the tasks
    class Noop:
        def call(self, x):
            return x

    actor = Noop.remote()
    ray.get([noop.remote(0) for _ in range(20)] + [actor.call.remote(0) for _ in range(20)])  # workers up

    def latency(fn, n=100):
        t = time.perf_counter()
        for i in range(n):
            ray.get(fn(i))
        return (time.perf_counter() - t) / n

    def pipelined(fn, n=500):
        t = time.perf_counter()
        ray.get([fn(i) for i in range(n)])
        return (time.perf_counter() - t) / n

    task_latency = benchmark.pedantic(latency, args=(noop.remote,), rounds=1, iterations=1)
    rows = {"task": (task_latency, pipelined(noop.remote)),
            "actor call": (latency(actor.call.remote), pipelined(actor.call.remote))}
    report.table(SCHED, ["what", "one at a time ms", "500 at once ms/task"])
    for what, (one, many) in rows.items():
        report.row(SCHED, **{"what": what, "one at a time ms": 1e3 * one, "500 at once ms/task": 1e3 * many})
    benchmark.extra_info.update(task_latency_s=task_latency, actor_latency_s=rows["actor call"][0])
    ray.kill(actor)
