"""The embedder contract (after HEAR's ``load_model`` / ``get_scene_embeddings``).

An embedder plugin subclasses :class:`Embedder` and declares:

* ``name`` — registry key; ``description`` — one line;
* ``sample_rate`` — the rate (Hz) ``embed`` expects; the harness resamples to it;
* ``dim`` — the embedding size D.

and implements:

* ``load(weights=None, device="cpu")`` — heavy imports and weight loading happen here,
  never at import time; returns ``self``;
* ``embed(batch, frames=False)`` — ``batch`` is a float32 tensor (n, samples) of mono
  audio in [-1, 1] at ``sample_rate``, on the embedder's device. Returns (n, D) scene
  embeddings (mean over time, unless the model says otherwise), or (n, frames, D) frame
  embeddings when ``frames=True``.

``fingerprint()`` identifies the weights; together with ``version`` and the parameters
it keys the embedding cache, so changed weights or preprocessing never reuse stale
vectors.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, ClassVar

from ..params import Configurable, to_json_safe


class Embedder(Configurable):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    sample_rate: ClassVar[int] = 16000
    dim: ClassVar[int] = 0
    #: Bump when the outputs change for the same weights (preprocessing fixes...).
    version: ClassVar[str] = "1"
    #: Frames per second of ``embed(..., frames=True)``, when fixed.
    frame_rate: ClassVar[float | None] = None
    #: Shortest input (seconds) the model accepts; shorter clips are zero-padded to it.
    min_seconds: ClassVar[float] = 0.0
    #: Default clip-length policy when the user gives none (``full``, ``crop:7``...).
    default_length: ClassVar[str] = "full"
    #: Name of the resampler the model's own preprocessing uses.
    resampler: ClassVar[str] = "sinc"
    #: Clips per forward pass when the user gives no ``--batch-size``.
    default_batch_size: ClassVar[int] = 16
    #: Parameters that do not change the outputs (batching, logging...): left out of the
    #: cache key.
    runtime_params: ClassVar[tuple[str, ...]] = ()
    license: ClassVar[str] = ""
    citation: ClassVar[str] = ""

    def __init__(self) -> None:
        pass

    #: The device ``load`` put the model on (a ``torch.device`` or its name).
    device: Any = "cpu"
    weights_fingerprint: str = "unloaded"

    # -- to implement -------------------------------------------------------------------

    def load(self, weights: str | Path | None = None, device: Any = "cpu") -> "Embedder":
        """Load the model (heavy imports here) onto ``device``; return ``self``."""
        raise NotImplementedError

    def embed(self, batch: Any, frames: bool = False) -> Any:
        """(n, samples) audio in [-1, 1] at ``sample_rate`` -> (n, dim) or (n, frames, dim)."""
        raise NotImplementedError

    def identify(self, weights: str | Path | None = None) -> str | None:
        """Cheaply identify the weights ``load(weights)`` would use, without building the
        model (e.g. the sha256 prefix of the file), or None when that needs ``load``.

        When it returns a value, a run whose embeddings are all cached never loads the
        model. The value must equal the ``fingerprint()`` that ``load`` would set.
        """
        return None

    def requirements(self, weights: str | Path | None = None) -> list:
        """What ``load(weights)`` needs, found without loading or downloading anything:
        a list of :class:`fakebench.preflight.Requirement` (weights files, Hugging Face
        models, packages), built with :func:`fakebench.api.weights_requirement`,
        :func:`fakebench.api.hf_requirement` or :func:`fakebench.api.package_requirement`.
        The run checks them all before decoding any audio (``fakebench run --check``
        lists them). Default: nothing.
        """
        return []

    # -- provided -----------------------------------------------------------------------

    @property
    def output_dim(self) -> int:
        """The embedding size for these parameters (``dim`` unless a parameter changes it)."""
        return self.dim

    def fingerprint(self) -> str:
        """Identifies the loaded weights (set by ``load``; ``random`` for random init)."""
        return self.weights_fingerprint

    def cache_key(self, length_policy: str) -> str:
        """Key of this embedder's cache namespace: name, version, params, weights, length."""
        payload = json.dumps(
            {
                "name": self.name,
                "version": self.version,
                "params": to_json_safe({k: v for k, v in self.get_params().items() if k not in self.runtime_params}),
                "weights": self.fingerprint(),
                "sample_rate": self.sample_rate,
                "length": length_policy,
                "resampler": self.resampler,
            },
            sort_keys=True,
        )
        return f"{self.name}-{hashlib.sha256(payload.encode()).hexdigest()[:16]}"

    def describe(self) -> dict[str, Any]:
        """What the result record stores about this embedder."""
        return {
            "name": self.name,
            "version": self.version,
            "params": to_json_safe(self.get_params()),
            "weights": self.fingerprint(),
            "sample_rate": self.sample_rate,
            "dim": self.output_dim,
        }

