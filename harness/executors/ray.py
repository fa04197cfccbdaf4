"""The Ray executor: embedding extraction, audio-detector scoring and seed sweeps on a
Ray cluster (``pip install fakebench[ray]``; see ``docs/distributed.md``).

**Extraction.** The clips still missing from the cache are cut into batches exactly as
the local path cuts them (same order, same ``batch_size``, same equal-length groups), so
a Ray run computes the same embeddings bit for bit. A pool of actors, one per GPU (or
per ``cpus_per_actor`` CPUs when the cluster has no GPU), each loads the embedder once
and computes the batches it is handed; each actor keeps ``max_in_flight`` batches queued,
and decodes the next batch while the model runs the current one. The actors *return* the
arrays; the driver alone writes them into the content-addressed cache, one shard per
batch as it arrives (the same crash-safe shards as the local path), and remembers the
files' content hashes in the cache's file memo. So:

* no storage needs to be shared for the cache: it lives where the driver runs, and it
  has one writer (the SQLite file memo never sees a network filesystem's locking);
* the audio must be readable by every worker at the same absolute path (a shared or
  replicated dataset folder); only the clip list travels, not the audio;
* a worker that dies costs its in-flight batches: Ray restarts the actor
  (``max_restarts``) and re-runs them (``max_task_retries``); a batch whose actor is
  gone for good is handed to another actor. Nothing finished is lost, because it is
  already in the cache, and nothing is written twice, because only the driver writes
  and it writes each batch once;
* a driver that dies loses at most the batches in flight; the same command resumes from
  the cache.

**Scoring.** Audio-input detectors (AASIST, the SSL detectors) are serialised with
:func:`fakebench.persist.save_detector`, loaded once per actor with
:func:`~fakebench.persist.load_detector`, and score shards of the clips.

**Sweeps.** :meth:`RayExecutor.sweep` (``fakebench run --executor ray --runs N``) first
computes every embedding the runs need through the actor pool (once, on the first seed
of each RunSpec), then runs one Ray task per (RunSpec, seed): a :class:`Runner` for that
seed, writing into a private temporary store that travels back to the driver, which
merges it into the results store. Records therefore reach the store through one
writer, and a task that is retried (its node was lost) cannot leave a half record.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
import os
import tarfile
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..data.clip_list import clip_path_strings
from ..errors import ConfigError, FakebenchError
from . import require_ray

log = logging.getLogger("fakebench")

#: Environment variables of the driver that its Ray workers get too (when set), so the
#: workers see the same plugins, home folder, weights and hub settings.
FORWARDED_ENV = ("FAKEBENCH_HOME", "FAKEBENCH_PLUGINS", "FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD", "FAKEBENCH_WEIGHTS",
                 "FAKEBENCH_DATA", "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "TORCH_HOME")
#: Seconds without any worker ready before the driver says what it is waiting for.
WAIT_WARNING_S = 60.0


@dataclasses.dataclass
class JobReport:
    """What the last extraction or scoring job did, batch by batch (for benchmarks and
    tests). Times are ``time.time()`` seconds; ``submitted``/``received`` on the driver,
    the others on the worker."""

    workers: int = 0
    pids: list[int] = dataclasses.field(default_factory=list)
    shards: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    rows_written: int = 0
    resubmitted: int = 0
    load_seconds: list[float] = dataclasses.field(default_factory=list)
    #: CPU seconds the workers spent after loading the model (all their threads)
    worker_cpu_seconds: float = 0.0

    def overheads(self) -> dict[str, float]:
        """Medians over batches: ``dispatch`` (submission to the worker's start),
        ``to_model`` (submission to the model's start: dispatch, queueing, decoding),
        ``return`` (the worker's end to the driver holding the arrays: serialisation and
        transfer), ``model`` (forward time), ``driver_write`` (the driver storing a
        batch: file memo and cache shard)."""
        if not self.shards:
            return {}
        med = lambda xs: float(np.median(xs))
        s = self.shards
        out = {"dispatch": med([x["started"] - x["submitted"] for x in s]),
               "to_model": med([x["model_start"] - x["submitted"] for x in s]),
               "decode": med([x["decoded"] - x["started"] for x in s]),
               "return": med([x["received"] - x["ended"] for x in s]),
               "model": med([x["model_seconds"] for x in s]),
               "batches": float(len(s))}
        if all("written" in x for x in s):
            out["driver_write"] = med([x["written"] - x["received"] for x in s])
        return out


# -- workers (run inside Ray actors) ---------------------------------------------------------------------


def _actor_device(device: str, gpus: float) -> str:
    """The device a worker uses: its GPU when Ray gave it one (``cuda`` is then the GPU
    Ray assigned, whatever index the driver named), else the CPU."""
    return "cuda" if gpus else ("cpu" if (device or "auto").startswith(("cuda", "auto")) else device)


class _EmbedWorker:
    """One embedder, loaded once; computes batches of clips (decode -> group -> model)."""

    def __init__(self, cls, params: dict, fingerprint: str, weights: str | None, device: str, policy: Any,
                 frames: bool, condition: Any, precision: str, threads: int):
        import torch

        self.error: tuple[str, str, str | None] | None = None
        self.lock = threading.Lock()
        t = time.perf_counter()
        if threads:
            torch.set_num_threads(int(threads))
        self.policy, self.frames, self.condition, self.precision = policy, frames, condition, precision
        self.decode_threads = max(1, int(threads)) if str(device).startswith("cuda") else 1
        self.emb = None
        try:
            emb = cls.from_params(params)
            emb.load(weights=weights, device=device)
            self.emb = emb
        except FakebenchError as e:
            self.error = (type(e).__name__, e.message, e.hint)
        except Exception as e:  # a broken plugin or a missing dependency on this node
            detail = str(e).splitlines()[0] if str(e) else ""
            message = (f"embedder {cls.name!r} failed to load on a Ray worker (pid {os.getpid()}): "
                       f"{type(e).__name__}: {detail}")
            self.error = ("FakebenchError", message, "install the same fakebench, plugins and weights on every node")
        self.load_seconds = time.perf_counter() - t
        self.driver_fingerprint = fingerprint
        self.cpu_after_load = time.process_time()

    def cpu(self) -> float:
        """CPU seconds of this worker process since its model was loaded."""
        return time.process_time() - self.cpu_after_load

    def ready(self) -> dict[str, Any]:
        out = {"pid": os.getpid(), "error": self.error, "load_seconds": self.load_seconds}
        if self.emb is not None:
            out["cache_key"] = self.emb.cache_key(str(self.policy))
            out["fingerprint"] = self.emb.fingerprint()
            out["device"] = str(self.emb.device)
        return out

    def compute(self, shard: int, clips: list, submitted: float) -> dict[str, Any]:
        import torch

        from ..extract import autocast, check_output, ClipAudio
        from ..timing import Stopwatch

        started = time.time()
        emb = self.emb
        ds = ClipAudio(clips, emb.sample_rate, self.policy, emb.resampler, emb.min_seconds, self.condition)
        if self.decode_threads > 1:  # a GPU worker: decoding must keep up with the model
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.decode_threads) as pool:
                decoded = list(pool.map(ds.__getitem__, range(len(clips))))
        else:
            decoded = [ds[j] for j in range(len(clips))]
        after_decode = time.time()
        results: list[list[Any]] = [[j, sha, st, None, err, flags, 0] for j, sha, st, _w, err, flags in decoded]
        groups: dict[int, list[tuple[int, str, Any]]] = {}
        for j, sha, _st, wave, err, _flags in decoded:
            if err is None:
                groups.setdefault(wave.shape[-1], []).append((j, sha, wave))
        device = torch.device(emb.device)
        model_seconds = 0.0
        with self.lock:  # the next batch decodes while this one runs the model
            model_start = time.time()
            for group in groups.values():
                batch = torch.stack([w for _, _, w in group])
                if device.type == "cuda":
                    batch = batch.pin_memory().to(device, non_blocking=True)
                with Stopwatch(device) as sw, torch.inference_mode(), autocast(device, self.precision):
                    out = emb.embed(batch, frames=self.frames)
                model_seconds += sw.seconds
                out = out.float().cpu().numpy()
                check_output(emb, out, group, clips, self.frames)
                for (j, _sha, w), e in zip(group, out):
                    results[j][3] = e
                    results[j][6] = int(w.shape[-1])
            model_end = time.time()
        return {"shard": shard, "results": results, "pid": os.getpid(), "submitted": submitted,
                "started": started, "decoded": after_decode, "model_start": model_start, "model_end": model_end,
                "model_seconds": model_seconds, "ended": time.time()}


class _ScoreWorker:
    """One fitted detector (from :func:`fakebench.persist.save_detector` bytes); scores
    subsets of an :class:`~fakebench.inputs.Inputs`."""

    def __init__(self, payload: bytes, device: str, threads: int):
        import torch

        from ..persist import load_detector

        if threads:
            torch.set_num_threads(int(threads))
        self.error = None
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "detector.pt"
            path.write_bytes(payload)
            try:
                self.det, _meta = load_detector(path, device=device)
            except FakebenchError as e:
                self.det, self.error = None, (type(e).__name__, e.message, e.hint)
        self.load_seconds = time.perf_counter() - t

    def ready(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "error": self.error, "load_seconds": self.load_seconds}

    def score(self, shard: int, X: Any, submitted: float) -> dict[str, Any]:
        started = time.time()
        t = time.perf_counter()
        scores = np.asarray(self.det.decision_function(X), dtype=np.float64)
        seconds = time.perf_counter() - t
        return {"shard": shard, "scores": scores, "pid": os.getpid(), "submitted": submitted, "started": started,
                "decoded": started, "model_start": started, "model_seconds": seconds, "ended": time.time()}


def _run_spec_task(spec: Any) -> dict[str, Any]:
    """One seed of one RunSpec, on a worker: a Runner writing into a private temporary
    store, returned as a tar archive (runs/, scores/, models/) with the records."""
    from ..runner import Runner

    started = time.time()
    with tempfile.TemporaryDirectory(prefix="fakebench-ray-") as tmp:
        spec = dataclasses.replace(spec, results_dir=tmp, executor="local", progress=False)
        records = Runner(spec).run()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for part in ("runs", "scores", "models"):
                if (Path(tmp) / part).is_dir():
                    tar.add(Path(tmp) / part, arcname=part)
    return {"records": records, "store": buf.getvalue(), "pid": os.getpid(), "seconds": time.time() - started}


# -- the executor ----------------------------------------------------------------------------------------


class RayExecutor:
    """Extraction, scoring and sweeps on a Ray cluster.

    ``address``: the cluster (``auto``, ``ray://HOST:PORT``, ``HOST:PORT``; None:
    ``$RAY_ADDRESS``, a cluster started on this machine, or a new local instance).
    ``weights``/``device``: what the workers load (``device`` ``auto``: a GPU per
    actor when the cluster has GPUs, else the CPU). ``num_actors``: pool size (default:
    every GPU, or every ``cpus_per_actor`` CPUs, at most one per batch).
    ``cpus_per_actor`` (default: 1 on CPU-only clusters; on GPU nodes, the node's CPUs
    per GPU, at most 8): a GPU actor decodes its batches with that many threads.
    ``gpus_per_actor`` may be fractional (0.5: two actors share a GPU).
    ``max_in_flight``: batches queued per actor. The pool settings can also come from the
    environment, for the CLI: ``FAKEBENCH_RAY_WORKERS``, ``FAKEBENCH_RAY_CPUS_PER_WORKER``,
    ``FAKEBENCH_RAY_GPUS_PER_WORKER``, ``FAKEBENCH_RAY_IN_FLIGHT``. ``max_restarts``/``max_task_retries``:
    Ray's fault tolerance for an actor process that dies. ``cpus_per_task`` and
    ``gpus_per_task``: resources of one seed of a sweep. ``shard_size``: clips per scoring
    task (default: about four shards per actor).
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, weights: str | None = None, device: str = "auto",
                 num_actors: int | None = None, cpus_per_actor: float | None = None,
                 gpus_per_actor: float | None = None, max_in_flight: int | None = None, max_restarts: int = 3,
                 max_task_retries: int = 3,
                 cpus_per_task: float = 1, gpus_per_task: float | None = None, shard_size: int | None = None):
        require_ray()
        self.address = address
        self.weights = str(Path(weights).expanduser().absolute()) if weights and Path(weights).expanduser().exists() \
            else weights
        self.device = (device or "auto").lower()
        self.num_actors = num_actors if num_actors is not None else _env_number("FAKEBENCH_RAY_WORKERS", int, 1)
        self.cpus_per_actor = (cpus_per_actor if cpus_per_actor is not None
                               else _env_number("FAKEBENCH_RAY_CPUS_PER_WORKER", float, 0.01))
        self.gpus_per_actor = (gpus_per_actor if gpus_per_actor is not None
                               else _env_number("FAKEBENCH_RAY_GPUS_PER_WORKER", float, 0.01))
        in_flight = max_in_flight if max_in_flight is not None else _env_number("FAKEBENCH_RAY_IN_FLIGHT", int, 1)
        self.max_in_flight = max(1, int(in_flight or 2))
        self.max_restarts = max_restarts
        self.max_task_retries = max_task_retries
        self.cpus_per_task = cpus_per_task
        self.gpus_per_task = gpus_per_task
        self.shard_size = shard_size
        #: what the last extraction or scoring job did (:class:`JobReport`)
        self.last_job: JobReport | None = None
        #: pids of the current job's workers, as they become ready (tests kill them)
        self.worker_pids: list[int] = []
        #: the tasks of the last sweep: spec index, seed, worker pid, seconds
        self.last_sweep: list[dict[str, Any]] = []

    # -- the cluster ----------------------------------------------------------------------------------

    def connect(self):
        """Connect to the cluster (once per process) and return the ``ray`` module."""
        ray = require_ray()
        if ray.is_initialized():
            return ray
        kwargs: dict[str, Any] = {"ignore_reinit_error": True, "logging_level": logging.WARNING}
        if self.address is None and not os.environ.get("RAY_ADDRESS"):
            kwargs["include_dashboard"] = False
        try:
            ray.init(address=self.address, **kwargs)
        except (ConnectionError, TimeoutError, ValueError, RuntimeError) as e:
            where = self.address or os.environ.get("RAY_ADDRESS") or "this machine"
            raise ConfigError(f"cannot connect to the Ray cluster at {where!r}: {str(e).splitlines()[0] if str(e) else e}",
                              hint="start one with `ray start --head` (see docs/distributed.md), pass "
                                   "--address HOST:PORT or ray://HOST:10001, or leave --address out to start "
                                   "a local instance") from None
        return ray

    def _resources(self, ray) -> tuple[float, float]:
        res = ray.cluster_resources()
        return float(res.get("CPU", 0)), float(res.get("GPU", 0))

    def _placement(self, ray) -> tuple[float, float, str]:
        """(cpus, gpus, device) of one actor."""
        _, gpus = self._resources(ray)
        if self.device == "cpu" or self.device == "mps":
            return self.cpus_per_actor or 1, 0.0, self.device
        if not gpus:
            if self.device.startswith("cuda"):
                raise ConfigError(f"--device {self.device} was asked for, but the Ray cluster has no GPU",
                                  hint="use --device auto or cpu, or add GPU nodes (`ray start --num-gpus N`)")
            return self.cpus_per_actor or 1, 0.0, "cpu"
        g = self.gpus_per_actor if self.gpus_per_actor is not None else 1.0
        return self.cpus_per_actor or _cpus_per_gpu(ray), float(g), "cuda"

    def _pool_size(self, ray, cpus: float, gpus: float, n_jobs: int) -> int:
        if self.num_actors:
            return max(1, min(int(self.num_actors), n_jobs))
        total_cpu, total_gpu = self._resources(ray)
        slots = int(total_gpu // gpus) if gpus else int(total_cpu // max(cpus, 1e-9))
        return max(1, min(slots, n_jobs))

    @staticmethod
    def _env() -> dict[str, str]:
        return {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}

    def _actor_options(self, cpus: float, gpus: float) -> dict[str, Any]:
        opts: dict[str, Any] = {"num_cpus": cpus, "num_gpus": gpus, "max_restarts": self.max_restarts,
                                "max_task_retries": self.max_task_retries, "max_concurrency": 2}
        env = self._env()
        if env:
            opts["runtime_env"] = {"env_vars": env}
        return opts

    # -- extraction ------------------------------------------------------------------------------------

    def extract(self, embedder: Any, clips: Sequence[Any], *, cache: Any, length: Any = None, batch_size: int = 16,
                num_workers: int | None = None, frames: bool = False, skip_bad: bool = False,
                precision: str = "fp32", progress: bool = False, loader: Callable[[], Any] | None = None,
                condition: Any = None):
        """:func:`fakebench.extract.extract` on the cluster: same arguments, same results.

        ``num_workers`` (decoding processes in the local path) is not used: each actor
        decodes in a thread beside its model. ``loader`` is called only when the
        embedder's weights cannot be identified without loading them.
        """
        from ..audio import LengthPolicy
        from ..extract import ExtractStats, namespace_suffix

        policy = LengthPolicy.parse(length if length is not None else embedder.default_length)
        stats = ExtractStats(n=len(clips))
        wall = time.perf_counter()
        self._identify(embedder, loader)
        ns = None
        keys: list[str | None] = [None] * len(clips)
        out: list[np.ndarray | None] = [None] * len(clips)
        if cache is not None:
            nskey = embedder.cache_key(str(policy)) + ("-frames" if frames else "") + namespace_suffix(condition)
            ns = cache.namespace(nskey)
            stats.namespace = nskey
            keys = cache.hasher.known(clip_path_strings(clips))
            out, stats.shard_reads = ns.get_many(keys)
        todo = [i for i, a in enumerate(out) if a is None]
        stats.cached = len(clips) - len(todo)
        if todo:
            if ns is not None:
                ns.write_meta({**embedder.describe(), "length": str(policy), "frames": frames})
            self._compute(embedder, clips, todo, out, keys, ns, cache, policy, batch_size, frames, condition,
                          skip_bad, precision, progress, stats)
            if ns is not None:
                ns.compact()
        stats.total_seconds = time.perf_counter() - wall
        return out, stats

    def _identify(self, embedder: Any, loader: Callable[[], Any] | None) -> None:
        """Make sure the driver knows the weights' fingerprint (it names the cache
        namespace) without building the model when the embedder can say it cheaply."""
        if embedder.fingerprint() not in ("unloaded", None):
            return
        fp = embedder.identify(weights=self.weights)
        if fp is not None:
            embedder.weights_fingerprint = fp
        elif loader is not None:
            loader()
        else:
            embedder.load(weights=self.weights, device="cpu")

    def _compute(self, embedder, clips, todo, out, keys, ns, cache, policy, batch_size, frames, condition, skip_bad,
                 precision, progress, stats):
        from ..errors import AudioError
        from ..hashing import CONTENT_KEY_LENGTH, absolute_path
        from ..progress import progress as progress_bar

        ray = self.connect()
        todo_clips = [clips[i] for i in todo]
        if policy.mode == "full" and all(c.duration for c in todo_clips):  # as the local path orders them
            order = sorted(range(len(todo)), key=lambda j: todo_clips[j].duration)
            todo = [todo[j] for j in order]
        shards = [todo[k:k + batch_size] for k in range(0, len(todo), batch_size)]
        portable = {i: dataclasses.replace(clips[i], path=Path(absolute_path(clips[i].path))) for i in todo}
        cpus, gpus, device = self._placement(ray)
        n_actors = self._pool_size(ray, cpus, gpus, len(shards))
        cls = type(embedder)
        remote = ray.remote(_EmbedWorker).options(**self._actor_options(cpus, gpus))
        params = embedder.get_params()
        driver_key = embedder.cache_key(str(policy))
        threads = int(cpus) if cpus >= 1 else 1
        actors = [remote.remote(cls, params, embedder.fingerprint(), self.weights, _actor_device(device, gpus), policy,
                                frames, condition, precision, threads) for _ in range(n_actors)]
        report = self.last_job = JobReport(workers=n_actors)
        self.worker_pids = []
        bar = progress_bar(len(todo), f"embedding ({embedder.name}) on {n_actors} Ray worker"
                           + ("s" if n_actors > 1 else ""), progress, unit="clip")
        first_error: tuple[str, str | None] | None = None
        failure: BaseException | None = None
        since_compact = 0
        pending = deque(range(len(shards)))
        attempts = [0] * len(shards)
        ready_refs = {a.ready.remote(): k for k, a in enumerate(actors)}
        usable: set[int] = set()
        busy = [0] * n_actors
        inflight: dict[Any, tuple[int, int, float]] = {}  # ref -> (shard, actor, submitted)
        waited_since = time.monotonic()
        start_error = ""
        completed = False
        try:
            while failure is None:
                while pending and first_error is None:  # fill every usable actor
                    free = [k for k in usable if busy[k] < self.max_in_flight]
                    if not free:
                        break
                    k = min(free, key=lambda a: busy[a])
                    s = pending.popleft()
                    submitted = time.time()
                    ref = actors[k].compute.remote(s, [portable[i] for i in shards[s]], submitted)
                    inflight[ref] = (s, k, submitted)
                    busy[k] += 1
                if not inflight and (not pending or first_error is not None or not (usable or ready_refs)):
                    break  # done, stopped by a bad clip (in-flight batches were saved), or no worker left
                done, _ = ray.wait(list(ready_refs) + list(inflight), num_returns=1, timeout=5.0)
                if not done:
                    if not usable and time.monotonic() - waited_since > WAIT_WARNING_S:
                        log.warning("waiting for Ray workers: none of %d is ready yet (the cluster may have no free "
                                    "%s)", n_actors, "GPU" if gpus else "CPU")
                        waited_since = time.monotonic()
                    continue
                ref = done[0]
                if ref in ready_refs:
                    k = ready_refs.pop(ref)
                    try:
                        info = ray.get(ref)
                    except ray.exceptions.RayError as e:
                        start_error = _first_line(e)
                        log.warning("a Ray worker could not start: %s", start_error)
                        continue
                    if info["error"] is not None:
                        failure = _rebuild_error(info["error"])
                        continue
                    if info["cache_key"] != driver_key:
                        failure = FakebenchError(
                            f"the Ray worker (pid {info['pid']}) computes embeddings of another configuration than "
                            f"the driver ({info['cache_key']} vs {driver_key}: weights {info['fingerprint']} vs "
                            f"{embedder.fingerprint()})",
                            hint="install the same fakebench, plugins and weights on every node")
                        continue
                    usable.add(k)
                    report.pids.append(info["pid"])
                    report.load_seconds.append(info["load_seconds"])
                    self.worker_pids = list(report.pids)
                    continue
                s, k, submitted = inflight.pop(ref)
                busy[k] -= 1
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as e:  # the embedder raised: no retry helps
                    failure = _task_error(e, f"embedder {embedder.name!r}")
                    continue
                except ray.exceptions.RayError as e:  # the actor is gone for good, or the object was lost
                    attempts[s] += 1
                    usable.discard(k)
                    report.resubmitted += 1
                    if attempts[s] > max(1, self.max_task_retries):
                        failure = FakebenchError(f"batch {s} failed on {attempts[s]} Ray workers: {_first_line(e)}",
                                                 hint="see the Ray logs of the workers (`ray logs`)")
                    else:
                        log.warning("a Ray worker was lost (%s); its batch goes to another worker", _first_line(e))
                        pending.appendleft(s)
                    if not usable and not ready_refs and failure is None:
                        failure = FakebenchError("every Ray worker was lost", hint="see the Ray logs (`ray logs`)")
                    continue
                result["received"] = time.time()
                memo, new_keys, new_arrays = [], [], []
                for j, sha, st, arr, err, flags, n_samples in result["results"]:
                    i = shards[s][j]
                    stats.silent += "silent" in flags
                    stats.padded += "padded" in flags
                    if err is not None:
                        stats.skipped.append((clips[i].id, err[0]))
                        if not skip_bad and first_error is None:
                            first_error = (err[0], err[1])
                        continue
                    key = keys[i] = sha[:CONTENT_KEY_LENGTH]
                    memo.append((portable[i].path, {"sha256": sha}, tuple(st)))
                    if ns is not None and key in ns:  # the same content, cached under another path
                        out[i] = ns.get_many([key])[0][0]
                        stats.cached += 1
                        continue
                    out[i] = arr if arr.flags.writeable else arr.copy()
                    stats.audio_seconds += n_samples / embedder.sample_rate
                    new_keys.append(key)
                    new_arrays.append(out[i])
                stats.model_seconds += result["model_seconds"]
                stats.computed += len(new_keys)
                if cache is not None and memo:
                    cache.hasher.remember(memo)
                if ns is not None and new_keys:
                    ns.put_many(new_keys, new_arrays)
                    report.rows_written += len(new_keys)
                    since_compact += 1
                    if since_compact >= 128:  # keep the file count small on long runs
                        ns.compact(min_shards=64, max_rows=4096)
                        since_compact = 0
                del result["results"]
                result["written"] = time.time()
                report.shards.append(result)
                bar.update(len(shards[s]))
            completed = True
        finally:
            bar.close()
            if completed and failure is None and usable:
                try:
                    report.worker_cpu_seconds = float(sum(ray.get([actors[k].cpu.remote() for k in usable],
                                                                  timeout=30)))
                except Exception:  # a worker gone meanwhile: the figure is only informative
                    pass
            for a in actors:
                try:
                    ray.kill(a, no_restart=True)
                except Exception:  # already gone
                    pass
        if failure is not None:
            raise failure
        if pending and first_error is None:
            raise FakebenchError("no Ray worker could start" + (f": {start_error}" if start_error else ""),
                                 hint=f"the embedder's class ({cls.__module__}.{cls.__qualname__}) must be importable "
                                      "on every node; see the Ray logs of the workers (`ray logs`)")
        if first_error is not None:
            message, hint = first_error
            raise AudioError(f"{message} [{stats.computed} embeddings computed before it are saved]",
                             hint=hint or "fix or remove the file, or pass --skip-bad to skip unreadable files")

    # -- scoring ----------------------------------------------------------------------------------------

    def score(self, detector: Any, X: Any) -> np.ndarray:
        """``detector.decision_function(X)``; for audio inputs, on a pool of actors that each
        hold a copy of the fitted detector. Other inputs (embedding matrices) are scored
        here: moving them costs more than scoring them."""
        audio = getattr(X, "audio", None)
        if audio is None or len(X) == 0:
            return np.asarray(detector.decision_function(X), dtype=np.float64)
        from ..persist import save_detector

        ray = self.connect()
        with tempfile.TemporaryDirectory() as tmp:
            payload = save_detector(Path(tmp) / "detector.pt", detector, {"via": "ray executor"}).read_bytes()
        cpus, gpus, device = self._placement(ray)
        n = len(X)
        n_slots = self._pool_size(ray, cpus, gpus, n)
        size = self.shard_size or max(1, math.ceil(n / (4 * n_slots)))
        shards = [list(range(k, min(n, k + size))) for k in range(0, n, size)]
        n_actors = min(n_slots, len(shards))
        payload_ref = ray.put(payload)
        remote = ray.remote(_ScoreWorker).options(**{**self._actor_options(cpus, gpus), "max_concurrency": 1})
        threads = int(cpus) if cpus >= 1 else 1
        actors = [remote.remote(payload_ref, _actor_device(device, gpus), threads) for _ in range(n_actors)]
        report = self.last_job = JobReport(workers=n_actors)
        scores = np.zeros(n, dtype=np.float64)
        try:
            for info in ray.get([a.ready.remote() for a in actors]):
                if info["error"] is not None:
                    raise _rebuild_error(info["error"])
                report.pids.append(info["pid"])
                report.load_seconds.append(info["load_seconds"])
            self.worker_pids = list(report.pids)
            refs = {}
            for s, idx in enumerate(shards):
                sub = X.subset(idx)
                if getattr(sub, "audio", None) is not None:
                    sub.audio.hasher = None  # a SQLite memo does not travel; keys are recomputed there
                refs[actors[s % n_actors].score.remote(s, sub, time.time())] = s
            while refs:
                done, _ = ray.wait(list(refs), num_returns=1)
                s = refs.pop(done[0])
                try:
                    result = ray.get(done[0])
                except ray.exceptions.RayTaskError as e:
                    raise _task_error(e, f"detector {detector.name!r}") from None
                result["received"] = time.time()
                scores[shards[s]] = result.pop("scores")
                report.shards.append(result)
        finally:
            for a in actors:
                try:
                    ray.kill(a, no_restart=True)
                except Exception:
                    pass
        return scores

    # -- seeds and sweeps --------------------------------------------------------------------------------

    def run_seeds(self, spec: Any) -> list[dict[str, Any]]:
        """The records of ``spec``, one Ray task per seed (see :meth:`sweep`)."""
        return self.sweep([spec])

    def sweep(self, specs: Sequence[Any], progress: bool | None = None) -> list[dict[str, Any]]:
        """Run several RunSpecs (pipelines, conditions, datasets...) as one job: every
        embedding they need is computed first on the actor pool, then each (spec, seed)
        is one Ray task whose records are merged into the spec's results store. Returns
        the records in (spec, seed) order. A failed task does not stop the others; their
        records are kept and the first error is raised at the end."""
        from ..progress import progress as progress_bar
        from ..results import ResultStore

        ray = self.connect()
        specs = [self._portable(s) for s in specs]
        for spec in specs:
            self._prefetch(spec)
        jobs = [(k, int(seed)) for k, spec in enumerate(specs) for seed in spec.seeds]
        _, gpus = self._resources(ray)
        task_gpus = self.gpus_per_task if self.gpus_per_task is not None else (
            1.0 if gpus and not any(s.device == "cpu" for s in specs) else 0.0)
        opts: dict[str, Any] = {"num_cpus": self.cpus_per_task, "num_gpus": task_gpus, "max_retries": 2}
        env = self._env()
        if env:
            opts["runtime_env"] = {"env_vars": env}
        task = ray.remote(_run_spec_task).options(**opts)
        refs = {task.remote(dataclasses.replace(specs[k], seeds=[seed])): n for n, (k, seed) in enumerate(jobs)}
        show = any(s.progress for s in specs) if progress is None else progress
        bar = progress_bar(len(jobs), f"runs on Ray ({len(jobs)} tasks)", show, unit="run")
        found: dict[int, list[dict[str, Any]]] = {}
        errors: list[BaseException] = []
        self.last_sweep = []
        try:
            while refs:
                done, _ = ray.wait(list(refs), num_returns=1)
                n = refs.pop(done[0])
                k, seed = jobs[n]
                try:
                    result = ray.get(done[0])
                except ray.exceptions.RayTaskError as e:
                    errors.append(_task_error(e, f"the run of seed {seed}"))
                    bar.update(1)
                    continue
                except ray.exceptions.RayError as e:
                    errors.append(FakebenchError(f"the run of seed {seed} was lost: {_first_line(e)}",
                                                 hint="re-run: finished records are kept, fits are reused"))
                    bar.update(1)
                    continue
                store = ResultStore(specs[k].results_dir)
                with tempfile.TemporaryDirectory(prefix="fakebench-merge-") as tmp:
                    _untar(result["store"], Path(tmp))
                    store.merge(tmp)
                found[n] = result["records"]
                self.last_sweep.append({"spec": k, "seed": seed, "pid": result["pid"], "seconds": result["seconds"]})
                bar.update(1)
        finally:
            bar.close()
            for ref in refs:
                ray.cancel(ref)
        if errors:
            first = errors[0]
            if len(errors) > 1 and isinstance(first, FakebenchError):
                first.message += f" ({len(errors)} of {len(jobs)} runs failed; {len(found)} records were kept)"
            raise first
        return [rec for n in range(len(jobs)) for rec in found[n]]

    def _portable(self, spec: Any) -> Any:
        """``spec`` with every path absolute and the stores named, so a worker whose
        current folder is not ours finds the same files."""
        from ..cache import default_cache_root
        from ..results import default_results_root

        def absolute(p):
            return str(Path(p).expanduser().absolute()) if p else p

        return dataclasses.replace(
            spec, data_root=absolute(spec.data_root),
            cache_dir=absolute(spec.cache_dir or default_cache_root()),
            results_dir=absolute(spec.results_dir or default_results_root()),
            weights=absolute(spec.weights) if spec.weights and Path(spec.weights).expanduser().exists()
            else spec.weights)

    def _prefetch(self, spec: Any) -> None:
        """Compute every embedding ``spec``'s first seed needs on the actor pool (the
        seeds share them), without fitting anything."""
        from ..runner import Runner

        if not spec.use_cache:
            return
        with tempfile.TemporaryDirectory(prefix="fakebench-prefetch-") as tmp:
            pre = dataclasses.replace(spec, seeds=[spec.seeds[0]], save_model=False, results_dir=tmp,
                                      executor="local")
            runner = Runner(pre)
            if runner.pipeline.embedder is None:
                return
            runner.extract = RayExecutor(self.address, weights=spec.weights, device=spec.device,
                                         num_actors=self.num_actors, cpus_per_actor=self.cpus_per_actor,
                                         gpus_per_actor=self.gpus_per_actor,
                                         max_in_flight=self.max_in_flight, max_restarts=self.max_restarts,
                                         max_task_retries=self.max_task_retries).extract

            def stop(*_args, **_kwargs):
                raise _Prefetched

            runner._fit = stop  # every embedding is computed before the first fit
            try:
                runner.run()
            except _Prefetched:
                pass


class _Prefetched(Exception):
    """Raised where the prefetching runner would start fitting."""


def _untar(data: bytes, dest: Path) -> None:
    """Unpack a task's store archive into ``dest``: plain files and folders only, every
    one inside ``dest``."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        members = tar.getmembers()
        for m in members:
            target = (dest / m.name).resolve()
            if not (m.isfile() or m.isdir()) or not target.is_relative_to(dest.resolve()):
                raise FakebenchError(f"a Ray task returned a store archive with an unsafe entry {m.name!r}")
        tar.extractall(dest, members=members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))


def _env_number(name: str, kind: type, low: float):
    """A pool setting from the environment, or None when unset."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value < low:
        raise ConfigError(f"{name}={text!r} is not a valid setting",
                          hint=f"a {'whole ' if kind is int else ''}number >= {low:g}, or unset it")
    return value


def _cpus_per_gpu(ray) -> float:
    """CPUs a GPU actor takes by default: the fewest CPUs per GPU of any GPU node, 1 to 8."""
    shares = [n["Resources"].get("CPU", 0) / n["Resources"]["GPU"] for n in ray.nodes()
              if n.get("Alive") and n.get("Resources", {}).get("GPU")]
    return float(max(1, min(8, int(min(shares))))) if shares else 1.0


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[-1] if text else type(e).__name__


def _rebuild_error(info: tuple[str, str, str | None]) -> FakebenchError:
    """A worker's FakebenchError, as the same class on the driver."""
    from fakebench import errors

    name, message, hint = info
    cls = getattr(errors, name, FakebenchError)
    if not (isinstance(cls, type) and issubclass(cls, FakebenchError)):
        cls = FakebenchError
    try:
        return cls(message, hint=hint)
    except TypeError:
        return FakebenchError(message, hint=hint)


def _task_error(e: BaseException, what: str) -> BaseException:
    """The exception a Ray task raised: its own FakebenchError (so the CLI prints one line
    and exits 2), or a FakebenchError naming the worker's error."""
    cause = getattr(e, "cause", None)
    if isinstance(cause, FakebenchError):
        return cause
    detail = f"{type(cause).__name__}: {cause}" if cause is not None else _first_line(e)
    return FakebenchError(f"{what} failed on a Ray worker: {detail.splitlines()[0] if detail else ''}",
                          hint="--debug on a local run shows the traceback; `ray logs` shows the worker's")
