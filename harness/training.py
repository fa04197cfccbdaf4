"""A training loop for small binary heads on embeddings.

The whole split lives on the device as one tensor; batches are index slices, so there
are no per-batch host copies. Balanced training draws each epoch's indices with
probability inversely proportional to class frequency (as a weighted random sampler
does). Every ``checkpoint_every`` epochs the model is evaluated on the validation split
and the checkpoint with the best validation accuracy is kept (the first best on ties).
Randomness comes only from ``seed``, so CPU runs are bit-reproducible.

Checkpoint rules (``checkpoint_rule`` of :func:`train_binary`, :func:`select_epoch`):

``best``          (default) the checkpoint epoch (every ``checkpoint_every``-th, and the
                  last) with the highest validation accuracy, the first on ties;
``block-mean:N``  Ouajdi et al.'s ``ModelTrainer.best_model(interval_length=N)``
                  (github.com/mathieulagrange/audioFoleyDeepFake, ``utils.py``): each
                  epoch's validation accuracy is the mean of its per-batch accuracies
                  (batches of ``batch_size`` in validation order, the authors' validation
                  loader); the epochs are cut into blocks of N; each block scores
                  ``sum(its accuracies) / N``; the first best block wins and the checkpoint
                  saved at its end is kept. A last, shorter block is still divided by N
                  and, if it wins, its last epoch is kept (the authors' code has no
                  checkpoint there and fails to load one).

``warmup_epochs`` trains that many epochs first, outside the numbering and the selection:
the authors' ``warm_up_gpu`` runs three real training epochs (optimizer steps) before
epoch 1.

:func:`train_binary` is that loop for (n, D) inputs. :func:`train_batches` is the same
protocol for inputs made batch by batch (audio decoded on the fly, images made on the
device): the caller yields the batches, chooses the loss and the optimiser (and a
per-step scheduler), and model selection can use the validation EER instead of the
accuracy (AASIST's recipe).

Degenerate fits are refused, not recorded: both loops check their arguments (at least
one epoch, batches of at least one clip, a checkpoint interval of at least one, a
non-empty training split) and raise :class:`~fakebench.errors.ConfigError` when a fit
ended after 0 optimiser steps (``epochs=0`` used to give "loss 0.0000" and an untrained
model). :func:`degenerate_scores` says when the scores of a fitted detector carry no
information (all equal, or not finite), for the runner to warn in the record.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import torch


log = logging.getLogger("fakebench")

@dataclass
class TrainResult:
    state: dict
    history: list[dict]
    best_epoch: int
    best_val_accuracy: float | None


def _check_loop(epochs: int, batch_size: int, checkpoint_every: int, n: int) -> None:
    """Refuse loop arguments that cannot train, naming the parameter."""
    from .errors import ConfigError

    for name, value, low in (("epochs", epochs, 1), ("batch_size", batch_size, 1),
                             ("checkpoint_every", checkpoint_every, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigError(f"training: {name}={value!r} is invalid: it must be an integer >= {low}",
                              hint=f"e.g. --set {name}=10")
    if n < 1:
        raise ConfigError("training: the training split is empty", hint="check the dataset's train split")


def _check_steps(steps: int, epochs: int) -> None:
    from .errors import ConfigError

    if steps == 0:
        raise ConfigError(f"training took 0 optimiser steps in {epochs} epoch(s): the model would be untrained",
                          hint="check epochs, batch_size and the size of the training split")


def degenerate_scores(scores, labels=None) -> str | None:
    """Why ``scores`` (one per clip, higher = more likely fake) carry no information, or
    None when they do: every score equal (a constant model: e.g. ``hidden=[0]``, or a
    fit that never moved), or any score NaN/infinite. For the runner's record warning.
    ``labels`` (1 = fake), when given, only adds the counts to the message."""
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if s.size == 0:
        return None
    bad = int((~np.isfinite(s)).sum())
    if bad:
        return f"{bad} of {s.size} scores are NaN or infinite"
    if s.size > 1 and float(s.max()) == float(s.min()):
        what = f"all {s.size} scores"
        if labels is not None:
            y = np.asarray(labels).reshape(-1)
            what += f" ({int((y == 1).sum())} fake, {int((y == 0).sum())} real clips)"
        return (f"{what} are equal ({float(s[0]):.6g}): the detector does not separate anything "
                "(a degenerate fit: check its parameters and training data)")
    return None


def _log_epoch(row: dict, epochs: int) -> None:
    """One progress line per checkpoint (the CLI prints the ``fakebench`` logger)."""
    parts = [f"epoch {row['epoch']}/{epochs}", f"loss {row['loss']:.4f}"]
    for key in ("val_loss", "val_accuracy", "val_eer"):
        if key in row:
            parts.append(f"{key.replace('_', ' ')} {row[key]:.4f}")
    log.info("  " + ", ".join(parts))


def class_balanced_weights(y: torch.Tensor) -> torch.Tensor:
    counts = torch.bincount(y, minlength=2).clamp(min=1).double()
    return (1.0 / counts)[y]


def epoch_indices(n: int, y: torch.Tensor, balance: str, generator: torch.Generator) -> torch.Tensor:
    """One epoch's sample order: ``sampler`` (balanced, with replacement), ``oversample``
    (minority repeated to the majority count), ``subsample`` (majority cut to the
    minority count) or ``none`` (a plain shuffle)."""
    dev = y.device
    if balance == "none":
        return torch.randperm(n, generator=generator, device="cpu").to(dev)
    if balance == "sampler":
        w = class_balanced_weights(y).cpu()
        return torch.multinomial(w, n, replacement=True, generator=generator).to(dev)
    idx = [torch.nonzero(y.cpu() == c).flatten() for c in (0, 1)]
    sizes = [len(i) for i in idx]
    target = max(sizes) if balance == "oversample" else min(sizes)
    parts = []
    for ci in idx:
        if len(ci) == 0:
            continue
        if len(ci) >= target:
            parts.append(ci[torch.randperm(len(ci), generator=generator)[:target]])
        else:
            reps = torch.randint(len(ci), (target - len(ci),), generator=generator)
            parts.append(torch.cat([ci, ci[reps]]))
    order = torch.cat(parts)
    return order[torch.randperm(len(order), generator=generator)].to(dev)


#: Checkpoint rules of :func:`train_binary` (``block-mean:N`` with N a positive integer).
CHECKPOINT_RULES = ("best", "block-mean:N")


def parse_checkpoint_rule(rule: str) -> tuple[str, int | None]:
    """``"best"`` -> ``("best", None)``; ``"block-mean:10"`` -> ``("block-mean", 10)``.

    Raises :class:`fakebench.errors.ConfigError` for anything else."""
    from .errors import ConfigError

    text = str(rule).strip().lower()
    if text == "best":
        return "best", None
    name, _, n = text.partition(":")
    if name == "block-mean" and n.strip().isdigit() and int(n) > 0:
        return "block-mean", int(n)
    raise ConfigError(f"unknown checkpoint_rule {rule!r}",
                      hint="use best, or block-mean:N (e.g. block-mean:10, Ouajdi et al.'s rule)")


def batch_mean_accuracy(logits: torch.Tensor, y: torch.Tensor, batch_size: int) -> float:
    """Accuracy as Ouajdi et al.'s ``run_model`` reports it: the mean over consecutive
    batches of ``batch_size`` of each batch's float32 accuracy (a short last batch counts
    as much as a full one). Fake above logit 0 (p > 0.5)."""
    right = ((logits.detach() > 0).long() == y).cpu()
    per_batch = []
    for start in range(0, len(right), batch_size):
        part = right[start:start + batch_size]
        per_batch.append(float(np.float32(int(part.sum())) / np.float32(len(part))))
    return float(np.mean(per_batch)) if per_batch else float("nan")


def block_means(curve: list[float], n: int) -> list[float]:
    """``sum(curve[i:i+n]) / n`` for each block of ``n`` epochs (a shorter last block is
    still divided by ``n``), summed left to right as the authors' ``best_model`` does."""
    return [sum(curve[i:i + n]) / n for i in range(0, len(curve), n)]


