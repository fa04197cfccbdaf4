"""Reading CSV manifests: one row per clip, with ``path`` and ``label`` columns.

Optional columns: ``id``, ``split`` (train/val/dev/eval/test), ``class``, ``system``
(or ``attack``), ``speaker``, ``transcript``, ``duration``; any other column is kept in
``Clip.attrs``. Paths are relative to the manifest's folder unless absolute.

Every problem is reported with the manifest's path and line number: a missing column,
an unknown label, a duplicate id, a listed file that is absent (or skipped and counted
with ``allow_missing``).
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from ..data import Clip, parse_label
from ..errors import DatasetError

log = logging.getLogger("fakebench")

SPLIT_NAMES = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
               "dev": "val", "eval": "eval", "test": "eval", "evaluation": "eval"}
KNOWN = {"id", "path", "label", "split", "class", "system", "attack", "speaker", "transcript", "duration"}


def read_manifest(path: str | Path, *, base: str | Path | None = None, allow_missing: bool = False,
                  dataset: str = "manifest", check_files: bool = True) -> list[Clip]:
    """Parse a manifest CSV into clips (``split`` is set when the CSV has the column)."""
    path = Path(path)
    base = Path(base) if base is not None else path.parent
    try:
        f = open(path, newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(f"{dataset}: manifest {str(path)!r} does not exist",
                           hint="pass --data-root pointing at the folder holding it (or at the CSV)") from None
    clips: list[Clip] = []
    seen: dict[str, int] = {}
    missing = 0
    with f:
        reader = csv.DictReader(f)
        cols = [c.strip() for c in (reader.fieldnames or [])]
        reader.fieldnames = cols
        for need in ("path", "label"):
            if need not in cols:
                raise DatasetError(f"{dataset}: manifest {str(path)!r} has no {need!r} column (columns: {cols})",
                                   hint="a manifest needs at least the columns path,label")
        for lineno, row in enumerate(reader, start=2):
            where = f"{path}:{lineno}"
            if None in row:
                raise DatasetError(f"{dataset}: {where} has more fields than the header")
            rel = (row.get("path") or "").strip()
            if not rel:
                raise DatasetError(f"{dataset}: {where} has an empty path")
            label = parse_label(row.get("label", ""), where=where)
            cid = (row.get("id") or "").strip() or rel
            if cid in seen:
                raise DatasetError(f"{dataset}: {where} repeats id {cid!r} (first on line {seen[cid]})",
                                   hint="each clip must be listed once")
            seen[cid] = lineno
            audio = Path(rel) if Path(rel).is_absolute() else base / rel
            if check_files and not audio.is_file():
                if allow_missing:
                    missing += 1
                    continue
                raise DatasetError(f"{dataset}: {where} lists {str(audio)!r}, which does not exist",
                                   hint="fix the path, or pass --allow-missing to skip missing files")
            split = (row.get("split") or "").strip().lower()
            if split:
                if split not in SPLIT_NAMES:
                    raise DatasetError(f"{dataset}: {where} has unknown split {split!r}",
                                       hint="use train, val (dev) or eval (test)")
                split = SPLIT_NAMES[split]
            duration = None
            if (row.get("duration") or "").strip():
                try:
                    duration = float(row["duration"])
                except ValueError:
                    raise DatasetError(f"{dataset}: {where} has a non-numeric duration {row['duration']!r}") from None
            system = (row.get("system") or row.get("attack") or "").strip() or None
            attrs = {k: v for k, v in row.items() if k not in KNOWN and v not in (None, "")}
            clips.append(Clip(
                id=cid, path=audio, label=label, split=split,
                cls=(row.get("class") or "").strip() or None,
                system=system,
                speaker=(row.get("speaker") or "").strip() or None,
                transcript=(row.get("transcript") or "").strip() or None,
                duration=duration, attrs=attrs,
            ))
    if missing:
        log.warning("%s: skipped %d missing file(s) listed in %s (--allow-missing)", dataset, missing, path)
    if not clips:
        raise DatasetError(f"{dataset}: manifest {str(path)!r} lists no usable clips")
    return clips
