"""The checks themselves. Each takes a factory (and, for detectors, optional data)."""

from __future__ import annotations

import functools
import inspect
import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from ..data import FAKE, REAL, Clip
from ..contracts.dataset import Dataset
from ..contracts.detector import Detector
from ..contracts.embedder import Embedder
from ..errors import DatasetError, FakebenchError
from ..contracts.metric import Metric


def kind_of(obj: Any) -> str:
    for base, kind in ((Dataset, "dataset"), (Embedder, "embedder"), (Detector, "detector"), (Metric, "metric")):
        if isinstance(obj, base) or (inspect.isclass(obj) and issubclass(obj, base)):
            return kind
    raise TypeError(f"{obj!r} is not a fakebench Dataset, Embedder, Detector or Metric")


def separable_embeddings(n: int = 160, dim: int = 16, seed: int = 0):
    """A small, clearly separable binary problem: (X_train, y_train, X_test, y_test)."""
    rng = np.random.default_rng(seed)
    y = np.array([REAL, FAKE] * (n // 2), dtype=np.int64)
    centers = np.zeros((2, dim), dtype=np.float32)
    centers[1, :] = 1.5
    x = (rng.normal(size=(n, dim)).astype(np.float32) + centers[y]).astype(np.float32)
    cut = (3 * n) // 4
    return x[:cut], y[:cut], x[cut:], y[cut:]


def _name(fn: Callable) -> str:
    return fn.__name__


# -- datasets ------------------------------------------------------------------------------


def check_dataset_declares_metadata(factory):
    ds = factory()
    for attr in ("name", "description"):
        assert isinstance(getattr(ds, attr, None), str) and getattr(ds, attr), f"dataset must declare a non-empty {attr}"
    assert ds.protocols, "dataset must declare at least one protocol"
    doc = inspect.getdoc(inspect.getmodule(type(ds))) or ""
    assert len(doc) > 40, "a dataset plugin's module must open with a docstring (corpus, URL, license, citation, layout)"


def check_dataset_splits(factory):
    splits = factory().load()
    assert isinstance(splits, dict), "load() must return a dict of split name -> list of Clip"
    assert set(splits) <= {"train", "val", "eval"}, f"split names must be train/val/eval, got {sorted(splits)}"
    assert any(splits.values()), "load() returned no clips"
    for split, clips in splits.items():
        for c in clips:
            assert isinstance(c, Clip), f"split {split} holds {type(c).__name__}, not Clip"


def check_dataset_labels(factory):
    for split, clips in factory().load().items():
        bad = [c.id for c in clips if c.label not in (REAL, FAKE)]
        assert not bad, f"labels must be 0 (real) or 1 (fake); {bad[:3]} in {split} are not"


def check_dataset_ids_unique(factory):
    ids = [c.id for clips in factory().load().values() for c in clips]
    assert len(ids) == len(set(ids)), "clip ids must be unique across splits"


def check_dataset_files_exist(factory):
    missing = [str(c.path) for clips in factory().load().values() for c in clips if not Path(c.path).is_file()]
    assert not missing, f"clips point at missing files, e.g. {missing[:3]}"


def check_dataset_deterministic(factory):
    a = {s: [c.id for c in v] for s, v in factory().load().items()}
    b = {s: [c.id for c in v] for s, v in factory().load().items()}
    assert a == b, "two loads with the same parameters must give the same splits"


def check_dataset_missing_root_is_clear(factory):
    ds = factory()
    with tempfile.TemporaryDirectory() as tmp:
        ds.root = str(Path(tmp) / "does-not-exist")
        try:
            ds.load()
        except DatasetError as e:
            assert "does-not-exist" in str(e) or ds.name in str(e), "the error must name the missing folder"
            return
        except FakebenchError:
            return
        raise AssertionError("load() on a missing data root must raise DatasetError")


DATASET_CHECKS = (check_dataset_declares_metadata, check_dataset_splits, check_dataset_labels,
                  check_dataset_ids_unique, check_dataset_files_exist, check_dataset_deterministic,
                  check_dataset_missing_root_is_clear)


# -- embedders -----------------------------------------------------------------------------


def _audio(emb: Embedder, n: int, seconds: float = 3.0, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = max(seconds, getattr(emb, "min_seconds", 0.0) + 0.5)
    x = torch.rand(n, int(t * emb.sample_rate), generator=g) * 2 - 1
    return (0.5 * x).to(emb.device)


def check_embedder_declares_metadata(factory):
    emb = factory()
    assert isinstance(emb.name, str) and emb.name, "embedder must declare a name"
    assert isinstance(emb.sample_rate, int) and emb.sample_rate > 0, "embedder must declare sample_rate (Hz, int)"
    assert isinstance(emb.output_dim, int) and emb.output_dim > 0, "embedder must declare dim"
    doc = (type(emb).__doc__ or "") + (inspect.getmodule(type(emb)).__doc__ or "")
    assert str(emb.sample_rate // 1000) in doc or "kHz" in doc or "Hz" in doc, \
        "an embedder's docstring must state its sample rate (HEAR style)"


def check_embedder_output_shape(factory):
    emb = factory()
    with torch.inference_mode():
        out = emb.embed(_audio(emb, 2))
    assert tuple(out.shape) == (2, emb.output_dim), f"embed() must return (n, {emb.output_dim}), got {tuple(out.shape)}"


def check_embedder_frames_shape(factory):
    emb = factory()
    with torch.inference_mode():
        out = emb.embed(_audio(emb, 2), frames=True)
    assert out.ndim == 3 and out.shape[0] == 2 and out.shape[2] == emb.output_dim, \
        f"embed(frames=True) must return (n, frames, {emb.output_dim}), got {tuple(out.shape)}"


def check_embedder_deterministic(factory):
    emb = factory()
    x = _audio(emb, 2)
    with torch.inference_mode():
        a, b = emb.embed(x), emb.embed(x)
    assert torch.allclose(a, b, atol=1e-6), "embed() must be deterministic"


def check_embedder_batch_equals_single(factory):
    emb = factory()
    x = _audio(emb, 3, seed=1)
    with torch.inference_mode():
        batch = emb.embed(x)
        single = torch.cat([emb.embed(x[i:i + 1]) for i in range(3)])
    assert torch.allclose(batch, single, atol=1e-4, rtol=1e-3), \
        f"batched output differs from one-at-a-time output (max diff {float((batch - single).abs().max()):.2e})"


def check_embedder_silence_is_finite(factory):
    emb = factory()
    x = torch.zeros_like(_audio(emb, 1))
    with torch.inference_mode():
        out = emb.embed(x)
    assert torch.isfinite(out).all(), "embed() of silence must not give NaN/inf"


def check_embedder_cache_key(factory):
    emb = factory()
    assert emb.cache_key("full") != emb.cache_key("crop:4"), "the cache key must depend on the clip-length policy"
    assert emb.cache_key("full") == factory().cache_key("full"), "the cache key must be stable"


EMBEDDER_CHECKS = (check_embedder_declares_metadata, check_embedder_output_shape, check_embedder_frames_shape,
                   check_embedder_deterministic, check_embedder_batch_equals_single,
                   check_embedder_silence_is_finite, check_embedder_cache_key)


# -- detectors -----------------------------------------------------------------------------


def check_detector_init_stores_params(factory, data=None):
    det = factory()
    params = det.get_params()
    fresh = type(det)(**params)
    assert fresh.get_params() == params, "__init__ must only store its parameters (get_params round trip)"
    learned = [k for k in vars(fresh) if k.endswith("_") and not k.startswith("_")]
    assert not learned, f"__init__ must not set learned attributes ({learned})"


def check_detector_fit_returns_self(factory, data=None):
    xtr, ytr, xte, yte = (data or separable_embeddings)()
    det = factory()
    assert det.fit(xtr, ytr) is det, "fit() must return self"


def check_detector_scores_shape(factory, data=None):
    xtr, ytr, xte, yte = (data or separable_embeddings)()
    det = factory().fit(xtr, ytr)
    s = np.asarray(det.decision_function(xte))
    assert s.shape == (len(yte),), f"decision_function must return shape (n,), got {s.shape}"
    assert np.isfinite(s).all(), "scores must be finite"


def check_detector_predict_binary(factory, data=None):
    xtr, ytr, xte, yte = (data or separable_embeddings)()
    det = factory().fit(xtr, ytr)
    p = np.asarray(det.predict(xte))
    assert p.shape == (len(yte),) and set(np.unique(p)) <= {0, 1}, "predict must return 0/1 of shape (n,)"
    s = np.asarray(det.decision_function(xte))
    assert np.array_equal(p, (s > det.threshold_).astype(p.dtype)), "predict must threshold decision_function"


def check_detector_higher_means_fake(factory, data=None):
    xtr, ytr, xte, yte = (data or separable_embeddings)()
    det = factory().fit(xtr, ytr)
    s = np.asarray(det.decision_function(xte))
    assert s[yte == FAKE].mean() > s[yte == REAL].mean(), \
        "on an easy problem, fakes must score higher than real clips (higher score = more likely fake)"


def check_detector_reproducible(factory, data=None):
    xtr, ytr, xte, yte = (data or separable_embeddings)()
    a = np.asarray(factory().fit(xtr, ytr).decision_function(xte))
    b = np.asarray(factory().fit(xtr, ytr).decision_function(xte))
    assert np.allclose(a, b, atol=1e-6), "two fits with the same random_state must give the same scores"


def check_detector_save_load(factory, data=None):
    from ..persist import load_detector, save_detector
    from ..registry import Registry

    xtr, ytr, xte, yte = (data or separable_embeddings)()
    det = factory().fit(xtr, ytr)
    with tempfile.TemporaryDirectory() as tmp:
        path = save_detector(Path(tmp) / "det.pt", det, {"test": True})
        torch.load(path, weights_only=True)  # must load without unpickling code
        reg = Registry(_pm_with(type(det)))
        back, meta = load_detector(path, reg)
    assert meta == {"test": True}
    assert np.allclose(np.asarray(det.decision_function(xte)), np.asarray(back.decision_function(xte)), atol=1e-5), \
        "a saved and reloaded detector must give the same scores"


def _pm_with(cls):
    """A plugin manager that knows ``cls`` (it may be a third-party class not yet installed)."""
    from ..registry import get_plugin_manager

    pm = get_plugin_manager()
    from ..registry import Registry

    if cls.name not in Registry(pm).names("detectors"):
        class _Plugin:
            from ..hookspecs import hookimpl as _h

            @staticmethod
            @_h
            def fakebench_register_detectors():
                return [cls]

        pm.register(_Plugin, name=f"test-{cls.name}")
    return pm


DETECTOR_CHECKS = (check_detector_init_stores_params, check_detector_fit_returns_self, check_detector_scores_shape,
                   check_detector_predict_binary, check_detector_higher_means_fake, check_detector_reproducible,
                   check_detector_save_load)


# -- metrics -------------------------------------------------------------------------------


def check_metric_declares(factory):
    m = factory()
    assert isinstance(m.name, str) and m.name, "metric must declare a name"
    assert isinstance(m.higher_is_better, bool), "metric must declare higher_is_better (bool)"


def check_metric_returns_float(factory):
    m = factory()
    if not m.from_scores:
        return
    s = torch.tensor([0.1, 0.9, 0.2, 0.8, 0.4, 0.6], dtype=torch.float64)
    y = torch.tensor([0, 1, 0, 1, 1, 0])
    v = m.compute(s, y, threshold=0.5, **m.example_context)
    assert isinstance(v, float), f"compute() must return a float, got {type(v).__name__}"


def check_metric_perfect_is_best(factory):
    m = factory()
    if not m.from_scores:
        return
    y = torch.tensor([0, 0, 0, 1, 1, 1])
    perfect = torch.tensor([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    worst = -perfect
    ctx = m.example_context  # context a metric needs (e.g. ASV scores for t-DCF)
    vp = m.compute(perfect, y, threshold=0.0, **ctx)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vw = m.compute(worst, y, threshold=0.0, **ctx)
    better = vp > vw if m.higher_is_better else vp < vw
    assert better, f"perfect scores must beat reversed ones ({vp} vs {vw}, higher_is_better={m.higher_is_better})"


METRIC_CHECKS = (check_metric_declares, check_metric_returns_float, check_metric_perfect_is_best)


def checks_for(kind: str) -> tuple[Callable, ...]:
    return {"dataset": DATASET_CHECKS, "embedder": EMBEDDER_CHECKS, "detector": DETECTOR_CHECKS,
            "metric": METRIC_CHECKS}[kind]


def bind(check: Callable, data=None) -> Callable:
    if data is not None and "data" in inspect.signature(check).parameters:
        return functools.partial(check, data=data)
    return check
