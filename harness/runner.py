"""The runner: dataset -> embeddings (cached) -> detector fit/score -> metrics -> record.

:func:`run` is the Python API behind ``fakebench run``; the CLI only parses options.

For each seed:

1. load the dataset splits (random protocols are re-drawn with the seed);
2. embed every clip through the cache (only the first seed computes anything);
3. fit the detector on ``train``, with ``val`` for model selection;
4. score ``eval`` (and ``val``) and compute the metrics and breakdowns;
5. write a result record, the per-clip scores and the trained detector to the store.

With ``train_dataset``, the detector is fitted once per seed on that dataset's train/val
splits and scored on the eval split of every dataset in ``dataset`` (comma-separated),
one record per test set.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from .audio import LengthPolicy
from .cache import EmbeddingCache
from .config import route
from .data import FAKE, REAL, Clip
from .errors import ConfigError, DatasetError, FakebenchError
from .evaluate import evaluate
from .extract import ExtractStats, extract
from .inputs import AudioSource, Inputs
from .provenance import environment
from .registry import Pipeline, Registry
from .results import SCHEMA, ResultStore
from .timing import Stopwatch

log = logging.getLogger("fakebench")

#: ``--threshold`` policies: the detector's own threshold, or the EER point of the val split
THRESHOLDS = ("detector", "dev-eer")


@dataclass
class RunSpec:
    """Everything that defines a run. Field names match the CLI options."""

    dataset: str
    detector: str
    embedder: str | None = None
    train_dataset: str | None = None
    data_root: str | None = None
    protocol: str | None = None
    seeds: Sequence[int] = (0,)
    device: str = "auto"
    sets: dict[str, Any] = field(default_factory=dict)
    length: str | None = None
    batch_size: int | None = None
    num_workers: int | None = None
    precision: str = "fp32"
    weights: str | None = None
    cache_dir: str | None = None
    results_dir: str | None = None
    metrics: Sequence[str] | None = None
    allow_missing: bool = False
    skip_bad: bool = False
    save_model: bool = True
    use_cache: bool = True
    #: Reuse the fitted detector of an identical earlier run (same code, parameters,
    #: seed and training data); ``--retrain`` turns it off.
    reuse_fits: bool = True
    progress: bool = False
    #: decision threshold for accuracy, F1...: the detector's, or the EER point of the val split
    threshold: str = "detector"


def resolve_device(device: str | None) -> str:
    device = (device or "auto").lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError("--device cuda was asked for, but no CUDA GPU is available to torch",
                              hint="use --device cpu, or install a CUDA build of torch")
        return device
    if device in ("cpu", "mps"):
        return device
    raise ConfigError(f"unknown device {device!r}", hint="use cpu, cuda, cuda:N or auto")


def run(dataset: str, detector: str, **options: Any) -> list[dict[str, Any]]:
    """Run a benchmark and return its result records (one per seed and test set).

    Example::

        import fakebench
        records = fakebench.run(dataset="foley-demo", detector="sfx-mlp",
                                data_root="../shared/data", seeds=[0, 1, 2])
    """
    spec = RunSpec(dataset=dataset, detector=detector, **options)
    return Runner(spec).run()


class Runner:
    def __init__(self, spec: RunSpec, registry: Registry | None = None):
        self.spec = spec
        self.registry = registry or Registry()
        self.device = resolve_device(spec.device)
        self.pipeline: Pipeline = self.registry.pipeline(spec.detector, spec.embedder)
        self.test_names = [d.strip() for d in spec.dataset.split(",") if d.strip()]
        if not self.test_names:
            raise ConfigError("--dataset is empty")
        if len(self.test_names) > 1 and not spec.train_dataset:
            raise ConfigError("several test datasets need --train-dataset",
                              hint="e.g. --train-dataset asvspoof19-la --dataset itw,asvspoof21-df")
        self.train_name = spec.train_dataset or self.test_names[0]
        self.dataset_classes = {n: self.registry.dataset(n) for n in {self.train_name, *self.test_names}}
        self.components = {
            "dataset": self.dataset_classes[self.train_name],
            "embedder": self.pipeline.embedder,
            "detector": self.pipeline.detector,
        }
        self.params = route(dict(spec.sets), self.components)
        self.metric_classes = self._metric_classes()
        if spec.threshold not in THRESHOLDS:
            raise ConfigError(f"unknown threshold policy {spec.threshold!r}", hint="use one of: " + ", ".join(THRESHOLDS))
        self.store = ResultStore(spec.results_dir)
        self.cache = EmbeddingCache(spec.cache_dir) if spec.use_cache else None
        self.embedder = None
        self._model_loaded = False
        self._features: dict[tuple[str, bool], tuple[dict[str, np.ndarray], ExtractStats]] = {}

    # -- set-up -------------------------------------------------------------------------

    def _metric_classes(self) -> list[type]:
        if self.spec.metrics:
            return [self.registry.metric(m) for m in self.spec.metrics]
        return [cls for cls in self.registry.table("metrics").values() if getattr(cls, "default", True)]

    def _length(self) -> LengthPolicy:
        if self.spec.length:
            return LengthPolicy.parse(self.spec.length)
        if self.pipeline.embedder is not None:
            return LengthPolicy.parse(self.pipeline.embedder.default_length)
        return LengthPolicy.parse(self.pipeline.detector.default_length)

    def _load_embedder(self, model: bool = True):
        """The embedder, identified by its weights; the model itself is built only when
        ``model`` is true (or when the weights cannot be identified without it)."""
        cls = self.pipeline.embedder
        if cls is None:
            return None
        if self.embedder is None:
            emb = cls.from_params(self.params["embedder"])
            fingerprint = emb.identify(weights=self.spec.weights)
            if fingerprint is not None:
                emb.weights_fingerprint = fingerprint
            self.embedder = emb
            self._model_loaded = False
            model = model or fingerprint is None
        if model and not self._model_loaded:
            emb = self.embedder
            t = time.perf_counter()
            try:
                emb.load(weights=self.spec.weights, device=self.device)
            except FakebenchError:
                raise
            except Exception as e:
                raise FakebenchError(
                    f"embedder {emb.name!r} failed to load: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                    hint="check its weights and dependencies (`fakebench list embedders`); --debug shows the traceback",
                ) from e
            self._model_loaded = True
            log.info("embedder %s loaded on %s in %.1f s (weights %s)", emb.name, self.device,
                     time.perf_counter() - t, emb.fingerprint())
        return self.embedder

    def _dataset(self, name: str, seed: int):
        cls = self.dataset_classes[name]
        params = {"root": self.spec.data_root, "seed": seed, "allow_missing": self.spec.allow_missing}
        if self.spec.protocol:
            params["protocol"] = self.spec.protocol
        if name == self.train_name:
            params.update(self.params["dataset"])
        ds = cls.from_params(params)
        t = time.perf_counter()
        splits = ds.load()
        return ds, splits, time.perf_counter() - t

    # -- features -----------------------------------------------------------------------

    def _features_for(self, clips: list[Clip], frames: bool) -> tuple[dict[str, np.ndarray], ExtractStats]:
        emb = self._load_embedder(model=self.cache is None)
        arrays, stats = extract(
            emb, clips, cache=self.cache, length=self._length(), loader=lambda: self._load_embedder(model=True),
            batch_size=self.spec.batch_size or getattr(emb, "default_batch_size", 16),
            num_workers=self.spec.num_workers, frames=frames, skip_bad=self.spec.skip_bad,
            precision=self.spec.precision, progress=self.spec.progress,
        )
        what = "frame embeddings" if frames else "embeddings"
        if stats.computed:
            log.info("%s (%s): %d clips, %d from cache, %d computed in %.1f s (model RTF %.4f)", what, emb.name,
                     stats.n, stats.cached, stats.computed, stats.total_seconds, stats.rtf_model or 0.0)
        else:
            log.info("%s (%s): all %d clips from cache (%d file read%s, %.2f s)", what, emb.name, stats.n,
                     stats.shard_reads, "" if stats.shard_reads == 1 else "s", stats.total_seconds)
        if stats.skipped:
            log.warning("skipped %d unreadable clip(s) (--skip-bad), e.g. %s", len(stats.skipped),
                        stats.skipped[0][1])
        if stats.silent:
            log.warning("%d clip(s) are digital silence (all samples zero)", stats.silent)
        if stats.padded:
            log.warning("%d clip(s) were shorter than %s's shortest input (%.2f s) and were zero-padded",
                        stats.padded, emb.name, emb.min_seconds)
        return {c.id: a for c, a in zip(clips, arrays) if a is not None}, stats

    def _inputs(self, clips: list[Clip], feats: dict[str, dict[str, np.ndarray]]) -> Any:
        det = self.pipeline.detector
        need = set(det.inputs)
        emb = feats.get("embedding")
        if need == {"embedding"}:
            return np.stack([emb[c.id] for c in clips]).astype(np.float32, copy=False)
        x = Inputs(clips=list(clips))
        if "embedding" in need:
            x.embedding = np.stack([emb[c.id] for c in clips]).astype(np.float32, copy=False)
        if "frames" in need:
            x.frames = [feats["frames"][c.id] for c in clips]
        if "audio" in need:
            x.audio = AudioSource(clips, det.sample_rate or 16000, self._length())
        if "speaker" in need:
            x.speaker = [c.speaker for c in clips]
        if "transcript" in need:
            from .transcripts import transcripts_for

            x.transcript = transcripts_for(clips, self.params["detector"], cache=self.cache, device=self.device)
        return x

    # -- the run ------------------------------------------------------------------------

    def run(self) -> list[dict[str, Any]]:
        records = []
        for seed in self.spec.seeds:
            records.extend(self._run_seed(int(seed)))
        return records

    def _run_seed(self, seed: int) -> list[dict[str, Any]]:
        spec = self.spec
        timings: dict[str, float] = {}
        train_ds, train_splits, timings["load_dataset"] = self._dataset(self.train_name, seed)
        tests: dict[str, tuple[Any, list[Clip]]] = {}
        for name in self.test_names:
            if name == self.train_name:
                tests[name] = (train_ds, train_splits.get("eval", []))
            else:
                ds, splits, t = self._dataset(name, seed)
                timings["load_dataset"] += t
                tests[name] = (ds, splits.get("eval", []))
        train, val = train_splits.get("train", []), train_splits.get("val", [])
        _check_split(self.train_name, "train", train, both_classes=True)
        for name, (_, ev) in tests.items():
            _check_split(name, "eval", ev, both_classes=False)
        log.info("dataset %s (seed %d): train %s, val %s", self.train_name, seed, _counts(train), _counts(val))

        det_cls = self.pipeline.detector
        all_clips = _unique(train + val + [c for _, ev in tests.values() for c in ev])
        feats: dict[str, dict[str, np.ndarray]] = {}
        extract_stats: dict[str, ExtractStats] = {}
        for kind, frames in (("embedding", False), ("frames", True)):
            if kind in det_cls.inputs:
                feats[kind], extract_stats[kind] = self._features_for(all_clips, frames)
        if feats:
            have = set.intersection(*(set(f) for f in feats.values()))
            dropped = len(all_clips) - len(have)
            train, val = [c for c in train if c.id in have], [c for c in val if c.id in have]
            tests = {n: (ds, [c for c in ev if c.id in have]) for n, (ds, ev) in tests.items()}
        else:
            dropped = 0

        det_params = dict(self.params["detector"])
        names = det_cls.param_names()
        if "random_state" in names and "random_state" not in det_params:
            det_params["random_state"] = seed
        if "device" in names and "device" not in det_params:
            det_params["device"] = self.device
        if self.embedder is None and "weights" in names and spec.weights and "weights" not in det_params:
            det_params["weights"] = spec.weights
        detector = det_cls.from_params(det_params)
        _seed_everything(seed)

        x_train, y_train = self._inputs(train, feats), _labels(train)
        x_val, y_val = (self._inputs(val, feats), _labels(val)) if val else (None, None)
        t = time.perf_counter()
        fit_key = self._fit_key(detector, train, val, x_train, y_train, x_val, y_val, extract_stats)
        reused = self._load_fit(fit_key)
        if reused is not None:
            detector = reused
            timings["fit"] = time.perf_counter() - t
            log.info("reused the fitted %s of an identical earlier run (--retrain fits again)", det_cls.name)
        else:
            fitted = detector.fit(x_train, y_train, x_val, y_val)
            if fitted is not detector:
                raise FakebenchError(f"detector {det_cls.name!r}: fit() must return self")
            timings["fit"] = time.perf_counter() - t
            log.info("fitted %s on %d clips in %.1f s", det_cls.name, len(train), timings["fit"])
            self._save_fit(fit_key, detector)
        self._fit_reused = reused is not None

        val_scores = detector.decision_function(x_val) if val else np.zeros(0)
        threshold = self._threshold(detector, val_scores, y_val)
        run_group = uuid.uuid4().hex[:6]
        model_path = None
        records = []
        for name, (ds, ev) in tests.items():
            x_ev, y_ev = self._inputs(ev, feats), _labels(ev)
            with Stopwatch(self.device if self.device.startswith("cuda") else "cpu") as sw:
                scores = np.asarray(detector.decision_function(x_ev), dtype=np.float64)
            t_score = sw.seconds
            if scores.shape != (len(ev),):
                raise FakebenchError(
                    f"detector {det_cls.name!r} returned scores of shape {scores.shape} for {len(ev)} clips",
                    hint="decision_function must return shape (n,)")
            if not np.isfinite(scores).all():
                raise FakebenchError(f"detector {det_cls.name!r} returned NaN/inf scores on {name} eval")
            eval_seconds = sum(c.duration or 0.0 for c in ev)
            tm = dict(timings, score=t_score)
            ctx = {"threshold": threshold, "threshold_source": spec.threshold, "timings": tm,
                   "audio_seconds": eval_seconds, "extract": {k: v.as_dict() for k, v in extract_stats.items()},
                   "val_scores": val_scores, "val_labels": y_val, "device": self.device,
                   "scores_are_logits": bool(det_cls.scores_are_logits),
                   "asv_scores": ds.asv_scores("eval") if hasattr(ds, "asv_scores") else None}
            result = evaluate(scores, y_ev, ev, self.metric_classes, ctx,
                              attributes=getattr(ds, "attributes", ()), skip_unavailable=not spec.metrics)
            result.update(threshold=threshold, threshold_source=spec.threshold,
                          scores_are_logits=bool(det_cls.scores_are_logits))
            rec = self._record(seed, run_group, ds, name, train_ds, train, val, ev, result, tm, extract_stats,
                               detector, dropped)
            if spec.save_model and model_path is None:
                model_path = self._save(detector, rec)
            if model_path is not None:
                rec["model_file"] = str(model_path.relative_to(self.store.root))
            rows = _score_rows(ev, scores, "eval") + (_score_rows(val, val_scores, "val") if name == self.train_name else [])
            path = self.store.add(rec, rows)
            log.info("result written to %s", path)
            records.append(rec)
        return records

    def _threshold(self, detector, val_scores: np.ndarray, y_val: np.ndarray | None) -> float:
        """The decision threshold of the threshold metrics (``--threshold``)."""
        if self.spec.threshold == "detector":
            return float(detector.threshold_)
        if y_val is None or len(set(np.asarray(y_val).tolist())) < 2:
            raise ConfigError("--threshold dev-eer needs a val split holding both real and fake clips",
                              hint="use --threshold detector, or a protocol with a val split")
        from .metrics import eer

        return float(eer(val_scores, y_val, return_threshold=True, warn=False)[1])

    # -- the fit cache ------------------------------------------------------------------

    def _fit_key(self, detector, train, val, x_train, y_train, x_val, y_val, extract_stats) -> str | None:
        """A key for "this exact fit was done before": the detector's code (its module's
        source, its distribution's and fakebench's versions), parameters and seed, the
        training and validation data as the detector sees them (array contents, or the
        audio files' content hashes) and the device type. None when fits must not be
        reused: ``--retrain``, no cache, or a fakebench checkout with uncommitted changes.
        """
        if not self.spec.reuse_fits or self.cache is None or not hasattr(detector, "get_state"):
            return None
        from .provenance import fakebench_version, git_sha, package_version

        sha = git_sha()
        if sha and sha.endswith("-dirty"):
            return None
        cls = type(detector)
        try:
            import inspect
            import sys

            source = inspect.getsource(sys.modules[cls.__module__])
        except (OSError, TypeError, KeyError):
            return None
        h = hashlib.sha256()
        meta = {
            "detector": cls.name, "version": getattr(cls, "version", "1"),
            "params": _jsonable({k: v for k, v in detector.get_params().items() if k != "device"}),
            "source": hashlib.sha256(source.encode()).hexdigest(),
            "dist": package_version(cls.__module__.split(".")[0]), "fakebench": fakebench_version(), "git": sha,
            "device": torch.device(self.device).type, "threshold": self.spec.threshold,
            "extract": {k: v.namespace for k, v in extract_stats.items()},
        }
        h.update(json.dumps(meta, sort_keys=True).encode())
        for clips, x, y in ((train, x_train, y_train), (val, x_val, y_val)):
            h.update(b"|split|")
            if y is not None:
                h.update(np.ascontiguousarray(y).tobytes())
            arrays = [x] if isinstance(x, np.ndarray) else [getattr(x, "embedding", None)]
            arrays += list(getattr(x, "frames", None) or [])
            for a in arrays:
                if isinstance(a, np.ndarray):
                    h.update(np.ascontiguousarray(a).tobytes())
            if not isinstance(x, np.ndarray) and x is not None:
                paths = [c.path for c in clips]
                known = self.cache.hasher.known(paths)
                for c, k in zip(clips, known):
                    h.update(f"{c.id}\t{k or _stat_key(c.path)}\t{c.speaker}\t{c.transcript}\n".encode())
        return h.hexdigest()[:24]

    def _fit_path(self, key: str) -> Path:
        return self.cache.root / "fits" / f"{key}.pt"

    def _load_fit(self, key: str | None):
        if key is None or not self._fit_path(key).is_file():
            return None
        from .persist import load_detector

        try:
            detector, meta = load_detector(self._fit_path(key), self.registry, device=self.device)
        except FakebenchError as e:
            log.warning("ignoring an unreadable cached fit (%s); fitting again", e.message)
            return None
        detector.history_ = meta.get("history")
        detector.best_epoch_ = meta.get("best_epoch")
        return detector

    def _save_fit(self, key: str | None, detector) -> None:
        if key is None:
            return
        from .persist import save_detector

        try:
            save_detector(self._fit_path(key), detector,
                          {"history": _jsonable(getattr(detector, "history_", None)),
                           "best_epoch": _jsonable(getattr(detector, "best_epoch_", None))})
        except NotImplementedError:
            pass

    def _save(self, detector, rec) -> Path | None:
        from .persist import save_detector

        try:
            detector.get_state
            path = self.store.model_path(rec["run_id"])
            meta = {
                "run_id": rec["run_id"],
                "pipeline": rec["pipeline"],
                "length": str(self._length()),
                "weights": str(Path(self.spec.weights).expanduser().absolute()) if self.spec.weights else None,
                "dataset": rec["dataset"]["name"],
                "labels": "1 = fake/spoof; higher score = more likely fake",
            }
            return save_detector(path, detector, meta)
        except NotImplementedError:
            log.info("detector %s cannot be saved; no model file written", detector.name)
            return None

    def _record(self, seed, run_group, ds, name, train_ds, train, val, ev, result, timings, extract_stats,
                detector, dropped) -> dict[str, Any]:
        emb = self.embedder
        created = _dt.datetime.now(_dt.timezone.utc)
        pipeline = {
            "name": self.pipeline.name,
            "embedder": emb.describe() if emb is not None else None,
            "detector": {"name": detector.name, "version": detector.version,
                         "params": _jsonable({k: v for k, v in detector.get_params().items() if k != "device"})},
            "length": str(self._length()),
        }
        dataset = {
            "name": name,
            "protocol": getattr(ds, "protocol_name", None),
            "params": _jsonable({k: v for k, v in ds.get_params().items() if k not in ("root", "seed")}),
            "fingerprint": ds.fingerprint({"eval": ev}),
            "counts": {"eval": _counts_dict(ev)},
        }
        if name == self.train_name:
            dataset["counts"].update(train=_counts_dict(train), val=_counts_dict(val))
            dataset["fingerprint"] = ds.fingerprint({"train": train, "val": val, "eval": ev})
        train_info = None
        if self.spec.train_dataset and name != self.train_name:
            train_info = {"name": self.train_name, "protocol": getattr(train_ds, "protocol_name", None),
                          "fingerprint": train_ds.fingerprint({"train": train, "val": val}),
                          "counts": {"train": _counts_dict(train), "val": _counts_dict(val)}}
        # runs that differ only in seed share a group (mean ± std across seeds)
        seedless = {**pipeline, "detector": {**pipeline["detector"], "params": {
            k: v for k, v in pipeline["detector"]["params"].items() if k != "random_state"}}}
        group_src = json.dumps({"dataset": {k: dataset[k] for k in ("name", "protocol", "params")},
                                "train": self.train_name, "pipeline": seedless,
                                **({"threshold": self.spec.threshold} if self.spec.threshold != "detector" else {})},
                               sort_keys=True)
        run_id = f"{created.strftime('%Y%m%dT%H%M%S')}-{name}-{self.pipeline.name}-s{seed}-{uuid.uuid4().hex[:6]}"
        return {
            "schema": SCHEMA,
            "run_id": run_id,
            "created": created.isoformat(timespec="seconds"),
            "run_group": run_group,
            "group_key": hashlib.sha256(group_src.encode()).hexdigest()[:12],
            "seed": seed,
            "dataset": dataset,
            "train_dataset": train_info,
            "pipeline": pipeline,
            "metrics": result["metrics"],
            "metric_info": result["metric_info"],
            "threshold": result.get("threshold", float(detector.threshold_)),
            "threshold_source": result.get("threshold_source", "detector"),
            "scores_are_logits": result.get("scores_are_logits"),
            "confusion": result["confusion"],
            "breakdowns": result["breakdowns"],
            "warnings": result["warnings"] + ([f"{dropped} clip(s) skipped as unreadable"] if dropped else []),
            "training": {"history": _jsonable(getattr(detector, "history_", None)),
                         "best_epoch": getattr(detector, "best_epoch_", None),
                         "reused_fit": getattr(self, "_fit_reused", False)},
            "timings": {k: round(v, 4) for k, v in timings.items()},
            "extraction": {k: v.as_dict() for k, v in extract_stats.items()},
            "environment": {**environment(self.device), "plugins": self._plugin_versions()},
            "options": {"precision": self.spec.precision, "batch_size": self.spec.batch_size,
                        "skip_bad": self.spec.skip_bad, "allow_missing": self.spec.allow_missing,
                        "threshold": self.spec.threshold},
        }

    def _plugin_versions(self) -> dict[str, str]:
        out = {}
        for kind, cls in (("dataset", self.dataset_classes[self.train_name]), ("embedder", self.pipeline.embedder),
                          ("detector", self.pipeline.detector)):
            if cls is not None:
                mod = cls.__module__.split(".")[0]
                from .provenance import package_version

                out[f"{kind}:{cls.name}"] = f"{cls.__module__} {package_version(mod) or ''} v{getattr(cls, 'version', '1')}".strip()
        return out


# -- helpers ------------------------------------------------------------------------------


def _check_split(dataset: str, split: str, clips: list[Clip], both_classes: bool) -> None:
    if not clips:
        raise DatasetError(f"dataset {dataset!r} has an empty {split} split",
                           hint="check the data folder and protocol (`fakebench info " + dataset + "`)")
    if both_classes:
        labels = {c.label for c in clips}
        if labels != {REAL, FAKE}:
            only = "fake" if labels == {FAKE} else "real"
            raise DatasetError(f"the {split} split of {dataset!r} holds only {only} clips; a detector needs both",
                               hint="check the labels in the protocol or manifest")


def _stat_key(path) -> str:
    try:
        st = Path(path).stat()
        return f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return "missing"


def _labels(clips: list[Clip]) -> np.ndarray:
    return np.array([c.label for c in clips], dtype=np.int64)


def _unique(clips: list[Clip]) -> list[Clip]:
    seen, out = set(), []
    for c in clips:
        key = str(c.path)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _counts(clips: list[Clip]) -> str:
    d = _counts_dict(clips)
    return f"{d['n']} ({d['real']} real, {d['fake']} fake)"


def _counts_dict(clips: list[Clip]) -> dict[str, int]:
    fake = sum(c.label == FAKE for c in clips)
    return {"n": len(clips), "real": len(clips) - fake, "fake": fake}


def _score_rows(clips: list[Clip], scores: np.ndarray, split: str) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "split": split, "label": c.label, "score": f"{float(s):.7g}", "class": c.cls or "",
         "system": c.system or "", "speaker": c.speaker or ""}
        for c, s in zip(clips, scores)
    ]


def _seed_everything(seed: int) -> None:
    import random

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return repr(obj)
