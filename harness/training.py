"""A training loop for small binary heads on embeddings.

The whole split lives on the device as one tensor; batches are index slices, so there
are no per-batch host copies. Balanced training draws each epoch's indices with
probability inversely proportional to class frequency (as a weighted random sampler
does). Every ``checkpoint_every`` epochs the model is evaluated on the validation split
and the checkpoint with the best validation accuracy is kept (the first best on ties).
Randomness comes only from ``seed``, so CPU runs are bit-reproducible.

:func:`train_binary` is that loop for (n, D) inputs. :func:`train_batches` is the same
protocol for inputs made batch by batch (audio decoded on the fly, images made on the
device): the caller yields the batches, chooses the loss and the optimiser (and a
per-step scheduler), and model selection can use the validation EER instead of the
accuracy (AASIST's recipe).
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
) -> TrainResult:
    """Train ``model`` (logits out) with BCE-with-logits and Adam; see the module docs."""
    if balance not in ("sampler", "oversample", "subsample", "none"):
        raise ValueError(f"balance must be sampler, oversample, subsample or none, not {balance!r}")
    forward = forward or (lambda m, xb: m(xb).reshape(-1))
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    yf = y.float()
    acc_dtype = torch.float32 if x.device.type == "mps" else torch.float64  # MPS has no float64
    history: list[dict] = []
    best_state, best_epoch, best_acc = None, 0, -1.0
    for epoch in range(1, epochs + 1):
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
            total += loss.detach().to(acc_dtype) * len(idx)
            correct += ((logits.detach() > 0).long() == y[idx]).sum()
            seen += len(idx)
        row = {"epoch": epoch, "loss": float(total) / max(1, seen), "accuracy": int(correct) / max(1, seen)}
        if x_val is not None and len(x_val):
            val_logits = predict_logits(model, x_val, forward, eval_batch)
            row["val_loss"] = float(loss_fn(val_logits, y_val.float()))
            row["val_accuracy"] = float(((val_logits > 0).long() == y_val).double().mean())
        history.append(row)
        if epoch % checkpoint_every == 0 or epoch == epochs:
            _log_epoch(row, epochs)
            acc = row.get("val_accuracy")
            if acc is None:
                best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch  # no val: keep the last
            elif acc > best_acc:
                best_state, best_epoch, best_acc = copy.deepcopy(model.state_dict()), epoch, acc
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
    gen = torch.Generator().manual_seed(int(seed))
    y = y.cpu()
    history: list[dict] = []
    best_state, best_epoch, best_key = None, 0, None
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
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    best_acc = None
    if best_key is not None:
        best_acc = next((h.get("val_accuracy") for h in history if h["epoch"] == best_epoch), None)
    return TrainResult(model.state_dict(), history, best_epoch, best_acc)
