"""Whitespace-separated protocol files split into dictionary-coded columns by NumPy.

:func:`fakebench.data.protocol_tables.build_table` parses a protocol line by line through
the dataset's ``parse(fields)`` function: about 7 µs a line, 4-5 s for the 611,829 lines
of ASVspoof 2021 DF. A dataset whose lines have a fixed shape describes it with a
:class:`Layout` instead (the field counts a line may have, and a check for each distinct
value of the columns ``parse`` validates), and :func:`read_columns` splits the whole file
with array operations: the tokens of every line at once, each column's values coded by
their bytes (up to 8 bytes: the bytes are the code; longer: a 64-bit hash, verified
byte for byte), each distinct value checked once.

It only ever *accepts* a file: a file it cannot read that way (not plain ASCII, Windows
line ends, a line of another field count, a value its check refuses, a repeated id, a
hash collision) gives ``None``, and ``build_table`` reads it line by line, so every
error keeps its wording and names the file and line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: Bytes that make a file ineligible: non-ASCII (UTF-8 multi-byte, BOMs, UTF-16), and the
#: controls other than tab and newline (CR, NUL, vertical tab, form feed, the separators
#: ``str.split`` also splits on).
_TAB, _NL, _SPACE = 9, 10, 32


@dataclass(frozen=True)
class Layout:
    """The shape of a whitespace-separated protocol's lines, for :func:`read_columns`.

    ``widths``: the field counts a line may have; a line with fewer fields than the
    table's fields is padded with ``pad`` (as the dataset's ``parse`` does), and with
    ``drop_extra`` the fields past the table's are ignored (ASVspoof 5's ``TMP``).
    ``checks``: ``{field: check(value)}``, run once per distinct value, or
    ``{(field, field...): check(*values)}``, run once per distinct combination (a rule
    across fields: a spoof trial names an attack); a check raises ``ValueError`` for what
    ``parse`` would refuse. ``parse`` stays the reference: a test of each dataset compares
    both readers on the same file.
    """

    widths: tuple[int, ...]
    pad: str = "-"
    checks: Mapping[Any, Callable[..., Any]] = field(default_factory=dict)
    drop_extra: bool = False


def read_columns(path: str | Path, fields: Sequence[str], layout: Layout, *, comment: str | None = "#",
                 id_field: str | None = "id", block: int = 1 << 22) -> tuple[dict[str, Any], np.ndarray] | None:
    """``({field: list of str | (codes, vocab)}, line numbers)`` of ``path``, or None when the
    file must be read line by line (see the module docstring).

    The file is read in blocks of ``block`` bytes cut at a line end, so the arrays of a
    step stay small (and are reused) instead of spanning the whole file."""
    if (max(layout.widths) > len(fields) and not layout.drop_extra) or not layout.pad or not layout.pad.isascii() or \
            any(c.isspace() for c in layout.pad) or (comment is not None and (len(comment) != 1 or
                                                                             not comment.isascii())):
        return None
    reader = _BlockReader(fields, layout, comment)
    try:
        with open(path, "rb") as f:
            carry = b""
            while True:
                data = f.read(block)
                if not data:
                    break
                data = carry + data if carry else data
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # no line end yet: a line longer than the block
                    carry = data
                    continue
                if not reader.feed(data[:cut]):
                    return None
                carry = data[cut:]
            if carry and not reader.feed(carry):
                return None
    except OSError:
        return None  # the line reader words the error
    return reader.finish(id_field)


class _BlockReader:
    """The columns of a protocol, block by block (see :func:`read_columns`)."""

    def __init__(self, fields: Sequence[str], layout: Layout, comment: str | None):
        self.fields, self.layout = list(fields), layout
        self.comment = None if comment is None else ord(comment)
        self.lines_before = 0
        self.line_no: list[np.ndarray] = []
        self.parts: list[list[np.ndarray]] = [[] for _ in fields]  # each block's (rows, k) words, per field

    def feed(self, data: bytes) -> bool:
        a = np.frombuffer(data, dtype=np.uint8)
        n_lines = data.count(b"\n") + (not data.endswith(b"\n"))
        lines_before, self.lines_before = self.lines_before, self.lines_before + n_lines
        if not data.isascii() or (a.min() < 0x20 and np.any((a < 0x20) & (a != _TAB) & (a != _NL))):
            return False  # not plain ASCII (BOM, UTF-8 or UTF-16 text, CR line ends, NUL...)
        ws = a <= _SPACE  # what remains below 0x21 is tab, newline and space
        edge = np.empty(len(a) + 1, dtype=bool)
        edge[0] = edge[-1] = True
        np.not_equal(ws[1:], ws[:-1], out=edge[1:-1])
        bounds = np.flatnonzero(edge)  # runs alternate: whitespace, token, whitespace...
        if ws[0]:
            starts, ends = bounds[1:-1:2], bounds[2::2]
        else:
            starts, ends = bounds[0:-1:2], bounds[1::2]
        if not len(starts):
            return True
        line_starts = np.concatenate([[0], np.flatnonzero(a == _NL) + 1])
        first = np.searchsorted(starts, line_starts)  # each line's first token (if it has one)
        counts = np.diff(first, append=len(starts))
        nonblank = counts > 0
        line_no = np.flatnonzero(nonblank) + (lines_before + 1)
        first, counts = first[nonblank], counts[nonblank]
        if self.comment is not None:
            keep = a[starts[first]] != self.comment
            if not keep.all():
                first, counts, line_no = first[keep], counts[keep], line_no[keep]
        if not len(first):
            return True
        if not np.isin(counts, self.layout.widths).all():
            return False
        padded = np.zeros(len(a) + 16, dtype=np.uint8)
        padded[:len(a)] = a
        word = np.ndarray(shape=(len(a) + 8,), dtype="<u8", buffer=padded, offset=0, strides=(1,))
        toks = []
        for j in range(len(self.fields)):
            has = counts > j
            toks.append(first + j if has.all() else np.where(has, first + j, -1))
        pad = self.layout.pad
        for j, tok in enumerate(toks):
            present = tok[tok >= 0]
            longest = max(int((ends[present] - starts[present]).max()) if len(present) else 0, len(pad))
            self.parts[j].append(_words(word, starts, ends, tok, pad, -(-longest // 8)))
        self.line_no.append(line_no)
        return True

    def finish(self, id_field: str | None) -> tuple[dict[str, Any], np.ndarray] | None:
        if not self.line_no:
            return None
        line_no = np.concatenate(self.line_no)
        n = len(line_no)
        columns: dict[str, Any] = {}
        for j, name in enumerate(self.fields):
            parts = self.parts[j]
            width = max(p.shape[1] for p in parts)
            words = np.concatenate([p if p.shape[1] == width else
                                    np.pad(p, ((0, 0), (0, width - p.shape[1]))) for p in parts])
            self.parts[j] = []
            coded = _code_column(words, distinct_limit=max(64, n // 4))
            # repeated values are coded, as the line reader's table codes them; ids and the
            # like are strings
            columns[name] = coded if coded is not None else _strings(words)
        for names, check in self.layout.checks.items():
            try:
                for values in _distinct(columns, (names,) if isinstance(names, str) else tuple(names)):
                    check(*values)
            except (ValueError, _TextColumn):
                return None  # the line reader names the line
        if id_field is not None:
            ids = columns[id_field]
            if (len(ids[1]) if isinstance(ids, tuple) else len(set(ids))) != n:
                return None  # a repeated id: the line reader names both lines
        return columns, line_no


class _TextColumn(Exception):
    """A cross-field check names a column of mostly distinct values."""


def _distinct(columns: dict[str, Any], names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The distinct value combinations of the named columns."""
    if len(names) == 1:
        col = columns[names[0]]
        return [(v,) for v in (col[1] if isinstance(col, tuple) else set(col))]
    if any(not isinstance(columns[k], tuple) for k in names):
        raise _TextColumn
    if np.prod([float(len(columns[k][1])) for k in names]) >= 2.0 ** 62:
        raise _TextColumn  # too many combinations to pack in one integer
    combo = np.zeros(len(columns[names[0]][0]), dtype=np.int64)
    for k in names:
        codes, vocab = columns[k]
        combo = combo * len(vocab) + codes
    _, first = np.unique(combo, return_index=True)
    return [tuple(columns[k][1][int(columns[k][0][i])] for k in names) for i in first.tolist()]


