"""Scoring new audio files with a saved detector (``fakebench score``)."""

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
        from .runner import resolve_device

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
        from .inputs import AudioSource, Inputs

        detector = self.detector
        clips = [Clip(id=str(f), path=Path(f), label=-1) for f in files]
        for c in clips:
            if not c.path.is_file():
                raise FakebenchError(f"audio file {str(c.path)!r} does not exist")
        feats = None
        if self.embedder is not None:
            feats, _ = extract(self.embedder, clips, cache=self.cache, length=self.length, batch_size=1,
                               num_workers=0, frames="frames" in detector.inputs)
        if set(detector.inputs) == {"embedding"}:
            X = np.stack(feats).astype(np.float32)
        else:
            X = Inputs(clips=clips)
            if "embedding" in detector.inputs:
                X.embedding = np.stack(feats).astype(np.float32)
            if "frames" in detector.inputs:
                X.frames = list(feats)
            if "audio" in detector.inputs:
                X.audio = AudioSource(clips, detector.sample_rate or 16000, self.length)
            if "speaker" in detector.inputs:
                X.speaker = [None] * len(clips)
            if "transcript" in detector.inputs:
                from .transcripts import transcripts_for

                # the saved detector's own transcription settings (asr_model...), as in training
                X.transcript = transcripts_for(clips, detector.get_params(), cache=None, device=self.device)
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
