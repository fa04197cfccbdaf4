"""The metric contract.

A metric is a plain function on tensors (``eer(scores, labels)``, in
:mod:`fakebench.metrics`) plus a thin plugin class that names it. Scores follow the one
convention: higher = more likely fake, and labels are 1 = fake, 0 = real. Functions work
on CPU or GPU tensors alike, and refuse NaN or infinite scores.

A metric class declares ``name``, ``description``, ``higher_is_better``, whether the
value is a fraction shown as a percentage (``percent``), whether it is computed from
scores or from timings (``from_scores``), whether a run computes it when no ``--metric``
is given (``default``), the context keys it needs (``requires``) and a context that makes
it defined for the conformance checks (``example_context``); it implements
``compute(scores, labels, **context)``. The context holds ``threshold`` (the decision
threshold on the scores) and, when the runner has them, ``timings``, ``audio_seconds``,
``val_scores``/``val_labels``, ``asv_scores`` and the other keys metrics ``require``.
"""

from __future__ import annotations

from typing import Any, ClassVar


#: An ``example_context`` for metrics of the CM -> ASV cascade (``requires = ("sasv_trials",
#: "clip_ids")``): a tiny trial list over six clips c0..c5 (c0-c2 bona fide, c3-c5
#: spoofed), for the conformance checks.
SASV_EXAMPLE_CONTEXT: dict[str, Any] = {
    "clip_ids": ["c0", "c1", "c2", "c3", "c4", "c5"],
    "sasv_trials": {
        "speaker": ["s1", "s2", "s3", "s2", "s1", "s1", "s2", "s3"],
        "clip_id": ["c0", "c1", "c2", "c0", "c1", "c3", "c4", "c5"],
        "asv_key": ["target", "target", "nontarget", "nontarget", "nontarget", "spoof", "spoof", "spoof"],
        "asv_score": [3.0, 2.0, -1.0, -2.0, 0.0, 2.5, 1.5, 0.5],
    },
}


class Metric:
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    percent: ClassVar[bool] = False
    #: Bump when the value changes for the same scores.
    version: ClassVar[str] = "1"
    #: False for metrics computed from timings rather than scores (real-time factor).
    from_scores: ClassVar[bool] = True
    #: Computed by every run that names no ``--metric`` (when its ``requires`` are met).
    default: ClassVar[bool] = True
    #: Context keys that must hold a value for the metric to mean anything (``asv_scores``).
    requires: ClassVar[tuple[str, ...]] = ()
    #: A context under which the metric is defined, for the conformance checks.
    example_context: ClassVar[dict[str, Any]] = {}

    def compute(self, scores: Any, labels: Any, **context: Any) -> float:
        raise NotImplementedError


def as_tensors(scores: Any, labels: Any, device: Any = None):
    """Scores as float64 and labels as int64 tensors on ``device`` (default: as given).

    Raises :class:`~fakebench.errors.MetricError` when the shapes differ, a score is NaN
    or infinite, or a label is not 0/1.
    """
    import torch

    from ..errors import MetricError

    s = torch.as_tensor(scores, dtype=torch.float64, device=device)
    y = torch.as_tensor(labels, dtype=torch.int64, device=s.device)
    if s.ndim != 1 or s.shape != y.shape:
        raise MetricError(f"scores {tuple(s.shape)} and labels {tuple(y.shape)} must be 1-D of equal length")
    finite = torch.isfinite(s)
    if not bool(finite.all()):
        bad = int((~finite).sum())
        first = int(torch.nonzero(~finite)[0])
        raise MetricError(f"{bad} score(s) are NaN or infinite (the first at index {first}: {float(s[first])})",
                          hint="metrics need finite scores; remove or fix those trials")
    if y.numel() and not bool(((y == 0) | (y == 1)).all()):
        raise MetricError("labels must be 0 (real/bona fide) or 1 (fake/spoof)")
    return s, y
