"""The paper's inference time: embedding + detector on one random clip, repeated.

Ouajdi et al. (EUSIPCO 2024, section V.A) time "the embedding process and the model's
inference ... on one random audio sample across 100 runs", average the times and give
them as a percentage of the clip's duration. :func:`single_clip_rtf` does that with a
run's saved detector and its embedder (the same parameters and weights), on a clip drawn
with a fixed seed from the run's evaluation split. Decoding and resampling are outside
the timed part, as in the authors' code (fadtk times ``get_embedding`` on loaded audio).
One untimed call first warms the device up; on CUDA every timed call is synchronised.
"""

from __future__ import annotations

import time
import random
from pathlib import Path
from typing import Any

from ..errors import FakebenchError


def _clip_path(record: dict, clip_id: str, registry, data_root) -> Path:
    ds_info = record["dataset"]
    cls = registry.dataset(ds_info["name"])
    ds = cls.from_params({"root": data_root, "protocol": ds_info.get("protocol"), **(ds_info.get("params") or {})})
    for part in ds.load().values():
        for c in part:
            if c.id == clip_id:
                return Path(c.path)
    raise FakebenchError(f"clip {clip_id!r} of the run is no longer in dataset {ds_info['name']!r}")


def single_clip_rtf(record: dict, *, repeats: int = 100, store=None, registry=None, device: str = "cpu",
                    data_root=None, seed: int = 0) -> dict[str, Any]:
    """Mean time of embedding + ``decision_function`` on one clip, as % of its duration."""
    import torch

    from ..audio import LengthPolicy, load_audio
    from ..persist import load_detector
    from ..registry import Registry
    from ..results import ResultStore

    registry = registry or Registry()
    store = store or ResultStore()
    emb_info = (record.get("pipeline") or {}).get("embedder")
    if not emb_info:
        raise FakebenchError("this RTF is defined for an embedder + detector pipeline")
    if not record.get("model_file"):
        raise FakebenchError("the run saved no model file to time")
    from ..device import resolve_device

    device = resolve_device(device)
    detector, _meta = load_detector(store.root / record["model_file"], registry, device=device)
    emb = registry.embedder(emb_info["name"]).from_params(dict(emb_info.get("params") or {}))
    emb.load(weights=None, device=device)
    clip = random_eval_clip(record, store, seed)
    path = _clip_path(record, clip["id"], registry, data_root)
    length = LengthPolicy.parse(record["pipeline"].get("length"))
    wave = load_audio(path, emb.sample_rate, length, resampler=emb.resampler)[None].to(device)
    seconds = wave.shape[-1] / emb.sample_rate
    cuda = str(device).startswith("cuda")

    def once() -> None:
        with torch.inference_mode():
            e = emb.embed(wave).float().cpu().numpy()
            detector.decision_function(e)
        if cuda:
            torch.cuda.synchronize()

    once()
    times = []
    for _ in range(int(repeats)):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    mean = sum(times) / len(times)
    return {"percent": 100.0 * mean / seconds, "seconds": mean, "repeats": len(times), "clip": clip["id"],
            "duration": seconds, "device": device}


def random_eval_clip(record: dict, store, seed: int = 0) -> dict:
    """One eval clip of ``record``'s scores file, drawn with ``seed`` (the paper's "one
    random audio sample")."""
    rows = [r for r in store.scores(record) if r.get("split") == "eval"]
    if not rows:
        raise FakebenchError("the record has no per-clip scores file to draw a clip from")
    return random.Random(seed).choice(rows)
