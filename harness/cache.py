"""The on-disk embedding cache.

Layout under the cache root (``$FAKEBENCH_CACHE``, default ``~/.fakebench/cache``)::

    files.sqlite                 path, size, mtime -> content hash (a stat memo)
    emb/<namespace>/meta.json    what the namespace holds (embedder, params, weights)
    emb/<namespace>/*.npz        shards: keys (n,), data (n, D) or frames + offsets

A namespace is one embedder configuration (:meth:`Embedder.cache_key`: name, version,
parameters, weights fingerprint, sample rate, clip-length policy). Within it, a vector is
keyed by the *content* hash of its audio file, so a renamed or copied file is found
again and an edited one is not.

Writes are crash-safe and concurrent-safe: each shard is written to a temporary file,
flushed, and renamed into place, so a reader (or a run killed with ``kill -9``) never
sees a partial shard. Several processes may write one namespace at once; duplicates are
harmless. After a run, shards are merged into one pack so a warm run loads a whole split
with a single read: the pack's ``data`` array is memory-mapped in place (shards are plain,
uncompressed ``np.savez`` files) and the wanted rows are gathered in one operation.

A large split (:data:`SNAPSHOT_MIN_CLIPS` clips or more) also keeps a *snapshot* beside
the namespace (``emb/<namespace>/splits/<id>.npz``, ``id`` a hash of the split's absolute
paths): each file's size, mtime, content key, and the shard and row holding its vector.
A warm load of that split then reads the snapshot, stats every file (the floor: an edited
file changes only its own size or mtime) and gathers the rows, with no look-up in the
file-hash memo and no scan of the namespace's keys (600k clips of a 1M-entry cache:
see ``benchmarks/test_corpus_scale.py``). Any file or shard that changed falls back to the
memo for that file; the snapshot is then rewritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from .errors import CacheError
from .feature_rows import RowViews


def default_cache_root() -> Path:
    """``$FAKEBENCH_CACHE``, else ``$FAKEBENCH_HOME/cache`` (:func:`fakebench.paths.cache_root`)."""
    from .paths import cache_root

    return cache_root()


from .hashing import CONTENT_KEY_LENGTH, FileDigests, absolute_paths, stat_many
from .storage import atomic_write_bytes

#: Splits of at least this many clips keep a snapshot (see the module docstring).
SNAPSHOT_MIN_CLIPS = 2048
#: Snapshots kept per namespace (the least recently written are deleted).
SNAPSHOTS_KEPT = 16
SNAPSHOT_VERSION = 1


class Namespace:
    """The vectors of one embedder configuration, keyed by content hash."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self._index: dict[str, tuple[str, int]] = {}
        self._frames: bool | None = None
        self._scanned: set[str] = set()
        self._ready = False

    def _ensure(self) -> None:
        if not self._ready:
            self.refresh()

    # -- reading ------------------------------------------------------------------------

    def shards(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob("*.npz") if not p.name.startswith(".tmp-"))

    def refresh(self) -> None:
        """Index shards written since the last scan (by us or by other processes).

        When a shard has gone (merged by another process), the whole index is rebuilt,
        because a key indexed there may also live in a shard already scanned.
        """
        self._ready = True
        live = {p.name for p in self.shards()}
        if self._scanned - live:
            self._index, self._scanned = {}, set()
        for name in sorted(live - self._scanned):
            keys = self._read_keys(name)
            if keys is None:
                continue
            for row, k in enumerate(keys):
                self._index.setdefault(k, (name, row))
            self._scanned.add(name)

    def _read_keys(self, name: str) -> list[str] | None:
        try:
            with np.load(self.dir / name, allow_pickle=False) as z:
                return z["keys"].tolist()
        except FileNotFoundError:
            return None  # merged away by another process
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
            self._quarantine(self.dir / name, e)
            return None

    def _quarantine(self, path: Path, err: Exception) -> None:
        """Move an unreadable shard aside so it is recomputed, never silently used."""
        bad = path.with_name(path.name + f".corrupt-{int(time.time())}")
        try:
            os.replace(path, bad)
        except OSError:
            pass
        import warnings

        warnings.warn(f"embedding cache shard {str(path)!r} is unreadable ({err}); moved to {bad.name}, "
                      "its entries will be recomputed", stacklevel=3)

    def __contains__(self, key: str) -> bool:
        self._ensure()
        return key in self._index

    def __len__(self) -> int:
        self._ensure()
        return len(self._index)

    def locate(self, key: str) -> tuple[str, int] | None:
        """(shard name, row) of ``key``, or None."""
        self._ensure()
        return self._index.get(key)

    def get_many(self, keys: Sequence[str | None]) -> tuple[list[np.ndarray | None], int]:
        """Arrays for ``keys`` (None where absent), and how many shard files were read.

        Each shard is opened once; its rows are gathered in one indexing operation from a
        memory map of the shard's ``data`` member (see :func:`read_npz_member`), so a
        warm run pays one sequential read of the pack and one copy of the rows it uses.
        """
        self._ensure()
        out: list[np.ndarray | None] = [None] * len(keys)
        by_shard: dict[str, list[tuple[int, int]]] = {}
        for i, k in enumerate(keys):
            if k is not None and k in self._index:
                shard, row = self._index[k]
                by_shard.setdefault(shard, []).append((i, row))
        reads = 0
        for shard, wanted in by_shard.items():
            try:
                data, offsets = _read_data(self.dir / shard)
            except FileNotFoundError:
                # merged by a concurrent process: rescan and try once more
                self.refresh()
                sub, more = self.get_many([keys[i] for i, _ in wanted])
                for (i, _), arr in zip(wanted, sub):
                    out[i] = arr
                reads += more
                continue
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
                self._quarantine(self.dir / shard, e)
                self._index = {k: v for k, v in self._index.items() if v[0] != shard}
                continue
            reads += 1
            rows = np.fromiter((row for _, row in wanted), dtype=np.int64, count=len(wanted))
            if offsets is None:
                block = np.asarray(data)[rows].astype(np.float32, copy=False)  # one gather, one copy
                for (i, _), arr in zip(wanted, block):
                    out[i] = arr
            else:
                for (i, row) in wanted:
                    out[i] = np.array(data[offsets[row]:offsets[row + 1]], dtype=np.float32)
            del data
        return out, reads

    # -- writing ------------------------------------------------------------------------

    def put_many(self, keys: Sequence[str], arrays: Sequence[np.ndarray]) -> Path:
        """Write one shard holding ``arrays`` (all (D,) or all (frames, D)) atomically."""
        if len(keys) != len(arrays) or not keys:
            raise CacheError("put_many needs as many arrays as keys, and at least one")
        self.dir.mkdir(parents=True, exist_ok=True)
        # keys as narrow as they are (content keys: U32), not U64: half the bytes to read
        payload: dict[str, np.ndarray] = {"keys": np.asarray([str(k) for k in keys])}
        if arrays[0].ndim == 1:
            payload["data"] = np.stack(arrays).astype(np.float32, copy=False)
        else:
            lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
            payload["offsets"] = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            payload["data"] = np.concatenate(arrays).astype(np.float32, copy=False)
        name = f"shard-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.npz"
        path = self.dir / name
        buf = io.BytesIO()
        np.savez(buf, **payload)
        atomic_write_bytes(path, buf.getvalue())
        for row, k in enumerate(keys):
            self._index.setdefault(k, (name, row))
        self._scanned.add(name)
        return path

    def shard_rows(self) -> dict[str, int]:
        self._ensure()
        rows: dict[str, int] = {}
        for name, _ in self._index.values():
            rows[name] = rows.get(name, 0) + 1
        return rows

    def compact(self, min_shards: int = 2, max_rows: int | None = None) -> bool:
        """Merge shards into one (atomic rename, then delete the merged ones).

        Every chosen shard is read whole before anything is deleted, so a key is never
        lost, whatever other processes do meanwhile. With ``max_rows``, only shards
        holding fewer rows are merged (used during long runs, so the number of files
        stays small without rewriting big packs). Returns True if it merged.
        """
        self.refresh()
        rows = self.shard_rows()
        candidates = sorted(self._scanned)
        merge = [n for n in candidates if max_rows is None or rows.get(n, 0) < max_rows]
        if len(merge) < min_shards:
            return False
        keys: list[str] = []
        arrays: list[np.ndarray] = []
        seen: set[str] = set()
        merged = []
        for name in merge:
            content = self._read_shard(name)
            if content is None:
                continue  # gone (merged by another process) or quarantined
            merged.append(name)
            for k, a in content:
                if k not in seen:
                    seen.add(k)
                    keys.append(k)
                    arrays.append(a)
        if len(merged) < min_shards or not keys:
            return False
        if any((a.ndim > 1) != (arrays[0].ndim > 1) for a in arrays):
            return False
        self.put_many(keys, arrays)
        for name in merged:
            try:
                (self.dir / name).unlink()
            except FileNotFoundError:
                pass
        self._index, self._scanned = {}, set()
        self.refresh()
        return True

    def _read_shard(self, name: str) -> list[tuple[str, np.ndarray]] | None:
        try:
            with np.load(self.dir / name, allow_pickle=False) as z:
                keys = z["keys"].tolist()
            data, offsets = _read_data(self.dir / name)
            data = np.array(data, dtype=np.float32)  # a copy: the file is deleted after the merge
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
            self._quarantine(self.dir / name, e)
            return None
        if offsets is None:
            return [(k, data[i]) for i, k in enumerate(keys)]
        return [(k, data[offsets[i]:offsets[i + 1]]) for i, k in enumerate(keys)]

    def write_meta(self, meta: dict) -> None:
        path = self.dir / "meta.json"
        if not path.exists():
            atomic_write_bytes(path, json.dumps(meta, indent=2, sort_keys=True).encode())


