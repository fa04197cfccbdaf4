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


def score_files(model: str | Path, files: Sequence[str | Path], *, device: str = "cpu",
                cache_dir: str | None = None, use_cache: bool = False) -> list[Verdict]:
    """Load a saved detector, rebuild its embedder from the saved description, and score
    ``files``. The verdict is ``fake`` when the score exceeds the saved threshold."""
    from .cache import EmbeddingCache
    from .extract import extract
    from .inputs import AudioSource, Inputs
    from .persist import load_detector
    from .registry import Registry
    from .runner import resolve_device

    device = resolve_device(device)
    reg = Registry()
    detector, meta = load_detector(model, reg, device=device)
    clips = [Clip(id=str(f), path=Path(f), label=-1) for f in files]
    for c in clips:
        if not c.path.is_file():
            raise FakebenchError(f"audio file {str(c.path)!r} does not exist")
    emb_info = (meta.get("pipeline") or {}).get("embedder")
    length = meta.get("length")
    feats = None
    if emb_info:
        emb_cls = reg.embedder(emb_info["name"])
        emb = emb_cls.from_params(emb_info.get("params") or {})
        emb.load(weights=meta.get("weights"), device=device)
        if emb_info.get("weights") and emb.fingerprint() != emb_info["weights"]:
            raise ConfigError(
                f"the saved detector was trained on {emb_info['name']} weights {emb_info['weights']}, "
                f"but the weights found now are {emb.fingerprint()}",
                hint="install the same weights, or retrain the detector")
        if emb.output_dim != emb_info.get("dim", emb.output_dim):
            raise ConfigError(f"embedder dim {emb.output_dim} does not match the saved detector's {emb_info['dim']}")
        frames = "frames" in detector.inputs
        arrays, _ = extract(emb, clips, cache=EmbeddingCache(cache_dir) if use_cache else None, length=length,
                            batch_size=1, num_workers=0, frames=frames)
        feats = arrays
    if set(detector.inputs) == {"embedding"}:
        X = np.stack(feats).astype(np.float32)
    else:
        X = Inputs(clips=clips)
        if "embedding" in detector.inputs:
            X.embedding = np.stack(feats).astype(np.float32)
        if "frames" in detector.inputs:
            X.frames = list(feats)
        if "audio" in detector.inputs:
            X.audio = AudioSource(clips, detector.sample_rate or 16000, length)
        if "speaker" in detector.inputs:
            X.speaker = [None] * len(clips)
        if "transcript" in detector.inputs:
            from .transcripts import transcripts_for

            # the saved detector's own transcription settings (asr_model...), as in training
            X.transcript = transcripts_for(clips, detector.get_params(), cache=None, device=device)
    scores = np.asarray(detector.decision_function(X), dtype=np.float64)
    thr = float(detector.threshold_)
    out = []
    for c, s in zip(clips, scores):
        prob = _sigmoid(float(s)) if detector.scores_are_logits else None
        out.append(Verdict(str(c.path), float(s), bool(s > thr), prob))
    return out


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)
