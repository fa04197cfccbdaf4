"""Hashing files: the one place fakebench reads a file to digest it.

:func:`file_digest` streams a file once in 1 MiB chunks (bounded memory) and returns the
hex digest of every algorithm asked for. Downloads check ``sha256`` (and the ``md5``
that Zenodo and the ASVspoof organisers publish); the embedding cache keys audio by
:func:`content_hash` (a sha256 prefix); weights are fingerprinted by sha256.

:class:`FileDigests` is the one memo of digests by (path, size, mtime), so an unchanged
file is hashed once.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

CHUNK = 1 << 20
#: Length of a content key (hex characters of the sha256).
CONTENT_KEY_LENGTH = 32


def file_digests(path: str | Path, algorithms: tuple[str, ...] = ("sha256",)) -> dict[str, str]:
    """``{algorithm: hex digest}`` of the file at ``path``, computed in one pass."""
    hashes = {a: hashlib.new(a, usedforsecurity=False) if a == "md5" else hashlib.new(a) for a in algorithms}
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            for h in hashes.values():
                h.update(chunk)
    return {a: h.hexdigest() for a, h in hashes.items()}


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """The hex digest of one algorithm (``sha256``, ``md5``...) of the file at ``path``."""
    return file_digests(path, (algorithm,))[algorithm]


def content_hash(data: bytes) -> str:
    """The content key of bytes already in memory (equal to :func:`content_hash_file` of them)."""
    return hashlib.sha256(data).hexdigest()[:CONTENT_KEY_LENGTH]


def content_hash_file(path: str | Path) -> str:
    """The content key of a file: the first 32 hex characters of its sha256."""
    return file_digest(path)[:CONTENT_KEY_LENGTH]


# -- the memo: digests by (path, size, mtime) ---------------------------------------------------


def absolute_path(path: "str | os.PathLike") -> str:
    """``str(Path(path).absolute())`` (the memo's key), without pathlib's parsing cost for
    plain paths: a warm run looks up every clip of a split (30k paths: 0.6 s in pathlib,
    under 0.05 s here)."""
    s = os.fspath(path)
    if os.sep != "/" or not s or s == "." or "//" in s or "/./" in s or s.startswith("./") or s.endswith(("/", "/.")):
        return str(Path(s).absolute())
    return s if s.startswith("/") else os.path.join(os.getcwd(), s)


class AbsolutePaths(list):
    """A list of path strings already in :func:`absolute_path`'s form (absolute, no ``//``,
    ``/./`` or trailing ``/``), as :class:`fakebench.data.clip_list.PathColumn` builds them
    from absolute folders and plain file names: :func:`absolute_paths` takes it as it is."""

    __slots__ = ()


def absolute_paths(paths: Sequence["str | os.PathLike"]) -> list[str]:
    """:func:`absolute_path` of each path, checked in bulk: when every path is already a
    plain absolute path (the usual case: datasets build them from an absolute root), the
    strings are returned as they are after one scan of their concatenation, instead of a
    per-path check (600k paths: about 0.2 s for the scan, measured in
    ``benchmarks/test_corpus_scale.py``; ``os.fspath`` of fresh ``Path`` objects costs 0.6 s more)."""
    if isinstance(paths, AbsolutePaths):
        return paths
    strs = list(map(os.fspath, paths))
    if os.sep == "/" and strs:
        n = len(strs)
        try:
            joined = "\n".join(strs)
        except TypeError:  # bytes paths
            return [absolute_path(s) for s in strs]
        if (joined.startswith("/") and joined.count("\n") == n - 1 and joined.count("\n/") == n - 1
                and "//" not in joined and "/./" not in joined and "/\n" not in joined and "/.\n" not in joined
                and not joined.endswith(("/", "/."))):
            return strs
    return [absolute_path(s) for s in strs]


#: Stat calls are spread over threads above this many paths (``os.stat`` releases the GIL).
STAT_THREADS_MIN = 50_000


def stat_many(paths: Sequence[str], threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(sizes, mtimes in ns)`` of each path as int64 arrays; -1 for a path that cannot
    be read.

    One ``stat`` per path is the floor of validating a memo (a file edited in place changes
    only its own size and mtime). Above :data:`STAT_THREADS_MIN` paths the calls run on
    ``threads`` threads (default: the usable CPUs, at most 4; ``FAKEBENCH_STAT_THREADS``
    overrides): the system call runs without the GIL.
    """
    n = len(paths)
    sizes = np.full(n, -1, dtype=np.int64)
    mtimes = np.full(n, -1, dtype=np.int64)

    def part(lo: int, hi: int) -> None:
        st = os.stat
        sz, mt = sizes, mtimes
        for i in range(lo, hi):
            try:
                r = st(paths[i])
            except (OSError, ValueError):
                continue
            sz[i] = r.st_size
            mt[i] = r.st_mtime_ns

    if threads is None:
        env = os.environ.get("FAKEBENCH_STAT_THREADS")
        if env and env.isdigit():
            threads = int(env)
        else:
            try:
                cpus = len(os.sched_getaffinity(0))
            except AttributeError:
                cpus = os.cpu_count() or 1
            threads = min(4, cpus)
    if threads <= 1 or n < STAT_THREADS_MIN:
        part(0, n)
        return sizes, mtimes
    from concurrent.futures import ThreadPoolExecutor

    step = -(-n // (threads * 4))
    with ThreadPoolExecutor(threads) as ex:
        list(ex.map(lambda lo: part(lo, min(n, lo + step)), range(0, n, step)))
    return sizes, mtimes


def stat_key(path: "str | os.PathLike") -> tuple[int, int] | None:
    """(size, mtime in ns) of a file, or None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class FileDigests:
    """The one memo of file digests: sha256 (and md5 when asked for) of a file, remembered
    by (absolute path, size, mtime) in a SQLite file, so an unchanged file is read once.

    The embedding cache keeps one for audio (``<cache>/files.sqlite``: content keys of
    clips) and the weights resolver one for checkpoints (``$FAKEBENCH_HOME/
    weights-digests.sqlite``). A memo that cannot be opened (a read-only folder) works
    for this process only.
    """

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._mem: dict[tuple[str, int, int], dict[str, str]] = {}
        con = self._con()
        if con is not None:
            con.execute("CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, size INTEGER, "
                        "mtime_ns INTEGER, sha256 TEXT, md5 TEXT)")

    def _con(self) -> sqlite3.Connection | None:
        con = getattr(self._local, "con", None)
        if con is None and not getattr(self._local, "failed", False):
            from .storage import connect_sqlite

            try:
                con = connect_sqlite(self.db_path)
                con.execute("SELECT 1")
            except (sqlite3.Error, OSError):
                self._local.failed = True
                return None
            self._local.con = con
        return con

    def known(self, paths: Sequence["str | os.PathLike"]) -> list[str | None]:
        """The content key (:func:`content_hash_file`) of each path when it is memoised
        and the file is unchanged; None otherwise."""
        abspaths = absolute_paths(paths)
        rows = self._rows(abspaths)
        if not rows and not self._mem:
            return [None] * len(abspaths)
        sizes, mtimes = stat_many(abspaths)
        return self.known_stats(abspaths, sizes, mtimes, rows)

    def _rows(self, abspaths: Sequence[str]) -> dict[str, tuple[int, int, str]]:
        """Memo rows ``{path: (size, mtime_ns, sha256)}`` of those of ``abspaths`` it holds."""
        rows: dict[str, tuple[int, int, str]] = {}
        con = self._con()
        if con is None or not abspaths:
            return rows
        for i in range(0, len(abspaths), 900):
            chunk = abspaths[i:i + 900]
            for r in con.execute(f"SELECT path, size, mtime_ns, sha256 FROM digests WHERE path IN "
                                 f"({','.join('?' * len(chunk))})", chunk):
                rows[r[0]] = (r[1], r[2], r[3])
        return rows

    def known_stats(self, abspaths: Sequence[str], sizes: np.ndarray, mtimes: np.ndarray,
                    rows: dict[str, tuple[int, int, str]] | None = None) -> list[str | None]:
        """:meth:`known` for absolute paths whose current ``(size, mtime)`` the caller has
        already read (:func:`stat_many`; -1 for unreadable): a key is returned only where
        the memo recorded exactly that size and mtime."""
        if rows is None:
            rows = self._rows(abspaths)
        out: list[str | None] = [None] * len(abspaths)
        mem = self._mem
        get = rows.get
        size_l, mtime_l = sizes.tolist(), mtimes.tolist()
        for i, ap in enumerate(abspaths):
            size = size_l[i]
            if size < 0:
                continue
            m = get(ap)
            if m is not None and m[0] == size and m[1] == mtime_l[i] and m[2]:
                out[i] = m[2][:CONTENT_KEY_LENGTH]
            elif mem:
                d = mem.get((ap, size, mtime_l[i]))
                if d is not None and d.get("sha256"):
                    out[i] = d["sha256"][:CONTENT_KEY_LENGTH]
        return out

    def remember(self, items: Iterable[tuple["str | os.PathLike", dict[str, str], tuple[int, int] | None]]) -> None:
        """Store ``(path, {algorithm: digest}, (size, mtime) or None)`` entries."""
        rows = []
        for path, digests, st in items:
            st = st or stat_key(path)
            if st is None:
                continue
            key = (absolute_path(path), *st)
            merged = {**self._mem.get(key, {}), **digests}
            self._mem[key] = merged
            rows.append((*key, merged.get("sha256"), merged.get("md5")))
        con = self._con()
        if rows and con is not None:
            try:
                con.execute("BEGIN IMMEDIATE")
                con.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?)", rows)
                con.execute("COMMIT")
            except sqlite3.Error:
                pass  # a memo that cannot be written only costs a re-read later

    def digests(self, path: "str | os.PathLike", algorithms: tuple[str, ...] = ("sha256",)) -> dict[str, str]:
        """``{algorithm: digest}`` of the file, read only when not memoised for its current
        size and mtime."""
        st = stat_key(path)
        if st is None:
            raise FileNotFoundError(path)
        key = (absolute_path(path), *st)
        have = dict(self._mem.get(key, {}))
        if not all(a in have for a in algorithms):
            con = self._con()
            if con is not None:
                row = con.execute("SELECT sha256, md5 FROM digests WHERE path=? AND size=? AND mtime_ns=?",
                                  key).fetchone()
                if row:
                    have.update({a: v for a, v in zip(("sha256", "md5"), row) if v})
        missing = tuple(a for a in algorithms if a not in have)
        if missing:
            have.update(file_digests(path, tuple(dict.fromkeys(("sha256", *missing)))))
            self.remember([(path, have, st)])
        else:
            self._mem[key] = have
        return {a: have[a] for a in algorithms}

    def content_key(self, path: "str | os.PathLike") -> str:
        """:func:`content_hash_file` of ``path``, memoised."""
        return self.digests(path)["sha256"][:CONTENT_KEY_LENGTH]