def read_npz_members(path: Path, members: Sequence[str], mmap: bool = True) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` file (those of ``members`` it holds), memory-mapped when
    stored uncompressed.

    ``np.savez`` stores each array as an uncompressed ``.npy`` inside a zip, so its bytes
    lie contiguously in the file: the array is mapped in place (no intermediate buffer),
    where ``np.load`` would read it into memory and copy it once more. Compressed members
    go through ``np.load``. Raises ``FileNotFoundError``, ``zipfile.BadZipFile`` or
    ``ValueError`` (a truncated or malformed file).
    """
    out: dict[str, np.ndarray] = {}
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        with zipfile.ZipFile(f) as z:
            infos = {m: z.getinfo(m + ".npy") for m in members if m + ".npy" in z.NameToInfo}
        for member, info in infos.items():
            if not mmap or info.compress_type != zipfile.ZIP_STORED:
                with np.load(path, allow_pickle=False) as npz:
                    out[member] = npz[member]
                continue
            f.seek(info.header_offset)
            local = f.read(30)
            if len(local) != 30 or local[:4] != b"PK\x03\x04":
                raise ValueError(f"bad zip entry header for {member!r}")
            start = (info.header_offset + 30 + int.from_bytes(local[26:28], "little")
                     + int.from_bytes(local[28:30], "little"))
            f.seek(start)
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version} in {member!r}")
            if dtype.hasobject:
                raise ValueError(f"{member!r} holds Python objects")
            offset = f.tell()
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if offset - start + nbytes != info.file_size or offset + nbytes > size:
                raise ValueError(f"{member!r} is truncated")
            if nbytes == 0:
                out[member] = np.empty(shape, dtype=dtype)
            else:
                out[member] = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                                        order="F" if fortran else "C")
    return out


def _read_data(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """A shard's ``data`` (memory-mapped) and ``offsets`` (None for scene vectors)."""
    arrays = read_npz_members(path, ("data", "offsets"))
    if "data" not in arrays:
        raise KeyError("data")
    offsets = arrays.get("offsets")
    return arrays["data"], (None if offsets is None else np.array(offsets))


class EmbeddingCache:
    """The cache root: a file-hash memo plus one :class:`Namespace` per embedder config."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root is not None else default_cache_root()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CacheError(f"cannot create cache folder {str(self.root)!r}: {e.strerror or e}",
                             hint="pass --cache-dir DIR or set FAKEBENCH_CACHE to a writable folder") from None
        self.hasher = FileDigests(self.root / "files.sqlite")

    def namespace(self, key: str, scan: bool = True) -> Namespace:
        """The namespace ``key``; with ``scan=False`` its shards are indexed on first use
        (a warm load served by a split snapshot never needs the index)."""
        ns = Namespace(self.root / "emb" / key)
        if scan:
            ns.refresh()
        return ns

    def lookup(self, ns: Namespace, paths: Sequence["str | os.PathLike"]) -> "SplitLookup":
        """The cached vectors of ``paths`` (files) in ``ns``: through the split snapshot
        where it holds, through the file-hash memo and the namespace index elsewhere.

        Returns a :class:`SplitLookup`: ``arrays`` (None where not cached), ``keys``
        (content keys where known), ``reads`` (shard files read). Pass it to
        :meth:`save_snapshot` once the missing vectors are computed.
        """
        abspaths = absolute_paths(paths)
        n = len(abspaths)
        res = SplitLookup(abspaths=abspaths, arrays=[None] * n, keys=[None] * n)
        if n == 0:
            return res
        res.sizes, res.mtimes = stat_many(abspaths)
        todo = np.arange(n)
        if n >= SNAPSHOT_MIN_CLIPS:
            res.snapshot = snapshot_path(ns, abspaths)
            todo = self._from_snapshot(ns, res)
        if len(todo):
            if len(todo) == n:
                keys = self.hasher.known_stats(abspaths, res.sizes, res.mtimes)
            else:
                sub = [abspaths[i] for i in todo.tolist()]
                keys = self.hasher.known_stats(sub, res.sizes[todo], res.mtimes[todo])
            found, reads = ns.get_many(keys)
            res.reads += reads
            for i, k, a in zip(todo.tolist(), keys, found):
                res.keys[i], res.arrays[i] = k, a
        return res

    def _from_snapshot(self, ns: Namespace, res: "SplitLookup") -> np.ndarray:
        """Fill ``res`` from the split snapshot; return the indices it could not serve."""
        n = len(res.abspaths)
        everything = np.arange(n)
        try:
            with np.load(res.snapshot, allow_pickle=False) as z:
                meta = json.loads(z["meta"].tobytes().decode())
                if meta.get("version") != SNAPSHOT_VERSION or int(meta["n"]) != n:
                    return everything
                sizes, mtimes, shard_of, rows = z["sizes"], z["mtimes"], z["shard"], z["rows"]
                snap_keys = z["keys"]
        except FileNotFoundError:
            return everything
        except Exception:  # unreadable or foreign: ignored, rewritten after the load
            return everything
        if not (len(sizes) == len(mtimes) == len(shard_of) == len(rows) == len(snap_keys) == n):
            return everything
        ok = (res.sizes == sizes) & (res.mtimes == mtimes) & (res.sizes >= 0) & (shard_of >= 0)
        shards = meta.get("shards") or []
        for j, (name, size, mtime_ns) in enumerate(shards):
            try:
                st = os.stat(ns.dir / name)
                same = st.st_size == size and st.st_mtime_ns == mtime_ns
            except OSError:
                same = False
            if not same:
                ok &= shard_of != j
        for j, (name, _, _) in enumerate(shards):
            sel = np.flatnonzero(ok & (shard_of == j))
            if not len(sel):
                continue
            try:
                data, offsets = _read_data(ns.dir / name)
                if offsets is None:
                    block = np.asarray(data)[rows[sel]].astype(np.float32, copy=False)
                    # the whole split from one block: its rows, not one array object per clip
                    whole = len(sel) == n and len(shards) == 1 and block.ndim == 2
                    arrays = RowViews(block) if whole else list(block)
                else:
                    arrays = [np.array(data[offsets[r]:offsets[r + 1]], dtype=np.float32) for r in rows[sel].tolist()]
                del data
            except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile):
                ok[sel] = False  # replaced meanwhile: the memo path serves these
                continue
            res.reads += 1
            if len(sel) == n:
                res.arrays = arrays
            else:
                out_a = res.arrays
                for i, a in zip(sel.tolist(), arrays):
                    out_a[i] = a
        res.snapshot_hits = int(ok.sum())
        if res.snapshot_hits < n:  # keys are needed only to compute the rest and rewrite the snapshot
            out_k = res.keys
            for i, k in zip(np.flatnonzero(ok).tolist(), snap_keys[ok].astype(f"U{CONTENT_KEY_LENGTH}").tolist()):
                out_k[i] = k
        else:
            res.keys_of_snapshot = snap_keys
        return np.flatnonzero(~ok)

    def save_snapshot(self, ns: Namespace, res: "SplitLookup") -> bool:
        """Write (or rewrite) the split snapshot of a lookup whose vectors are now all in
        the cache; a no-op for small splits and for a snapshot that served every file.

        A file's key is recorded only with the size and mtime the file-hash memo recorded
        for it (so a file edited during the run is never paired with an old key)."""
        n = len(res.abspaths)
        if res.snapshot is None or res.snapshot_hits == n or res.sizes is None:
            return False
        unsure = [i for i, k in enumerate(res.keys) if k is None or i in res.computed]
        if unsure:
            again = self.hasher.known_stats([res.abspaths[i] for i in unsure], res.sizes[unsure],
                                            res.mtimes[unsure], rows={})
            for i, k in zip(unsure, again):
                res.keys[i] = k
        ns.refresh()
        shard_ids: dict[str, int] = {}
        shard_of = np.full(n, -1, dtype=np.int32)
        rows = np.full(n, -1, dtype=np.int64)
        keys = np.zeros(n, dtype=f"S{CONTENT_KEY_LENGTH}")
        for i, k in enumerate(res.keys):
            if k is None:
                continue
            where = ns.locate(k)
            if where is None:
                continue
            shard_of[i] = shard_ids.setdefault(where[0], len(shard_ids))
            rows[i] = where[1]
            keys[i] = k.encode("ascii", "replace")
        shards = []
        for name in shard_ids:
            try:
                st = os.stat(ns.dir / name)
            except OSError:
                return False  # merged away meanwhile: the next run writes it
            shards.append([name, st.st_size, st.st_mtime_ns])
        meta = {"version": SNAPSHOT_VERSION, "n": n, "shards": shards}
        buf = io.BytesIO()
        np.savez(buf, sizes=res.sizes, mtimes=res.mtimes, shard=shard_of, rows=rows, keys=keys,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        try:
            res.snapshot.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(res.snapshot, buf.getvalue())
            old = sorted(res.snapshot.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for p in old[SNAPSHOTS_KEPT:]:
                p.unlink(missing_ok=True)
        except OSError:
            return False
        return True


@dataclass
class SplitLookup:
    """What :meth:`EmbeddingCache.lookup` found for a list of files."""

    abspaths: list[str]
    arrays: list[np.ndarray | None]
    keys: list[str | None]
    reads: int = 0
    sizes: np.ndarray | None = None
    mtimes: np.ndarray | None = None
    snapshot: Path | None = None
    #: files served by the snapshot
    snapshot_hits: int = 0
    #: indices whose vectors were computed after the lookup (their keys are re-checked)
    computed: set[int] = field(default_factory=set)
    #: the snapshot's keys (bytes) when it served every file; ``keys`` is left empty then
    keys_of_snapshot: np.ndarray | None = None


def snapshot_path(ns: Namespace, abspaths: Sequence[str]) -> Path:
    """Where the split snapshot of these absolute paths lives in ``ns``."""
    h = hashlib.sha256()
    h.update(f"{len(abspaths)}\0".encode())
    h.update("\0".join(abspaths).encode("utf-8", "surrogateescape"))
    return ns.dir / "splits" / f"{h.hexdigest()[:24]}.npz"
