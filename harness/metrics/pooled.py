"""EER over several test sets: pooled (one threshold) and averaged (one per set).

* :func:`pooled_eer` concatenates the scores of every set and computes one EER, so one
  threshold must serve all sets at once. This is how the ASVspoof packages report the
  "pooled" EER over attacks or codecs (``evaluation-package/calculate_metrics_full.py``:
  the ``pooled`` row and column use all trials).
* :func:`average_eer` computes each set's EER at its own threshold and takes the plain
  mean (every set weighs the same, whatever its size).

The two differ as soon as the sets' scores live on different scales: two sets that are
each perfectly separated (EER 0) but shifted against each other give an average EER of 0
and a pooled EER up to 50 % (worked out in ``tests/metrics/test_pooled.py``). Each EER is
:func:`fakebench.metrics.eer` (ASVspoof-exact, fakebench's direction: higher = fake).

``parts`` is a sequence of ``(scores, labels)`` pairs, or a mapping ``name -> (scores,
labels)`` (errors then name the set).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import MetricError


def _named_parts(parts: Sequence[tuple[Any, Any]] | Mapping[str, tuple[Any, Any]]
                 ) -> list[tuple[str, np.ndarray, np.ndarray]]:
    items = list(parts.items()) if isinstance(parts, Mapping) else [(f"set {i + 1}", p) for i, p in enumerate(parts)]
    if not items:
        raise MetricError("no test sets given", hint="pass a sequence of (scores, labels) pairs")
    out = []
    for name, part in items:
        try:
            scores, labels = part
        except (TypeError, ValueError):
            raise MetricError(f"{name} is not a (scores, labels) pair") from None
        if hasattr(scores, "detach"):
            scores = scores.detach().cpu().numpy()
        if hasattr(labels, "detach"):
            labels = labels.detach().cpu().numpy()
        s = np.asarray(scores, dtype=np.float64).reshape(-1)
        y = np.asarray(labels).reshape(-1)
        if s.size != y.size:
            raise MetricError(f"{name}: {s.size} scores for {y.size} labels")
        out.append((str(name), s, y))
    return out


def pooled_eer(parts: Sequence[tuple[Any, Any]] | Mapping[str, tuple[Any, Any]]) -> float:
    """EER (a fraction) of all sets' scores together, at one common threshold.

    A set may hold one class only (e.g. one attack's spoofs) as long as the pool holds
    both.
    """
    from . import eer

    named = _named_parts(parts)
    scores = np.concatenate([s for _, s, _ in named])
    labels = np.concatenate([y for _, _, y in named])
    return eer(scores, labels, warn=False)


def average_eer(parts: Sequence[tuple[Any, Any]] | Mapping[str, tuple[Any, Any]]) -> float:
    """Mean of the per-set EERs (fractions), each at that set's own EER threshold.

    Every set must hold both real and fake clips.
    """
    from . import eer

    values = []
    for name, s, y in _named_parts(parts):
        try:
            values.append(eer(s, y, warn=False))
        except MetricError as e:
            raise MetricError(f"{name}: {e.message}", hint=e.hint) from None
    return float(np.mean(values))


def per_set_eer(parts: Sequence[tuple[Any, Any]] | Mapping[str, tuple[Any, Any]]) -> dict[str, float]:
    """Each set's EER, by name (``set 1``, ``set 2``... for a sequence)."""
    from . import eer

    out = {}
    for name, s, y in _named_parts(parts):
        try:
            out[name] = eer(s, y, warn=False)
        except MetricError as e:
            raise MetricError(f"{name}: {e.message}", hint=e.hint) from None
    return out
