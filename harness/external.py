"""Evaluating any system's score file against a dataset's protocol (``fakebench evaluate``).

The most common wrong EER in this field comes from a score file and a protocol that do not
match: a missing utterance, a duplicated one, an id from another partition, or a score
direction flipped. This module reads a score file, joins it with the protocol of the
test set *exactly*, converts the scores to fakebench's direction in one place, and writes
an ordinary result record, so leaderboards, breakdowns per attack and condition,
bootstrap CIs and significance tests treat an external system as one of fakebench's own.

**Formats** (``fmt``; ``auto`` detects them from the first lines):

``utt-score``        ``UTT SCORE`` per line, whitespace-separated (ASVspoof 2021 CM);
``utt-label-score``  ``UTT LABEL SCORE`` (label ``bonafide``/``spoof``...);
``asvspoof2019``     ``UTT ATTACK KEY SCORE`` (the ASVspoof 2019 CM score files);
``table``            CSV or TSV with a header naming an id column (``filename``, ``utt``,
                     ``id``, ``file``, ``path``...) and a score column (``score``,
                     ``cm-score``, ``cm_score``, ``llr``...): this covers the ASVspoof 5
                     submission format (``filename<TAB>cm-score``) and most CSV exports.

An utterance id matches a clip when it equals the clip's id, or the clip's file name
without its extension (``LA_E_1000147``, ``LA_E_1000147.flac`` and
``/data/eval/flac/LA_E_1000147.flac`` all match clip ``LA_E_1000147``).

**Direction.** fakebench scores are *higher = more likely fake*; the ASVspoof packages use
*higher = bona fide*. ``direction`` is ``fake-high`` or ``bonafide-high``; when it is not
given, it is detected from the joined labels (the direction whose ROC AUC is above 0.5)
and a loud warning says so; a file that separates the classes no better than chance in
either direction (AUC within 0.45..0.55) must be given a direction.

**Join check.** Every clip of the test set must have exactly one score. Missing, duplicate
and unknown ids are counted and the first few named; the evaluation refuses unless
``allow_partial``, which scores the intersection and records what was left out.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .data import Clip
from .errors import ConfigError, DatasetError

log = logging.getLogger("fakebench")

FORMATS = ("auto", "utt-score", "utt-label-score", "asvspoof2019", "table")
DIRECTIONS = ("fake-high", "bonafide-high")
ID_COLUMNS = ("filename", "file_name", "utt", "utt_id", "utterance", "id", "file", "path", "audio", "name", "trial")
SCORE_COLUMNS = ("score", "cm-score", "cm_score", "cmscore", "llr", "prediction", "pred", "logit", "spoof_score",
                 "fake_score")
#: How many offending ids an error names.
SHOW = 5


@dataclass
class ScoreFile:
    """The parsed score file: ids and float scores in file order, and what was detected."""

    path: Path
    format: str
    ids: list[str]
    scores: np.ndarray
    labels: list[str | None] = field(default_factory=list)


def _read_text(path: Path) -> str:
    from .textfiles import decode_text

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"score file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"score file {str(path)!r} is a folder; pass the file") from None
    return decode_text(raw, path, expected="a UTF-8 score file")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def detect_format(lines: Sequence[str]) -> str:
    """The format of a score file from its first non-empty lines."""
    head = [ln for ln in lines if ln.strip()][:5]
    if not head:
        raise ConfigError("the score file is empty")
    first = re.split(r"[,\t]" if ("," in head[0] or "\t" in head[0]) else r"\s+", head[0].strip())
    if not _is_number(first[-1]):
        return "table"
    n = len(head[0].split())
    return {2: "utt-score", 3: "utt-label-score", 4: "asvspoof2019"}.get(n, "unknown")


def read_score_file(path: str | Path, fmt: str = "auto") -> ScoreFile:
    """Parse ``path`` (see the module docstring); every problem names the file and line."""
    path = Path(path).expanduser()
    if fmt not in FORMATS:
        raise ConfigError(f"unknown score-file format {fmt!r}", hint="use one of: " + ", ".join(FORMATS))
    text = _read_text(path)
    lines = text.splitlines()
    if fmt == "auto":
        fmt = detect_format(lines)
        if fmt == "unknown":
            raise ConfigError(f"cannot tell the format of score file {str(path)!r} from its first line",
                              hint="pass --format " + "|".join(FORMATS[1:]))
        log.info("score file %s: format %s (detected)", path, fmt)
    ids: list[str] = []
    scores: list[float] = []
    labels: list[str | None] = []
    if fmt == "table":
        dialect = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else None)
        if dialect is None:
            rows = [ln.split() for ln in lines]
        else:
            rows = list(csv.reader(io.StringIO(text), delimiter=dialect))
        header = [h.strip().lower() for h in rows[0]]
        dup = [h for h, n in Counter(header).items() if n > 1]
        if dup:
            raise ConfigError(f"score file {str(path)!r}: the header repeats column(s) {dup}")
        id_col = next((header.index(c) for c in ID_COLUMNS if c in header), None)
        score_col = next((header.index(c) for c in SCORE_COLUMNS if c in header), None)
        if id_col is None or score_col is None:
            raise ConfigError(f"score file {str(path)!r}: the header {rows[0]} names no "
                              + ("id" if id_col is None else "score") + " column",
                              hint="name the columns e.g. filename,score (ids: " + ", ".join(ID_COLUMNS[:6])
                              + "; scores: " + ", ".join(SCORE_COLUMNS[:4]) + ")")
        label_col = next((header.index(c) for c in ("label", "key", "cm-label") if c in header), None)
        body = enumerate(rows[1:], start=2)
    else:
        want = {"utt-score": 2, "utt-label-score": 3, "asvspoof2019": 4}[fmt]
        id_col, score_col = 0, want - 1
        label_col = {"utt-score": None, "utt-label-score": 1, "asvspoof2019": 2}[fmt]
        body = ((i, ln.split()) for i, ln in enumerate(lines, start=1))
    for lineno, fields in body:
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if fmt != "table" and len(fields) != want:
            raise ConfigError(f"{path}:{lineno}: expected {want} fields ({fmt}), found {len(fields)}: "
                              f"{' '.join(fields)[:80]!r}", hint="pass --format to choose the layout")
        try:
            value = float(fields[score_col])
        except (ValueError, IndexError):
            raise ConfigError(f"{path}:{lineno}: the score {fields[score_col] if score_col < len(fields) else ''!r} "
                              "is not a number") from None
        if not math.isfinite(value):
            raise ConfigError(f"{path}:{lineno}: the score is {fields[score_col]} (not finite)",
                              hint="every score must be a finite number; fix the system's output")
        ids.append(fields[id_col].strip())
        scores.append(value)
        labels.append(fields[label_col].strip() if label_col is not None and label_col < len(fields) else None)
    if not ids:
        raise ConfigError(f"score file {str(path)!r} holds no scores")
    return ScoreFile(path, fmt, ids, np.asarray(scores, dtype=np.float64), labels)


def _short(clip_or_id: str) -> str:
    """An utterance id as a score file may write it: without folders and extension."""
    base = clip_or_id.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return stem if dot and ext.isalnum() and len(ext) <= 5 else base


@dataclass
class Join:
    """Scores aligned with the test set's clips (``clips[i]`` has ``scores[i]``)."""

    clips: list[Clip]
    scores: np.ndarray
    missing: list[str]
    duplicates: list[str]
    unknown: list[str]

    @property
    def complete(self) -> bool:
        return not (self.missing or self.duplicates or self.unknown)

    def report(self) -> dict[str, Any]:
        return {"scored": len(self.clips), "missing": len(self.missing), "duplicates": len(self.duplicates),
                "unknown": len(self.unknown), "examples": {"missing": self.missing[:SHOW],
                                                          "duplicates": self.duplicates[:SHOW],
                                                          "unknown": self.unknown[:SHOW]}}


