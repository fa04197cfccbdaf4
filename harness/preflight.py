"""Preflight: everything a run needs, resolved before any audio is decoded.

A run can fail late: a text model that is not there stops DADA only after Whisper has
transcribed every clip; a missing test set stops a cross-dataset run only after the
training set is embedded. :class:`Plan` resolves, at start-up and without loading any
model or downloading anything:

* every **dataset** of the run (train and test sets): its data root and protocol files,
  loaded as the run will load them (protocol parsing is cached under
  ``$FAKEBENCH_HOME/index``), with the clip counts per split; a dataset that fetches
  itself (the Foley demo) is listed as a download instead;
* every **model file** the embedder and detector need, from their
  :meth:`~fakebench.contracts.embedder.Embedder.requirements`: weights files, Hugging Face
  models, packaged weights in a wheel, Python packages, and the ASR model of a detector
  that reads transcripts;
* the **device** (``--device``);
* the **results and cache folders**: writable (a temporary file is created and removed)
  and with free space for what the run will write (clips x embedding size x 4 bytes x
  conditions, plus scores).

It also counts what is already done (embeddings and transcripts cached for these clips,
found by file digest without loading a model) and the work left (clips to decode or embed,
clips to transcribe, detector fits).

:meth:`Plan.raise_if_missing` raises **one** error naming everything that is missing, each
with its file or URL and the fix; :class:`fakebench.runner.Runner` builds the plan when it
is created and calls it before the first seed, and ``fakebench run --check`` prints the
plan (:meth:`Plan.render`) and exits 0 when nothing is missing, 2 otherwise.

A plugin declares what it needs with ``requirements(weights=None)`` returning a list of
:class:`Requirement`; :func:`fakebench.weights.requirement` (a :class:`WeightsFile`) and
:func:`fakebench.weights.hf_requirement` (a Hugging Face model id) build one without
downloading, :func:`package_requirement` one for a Python package and
:func:`asr_requirement` one for the Whisper model of the transcription settings. A
requirement whose source is ``download`` is not missing, unless the plan cannot reach its
URL (one short request per URL; none when ``FAKEBENCH_OFFLINE`` or ``HF_HUB_OFFLINE`` is
set, where a download counts as missing).

This module imports nothing heavy at import time: the contracts import it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .data.clip_list import clip_path_strings
from .errors import CacheError, ConfigError, DatasetError, FakebenchError, WeightsError
from .requirements import Requirement, asr_requirement, probe_url

if TYPE_CHECKING:  # pragma: no cover
    from .runner import Runner

log = logging.getLogger("fakebench")

__all__ = ["Plan", "PreflightError", "build_plan", "open_cache", "device_or_cpu"]

class PreflightError(FakebenchError):
    """Several things a run needs are missing; ``problems`` holds them (:class:`Requirement`)."""

    def __init__(self, message: str, *, hint: str | None = None, problems: list["Requirement"] | None = None):
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])


def open_cache(spec: Any):
    """The run's :class:`~fakebench.cache.EmbeddingCache`, or None (``--no-cache``, or a
    folder that cannot be created: the plan reports that one with the rest)."""
    if not spec.use_cache:
        return None
    from .cache import EmbeddingCache

    try:
        return EmbeddingCache(spec.cache_dir)
    except CacheError:
        return None


def device_or_cpu(device: str | None) -> str:
    """``--device`` resolved; ``cpu`` when it cannot be (the plan reports why)."""
    from .device import resolve_device

    try:
        return resolve_device(device)
    except ConfigError:
        return "cpu"


def _device_requirement(device: str | None) -> Requirement:
    from .device import resolve_device

    try:
        resolved = resolve_device(device)
    except ConfigError as e:
        return Requirement(f"device {device!r}", source="missing", kind="device", needed_by="run",
                           problem=e.message, fix=e.hint or "")
    detail = ""
    if resolved.startswith("cuda"):
        try:
            import torch

            index = int(resolved.partition(":")[2] or 0)
            props = torch.cuda.get_device_properties(index)
            detail = f"{props.name}, {props.total_memory / 2**30:.0f} GiB"
        except Exception:
            detail = ""
    elif resolved == "cpu":
        from .extract import usable_cpus

        detail = f"{usable_cpus()} core(s)"
    return Requirement(f"device {resolved}", where=resolved, source="ok", present=True, kind="device",
                       needed_by="run", detail=detail)


# -- the plan -------------------------------------------------------------------------------------------


@dataclass
class DatasetPlan:
    """One dataset of the run: where it is, its clips per split, or what is wrong."""

    name: str
    roles: list[str]
    folder: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the clips the run embeds or scores, per role: filled for the first seed
    seconds: float = 0.0
    problem: Requirement | None = None
    fetch: Requirement | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "roles": self.roles, "folder": self.folder, "counts": self.counts,
                "load_seconds": round(self.seconds, 3),
                "problem": self.problem.as_dict() if self.problem else None,
                "fetch": self.fetch.as_dict() if self.fetch else None}


@dataclass
class Plan:
    """What a run needs and what it will do (see the module docstring)."""

    pipeline: str
    seeds: list[int]
    device: Requirement
    datasets: list[DatasetPlan] = field(default_factory=list)
    models: list[Requirement] = field(default_factory=list)
    folders: list[Requirement] = field(default_factory=list)
    #: ``[{"what": "embeddings (sfx)", "clips": 142, "cached": 140}, ...]``
    cache: list[dict[str, Any]] = field(default_factory=list)
    #: ``{"decode": n, "embed": n, "transcribe": n, "fits": n}`` (None where unknown)
    work: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    # -- verdict --------------------------------------------------------------------------------

    def requirements(self) -> list[Requirement]:
        out = [self.device]
        for d in self.datasets:
            out += [r for r in (d.problem, d.fetch) if r is not None]
        return out + self.models + self.folders

    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements() if r.missing]

    @property
    def ok(self) -> bool:
        return not self.missing()

    def raise_if_missing(self) -> None:
        """Raise one error naming everything missing (nothing raised when all is here).

        With one thing missing it is that thing's own error (a :class:`DatasetError`,
        :class:`WeightsError`, :class:`ConfigError`...); with several, a
        :class:`PreflightError` listing each with its file or URL and its fix.
        """
        missing = self.missing()
        if not missing:
            return
        if len(missing) == 1:
            raise missing[0].error()
        lines = [f"{len(missing)} things this run needs are missing (found before any audio was decoded):"]
        for i, r in enumerate(missing, 1):
            lines.append(f"  {i}. {r.line()}")
            if r.fix:
                lines.append(f"     fix: {r.fix}")
        raise PreflightError("\n".join(lines), problems=missing,
                             hint="fix them and run again; `fakebench run ... --check` shows what a run needs "
                                  "without doing any of the work")

    # -- output ---------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline, "seeds": self.seeds, "ok": self.ok, "device": self.device.as_dict(),
                "datasets": [d.as_dict() for d in self.datasets], "models": [m.as_dict() for m in self.models],
                "folders": [f.as_dict() for f in self.folders], "cache": self.cache, "work": self.work,
                "notes": self.notes, "missing": [r.as_dict() for r in self.missing()],
                "seconds": round(self.seconds, 3)}

    def render(self) -> str:
        """The plan as text (``fakebench run --check``)."""
        seeds = ", ".join(str(s) for s in self.seeds)
        names = ", ".join(d.name for d in self.datasets)
        out = [f"Plan: {self.pipeline} on {names}, seed{'s' if len(self.seeds) > 1 else ''} {seeds}, "
               f"device {self.device.where or '?'}"]
        out.append("")
        out.append("Datasets" + (f" (clips of seed {self.seeds[0]})" if self.seeds else ""))
        for d in self.datasets:
            out.append(f"  {d.name} ({', '.join(d.roles)})" + (f"  {d.folder}" if d.folder else ""))
            if d.problem is not None:
                out.append(f"    MISSING: {d.problem.problem}")
            elif d.fetch is not None and d.fetch.downloads:
                f = d.fetch
                about = "; ".join(x for x in (f.size, f.detail) if x)
                out.append(f"    will be downloaded: {f.what}" + (f" ({about})" if about else "")
                           + (f" from {f.url}" if f.url else "") + f" into {f.where}")
            elif d.fetch is not None:
                out.append(f"    MISSING: {d.fetch.problem or d.fetch.what}")
            gap = d.problem or (d.fetch if d.fetch is not None and d.fetch.missing else None)
            if gap is not None and gap.fix:
                out.append(f"    fix: {gap.fix}")
            for split, c in d.counts.items():
                out.append(f"    {split:<6} {c['n']:>7} clips ({c['real']} real, {c['fake']} fake)")
        out.append("")
        out.append("Models")
        if not self.models:
            out.append("  (no model files: this pipeline needs none)")
        for r in self.models:
            out.append(("  MISSING: " if r.missing else "  ") + r.line())
            if r.missing and r.fix:
                out.append(f"    fix: {r.fix}")
        out.append("")
        out.append("Device")
        dev = self.device
        out.append(("  MISSING: " + dev.problem) if dev.missing else
                   f"  {dev.where}" + (f" ({dev.detail})" if dev.detail else ""))
        out.append("")
        out.append("Folders")
        for r in self.folders:
            out.append(("  MISSING: " + r.problem) if r.missing else f"  {r.what:<8} {r.where}  ({r.detail})")
        if self.cache:
            out.append("")
            out.append("Already cached")
            for c in self.cache:
                if c.get("cached") is None:
                    out.append(f"  {c['what']}: {c['clips']} clips; {c.get('why') or 'unknown until the model loads'}")
                else:
                    out.append(f"  {c['what']}: {c['cached']} of {c['clips']} clips")
        out.append("")
        out.append("Work")
        w = self.work

        def n(key):
            v = w.get(key)
            return "?" if v is None else str(v)

        parts = []
        if "embed" in w:
            parts.append(f"decode + embed {n('embed')} clip(s)")
        if "decode" in w:
            parts.append(f"decode {n('decode')} clip(s) for the detector")
        if "transcribe" in w:
            parts.append(f"transcribe {n('transcribe')} clip(s)")
        parts.append(f"fit {n('fits')} detector(s)")
        out.append("  " + "; ".join(parts))
        for note in self.notes:
            out.append(f"  note: {note}")
        out.append("")
        missing = self.missing()
        if missing:
            out.append(f"{len(missing)} thing(s) missing: the run would stop before decoding any audio.")
        else:
            fetch = [r for r in self.requirements() if r.downloads]
            out.append("Nothing is missing" + (f" ({len(fetch)} download(s) on the way)" if fetch else "")
                       + f". Checked in {self.seconds:.2f} s.")
        return "\n".join(out)


# -- building the plan ------------------------------------------------------------------------------------


def build_plan(runner: "Runner") -> Plan:
    """The :class:`Plan` of ``runner``'s run (nothing decoded, loaded or downloaded)."""
    t0 = time.perf_counter()
    spec = runner.spec
    seeds = [int(s) for s in spec.seeds]
    plan = Plan(pipeline=runner.pipeline.name, seeds=seeds, device=_device_requirement(spec.device))
    seed = seeds[0]

    loaded = _plan_datasets(runner, plan, seed)
    _plan_models(runner, plan)
    _probe_downloads(plan.requirements())
    sizes = _plan_work(runner, plan, loaded, seed)
    _plan_folders(runner, plan, sizes)
    plan.seconds = time.perf_counter() - t0
    return plan