def _strings(words: np.ndarray) -> list[str]:
    """The values held by zero-padded ``(n, k)`` words, as strings (one join, one decode,
    one split: a value holds no NUL, so its bytes are the non-zero prefix of its row)."""
    raw = words.view(np.uint8).reshape(len(words), -1)
    framed = np.empty((len(raw), raw.shape[1] + 1), dtype=np.uint8)
    framed[:, :-1] = raw
    framed[:, -1] = _NL
    keep = framed != 0
    return framed[keep].tobytes()[:-1].decode("ascii").split("\n")


#: ``_LOW[k]``: the mask of the low ``k`` bytes of a little-endian uint64 word (k = 0..8).
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


def _words(word: np.ndarray, starts: np.ndarray, ends: np.ndarray, tok: np.ndarray, pad: str,
           n_words: int) -> np.ndarray:
    """Each row's token as ``n_words`` little-endian uint64 words, zero-padded: ``(n, n_words)``."""
    missing = tok < 0
    t = np.where(missing, 0, tok) if missing.any() else tok
    s, length = starts[t], ends[t] - starts[t]
    out = np.empty((len(t), n_words), dtype=np.uint64)
    for k in range(n_words):
        at = s + 8 * k if k == 0 else np.minimum(s + 8 * k, len(word) - 1)  # past the token: masked to 0
        out[:, k] = word[at] & _LOW[np.clip(length - 8 * k, 0, 8)]
    if missing.any():
        out[missing] = np.frombuffer(pad.encode().ljust(8 * n_words, b"\x00"), dtype="<u8")
    return out


