"""Conformance checks for fakebench plugins, one property per check.

Third-party plugins reuse them in their own tests::

    from fakebench.testing import parametrize_with_checks

    @parametrize_with_checks(lambda: MyDetector(epochs=5))
    def test_my_detector(factory, check):
        check(factory)

A *factory* is a zero-argument callable returning a fresh, ready instance: a detector
with its parameters, an embedder already ``load()``-ed, a dataset pointing at a data
root, or a metric. The kind is read from the instance's base class. Each check raises
``AssertionError`` with a message saying which property failed.

Detector checks use a small separable problem of embeddings by default; a detector that
needs other inputs passes ``data=`` (a zero-argument callable returning
``(X_train, y_train, X_test, y_test)``) to :func:`parametrize_with_checks`.
"""

from __future__ import annotations

from .checks import (
    DATASET_CHECKS,
    DETECTOR_CHECKS,
    EMBEDDER_CHECKS,
    METRIC_CHECKS,
    checks_for,
    kind_of,
    separable_embeddings,
)
from .condition_checks import CONDITION_CHECKS, parametrize_with_condition_checks
from .pytest import parametrize_with_checks

__all__ = [
    "CONDITION_CHECKS", "DATASET_CHECKS", "DETECTOR_CHECKS", "EMBEDDER_CHECKS", "METRIC_CHECKS", "checks_for",
    "kind_of", "parametrize_with_checks", "parametrize_with_condition_checks", "separable_embeddings",
]