def _counts(clips) -> dict[str, int]:
    fake = sum(c.label == 1 for c in clips)
    return {"n": len(clips), "real": len(clips) - fake, "fake": fake}


def _plan_datasets(runner: "Runner", plan: Plan, seed: int) -> dict[str, Any]:
    """Load every dataset of the run as the runner will (first seed); record counts or the
    problem. Returns ``{"train": clips, "val": clips, "tests": {name: clips}}`` of what loaded."""
    from .data.splits import check_split, unique_clips

    names = list(dict.fromkeys([runner.train_name, *runner.test_names]))
    loaded: dict[str, Any] = {"train": None, "val": None, "tests": {}}
    for name in names:
        roles = (["train"] if name == runner.train_name else []) + (["test"] if name in runner.test_names else [])
        dp = DatasetPlan(name, roles)
        plan.datasets.append(dp)
        cls = runner.dataset_classes[name]
        params = {"root": runner.spec.data_root, "seed": seed, "allow_missing": runner.spec.allow_missing}
        if runner.spec.protocol:
            params["protocol"] = runner.spec.protocol
        if name == runner.train_name:
            params.update(runner.params["dataset"])
        try:
            ds = cls.from_params(params)
        except FakebenchError as e:
            dp.problem = _data_problem(name, e)
            continue
        fetch = _dataset_fetch(ds, name)
        if fetch is not None:
            dp.fetch = fetch
            dp.folder = fetch.where
            continue
        t = time.perf_counter()
        try:
            splits = ds.load()
        except FakebenchError as e:
            dp.problem = _data_problem(name, e)
            continue
        dp.seconds = time.perf_counter() - t
        dp.folder = _dataset_folder(ds)
        for split in ("train", "val", "eval"):
            if splits.get(split):
                dp.counts[split] = _counts(splits[split])
        try:
            if name == runner.train_name:
                train, val = splits.get("train", []), splits.get("val", [])
                check_split(name, "train", train, both_classes=True)
                loaded["train"], loaded["val"] = train, val
            if name in runner.test_names:
                if name == runner.train_name:
                    clips = splits.get("eval", [])
                elif ds.test_split == "all":
                    clips = unique_clips([c for part in ("train", "val", "eval") for c in splits.get(part, [])])
                else:
                    clips = splits.get("eval", [])
                check_split(name, "eval", clips, both_classes=False)
                loaded["tests"][name] = clips
        except DatasetError as e:
            dp.problem = _data_problem(name, e)
    return loaded