def join(scores: ScoreFile, clips: Sequence[Clip]) -> Join:
    """Match every clip with its score by id (see the module docstring)."""
    by_id: dict[str, int] = {}
    by_short: dict[str, int] = {}
    for i, c in enumerate(clips):
        by_id[c.id] = i
        by_short.setdefault(_short(str(c.path)), i)
        by_short.setdefault(_short(c.id), i)
    found: dict[int, float] = {}
    seen: Counter = Counter()
    unknown: list[str] = []
    for utt, s in zip(scores.ids, scores.scores):
        i = by_id.get(utt)
        if i is None:
            i = by_short.get(_short(utt))
        if i is None:
            unknown.append(utt)
            continue
        seen[i] += 1
        found.setdefault(i, float(s))
    duplicates = [clips[i].id for i, n in seen.items() if n > 1]
    missing = [c.id for i, c in enumerate(clips) if i not in found]
    order = sorted(found)
    return Join([clips[i] for i in order], np.array([found[i] for i in order], dtype=np.float64), missing,
                 duplicates, unknown)


def check_join(j: Join, path: Path, dataset: str, allow_partial: bool) -> None:
    """Refuse an incomplete join (naming the first offending ids), unless ``allow_partial``."""
    if j.complete:
        return
    parts = []
    for what, ids in (("missing (in the protocol, not in the file)", j.missing),
                      ("duplicated in the file", j.duplicates),
                      ("unknown (in the file, not in the protocol)", j.unknown)):
        if ids:
            more = f" and {len(ids) - SHOW} more" if len(ids) > SHOW else ""
            parts.append(f"{len(ids)} {what}: {', '.join(repr(i) for i in ids[:SHOW])}{more}")
    message = f"score file {str(path)!r} does not match the {dataset} test set: " + "; ".join(parts)
    if not allow_partial:
        raise DatasetError(message, hint="score exactly the protocol's utterances, or pass --allow-partial to "
                                         "evaluate the intersection (recorded in the result)")
    log.warning("%s (--allow-partial: evaluating the %d matched clips)", message, len(j.clips))


