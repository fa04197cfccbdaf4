"""The GPU table: the measurements of issue 20 in one run, for a lent H100/H200-class GPU.

Run it through ``bash benchmarks/gpu.sh`` (which adds a global time limit and prints the
driver); ``python benchmarks/gpu_table.py --help`` lists the options. Every row runs the
real fakebench code path:

* **CLAP-2023 and PANNs batched RTF** (``clap-2023``, ``panns-cnn14-32k`` from the
  registry): ``embed()`` on batches of 4-s clips already at the model's rate, under
  ``torch.inference_mode`` and :func:`fakebench.extract.autocast` (fp32, then bf16),
  timed with :class:`fakebench.timing.Stopwatch` (CUDA events on a GPU) after warm-up
  batches. RTF = model seconds / audio seconds, in %. Target for CLAP on an H100/H200:
  at most 0.05% (Table II of Ouajdi et al., EUSIPCO 2024: 1.82% for one clip on an
  RTX 3060; PANNs Cnn14 32k: 0.234%). The released weights are used when they are in a
  cache (Hugging Face hub, torch hub, ``~/panns_data``, ``$FAKEBENCH_HOME/weights``);
  otherwise ``weights="random"``: the same architecture, so the same cost.
* **The paper MLP** (``mlp``, :func:`fakebench.training.train_binary` underneath): 100
  epochs on 31,000 random 1024-d embeddings plus a 3,100-row validation split (checked
  every epoch, as the paper's training does), wall seconds with ``cuda.synchronize``,
  after an untimed 1-epoch warm-up fit. Target: at most 10 s.
* **AASIST throughput** (``aasist`` with the official ``AASIST.pth`` from
  ``<shared>/weights/aasist``, or random weights when it is absent) and **SSL throughput**
  (``ssl-aasist``: XLS-R 300M + AASIST back-end, random full-size weights): clips of
  64,600 samples per second, batch 32 on a GPU, eval mode, ``inference_mode``, fp32.
* **Metrics**: :func:`fakebench.metrics.eer` and :func:`fakebench.metrics.min_dcf` on 10M
  random scores as CPU tensors and as tensors on the device; seconds each and the
  largest difference between the two (it must be exactly 0).
* **Mixed precision**: the official AASIST checkpoint scores the 175 shared speech clips
  (``<shared>/data/speech``, ``repeat:4.0375``) through ``decision_function`` in fp32,
  bf16 and fp16 autocast; the ``speaker`` embedder (its packaged real weights) +
  ``logreg`` does the same through :func:`fakebench.extract.extract` with
  ``precision=...`` (logreg scores cross-fitted over two stratified folds). Each row gives
  the EER change against fp32 in points; target at most 0.1 points, else mixed precision
  stays off (fakebench's default is fp32). A precision that cannot run (NaN scores, an
  unsupported kernel) is a result, not an error: that row is "not met" with the reason.
  On 175 clips one clip moves the EER by 0.4-0.9 points, so "within 0.1" means that no
  clip changed side at the EER point.

Every section has its own time box and a global budget (``--budget``); a section that
fails or runs out of time prints its rows with the error (one line) and the next one
runs. Exit status 0 when every row ran (whatever the targets say), 1 otherwise.
``--smoke`` runs every row with tiny sizes (a few clips, a tiny SSL encoder, short AASIST
inputs, 1k MLP rows, 100k scores) in well under a minute on a CPU; its numbers only show
that the code runs. ``--json PATH`` also writes the rows (written again after every
section, so a run cut short keeps what it measured).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# nothing in this script downloads: a GPU node is often offline
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

CLIP_SECONDS = 4.0  # the DCASE 2023 Task 7 clip length (what Table II timed)
AASIST_SAMPLES = 64600  # 4.0375 s at 16 kHz, the evaluation length of AASIST and SSL-AASIST
PAPER_RTF = {"clap-2023": 1.82, "panns-cnn14-32k": 0.234}  # % (Ouajdi et al. 2024, Table II, RTX 3060)
MAX_DELTA_POINTS = 0.1
#: the tiny XLS-R-shaped encoder of --smoke (the test suite's TINY overrides)
TINY_SSL = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
            "conv_dim": [16] * 7, "num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 4}


# -- sizes -------------------------------------------------------------------------------------


def plan(smoke: bool, gpu: bool) -> dict[str, Any]:
    """Workload sizes: full on a GPU, reduced batch counts on a CPU, tiny with --smoke."""
    if smoke:
        return dict(rtf_batch=1, rtf_batches=1, rtf_warmup=0,
                    mlp_rows=1000, mlp_val=100, mlp_epochs=2,
                    det_batch=4, det_batches=1, det_warmup=0, aasist_samples=4000, ssl_samples=16000,
                    ssl_config=TINY_SSL, scores=100_000,
                    mp_clips=4, mp_length="repeat:0.25", mp_batch=4, lr_clips=8, lr_length="crop:2", lr_batch=8,
                    workers=0)
    full = dict(mlp_rows=31_000, mlp_val=3_100, scores=10_000_000, aasist_samples=AASIST_SAMPLES,
                ssl_samples=AASIST_SAMPLES, ssl_config=None, mp_clips=None, mp_length="repeat:4.0375",
                lr_clips=None, lr_length=None, workers=None)
    if gpu:
        return dict(full, rtf_batch=64, rtf_batches=5, rtf_warmup=2, mlp_epochs=100,
                    det_batch=32, det_batches=10, det_warmup=2, mp_batch=32, lr_batch=16)
    return dict(full, rtf_batch=8, rtf_batches=2, rtf_warmup=1, mlp_epochs=1,
                det_batch=8, det_batches=1, det_warmup=1, mp_batch=16, lr_batch=16)


# -- rows --------------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    measure: str
    unit: str
    target: str | None = None  # None: no target
    gpu_target: bool = False  # the target is about a GPU (n/a on a CPU)
    value: float | None = None
    ok: bool | None = None  # the target is met
    note: str = ""
    ran: bool = False
    error: str | None = None
    status: str = ""

    def set(self, value: float | None, ok: bool | None = None, note: str = "") -> None:
        self.value = None if value is None else float(value)
        self.ok = ok
        self.note = note
        self.ran = True


class SectionTimeout(BaseException):
    """A section ran past its time box (BaseException: library code catching Exception
    must not swallow it)."""


class OuterStop(BaseException):
    """SIGTERM (the ``timeout`` of gpu.sh): stop, print what was measured."""


@dataclass
class Context:
    device: Any  # torch.device
    smoke: bool
    shared: Path
    sizes: dict[str, Any]
    rows: dict[str, Row] = field(default_factory=dict)

    @property
    def gpu(self) -> bool:
        return self.device.type == "cuda"

    def sync(self) -> None:
        if self.gpu:
            import torch

            torch.cuda.synchronize(self.device)


def one_line(e: BaseException) -> str:
    text = f"{type(e).__name__}: {' '.join(str(e).split()) or repr(e)}"  # a FakebenchError's str has its hint
    return text if len(text) <= 200 else text[:197] + "..."


@contextlib.contextmanager
def time_box(seconds: float):
    """Raise :class:`SectionTimeout` in the main thread after ``seconds`` (SIGALRM; a
    running CUDA kernel or C call finishes first)."""

    def alarm(signum, frame):
        raise SectionTimeout(f"time box of {seconds:.0f} s exceeded")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, max(1.0, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def random_audio(n: int, samples: int, seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, samples, generator=g) - 0.5) * 0.5


def shared_clips(ctx: Context, corpus: str, n: int | None):
    """Clips of a shared corpus with labels (1 = fake); ``n`` picks a class-balanced subset."""
    import numpy as np
    from fakebench.data import Clip

    folder = ctx.shared / "data" / corpus
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest} not found (pass --shared or set FAKEBENCH_SHARED)")
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    if n is not None:
        fake = [r for r in rows if r["label"] == "fake"][: n // 2]
        real = [r for r in rows if r["label"] != "fake"][: n - len(fake)]
        rows = real + fake
    clips = [Clip(id=r["path"], path=folder / r["path"], label=int(r["label"] == "fake"),
                  duration=float(r["duration"])) for r in rows]
    return clips, np.array([c.label for c in clips], dtype=np.int64)


def release(ctx: Context) -> None:
    import gc

    gc.collect()
    if ctx.gpu:
        import torch

        torch.cuda.empty_cache()


# -- sections ----------------------------------------------------------------------------------


def _weights_for(emb) -> tuple[str, str]:
    """(weights argument, note): a cached released checkpoint, else random weights."""
    from fakebench.weights import cache_candidates

    found = cache_candidates(emb.weights_file)
    if found:
        source, path = found[0]
        return str(path), f"released weights ({source})"
    return "random", "random weights (released ones not cached; same architecture and cost)"


def embedder_rtf(name: str, key: str) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        import torch
        from fakebench.extract import autocast
        from fakebench.registry import Registry
        from fakebench.timing import Stopwatch

        s = ctx.sizes
        emb = Registry().embedder(name)()
        weights, wnote = _weights_for(emb)
        emb.load(weights=weights, device=str(ctx.device))
        x = random_audio(s["rtf_batch"], int(CLIP_SECONDS * emb.sample_rate)).to(ctx.device)
        audio = s["rtf_batch"] * s["rtf_batches"] * CLIP_SECONDS
        for precision in ("fp32", "bf16"):
            row = ctx.rows[f"{key}_rtf_{precision}"]
            with torch.inference_mode(), autocast(ctx.device, precision):
                for _ in range(s["rtf_warmup"]):
                    emb.embed(x)
                with Stopwatch(ctx.device) as sw:
                    for _ in range(s["rtf_batches"]):
                        out = emb.embed(x)
            if not bool(torch.isfinite(out.float()).all()):
                raise FloatingPointError(f"{name} gave non-finite embeddings in {precision}")
            rtf = 100.0 * sw.seconds / audio
            ok = rtf <= 0.05 if name == "clap-2023" else None
            row.set(rtf, ok, f"{s['rtf_batches']} x {s['rtf_batch']} clips of 4 s; paper {PAPER_RTF[name]}% "
                              f"(1 clip, RTX 3060); {wnote}")

    return run


def mlp_training(ctx: Context) -> None:
    import numpy as np
    from fakebench.registry import Registry

    s = ctx.sizes
    n, nv, dim = s["mlp_rows"], s["mlp_val"], 1024
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n + nv, dim), dtype=np.float32)
    y = (rng.random(n + nv) < 0.5).astype(np.int64)
    x[y == 1, :16] += 0.5  # a little signal, so the loss moves
    cls = Registry().detector("mlp")
    if ctx.gpu:  # warm-up: CUDA context, cuBLAS handles, kernels
        cls(epochs=1, device=str(ctx.device), random_state=0).fit(x[:2048], y[:2048], x[n:], y[n:])
    ctx.sync()
    t = time.perf_counter()
    det = cls(epochs=s["mlp_epochs"], device=str(ctx.device), random_state=0).fit(x[:n], y[:n], x[n:], y[n:])
    ctx.sync()
    seconds = time.perf_counter() - t
    if len(det.history_) != s["mlp_epochs"] or not all(np.isfinite(h["loss"]) for h in det.history_):
        raise RuntimeError(f"mlp: {len(det.history_)} epochs of history, or a non-finite loss")
    hundred = seconds * 100 / s["mlp_epochs"]
    note = f"{n:,} x {dim} + {nv:,} val rows, batch 128"
    note += "" if s["mlp_epochs"] == 100 else f"; extrapolated from {s['mlp_epochs']} epoch(s) ({seconds:.2f} s)"
    ctx.rows["mlp_100_epochs"].set(hundred, hundred <= 10.0, note)


def _aasist(ctx: Context, X=None, y=None):
    """The ``aasist`` detector with the official AASIST.pth of the shared folder (or
    random weights), fitted as the runner fits it (a pretrained checkpoint only loads)."""
    import numpy as np
    from fakebench.inputs import AudioSource, Inputs
    from fakebench.registry import Registry

    folder = ctx.shared / "weights" / "aasist"
    weights, note = (str(folder), "official AASIST.pth") if (folder / "AASIST.pth").is_file() else \
        ("random", f"random weights (no AASIST.pth in {folder})")
    det = Registry().detector("aasist")(weights=weights, device=str(ctx.device), eval_batch_size=ctx.sizes["mp_batch"],
                                        num_workers=ctx.sizes["workers"])
    if X is None:
        X, y = Inputs(clips=[], audio=AudioSource([], 16000, "repeat:4.0375")), np.zeros(0, dtype=np.int64)
    det.fit(X, y)
    return det, note


def aasist_throughput(ctx: Context) -> None:
    import torch
    from fakebench.timing import Stopwatch

    s = ctx.sizes
    det, note = _aasist(ctx)
    net = det.net_.eval()
    waves = (0.1 * torch.randn(s["det_batch"], s["aasist_samples"], generator=torch.Generator().manual_seed(0)))
    waves = waves.to(ctx.device)
    with torch.inference_mode():
        for _ in range(s["det_warmup"]):
            det.to_score(net(waves))
        with Stopwatch(ctx.device) as sw:
            for _ in range(s["det_batches"]):
                scores = det.to_score(net(waves))
    if not bool(torch.isfinite(scores).all()):
        raise FloatingPointError("aasist gave non-finite scores")
    rate = s["det_batch"] * s["det_batches"] / sw.seconds
    ctx.rows["aasist_clips_per_s"].set(rate, None, f"{s['det_batches']} x {s['det_batch']} clips of "
                                                   f"{s['aasist_samples']:,} samples, fp32; {note}")


def ssl_throughput(ctx: Context) -> None:
    import torch
    from fakebench.registry import Registry
    from fakebench.timing import Stopwatch

    s = ctx.sizes
    det = Registry().detector("ssl-aasist")(weights="random", device=str(ctx.device), config=s["ssl_config"])
    net = det._net(det._arch()).to(ctx.device).eval()  # what fit builds for weights=random
    n_params = sum(p.numel() for p in net.parameters())
    waves = (0.1 * torch.randn(s["det_batch"], s["ssl_samples"], generator=torch.Generator().manual_seed(0)))
    waves = waves.to(ctx.device)
    with torch.inference_mode():
        for _ in range(s["det_warmup"]):
            det._forward_scores(net, waves)
        with Stopwatch(ctx.device) as sw:
            for _ in range(s["det_batches"]):
                scores = det._forward_scores(net, waves)
    if not bool(torch.isfinite(scores).all()):
        raise FloatingPointError("ssl-aasist gave non-finite scores")
    rate = s["det_batch"] * s["det_batches"] / sw.seconds
    arch = "tiny encoder (smoke)" if s["ssl_config"] else "XLS-R 300M"
    ctx.rows["ssl_clips_per_s"].set(rate, None, f"ssl-aasist, {arch}, {n_params / 1e6:.1f}M params, random weights; "
                                                f"{s['det_batches']} x {s['det_batch']} clips of "
                                                f"{s['ssl_samples']:,} samples, fp32")


def metrics_speed(ctx: Context) -> None:
    import numpy as np
    import torch
    from fakebench import metrics as M

    n = ctx.sizes["scores"]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    scores = rng.normal(size=n) + y
    st, yt = torch.from_numpy(scores), torch.from_numpy(y)
    where = {}
    values = {}
    for place, dev in (("cpu", torch.device("cpu")), ("device", ctx.device)):
        s_, y_ = st.to(dev), yt.to(dev)
        M.eer(s_[:1000], y_[:1000])  # first-call costs (kernels, allocator)
        for name, fn in (("eer", M.eer), ("min_dcf", M.min_dcf)):
            ctx.sync()
            t = time.perf_counter()
            values[(place, name)] = float(fn(s_, y_))
            ctx.sync()
            where[(place, name)] = time.perf_counter() - t
        del s_, y_
    label = f"{n / 1e6:g}M scores" if n >= 1e6 else f"{n:,} scores"
    for name in ("eer", "min_dcf"):
        cpu_s, dev_s = where[("cpu", name)], where[("device", name)]
        ctx.rows[f"{name}_cpu_s"].set(cpu_s, cpu_s <= 2.0 if name == "eer" else None,
                                      f"{label}, float64 CPU tensors; value {values[('cpu', name)]:.6f}")
        ctx.rows[f"{name}_device_s"].set(dev_s, dev_s <= cpu_s,
                                         f"{label} on {ctx.device}, already there; {cpu_s / dev_s:.1f}x the CPU")
    diff = max(abs(values[("cpu", k)] - values[("device", k)]) for k in ("eer", "min_dcf"))
    ctx.rows["metrics_device_vs_cpu"].set(diff, diff == 0.0, f"largest |device - CPU| of eer and min_dcf ({label})")


def _eer_points(scores, y) -> float:
    from fakebench import metrics as M

    return 100.0 * float(M.eer(scores, y, warn=False))


def _precision_rows(ctx: Context, key: str, score: Callable[[str], Any], y, what: str) -> None:
    """EER in fp32, then the change in points for bf16 and fp16 (a precision that cannot
    run is a "not met" result with its reason)."""
    base = _eer_points(score("fp32"), y)
    ctx.rows[f"{key}_eer_fp32"].set(base, None, what)
    for precision in ("bf16", "fp16"):
        row = ctx.rows[f"{key}_eer_delta_{precision}"]
        try:
            value = _eer_points(score(precision), y)
        except Exception as e:  # noqa: BLE001 - the precision's answer, reported as such
            row.set(None, False, f"{precision} cannot be used: {one_line(e)}")
            continue
        delta = abs(value - base)
        row.set(delta, delta <= MAX_DELTA_POINTS + 1e-9, f"EER {value:.3f}% vs {base:.3f}% in fp32")


def mixed_precision_aasist(ctx: Context) -> None:
    from fakebench.extract import autocast
    from fakebench.inputs import AudioSource, Inputs

    s = ctx.sizes
    clips, y = shared_clips(ctx, "speech", s["mp_clips"])
    X = Inputs(clips=clips, audio=AudioSource(clips, 16000, s["mp_length"]))
    det, note = _aasist(ctx, X, y)

    def score(precision: str):
        with autocast(ctx.device, precision):
            return det.decision_function(X)

    _precision_rows(ctx, "aasist", score, y, f"{len(clips)} shared speech clips ({int(y.sum())} fake), "
                                              f"{s['mp_length']}, decision_function; {note}")


def mixed_precision_logreg(ctx: Context) -> None:
    import numpy as np
    from fakebench.extract import extract
    from fakebench.registry import Registry

    s = ctx.sizes
    clips, y = shared_clips(ctx, "speech", s["lr_clips"])
    emb = Registry().embedder("speaker")().load(device=str(ctx.device))  # its packaged real weights
    rng = np.random.default_rng(0)
    fold = np.zeros(len(y), dtype=np.int64)
    for label in (0, 1):  # two stratified folds
        idx = np.flatnonzero(y == label)
        fold[rng.permutation(idx)[: len(idx) // 2]] = 1
    logreg = Registry().detector("logreg")

    def score(precision: str):
        out, _ = extract(emb, clips, cache=None, length=s["lr_length"], batch_size=s["lr_batch"],
                         num_workers=s["workers"], precision=precision)
        e = np.stack(out).astype(np.float32)
        scores = np.zeros(len(y))
        for k in (0, 1):  # cross-fitted: each fold scored by a logreg fitted on the other
            det = logreg(random_state=0).fit(e[fold != k], y[fold != k])
            scores[fold == k] = det.decision_function(e[fold == k])
        return scores

    _precision_rows(ctx, "speaker_logreg", score, y,
                    f"{len(clips)} shared speech clips ({int(y.sum())} fake), {s['lr_length'] or 'whole clips'}, "
                    "speaker embedder (packaged weights) via extract + logreg, 2-fold cross-fitted")


@dataclass
class Section:
    id: str  # for --only
    name: str
    run: Callable[[Context], None]
    budget: float  # seconds (time box, full sizes)
    rows: list[Row]


def sections() -> list[Section]:
    pct, sec = "%", "s"
    out = []
    for name, key, budget in (("clap-2023", "clap", 75), ("panns-cnn14-32k", "panns", 45)):
        target = "<= 0.05" if name == "clap-2023" else None
        out.append(Section(key, f"{name} RTF", embedder_rtf(name, key), budget, [
            Row(f"{key}_rtf_fp32", f"{name} batched RTF, fp32", pct, target, gpu_target=True),
            Row(f"{key}_rtf_bf16", f"{name} batched RTF, bf16", pct, target, gpu_target=True)]))
    out.append(Section("mlp", "paper MLP", mlp_training, 150, [
        Row("mlp_100_epochs", "paper MLP, 100 epochs on 31k x 1024", sec, "<= 10", gpu_target=True)]))
    out.append(Section("aasist", "aasist throughput", aasist_throughput, 40, [
        Row("aasist_clips_per_s", "AASIST eval throughput", "clips/s")]))
    out.append(Section("ssl", "ssl throughput", ssl_throughput, 75, [
        Row("ssl_clips_per_s", "SSL-AASIST (XLS-R 300M) eval throughput", "clips/s")]))
    out.append(Section("metrics", "metrics", metrics_speed, 45, [
        Row("eer_cpu_s", "eer, 10M scores, CPU", sec, "<= 2"),
        Row("eer_device_s", "eer, 10M scores, device", sec, "<= CPU", gpu_target=True),
        Row("min_dcf_cpu_s", "min_dcf, 10M scores, CPU", sec),
        Row("min_dcf_device_s", "min_dcf, 10M scores, device", sec, "<= CPU", gpu_target=True),
        Row("metrics_device_vs_cpu", "metrics, device vs CPU, max |diff|", "abs", "= 0")]))
    delta = f"<= {MAX_DELTA_POINTS}"
    out.append(Section("mp-aasist", "mixed precision, aasist", mixed_precision_aasist, 60, [
        Row("aasist_eer_fp32", "AASIST EER on shared speech, fp32", pct),
        Row("aasist_eer_delta_bf16", "AASIST |EER bf16 - fp32|", "points", delta),
        Row("aasist_eer_delta_fp16", "AASIST |EER fp16 - fp32|", "points", delta)]))
    out.append(Section("mp-logreg", "mixed precision, speaker + logreg", mixed_precision_logreg, 120, [
        Row("speaker_logreg_eer_fp32", "speaker + logreg EER on shared speech, fp32", pct),
        Row("speaker_logreg_eer_delta_bf16", "speaker + logreg |EER bf16 - fp32|", "points", delta),
        Row("speaker_logreg_eer_delta_fp16", "speaker + logreg |EER fp16 - fp32|", "points", delta)]))
    return out


ROW_KEYS = [r.key for s in sections() for r in s.rows]


# -- output ------------------------------------------------------------------------------------


def status_of(row: Row, ctx: Context) -> str:
    if row.error is not None:
        return "not run" if row.error.startswith("not run") else "error"
    if row.ran and row.value is None:
        return "not met"  # a precision that cannot be used
    if row.target is None:
        return "-"
    if row.gpu_target and not ctx.gpu:
        return "n/a on CPU"
    if ctx.smoke:
        return "n/a (smoke)"
    if row.ok is None:
        return "-"
    return "met" if row.ok else "not met"


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    a = abs(v)
    if a == 0:
        return "0"
    if a < 0.01:
        return f"{v:.2e}" if a < 1e-3 else f"{v:.4f}"
    if a < 100:
        return f"{v:.3f}"
    return f"{v:.1f}" if a < 10_000 else f"{v:,.0f}"


def header(ctx: Context) -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"device": str(ctx.device), "torch": torch.__version__,
                            "python": platform.python_version(), "smoke": ctx.smoke, "shared": str(ctx.shared),
                            "torch_threads": torch.get_num_threads()}
    if ctx.gpu:
        p = torch.cuda.get_device_properties(ctx.device)
        info.update(name=p.name, memory_gib=round(p.total_memory / 2 ** 30, 1), capability=f"{p.major}.{p.minor}",
                    cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                    tf32_matmul=torch.backends.cuda.matmul.allow_tf32, tf32_cudnn=torch.backends.cudnn.allow_tf32)
    else:
        name = platform.processor() or platform.machine()
        with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        info.update(name=name, cores=cores)
    return info


def header_line(h: dict[str, Any]) -> str:
    if h["device"].startswith("cuda"):
        dev = (f"{h['device']} {h['name']} ({h['memory_gib']} GiB, sm {h['capability']}, CUDA {h['cuda']}, "
               f"cuDNN {h['cudnn']}, TF32 matmul {h['tf32_matmul']} / cuDNN {h['tf32_cudnn']})")
    else:
        dev = f"cpu {h['name']} ({h['cores']} cores, {h['torch_threads']} torch threads)"
    return f"device: {dev}; torch {h['torch']}, python {h['python']}" + ("; SMOKE sizes" if h["smoke"] else "")


def table(ctx: Context) -> str:
    from tabulate import tabulate

    body = [[r.measure, fmt(r.value), r.unit, r.target or "-", r.status, r.error or r.note] for r in ctx.rows.values()]
    return tabulate(body, headers=["measure", "value", "unit", "target", "status", "note"], tablefmt="github",
                    disable_numparse=True)


def verdict(ctx: Context) -> str:
    if ctx.smoke:
        return "mixed precision: smoke sizes, no verdict"
    lines = []
    for precision in ("bf16", "fp16"):
        rows = [r for k, r in ctx.rows.items() if k.endswith(f"_eer_delta_{precision}")]
        if any(r.status in ("error", "not run") for r in rows):
            lines.append(f"{precision}: not every check ran")
        elif all(r.status == "met" for r in rows):
            lines.append(f"{precision} keeps every checked EER within {MAX_DELTA_POINTS} points")
        else:
            lines.append(f"{precision} moves an EER by more than {MAX_DELTA_POINTS} points or cannot run: keep it off")
    return "mixed precision: " + "; ".join(lines) + " (fakebench's default precision is fp32)"


def write_json(path: Path | None, ctx: Context, head: dict[str, Any], started: float, done: bool) -> None:
    if path is None:
        return
    for r in ctx.rows.values():
        r.status = status_of(r, ctx)
    doc = {"header": head, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "complete": done,
           "seconds": round(time.perf_counter() - started, 2),
           "ok": done and all(r.ran and r.error is None for r in ctx.rows.values()),
           "rows": [asdict(r) for r in ctx.rows.values()]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, allow_nan=False))
    tmp.replace(path)


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="fakebench GPU table (issue 20): RTF, MLP training, detector "
                                            "throughput, metrics, mixed precision.")
    p.add_argument("--device", default=None, help="cuda, cuda:N or cpu (default: cuda when torch sees a GPU)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: every row, in well under a minute on a CPU")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the rows to this JSON file")
    default_shared = os.environ.get("FAKEBENCH_SHARED") or str(REPO.parent / "shared")
    p.add_argument("--shared", type=Path, default=Path(default_shared).expanduser(),
                   help="the shared material (default: $FAKEBENCH_SHARED, else ../shared beside the checkout)")
    p.add_argument("--budget", type=float, default=float(os.environ.get("FAKEBENCH_GPU_BUDGET", "450")),
                   help="seconds for the whole run; sections left when it is spent are reported as not run "
                        "(default: $FAKEBENCH_GPU_BUDGET, else 450)")
    p.add_argument("--only", default="", help="comma-separated sections to run, the others are reported as not run: "
                                              + ", ".join(s.id for s in sections()))
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - {s.id for s in sections()}
    if unknown:
        print(f"gpu_table: unknown section(s) in --only: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    import torch
    from fakebench.device import resolve_device
    from fakebench.errors import FakebenchError

    try:
        device = torch.device(resolve_device(args.device or "auto"))
    except FakebenchError as e:
        print(f"gpu_table: {e}", file=sys.stderr)
        return 2
    gpu = device.type == "cuda"
    if gpu and device.index is not None:
        torch.cuda.set_device(device)
    ctx = Context(device=device, smoke=args.smoke, shared=args.shared, sizes=plan(args.smoke, gpu))
    plan_ = sections()
    for s in plan_:
        for r in s.rows:
            if ctx.smoke:  # the labels say the sizes measured
                r.measure = r.measure.replace("10M", f"{ctx.sizes['scores'] / 1e3:g}k").replace(
                    "31k", f"{ctx.sizes['mlp_rows'] / 1e3:g}k")
            ctx.rows[r.key] = r
    head = header(ctx)
    print(header_line(head), flush=True)

    state = {"in_section": False, "term": False}

    def on_term(signum, frame):  # inside a section: stop it; between sections: stop before the next
        state["term"] = True
        if state["in_section"]:
            raise OuterStop("stopped by SIGTERM (the time limit of gpu.sh)")

    signal.signal(signal.SIGTERM, on_term)
    stopped: str | None = None
    for s in plan_:
        if state["term"] and not stopped:
            stopped = "stopped by SIGTERM"
        if only and s.id not in only:
            reason = "not run: not in --only"
        elif stopped:
            reason = f"not run: {stopped}"
        else:
            reason = None
        left = args.budget - (time.perf_counter() - started)
        if reason is None and left < 5:
            reason = f"not run: the global budget of {args.budget:.0f} s is spent"
        if reason:
            for r in s.rows:
                r.error = reason
            continue
        box = min(s.budget * (2 if ctx.smoke and not gpu else 1), left)
        t = time.perf_counter()
        error = None
        try:
            state["in_section"] = True
            with time_box(box):
                s.run(ctx)
        except OuterStop as e:
            error, stopped = one_line(e), "stopped by SIGTERM"
        except KeyboardInterrupt:
            error, stopped = "interrupted", "interrupted"
        except (Exception, SectionTimeout) as e:  # noqa: BLE001 - one row's failure must not stop the table
            error = one_line(e)
        finally:
            state["in_section"] = False
        took = time.perf_counter() - t
        release(ctx)  # the section's models are gone with its frame
        for r in s.rows:
            if error is not None and not r.ran:
                r.error = error
        print(f"[gpu_table] {s.name}: {took:.1f} s" + (f" - {error}" if error else ""), file=sys.stderr, flush=True)
        write_json(args.json, ctx, head, started, False)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for r in ctx.rows.values():
        r.status = status_of(r, ctx)
    print()
    print(table(ctx))
    print()
    print(verdict(ctx))
    total = time.perf_counter() - started
    print(f"total {total:.1f} s", flush=True)
    write_json(args.json, ctx, head, started, True)
    return 0 if all(r.ran and r.error is None for r in ctx.rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