def _kind_of(e: FakebenchError, default: str) -> str:
    """The requirement kind that raises ``e``'s class when it is the only one missing."""
    for kind, cls in (("config", ConfigError), ("weights", WeightsError), ("data", DatasetError), ("cache", CacheError)):
        if isinstance(e, cls):
            return kind
    return default


def _problem(who: str, e: FakebenchError, default: str) -> Requirement:
    return Requirement(who, kind=_kind_of(e, default), needed_by=who, problem=e.message, fix=e.hint or "")


def _data_problem(name: str, e: FakebenchError) -> Requirement:
    return _problem(f"dataset {name}", e, "data")


def _dataset_fetch(ds: Any, name: str) -> Requirement | None:
    """A dataset that fetches itself on first use says so with ``requirements()``; the
    first requirement not present (to download, or missing) is returned."""
    try:
        reqs = list(ds.requirements() or [])
    except FakebenchError as e:
        return _data_problem(name, e)
    for r in reqs:
        r.needed_by = r.needed_by or f"dataset {name}"
        r.kind = r.kind or "data"
        if not r.present:
            return r
    return None


def _dataset_folder(ds: Any) -> str:
    root = getattr(ds, "root", None)
    try:
        if hasattr(ds, "manifest_path") and getattr(ds, "folder", ""):
            return str(Path(ds.manifest_path()).parent)
    except FakebenchError:
        pass
    if root is None:
        from .paths import data_root

        root = data_root()
    return str(Path(root).expanduser())


