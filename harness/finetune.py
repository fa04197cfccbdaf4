"""Fine-tuning audio-input detectors: a reusable, resumable training loop on waveforms.

:func:`finetune` trains any ``torch.nn.Module`` that maps a batch of waveforms
(batch, samples) to outputs, on the clips of an :class:`~fakebench.inputs.AudioSource`.
It is what the self-supervised detectors (``ssl``, ``ssl-aasist``, ``ssl-sls``) use to
fine-tune their front-end and back-end, and any audio detector can use it.

**Batches.** Each training clip is decoded whole at the source's rate, passed through the
train-time augmentation (``make_augment(spec, sample_rate)``, e.g. ``rawboost:3``; ``none``
by default) and cut to ``crop_samples``: a random window (``random_crop``, start drawn
uniformly over the slack) or the first ``crop_samples`` samples; shorter clips are tiled,
as the SSL-AASIST and SLS recipes do. ``crop_samples=0`` keeps whole clips (batch size 1).

**Optimisation.** The caller gives the optimiser's parameter groups, so the front-end and
the back-end have separate learning rates (a frozen part is simply left out). Adam or
AdamW; an optional linear warm-up, then a constant, cosine or linear schedule per optimiser
step; optional gradient clipping; gradient accumulation over ``accumulate`` batches, each
batch's loss weighted by its share of the examples of the step, so that for a mean loss
``accumulate=k`` with ``batch_size=b`` gives the gradient of one batch of ``k*b``
(BatchNorm statistics aside). Mixed precision on a GPU: ``fp16`` with autocast and a
``GradScaler``, ``bf16`` with autocast and no scaler; on the CPU it is off (fp32).

**Selection.** After every epoch the caller's ``val`` scorer gives validation scores and
the EER (:func:`fakebench.metrics.eer`) is recorded. The weights kept are the epoch with the
lowest validation EER (the later one on ties; the last epoch without validation data),
or, with ``average``, the element-wise mean of the weights of the last N epochs
(``last:N``, stochastic weight averaging over the end of training) or of the N best epochs
by validation EER (``best:N``). Integer buffers (BatchNorm's counters) are taken from the
newest of the averaged epochs; BatchNorm running statistics are averaged like weights.
With ``patience`` > 0 training stops after that many epochs without a better EER.

**Resume.** With ``checkpoint_dir`` the state after every epoch is written there
atomically (``last.pt``: model, optimiser, scheduler, scaler, the torch/CUDA/NumPy/Python
RNG states, epoch, history, best-so-far and averaging pool; ``best.pt`` and ``pool/``
hold the weights they refer to). A later call with the same directory and the same
settings continues after the last finished epoch; on the CPU the result is bit-for-bit
that of an uninterrupted run with the same seed. The data order, crops and augmentation
of epoch ``e`` are drawn from a generator seeded with ``(seed, e)``, so they do not depend
on how the run was split. A directory holding a run with other settings is refused.

Randomness: ``seed`` seeds the global torch RNG at the start (dropout), and every epoch's
data plan. Loading runs in ``num_workers`` processes; each item's randomness is drawn in the
main process, so the workers do not change the result.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .errors import ConfigError, FakebenchError

log = logging.getLogger("fakebench")

FORMAT = "fakebench.finetune"
VERSION = 1
OPTIMIZERS = ("adam", "adamw")
SCHEDULES = ("constant", "cosine", "linear")
PRECISIONS = ("fp32", "fp16", "bf16")


@dataclass
class FinetuneConfig:
    """Settings of :func:`finetune` (see the module docstring)."""

    epochs: int = 10
    batch_size: int = 8
    accumulate: int = 1
    optimizer: str = "adam"
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_steps: int = 0
    lr_min_ratio: float = 0.0
    max_grad_norm: float = 0.0
    precision: str = "fp32"
    crop_samples: int = 64600
    random_crop: bool = True
    augment: str = "none"
    balance: str = "none"
    drop_last: bool = False
    select: str = "eer"
    average: str = "none"
    patience: int = 0
    seed: int = 0
    checkpoint_dir: str | None = None
    num_workers: int = 0

    def check(self) -> None:
        def bad(what, hint):
            return ConfigError(f"finetune: {what}", hint=hint)

        if int(self.epochs) < 1 or int(self.batch_size) < 1 or int(self.accumulate) < 1:
            raise bad("epochs, batch_size and accumulate must be at least 1", "e.g. --set epochs=10")
        if self.optimizer not in OPTIMIZERS:
            raise bad(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}", "--set optimizer=adam")
        if self.schedule not in SCHEDULES:
            raise bad(f"schedule must be one of {SCHEDULES}, not {self.schedule!r}", "--set schedule=cosine")
        if self.precision not in PRECISIONS:
            raise bad(f"precision must be one of {PRECISIONS}, not {self.precision!r}", "--set precision=bf16")
        if self.select not in ("eer", "last"):
            raise bad(f"select must be eer or last, not {self.select!r}", "--set select=eer")
        if self.balance not in ("none", "sampler", "oversample", "subsample"):
            raise bad(f"balance must be none, sampler, oversample or subsample, not {self.balance!r}",
                      "--set balance=none")
        parse_average(self.average)

    @property
    def fingerprint(self) -> str:
        d = {k: v for k, v in asdict(self).items() if k not in ("checkpoint_dir", "num_workers")}
        return json.dumps(d, sort_keys=True, default=str)


@dataclass
class FinetuneResult:
    history: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    best_eer: float | None = None
    stopped_early: bool = False
    #: epochs whose weights were averaged into the final ones (empty: one epoch's weights)
    averaged: list[int] = field(default_factory=list)
    #: the last finished epoch found in ``checkpoint_dir`` at the start (None: a fresh run)
    resumed_from: int | None = None


def parse_average(spec: str) -> tuple[str, int]:
    """``none``, ``last:N`` or ``best:N`` -> (kind, N)."""
    text = str(spec or "none").strip().lower()
    if text in ("none", "", "0"):
        return "none", 0
    kind, _, n = text.partition(":")
    try:
        count = int(n)
    except ValueError:
        count = 0
    if kind not in ("last", "best") or count < 1:
        raise ConfigError(f"finetune: average must be none, last:N or best:N, not {spec!r}",
                          hint="e.g. --set average=last:5 (mean of the last five epochs' weights)")
    return kind, count


# -- training data -----------------------------------------------------------------------


def _epoch_generator(seed: int, epoch: int) -> torch.Generator:
    h = hashlib.sha256(f"fakebench.finetune/{int(seed)}/{int(epoch)}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(h[:8], "little") & ((1 << 63) - 1))


class _TrainClips(torch.utils.data.Dataset):
    """Item ``j`` of an epoch: clip ``plan[j]``, augmented with seed ``seeds[j]``, cut at
    fraction ``fracs[j]`` of the slack (or at the start), tiled when short."""

    def __init__(self, source, crop_samples: int, random_crop: bool, augment: Callable | None):
        self.source, self.n, self.random_crop, self.augment = source, int(crop_samples), bool(random_crop), augment
        self.plan: list[int] = []
        self.fracs = torch.zeros(0)
        self.seeds = torch.zeros(0, dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, j: int):
        from .audio import load_audio

        i = self.plan[j]
        clip = self.source.clips[i]
        wave = load_audio(clip.path, self.source.sample_rate, None, resampler=self.source.resampler)
        if self.augment is not None:
            rng = np.random.default_rng(int(self.seeds[j]))
            out = self.augment(wave.numpy().astype(np.float32, copy=False), rng)
            wave = torch.from_numpy(np.ascontiguousarray(out, dtype=np.float32))
        if self.n > 0:
            if wave.shape[-1] >= self.n:
                start = int(float(self.fracs[j]) * (wave.shape[-1] - self.n + 1)) if self.random_crop else 0
                start = min(start, wave.shape[-1] - self.n)
                wave = wave[start:start + self.n]
            else:
                wave = wave.repeat(math.ceil(self.n / max(1, wave.shape[-1])))[: self.n]
        return wave, j


def _augmenter(spec: str, sample_rate: int):
    if spec is None or str(spec).strip().lower() in ("", "none"):
        return None
    try:
        from .augment import make_augment
    except ImportError:
        raise ConfigError(f"augment={spec!r} needs fakebench.augment, which is not installed",
                          hint="use augment=none") from None
    return make_augment(str(spec), int(sample_rate))


# -- checkpoints ---------------------------------------------------------------------------


def _cpu_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def _save(path: Path, obj: Any) -> None:
    import io

    from .storage import atomic_write_bytes

    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue())


def _load(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise FakebenchError(f"cannot read the fine-tuning checkpoint {str(path)!r}: "
                             f"{str(e).splitlines()[0] if str(e) else type(e).__name__}",
                             hint="delete the checkpoint folder to start again") from None


def _rng_state() -> dict:
    np_state = np.random.get_state()
    py_state = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": list(torch.cuda.get_rng_state_all()) if torch.cuda.is_available() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]), int(np_state[3]),
                  float(np_state[4])],
        "python": [py_state[0], list(py_state[1]), py_state[2]],
    }


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    n = state["numpy"]
    np.random.set_state((n[0], n[1].numpy().astype(np.uint32), n[2], n[3], n[4]))
    p = state["python"]
    random.setstate((p[0], tuple(p[1]), p[2]))


def average_states(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Element-wise mean of floating tensors (in float64, cast back); other tensors from
    the last state."""
    out = {}
    last = states[-1]
    for k, v in last.items():
        if torch.is_floating_point(v):
            acc = torch.zeros_like(v, dtype=torch.float64)
            for s in states:
                acc += s[k].to(torch.float64)
            out[k] = (acc / len(states)).to(v.dtype)
        else:
            out[k] = v.clone()
    return out