def to_fake_high(scores: np.ndarray, labels: np.ndarray, direction: str | None) -> tuple[np.ndarray, str, str | None]:
    """Scores in fakebench's direction, the direction used, and a warning when it was detected."""
    if direction is not None:
        if direction not in DIRECTIONS:
            raise ConfigError(f"unknown score direction {direction!r}", hint="use fake-high or bonafide-high")
        return (scores if direction == "fake-high" else -scores), direction, None
    from .metrics import roc_auc

    if len(set(labels.tolist())) < 2:
        raise ConfigError("cannot detect the score direction on a test set with one class",
                          hint="pass --score-direction fake-high or bonafide-high")
    auc = float(roc_auc(scores, labels))
    if 0.45 <= auc <= 0.55:
        raise ConfigError(f"cannot detect the score direction: the scores separate the classes at chance level "
                          f"(ROC AUC {auc:.3f} read as fake-high)",
                          hint="pass --score-direction fake-high or bonafide-high")
    direction = "fake-high" if auc > 0.5 else "bonafide-high"
    warning = (f"SCORE DIRECTION NOT GIVEN: detected {direction} (ROC AUC {max(auc, 1 - auc):.3f} that way, "
               f"{min(auc, 1 - auc):.3f} the other); pass --score-direction {direction} to state it")
    return (scores if direction == "fake-high" else -scores), direction, warning


class ExternalSystem:
    """What a record says about a system fakebench did not run: its score file."""

    version = "1"
    history_ = None
    best_epoch_ = None

    def __init__(self, name: str, params: dict[str, Any]):
        self.name = name
        self._params = params

    def get_params(self) -> dict[str, Any]:
        return dict(self._params)


