"""The metric contract.

A metric is a plain function on tensors (``eer(scores, labels)``) plus a thin plugin
class that names it. Scores follow the one convention: higher = more likely fake, and
labels are 1 = fake, 0 = real. Functions work on CPU or GPU tensors alike.

A metric class declares ``name``, ``description``, ``higher_is_better`` and whether the
value is a fraction shown as a percentage (``percent``), and implements
``compute(scores, labels, **context)``. The context holds ``threshold`` (the detector's
decision threshold on its scores) and, when the runner has them, ``timings`` and
``audio_seconds``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch


class Metric:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    percent: ClassVar[bool] = False
    #: False for metrics computed from timings rather than scores (real-time factor).
    from_scores: ClassVar[bool] = True

    def compute(self, scores: torch.Tensor, labels: torch.Tensor, **context: Any) -> float:
        raise NotImplementedError


def as_tensors(scores: Any, labels: Any, device: str | torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores as float64 and labels as int64 tensors on ``device`` (default: as given)."""
    s = torch.as_tensor(scores, dtype=torch.float64, device=device)
    y = torch.as_tensor(labels, dtype=torch.int64, device=s.device)
    if s.ndim != 1 or s.shape != y.shape:
        from ..errors import MetricError

        raise MetricError(f"scores {tuple(s.shape)} and labels {tuple(y.shape)} must be 1-D of equal length")
    return s, y
