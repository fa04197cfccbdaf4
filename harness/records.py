"""Building the result record of one (seed, test set): what the leaderboards read.

The record is plain JSON (schema :data:`fakebench.results.SCHEMA`); its shape is the one
the results store validates. Everything a record holds comes in through three values:

* :class:`RunInfo`: the same for every record of one invocation (pipeline, embedder,
  length policy, device, options, plugin versions, recipe);
* :class:`FitInfo`: one per seed (the training data, the fitted detector, whether the fit
  was reused, timings and extraction statistics);
* :class:`TestSet`: the dataset scored, and which part of it was used.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .data import FAKE, Clip
from .data.clip_list import clip_column, clip_ids, clip_labels
from .memory import peak_resources
from .params import to_json_safe
from .provenance import environment
from .results.base import SCHEMA


@dataclass(frozen=True)
class RunInfo:
    pipeline: str
    embedder: dict[str, Any] | None
    length: str
    train_name: str
    cross: bool
    device: str
    options: dict[str, Any]
    plugin_versions: dict[str, str]
    threshold_policy: str = "detector"
    recipe: str | None = None
    #: the condition training and validation audio was under (None: clean)
    train_condition: str | None = None


@dataclass
class FitInfo:
    seed: int
    group: str
    dataset: Any
    train: list[Clip]
    val: list[Clip]
    detector: Any
    reused: bool
    timings: dict[str, float] = field(default_factory=dict)
    extraction: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    #: the fit cache's key of this fit (None: not cacheable); keys the cached test scores
    key: str | None = None


@dataclass
class TestSet:
    name: str
    dataset: Any
    clips: list[Clip]
    #: which clips of the dataset were scored: ``eval`` (its eval split) or ``all``
    part: str = "eval"
    #: the robustness condition the clips were scored under (canonical spec; None: clean)
    condition: str | None = None
    #: its parameters, all of them (the canonical spec leaves defaults out)
    condition_params: dict[str, Any] | None = None


def counts(clips: Sequence[Clip]) -> dict[str, int]:
    fake = sum(c.label == FAKE for c in clips)
    return {"n": len(clips), "real": len(clips) - fake, "fake": fake}


def detector_params(detector: Any) -> dict[str, Any]:
    return to_json_safe({k: v for k, v in detector.get_params().items() if k != "device"})


def build_record(run: RunInfo, fit: FitInfo, test: TestSet, result: dict[str, Any],
                 timings: dict[str, float]) -> dict[str, Any]:
    """The record of ``test`` scored by ``fit``'s detector, with ``result`` from
    :func:`fakebench.evaluate.evaluate` (metrics, breakdowns, confusion, warnings)."""
    detector = fit.detector
    created = _dt.datetime.now(_dt.timezone.utc)
    pipeline = {
        "name": run.pipeline,
        "embedder": run.embedder,
        "detector": {"name": detector.name, "version": detector.version, "params": detector_params(detector)},
        "length": run.length,
    }
    ds = test.dataset
    own = test.name == run.train_name
    dataset = {
        "name": test.name,
        "protocol": ds.protocol_name,
        "params": to_json_safe({k: v for k, v in ds.get_params().items() if k not in ("root", "seed")}),
        "fingerprint": ds.fingerprint({"eval": test.clips}),
        "counts": {"eval": counts(test.clips)},
        "part": test.part,
    }
    if own:
        dataset["counts"].update(train=counts(fit.train), val=counts(fit.val))
        dataset["fingerprint"] = ds.fingerprint({"train": fit.train, "val": fit.val, "eval": test.clips})
    train_info = None
    if run.cross and not own:
        tds = fit.dataset
        train_info = {"name": run.train_name, "protocol": tds.protocol_name,
                      "fingerprint": tds.fingerprint({"train": fit.train, "val": fit.val}),
                      "counts": {"train": counts(fit.train), "val": counts(fit.val)}}
    # runs that differ only in seed share a group (mean ± std across seeds)
    seedless = {**pipeline, "detector": {**pipeline["detector"], "params": {
        k: v for k, v in pipeline["detector"]["params"].items() if k != "random_state"}}}
    group_src = json.dumps({"dataset": {k: dataset[k] for k in ("name", "protocol", "params")},
                            "train": run.train_name, "pipeline": seedless,
                            **({"threshold": run.threshold_policy} if run.threshold_policy != "detector" else {}),
                            **({"condition": test.condition} if test.condition else {}),
                            **({"train_condition": run.train_condition} if run.train_condition else {})},
                           sort_keys=True)
    cond = "" if not test.condition else "-" + "".join(ch if ch.isalnum() else "_" for ch in test.condition)[:24]
    run_id = (f"{created.strftime('%Y%m%dT%H%M%S')}-{test.name}-{run.pipeline}{cond}-s{fit.seed}-"
              f"{uuid.uuid4().hex[:6]}")
    warnings = list(result["warnings"]) + list(fit.warnings)
    if fit.dropped:
        warnings.append(f"{fit.dropped} clip(s) skipped as unreadable")
    return {
        "schema": SCHEMA,
        "run_id": run_id,
        "created": created.isoformat(timespec="seconds"),
        "run_group": fit.group,
        "group_key": hashlib.sha256(group_src.encode()).hexdigest()[:12],
        "seed": fit.seed,
        "recipe": run.recipe,
        "condition": test.condition or "clean",
        "condition_params": test.condition_params or {},
        "train_condition": run.train_condition or "clean",
        "dataset": dataset,
        "train_dataset": train_info,
        "pipeline": pipeline,
        "metrics": result["metrics"],
        "metric_info": result["metric_info"],
        "threshold": result["threshold"],
        "threshold_source": result["threshold_source"],
        "scores_are_logits": result["scores_are_logits"],
        "confusion": result["confusion"],
        "breakdowns": result["breakdowns"],
        "warnings": warnings,
        "training": {"history": to_json_safe(getattr(detector, "history_", None)),
                     "best_epoch": to_json_safe(getattr(detector, "best_epoch_", None)),
                     "reused_fit": fit.reused},
        "timings": {k: round(v, 4) for k, v in timings.items()},
        "resources": peak_resources(run.device),
        "extraction": {k: v.as_dict() for k, v in fit.extraction.items()},
        "environment": {**environment(run.device), "plugins": run.plugin_versions},
        "options": dict(run.options),
    }


def score_rows(clips: list[Clip], scores: np.ndarray, split: str,
                raw: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The rows of a record's per-clip scores file (``SCORE_COLUMNS`` of the results store)."""
    # by column: a ClipList builds no Clip object here
    rows = [
        {"id": cid, "split": split, "label": label, "score": f"{s:.7g}", "class": cls or "",
         "system": system or "", "speaker": speaker or ""}
        for cid, label, s, cls, system, speaker in zip(
            clip_ids(clips), clip_labels(clips).tolist(), np.asarray(scores, dtype=np.float64).tolist(),
            clip_column(clips, "cls"), clip_column(clips, "system"), clip_column(clips, "speaker"))
    ]
    if raw is not None:  # calibrated: keep the detector's own scores beside the LLRs
        for row, r in zip(rows, raw):
            row["raw_score"] = f"{float(r):.7g}"
    return rows
