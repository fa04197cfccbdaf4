"""Declared parameter types and ranges shared by the embedder plugins (private: not a
plugin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakebench.api import Float, Int, Param

#: ``sr`` of the hand-crafted features: any rate from 1 kHz to 384 kHz.
RATE = Int(1000, 384000)
#: Window and hop lengths in milliseconds.
MILLISECONDS = Float(0, 1000, low_open=True)
#: ``stats`` of the hand-crafted features (see ``_features.parse_stats``).
STATS = Param("str", choices=("mean", "std", "mean+std", "std+mean", "mean,std", "std,mean"))
#: ``segment`` seconds of frame embeddings.
SEGMENT = Float(0, 3600, low_open=True)
#: Bands and coefficients.
BANDS = Int(1, 1024)


def Choice(*choices: str, nullable: bool = False) -> Param:
    """One of ``choices`` (texts); null only with ``nullable``. (``OneOf`` lets null
    through whatever ``nullable`` says, so a text choice is declared with this.)"""
    return Param("str", choices=tuple(choices), nullable=nullable)


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


@dataclass(frozen=True)
class DictParam(Param):
    """A table of settings (a JSON object, ``--set embedder.config={"k": 1}``) or null."""

    type: str = "any"
    nullable: bool = True

    def describe(self) -> str:
        return "a table (JSON object) of settings" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        raise ValueError


#: True, false or null (null: the model's own default).
MAYBE_BOOL = Param("bool", nullable=True)
