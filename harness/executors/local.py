"""The local executor: everything in this process (the default; nothing new is imported)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..extract import extract as local_extract


class LocalExecutor:
    """Runs extraction, scoring and seeds in this process, one after another."""

    name = "local"
    OPTIONS = ("weights", "device")

    def __init__(self, weights: str | None = None, device: str = "auto"):
        self.weights = weights
        self.device = device

    #: :func:`fakebench.extract.extract` itself
    extract = staticmethod(local_extract)

    def score(self, detector: Any, X: Any):
        import numpy as np

        return np.asarray(detector.decision_function(X), dtype=np.float64)

    def run_seeds(self, spec: Any) -> list[dict[str, Any]]:
        from ..runner import Runner

        return Runner(dataclasses.replace(spec, executor="local")).run()

    def sweep(self, specs: Sequence[Any]) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for spec in specs:
            records.extend(self.run_seeds(spec))
        return records
