"""Choosing the torch device a run uses (``--device``)."""

from __future__ import annotations

from .errors import ConfigError


def resolve_device(device: str | None) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda``/``cuda:N`` are
    refused with a clear error when no GPU is available; ``cpu`` and ``mps`` pass."""
    device = (device or "auto").lower().strip()
    if device in ("cpu", "auto") or device.startswith(("cuda", "mps")):
        import torch

        if device == "cpu":
            return device
        if device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda"):
            if not torch.cuda.is_available():
                raise ConfigError("--device cuda was asked for, but no CUDA GPU is available to torch",
                                  hint="use --device cpu, or install a CUDA build of torch")
            index = device.partition(":")[2]
            if index and (not index.isdigit() or int(index) >= torch.cuda.device_count()):
                raise ConfigError(f"--device {device}: there is no such GPU "
                                  f"({torch.cuda.device_count()} visible)", hint="use cuda:0 ... or cuda")
            return device
        if device == "mps":
            return device
    raise ConfigError(f"unknown device {device!r}", hint="use cpu, cuda, cuda:N, mps or auto")