def _code_column(words: np.ndarray, distinct_limit: int) -> tuple[np.ndarray, list[str]] | None:
    """``(codes, vocab)`` of a column given as ``(n, k)`` zero-padded words, with the values in
    order of first appearance; None when it holds more than ``distinct_limit`` values (or
    a hash collides)."""
    if words.shape[1] == 1:
        key = words[:, 0]
    else:  # a 64-bit hash of the words (wrapping arithmetic), verified below
        key = np.zeros(len(words), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(words.shape[1]):
                key = (key ^ words[:, k]) * np.uint64(0x100000001B3 + 2 * k)
                key ^= key >> np.uint64(29)
    # the distinct keys of a sample first, then every row looked up in them (n log k)
    sample = np.unique(key[:4096])
    if len(key) > 64 and len(sample) > 0.95 * min(len(key), 4096):
        return None  # ids and the like: mostly distinct
    pos = np.minimum(np.searchsorted(sample, key), len(sample) - 1)
    hit = sample[pos] == key
    if not hit.all():
        extra = np.unique(key[~hit])
        if len(sample) + len(extra) > distinct_limit:
            return None
        sample = np.union1d(sample, extra)
        pos = np.searchsorted(sample, key)
    if len(sample) > distinct_limit:
        return None
    # order of first appearance, as the line reader's dictionary coding gives it
    _, first_row = np.unique(pos, return_index=True)
    order = np.argsort(first_row, kind="stable")
    remap = np.empty(len(order), dtype=np.int64)
    remap[order] = np.arange(len(order))
    codes = remap[pos]
    reps = first_row[order]
    if words.shape[1] > 1 and not np.array_equal(words, words[reps[codes]]):
        return None  # two values share a hash
    vocab = [words[r].tobytes().rstrip(b"\x00").decode("ascii") for r in reps.tolist()]
    return codes.astype(np.uint16 if len(vocab) < 65536 else np.int32), vocab