class _Store:
    """Where epoch weights live: in memory, or in ``checkpoint_dir`` (then resumable)."""

    def __init__(self, folder: str | None):
        self.dir = Path(folder).expanduser() if folder else None
        self.mem: dict[str, dict] = {}

    def put(self, key: str, state: dict) -> None:
        if self.dir is None:
            self.mem[key] = state
        else:
            _save(self.dir / f"{key}.pt", state)

    def get(self, key: str) -> dict:
        if self.dir is None:
            return self.mem[key]
        return _load(self.dir / f"{key}.pt")

    def prune(self, keep: set[str]) -> None:
        if self.dir is None:
            for k in [k for k in self.mem if k.startswith("pool/") and k not in keep]:
                del self.mem[k]
        elif (self.dir / "pool").is_dir():
            for p in (self.dir / "pool").glob("*.pt"):
                if f"pool/{p.stem}" not in keep:
                    p.unlink(missing_ok=True)


# -- the loop ----------------------------------------------------------------------------


def _lr_factor(cfg: FinetuneConfig, total: int) -> Callable[[int], float]:
    warm, floor = int(cfg.warmup_steps), float(cfg.lr_min_ratio)

    def factor(step: int) -> float:
        if warm and step < warm:
            return (step + 1) / warm
        if cfg.schedule == "constant":
            return 1.0
        frac = min(1.0, (step - warm) / max(1, total - warm))
        if cfg.schedule == "cosine":
            return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * frac))
        return floor + (1 - floor) * (1 - frac)

    return factor