def _plan_models(runner: "Runner", plan: Plan) -> None:
    spec = runner.spec
    emb_cls, det_cls = runner.pipeline.embedder, runner.pipeline.detector
    if emb_cls is not None:
        try:
            emb = emb_cls.from_params(runner.params["embedder"])
            reqs = _call_requirements(emb, spec.weights, f"embedder {emb_cls.name}")
        except FakebenchError as e:
            reqs = [_problem(f"embedder {emb_cls.name}", e, "weights")]
        for r in reqs:
            r.needed_by = r.needed_by or f"embedder {emb_cls.name}"
        plan.models += reqs
    det_params = detector_params(runner)
    weights = det_params.get("weights")
    try:
        det = det_cls.from_params(det_params)
        reqs = _call_requirements(det, weights, f"detector {det_cls.name}")
        if "transcript" in det_cls.inputs and not any(r.kind == "asr" for r in reqs):
            asr = asr_requirement(det.get_params())
            if asr is not None:
                reqs.append(asr)
    except FakebenchError as e:
        reqs = [_problem(f"detector {det_cls.name}", e, "weights")]
    for r in reqs:
        r.needed_by = r.needed_by or f"detector {det_cls.name}"
    plan.models += reqs


def detector_params(runner: "Runner") -> dict[str, Any]:
    """The detector's parameters as :meth:`Runner._fit` builds them (seed, device and
    ``--weights`` filled in when the detector takes them)."""
    det_cls = runner.pipeline.detector
    params = dict(runner.params["detector"])
    names = det_cls.param_names()
    if "random_state" in names and "random_state" not in params:
        params["random_state"] = int(runner.spec.seeds[0])
    if "device" in names and "device" not in params:
        params["device"] = runner.device
    if runner.pipeline.embedder is None and "weights" in names and runner.spec.weights and "weights" not in params:
        params["weights"] = runner.spec.weights
    return params


