"""Protocol indexes: stream a dataset's protocol once, cache the parsed table, check files cheaply.

Large corpora list their clips in protocol files (ASVspoof 2021 DF: 611,829 lines). A
dataset plugin reads them with the helpers here:

* :func:`iter_lines` / :func:`iter_csv` stream a protocol file line by line (never read
  whole), yielding ``(line number, fields)``;
* :func:`build_table` turns those rows into a :class:`Table` of string columns through a
  per-format ``parse(fields)`` function. Every problem (wrong field count, unknown label,
  duplicate id) is a :class:`~fakebench.errors.DatasetError` naming ``file:line``;
* :func:`cached_table` keeps the parsed table under ``$FAKEBENCH_HOME/index/``, keyed by
  every source file's path, size and mtime, the loader's version and its parameters,
  so the next load skips parsing. The cache is a plain ``.npz`` of UTF-8 text and integer
  codes (repeated values such as codecs or attack ids are dictionary-encoded), read with
  ``allow_pickle=False``; it is never pickle;
* :func:`list_names` lists a folder once, so checking that 611k files exist is one
  directory read, not 611k ``stat`` calls, and :func:`keep_present` turns absent files
  into an error naming the protocol line (or, with ``allow_missing``, skips and counts
  them).

A stale or unreadable cache file is ignored and rebuilt; deleting ``index/`` is always
safe.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DatasetError

if TYPE_CHECKING:
    from .token_columns import Layout

log = logging.getLogger("fakebench")

#: Bumped when the cache file format changes; part of every cache key.
FORMAT_VERSION = 1


def index_root() -> Path:
    """``$FAKEBENCH_HOME/index`` (``~/.fakebench/index``)."""
    from ..paths import home

    return home() / "index"


class Table:
    """A parsed protocol: equal-length string columns plus the source line of each row.

    ``table["id"]`` is a list of strings; ``table.lines[i]`` is the 1-based line of row
    ``i`` in ``table.source``, for error messages.

    A table read from the index cache keeps its repeated-value columns dictionary-coded
    (an integer code per row and the distinct values) and turns a column into a list of
    strings only when it is asked for; :meth:`codes`, :meth:`mask` and :meth:`shared_attrs`
    work on the codes directly (611k rows: milliseconds instead of building 611k-item
    lists and dicts).
    """

    def __init__(self, columns: "dict[str, list[str] | _Coded]", lines: Sequence[int], source: str | Path):
        lengths = {len(v) for v in columns.values()} | {len(lines)}
        if len(lengths) > 1:
            raise ValueError(f"table columns have different lengths: {sorted(lengths)}")
        self._cols = dict(columns)
        self._coded: dict[str, _Coded] = {}
        self.lines = lines
        self.source = str(source)

    @property
    def columns(self) -> "_Columns":
        """``{field: list of strings}`` (a read-only mapping; columns are decoded on access)."""
        return _Columns(self)

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, name: str) -> list[str]:
        col = self._cols[name]
        if isinstance(col, _Coded):
            self._coded[name] = col
            col = self._cols[name] = col.values()
        return col

    @property
    def fields(self) -> list[str]:
        return list(self._cols)

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """``(codes, vocab)`` of a column: ``table[name][i] == vocab[codes[i]]`` (int array)."""
        col = self._cols[name]
        if isinstance(col, _Coded):
            return col.codes, col.vocab
        coded = self._coded.get(name)
        if coded is None:
            coded = _encode(col)
            if coded is None:  # mostly distinct values: codes anyway (a plugin asked for them)
                vocab = list(dict.fromkeys(col))
                lookup = dict(zip(vocab, range(len(vocab))))
                coded = _Coded(np.fromiter(map(lookup.__getitem__, col), dtype=np.int64, count=len(col)), vocab)
            self._coded[name] = coded
        return coded.codes, coded.vocab

    def mask(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Boolean array: is ``table[name][i]`` one of ``values``."""
        codes, vocab = self.codes(name)
        wanted = set(values)
        hit = np.array([v in wanted for v in vocab], dtype=bool)
        return hit[codes] if len(vocab) else np.zeros(len(self), dtype=bool)

    def shared_attrs(self, names: Sequence[str], rows: Sequence[int] | np.ndarray | None = None,
                     keys: Sequence[str] | None = None,
                     transform: Callable[[dict[str, str]], dict[str, Any]] | None = None) -> list:
        """The attribute mapping ``{key: table[name][i]}`` of each row (``keys`` default to
        ``names``; ``transform`` may rewrite each distinct mapping, e.g. drop empty values),
        one shared read-only mapping per distinct combination
        (:class:`fakebench.data.clips.FrozenAttrs`): for ``Clip(..., attrs=...)``."""
        codes, shared = self.shared_attrs_codes(names, rows, keys, transform)
        return [shared[j] for j in codes.tolist()]

    def shared_attrs_codes(self, names: Sequence[str], rows: Sequence[int] | np.ndarray | None = None,
                           keys: Sequence[str] | None = None,
                           transform: Callable[[dict[str, str]], dict[str, Any]] | None = None
                           ) -> tuple[np.ndarray, list]:
        """:meth:`shared_attrs` as ``(codes, distinct mappings)``: row ``j``'s mapping is
        ``mappings[codes[j]]`` (for ``ClipList(..., attrs=(codes, mappings))``)."""
        from .clips import AttrsPool

        keys = list(names) if keys is None else list(keys)
        idx = np.arange(len(self)) if rows is None else np.asarray(rows, dtype=np.int64)
        if not len(idx):
            return np.zeros(0, dtype=np.int64), []
        parts = [self.codes(n) for n in names]
        combo = np.zeros(len(idx), dtype=np.int64)
        radix = 1
        for codes, vocab in parts:
            size = max(1, len(vocab))
            if radix * size >= 2**62:  # too many combinations to pack: give each row its own key
                combo = np.arange(len(idx), dtype=np.int64)
                break
            combo = combo * size + codes[idx]
            radix *= size
        _, first, inverse = np.unique(combo, return_index=True, return_inverse=True)
        pool = AttrsPool()
        shared = []
        for i in idx[first].tolist():
            d = {k: vocab[int(codes[i])] for k, (codes, vocab) in zip(keys, parts)}
            shared.append(pool.get(transform(d) if transform is not None else d))
        return inverse.reshape(-1).astype(np.int64, copy=False), shared


