"""Declared parameter types and ranges shared by the dataset plugins (private: not a
plugin). :func:`dataset_specs` gives the four parameters every dataset has (``root``,
``protocol``, ``seed``, ``allow_missing``) plus a plugin's own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from fakebench.api import Bool, OneOf, Param

#: Seeds are 32-bit (NumPy's legacy generator), as ``--seed`` is.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class PathParam(Param):
    """A file or folder: non-blank text or a path object (kept as given), or null."""

    type: str = "str"
    nullable: bool = True

    def describe(self) -> str:
        return "a path" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ValueError
        if isinstance(value, os.PathLike) or (isinstance(value, str) and value.strip() and "\x00" not in value):
            return value
        raise ValueError


@dataclass(frozen=True)
class NamesParam(Param):
    """Names: comma-separated text (``"a,b"``) or a list of non-blank texts, or null."""

    type: str = "str"
    nullable: bool = True

    def describe(self) -> str:
        return "names (comma-separated text or a list of texts)" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ValueError
        if isinstance(value, str):
            if not value.strip():
                raise ValueError
            return value
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v.strip() for v in value):
            return list(value)
        raise ValueError


@dataclass(frozen=True)
class SeedParam(Param):
    """A seed: an integer in [0, 2**32 - 1] (NumPy's legacy generator takes 32 bits)."""

    type: str = "int"
    low: float | None = 0
    high: float | None = MAX_SEED

    def describe(self) -> str:
        return f"an integer in [0, {MAX_SEED}]"


def Choice(*choices: str, nullable: bool = False) -> Param:
    """One of ``choices`` (texts); null only with ``nullable``. (``OneOf`` lets null
    through whatever ``nullable`` says, so a text choice is declared with this.)"""
    return Param("str", choices=tuple(choices), nullable=nullable)


def dataset_specs(protocols: tuple[str, ...], **extra: Param) -> dict[str, Param]:
    """The specs of the base parameters for a dataset offering ``protocols``, plus ``extra``."""
    return {"root": PathParam(), "protocol": OneOf(*protocols, nullable=True), "seed": SeedParam(),
            "allow_missing": Bool(), **extra}
