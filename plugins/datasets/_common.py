"""Helpers shared by the dataset plugins (private: not a plugin, nothing here is
registered): the data root a dataset reads, the rows of a protocol table whose audio file
is on disk, and the clips of an ASVspoof-style protocol table. Each plugin's corpus facts
(layout, formats, names) stay in its own module; these helpers only do what several
plugins did the same way, with the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fakebench.api import (ClipList, Dataset, DatasetError, PathColumn, Table, data_root, keep_present,
                           list_names)

__all__ = ["asvspoof_clips", "existing_root", "official_splits", "present_rows"]


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


def official_splits(ds: Dataset, splits: Sequence[str]) -> dict:
    """``{split: ds.split_clips(split)}`` for a corpus whose official protocols list each
    split, after ``ds.check_protocol()``; ``ds.missing_`` counts the files skipped."""
    ds.check_protocol()
    ds.missing_ = 0
    return {s: ds.split_clips(s) for s in splits}


def asvspoof_clips(ds: Dataset, table: Table, folder: Path, split: str, attr_fields: Sequence[str],
                   attrs: Callable[[dict], dict]) -> ClipList:
    """The clips of an ASVspoof-style protocol table (columns ``id``, ``speaker``, ``attack``,
    ``key`` = ``bonafide``/``spoof``; audio ``folder/<id>.flac``), those on disk as
    :func:`present_rows` keeps them, stored by column (a ``ClipList``). The attack is
    ``Clip.system`` of spoofed clips; ``attrs({field: value})`` turns the values of
    ``attr_fields`` into the clip's attributes, once per distinct combination (the
    mappings are shared between the clips that have the same)."""
    ids = table["id"]
    rows = present_rows(ds, table, folder, ids, suffix=".flac")
    every = isinstance(rows, range) and len(rows) == len(ids)
    idx = np.arange(len(ids)) if every else np.asarray(list(rows), dtype=np.int64)
    clip_ids = ids if every else [ids[i] for i in idx.tolist()]
    spoof = table.mask("key", ("spoof",))[idx]
    attack_codes, attack_vocab = table.codes("attack")
    systems = [None, *attack_vocab]
    system_codes = np.where(spoof, attack_codes[idx].astype(np.int64) + 1, 0)
    speaker_codes, speaker_vocab = table.codes("speaker")
    attr_codes = table.shared_attrs_codes(attr_fields, idx, transform=attrs)
    return ClipList(clip_ids, PathColumn([folder], clip_ids, suffix=".flac"), spoof.astype(np.int64), split=split,
                    system=(system_codes, systems), speaker=(speaker_codes[idx], speaker_vocab), attrs=attr_codes)
