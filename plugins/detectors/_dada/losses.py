"""Triplet losses of DADA: fixed-margin triplet loss and AdaTriplet.

Distances (per row of ``x`` and ``y``, both (n, D)):

``l2``      ``||x - y||_2``;
``cosine``  ``1 - cos(x, y)``.

Triplet loss with margin ``m`` (Schroff et al., FaceNet, CVPR 2015)::

    L = mean_i max(0, d(a_i, p_i) - d(a_i, n_i) + m)

AdaTriplet (K. Nguyen, H. H. Nguyen, A. Tiulpin, "AdaTriplet: Adaptive Gradient Triplet
Loss with Automatic Margin Learning for Forensic Medical Image Matching", MICCAI 2022,
arXiv:2205.02849; reference code github.com/Oulu-IMEDS/AdaTriplet) works on cosine
similarities ``phi_ap = cos(a, p)`` and ``phi_an = cos(a, n)``::

    L = mean_i max(0, phi_an - phi_ap + eps) + lambda * mean_i max(0, phi_an - beta)

The second term is the angular constraint on anchor-negative pairs: it keeps pushing a
negative away while its cosine to the anchor is above ``beta``, even when the triplet
itself is already satisfied. AutoMargin adapts both margins from the statistics of the
previous epoch: with ``Delta = phi_ap - phi_an``::

    eps  = max(0, mean(Delta) / K_Delta)
    beta = 1 - (1 - mean(phi_an)) / K_an

(``K_Delta = K_an = 2`` in the paper). Here the statistics are gathered over every
triplet seen in an epoch (:meth:`AdaTriplet.observe`) and the margins move at the end of
it (:meth:`AdaTriplet.update`), as the reference code does at the first batch of the
next epoch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

DISTANCES = ("l2", "cosine")


def pair_distance(x: torch.Tensor, y: torch.Tensor, kind: str = "cosine") -> torch.Tensor:
    """Row-wise distance between ``x`` and ``y`` (n, D) -> (n,)."""
    if kind == "l2":
        return torch.linalg.vector_norm(x - y, dim=-1)
    if kind == "cosine":
        return 1.0 - F.cosine_similarity(x, y, dim=-1, eps=1e-8)
    raise ValueError(f"distance must be one of {DISTANCES}, not {kind!r}")


def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, *, margin: float,
                 distance: str = "cosine", reduction: str = "mean") -> torch.Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)``, averaged (``mean``), summed or per triplet."""
    loss = torch.clamp_min(pair_distance(anchor, positive, distance) - pair_distance(anchor, negative, distance)
                           + float(margin), 0.0)
    return _reduce(loss, reduction)


class AdaTriplet:
    """AdaTriplet loss with AutoMargin (see the module docstring).

    ``eps`` and ``beta`` are the current margins; :meth:`__call__` computes the loss with
    them, :meth:`observe` records a batch's similarities and :meth:`update` moves the
    margins from everything observed since the last update.
    """

    def __init__(self, eps: float = 0.2, beta: float = 0.0, k_delta: float = 2.0, k_an: float = 2.0,
                 lambda_an: float = 1.0):
        if k_delta <= 0 or k_an <= 0:
            raise ValueError("AdaTriplet's K_Delta and K_an must be positive")
        self.eps = float(eps)
        self.beta = float(beta)
        self.k_delta = float(k_delta)
        self.k_an = float(k_an)
        self.lambda_an = float(lambda_an)
        self._sum_delta = 0.0
        self._sum_an = 0.0
        self._count = 0

    @staticmethod
    def similarities(anchor, positive, negative) -> tuple[torch.Tensor, torch.Tensor]:
        return (F.cosine_similarity(anchor, positive, dim=-1, eps=1e-8),
                F.cosine_similarity(anchor, negative, dim=-1, eps=1e-8))

    def __call__(self, anchor, positive, negative, reduction: str = "mean") -> torch.Tensor:
        phi_ap, phi_an = self.similarities(anchor, positive, negative)
        loss = torch.clamp_min(phi_an - phi_ap + self.eps, 0.0)
        loss = loss + self.lambda_an * torch.clamp_min(phi_an - self.beta, 0.0)
        return _reduce(loss, reduction)

    @torch.no_grad()
    def observe(self, anchor, positive, negative) -> None:
        phi_ap, phi_an = self.similarities(anchor, positive, negative)
        self._sum_delta += float((phi_ap - phi_an).sum())
        self._sum_an += float(phi_an.sum())
        self._count += int(phi_ap.numel())

    def update(self, eps: bool = True, beta: bool = True) -> tuple[float, float]:
        """Move ``eps`` and/or ``beta`` from the observed statistics (then forget them);
        return the margins."""
        if self._count:
            mean_delta = self._sum_delta / self._count
            mean_an = self._sum_an / self._count
            if eps:
                self.eps = max(0.0, mean_delta / self.k_delta)
            if beta:
                self.beta = 1.0 - (1.0 - mean_an) / self.k_an
        self._sum_delta, self._sum_an, self._count = 0.0, 0.0, 0
        return self.eps, self.beta


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return loss.mean() if loss.numel() else loss.sum()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be mean, sum or none, not {reduction!r}")
