"""The runner: dataset -> embeddings (cached) -> detector fit/score -> metrics -> record.

:func:`run` is the Python API behind ``fakebench run``; the CLI only parses options.

For each seed:

1. load the dataset splits (random protocols are re-drawn with the seed);
2. embed every clip through the cache (only the first seed computes anything);
3. fit the detector on ``train``, with ``val`` for model selection (or reuse the fit of
   an identical earlier run: :mod:`fakebench.fit_cache`);
4. score ``eval`` (and ``val``, once) and compute the metrics and breakdowns;
5. write a result record (:mod:`fakebench.records`), the per-clip scores and the trained
   detector to the store.

With ``train_dataset``, the detector is fitted once per seed on that dataset's train/val
splits and scored on every dataset in ``dataset`` (comma-separated), one record per test
set. A dataset used only for testing is scored on its whole test set (its official eval
split, or every clip for a corpus without one: :attr:`Dataset.test_split`).
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from .audio import LengthPolicy
from .conditions import condition_key_of
from .config import RunSpec, route
from .data import FAKE, Clip
from .data.clip_list import clip_column, clip_ids, clip_labels, clip_path_strings, take_clips
from .data.splits import check_disjoint, check_split, unique_clips
from .errors import DatasetError, FakebenchError
from .evaluate import evaluate
from .extract import ExtractStats, extract
from .feature_rows import RowTable, RowViews
from .fit_cache import DeferredFit, FitCache
from .inputs import build_inputs
from .memory import current_rss_mb, tune_allocator
from .preflight import build_plan, device_or_cpu, open_cache
from .records import FitInfo, RunInfo, TestSet, build_record, score_rows
from .registry import Pipeline, Registry
from .results import ResultStore
from .timing import Stopwatch
from .training import degenerate_scores

log = logging.getLogger("fakebench")

__all__ = ["RunSpec", "Runner", "unique_clips"]

#: Activation memory the evaluation batch of an audio detector may take on a CPU when no
#: ``--max-memory`` is given (MiB). AASIST at 64,600 samples needs about 250 MiB a clip:
#: a batch of 2, not 16 (4.5 GB peak RSS for 1.1x the speed; docs/PERFORMANCE.md).
DEFAULT_EVAL_BUDGET_MB = 512


class Runner:
    """One run of a :class:`RunSpec` in this process: every seed, one after another.

    ``executor`` (an object with ``extract`` and ``score``, :mod:`fakebench.executors`)
    replaces how embeddings are computed and test inputs scored; the executor, not the
    runner, decides where runs go (:func:`fakebench.launch.run_spec`).
    """

    def __init__(self, spec: RunSpec, registry: Registry | None = None, *, executor: Any = None):
        spec.validate()
        self.spec = spec
        self.registry = registry or Registry()
        self.device = device_or_cpu(spec.device)  # an unusable --device is reported by the plan
        self.pipeline: Pipeline = self.registry.pipeline(spec.detector, spec.embedder)
        self.test_names = [d.strip() for d in spec.dataset.split(",") if d.strip()]
        if not self.test_names:
            raise FakebenchError("--dataset is empty")
        if len(self.test_names) > 1 and not spec.train_dataset:
            from .errors import ConfigError

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
        for kind, cls in self.components.items():
            if cls is not None:
                cls.check_params(self.params[kind])
        self.metric_classes = self._metric_classes()
        self.store = ResultStore(spec.results_dir)
        self.cache = open_cache(spec)  # None: --no-cache, or a folder the plan reports as unusable
        self.fits = FitCache(self.cache, self.registry, self.device, enabled=spec.reuse_fits)
        self.length = self._length()
        #: where the heavy work goes (None: here); see :func:`fakebench.launch.run_spec`
        self.executor = executor
        #: how embeddings are computed; an executor (e.g. Ray) passes its own function of
        #: the same signature as :func:`fakebench.extract.extract`
        self.extract = extract if executor is None else executor.extract
        #: how a fitted detector scores inputs; an executor may shard it across workers
        self.score = _score_locally if executor is None else executor.score
        from .conditions import parse_condition, resolve_conditions

        self.conditions = resolve_conditions(spec.conditions, spec.condition_set, self.registry, load=True)
        self.train_condition = parse_condition(spec.train_condition, self.registry) if spec.train_condition else None
        if self.train_condition is not None:
            self.train_condition.load()
        clean = self.train_condition is None or self.train_condition.name == "clean"
        self.train_condition_spec = None if clean else self.train_condition.spec()
        self.embedder = None
        self._model_loaded = False
        #: what the run needs and will do, resolved now (nothing decoded): fakebench.preflight
        self.plan = build_plan(self)

    # -- set-up -------------------------------------------------------------------------

    def _metric_classes(self) -> list[type]:
        if self.spec.metrics:
            return [self.registry.metric(m) for m in self.spec.metrics]
        return [cls for cls in self.registry.table("metrics").values() if cls.default]

    def _length(self) -> LengthPolicy:
        """The clip-length policy (``--length``, else the model's own), checked to keep at
        least one sample at the model's rate."""
        model = self.pipeline.embedder or self.pipeline.detector
        policy = LengthPolicy.parse(self.spec.length or model.default_length)
        return policy.check_rate(getattr(model, "sample_rate", None) or 16000, model.name)

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

    def _test_set(self, name: str, seed: int, train_ds, train_splits) -> tuple[TestSet, float]:
        """The clips ``name`` is scored on: the eval split of the training dataset, or, for
        a dataset used only for testing, its whole test set (:attr:`Dataset.test_split`)."""
        if name == self.train_name:
            return TestSet(name, train_ds, train_splits.get("eval", []), "eval"), 0.0
        ds, splits, t = self._dataset(name, seed)
        if ds.test_split == "all":
            clips = unique_clips([c for part in ("train", "val", "eval") for c in splits.get(part, [])])
            return TestSet(name, ds, clips, "all"), t
        return TestSet(name, ds, splits.get("eval", []), "eval"), t

    # -- features -----------------------------------------------------------------------

    def _features_for(self, clips: list[Clip], frames: bool,
                      condition: Any = None) -> tuple[dict[str, np.ndarray], ExtractStats]:
        emb = self._load_embedder(model=self.cache is None)
        arrays, stats = self.extract(
            emb, clips, cache=self.cache, length=self.length, loader=lambda: self._load_embedder(model=True),
            batch_size=self.spec.batch_size or emb.default_batch_size, num_workers=self.spec.num_workers,
            frames=frames, skip_bad=self.spec.skip_bad, precision=self.spec.precision, progress=self.spec.progress,
            condition=condition,
        )
        what = ("frame embeddings" if frames else "embeddings") + (
            f" under {condition.condition.spec()}" if condition is not None else "")
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
        if isinstance(arrays, RowViews):  # the whole split from one cached block
            return RowTable(clip_path_strings(clips), arrays.matrix), stats
        return {p: a for p, a in zip(clip_path_strings(clips), arrays) if a is not None}, stats

    def _inputs(self, clips: list[Clip], feats: dict[str, dict[str, np.ndarray]], condition: Any = None) -> Any:
        return build_inputs(self.pipeline.detector, clips, features=feats, length=self.length,
                            detector_params=self.params["detector"], transcript_cache=self.cache, device=self.device,
                            condition=condition)

    def _transform(self, condition: Any, seed: int):
        """The :class:`~fakebench.conditions.ConditionTransform` of ``condition`` for
        ``seed``; None for clean audio (no condition, or ``clean``)."""
        if condition is None or condition.name == "clean":
            return None
        from .conditions import ConditionTransform

        return ConditionTransform(condition, seed)

    # -- the run ------------------------------------------------------------------------

    def run(self) -> list[dict[str, Any]]:
        self.plan.raise_if_missing()  # everything missing, in one error, before any audio is decoded
        if not self.device.startswith("cuda"):
            tune_allocator()
        records = []
        for seed in self.spec.seeds:
            records.extend(self._run_seed(int(seed)))
        return records

    def _run_seed(self, seed: int) -> list[dict[str, Any]]:
        timings: dict[str, float] = {}
        train_ds, train_splits, timings["load_dataset"] = self._dataset(self.train_name, seed)
        tests: list[TestSet] = []
        for name in self.test_names:
            test, t = self._test_set(name, seed, train_ds, train_splits)
            timings["load_dataset"] += t
            tests.append(test)
        train, val = train_splits.get("train", []), train_splits.get("val", [])
        check_split(self.train_name, "train", train, both_classes=True)
        for test in tests:
            check_split(test.name, "eval", test.clips, both_classes=False)
        self._check_no_leak(train, val, tests)
        log.info("dataset %s (seed %d): train %s, val %s", self.train_name, seed, _counts(train), _counts(val))

        det_cls = self.pipeline.detector
        # clips to embed, per condition: train and val under the training condition, every
        # test set under every evaluated condition (one extraction pass per condition)
        train_ct = self._transform(self.train_condition, seed)
        evaluated = [(c, self._transform(c, seed)) for c in (self.conditions or [None])]
        needs: dict[str, tuple[Any, list[Clip]]] = {condition_key_of(train_ct): (train_ct, train + val)}
        for _, ct in evaluated:
            needs.setdefault(condition_key_of(ct), (ct, []))[1].extend(c for t in tests for c in t.clips)
        feats: dict[str, dict[str, dict[str, np.ndarray]]] = {}
        extraction: dict[str, dict[str, ExtractStats]] = {}
        dropped = 0
        for key, (ct, clips) in needs.items():
            clips = unique_clips(clips)
            feats[key], extraction[key] = {}, {}
            for kind, frames in (("embedding", False), ("frames", True)):
                if kind in det_cls.inputs:
                    feats[key][kind], extraction[key][kind] = self._features_for(clips, frames, ct)
            if feats[key]:
                have = set.intersection(*(set(f) for f in feats[key].values()))
                dropped += len(clips) - len(have)
        if any(feats.values()):
            def kept(clips, key):
                have = set.intersection(*(set(f) for f in feats[key].values()))
                return take_clips(clips, [i for i, p in enumerate(clip_path_strings(clips)) if p in have])

            train, val = kept(train, condition_key_of(train_ct)), kept(val, condition_key_of(train_ct))
        pairs = []  # (test set under a condition, its transform)
        for cond, ct in evaluated:
            for test in tests:
                clips = kept(test.clips, condition_key_of(ct)) if any(feats.values()) else test.clips
                pairs.append((TestSet(test.name, test.dataset, clips, test.part,
                                      condition=cond.spec() if cond is not None and cond.name != "clean" else None,
                                      condition_params=cond.describe()["params"] if cond is not None else None), ct))

        train_feats = feats[condition_key_of(train_ct)]
        fit = self._fit(seed, train_ds, train, val, train_feats, extraction[condition_key_of(train_ct)], timings,
                        train_ct)
        fit.dropped = dropped
        y_val = clip_labels(val) if val else None
        val_scores = self._val_scores(fit.detector, val, train_feats, train_ct, fit.key) if val else np.zeros(0)
        threshold = self._threshold(fit.detector, val_scores, y_val)
        calibration = self._calibration(val_scores, y_val)
        model_path = None
        records = []
        # one condition at a time: its test sets are scored, then their records written, so
        # an interruption keeps every finished condition
        for cond in dict.fromkeys(test.condition for test, _ in pairs):
            scored = []
            for test, ct in (p for p in pairs if p[0].condition == cond):
                x_ev = self._inputs(test.clips, feats[condition_key_of(ct)], ct)
                # scores of an identical earlier run (same fit, same inputs): no clip through the network
                skey = self._scores_key(fit.key, test.clips, x_ev, ct, "eval")
                scores = self.fits.load_scores(skey, len(test.clips))
                if scores is not None:
                    log.info("reused the scores of %d %s clips from an identical earlier run", len(scores), test.name)
                    scored.append((test, scores, 0.0, ct))
                    continue
                with Stopwatch(self.device if self.device.startswith("cuda") else "cpu") as sw:
                    scores = np.asarray(self.score(fit.detector, x_ev), dtype=np.float64)
                _check_scores(det_cls.name, scores, len(test.clips), test.name)
                self.fits.save_scores(skey, scores)
                scored.append((test, scores, sw.seconds, ct))
            group = self._test_group(scored) if len(scored) > 1 else None
            for test, raw, seconds, ct in scored:
                rec, rows = self._record(fit, test, raw, seconds, ct, timings, extraction, threshold, calibration,
                                         val, val_scores, y_val, group)
                if self.spec.save_model and model_path is None:
                    model_path = self._save(fit.detector, rec)
                if model_path is not None:
                    rec["model_file"] = str(model_path.relative_to(self.store.root))
                path = self.store.add(rec, rows)
                log.info("result written to %s", path)
                records.append(rec)
        return records

    def _record(self, fit, test, raw, seconds, ct, timings, extraction, threshold, calibration, val, val_scores,
                y_val, group) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The record and per-clip score rows of one scored test set."""
        det_cls = self.pipeline.detector
        y_ev = clip_labels(test.clips)
        tm = dict(timings, score=seconds)
        scores, thr = raw, threshold
        if calibration is not None:
            scores, thr = calibration(raw), float(calibration(np.array([threshold]))[0])
        ctx = {"threshold": thr, "threshold_source": self.spec.threshold, "timings": tm,
               "audio_seconds": sum(d or 0.0 for d in clip_column(test.clips, "duration")),
               "extract": {k: v.as_dict() for k, v in extraction[condition_key_of(ct)].items()},
               "val_scores": calibration(val_scores) if calibration is not None else val_scores,
               "val_labels": y_val, "device": self.device,
               "scores_are_logits": bool(det_cls.scores_are_logits or calibration is not None),
               "asv_scores": test.dataset.asv_scores("eval"),
               "sasv_trials": test.dataset.sasv_trials("eval"), "clip_ids": clip_ids(test.clips)}
        result = evaluate(scores, y_ev, test.clips, self.metric_classes, ctx,
                          attributes=test.dataset.attributes, skip_unavailable=not self.spec.metrics)
        result.update(threshold=thr, threshold_source=self.spec.threshold, scores_are_logits=ctx["scores_are_logits"])
        rec = build_record(self._run_info(), fit, test, result, tm)
        problem = degenerate_scores(raw, y_ev)
        if problem:
            log.warning("%s on %s: %s", det_cls.name, test.name, problem)
            rec["warnings"].append(problem)
        if calibration is not None:
            rec["calibration"] = _calibration_report(calibration, raw, scores, y_ev)
        if group is not None:
            rec["test_group"] = group
        rows = score_rows(test.clips, scores, "eval", raw if calibration is not None else None)
        if test.name == self.train_name and test.condition == self.train_condition_spec:
            val_rows = calibration(val_scores) if calibration is not None else val_scores
            rows += score_rows(val, val_rows, "val", val_scores if calibration is not None else None)
        return rec, rows

    def _check_no_leak(self, train: list[Clip], val: list[Clip], tests: list[TestSet]) -> None:
        """One audio file never sits in two splits of the training dataset (same path after
        normalisation, or the same file through a link): refused, naming the files. A test
        set of another dataset sharing files with the training data is allowed (it can be
        the point of a cross-dataset check) but warned about."""
        own = next((t.clips for t in tests if t.name == self.train_name), [])
        problems = check_disjoint({"train": train, "val": val, "eval": own})
        if problems:
            raise DatasetError(f"{self.train_name}: the same audio is in two splits, so the scores would be "
                               f"inflated: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1
                                                             else ""),
                               hint="fix the protocol or manifest (one file, one split); `fakebench info` lists "
                                    "duplicates")
        for t in tests:
            if t.name != self.train_name:
                shared = check_disjoint({"train+val": train + val, t.name: t.clips}, limit=1)
                if shared:
                    log.warning("test set %s shares audio with the training data of %s: %s", t.name,
                                self.train_name, shared[0])

    def _calibration(self, val_scores: np.ndarray, y_val: np.ndarray | None):
        """``--calibrate dev``: a logistic-regression calibration fitted on the val split."""
        if self.spec.calibrate in (None, "none"):
            return None
        if y_val is None or len(set(np.asarray(y_val).tolist())) < 2:
            from .errors import ConfigError

            raise ConfigError("--calibrate dev needs a val split holding both real and fake clips",
                              hint="use a protocol with a val split, or leave --calibrate out")
        from .metrics.calibration import fit_calibration

        cal = fit_calibration(val_scores, y_val)
        log.info("calibration fitted on %d val clips: llr = %.4g * score + %.4g (prior %.3f)", len(y_val),
                 cal.scale, cal.offset, cal.prior)
        return cal

    @staticmethod
    def _test_group(scored) -> dict[str, Any]:
        """Pooled EER (one threshold over the concatenated scores of every test set) and
        average EER (mean of per-set EERs) over the test sets of one seed, as Speech DF
        Arena reports them."""
        from .metrics.pooled import average_eer, per_set_eer, pooled_eer

        parts = {s[0].name: (s[1], clip_labels(s[0].clips)) for s in scored}
        out: dict[str, Any] = {"datasets": list(parts)}
        try:
            out.update(pooled_eer=pooled_eer(parts), average_eer=average_eer(parts), eer=per_set_eer(parts))
        except FakebenchError as e:
            out["warning"] = e.message
        return out

    def _fit(self, seed, train_ds, train, val, feats, extraction, timings, condition=None) -> FitInfo:
        det_cls = self.pipeline.detector
        det_params = dict(self.params["detector"])
        names = det_cls.param_names()
        if "random_state" in names and "random_state" not in det_params:
            det_params["random_state"] = seed
        if "device" in names and "device" not in det_params:
            det_params["device"] = self.device
        if self.embedder is None and "weights" in names and self.spec.weights and "weights" not in det_params:
            det_params["weights"] = self.spec.weights
        batch = self._eval_batch(det_cls, det_params)
        if batch is not None:
            det_params["eval_batch_size"] = batch
        detector = det_cls.from_params(det_params)
        _seed_everything(seed)
        x_train, y_train = self._inputs(train, feats, condition), clip_labels(train)
        x_val, y_val = (self._inputs(val, feats, condition), clip_labels(val)) if val else (None, None)
        t = time.perf_counter()
        key = self.fits.key(detector, [(train, x_train, y_train), (val, x_val, y_val)],
                            {"threshold": self.spec.threshold,
                             "extract": {k: v.namespace for k, v in extraction.items()},
                             "condition": condition.key if condition is not None else None,
                             **({"length": str(self.length), "precision": self.spec.precision}
                                if "audio" in det_cls.inputs else {})})
        # in this process, a cached fit is read only if something needs more than its summary
        reused = self.fits.deferred(key, det_cls) if self.executor is None else None
        if reused is None:
            reused = self.fits.load(key)
        warnings: list[str] = []
        if reused is not None:
            detector = reused
            log.info("reused the fitted %s of an identical earlier run (--retrain fits again)", det_cls.name)
        else:
            fitted = detector.fit(x_train, y_train, x_val, y_val)
            if fitted is not detector:
                raise FakebenchError(f"detector {det_cls.name!r}: fit() must return self")
            log.info("fitted %s on %d clips in %.1f s", det_cls.name, len(train), time.perf_counter() - t)
            problem = self.fits.save(key, detector)
            if problem:
                log.warning(problem)
                warnings.append(problem)
        timings["fit"] = time.perf_counter() - t
        return FitInfo(seed=seed, group=uuid.uuid4().hex[:6], dataset=train_ds, train=train, val=val,
                       detector=detector, reused=reused is not None, timings=timings, extraction=extraction,
                       warnings=warnings, key=key)

    def _eval_batch(self, det_cls, det_params: dict[str, Any]) -> int | None:
        """The evaluation batch of an audio detector that declares its activation memory
        (``eval_memory_mb_per_second``: MiB per second of audio and clip), when the user
        did not set ``eval_batch_size``: as large as the memory budget allows (``--max-memory``
        less what the process holds now; else :data:`DEFAULT_EVAL_BUDGET_MB` of activations
        on a CPU), between 1 and the detector's default."""
        per_second = getattr(det_cls, "eval_memory_mb_per_second", None)
        if not per_second or "eval_batch_size" not in det_cls.param_names() or "eval_batch_size" in det_params:
            return None
        default = det_cls.param_defaults().get("eval_batch_size")
        if not isinstance(default, int) or isinstance(default, bool) or default < 1:
            return None
        if self.spec.max_memory is not None:
            from .config import parse_memory

            budget = parse_memory(self.spec.max_memory) - (0 if self.device.startswith("cuda") else current_rss_mb())
        elif not self.device.startswith("cuda"):
            budget = DEFAULT_EVAL_BUDGET_MB
        else:
            return None
        seconds = self.length.seconds or 4.0
        per_clip = float(per_second) * seconds
        batch = max(1, min(default, int(budget // per_clip)))
        log.info("%s: evaluation batch %d (about %.0f MiB of activations a clip; budget %.0f MiB)", det_cls.name,
                 batch, per_clip, budget)
        return batch

    def _scores_key(self, fit_key: str | None, clips: list[Clip], x: Any, condition: Any, split: str) -> str | None:
        """The score cache's key of ``clips`` (inputs ``x``) scored by the fit ``fit_key``."""
        return self.fits.scores_key(fit_key, clips, x, {"split": split, "condition": condition_key_of(condition),
                                                        "length": str(self.length), "precision": self.spec.precision})

    def _val_scores(self, detector, val: list[Clip], feats, condition=None, fit_key: str | None = None) -> np.ndarray:
        """Scores of the val split: those ``fit`` already computed with the final model
        (``val_scores_``), else those an identical earlier run cached, else scored now; so
        no clip goes through the network twice, and none on a warm re-run."""
        have = getattr(detector, "val_scores_", None)
        x_val = self._inputs(val, feats, condition)
        skey = self._scores_key(fit_key, val, x_val, condition, "val")
        if have is not None and np.shape(have) == (len(val),):
            have = np.asarray(have, dtype=np.float64)
            if skey is not None and not self.fits.scores_path(skey).is_file():
                self.fits.save_scores(skey, have)  # so a warm run needs neither the network nor the fit's state
            return have
        scores = self.fits.load_scores(skey, len(val))
        if scores is not None:
            return scores
        scores = np.asarray(self.score(detector, x_val), dtype=np.float64)
        _check_scores(detector.name, scores, len(val), "val")
        self.fits.save_scores(skey, scores)
        return scores

    def _threshold(self, detector, val_scores: np.ndarray, y_val: np.ndarray | None) -> float:
        """The decision threshold of the threshold metrics (``--threshold``)."""
        if self.spec.threshold == "detector":
            return float(detector.threshold_)
        if y_val is None or len(set(np.asarray(y_val).tolist())) < 2:
            from .errors import ConfigError

            raise ConfigError("--threshold dev-eer needs a val split holding both real and fake clips",
                              hint="use --threshold detector, or a protocol with a val split")
        from .metrics import eer

        return float(eer(val_scores, y_val, return_threshold=True, warn=False)[1])

    def _run_info(self) -> RunInfo:
        spec = self.spec
        return RunInfo(
            pipeline=self.pipeline.name, embedder=self.embedder.describe() if self.embedder is not None else None,
            length=str(self.length), train_name=self.train_name, cross=bool(spec.train_dataset), device=self.device,
            options={"precision": spec.precision, "batch_size": spec.batch_size, "skip_bad": spec.skip_bad,
                     "allow_missing": spec.allow_missing, "threshold": spec.threshold},
            plugin_versions=self._plugin_versions(), threshold_policy=spec.threshold, recipe=spec.recipe,
            train_condition=self.train_condition_spec)

    def _save(self, detector, rec) -> Path | None:
        from .persist import save_detector

        path = self.store.model_path(rec["run_id"])
        meta = {
            "run_id": rec["run_id"],
            "pipeline": rec["pipeline"],
            "length": str(self.length),
            "weights": str(Path(self.spec.weights).expanduser().absolute()) if self.spec.weights else None,
            "dataset": rec["dataset"]["name"],
            "labels": "1 = fake/spoof; higher score = more likely fake",
        }
        try:
            if isinstance(detector, DeferredFit):
                return detector.save_model(path, meta)
            return save_detector(path, detector, meta)
        except NotImplementedError:
            log.info("detector %s cannot be saved; no model file written", detector.name)
        except OSError as e:
            msg = f"the trained detector could not be saved to {str(path)!r} ({e.strerror or e})"
            log.warning(msg)
            rec["warnings"].append(msg)
        except FakebenchError as e:  # a cached fit gone bad: the scores stand, the model file is not written
            msg = f"no model file written: {e.message}"
            log.warning(msg)
            rec["warnings"].append(msg)
        return None

    def _plugin_versions(self) -> dict[str, str]:
        from .provenance import package_version

        out = {}
        for kind, cls in (("dataset", self.dataset_classes[self.train_name]), ("embedder", self.pipeline.embedder),
                          ("detector", self.pipeline.detector)):
            if cls is not None:
                mod = cls.__module__.split(".")[0]
                out[f"{kind}:{cls.name}"] = f"{cls.__module__} {package_version(mod) or ''} v{cls.version}".strip()
        return out


# -- helpers ------------------------------------------------------------------------------


def _check_scores(detector: str, scores: np.ndarray, n: int, where: str) -> None:
    if scores.shape != (n,):
        raise FakebenchError(f"detector {detector!r} returned scores of shape {scores.shape} for {n} clips",
                             hint="decision_function must return shape (n,)")
    if not np.isfinite(scores).all():
        raise FakebenchError(f"detector {detector!r} returned NaN/inf scores on {where}")


def _score_locally(detector: Any, x: Any) -> Any:
    return detector.decision_function(x)


def _counts(clips: list[Clip]) -> str:
    fake = int((clip_labels(clips) == FAKE).sum())
    return f"{len(clips)} ({len(clips) - fake} real, {fake} fake)"


def _calibration_report(cal, raw: np.ndarray, llr: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """What the record says about ``--calibrate dev``: the map, and the calibration-
    sensitive metrics before (raw scores read as LLRs) and after."""
    from . import metrics as M

    def sensitive(s):
        out = {}
        for name, fn in (("act_dcf", M.act_dcf), ("cllr", M.cllr)):
            try:
                out[name] = float(fn(s, labels))
            except FakebenchError:
                out[name] = None
        return out

    return {"method": "logistic regression", "fitted_on": "val", "scores": "llr", **cal.to_dict(),
            "before": sensitive(raw), "after": sensitive(llr)}


def _seed_everything(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
