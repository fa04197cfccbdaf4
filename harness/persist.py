"""Saving and loading trained detectors.

A saved detector is one ``torch.save`` file holding only tensors, numbers, strings,
lists and dicts, so it loads with ``torch.load(..., weights_only=True)``: no pickled
code runs. It records everything ``fakebench score`` needs to score new audio with no
other flags: the detector's name, parameters and state, and the embedder's name,
parameters, weights fingerprint and clip-length policy.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import torch

from .storage import atomic_write_bytes
from .errors import WeightsError
from .params import to_json_safe

FORMAT = "fakebench.detector"
VERSION = 1


def save_detector(path: str | Path, detector, meta: dict[str, Any]) -> Path:
    """Write ``detector`` (its ``get_state()``) and ``meta`` to ``path`` atomically."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "meta": json.dumps(meta, sort_keys=True),
        "detector": {
            "name": detector.name,
            "params": json.dumps(to_json_safe(detector.get_params())),
            "threshold": float(getattr(detector, "threshold_", 0.0)),
            "state": detector.get_state(),
        },
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path


def load_detector(path: str | Path, registry=None, device: str = "cpu"):
    """Return ``(detector, meta)`` from a file written by :func:`save_detector`, with the
    detector built on ``device``."""
    from .registry import Registry

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"saved detector {str(path)!r} does not exist",
                           hint="train one with `fakebench run` (it saves to the results store's models/)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise WeightsError(f"saved detector {str(path)!r} is corrupt or not a fakebench detector: "
                           f"{str(e).splitlines()[0] if str(e) else type(e).__name__}",
                           hint="re-run training, or check you passed the right file") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise WeightsError(f"{str(path)!r} is not a fakebench detector file")
    if payload.get("version", 0) > VERSION:
        raise WeightsError(f"{str(path)!r} was saved by a newer fakebench (format {payload['version']})",
                           hint="upgrade fakebench")
    registry = registry or Registry()
    det_info = payload["detector"]
    cls = registry.detector(det_info["name"])
    params = json.loads(det_info["params"])
    params.pop("device", None)
    if "device" in cls.param_names():
        params["device"] = device
    det = cls.from_params(params)
    det.set_state(det_info["state"])
    det.threshold_ = float(det_info.get("threshold", 0.0))
    return det, json.loads(payload["meta"])


def resave_detector(src: str | Path, dst: str | Path, meta: dict[str, Any]) -> Path:
    """Copy the saved detector ``src`` to ``dst`` with ``meta`` in place of its own, without
    building the detector (its state is read as tensors and written back as they are):
    how a warm run saves the model of a fit it took from the cache."""
    try:
        payload = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as e:
        raise WeightsError(f"saved detector {str(src)!r} is corrupt: "
                           f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise WeightsError(f"{str(src)!r} is not a fakebench detector file")
    payload["meta"] = json.dumps(meta, sort_keys=True)
    buf = io.BytesIO()
    torch.save(payload, buf)
    dst = Path(dst)
    atomic_write_bytes(dst, buf.getvalue())
    return dst
