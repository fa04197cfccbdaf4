"""Reading CSV manifests: one row per clip, with ``path`` and ``label`` columns.

Optional columns: ``id``, ``split`` (train/val/dev/eval/test), ``class``, ``system``
(or ``attack``), ``speaker``, ``transcript``, ``duration``; any other column is kept in
``Clip.attrs``. Paths are relative to the manifest's folder unless absolute.

The file is UTF-8 (a BOM is fine) or UTF-16/32 with a BOM; anything else is refused
naming the byte offset (:mod:`fakebench.textfiles`).

Paths are normalised lexically (``os.path.normpath`` of the joined path): ``x.wav``,
``./x.wav`` and ``sub/../x.wav`` are one file, with one path. Lexical, not
``Path.resolve()``: it costs no system call per row, keeps the user's folder names (a
symlinked data folder stays as given) and means the same on every machine; two
different paths that reach one file through a symlink or hard link are caught where it
matters, across splits, by :func:`fakebench.data.splits.check_disjoint` (same device
and inode, optionally same content).

Every problem is reported with the manifest's path and line number: a missing or
repeated column, an unknown label, a duplicate id (without an ``id`` column the id is
the normalised path, so a file listed twice under two spellings is a duplicate id), a
non-finite or non-positive duration, a listed file that is absent (or skipped and
counted with ``allow_missing``). Rows with their own ids that list a file already
listed are dropped (the first row is kept), counted and logged as a warning; with a
different label they are an error.
"""

from __future__ import annotations

import csv
import logging
import math
import os
from pathlib import Path
from typing import Any

from ..data import Clip, parse_label
from ..errors import DatasetError

log = logging.getLogger("fakebench")

SPLIT_NAMES = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
               "dev": "val", "eval": "eval", "test": "eval", "evaluation": "eval"}
KNOWN = {"id", "path", "label", "split", "class", "system", "attack", "speaker", "transcript", "duration"}


def normalize_path(rel: str, base: Path) -> Path:
    """The path of manifest entry ``rel`` (relative to ``base`` unless absolute),
    normalised lexically: ``./x.wav`` and ``sub/../x.wav`` are ``base/x.wav``."""
    p = Path(rel)
    return Path(os.path.normpath(p if p.is_absolute() else base / p))


def default_id(rel: str) -> str:
    """The id of a row without an ``id`` column: its path, normalised (``./a/../x.wav``
    -> ``x.wav``), with forward slashes."""
    return Path(os.path.normpath(rel)).as_posix()