def finetune(
    model: torch.nn.Module,
    train,
    y: np.ndarray,
    *,
    param_groups: list[dict],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    config: FinetuneConfig,
    val: tuple[np.ndarray, Callable[[torch.nn.Module], np.ndarray]] | None = None,
    score_fn: Callable[[torch.Tensor], torch.Tensor] | None = None,
    train_mode: Callable[[torch.nn.Module], None] | None = None,
    fingerprint: str = "",
) -> FinetuneResult:
    """Train ``model`` on the clips of ``train`` (an AudioSource) with labels ``y``
    (1 = fake) and leave the selected (or averaged) weights in it.

    ``param_groups``: the optimiser's groups (``{"params": [...], "lr": 1e-6, "name": ...}``);
    ``loss_fn(outputs, y_batch)``: a mean loss; ``val``: ``(y_val, scorer)`` with
    ``scorer(model)`` returning the validation scores (higher = more likely fake);
    ``score_fn(outputs)``: scores for the training accuracy; ``train_mode(model)``: called
    after ``model.train()`` each epoch (e.g. to keep a frozen front-end in eval mode);
    ``fingerprint``: what else must match for a resume (the caller's parameters).
    """
    from .metrics import eer as _eer
    from .training import epoch_indices

    config.check()
    device = next(model.parameters()).device
    amp = config.precision != "fp32" and device.type == "cuda"
    if config.precision != "fp32" and not amp:
        log.info("finetune: %s mixed precision needs a GPU; training in fp32 on %s", config.precision, device.type)
    amp_dtype = torch.bfloat16 if config.precision == "bf16" else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=amp and config.precision == "fp16")
    groups = [g for g in param_groups if g["params"]]
    if not groups:
        raise ConfigError("finetune: nothing to train (every parameter group is empty or frozen)")
    opt_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    optimizer = opt_cls(groups, betas=tuple(float(b) for b in config.betas), eps=float(config.eps),
                        weight_decay=float(config.weight_decay))
    y_t = torch.as_tensor(np.asarray(y), dtype=torch.int64)
    n, bs, acc = len(y_t), int(config.batch_size), int(config.accumulate)
    crop = int(config.crop_samples)
    if crop <= 0:
        bs = 1
    per_epoch = n - (n % bs) if (config.drop_last and n >= bs) else n
    batches_per_epoch = -(-per_epoch // bs)
    steps_per_epoch = -(-batches_per_epoch // acc)
    total_steps = max(1, steps_per_epoch * int(config.epochs))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_factor(config, total_steps))
    avg_kind, avg_n = parse_average(config.average)
    store = _Store(config.checkpoint_dir)
    fp = hashlib.sha256((config.fingerprint + "|" + fingerprint + f"|{n}").encode()).hexdigest()[:16]

    history: list[dict] = []
    best_epoch, best_eer, bad_epochs, stopped = None, None, 0, False
    pool: list[dict] = []  # {"epoch": e, "eer": float|None, "key": "pool/epoch-0001"}
    start_epoch = 1
    result = FinetuneResult()
    torch.manual_seed(int(config.seed))
    if store.dir is not None and (store.dir / "last.pt").is_file():
        ck = _load(store.dir / "last.pt")
        if not isinstance(ck, dict) or ck.get("format") != FORMAT:
            raise FakebenchError(f"{str(store.dir / 'last.pt')!r} is not a fakebench fine-tuning checkpoint",
                                 hint="point checkpoint_dir at an empty folder")
        if ck.get("fingerprint") != fp:
            raise ConfigError(f"the fine-tuning checkpoint in {str(store.dir)!r} belongs to a run with other "
                              "settings or data",
                              hint="use another checkpoint_dir, or delete that folder to start again")
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        if ck.get("scaler"):
            scaler.load_state_dict(ck["scaler"])
        history, best_epoch, best_eer = list(ck["history"]), ck["best_epoch"], ck["best_eer"]
        bad_epochs, stopped, pool = int(ck["bad_epochs"]), bool(ck["stopped"]), list(ck["pool"])
        _set_rng_state(ck["rng"])
        start_epoch = int(ck["epoch"]) + 1
        result.resumed_from = int(ck["epoch"])
        log.info("finetune: resuming after epoch %d from %s", ck["epoch"], store.dir)

    data = _TrainClips(train, crop, config.random_crop, _augmenter(config.augment, train.sample_rate))
    yv = None if val is None else np.asarray(val[0])
    has_val = yv is not None and len(yv) > 0 and 0 < int((yv == 1).sum()) < len(yv)

    for epoch in range(start_epoch, int(config.epochs) + 1):
        if stopped:
            break
        t0 = time.perf_counter()
        gen = _epoch_generator(config.seed, epoch)
        order = epoch_indices(n, y_t, config.balance, gen)
        order = order[:per_epoch] if config.balance == "none" else order
        data.plan = [int(i) for i in order]
        data.fracs = torch.rand(len(order), generator=gen, dtype=torch.float64)
        data.seeds = torch.randint(0, 2**31 - 1, (len(order),), generator=gen)
        chunks = [list(range(i, min(i + bs, len(order)))) for i in range(0, len(order), bs)]
        if config.drop_last:
            chunks = [c for c in chunks if len(c) == bs] or chunks
        loader = torch.utils.data.DataLoader(data, batch_sampler=chunks, num_workers=int(config.num_workers))
        model.train()
        if train_mode is not None:
            train_mode(model)
        total, correct, seen = 0.0, 0, 0
        optimizer.zero_grad(set_to_none=True)
        group_sizes = [sum(len(c) for c in chunks[i:i + acc]) for i in range(0, len(chunks), acc)]
        for b, (wave, pos) in enumerate(loader):
            wave = wave.to(device, non_blocking=True)
            yb = y_t[[data.plan[int(j)] for j in pos]].to(device)
            with torch.autocast(device_type=device.type, dtype=amp_dtype, enabled=amp):
                out = model(wave)
            loss = loss_fn(out.float(), yb)
            weight = len(yb) / group_sizes[b // acc]
            scaler.scale(loss * weight).backward()
            if (b + 1) % acc == 0 or b + 1 == len(chunks):
                if config.max_grad_norm and config.max_grad_norm > 0:
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]],
                                                   float(config.max_grad_norm))
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                scheduler.step()
            total += float(loss.detach()) * len(yb)
            seen += len(yb)
            if score_fn is not None:
                correct += int(((score_fn(out.detach().float()) > 0).long() == yb).sum())
        row: dict[str, Any] = {"epoch": epoch, "loss": total / max(1, seen)}
        if score_fn is not None:
            row["accuracy"] = correct / max(1, seen)
        for g in optimizer.param_groups:
            row[f"lr_{g.get('name', 'group')}"] = float(g["lr"])
        eer_value = None
        if has_val:
            model.eval()
            scores = np.asarray(val[1](model), dtype=np.float64)
            eer_value = float(_eer(scores, yv, warn=False))
            row["val_eer"] = eer_value
        row["seconds"] = round(time.perf_counter() - t0, 3)
        history.append(row)
        log.info("  epoch %d/%d, loss %.4f%s", epoch, config.epochs, row["loss"],
                 f", val eer {eer_value:.4f}" if eer_value is not None else "")

        improved = eer_value is not None and (best_eer is None or eer_value <= best_eer)
        if improved or (not has_val and config.select == "eer") or config.select == "last":
            best_epoch, best_eer = epoch, (eer_value if improved else best_eer)
            store.put("best", {"epoch": epoch, "model": _cpu_state(model)})
        bad_epochs = 0 if improved else bad_epochs + 1
        if avg_kind != "none":
            key = f"pool/epoch-{epoch:04d}"
            candidates = pool + [{"epoch": epoch, "eer": eer_value, "key": key}]
            if avg_kind == "last":
                keep = candidates[-avg_n:]
            else:
                ranked = sorted(candidates, key=lambda p: (p["eer"] if p["eer"] is not None else math.inf,
                                                           -p["epoch"]))
                keep = sorted(ranked[:avg_n], key=lambda p: p["epoch"])
            if any(p["key"] == key for p in keep):
                store.put(key, _cpu_state(model))
            pool = keep
            store.prune({p["key"] for p in pool})
        if config.patience and has_val and bad_epochs >= int(config.patience) and epoch < int(config.epochs):
            stopped = True
            log.info("finetune: early stop after epoch %d (no better validation EER for %d epochs)", epoch,
                     bad_epochs)
        if store.dir is not None:
            _save(store.dir / "last.pt", {
                "format": FORMAT, "version": VERSION, "fingerprint": fp, "epoch": epoch,
                "model": _cpu_state(model), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict() if scaler.is_enabled() else {}, "rng": _rng_state(),
                "history": history, "best_epoch": best_epoch, "best_eer": best_eer, "bad_epochs": bad_epochs,
                "stopped": stopped, "pool": pool,
            })

    if avg_kind != "none" and pool:
        model.load_state_dict(average_states([store.get(p["key"]) for p in pool]))
        result.averaged = [int(p["epoch"]) for p in pool]
    elif best_epoch is not None:
        model.load_state_dict(store.get("best")["model"])
    model.eval()
    result.history, result.best_epoch, result.best_eer, result.stopped_early = history, best_epoch, best_eer, stopped
    return result