def _call_requirements(obj: Any, weights: Any, who: str) -> list[Requirement]:
    try:
        reqs = obj.requirements(weights=weights)
    except FakebenchError:
        raise
    except Exception as e:  # a plugin bug must not block a run that may work
        log.warning("%s: requirements() failed (%s: %s); its files are not checked before the run", who,
                    type(e).__name__, str(e).splitlines()[0] if str(e) else "")
        return []
    out = []
    for r in reqs or []:
        if isinstance(r, Requirement):
            out.append(r)
    return out


def _probe_downloads(reqs: Iterable[Requirement]) -> None:
    """Check that each download's URL answers (once per URL)."""
    todo = [r for r in reqs if not r.present and r.source == "download" and (r.probe or r.url)]
    urls = list(dict.fromkeys(r.probe or r.url for r in todo))
    if not urls:
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(8, len(urls))) as pool:  # a slow network costs one timeout, not n
        seen = dict(zip(urls, pool.map(probe_url, urls)))
    for r in todo:
        ok, why, length = seen[r.probe or r.url]
        r.reachable = ok
        if not ok:
            r.problem = f"{r.what}: not here, and cannot be downloaded: {why}"
            r.problem += f" (it would go to {r.where})" if r.where else ""
        elif length and not r.size:
            r.size = _human(length)


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} TB"


