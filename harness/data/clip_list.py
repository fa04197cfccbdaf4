"""Clips stored by column: a corpus of 611k clips as a few arrays, not 611k objects.

A dataset plugin that reads a large protocol (ASVspoof 2021 DF: 611,829 trials) returns
a :class:`ClipList` instead of a ``list`` of :class:`~fakebench.data.Clip`. It is a
read-only sequence of clips: ``clips[i]`` is a ``Clip``, ``for c in clips`` yields them,
``clips[a:b]`` and :meth:`ClipList.take` give smaller ``ClipList`` views. Each ``Clip`` is
built the first time it is asked for and then kept, so a consumer that walks the clips
pays for them once (about 1 µs a clip), and one that only needs a column pays nothing:

* :func:`clip_ids`, :func:`clip_labels`, :func:`clip_path_strings` and :func:`clip_paths`
  read a column of any sequence of clips (a ``ClipList``'s columns directly, a ``list``
  clip by clip), and the harness uses them where it reads one field of every clip;
* repeated values (system, speaker, attribute sets) are dictionary-coded: an integer
  code per clip and the distinct values;
* a path is ``folder / name`` with one of a few folders, so the column holds the file
  names and a folder code per clip; ``Path`` objects are made only on request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .clips import EMPTY_ATTRS, Clip

#: Per-clip fields of a ``Clip`` besides id, path, label and attrs, in constructor order.
_FIELDS = ("split", "cls", "system", "speaker", "transcript", "duration")


class Column:
    """One field of every clip: a constant, a list of values, or int codes into the
    distinct values (``values[i] == vocab[codes[i]]``)."""

    __slots__ = ("const", "values", "codes", "vocab", "n")

    def __init__(self, n: int, *, const: Any = None, values: Sequence | None = None,
                 codes: np.ndarray | None = None, vocab: Sequence | None = None):
        self.n, self.const, self.values, self.codes, self.vocab = n, const, None, None, None
        if values is not None:
            if len(values) != n:
                raise ValueError(f"column has {len(values)} values for {n} clips")
            self.values = values
        elif codes is not None:
            codes = np.asarray(codes)
            if len(codes) != n:
                raise ValueError(f"column has {len(codes)} codes for {n} clips")
            self.codes, self.vocab = codes, list(vocab if vocab is not None else [])
            if n and (int(codes.min()) < 0 or int(codes.max()) >= len(self.vocab)):
                raise ValueError(f"column codes fall outside its {len(self.vocab)} values")

    @classmethod
    def of(cls, n: int, spec: Any) -> "Column":
        """``spec``: a :class:`Column`, ``(codes, vocab)``, a list of ``n`` values, or one value for all."""
        if isinstance(spec, Column):
            return spec
        if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], np.ndarray):
            return cls(n, codes=spec[0], vocab=spec[1])
        if isinstance(spec, (list, np.ndarray)):
            return cls(n, values=spec)
        return cls(n, const=spec)

    def at(self, i: int) -> Any:
        if self.values is not None:
            return self.values[i]
        if self.codes is not None:
            return self.vocab[int(self.codes[i])]
        return self.const

    def tolist(self) -> list:
        if self.values is not None:
            return list(self.values) if not isinstance(self.values, np.ndarray) else self.values.tolist()
        if self.codes is not None:
            vocab = self.vocab
            return [vocab[j] for j in self.codes.tolist()]
        return [self.const] * self.n

    def take(self, idx: np.ndarray) -> "Column":
        n = len(idx)
        if self.values is not None:
            vals = self.values
            return Column(n, values=vals[idx] if isinstance(vals, np.ndarray) else [vals[i] for i in idx.tolist()])
        if self.codes is not None:
            return Column(n, codes=self.codes[idx], vocab=self.vocab)
        return Column(n, const=self.const)


class PathColumn:
    """The audio path of every clip: ``folders[codes[i]] / names[i]`` (one folder: no codes).

    Names holding a separator, ``.`` or ``..`` are normalised lexically
    (``os.path.normpath``), as :func:`fakebench.data.protocol_tables.child_paths` does.
    """

    __slots__ = ("folders", "codes", "names", "suffix")

    def __init__(self, folders: Sequence[str | os.PathLike], names: Sequence[str], codes: np.ndarray | None = None,
                 suffix: str = ""):
        self.folders, self.suffix = [Path(f) for f in folders], suffix
        if not self.folders and len(names):
            raise ValueError("a path column needs at least one folder")
        if codes is None and len(self.folders) > 1:
            raise ValueError("a path column with several folders needs a folder code per clip")
        if codes is not None and len(codes) != len(names):
            raise ValueError(f"path column has {len(codes)} folder codes for {len(names)} names")
        self.names, self.codes = names, None if codes is None else np.asarray(codes)

    def __len__(self) -> int:
        return len(self.names)

    def _folder(self, i: int) -> Path:
        return self.folders[0 if self.codes is None else int(self.codes[i])]

    def at(self, i: int) -> Path:
        from .protocol_tables import child_paths

        return child_paths(self._folder(i), [self.names[i] + self.suffix])[0]

    def _groups(self) -> list[tuple[Path, np.ndarray | None]]:
        if self.codes is None:
            return [(self.folders[0], None)] if self.folders else []
        return [(f, np.flatnonzero(self.codes == k)) for k, f in enumerate(self.folders)]

    def paths(self) -> list[Path]:
        from .protocol_tables import child_paths

        suffix = self.suffix
        return self._gather(lambda folder, names: child_paths(folder, [n + suffix for n in names] if suffix else names))

    def strings(self) -> list[str]:
        """``[str(p) for p in self.paths()]``, without building the ``Path`` objects (one
        string concatenation per clip when the names are plain file names)."""
        from ..hashing import AbsolutePaths
        from .protocol_tables import plain_names

        names, suffix = self.names, self.suffix
        if not len(names):
            return []
        if not plain_names(names) or not plain_names([names[0] + suffix]) or "/" in suffix or os.sep in suffix:
            return [str(p) for p in self.paths()]  # names with separators: normalised as paths
        prefixes = [str(f) if str(f).endswith(os.sep) else str(f) + os.sep for f in self.folders]
        if self.codes is None:
            prefix = prefixes[0]
            out = [prefix + n + suffix for n in names] if suffix else [prefix + n for n in names]
        else:
            out = [prefixes[c] + n + suffix for c, n in zip(self.codes.tolist(), names)]
        # absolute folders and plain names: already in the form the file-hash memo keys by
        absolute = os.sep == "/" and all(p.startswith("/") and "//" not in p and "/./" not in p and "/../" not in p
                                         for p in prefixes)
        return AbsolutePaths(out) if absolute else out

    def _gather(self, make) -> list:
        names = self.names
        groups = self._groups()
        if len(groups) == 1 and groups[0][1] is None:
            return make(groups[0][0], names)
        out: list = [None] * len(names)
        for folder, idx in groups:
            if len(idx):
                for i, value in zip(idx.tolist(), make(folder, [names[i] for i in idx.tolist()])):
                    out[i] = value
        return out

    def take(self, idx: np.ndarray) -> "PathColumn":
        names = self.names
        return PathColumn(self.folders, [names[i] for i in idx.tolist()],
                          None if self.codes is None else self.codes[idx], self.suffix)


class ClipList(Sequence):
    """A read-only sequence of :class:`Clip` stored by column (see the module docstring).

    ``ids`` is a list of strings, ``paths`` a :class:`PathColumn`, ``labels`` an int array
    (1 = fake). ``split``, ``cls``, ``system``, ``speaker``, ``transcript``, ``duration``
    and ``attrs`` are each one value for every clip, a list, or ``(codes, vocab)``; an
    ``attrs`` vocabulary holds read-only mappings (:class:`~fakebench.data.clips.FrozenAttrs`).
    """

    __slots__ = ("ids", "paths", "labels", "columns", "_memo")

    def __init__(self, ids: list[str], paths: PathColumn, labels: np.ndarray, *, split: Any = "",
                 cls: Any = None, system: Any = None, speaker: Any = None, transcript: Any = None,
                 duration: Any = None, attrs: Any = EMPTY_ATTRS):
        n = len(ids)
        labels = np.asarray(labels, dtype=np.int64)
        if len(paths) != n or len(labels) != n:
            raise ValueError(f"ClipList columns differ in length: {n} ids, {len(paths)} paths, {len(labels)} labels")
        self.ids, self.paths, self.labels = ids, paths, labels
        given = {"split": split, "cls": cls, "system": system, "speaker": speaker, "transcript": transcript,
                 "duration": duration, "attrs": attrs}
        self.columns: dict[str, Column] = {k: Column.of(n, v) for k, v in given.items()}
        self._memo: list | None = None

    # -- the sequence ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.take(np.arange(len(self))[i])
        n = len(self)
        if not -n <= i < n:
            raise IndexError("ClipList index out of range")
        i = i % n if i < 0 else i
        memo = self._memo
        if memo is None:
            memo = self._memo = [None] * n
        clip = memo[i]
        if clip is None:
            cols = self.columns
            clip = memo[i] = Clip(self.ids[i], self.paths.at(i), int(self.labels[i]),
                                  *(cols[f].at(i) for f in _FIELDS), attrs=cols["attrs"].at(i))
        return clip

    def __iter__(self) -> Iterator[Clip]:
        return iter(self.materialise())

    def materialise(self) -> list[Clip]:
        """Every clip as a ``Clip`` object (built once, in bulk, then kept)."""
        memo = self._memo
        if memo is not None and None not in memo:
            return memo
        from ..memory import bulk_objects

        with bulk_objects():  # 611k Clips: no cyclic-GC passes over them (none forms a cycle)
            cols = [self.columns[f].tolist() for f in _FIELDS]
            built = [Clip(*row) for row in zip(self.ids, self.paths.paths(), self.labels.tolist(), *cols,
                                                self.columns["attrs"].tolist())]
        if memo is not None:  # keep the clips already handed out
            built = [old if old is not None else new for old, new in zip(memo, built)]
        self._memo = built
        return built

    def __contains__(self, clip) -> bool:
        return any(c == clip for c in self)

    def __eq__(self, other) -> bool:
        if isinstance(other, (ClipList, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other):
        return list(self) + list(other)

    def __radd__(self, other):
        return list(other) + list(self)

    def __repr__(self) -> str:
        return f"ClipList({len(self)} clips)"

    def take(self, indices) -> "ClipList":
        """The clips at ``indices`` (ints or a boolean mask), as a new ``ClipList``."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False)
        out = ClipList.__new__(ClipList)
        ids = self.ids
        out.ids = [ids[i] for i in idx.tolist()]
        out.paths = self.paths.take(idx)
        out.labels = self.labels[idx]
        out.columns = {k: c.take(idx) for k, c in self.columns.items()}
        out._memo = None
        return out

    def column(self, name: str) -> list:
        """One attribute of every clip, as :meth:`Clip.attribute` gives it."""
        if name in ("class", "cls"):
            name = "cls"
        if name == "id":
            return list(self.ids)
        if name == "label":
            return self.labels.tolist()
        if name == "path":
            return self.paths.paths()
        if name in self.columns and name != "attrs":
            return self.columns[name].tolist()
        attrs = self.columns["attrs"]
        if attrs.codes is not None:
            per_set = [a.get(name) for a in attrs.vocab]
            return [per_set[j] for j in attrs.codes.tolist()]
        return [a.get(name) for a in attrs.tolist()]


