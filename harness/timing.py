"""Timing that is right on both CPU and GPU.

On CUDA, kernels run asynchronously, so wall-clock time around a call measures the
launch, not the work. :class:`Stopwatch` uses CUDA events there and a monotonic clock
(``time.perf_counter``) on CPU.
"""

from __future__ import annotations

import time

import torch


class Stopwatch:
    """Context manager; ``seconds`` holds the elapsed time afterwards."""

    def __init__(self, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.seconds = 0.0

    def __enter__(self) -> "Stopwatch":
        if self.device.type == "cuda":
            self._start = torch.cuda.Event(enable_timing=True)
            self._end = torch.cuda.Event(enable_timing=True)
            self._start.record()
        else:
            self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        if self.device.type == "cuda":
            self._end.record()
            self._end.synchronize()
            self.seconds = self._start.elapsed_time(self._end) / 1000.0
        else:
            self.seconds = time.perf_counter() - self._t0