def _plan_work(runner: "Runner", plan: Plan, loaded: dict[str, Any], seed: int) -> dict[str, int | None]:
    """Cache hits and the work left; returns the bytes the run will write per folder."""
    from .conditions import condition_key_of
    from .data.splits import unique_clips

    det_cls = runner.pipeline.detector
    emb_cls = runner.pipeline.embedder
    train, val = loaded["train"], loaded["val"]
    tests = loaded["tests"]
    n_seeds = len(plan.seeds)
    conditions = runner.conditions or [None]
    plan.work["fits"] = n_seeds
    score_bytes = 0
    cache_bytes = 0
    known = train is not None and len(tests) == len(runner.test_names)
    if not known:
        pending = [d.name for d in plan.datasets if d.problem is None and d.fetch is not None and d.fetch.downloads]
        if pending and all(d.problem is None and (d.fetch is None or d.fetch.downloads) for d in plan.datasets):
            plan.notes.append(f"clip counts, cache hits and work are known once {', '.join(pending)} "
                              "is downloaded")
        else:
            plan.notes.append("counts are partial: a dataset did not load")
    all_test = [c for clips in tests.values() for c in clips]
    train_val = list(train or []) + list(val or [])
    # scores: one row (about 100 bytes) per clip scored, per condition and seed, plus a record
    score_bytes = n_seeds * (len(conditions) * len(all_test) + len(val or [])) * 100 + n_seeds * 20_000
    # what the first seed embeds, per condition (as Runner._run_seed groups it)
    train_ct = runner._transform(runner.train_condition, seed)
    needs: dict[str, tuple[Any, list]] = {condition_key_of(train_ct): (train_ct, list(train_val))}
    for cond in conditions:
        ct = runner._transform(cond, seed)
        needs.setdefault(condition_key_of(ct), (ct, []))[1].extend(all_test)
    kinds = [(k, f) for k, f in (("embedding", False), ("frames", True)) if k in det_cls.inputs]
    if emb_cls is not None and kinds:
        todo_total = 0
        emb = None
        fingerprint = None
        try:
            emb = emb_cls.from_params(runner.params["embedder"])
            fingerprint = emb.identify(weights=runner.spec.weights)
        except Exception as e:  # unidentifiable weights: counted as unknown
            log.debug("preflight: cannot identify the embedder's weights: %s", e)
        dim = 0
        try:
            dim = int(emb.output_dim) if emb is not None else int(emb_cls.dim)
        except Exception:
            dim = int(getattr(emb_cls, "dim", 0) or 0)
        for key, (ct, clips) in needs.items():
            clips = unique_clips(clips)
            label = "clean" if ct is None else ct.condition.spec()
            for kind, frames in kinds:
                entry: dict[str, Any] = {"what": f"{'frame embeddings' if frames else 'embeddings'} "
                                                 f"({emb_cls.name}, {label})", "clips": len(clips), "cached": None}
                per_clip = dim * 4
                if frames:
                    rate = float(getattr(emb_cls, "frame_rate", None) or 50.0)
                    secs = [c.duration for c in clips if c.duration]
                    mean = sum(secs) / len(secs) if secs else 4.0
                    per_clip = int(dim * 4 * max(1.0, rate * mean))
                if not known:
                    continue
                hits = None
                if runner.cache is None:
                    entry["why"] = "the cache is off (--no-cache) or unusable"
                elif fingerprint is None:
                    entry["why"] = "the weights are identified only when the model loads"
                else:
                    hits = _embedding_hits(runner, emb, fingerprint, clips, frames, ct)
                entry["cached"] = hits
                plan.cache.append(entry)
                left = len(clips) - (hits or 0)
                cache_bytes += left * per_clip
                todo_total += left
        plan.work["embed"] = todo_total if known else None
    if any(f in det_cls.inputs for f in ("audio",)):
        per_seed = len(train_val) + len(conditions) * len(all_test)
        plan.work["decode"] = per_seed * n_seeds if known else None
    if "transcript" in det_cls.inputs:
        plan.work["transcribe"] = _transcripts_left(runner, plan, unique_clips(train_val + all_test)) if known \
            else None
    if runner.cache is not None and emb_cls is None:
        # audio detectors: the cache holds file digests and transcripts only
        cache_bytes += 200 * len(unique_clips(train_val + all_test))
    if not known:
        return {"results": None, "cache": None}
    return {"results": score_bytes, "cache": cache_bytes}


def _embedding_hits(runner, emb, fingerprint: str, clips, frames: bool, ct) -> int:
    from .extract import namespace_suffix

    emb.weights_fingerprint = fingerprint
    nskey = emb.cache_key(str(runner.length)) + ("-frames" if frames else "") + namespace_suffix(ct)
    ns = runner.cache.namespace(nskey)
    if not len(ns):
        return 0
    keys = runner.cache.hasher.known(clip_path_strings(clips))
    return sum(1 for k in keys if k is not None and k in ns)


