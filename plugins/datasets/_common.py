"""Helpers shared by the dataset plugins (private: not a plugin, nothing here is
registered): the data root a dataset reads, the rows of a protocol table whose audio file
is on disk, and the clips of an ASVspoof-style protocol table. Each plugin's corpus facts
(layout, formats, names) stay in its own module; these helpers only do what several
plugins did the same way, with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from fakebench.api import Clip, Dataset, DatasetError, Table, child_paths, data_root, keep_present, list_names

__all__ = ["asvspoof_clips", "existing_root", "present_rows"]


def existing_root(ds: Dataset) -> Path:
    """The data root ``ds`` reads (its ``root``, else the default data root); an error
    naming it when it does not exist."""
    root = Path(ds.root).expanduser() if ds.root is not None else data_root()
    if not root.exists():
        raise DatasetError(f"data root {str(root)!r} for dataset {ds.name!r} does not exist",
                           hint="pass --data-root DIR (or set FAKEBENCH_DATA); " + ds.instructions())
    return root


def present_rows(ds: Dataset, table: Table, folder: Path, names: Sequence[str], *, suffix: str = "",
                 need_audio: bool = True) -> range | list[int]:
    """The rows of ``table`` whose file ``folder / (names[i] + suffix)`` exists.

    With ``ds.check_files`` off, every row. Otherwise the folder is listed once; with
    ``need_audio`` a missing or empty folder is an error (unless ``ds.allow_missing``); a
    missing file raises naming the protocol line, or with ``allow_missing`` is skipped
    and counted in ``ds.missing_`` (see :func:`fakebench.api.keep_present`).
    """
    if not ds.check_files:
        return range(len(table))
    present = list_names(folder)
    if need_audio and not present and not ds.allow_missing:
        raise DatasetError(f"{ds.name}: audio folder {str(folder)!r} is missing or empty", hint=ds.instructions())
    rows, missing = keep_present(table, names, lambda i, n: n + suffix in present, dataset=ds.name,
                                 allow_missing=ds.allow_missing, describe=lambda i: str(folder / (names[i] + suffix)))
    ds.missing_ = getattr(ds, "missing_", 0) + missing
    return rows


def asvspoof_clips(ds: Dataset, table: Table, folder: Path, split: str, attrs: Callable[[int], dict]) -> list[Clip]:
    """The clips of an ASVspoof-style protocol table (columns ``id``, ``speaker``, ``attack``,
    ``key`` = ``bonafide``/``spoof``; audio ``folder/<id>.flac``), those on disk as
    :func:`present_rows` keeps them. The attack is ``Clip.system`` of spoofed clips;
    ``attrs(i)`` gives row ``i``'s attributes (the corpus' own columns)."""
    ids = table["id"]
    rows = present_rows(ds, table, folder, ids, suffix=".flac")
    speakers, attacks, keys = table["speaker"], table["attack"], table["key"]
    paths = child_paths(folder, [ids[i] + ".flac" for i in rows])
    out = []
    for i, path in zip(rows, paths):
        spoof = keys[i] == "spoof"
        out.append(Clip(ids[i], path, 1 if spoof else 0, split, None, attacks[i] if spoof else None, speakers[i],
                        attrs=attrs(i)))
    return out
