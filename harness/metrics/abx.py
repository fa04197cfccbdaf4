"""ABX accuracy of an embedding space (how well it keeps groups apart).

Source: the ABX discrimination task of Schatz et al., "Evaluating speech features with
the Minimal-Pair ABX task: Analysis of the classical MFC/PLP pipeline", Interspeech
2013; used for DADA's text (speaker) and audio (real/fake) spaces.

For a triplet (X, A, B) where X and A share a group (speaker, or real/fake) and B does
not, the decision is right when ``d(X, A) < d(X, B)`` (a tie counts one half). For each
anchor X, its score is the fraction of right decisions over every A of its group (A != X)
and every B of the other groups; ABX is the mean over anchors that have at least one A
and one B. Chance is 0.5, perfect separation 1.0. Distances: ``cosine`` (1 - cos) or
``euclidean``. Items whose group is ``None`` are ignored.
"""

from __future__ import annotations

from typing import Any, Hashable, Sequence

import numpy as np
import torch

from ..errors import MetricError


def abx(embeddings: Any, groups: Sequence[Hashable | None], *, distance: str = "cosine",
        max_anchors: int | None = None, seed: int = 0) -> float:
    """ABX accuracy of ``embeddings`` (n, D) grouped by ``groups`` (n,); see the module docs.

    ``max_anchors`` evaluates a seeded random subset of anchors (every A and B are still
    used), for large sets. Raises :class:`MetricError` when no anchor has both an A and a B.
    """
    e = torch.as_tensor(np.asarray(embeddings, dtype=np.float64))
    if e.ndim != 2 or e.shape[0] != len(groups):
        raise MetricError(f"abx: embeddings {tuple(e.shape)} must be (n, D) with n = {len(groups)} groups")
    if distance not in ("cosine", "euclidean"):
        raise MetricError(f"abx: unknown distance {distance!r}", hint="use cosine or euclidean")
    names = {g: i for i, g in enumerate(sorted({g for g in groups if g is not None}, key=str))}
    codes = torch.tensor([names[g] if g is not None else -1 for g in groups], dtype=torch.int64)
    if distance == "cosine":
        e = torch.nn.functional.normalize(e, dim=1, eps=1e-12)
    anchors = torch.nonzero(codes >= 0).flatten()
    if max_anchors is not None and len(anchors) > max_anchors:
        g = torch.Generator().manual_seed(int(seed))
        anchors = anchors[torch.randperm(len(anchors), generator=g)[:max_anchors]].sort().values
    scores = []
    for start in range(0, len(anchors), 256):
        chunk = anchors[start:start + 256]
        if distance == "cosine":
            d = 1.0 - e[chunk] @ e.T
        else:
            d = torch.cdist(e[chunk], e)
        for row, x in zip(d, chunk.tolist()):
            same = codes == codes[x]
            same[x] = False
            diff = (codes >= 0) & (codes != codes[x])
            if not same.any() or not diff.any():
                continue
            da, db = row[same], torch.sort(row[diff]).values
            # right decisions for each A: the Bs strictly farther, plus half the ties
            below_or_equal = torch.searchsorted(db, da, right=True)
            below = torch.searchsorted(db, da, right=False)
            right = (len(db) - below_or_equal) + 0.5 * (below_or_equal - below)
            scores.append(float(right.sum()) / (len(da) * len(db)))
    if not scores:
        raise MetricError("abx is undefined: no item has both another item of its group and one of another group",
                          hint="ABX needs at least two groups and a group with two items")
    return float(np.mean(scores))