class _Coded:
    """A dictionary-coded column: int codes and the distinct values."""

    __slots__ = ("codes", "vocab")

    def __init__(self, codes: np.ndarray, vocab: list[str]):
        self.codes, self.vocab = codes, vocab

    def __len__(self) -> int:
        return len(self.codes)

    def values(self) -> list[str]:
        vocab = self.vocab
        return [vocab[j] for j in self.codes.tolist()]


class _Columns(Mapping):
    """``table.columns``: the columns by name, decoded on access."""

    def __init__(self, table: Table):
        self._t = table

    def __getitem__(self, name: str) -> list[str]:
        return self._t[name]

    def __iter__(self):
        return iter(self._t._cols)

    def __len__(self) -> int:
        return len(self._t._cols)


def _encode(values: Sequence[str]) -> "_Coded | None":
    """Dictionary-code a column whose values repeat (None when they mostly do not). The
    distinct values keep their order of first appearance; every step runs in C
    (``dict.fromkeys``, ``map``): 0.14-0.24 s for a 611k-value column of distinct strings
    (0.03 s when every row holds the same object), measured in
    ``benchmarks/test_corpus_scale.py``."""
    n = len(values)
    head = values[:2048]
    if not n or len(set(head)) > len(head) // 2:
        return None
    vocab = dict.fromkeys(values)
    if len(vocab) > max(64, n // 4):
        return None
    lookup = dict(zip(vocab, range(len(vocab))))
    codes = np.fromiter(map(lookup.__getitem__, values), dtype=np.uint16 if len(vocab) < 65536 else np.int32,
                        count=n)
    return _Coded(codes, list(vocab))


# -- reading protocol files -----------------------------------------------------------------


def _open_text(path: Path, dataset: str, hint: str | None):
    """The lines of ``path`` streamed in its encoding (UTF-8, or UTF-16/32 with a BOM;
    :mod:`fakebench.textfiles`): anything else is a :class:`DatasetError` naming the file,
    line and byte offset."""
    from ..textfiles import open_text

    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder, not a file")
        return open_text(path, error=DatasetError, expected="UTF-8 text", prefix=f"{dataset}: ")
    except FileNotFoundError:
        raise DatasetError(f"{dataset}: protocol file {str(path)!r} does not exist", hint=hint) from None
    except OSError as e:
        raise DatasetError(f"{dataset}: cannot read {str(path)!r}: {e.strerror or e}", hint=hint) from None


class LineRows:
    """What :func:`iter_lines` returns: iterating gives ``(line number, fields)`` of each
    non-blank, non-comment line, streamed; :func:`build_table` reads it block by block
    (the lines of ~1 MiB at a time, decoded by the C text reader) instead of line by line."""

    def __init__(self, path: Path, dataset: str, hint: str | None, comment: str | None):
        self.path, self.dataset, self.hint, self.comment = path, dataset, hint, comment

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        comment = self.comment
        for start, block in self.blocks():
            for lineno, line in enumerate(block, start + 1):
                fields = line.split()
                if not fields or (comment and fields[0].startswith(comment)):
                    continue
                yield lineno, fields

    def blocks(self, size: int = 1 << 20) -> Iterator[tuple[int, list[str]]]:
        """``(lines before the block, raw lines of the block)``; decoding errors and NUL
        bytes are :class:`DatasetError` naming the file, line and byte offset."""
        from ..textfiles import raw_codec

        path = self.path
        with _open_text(path, self.dataset, self.hint):  # existence, folder, encoding errors worded once
            pass
        try:
            raw = open(path, "rb")
        except OSError as e:
            raise DatasetError(f"{self.dataset}: cannot read {str(path)!r}: {e.strerror or e}", hint=self.hint) from None
        with raw:
            codec, skip = raw_codec(raw.read(4))
            raw.seek(skip)
            text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
            start = 0
            while True:
                try:
                    block = text.readlines(size)
                except UnicodeDecodeError:
                    self._slow_error()
                if not block:
                    return
                if "\x00" in "".join(block):
                    self._slow_error()
                yield start, block
                start += len(block)

    def _slow_error(self):
        """Raise the error :mod:`fakebench.textfiles` words for this file (line, offset)."""
        with _open_text(self.path, self.dataset, self.hint) as f:
            for _ in f:
                pass
        raise DatasetError(f"{self.dataset}: {str(self.path)!r} is not UTF-8 text (it changed while being read?)",
                           hint=self.hint)


def iter_lines(path: str | Path, *, dataset: str, hint: str | None = None,
               comment: str | None = "#") -> LineRows:
    """Whitespace-separated fields of each non-blank line, streamed: ``(line number, fields)``."""
    return LineRows(Path(path), dataset, hint, comment)


def check_header(header: Sequence[str], path: str | Path, dataset: str) -> None:
    """Refuse a header that names a column twice (``label,...,label``): which one a
    reader takes would be a silent choice. Blank names are ignored."""
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            raise DatasetError(f"{dataset}: {str(path)!r} has two columns named {name!r} "
                               f"(columns {seen[name]} and {i})",
                               hint="rename or delete one of them: which one holds the values is ambiguous")
        seen[name] = i


def iter_csv(path: str | Path, *, dataset: str, delimiter: str = ",", required: Sequence[str] = (),
             hint: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header line, streamed: ``(line number, {column: value})``.

    A missing required column, a column named twice, or a row with more fields than
    the header, is an error naming the file (and line).
    """
    path = Path(path)
    with _open_text(path, dataset, hint) as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise DatasetError(f"{dataset}: {str(path)!r} is empty", hint=hint) from None
            check_header(header, path, dataset)
            missing = [c for c in required if c not in header]
            if missing:
                raise DatasetError(f"{dataset}: {str(path)!r} has no column(s) {missing} (its header: {header})",
                                   hint=hint or f"the first line must name the columns {list(required)}")
            for row in reader:
                lineno = reader.line_num
                if not row or not any(cell.strip() for cell in row):
                    continue
                if len(row) > len(header):
                    raise DatasetError(f"{dataset}: {path}:{lineno} has {len(row)} fields, "
                                       f"the header has {len(header)}",
                                       hint=hint or "quote fields that contain the delimiter")
                yield lineno, dict(zip(header, (cell.strip() for cell in row)))
        except csv.Error as e:
            raise DatasetError(f"{dataset}: {path}:{reader.line_num} is not valid CSV: {e}",
                               hint=hint or "check the quoting of that line") from None


def build_table(rows: Iterable[tuple[int, Any]], parse: Callable[[Any], Sequence[str]], fields: Sequence[str], *,
                source: str | Path, dataset: str, id_field: str | None = "id",
                hint: str | None = None, layout: "Layout | None" = None, require_rows: bool = False) -> Table:
    """Parse each row with ``parse(row) -> values`` (one string per field) into a :class:`Table`.

    ``parse`` raises ``ValueError`` (or :class:`DatasetError`) with a short reason; it is
    reported as ``<dataset>: <file>:<line>: <reason>`` with ``hint``. ``parse`` may return
    ``None`` to skip a row. Ids in ``id_field`` must be unique. With ``require_rows``, a file
    that lists nothing (empty, or only comments and blank lines) is an error naming it.

    With a :class:`~fakebench.data.token_columns.Layout` and rows from :func:`iter_lines`,
    a plain-ASCII file that fits the layout is split by NumPy instead
    (:func:`~fakebench.data.token_columns.read_columns`; 611k lines in about 1 s instead of
    4-5 s); any other file, and every file with an error, is read line by line here.
    """
    table = _build_table(rows, parse, fields, source=source, dataset=dataset, id_field=id_field, hint=hint,
                         layout=layout)
    if require_rows and not len(table):
        raise DatasetError(f"{dataset}: {str(source)!r} lists nothing (it is empty, or holds only comments)",
                           hint=hint or "download or extract the protocol files again")
    return table


def _build_table(rows, parse, fields, *, source, dataset, id_field, hint, layout) -> Table:
    from ..memory import bulk_objects

    if layout is not None and isinstance(rows, LineRows):
        from .token_columns import read_columns

        fast = read_columns(rows.path, fields, layout, comment=rows.comment, id_field=id_field)
        if fast is not None:
            cols, line_numbers = fast
            return Table({k: _Coded(*v) if isinstance(v, tuple) else v for k, v in cols.items()},
                         line_numbers, source)

    rows_out: list[Sequence[str]] = []
    lines: list[int] = []
    seen: set[str] = set()
    id_at = list(fields).index(id_field) if id_field else None
    n_fields = len(fields)

    def add(lineno: int, row: Any) -> None:
        try:
            values = parse(row)
        except DatasetError as e:
            raise DatasetError(f"{dataset}: {source}:{lineno}: {e.message}", hint=e.hint or hint) from None
        except (ValueError, IndexError, KeyError) as e:
            raise DatasetError(f"{dataset}: {source}:{lineno}: {e}", hint=hint) from None
        if values is None:
            return
        if len(values) != n_fields:  # a bug in the parse function, not in the data
            raise AssertionError(f"parse returned {len(values)} values for {n_fields} fields")
        if id_at is not None:
            cid = values[id_at]
            if cid in seen:
                first = next(ln for ln, r in zip(lines, rows_out) if r[id_at] == cid)
                raise DatasetError(f"{dataset}: {source}:{lineno} repeats id {cid!r} (first on line {first})",
                                   hint="each clip must be listed once; remove the duplicate line")
            seen.add(cid)
        rows_out.append(values)
        lines.append(lineno)

    with bulk_objects():  # 611k row tuples: no cyclic GC passes over them while they pile up
        if isinstance(rows, LineRows):
            comment = rows.comment
            append_row, append_line, seen_add = rows_out.append, lines.append, seen.add
            for start, block in rows.blocks():
                for lineno, line in enumerate(block, start + 1):
                    row = line.split()
                    if not row or (comment and row[0].startswith(comment)):
                        continue
                    try:
                        values = parse(row)
                    except Exception:
                        add(lineno, row)  # words the error (or re-raises what parse raised)
                        raise
                    if values is None:
                        continue
                    if len(values) != n_fields or id_at is None or values[id_at] in seen:
                        add(lineno, row)  # the general path: checks and errors
                        continue
                    seen_add(values[id_at])
                    append_row(values)
                    append_line(lineno)
        else:
            for lineno, row in rows:
                add(lineno, row)
        # columns, dictionary-coded where values repeat (codec, attack...): built once here,
        # used as they are by the index cache and by clip building
        cols = [_encode(col) or list(col) for col in zip(*rows_out)] if rows_out else [[] for _ in fields]
        rows_out.clear()  # the row tuples go now, not when the table is returned
    return Table(dict(zip(fields, cols)), lines, source)


# -- the cache --------------------------------------------------------------------------------


def cache_key(name: str, files: Sequence[str | Path], version: str, params: Any = None) -> str:
    """Hash of the loader (name, version, params) and each file's resolved path, size and mtime."""
    stamp = []
    for f in files:
        p = Path(f).resolve()
        st = p.stat()
        stamp.append([str(p), st.st_size, st.st_mtime_ns])
    blob = json.dumps([FORMAT_VERSION, name, str(version), params, stamp], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def cache_path(name: str, key: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return index_root() / f"{safe}-{key[:20]}.npz"


def cached_table(name: str, files: Sequence[str | Path], build: Callable[[], Table], *, version: str,
                 params: Any = None, use_cache: bool = True) -> Table:
    """``build()`` once, then reuse the saved table while ``files`` are unchanged.

    ``name`` identifies the loader and protocol (``asvspoof21-df/trial_metadata``),
    ``version`` the loader's parsing code: bump it when parsing changes. A missing source
    file is reported by ``build()`` (it is not part of the key then).
    """
    if not use_cache:
        return build()
    try:
        key = cache_key(name, files, version, params)
    except FileNotFoundError:
        return build()  # build() names the missing file
    path = cache_path(name, key)
    if path.is_file():
        try:
            return load_table(path)
        except Exception as e:  # a truncated or foreign file: rebuild it
            log.debug("index cache %s unreadable (%s); rebuilding", path, e)
    table = build()
    try:
        save_table(table, path)
    except OSError as e:
        log.warning("could not write the index cache %s: %s", path, e)
    return table


def _text(values: Sequence[str]) -> np.ndarray:
    joined = "\n".join(values)
    return np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)


def _untext(arr: np.ndarray, n: int) -> list[str]:
    if n == 0:
        return []
    return arr.tobytes().decode("utf-8").split("\n")


def save_table(table: Table, path: str | Path) -> Path:
    """Write ``table`` as an uncompressed ``.npz`` (atomically: temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(table)
    arrays: dict[str, np.ndarray] = {"lines": np.asarray(table.lines, dtype=np.int64)}
    kinds = {}
    for i, field in enumerate(table.fields):
        col = table._cols[field]
        coded = col if isinstance(col, _Coded) else (table._coded.get(field) or _encode(col))
        if coded is not None:  # repeated values: dictionary-encoded
            if any("\n" in v for v in coded.vocab):
                raise ValueError(f"column {field!r} holds a newline; it cannot be indexed")
            arrays[f"c{i}.codes"] = coded.codes
            arrays[f"c{i}.vocab"] = _text(list(coded.vocab))
            kinds[field] = ["codes", len(coded.vocab)]
        else:
            joined = "\n".join(col)
            if joined.count("\n") != max(n - 1, 0):
                raise ValueError(f"column {field!r} holds a newline; it cannot be indexed")
            arrays[f"c{i}.text"] = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
            kinds[field] = ["text", n]
    meta = {"format": FORMAT_VERSION, "n": n, "source": table.source, "fields": table.fields, "kinds": kinds}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)
    return path


def load_table(path: str | Path) -> Table:
    """Read a table written by :func:`save_table` (no pickle). Dictionary-coded columns
    stay coded until a plugin asks for them as lists (:class:`Table`)."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(z["meta"].tobytes().decode())
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"index format {meta.get('format')} is not {FORMAT_VERSION}")
        n = int(meta["n"])
        columns: dict[str, list[str] | _Coded] = {}
        for i, field in enumerate(meta["fields"]):
            kind, count = meta["kinds"][field]
            if kind == "codes":
                vocab = _untext(z[f"c{i}.vocab"], count)
                codes = z[f"c{i}.codes"]
                if len(vocab) != count or (len(codes) and int(codes.max()) >= len(vocab)):
                    raise ValueError(f"column {field!r} has codes outside its {count} values")
                columns[field] = _Coded(codes, vocab)
            else:
                columns[field] = _untext(z[f"c{i}.text"], n)
            if len(columns[field]) != n:
                raise ValueError(f"column {field!r} has {len(columns[field])} rows, expected {n}")
        lines = z["lines"]
    return Table(columns, lines, meta["source"])


# -- files on disk ------------------------------------------------------------------------------


def list_names(folder: str | Path) -> set[str]:
    """The entry names of ``folder`` (one directory read); empty if it does not exist."""
    try:
        return set(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return set()


def plain_names(names: Sequence[str]) -> bool:
    """Whether every name is a plain file name: no separator or NUL, not "", "." or "..".
    One scan of the joined names instead of a test per name."""
    joined = "\x00" + "\x00".join(names) + "\x00"
    return (joined.count("\x00") == len(names) + 1 and "/" not in joined and os.sep not in joined
            and "\x00\x00" not in joined and "\x00.\x00" not in joined and "\x00..\x00" not in joined)


def child_paths(folder: str | Path, names: Sequence[str]) -> list[Path]:
    """``[folder / name for name in names]``, fast enough for 611k names.

    Names holding separators are normalised lexically (``os.path.normpath``: ``./x`` and
    ``sub/../x`` are ``x``), so one file listed under two spellings gets one path.
    ``folder / name`` re-parses the whole path each time (~5 µs); for plain file names
    (no separator) this uses pathlib's own child constructor when the running Python
    has it and it gives the identical path, checked on the first name, else ``/``.
    """
    folder = Path(folder)
    names = list(names)
    if not names:
        return []
    from ..memory import bulk_objects

    make = getattr(folder, "_make_child_relpath", None)
    plain = make is not None and plain_names(names)
    if plain:
        try:
            plain = make(names[0]) == folder / names[0] and str(make(names[0])) == str(folder / names[0])
        except Exception:
            plain = False
    with bulk_objects():  # 611k Path objects: no cyclic GC passes while they are built
        if plain:
            return [make(n) for n in names]
        # names with separators: normalised (``a/../b.wav`` is ``b.wav``), so one file has one path
        return [Path(os.path.normpath(folder / n)) for n in names]


def keep_present(table: Table, names: Sequence[str], present: Callable[[int, str], bool], *,
                 dataset: str, allow_missing: bool, describe: Callable[[int], str] | None = None,
                 hint: str | None = None) -> tuple[list[int], int]:
    """Row indices whose file exists, and how many were missing.

    ``present(i, name)`` says whether row ``i``'s file (``names[i]``) exists, typically
    a set lookup in :func:`list_names`. The first missing file raises a
    :class:`DatasetError` naming the protocol line, unless ``allow_missing``: then missing
    rows are skipped, counted and logged.
    """
    keep: list[int] = []
    missing = 0
    first: int | None = None
    for i, name in enumerate(names):
        if present(i, name):
            keep.append(i)
            continue
        if not allow_missing:
            what = describe(i) if describe else name
            raise DatasetError(
                f"{dataset}: {table.source}:{table.lines[i]} lists {what}, which does not exist",
                hint=hint or "check the data folder (download or extract it again), "
                             "or pass --allow-missing to skip missing files")
        missing += 1
        first = i if first is None else first
    if missing:
        what = describe(first) if describe else names[first]
        log.warning("%s: skipped %d missing file(s) listed in %s, e.g. %s (--allow-missing)",
                    dataset, missing, table.source, what)
    return keep, missing