# -- one field of any sequence of clips --------------------------------------------------


def clip_ids(clips: Sequence[Clip]) -> list[str]:
    """``[c.id for c in clips]``."""
    return list(clips.ids) if isinstance(clips, ClipList) else [c.id for c in clips]


def clip_labels(clips: Sequence[Clip]) -> np.ndarray:
    """The labels as an int64 array (1 = fake)."""
    if isinstance(clips, ClipList):
        return clips.labels.copy()
    return np.array([c.label for c in clips], dtype=np.int64)


def clip_path_strings(clips: Sequence[Clip]) -> list[str]:
    """``[str(c.path) for c in clips]``."""
    return clips.paths.strings() if isinstance(clips, ClipList) else [str(c.path) for c in clips]


def clip_paths(clips: Sequence[Clip]) -> list[Path]:
    """``[c.path for c in clips]``."""
    return clips.paths.paths() if isinstance(clips, ClipList) else [c.path for c in clips]


def clip_column(clips: Sequence[Clip], name: str) -> list:
    """``[c.attribute(name) for c in clips]``."""
    return clips.column(name) if isinstance(clips, ClipList) else [c.attribute(name) for c in clips]



def take_clips(clips: Sequence[Clip], indices: Sequence[int]) -> Sequence[Clip]:
    """The clips at ``indices``: a ``ClipList`` view of a ``ClipList``, else a list."""
    if isinstance(clips, ClipList):
        return clips.take(np.asarray(indices, dtype=np.int64))
    return [clips[i] for i in indices]
