"""Declared parameter types and ranges shared by the detector plugins (private: not a
plugin). :func:`training_specs` gives the training-loop parameters most detectors share
(``lr``, ``batch_size``, ``epochs``, ``checkpoint_every``, ``weight_decay``,
``random_state``, ``device``...), so a bad value is refused, naming the parameter and
its range, before any audio is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fakebench.api import Choice, Device, FilePath, Float, Int, ListOf, Names, Param, Seed, Settings, Text

#: The per-epoch balancing of :func:`fakebench.training.epoch_indices`.
BALANCE = Choice("sampler", "oversample", "subsample", "none")
#: A dropout probability: 1 would drop everything.
DROPOUT = Float(0, 1, high_open=True)
#: A learning rate: positive.
LR = Float(0, 10, low_open=True)


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


def training_specs(**extra: Param) -> dict[str, Param]:
    """The training-loop parameters' specs, plus ``extra`` (which win)."""
    return {"lr": LR, "batch_size": Int(1, 100_000), "epochs": Int(1, 100_000), "checkpoint_every": Int(1, 100_000),
            "weight_decay": Float(0, 10), "balance": BALANCE, "random_state": Seed(), "device": Device(),
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


@dataclass(frozen=True)
class ThresholdParam(Param):
    """``val-eer`` (the EER point of the validation split) or a number on the score scale."""

    type: str = "any"

    def describe(self) -> str:
        return "val-eer or a number (the score threshold)"

    def check(self, value: Any) -> Any:
        if value == "val-eer":
            return value
        return Float(-1e6, 1e6).check(value)


@dataclass(frozen=True)
class AverageParam(Param):
    """Checkpoint averaging of the fine-tuning loop: ``none``, ``last:N`` or ``best:N``."""

    type: str = "str"

    def describe(self) -> str:
        return "none, last:N or best:N (N >= 1)"

    def check(self, value: Any) -> Any:
        import re

        if isinstance(value, str) and re.fullmatch(r"\s*(none|(last|best):\s*0*[1-9][0-9]{0,4})\s*", value.lower()):
            return value
        raise ValueError


@dataclass(frozen=True)
class LayerChoiceParam(Param):
    """An encoder layer: ``last``, ``weighted`` or an integer index."""

    type: str = "any"

    def describe(self) -> str:
        return "last, weighted or an integer in [-1000, 1000]"

    def check(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("last", "weighted"):
            return value
        return Int(-1000, 1000).check(value)


#: Two numbers: Adam's betas, or per-class loss weights (spoof, bona fide).
PAIR = ListOf(Float(0, 1000), min_items=2)


def waveform_specs(*, without: tuple[str, ...] = (), **extra: Param) -> dict[str, Param]:
    """The parameters the raw-waveform detectors (``aasist``, ``rawnet2``, ``lcnn``) share:
    :func:`training_specs` plus their checkpoint, threshold, optimiser and loader settings;
    ``without`` names shared ones a detector does not take."""
    specs = training_specs(
        weights=FilePath(), threshold=ThresholdParam(), betas=PAIR, class_weights=PAIR,
        eval_batch_size=Int(1, 100_000), num_workers=Int(0, 1024, nullable=True), balance=BALANCE,
        augment=Text(nullable=True), **extra)
    return {k: v for k, v in specs.items() if k not in without}


def ssl_specs(**extra: Param) -> dict[str, Param]:
    """The parameters of the SSL detectors (``ssl``, ``ssl-aasist``, ``ssl-sls``):
    :func:`training_specs` plus the fine-tuning loop's (``harness/finetune.py``)."""
    specs = training_specs(
        weights=FilePath(), config=Settings(), threshold=ThresholdParam(), accumulate=Int(1, 10_000),
        lr_frontend=Float(0, 10, low_open=True, nullable=True), optimizer=Choice("adam", "adamw"),
        schedule=Choice("constant", "cosine", "linear"), warmup_steps=Int(0, 10_000_000),
        max_grad_norm=Float(0, 1e6), class_weights=PAIR, crop_seconds=Float(0.01, 3600),
        augment=Text(nullable=True), precision=Choice("fp32", "fp16", "bf16"), average=AverageParam(),
        patience=Int(0, 100_000), eval_windows=Choice("off", "mean"), window_hop=Float(0.01, 3600),
        eval_batch_size=Int(1, 100_000), checkpoint_dir=Text(), num_workers=Int(0, 1024), **extra)
    return {k: v for k, v in specs.items() if k not in ("balance", "checkpoint_every")}  # not the loop's
