"""Test-only plugins, loaded with FAKEBENCH_PLUGINS=fbtest_plugins.

``toy`` is a real (if simple) embedder: per-clip waveform statistics, 16 kHz, 8-d. It is
fast, so the reliability tests can run whole pipelines many times. Its parameters can
slow it down (``delay`` seconds per batch) and log every finished batch to a file
(``log``), which is how the kill/resume test knows how far extraction got.
``broken`` raises in ``load()``, like a plugin with a missing dependency. ``constant``
is a detector that gives every clip the same score (a degenerate fit).
"""

from __future__ import annotations

import time

import torch

import fakebench
from fakebench.api import Detector, Embedder


class Toy(Embedder):
    """Waveform statistics at 16 kHz: (n, samples) -> (n, 8)."""

    name = "toy"
    description = "waveform statistics (tests only)"
    sample_rate = 16000
    dim = 8
    runtime_params = ("delay", "log")

    def __init__(self, delay=0.0, log=None):
        self.delay = delay
        self.log = log

    def identify(self, weights=None):
        return "none"

    def load(self, weights=None, device="cpu"):
        self.device = torch.device(device)
        self.weights_fingerprint = "none"
        return self

    def embed(self, batch, frames=False):
        x = batch.float()
        chunks = x.unfold(1, 1600, 1600) if x.shape[1] >= 1600 else x[:, None, :]
        feats = torch.stack([
            chunks.mean(-1), chunks.std(-1, unbiased=False), chunks.abs().amax(-1),
            chunks.square().mean(-1).sqrt(), (chunks[..., 1:] * chunks[..., :-1] < 0).float().mean(-1),
            chunks.abs().mean(-1), chunks.amin(-1), chunks.amax(-1),
        ], dim=-1)
        if self.delay:
            time.sleep(float(self.delay))
        if self.log:
            with open(self.log, "a") as f:
                f.write(f"{len(batch)}\n")
        return feats if frames else feats.mean(1)


class Broken(Embedder):
    """Always fails to load (16 kHz, 4-d), as a plugin with a missing dependency does."""

    name = "broken"
    description = "fails in load() (tests only)"
    sample_rate = 16000
    dim = 4

    def __init__(self):
        pass

    def load(self, weights=None, device="cpu"):
        import fakebench_missing_dependency  # noqa: F401


@fakebench.hookimpl
def fakebench_register_embedders():
    return [Toy, Broken]


class Constant(Detector):
    """Every clip scores 0.5: what a fit that learnt nothing gives."""

    name = "constant"
    description = "the same score for every clip (tests only)"

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y, X_val=None, y_val=None):
        return self

    def decision_function(self, X):
        import numpy as np

        return np.full(len(X), 0.5)


class LoudnessProbe(Detector):
    """Audio in, mean absolute amplitude out; counts the clips it decodes (tests only)."""

    name = "loudness-probe"
    description = "scores the mean absolute amplitude of each clip (tests only)"
    inputs = ("audio",)
    sample_rate = 16000
    default_length = "repeat:1.0"
    eval_memory_mb_per_second = 100
    decoded = 0
    batches: list = []

    def __init__(self, eval_batch_size=16, random_state=0):
        self.eval_batch_size = eval_batch_size
        self.random_state = random_state

    def fit(self, X, y, X_val=None, y_val=None):
        return self

    def decision_function(self, X):
        import numpy as np

        source = X.audio
        LoudnessProbe.batches.append(int(self.eval_batch_size))
        out = np.empty(len(source))
        for i in range(len(source)):
            wave, _ = source[i]
            out[i] = float(np.abs(np.asarray(wave)).mean())
            LoudnessProbe.decoded += 1
        return out


@fakebench.hookimpl
def fakebench_register_detectors():
    return [Constant, LoudnessProbe]
