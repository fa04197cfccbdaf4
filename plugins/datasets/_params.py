"""Declared parameter types and ranges shared by the dataset plugins (private: not a
plugin). :func:`dataset_specs` gives the four parameters every dataset has (``root``,
``protocol``, ``seed``, ``allow_missing``) plus a plugin's own; the types themselves come
from :mod:`fakebench.api` (``FilePath``, ``Names``, ``Seed``...)."""

from __future__ import annotations

from fakebench.api import Bool, FilePath, OneOf, Param, Seed

__all__ = ["dataset_specs"]


def dataset_specs(protocols: tuple[str, ...], **extra: Param) -> dict[str, Param]:
    """The specs of the base parameters for a dataset offering ``protocols``, plus ``extra``."""
    return {"root": FilePath(), "protocol": OneOf(*protocols, nullable=True), "seed": Seed(),
            "allow_missing": Bool(), **extra}
