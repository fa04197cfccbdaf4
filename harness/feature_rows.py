"""Embeddings of many clips held as one matrix, not one array per clip.

A warm load of a 600k-clip split reads its vectors from the cache as one ``(n, D)``
block. Handing them on as 600k row arrays, and stacking those again for the detector,
cost about 0.5 s of the 2.4 s load (``benchmarks/test_corpus_scale.py``). Instead:

* :class:`RowViews` is what :func:`fakebench.extract.extract` returns when the cache
  served every clip from one block: a sequence whose item ``i`` is row ``i`` (a view),
  with the block itself as ``.matrix``; :func:`fakebench.extract.stack_scene` returns the
  block as it is;
* :class:`RowTable` is the runner's ``{audio path: vector}`` mapping over such a block;
  :func:`fakebench.inputs.build_inputs` gathers the detector's input from it in one
  indexing step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np


class RowViews(Sequence):
    """The rows of a 2-D array as a read-only sequence (``views[i] is`` a view of row ``i``)."""

    __slots__ = ("matrix",)

    def __init__(self, matrix: np.ndarray):
        if matrix.ndim != 2:
            raise ValueError(f"RowViews needs a 2-D array, got shape {matrix.shape}")
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.matrix)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return RowViews(self.matrix[i])
        return self.matrix[i]

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.matrix)


class RowTable(Mapping):
    """``{key: matrix[row]}`` for keys in row order (duplicate keys: the last row wins, as
    in a ``dict`` built from the same pairs)."""

    __slots__ = ("index", "matrix")

    def __init__(self, keys: Sequence[str], matrix: np.ndarray):
        if len(keys) != len(matrix):
            raise ValueError(f"{len(keys)} keys for {len(matrix)} rows")
        self.index = dict(zip(keys, range(len(keys))))
        self.matrix = matrix

    def __getitem__(self, key: str) -> np.ndarray:
        return self.matrix[self.index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, key) -> bool:
        return key in self.index

    def rows(self, keys: Sequence[str]) -> np.ndarray:
        """``np.stack([self[k] for k in keys])`` as one gather (KeyError for an unknown key)."""
        idx = np.fromiter(map(self.index.__getitem__, keys), dtype=np.int64, count=len(keys))
        return self.matrix[idx]