def _transcripts_left(runner: "Runner", plan: Plan, clips) -> int | None:
    """Clips the run must transcribe: without a dataset transcript (per ``transcripts``),
    minus those already in the transcript cache (when the ASR model is here to name it)."""
    from .transcripts import TranscriptionSettings

    params = detector_params(runner)
    try:
        s = TranscriptionSettings.from_params(params)
    except FakebenchError:
        return None
    if s.source == "dataset":
        return 0
    todo = [c for c in clips if s.source == "whisper" or not (isinstance(c.transcript, str) and c.transcript.strip())]
    if not todo:
        return 0
    asr = next((r for r in plan.models if r.kind == "asr"), None)
    cached = None
    if runner.cache is not None and asr is not None and asr.present and asr.where:
        try:
            cached = _cached_transcripts(runner, s, asr.where, todo)
        except Exception as e:
            log.debug("preflight: transcript cache not read: %s", e)
    plan.cache.append({"what": f"transcripts ({s.backend} {s.model})", "clips": len(todo), "cached": cached,
                       **({} if cached is not None else {"why": "the ASR model is not here yet"})})
    return len(todo) - (cached or 0)


def _cached_transcripts(runner: "Runner", s, model_ref: str, clips) -> int:
    from .transcripts import FasterWhisperTranscriber, TranscriptStore, TransformersTranscriber

    cls = FasterWhisperTranscriber if s.backend == "faster-whisper" else TransformersTranscriber
    t = cls.__new__(cls)  # no resolve(): the model was found by asr_requirement, never downloaded here
    t.settings, t.device = s, runner.device
    t.model_ref = model_ref if s.backend == "faster-whisper" else TransformersTranscriber.resolve(t)
    store = TranscriptStore(runner.cache.root, t.namespace())
    if not store.dir.is_dir():
        return 0
    keys = runner.cache.hasher.known(clip_path_strings(clips))
    return sum(1 for k in keys if k is not None and store._path(k).is_file())


def _plan_folders(runner: "Runner", plan: Plan, sizes: dict[str, int | None]) -> None:
    from .cache import default_cache_root

    plan.folders.append(_folder_requirement("results", runner.store.root, sizes.get("results"),
                                            "pass --results DIR (or set FAKEBENCH_RESULTS) to a writable folder"))
    if runner.spec.use_cache:
        root = Path(runner.spec.cache_dir).expanduser() if runner.spec.cache_dir else default_cache_root()
        plan.folders.append(_folder_requirement("cache", root, sizes.get("cache"),
                                                "pass --cache-dir DIR (or set FAKEBENCH_CACHE) to a writable "
                                                "folder, or --no-cache"))


def _folder_requirement(what: str, path: Path, need: int | None, fix: str) -> Requirement:
    """``path`` is (or can be made) a writable folder with ``need`` bytes free (None:
    unknown, only writability is checked)."""
    path = Path(path).expanduser()
    kind = "cache" if what == "cache" else "folder"
    req = Requirement(what, where=str(path), kind=kind, needed_by="run", fix=fix)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        if existing == path:
            req.problem = f"the {what} folder {str(path)!r} is a file, not a folder"
        else:
            req.problem = f"the {what} folder {str(path)!r} cannot be created: {str(existing)!r} is a file"
        return req
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".fakebench-write-check-"):
            pass
    except OSError as e:
        where = "" if existing == path else f" (it would be created in {str(existing)!r})"
        req.problem = f"the {what} folder {str(path)!r} is not writable{where}: {e.strerror or e}"
        return req
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        free = None
    margin = 64 * 2**20  # keep room for SQLite journals and temporary files
    if free is not None and need is not None and need + margin > free:
        req.problem = (f"the {what} folder {str(path)!r} has {_human(free)} free, and the run will write about "
                       f"{_human(need)}")
        req.fix = "free some space, or " + fix
        return req
    req.present = True
    req.source = "ok"
    state = "writable" if existing == path else "will be created"
    req.detail = f"{state}, {_human(free) if free is not None else '?'} free; " + (
        f"the run writes about {_human(need)}" if need is not None else "size unknown until every dataset loads")
    return req


def writable_dir(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be used as a writable folder, or None when it can."""
    r = _folder_requirement("output", Path(path), 0, "")
    return None if r.present else r.problem
