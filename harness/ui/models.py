"""Saved detectors as the page shows them: the scorer, and what the run record says.

A :class:`ModelEntry` holds a :class:`fakebench.inference.Scorer` (the detector and its
embedder, loaded once) and the run's record when it can be found (``runs/<run_id>.json``
of the store the model file sits in, or of ``--results``): the training data, the eval
EER, the threshold and, for ``--calibrate dev`` runs, the calibration, which turns a
score into p(fake) = sigmoid(scale * score + offset + logit(prior)).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import FakebenchError, WeightsError

log = logging.getLogger("fakebench")


@dataclass
class ModelEntry:
    ref: str
    path: Path
    scorer: Any
    record: dict[str, Any] | None = None
    calibration: Any = None
    key: str = ""
    notes: list[str] = field(default_factory=list)

    # -- what the page shows ---------------------------------------------------------------

    @property
    def run_id(self) -> str:
        return str(self.scorer.meta.get("run_id") or self.path.stem)

    @property
    def detector_name(self) -> str:
        return self.scorer.detector.name

    @property
    def pipeline(self) -> str:
        pipe = (self.scorer.meta.get("pipeline") or {})
        return str(pipe.get("name") or self.detector_name)

    @property
    def threshold(self) -> float:
        return self.scorer.threshold

    @property
    def length(self) -> str:
        return str(self.scorer.length or "full")

    @property
    def window_seconds(self) -> float | None:
        """The detector's own clip length (seconds of its length policy), if it has one."""
        from ..audio import LengthPolicy

        try:
            return LengthPolicy.parse(self.scorer.length).seconds
        except FakebenchError:
            return None

    @property
    def scores_are_logits(self) -> bool:
        return bool(getattr(self.scorer.detector, "scores_are_logits", False))

    def training_data(self) -> str:
        rec = self.record
        if rec is None:
            name = self.scorer.meta.get("dataset")
            return f"{name} (no run record found: counts unknown)" if name else "unknown (no run record found)"
        train = (rec.get("train_dataset") or rec.get("dataset") or {})
        name = train.get("name") or rec["dataset"]["name"]
        protocol = train.get("protocol") or rec["dataset"].get("protocol")
        counts = (train.get("counts") or rec["dataset"].get("counts") or {}).get("train") or {}
        text = str(name) + (f" (protocol {protocol})" if protocol else "")
        if counts:
            text += (f": {counts.get('n', '?')} training clips, {counts.get('real', '?')} real / "
                     f"{counts.get('fake', '?')} fake")
        return text

    def eval_eer(self) -> tuple[float | None, str]:
        """(EER, the eval set it was measured on) from the record."""
        rec = self.record
        if rec is None:
            return None, ""
        eer = (rec.get("metrics") or {}).get("eer")
        counts = (rec["dataset"].get("counts") or {}).get("eval") or {}
        where = rec["dataset"]["name"] + (f" eval, {counts['n']} clips" if counts.get("n") else " eval")
        return (float(eer) if eer is not None else None), where

    def p_fake(self, score: float) -> tuple[float | None, str]:
        """p(fake) of ``score`` and how it was obtained (or None and why not)."""
        if self.calibration is not None:
            c = self.calibration
            p = float(c.posterior([score])[0])
            return p, f"calibrated on the run's val split (logistic regression, prior p(fake) = {c.prior:.3g})"
        if self.scores_are_logits:
            return _sigmoid(score), "sigmoid of the score (the detector outputs logits; not calibrated)"
        return None, "not available: this detector's scores are not probabilities and the run was not calibrated"


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def find_record(model_path: Path, run_id: str, results_dir: str | Path | None) -> dict[str, Any] | None:
    """The run record of a saved detector: beside it in its store, else in ``results_dir``."""
    from ..results import ResultStore

    candidates = [model_path.parent.parent / "runs" / f"{run_id}.json"]
    try:
        candidates.append(ResultStore(results_dir).runs_dir / f"{run_id}.json")
    except Exception:  # no default store configured: only the sibling folder counts
        pass
    for p in candidates:
        if p.is_file():
            try:
                rec = json.loads(p.read_text())
            except (OSError, json.JSONDecodeError) as e:
                log.warning("run record %s is unreadable (%s); the page shows the model without it", p, e)
                return None
            if isinstance(rec, dict) and rec.get("run_id") == run_id and "dataset" in rec:
                return rec
    return None


def load_models(refs: Sequence[str], *, results_dir: str | Path | None = None,
                device: str = "cpu") -> list[ModelEntry]:
    """Load every saved detector in ``refs`` (paths or run ids) now, so that a missing
    file or missing embedder weights fail at start with one clear error."""
    from ..inference import Scorer, find_model
    from ..metrics.calibration import Calibration

    if not refs:
        raise FakebenchError("give at least one saved detector with --model")
    entries: list[ModelEntry] = []
    seen: dict[Path, str] = {}
    for ref in refs:
        path = find_model(ref, results_dir).resolve()
        if path in seen:
            raise FakebenchError(f"--model {ref!r} names the same saved detector as --model {seen[path]!r}")
        seen[path] = ref
        try:
            scorer = Scorer(path, device=device)
        except FakebenchError as e:
            raise type(e)(f"saved detector {ref!r} cannot be loaded: {e.message}", hint=e.hint) from None
        except Exception as e:  # a library's own error while loading the embedder or detector
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise WeightsError(f"saved detector {ref!r} cannot be loaded: {type(e).__name__}: {msg}",
                               hint="check that its embedder's weights are installed (`fakebench list embedders`), "
                                    "or retrain it") from None
        entry = ModelEntry(ref=str(ref), path=path, scorer=scorer)
        entry.record = find_record(path, entry.run_id, results_dir)
        cal = (entry.record or {}).get("calibration")
        if cal and all(k in cal for k in ("scale", "offset", "prior")):
            entry.calibration = Calibration.from_dict(cal)
        if entry.record is None:
            entry.notes.append("no run record found beside the model or in the results store")
        entries.append(entry)
    _unique_keys(entries)
    return entries


def _unique_keys(entries: list[ModelEntry]) -> None:
    """A short label per model: the pipeline name, suffixed when two share it."""
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.pipeline] = counts.get(e.pipeline, 0) + 1
    used: dict[str, int] = {}
    for e in entries:
        if counts[e.pipeline] == 1:
            e.key = e.pipeline
        else:
            used[e.pipeline] = used.get(e.pipeline, 0) + 1
            e.key = f"{e.pipeline} #{used[e.pipeline]}"
