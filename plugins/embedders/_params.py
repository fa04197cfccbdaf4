"""Declared parameter types and ranges shared by the embedder plugins (private: not a
plugin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakebench.api import Choice, Float, Int, Param

#: ``sr`` of the hand-crafted features: any rate from 1 kHz to 384 kHz.
RATE = Int(1000, 384000)
#: Window and hop lengths in milliseconds.
MILLISECONDS = Float(0, 1000, low_open=True)
#: ``stats`` of the hand-crafted features (see ``_features.parse_stats``).
STATS = Choice("mean", "std", "mean+std", "std+mean", "mean,std", "std,mean")
#: ``segment`` seconds of frame embeddings.
SEGMENT = Float(0, 3600, low_open=True)
#: Bands and coefficients.
BANDS = Int(1, 1024)


@dataclass(frozen=True)
class LayerParam(Param):
    """A hidden-state index (0 = the input to the first layer, negative from the end) or
    ``"all"``; the upper bound is the model's, checked when it is loaded."""

    type: str = "int"

    def describe(self) -> str:
        return "an integer in [-1000, 1000] (negative counts from the end) or all"

    def check(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() == "all":
            return "all"
        return Int(-1000, 1000).check(value)


#: True, false or null (null: the model's own default).
MAYBE_BOOL = Param("bool", nullable=True)
