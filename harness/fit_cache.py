"""Reusing the fitted detector of an identical earlier run.

A fit is reused only when everything that could change it is identical: the detector's
code (its module's source, its distribution's and fakebench's versions, the git commit),
its parameters and seed, the training and validation data exactly as the detector sees
them (array contents, or the audio files' content hashes with speakers and transcripts),
the device type and the threshold policy. Fits are never reused from a checkout with
uncommitted changes, and ``--retrain`` (``reuse_fits=False``) turns reuse off.

Fits live in the embedding cache, ``<cache>/fits/<key>.pt``, saved with
:func:`fakebench.persist.save_detector` (loadable with ``weights_only=True``).

The per-clip scores a fitted detector gave a test set are cached too
(``<cache>/scores/<key>.npy``), keyed by the fit key and the test inputs exactly as the
detector saw them (:meth:`FitCache.scores_key`), so a warm re-run of an audio detector
(AASIST over 71k clips) sends no clip through the network and decodes no audio.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .data import Clip
from .data.clip_list import clip_column, clip_ids, clip_path_strings
from .errors import FakebenchError
from .params import to_json_safe

log = logging.getLogger("fakebench")


class FitCache:
    """Fitted detectors keyed by :meth:`key`; ``enabled=False`` makes every call a no-op."""

    def __init__(self, cache: Any, registry: Any, device: str, *, enabled: bool = True):
        self.cache = cache
        self.registry = registry
        self.device = device
        self.enabled = bool(enabled and cache is not None)

    def path(self, key: str) -> Path:
        return Path(self.cache.root) / "fits" / f"{key}.pt"

    def key(self, detector: Any, data: Sequence[tuple[Sequence[Clip], Any, np.ndarray | None]],
            extra: dict[str, Any]) -> str | None:
        """The key of fitting ``detector`` on ``data``: (clips, X, y) for train then val;
        ``extra`` holds what else must match (threshold policy, embedding namespaces)."""
        if not self.enabled:
            return None
        from .provenance import fakebench_version, git_sha, package_version

        sha = git_sha()
        if sha and sha.endswith("-dirty"):
            return None
        cls = type(detector)
        try:
            source = inspect.getsource(sys.modules[cls.__module__])
        except (OSError, TypeError, KeyError):
            return None
        import torch

        meta = {
            "detector": cls.name, "version": cls.version,
            "params": to_json_safe({k: v for k, v in detector.get_params().items() if k != "device"}),
            "source": hashlib.sha256(source.encode()).hexdigest(),
            "dist": package_version(cls.__module__.split(".")[0]), "fakebench": fakebench_version(), "git": sha,
            "device": torch.device(self.device).type, **to_json_safe(extra),
        }
        h = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
        for clips, x, y in data:
            h.update(b"|split|")
            self._hash_inputs(h, clips, x, y)
        return h.hexdigest()[:24]

    def _hash_inputs(self, h: Any, clips: Sequence[Clip], x: Any, y: np.ndarray | None) -> None:
        """Feed the data as the detector sees it into ``h``: labels, the arrays, and for
        audio inputs each clip's id, content key (or size:mtime), speaker and transcript."""
        if y is not None:
            h.update(np.ascontiguousarray(y).tobytes())
        arrays = [x] if isinstance(x, np.ndarray) else [getattr(x, "embedding", None)]
        arrays += list(getattr(x, "frames", None) or [])
        for a in arrays:
            if isinstance(a, np.ndarray):
                h.update(np.ascontiguousarray(a).tobytes())
        if x is not None and not isinstance(x, np.ndarray):
            paths = clip_path_strings(clips)
            known = self.cache.hasher.known(paths)
            for cid, p, k, speaker, transcript in zip(clip_ids(clips), paths, known, clip_column(clips, "speaker"),
                                                      clip_column(clips, "transcript")):
                h.update(f"{cid}\t{k or _stat_key(p)}\t{speaker}\t{transcript}\n".encode())

    # -- per-clip scores of a fitted detector ------------------------------------------------

    def scores_key(self, fit_key: str | None, clips: Sequence[Clip], x: Any, extra: dict[str, Any]) -> str | None:
        """The key of the scores the fit ``fit_key`` gives ``clips`` (inputs ``x``):
        the fit key, the inputs exactly as the detector sees them (embedding arrays, or the
        audio files' content hashes with ids, speakers and transcripts) and ``extra``
        (condition, length policy, precision). None when the fit has no key."""
        if fit_key is None or not self.enabled:
            return None
        h = hashlib.sha256(json.dumps({"fit": fit_key, "n": len(clips), **to_json_safe(extra)},
                                      sort_keys=True).encode())
        self._hash_inputs(h, clips, x, None)
        return h.hexdigest()[:24]

    def scores_path(self, key: str) -> Path:
        return Path(self.cache.root) / "scores" / f"{key}.npy"

    def load_scores(self, key: str | None, n: int) -> np.ndarray | None:
        """The cached scores of ``key`` (n float64 values), or None."""
        if key is None:
            return None
        try:
            scores = np.load(self.scores_path(key), allow_pickle=False)
        except (OSError, ValueError):
            return None
        if scores.shape != (n,) or scores.dtype != np.float64 or not np.isfinite(scores).all():
            return None
        return scores

    def save_scores(self, key: str | None, scores: np.ndarray) -> None:
        """Store scores (best effort: a cache that cannot be written only costs a re-score)."""
        if key is None:
            return
        import io

        from .storage import atomic_write_bytes

        buf = io.BytesIO()
        np.save(buf, np.asarray(scores, dtype=np.float64), allow_pickle=False)
        try:
            path = self.scores_path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, buf.getvalue())
        except OSError as e:
            log.debug("scores not cached (%s)", e)

    def load(self, key: str | None) -> Any:
        """The cached fit of ``key`` (with its ``history_``, ``best_epoch_`` and
        ``val_scores_``), or None."""
        if key is None or not self.path(key).is_file():
            return None
        from .persist import load_detector

        try:
            detector, meta = load_detector(self.path(key), self.registry, device=self.device)
        except FakebenchError as e:
            log.warning("ignoring an unreadable cached fit (%s); fitting again", e.message)
            return None
        detector.history_ = meta.get("history")
        detector.best_epoch_ = meta.get("best_epoch")
        if meta.get("val_scores") is not None:
            detector.val_scores_ = np.asarray(meta["val_scores"], dtype=np.float64)
        return detector

    def save(self, key: str | None, detector: Any) -> str | None:
        """Store the fit, and its summary beside it (:meth:`deferred`); returns None, or
        why it could not be stored (a warning)."""
        if key is None:
            return None
        from .persist import save_detector
        from .storage import atomic_write_bytes

        val = getattr(detector, "val_scores_", None)
        meta = {"history": to_json_safe(getattr(detector, "history_", None)),
                "best_epoch": to_json_safe(getattr(detector, "best_epoch_", None)),
                "val_scores": None if val is None else [float(v) for v in np.asarray(val).ravel()]}
        try:
            save_detector(self.path(key), detector, meta)
            summary = {"detector": type(detector).name, "params": to_json_safe(detector.get_params()),
                       "threshold": float(getattr(detector, "threshold_", 0.0)), "history": meta["history"],
                       "best_epoch": meta["best_epoch"]}
            atomic_write_bytes(self.summary_path(key), json.dumps(summary, sort_keys=True).encode())
        except NotImplementedError:
            return None
        except OSError as e:
            return f"the fit could not be cached ({e.strerror or e}); the next identical run fits again"
        return None

    def forget(self, key: str) -> None:
        """Remove a cached fit and its summary (an unreadable one)."""
        for path in (self.path(key), self.summary_path(key)):
            try:
                path.unlink()
            except OSError:
                pass

    def summary_path(self, key: str) -> Path:
        return Path(self.cache.root) / "fits" / f"{key}.json"

    def deferred(self, key: str | None, cls: type) -> "DeferredFit | None":
        """The cached fit of ``key`` as a :class:`DeferredFit` (its summary now, the
        detector itself only if something needs it), or None."""
        if key is None or not self.path(key).is_file():
            return None
        try:
            summary = json.loads(self.summary_path(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(summary, dict) or summary.get("detector") != cls.name or \
                not isinstance(summary.get("params"), dict):
            return None
        try:
            return DeferredFit(self, key, cls, summary)
        except (TypeError, ValueError):  # a summary edited or written by something else: read the fit itself
            return None


class DeferredFit:
    """A fit taken from the cache whose detector is read only when something needs more
    than what its summary holds.

    A warm run whose val and test scores are cached too needs only the detector's name,
    version, parameters, threshold and training history, so it never rebuilds the
    network (for an SSL detector, a 300M-parameter model) nor reads its state; the model
    file of the run is written from the cached one (:func:`fakebench.persist.resave_detector`).
    Anything else (``decision_function``, ``get_state``...) loads the real detector once
    and is answered by it.
    """

    def __init__(self, fits: FitCache, key: str, cls: type, summary: dict[str, Any]):
        self._real = None
        self._fits, self._key, self._cls = fits, key, cls
        self.name, self.version = cls.name, cls.version
        self.scores_are_logits = getattr(cls, "scores_are_logits", False)
        self.threshold_ = float(summary.get("threshold", 0.0))
        self.history_ = summary.get("history")
        self.best_epoch_ = summary.get("best_epoch")
        self.val_scores_ = None  # the scores cache answers for val
        self._params = dict(summary["params"])

    @property
    def loaded(self) -> bool:
        """Whether the real detector has been read."""
        return self._real is not None

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return dict(self._params)

    def detector(self) -> Any:
        """The real detector (read from the cache on first use)."""
        if self._real is None:
            real = self._fits.load(self._key)
            if real is None:
                raise FakebenchError(f"the cached fit {self._fits.path(self._key)} could not be read",
                                     hint="re-run with --retrain")
            self._real = real
        return self._real

    def save_model(self, path: Path, meta: dict[str, Any]) -> Path:
        """Write the run's model file: from the cached file when the detector was not read."""
        from .persist import resave_detector, save_detector

        if self._real is not None:
            return save_detector(path, self._real, meta)
        try:
            return resave_detector(self._fits.path(self._key), path, meta)
        except FakebenchError as e:
            self._fits.forget(self._key)  # the next identical run fits again
            raise FakebenchError(f"the cached fit is unreadable ({e.message}); it was removed, so the next "
                                 "identical run fits again") from None

    def __getattr__(self, name: str) -> Any:  # only for attributes not set above
        if name.startswith("__") or name in ("_real", "_fits", "_key", "_cls", "_params"):
            raise AttributeError(name)
        return getattr(self.detector(), name)


def _stat_key(path) -> str:
    try:
        st = Path(path).stat()
        return f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return "missing"