def parse_duration(text: str, where: str, dataset: str) -> float | None:
    """A manifest ``duration`` in seconds: empty is unknown (None); anything but a finite
    positive number is an error naming ``where``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(f"{dataset}: {where} has a non-numeric duration {text!r}",
                           hint="give the duration in seconds, or leave the cell empty") from None
    if not math.isfinite(value) or value <= 0:
        raise DatasetError(f"{dataset}: {where} has an impossible duration {text!r}",
                           hint="a duration is a positive number of seconds; leave the cell empty if unknown")
    return value


def read_manifest(path: str | Path, *, base: str | Path | None = None, allow_missing: bool = False,
                  dataset: str = "manifest", check_files: bool = True,
                  report: dict[str, Any] | None = None) -> list[Clip]:
    """Parse a manifest CSV into clips (``split`` is set when the CSV has the column).

    ``report``, when given, receives the counts of what was skipped: ``missing``
    (absent files, with ``allow_missing``) and ``duplicates`` (rows listing a file
    already listed), with ``duplicate_examples``.
    """
    from ..textfiles import open_text
    from .protocol_tables import check_header

    path = Path(path)
    base = Path(base) if base is not None else path.parent
    try:
        if path.is_dir():
            raise DatasetError(f"{dataset}: manifest {str(path)!r} is a folder, not a CSV file",
                               hint="pass --data-root pointing at the CSV (or at the folder holding manifest.csv)")
        f = open_text(path, error=DatasetError, expected="UTF-8 text", prefix=f"{dataset}: manifest ")
    except FileNotFoundError:
        raise DatasetError(f"{dataset}: manifest {str(path)!r} does not exist",
                           hint="pass --data-root pointing at the folder holding it (or at the CSV)") from None
    except OSError as e:
        raise DatasetError(f"{dataset}: cannot read manifest {str(path)!r}: {e.strerror or e}") from None
    clips: list[Clip] = []
    seen: dict[str, int] = {}
    files: dict[Path, tuple[int, str, int]] = {}  # path -> (line, as written, label)
    dropped: list[str] = []
    missing = 0
    with f:
        reader = csv.reader(f)
        lineno = 1
        try:
            try:
                cols = [c.strip() for c in next(reader)]
            except StopIteration:
                raise DatasetError(f"{dataset}: manifest {str(path)!r} is empty",
                                   hint="the first line names the columns, at least path,label") from None
            check_header(cols, path, dataset)
            for need in ("path", "label"):
                if need not in cols:
                    raise DatasetError(f"{dataset}: manifest {str(path)!r} has no {need!r} column (columns: {cols})",
                                       hint="a manifest needs at least the columns path,label")
            has_id = "id" in cols
            for cells in reader:
                lineno = reader.line_num
                if not cells or not any(c.strip() for c in cells):
                    continue
                where = f"{path}:{lineno}"
                if len(cells) > len(cols):
                    raise DatasetError(f"{dataset}: {where} has more fields than the header",
                                       hint="quote fields that contain a comma")
                row = {k: v for k, v in zip(cols, cells) if k}
                rel = (row.get("path") or "").strip()
                if not rel:
                    raise DatasetError(f"{dataset}: {where} has an empty path")
                label = parse_label(row.get("label", ""), where=where)
                cid = (row.get("id") or "").strip() or default_id(rel)
                if cid in seen:
                    raise DatasetError(f"{dataset}: {where} repeats id {cid!r} (first on line {seen[cid]})",
                                       hint="each clip must be listed once"
                                       + ("" if has_id else " (paths are compared after normalising ./ and ../)"))
                seen[cid] = lineno
                audio = normalize_path(rel, base)
                if audio in files:
                    first_line, first_rel, first_label = files[audio]
                    if first_label != label:
                        raise DatasetError(f"{dataset}: {where} lists {rel!r}, the file of line {first_line} "
                                           f"({first_rel!r}), with the other label",
                                           hint="one file has one label; remove or fix one of the rows")
                    dropped.append(f"line {lineno} {rel!r} = line {first_line} {first_rel!r}")
                    continue
                files[audio] = (lineno, rel, label)
                if check_files and not audio.is_file():
                    if allow_missing:
                        missing += 1
                        continue
                    what = "a folder, not a file" if audio.is_dir() else "which does not exist"
                    raise DatasetError(f"{dataset}: {where} lists {str(audio)!r}, {what}",
                                       hint="fix the path, or pass --allow-missing to skip missing files")
                split = (row.get("split") or "").strip().lower()
                if split:
                    if split not in SPLIT_NAMES:
                        raise DatasetError(f"{dataset}: {where} has unknown split {split!r}",
                                           hint="use train, val (dev) or eval (test)")
                    split = SPLIT_NAMES[split]
                duration = parse_duration(row.get("duration") or "", where, dataset)
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
        except csv.Error as e:
            raise DatasetError(f"{dataset}: {path}:{reader.line_num} is not valid CSV: {e}",
                               hint="check the quoting of that line") from None
    if missing:
        log.warning("%s: skipped %d missing file(s) listed in %s (--allow-missing)", dataset, missing, path)
    if dropped:
        log.warning("%s: %d row(s) of %s list a file already listed (compared after normalising ./ and ../), "
                    "e.g. %s; each file is used once (its first row)", dataset, len(dropped), path, dropped[0])
    if report is not None:
        report.update(missing=missing, duplicates=len(dropped), duplicate_examples=dropped[:20])
    if not clips:
        raise DatasetError(f"{dataset}: manifest {str(path)!r} lists no usable clips")
    return clips