def select_epoch(rule: str, curve: list[float | None], checkpoint_every: int = 10) -> int:
    """The 1-based epoch ``rule`` keeps, given the per-epoch validation curve ``curve``
    (``curve[k]`` is epoch k+1; for ``block-mean`` the per-batch-mean accuracies). This is
    the rule :func:`train_binary` applies while training, as a pure function."""
    kind, n = parse_checkpoint_rule(rule)
    epochs = len(curve)
    if epochs == 0:
        raise ValueError("select_epoch needs at least one epoch")
    if kind == "block-mean":
        means = block_means([float(v) for v in curve], n)
        best = max(range(len(means)), key=lambda b: (means[b], -b))  # first best block
        return min(epochs, (best + 1) * n)
    candidates = [e for e in range(1, epochs + 1) if e % checkpoint_every == 0 or e == epochs]
    best_epoch, best_acc = candidates[-1], None  # no validation at all: the last
    for e in candidates:
        acc = curve[e - 1]
        if acc is not None and (best_acc is None or acc > best_acc):
            best_epoch, best_acc = e, acc
    return best_epoch


def train_binary(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    x_val: torch.Tensor | None,
    y_val: torch.Tensor | None,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    balance: str = "sampler",
    checkpoint_every: int = 10,
    weight_decay: float = 0.0,
    forward: Callable[[torch.nn.Module, torch.Tensor], torch.Tensor] | None = None,
    eval_batch: int = 8192,
    checkpoint_rule: str = "best",
    warmup_epochs: int = 0,
) -> TrainResult:
    """Train ``model`` (logits out) with BCE-with-logits and Adam; see the module docs
    (``checkpoint_rule``: ``best`` or ``block-mean:N``; ``warmup_epochs``)."""
    if balance not in ("sampler", "oversample", "subsample", "none"):
        raise ValueError(f"balance must be sampler, oversample, subsample or none, not {balance!r}")
    _check_loop(epochs, batch_size, checkpoint_every, len(y))
    rule, block = parse_checkpoint_rule(checkpoint_rule)
    warmup_epochs = int(warmup_epochs)
    if warmup_epochs < 0:
        raise ValueError(f"warmup_epochs must be >= 0, not {warmup_epochs}")
    forward = forward or (lambda m, xb: m(xb).reshape(-1))
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    yf = y.float()
    acc_dtype = torch.float32 if x.device.type == "mps" else torch.float64  # MPS has no float64
    history: list[dict] = []
    best_state, best_epoch, best_acc = None, 0, -1.0
    block_curve: list[float] = []  # block-mean: the per-batch-mean accuracy of each epoch
    best_block = None
    steps = 0
    for epoch in range(1 - warmup_epochs, epochs + 1):  # epochs < 1 are the warm-up
        model.train()
        order = epoch_indices(len(y), y, balance, gen)
        # running sums stay on the device: one host sync per epoch, not two per step
        total = torch.zeros((), dtype=acc_dtype, device=x.device)
        correct = torch.zeros((), dtype=torch.int64, device=x.device)
        seen = 0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            logits = forward(model, x[idx])
            loss = loss_fn(logits, yf[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if epoch >= 1:
                steps += 1
            total += loss.detach().to(acc_dtype) * len(idx)
            correct += ((logits.detach() > 0).long() == y[idx]).sum()
            seen += len(idx)
        row = {"epoch": epoch, "loss": float(total) / max(1, seen), "accuracy": int(correct) / max(1, seen)}
        if epoch < 1:  # warm-up: trained, not numbered, never selected
            history.append({**row, "epoch": 0, "stage": "warmup", "warmup_step": warmup_epochs + epoch})
            continue
        if x_val is not None and len(x_val):
            val_logits = predict_logits(model, x_val, forward, eval_batch)
            row["val_loss"] = float(loss_fn(val_logits, y_val.float()))
            row["val_accuracy"] = float(((val_logits > 0).long() == y_val).double().mean())
            if rule == "block-mean":
                row["val_accuracy_batch_mean"] = batch_mean_accuracy(val_logits, y_val, batch_size)
        history.append(row)
        if rule == "block-mean":
            if "val_accuracy_batch_mean" in row:
                block_curve.append(row["val_accuracy_batch_mean"])
            if epoch % block == 0 or epoch == epochs:
                _log_epoch(row, epochs)
                if not block_curve:  # no validation: keep the last
                    best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch
                    continue
                start = ((epoch - 1) // block) * block
                mean = sum(block_curve[start:epoch]) / block  # the authors' sum / N, in order
                if best_block is None or mean > best_block:  # first best block on ties
                    best_state, best_epoch, best_block = copy.deepcopy(model.state_dict()), epoch, mean
                    best_acc = row.get("val_accuracy", -1.0)
            continue
        if epoch % checkpoint_every == 0 or epoch == epochs:
            _log_epoch(row, epochs)
            acc = row.get("val_accuracy")
            if acc is None:
                best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch  # no val: keep the last
            elif acc > best_acc:
                best_state, best_epoch, best_acc = copy.deepcopy(model.state_dict()), epoch, acc
    _check_steps(steps, epochs)
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model.state_dict(), history, best_epoch, best_acc if best_acc >= 0 else None)


@torch.inference_mode()
def predict_logits(model: torch.nn.Module, x: torch.Tensor, forward=None, batch: int = 8192) -> torch.Tensor:
    forward = forward or (lambda m, xb: m(xb).reshape(-1))
    was_training = model.training
    model.eval()
    out = torch.cat([forward(model, x[i:i + batch]) for i in range(0, len(x), batch)]) if len(x) else torch.zeros(0, device=x.device)
    model.train(was_training)
    return out


def as_device_tensors(x: np.ndarray, y: np.ndarray | None, device: str | torch.device):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)
    yt = None if y is None else torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    return xt, yt


def train_batches(
    model: torch.nn.Module,
    y: torch.Tensor,
    batches: Callable[[torch.Tensor, bool], "Iterable[tuple[torch.Tensor, torch.Tensor]]"],
    *,
    epochs: int,
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    score_fn: Callable[[torch.Tensor], torch.Tensor],
    seed: int,
    balance: str = "none",
    checkpoint_every: int = 1,
    val: "tuple[torch.Tensor, Callable[[], Iterable[tuple[torch.Tensor, torch.Tensor]]]] | None" = None,
    select: str = "accuracy",
    scheduler=None,
    drop_last: bool = False,
) -> TrainResult:
    """The :func:`train_binary` protocol for inputs that do not fit on the device at once
    (audio decoded batch by batch, images made on the fly).

    ``y`` (n,) holds the training labels (1 = fake) on the CPU. ``batches(order, train)``
    yields ``(x, idx)``: a model input on the device and the positions (into ``y``) it
    holds, covering ``order`` (a 1-D index tensor) in ``batch_size`` slices; ``train``
    says whether augmentation applies. ``score_fn(out)`` turns model outputs into (n,)
    scores, higher = more likely fake, called fake above 0 for the accuracies.

    ``val`` is ``(y_val, batches_val)`` with ``batches_val()`` yielding the validation
    split in order. Every ``checkpoint_every`` epochs (and at the last) the checkpoint is
    kept when it is the best so far: highest validation accuracy, first on ties
    (``select="accuracy"``), or lowest validation EER, last on ties (``select="eer"``,
    AASIST's recipe). ``scheduler.step()``, when given, runs after every optimiser step.
    """
    from .metrics import eer as _eer

    if balance not in ("sampler", "oversample", "subsample", "none"):
        raise ValueError(f"balance must be sampler, oversample, subsample or none, not {balance!r}")
    if select not in ("accuracy", "eer"):
        raise ValueError(f"select must be accuracy or eer, not {select!r}")
    _check_loop(epochs, batch_size, checkpoint_every, len(y))
    gen = torch.Generator().manual_seed(int(seed))
    y = y.cpu()
    history: list[dict] = []
    best_state, best_epoch, best_key = None, 0, None
    steps = 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = epoch_indices(len(y), y, balance, gen)
        if drop_last and len(order) >= batch_size:
            order = order[: len(order) - len(order) % batch_size]
        total, correct, seen = 0.0, 0, 0
        for xb, idx in batches(order, True):
            yb = y[idx].to(xb.device)
            out = model(xb)
            loss = loss_fn(out, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            steps += 1
            if scheduler is not None:
                scheduler.step()
            total += float(loss.detach()) * len(idx)
            correct += int(((score_fn(out.detach()) > 0).long() == yb).sum())
            seen += len(idx)
        row = {"epoch": epoch, "loss": total / max(1, seen), "accuracy": correct / max(1, seen),
               "lr": float(optimizer.param_groups[0]["lr"])}
        if val is not None and len(val[0]):
            y_val, val_batches = val
            model.eval()
            outs, ids = [], []
            with torch.inference_mode():
                for xb, idx in val_batches():
                    outs.append(model(xb))
                    ids.append(idx)
            out = torch.cat(outs)
            yv = y_val[torch.cat(ids).cpu()].to(out.device)
            s = score_fn(out)
            row["val_loss"] = float(loss_fn(out, yv))
            row["val_accuracy"] = float(((s > 0).long() == yv).double().mean())
            if 0 < int(yv.sum()) < len(yv):
                row["val_eer"] = float(_eer(s.double().cpu(), yv.cpu(), warn=False))
        history.append(row)
        if epoch % checkpoint_every == 0 or epoch == epochs:
            _log_epoch(row, epochs)
            if select == "eer":
                key = row.get("val_eer")
                better = key is not None and (best_key is None or key <= best_key)
            else:
                key = row.get("val_accuracy")
                better = key is not None and (best_key is None or key > best_key)
            if key is None and best_key is None:
                best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch  # no val: keep the last
            elif better:
                best_state, best_epoch, best_key = copy.deepcopy(model.state_dict()), epoch, key
    _check_steps(steps, epochs)
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    best_acc = None
    if best_key is not None:
        best_acc = next((h.get("val_accuracy") for h in history if h["epoch"] == best_epoch), None)
    return TrainResult(model.state_dict(), history, best_epoch, best_acc)
