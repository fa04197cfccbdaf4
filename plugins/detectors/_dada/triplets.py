"""Triplet sampling and the triplet training loop shared by DADA's two branches.

Each epoch every eligible item is an anchor once, in a seeded random order. Its positive
is drawn uniformly from the other members of its group and its negative uniformly from
all items of the other groups. An item is eligible when its group has at least two
members; items whose group is unknown (``None``) are never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable, Sequence

import numpy as np
import torch

from fakebench.api import DatasetError


def group_codes(groups: Sequence[Hashable | None]) -> tuple[np.ndarray, list]:
    """Integer codes for ``groups`` (-1 where None) and the sorted distinct names."""
    names = sorted({g for g in groups if g is not None}, key=str)
    index = {g: i for i, g in enumerate(names)}
    return np.array([index[g] if g is not None else -1 for g in groups], dtype=np.int64), names


def check_groups(codes: np.ndarray, what: str, hint: str) -> None:
    """Raise unless triplets can be formed: two groups, one of them with two members."""
    counts = np.bincount(codes[codes >= 0]) if (codes >= 0).any() else np.zeros(0, dtype=np.int64)
    if (counts > 0).sum() < 2 or not (counts >= 2).any():
        raise DatasetError(
            f"{what}: triplet training needs at least two groups and one group with two items "
            f"(found {int((counts > 0).sum())} group(s), largest {int(counts.max()) if counts.size else 0})",
            hint=hint)


def sample_triplets(codes: np.ndarray, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One epoch of (anchor, positive, negative) index tensors; see the module docstring.

    Vectorised: items are ordered by group, so "another member of my group" and "an item
    of another group" are uniform draws from contiguous ranges with one gap.
    """
    codes_t = torch.as_tensor(np.asarray(codes), dtype=torch.int64)
    valid_idx = torch.nonzero(codes_t >= 0).flatten()
    if len(valid_idx) == 0:
        empty = torch.zeros(0, dtype=torch.int64)
        return empty, empty, empty
    order = valid_idx[torch.argsort(codes_t[valid_idx], stable=True)]  # valid items sorted by group
    sorted_codes = codes_t[order]
    counts = torch.bincount(sorted_codes)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(len(order)) - starts[sorted_codes]  # position of each item within its group
    c = counts[sorted_codes]
    eligible = torch.nonzero(c >= 2).flatten()  # positions in `order`
    eligible = eligible[torch.randperm(len(eligible), generator=generator)]
    g, r, cg = sorted_codes[eligible], rank[eligible], c[eligible]
    # positive: uniform over the group's other members
    u = (torch.rand(len(eligible), generator=generator) * (cg - 1).double()).long().clamp(max=(cg - 2).clamp(min=0))
    pos = starts[g] + u + (u >= r).long()
    # negative: uniform over all valid items outside the group
    n_out = len(order) - cg
    v = (torch.rand(len(eligible), generator=generator) * n_out.double()).long().clamp(max=(n_out - 1).clamp(min=0))
    neg = torch.where(v < starts[g], v, v + cg)
    keep = n_out > 0
    return order[eligible[keep]], order[pos[keep]], order[neg[keep]]


@dataclass
class Stage:
    """One training stage: ``loss(a, p, n)`` on embeddings; ``margin`` is logged for fixed
    margins, and an AdaTriplet ``loss`` is observed and updated every epoch."""

    name: str
    epochs: int
    loss: Callable[..., torch.Tensor]
    margin: float | None = None


def train_triplets(embed: Callable[[torch.Tensor], torch.Tensor], parameters, codes: np.ndarray,
                   stages: Sequence[Stage], *, batch_size: int, generator: torch.Generator,
                   optimizer: torch.optim.Optimizer | None = None, lr: float = 1e-3, weight_decay: float = 0.0,
                   on_epoch: Callable[[dict], Any] | None = None) -> list[dict]:
    """Train with ``stages`` in order (one Adam optimiser throughout, or ``optimizer``);
    return the history, one row per epoch.

    ``embed(idx)`` returns the (len(idx), D) embeddings of items ``idx`` with gradients.
    Each batch embeds its distinct items once.
    """
    opt = optimizer or torch.optim.Adam([p for p in parameters if p.requires_grad], lr=lr, weight_decay=weight_decay)
    history: list[dict] = []
    for stage in stages:
        for epoch in range(1, int(stage.epochs) + 1):
            a, p, n = sample_triplets(codes, generator)
            total, seen = 0.0, 0
            for start in range(0, len(a), batch_size):
                ia, ip, ineg = a[start:start + batch_size], p[start:start + batch_size], n[start:start + batch_size]
                k = len(ia)
                uniq, inv = torch.unique(torch.cat([ia, ip, ineg]), return_inverse=True)
                emb = embed(uniq)
                ea, ep, en = emb[inv[:k]], emb[inv[k:2 * k]], emb[inv[2 * k:]]
                loss = stage.loss(ea, ep, en)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if hasattr(stage.loss, "observe"):
                    stage.loss.observe(ea.detach(), ep.detach(), en.detach())
                total += float(loss.detach()) * k
                seen += k
            row = {"stage": stage.name, "epoch": epoch, "loss": total / max(1, seen), "triplets": seen}
            if hasattr(stage.loss, "update"):
                row["margin_used"] = stage.loss.eps
                eps, beta = stage.loss.update()
                row.update(margin=eps, beta=beta)
            else:
                row["margin"] = stage.margin
            history.append(row)
            if on_epoch is not None:
                on_epoch(row)
    return history