def evaluate_score_file(scores: str | Path, dataset: str, *, name: str | None = None, data_root: str | None = None,
                        protocol: str | None = None, direction: str | None = None, fmt: str = "auto",
                        allow_partial: bool = False, part: str | None = None, metrics: Sequence[str] | None = None,
                        results_dir: str | None = None, sets: dict[str, Any] | None = None,
                        registry: Any = None) -> dict[str, Any]:
    """Evaluate a score file on ``dataset``'s test set and store the result record.

    ``part`` is the part of the dataset scored: ``eval`` (its eval split) or ``all`` (every
    clip); by default the dataset's own :attr:`Dataset.test_split`. Returns the record.
    """
    from .config import route
    from .evaluate import evaluate
    from .hashing import file_digest
    from .metrics import eer
    from .records import FitInfo, RunInfo, TestSet, build_record, score_rows
    from .registry import Registry
    from .results import ResultStore
    from .data.splits import unique_clips

    registry = registry or Registry()
    path = Path(scores).expanduser()
    parsed = read_score_file(path, fmt)
    ds_cls = registry.dataset(dataset)
    params: dict[str, Any] = {"root": data_root, "seed": 0}
    if protocol:
        params["protocol"] = protocol
    params.update(route(dict(sets or {}), {"dataset": ds_cls, "embedder": None, "detector": None})["dataset"])
    ds = ds_cls.from_params(params)
    splits = ds.load()
    part = part or ds.test_split
    if part not in ("eval", "all"):
        raise ConfigError(f"unknown part {part!r}", hint="use eval or all")
    clips = splits.get("eval", []) if part == "eval" else unique_clips(
        [c for s in ("train", "val", "eval") for c in splits.get(s, [])])
    if not clips:
        raise DatasetError(f"{dataset} has no clips in its {part} part", hint=f"check `fakebench info {dataset}`")
    j = join(parsed, clips)
    check_join(j, path, dataset, allow_partial)
    if not j.clips:
        raise DatasetError(f"no score in {str(path)!r} matches a clip of {dataset}",
                           hint="the ids must be the protocol's utterance ids (or file names)")
    labels = np.array([c.label for c in j.clips], dtype=np.int64)
    fake_high, used, warning = to_fake_high(j.scores, labels, direction)
    if warning:
        log.warning(warning)
    metric_classes = ([registry.metric(m) for m in metrics] if metrics else
                      [c for c in registry.table("metrics").values() if c.default])
    threshold = float(eer(fake_high, labels, return_threshold=True, warn=False)[1]) if len(set(labels.tolist())) > 1 \
        else 0.0
    ctx = {"threshold": threshold, "threshold_source": "eval-eer", "timings": {}, "audio_seconds": 0.0,
           "val_scores": None, "val_labels": None, "device": "cpu", "scores_are_logits": False,
           "asv_scores": ds.asv_scores("eval"), "sasv_trials": ds.sasv_trials("eval"),
           "clip_ids": [c.id for c in j.clips]}
    result = evaluate(fake_high, labels, j.clips, metric_classes, ctx, attributes=ds.attributes,
                      skip_unavailable=not metrics)
    result.update(threshold=threshold, threshold_source="eval-eer", scores_are_logits=False)
    sha = file_digest(path)
    system = ExternalSystem(name or path.stem, {"scores_sha256": sha[:16], "direction": used, "format": parsed.format})
    run = RunInfo(pipeline=system.name, embedder=None, length="as scored", train_name=dataset, cross=False,
                  device="n/a", options={"external": True}, plugin_versions={}, threshold_policy="eval-eer")
    fit = FitInfo(seed=0, group="external", dataset=ds, train=[], val=[], detector=system, reused=False,
                  warnings=[warning] if warning else [])
    test = TestSet(dataset, ds, j.clips, part)
    record = build_record(run, fit, test, result, {})
    record["external"] = {"scores_file": str(path.resolve()), "sha256": sha, "format": parsed.format,
                          "direction": used, "direction_detected": direction is None, "join": j.report(),
                          "partial": not j.complete}
    record["warnings"] = list(record["warnings"])
    if not j.complete:
        record["warnings"].append(f"partial: {len(j.missing)} missing, {len(j.duplicates)} duplicate and "
                                  f"{len(j.unknown)} unknown id(s); {len(j.clips)} clips evaluated")
    store = ResultStore(results_dir)
    store.add(record, score_rows(j.clips, fake_high, "eval"))
    return record
