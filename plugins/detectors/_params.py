"""Declared parameter types and ranges shared by the detector plugins (private: not a
plugin). :func:`training_specs` gives the training-loop parameters most detectors share
(``lr``, ``batch_size``, ``epochs``, ``checkpoint_every``, ``weight_decay``,
``random_state``, ``device``...), so a bad value is refused, naming the parameter and
its range, before any audio is read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from fakebench.api import Float, Int, ListOf, Param, Text

#: Seeds are 32-bit (NumPy's legacy generator), as ``--seed`` is.
MAX_SEED = 2**32 - 1
#: The per-epoch balancing of :func:`fakebench.training.epoch_indices`.
BALANCE = Param("str", choices=("sampler", "oversample", "subsample", "none"))
#: A dropout probability: 1 would drop everything.
DROPOUT = Float(0, 1, high_open=True)
#: A learning rate: positive.
LR = Float(0, 10, low_open=True)


def Choice(*choices: str, nullable: bool = False) -> Param:
    """One of ``choices`` (texts); null only with ``nullable``. (``OneOf`` lets null
    through whatever ``nullable`` says, so a text choice is declared with this.)"""
    return Param("str", choices=tuple(choices), nullable=nullable)


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
    """Names: comma-separated text or a list of texts (``none`` and empty mean none),
    or null; ``choices``, when set, are the names allowed."""

    type: str = "str"
    nullable: bool = True

    def describe(self) -> str:
        inner = f" of {', '.join(self.choices)}" if self.choices else ""
        return f"names{inner} (comma-separated text or a list), none" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None or value is False:
            if self.nullable or value is False:
                return value
            raise ValueError
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items = list(value)
        else:
            raise ValueError
        names = [v.strip().lower() for v in items if v.strip() and v.strip().lower() != "none"]
        if self.choices is not None and any(n not in self.choices for n in names):
            raise ValueError
        return value if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class DictParam(Param):
    """A table of settings (a JSON object) or null."""

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


@dataclass(frozen=True)
class SeedParam(Param):
    """A seed: an integer in [0, 2**32 - 1] (NumPy's legacy generator takes 32 bits)."""

    type: str = "int"
    low: float | None = 0
    high: float | None = MAX_SEED

    def describe(self) -> str:
        return f"an integer in [0, {MAX_SEED}]"


@dataclass(frozen=True)
class DeviceParam(Param):
    """A torch device this machine has: ``cpu``, ``cuda``, ``cuda:N`` (a visible GPU) or
    ``mps``. The runner passes its resolved ``--device``; ``--set device=...`` is
    checked here, before anything is built on it."""

    type: str = "str"

    def describe(self) -> str:
        return "cpu, cuda, cuda:N or mps (one this machine has)"

    def check(self, value: Any) -> Any:
        import re

        if not isinstance(value, str) or not re.fullmatch(r"cpu|mps|cuda(:[0-9]+)?", value):
            raise ValueError
        if value.startswith("cuda"):
            import torch

            index = int(value.partition(":")[2] or 0)
            if not torch.cuda.is_available() or index >= torch.cuda.device_count():
                raise ValueError
        elif value == "mps":
            import torch

            if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
                raise ValueError
        return value


@dataclass(frozen=True)
class CheckpointRuleParam(Param):
    """``best`` or ``block-mean:N`` (N >= 1): :func:`fakebench.training.select_epoch`'s rules."""

    type: str = "str"

    def describe(self) -> str:
        return "best or block-mean:N (N >= 1)"

    def check(self, value: Any) -> Any:
        import re

        if isinstance(value, str) and re.fullmatch(r"\s*(best|block-mean:\s*0*[1-9][0-9]{0,5})\s*", value.lower()):
            return value
        raise ValueError


def Names(*choices: str, nullable: bool = True) -> NamesParam:
    return NamesParam(choices=tuple(choices) or None, nullable=nullable)


def training_specs(**extra: Param) -> dict[str, Param]:
    """The training-loop parameters' specs, plus ``extra`` (which win)."""
    return {"lr": LR, "batch_size": Int(1, 100_000), "epochs": Int(1, 100_000), "checkpoint_every": Int(1, 100_000),
            "weight_decay": Float(0, 10), "balance": BALANCE, "random_state": SeedParam(), "device": DeviceParam(),
            **extra}


def head_specs(**extra: Param) -> dict[str, Param]:
    """:func:`training_specs` of an embedding head (:class:`fakebench.api.EmbeddingHead`):
    plus ``dropout``, ``checkpoint_rule`` (``best`` or ``block-mean:N``, checked by the
    training loop's parser) and ``warmup_epochs``."""
    return training_specs(dropout=DROPOUT, checkpoint_rule=CheckpointRuleParam(), warmup_epochs=Int(0, 10_000),
                          **extra)


def image_specs(**extra: Param) -> dict[str, Param]:
    """The parameters of the image detectors (``_image_cnn.py``)."""
    return training_specs(
        image=Choice("spectrogram", "waveform"), image_size=Int(16, 4096), n_fft=Int(8, 65536),
        hop_length=Int(1, 65536), augment=Names("rotate", "affine", "flip"), degrees=Float(0, 180),
        translate=Float(0, 1), scale=ListOf(Float(0, 10, low_open=True), min_items=2), flip_p=Float(0, 1),
        balance=Text(), num_workers=Int(0, 1024, nullable=True), **extra)
