"""Inference: scoring new audio files with a saved detector (``fakebench score``, ``serve``).

:func:`find_model` turns what a user types (a model file, or a run id of the results
store) into the saved detector's path; :class:`Scorer` loads it and its embedder once and
scores files on demand, building the detector's inputs exactly as a run does
(:func:`fakebench.inputs.build_inputs`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .data import Clip
from .errors import ConfigError, FakebenchError


@dataclass
class Verdict:
    path: str
    score: float
    fake: bool
    probability: float | None

    def as_dict(self) -> dict:
        return {"path": self.path, "score": self.score, "verdict": "fake" if self.fake else "real",
                "p_fake": self.probability}


def find_model(model: str | Path, results_dir: str | Path | None = None) -> Path:
    """The saved detector ``model`` names: a file path, or a run id whose model is in the
    results store (``models/<run_id>.pt``). Raises a clear error when neither exists."""
    from .errors import WeightsError
    from .results import ResultStore

    path = Path(model).expanduser()
    if path.is_file():
        return path
    store = ResultStore(results_dir)
    candidate = store.model_path(str(model))
    if candidate.is_file():
        return candidate
    if path.exists():
        raise WeightsError(f"saved detector {str(path)!r} is not a file")
    raise WeightsError(f"no saved detector {str(model)!r}: it is neither a file nor a run id with a model "
                       f"in {str(store.models_dir)!r}",
                       hint="pass a models/<run_id>.pt path, or a run id from `fakebench results list`")


class Scorer:
    """A saved detector and its embedder, loaded once, scoring files on demand.

    The embedder is rebuilt from the description saved with the detector (name,
    parameters, weights fingerprint, clip-length policy), so no other flags are needed.
    A verdict is ``fake`` when the score exceeds the saved threshold.
    """

    def __init__(self, model: str | Path, *, device: str = "cpu", cache_dir: str | None = None,
                 use_cache: bool = False):
        from .cache import EmbeddingCache
        from .persist import load_detector
        from .registry import Registry
        from .device import resolve_device

        self.device = resolve_device(device)
        self.registry = Registry()
        self.detector, self.meta = load_detector(model, self.registry, device=self.device)
        self.length = self.meta.get("length")
        self.cache = EmbeddingCache(cache_dir) if use_cache else None
        self.embedder = None
        emb_info = (self.meta.get("pipeline") or {}).get("embedder")
        if emb_info:
            emb = self.registry.embedder(emb_info["name"]).from_params(emb_info.get("params") or {})
            emb.load(weights=self.meta.get("weights"), device=self.device)
            if emb_info.get("weights") and emb.fingerprint() != emb_info["weights"]:
                raise ConfigError(
                    f"the saved detector was trained on {emb_info['name']} weights {emb_info['weights']}, "
                    f"but the weights found now are {emb.fingerprint()}",
                    hint="install the same weights, or retrain the detector")
            if emb.output_dim != emb_info.get("dim", emb.output_dim):
                raise ConfigError(
                    f"embedder dim {emb.output_dim} does not match the saved detector's {emb_info['dim']}",
                    hint="score with the embedder configuration the detector was trained with")
            self.embedder = emb

    @property
    def threshold(self) -> float:
        return float(self.detector.threshold_)

    def score(self, files: Sequence[str | Path]) -> list[Verdict]:
        from .extract import extract
        from .inputs import build_inputs

        detector = self.detector
        clips = [Clip(id=str(f), path=Path(f), label=-1) for f in files]
        for c in clips:
            if not c.path.is_file():
                raise FakebenchError(f"audio file {str(c.path)!r} does not exist")
        features = None
        if self.embedder is not None:
            frames = "frames" in detector.inputs
            arrays, _ = extract(self.embedder, clips, cache=self.cache, length=self.length, batch_size=1,
                                num_workers=0, frames=frames)
            features = {"frames" if frames else "embedding": {str(c.path): a for c, a in zip(clips, arrays)}}
        # the saved detector's own transcription settings (asr_model...), as in training
        X = build_inputs(detector, clips, features=features, length=self.length,
                         detector_params=detector.get_params(), transcript_cache=self.cache, device=self.device)
        scores = np.asarray(detector.decision_function(X), dtype=np.float64)
        thr = self.threshold
        return [Verdict(str(c.path), float(s), bool(s > thr),
                        _sigmoid(float(s)) if detector.scores_are_logits else None)
                for c, s in zip(clips, scores)]


def score_files(model: str | Path, files: Sequence[str | Path], *, device: str = "cpu",
                cache_dir: str | None = None, use_cache: bool = False) -> list[Verdict]:
    """Score ``files`` with a saved detector (see :class:`Scorer`)."""
    return Scorer(model, device=device, cache_dir=cache_dir, use_cache=use_cache).score(files)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)
