"""The results store: a folder of JSON records, per-clip scores and an SQLite index.

::

    runs/<run_id>.json        the record (the source of truth)
    scores/<run_id>.csv.gz    id, split, label, score and attributes, one row per clip
    models/<run_id>.pt        the trained detector (optional)
    quarantine/               records `results rebuild` could not use, each with a
                              <name>.reason.txt saying why
    index.sqlite              an index of the records (WAL), rebuilt from runs/ at will

Writing. :meth:`ResultStore.add` checks the record completely first (its schema, every
field the index needs, that it serialises), then writes the scores file and the record
atomically (temporary file, then rename), then indexes it. So a record that cannot be
indexed is refused before anything is written, and a run killed at any point leaves
either a whole record or none.

Reading. Every record is validated (:mod:`fakebench.results.schema`) when it is indexed
and when it is read. One bad record (hand-edited, truncated, a metric that is not a
number) never breaks the store: it is skipped with a warning naming it and counted in
:attr:`ResultStore.skipped`; ``results rebuild`` moves it to ``quarantine/`` with the
reason. A record of a newer schema is refused by name (and left where it is), never
averaged in. Records on disk that the index lacks (a crash between the JSON and the
index) are indexed on the next read.

:meth:`ResultStore.rebuild` streams the records (constant memory in their number) into a
new index beside the old one and swaps it in at the end: a crash leaves the old index.
:meth:`ResultStore.merge` copies another store's records, scores and models; every path
a record names is resolved against its store, and one that leads outside it is refused.
"""

from __future__ import annotations

import csv
import errno
import gzip
import io
import json
import logging
import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..memory import bulk_objects
from ..errors import FakebenchError
from ..storage import connect_sqlite
from .base import SCHEMA, RecordError

log = logging.getLogger("fakebench")

try:  # a leaderboard over 5,000 records spends 60% of its time parsing JSON
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover (a core dependency; kept optional for vendored installs)
    _fast_loads = None

SCORE_COLUMNS = ("id", "split", "label", "score", "class", "system", "speaker", "raw_score")
#: Index columns, in table order.
_COLUMNS = ("run_id", "created", "dataset", "train_dataset", "protocol", "pipeline", "embedder", "detector", "seed",
            "group_key", "metrics", "path")
_CREATE = """CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, created TEXT, dataset TEXT, train_dataset TEXT,
    protocol TEXT, pipeline TEXT, embedder TEXT, detector TEXT, seed INTEGER,
    group_key TEXT, metrics TEXT, path TEXT)"""
_FILTERS = ("dataset", "train_dataset", "protocol", "pipeline", "embedder", "detector", "group_key")
#: Bad records named one by one in the log; the rest are counted.
_NAMED = 10
_BATCH = 500


def default_results_root() -> Path:
    from ..paths import results_root

    return results_root()


def _write(path: Path, data: bytes) -> None:
    """Atomic write through the package attribute ``fakebench.results.atomic_write_bytes``
    (so a tool or test can substitute it)."""
    from . import atomic_write_bytes

    atomic_write_bytes(path, data)


class ScoresError(FakebenchError, OSError):
    """A record's scores file that is missing, unreadable or outside its store (an
    :class:`OSError` too, so report code that skips unreadable files skips it)."""

    def __init__(self, message: str, *, hint: str | None = None):
        FakebenchError.__init__(self, message, hint=hint)


class ResultStore:
    def __init__(self, root: str | os.PathLike | None = None):
        if root is not None and not str(root).strip():
            root = None  # an empty --results / FAKEBENCH_RESULTS means the default
        self.root = Path(root).expanduser() if root is not None else default_results_root()
        self.runs_dir = self.root / "runs"
        self.scores_dir = self.root / "scores"
        self.models_dir = self.root / "models"
        self.quarantine_dir = self.root / "quarantine"
        self.db_path = self.root / "index.sqlite"
        #: ``(path, reason)`` of the records the last read, rebuild or merge skipped.
        self.skipped: list[tuple[str, str]] = []
        self._skipped_count = 0

    # -- checks ----------------------------------------------------------------------------

    def _check_root(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise FakebenchError(f"results store {str(self.root)!r} is a file, not a folder",
                                 hint="pass --results DIR (a folder), or move the file away")

    def inside(self, rel: str, what: str = "path", root: Path | None = None) -> Path:
        """``root / rel`` (the store's root by default), refused when it resolves outside
        ``root`` (``..``, an absolute path, a symlink out)."""
        root = self.root if root is None else root
        base = root.resolve()
        target = (root / rel).resolve()
        if not rel or os.path.isabs(rel) or not target.is_relative_to(base):
            raise FakebenchError(f"{what} {rel!r} leads outside the results store {str(root)!r}",
                                 hint="a record may only name files inside its own store")
        return target

    def check(self, record: Any, where: str = "record", path: Path | None = None):
        """The validated record (:class:`fakebench.results.schema.Record`), or
        :class:`~fakebench.results.schema.RecordError`. With ``path``, its file name must
        be ``<run_id>.json``."""
        from .schema import check_record  # pydantic, only when a record is validated

        model = check_record(record, where=where)
        if path is not None and path.stem != model.run_id:
            reason = f"its run_id {model.run_id!r} does not match its file name {path.name!r}"
            raise RecordError(f"{where}: {reason}", reason=reason)
        return model

    @staticmethod
    def _row(rec: dict[str, Any], rel: str) -> tuple:
        """The index row of a validated record (``rel``: its path in the store)."""
        ds = rec["dataset"]
        pipe = rec["pipeline"]
        train = (rec.get("train_dataset") or {}).get("name") or ds["name"]
        embedder = (pipe.get("embedder") or {}).get("name")
        return (rec["run_id"], rec.get("created"), ds["name"], train, ds.get("protocol"), pipe["name"], embedder,
                pipe["detector"]["name"], rec.get("seed"), rec.get("group_key"), json.dumps(rec.get("metrics", {})),
                rel)

    def _skip(self, path: Path | str, reason: str, verb: str = "skipped") -> None:
        self._skipped_count += 1
        if len(self.skipped) < 1000:
            self.skipped.append((str(path), reason))
        if self._skipped_count <= _NAMED:
            log.warning("%s result record %s: %s", verb, path, reason)

    def _reset_skipped(self) -> None:
        self.skipped = []
        self._skipped_count = 0

    def _summarise_skipped(self, what: str) -> None:
        n = self._skipped_count
        if n > _NAMED:
            log.warning("%d more bad result record(s) %s (%d in all)", n - _NAMED, what, n)

    @property
    def skipped_count(self) -> int:
        """How many records the last read, rebuild or merge skipped."""
        return self._skipped_count

    # -- reading single records ---------------------------------------------------------------

    @staticmethod
    def _load(path: Path) -> Any:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise RecordError(f"{path}: unreadable ({e.strerror or e})", reason=f"unreadable ({e.strerror or e})")
        return ResultStore._parse(path, raw)

    @staticmethod
    def _parse(path: Path, raw: bytes) -> Any:
        if _fast_loads is not None:  # orjson: 2-3x json's speed, same values for valid JSON
            try:
                return _fast_loads(raw)
            except ValueError:
                pass  # NaN literals, huge integers, bad input: json gives the value or the wording
        try:
            return json.loads(raw)
        except UnicodeDecodeError:
            raise RecordError(f"{path}: not UTF-8 JSON", reason="not UTF-8 JSON") from None
        except json.JSONDecodeError as e:
            what = "truncated JSON" if e.pos >= len(raw.rstrip()) else "not valid JSON"
            reason = f"{what} (line {e.lineno}, column {e.colno}: {e.msg})"
            raise RecordError(f"{path}: {reason}", reason=reason) from None
        except RecursionError:
            raise RecordError(f"{path}: JSON nested too deeply", reason="JSON nested too deeply") from None

    def read(self, path: Path) -> dict[str, Any]:
        """The record in ``path``, validated; :class:`RecordError` otherwise."""
        data = self._load(path)
        self.check(data, where=str(path), path=path)
        return data

    def _record_files(self, runs_dir: Path | None = None) -> Iterator[Path]:
        """``runs/*.json`` streamed (no sorting, no list: constant memory), hidden and
        temporary files left out."""
        folder = self.runs_dir if runs_dir is None else runs_dir
        try:
            it = os.scandir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        with it:
            for entry in it:
                if entry.name.startswith(".") or not entry.name.endswith(".json"):
                    continue
                try:
                    if not entry.is_file():
                        continue
                except OSError:
                    continue
                yield Path(entry.path)

    def _read_all(self) -> Iterator[dict[str, Any]]:
        """Every valid record in ``runs/`` (streamed; bad ones skipped with a warning)."""
        for p in self._record_files():
            try:
                yield self.read(p)
            except RecordError as e:
                self._skip(p, e.reason)

    # -- writing ----------------------------------------------------------------------------

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        path = self.db_path if path is None else path
        try:
            con = connect_sqlite(path)
            con.execute(_CREATE)
        except sqlite3.DatabaseError as e:
            raise FakebenchError(
                f"results index {str(path)!r} is unreadable: {e}",
                hint="run `fakebench results rebuild` to rebuild it from the JSON records",
            ) from None
        except OSError as e:
            raise FakebenchError(f"cannot open the results index {str(path)!r}: {e.strerror or e}") from None
        return con

    def add(self, record: dict[str, Any], score_rows: Iterable[dict[str, Any]] | None = None) -> Path:
        """Check the record, write the scores file and the record atomically, then index
        it. A record that cannot be stored or indexed is refused before anything is
        written."""
        if record.get("schema") != SCHEMA:
            raise FakebenchError(f"record schema {record.get('schema')!r} is not {SCHEMA!r}")
        self._check_root()
        run_id = record.get("run_id")
        if score_rows is not None and isinstance(run_id, str):
            record["scores_file"] = f"scores/{run_id}.csv.gz"
        try:
            text = json.dumps(record, indent=2, sort_keys=False, default=_json_default)
            stored = json.loads(text)  # what a reader will see: check that
            self.check(stored, where=f"result record {run_id!r}")
            row = self._row(stored, f"runs/{run_id}.json")
        except RecordError as e:
            raise FakebenchError(f"cannot store result record {run_id!r}: {e.reason}",
                                 hint="nothing was written; this is a bug in the plugin or code that built "
                                      "the record") from None
        except (TypeError, ValueError) as e:
            raise FakebenchError(f"cannot store result record {run_id!r}: {e}",
                                 hint="nothing was written") from None
        for rel in (record.get("scores_file"), record.get("model_file")):
            if rel:
                self.inside(rel, "file")
        if score_rows is not None:
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(SCORE_COLUMNS), extrasaction="ignore")
            w.writeheader()
            for r in score_rows:
                w.writerow(r)
            _write(self.root / record["scores_file"], gzip.compress(buf.getvalue().encode(), mtime=0))
        path = self.runs_dir / f"{run_id}.json"
        _write(path, text.encode())
        try:
            self._insert([row])
        except (sqlite3.Error, FakebenchError) as e:
            msg = e.message if isinstance(e, FakebenchError) else str(e)
            raise FakebenchError(f"result record {str(path)!r} is saved, but the index could not be updated: {msg}",
                                 hint="run `fakebench results rebuild`") from None
        return path

    def _insert(self, rows: list[tuple], con: sqlite3.Connection | None = None) -> None:
        own = con is None
        con = self._connect() if own else con
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany(f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * len(_COLUMNS))})", rows)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            if own:
                con.close()

    def _index(self, records: Iterable[dict[str, Any]]) -> None:
        """Index already-written records (each validated first; bad ones skipped)."""
        rows = []
        for r in records:
            try:
                self.check(r, where=f"result record {r.get('run_id')!r}" if isinstance(r, dict) else "record")
            except RecordError as e:
                self._skip(r.get("run_id") if isinstance(r, dict) else r, e.reason)
                continue
            rows.append(self._row(r, f"runs/{r['run_id']}.json"))
        if rows:
            self._insert(rows)

    def _quarantine(self, path: Path, reason: str) -> None:
        """Move ``path`` to ``quarantine/`` with a ``.reason.txt`` beside it; False when
        it cannot be moved (a read-only store: the record is then only skipped)."""
        try:
            self.quarantine_dir.mkdir(parents=True, exist_ok=True)
            dst = self.quarantine_dir / path.name
            if dst.exists():
                dst = self.quarantine_dir / f"{path.stem}-{uuid.uuid4().hex[:6]}{path.suffix}"
            os.replace(path, dst)
            (dst.parent / (dst.name + ".reason.txt")).write_text(f"{path}\n{reason}\n", encoding="utf-8")
        except OSError as e:
            log.warning("could not move %s to %s: %s", path, self.quarantine_dir, e.strerror or e)
            return False
        return True

    def rebuild(self, *, quarantine: bool = True) -> int:
        """Re-index every record in ``runs/``; returns how many were indexed.

        The records are streamed into a new index beside the old one, which replaces it
        only when complete (a crash leaves the old index). Bad records are skipped with a
        warning and, with ``quarantine``, moved to ``quarantine/`` with the reason;
        records of a newer schema are skipped and left in place."""
        self._check_root()
        self._reset_skipped()
        self.quarantined: list[str] = []
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".index.sqlite.rebuild-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        n = 0
        try:
            con = sqlite3.connect(str(tmp), isolation_level=None)
            try:
                con.execute(_CREATE)
                batch: list[tuple] = []
                for p in self._record_files():
                    try:
                        rec = self.read(p)
                    except RecordError as e:
                        if quarantine and not e.newer and self._quarantine(p, e.reason):
                            if len(self.quarantined) < 1000:
                                self.quarantined.append(p.name)
                            self._skip(p, e.reason + " (moved to quarantine/)", verb="quarantined")
                        else:
                            self._skip(p, e.reason)
                        continue
                    batch.append(self._row(rec, f"runs/{p.name}"))
                    n += 1
                    if len(batch) >= _BATCH:
                        self._insert(batch, con)
                        batch = []
                if batch:
                    self._insert(batch, con)
            finally:
                con.close()
            # the swap: the old WAL and shared-memory files belong to the old index
            for suffix in ("-wal", "-shm"):
                p = Path(str(self.db_path) + suffix)
                if p.exists():
                    p.unlink()
            os.replace(tmp, self.db_path)
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                p = Path(str(tmp) + suffix)
                if p.exists():
                    p.unlink()
        self._summarise_skipped("skipped")
        return n

    def merge(self, other: str | os.PathLike) -> int:
        """Copy the records, scores and models of another store into this one; returns
        how many records were new. Bad records of the other store, and records naming a
        file outside it, are skipped with a warning (see :attr:`skipped`)."""
        other = Path(other)
        if not (other / "runs").is_dir():
            raise FakebenchError(f"{str(other)!r} is not a results store (no runs/ folder)")
        self._check_root()
        self._reset_skipped()
        foreign = ResultStore(other)
        n = 0
        rows: list[tuple] = []
        for src in foreign._record_files():
            try:
                rec = foreign.read(src)
                files = []
                for key in ("scores_file", "model_file"):
                    rel = rec.get(key)
                    if rel:
                        files.append((foreign.inside(rel, f"its {key}"), self.inside(rel, f"its {key}")))
            except RecordError as e:
                self._skip(src, e.reason)
                continue
            except FakebenchError as e:
                self._skip(src, e.message)
                continue
            dst = self.runs_dir / src.name
            if dst.exists():
                continue
            for from_path, to_path in files:
                if from_path.is_file():
                    to_path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(from_path, to_path)
            _write(dst, src.read_bytes())
            rows.append(self._row(rec, f"runs/{src.name}"))
            n += 1
            if len(rows) >= _BATCH:
                self._insert(rows)
                rows = []
        if rows:
            self._insert(rows)
        self._summarise_skipped(f"skipped in {other}")
        return n

    # -- reading ----------------------------------------------------------------------------

    def _sync(self, con: sqlite3.Connection) -> None:
        """Index the records on disk that the index lacks (a crash between writing a
        record and indexing it, or records copied in by hand)."""
        try:
            names = {e.name for e in os.scandir(self.runs_dir) if e.name.endswith(".json")
                     and not e.name.startswith(".")}
        except (FileNotFoundError, NotADirectoryError):
            return
        indexed = {Path(r[0]).name for r in con.execute("SELECT path FROM runs")}
        missing = names - indexed
        rows = []
        for name in sorted(missing):
            p = self.runs_dir / name
            try:
                rec = self.read(p)
            except RecordError as e:
                self._skip(p, e.reason)
                continue
            rows.append(self._row(rec, f"runs/{name}"))
        if rows:
            self._insert(rows, con)
            log.info("indexed %d result record(s) the index lacked", len(rows))

    def records(self, *, omit: Iterable[str] = (), **filters: Any) -> list[dict[str, Any]]:
        """Valid records matching ``filters`` (dataset=, pipeline=, embedder=,
        detector=...); bad ones are skipped with a warning and counted in
        :attr:`skipped`. ``omit`` names top-level fields to leave out of the returned
        records once each is validated (a leaderboard needs no training history: about
        half of a record's memory)."""
        for k in filters:
            if k not in _FILTERS:
                raise FakebenchError(f"cannot filter results by {k!r}", hint="filters: " + ", ".join(_FILTERS))
        self._reset_skipped()
        if not self.root.exists():
            return []
        self._check_root()
        fresh = False
        if not self.db_path.exists() and self.runs_dir.is_dir():
            self.rebuild(quarantine=False)
            fresh = True
        con = self._connect()
        try:
            try:
                if not fresh:
                    self._sync(con)
                where, args = [], []
                for k, v in filters.items():
                    if v is None:
                        continue
                    values = list(v) if isinstance(v, (list, tuple, set)) else [v]
                    where.append(f"{k} IN ({','.join('?' * len(values))})")
                    args.extend(values)
                sql = "SELECT path FROM runs" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY created"
                paths = [r[0] for r in con.execute(sql, args)]
            except sqlite3.DatabaseError as e:
                raise FakebenchError(f"results index {str(self.db_path)!r} is unreadable: {e}",
                                     hint="run `fakebench results rebuild` to rebuild it from the JSON records"
                                     ) from None
        finally:
            con.close()
        out = []
        stamps = self._stamps()
        new_stamps: list[tuple[str, int, int]] = []
        runs_inside = self._runs_dir_inside()
        runs_dir = str(self.runs_dir)
        omit = tuple(omit)
        with bulk_objects():  # thousands of parsed records: no cyclic-GC passes over them (22% of the time)
            self._read_all(paths, stamps, new_stamps, runs_inside, runs_dir, omit, out)
        self._summarise_skipped("skipped")
        if new_stamps:
            self._save_stamps(new_stamps)
        return out

    def _read_all(self, paths: list[str], stamps: dict[str, tuple[int, int]], new_stamps: list[tuple[str, int, int]],
                  runs_inside: bool, runs_dir: str, omit: tuple[str, ...], out: list[dict[str, Any]]) -> None:
        for rel in paths:
            name = rel[5:] if rel.startswith("runs/") else ""
            plain = runs_inside and name and "/" not in name and "\\" not in name and not name.startswith(".") \
                and name.endswith(".json") and "\x00" not in name
            try:
                p = os.path.join(runs_dir, name) if plain else self.inside(rel, "index entry")
            except FakebenchError:
                self._skip(rel, "the index points outside the store (run `fakebench results rebuild`)")
                continue
            try:
                rec, stamp = self._read_stamped(p, plain, stamps.get(rel))
            except FileNotFoundError:
                continue
            except RecordError as e:
                self._skip(Path(p), e.reason)
                continue
            if stamp is not None:
                new_stamps.append((rel, *stamp))
            for key in omit:
                rec.pop(key, None)
            out.append(rec)

    # -- validated-file stamps: a record unchanged since it was validated is not validated again

    def _runs_dir_inside(self) -> bool:
        """Whether ``runs/`` itself resolves inside the store (then a plain file name in it,
        opened without following a symlink, cannot lead outside)."""
        try:
            return self.runs_dir.resolve().is_relative_to(self.root.resolve())
        except OSError:
            return False

    def _stamps(self) -> dict[str, tuple[int, int]]:
        """``{path: (size, mtime_ns)}`` of the record files validated before, as they were."""
        try:
            con = self._connect()
        except FakebenchError:
            return {}
        try:
            con.execute("CREATE TABLE IF NOT EXISTS validated (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER)")
            return {r[0]: (r[1], r[2]) for r in con.execute("SELECT path, size, mtime_ns FROM validated")}
        except sqlite3.Error:
            return {}
        finally:
            con.close()

    def _save_stamps(self, rows: list[tuple[str, int, int]]) -> None:
        """Remember validated files (best effort: a read-only store only validates again)."""
        try:
            con = self._connect()
        except FakebenchError:
            return
        try:
            con.execute("CREATE TABLE IF NOT EXISTS validated (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER)")
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT OR REPLACE INTO validated VALUES (?, ?, ?)", rows)
            con.execute("COMMIT")
        except sqlite3.Error:
            pass
        finally:
            con.close()

    def _read_stamped(self, path: "Path | str", no_follow: bool, stamp: tuple[int, int] | None
                      ) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """The record in ``path``, validated unless its file is byte-for-byte the one
        validated before (same size and mtime, read through the same open file); also the
        stamp to remember when it was validated now."""
        flags = os.O_RDONLY | (getattr(os, "O_NOFOLLOW", 0) if no_follow else 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise
        except OSError as e:
            if no_follow and e.errno == errno.ELOOP:  # a symlink: allowed when it stays inside the store
                try:
                    target = self.inside(f"runs/{os.path.basename(path)}", "index entry")
                except FakebenchError:
                    raise RecordError(f"{path}: a symlink leading outside the results store",
                                      reason="a symlink leading outside the store") from None
                return self._read_stamped(target, False, None)[0], None
            raise RecordError(f"{path}: unreadable ({e.strerror or e})", reason=f"unreadable ({e.strerror or e})")
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            raw = f.read()
        now = (st.st_size, st.st_mtime_ns)
        data = self._parse(path, raw)
        if stamp is not None and tuple(stamp) == now and isinstance(data, dict):
            name = os.path.basename(path)
            if data.get("run_id") != name[:-5] or not name.endswith(".json"):  # cheap; the index is keyed by it
                self.check(data, where=str(path), path=Path(path))
            return data, None
        self.check(data, where=str(path), path=Path(path))
        return data, now

    def scores(self, record: dict[str, Any]) -> list[dict[str, str]]:
        """The per-clip rows of a record's scores file; :class:`ScoresError` (an
        ``OSError`` and a ``FakebenchError``) when it is missing, unreadable or outside
        the store."""
        rel = record.get("scores_file")
        if not rel:
            return []
        run = record.get("run_id")
        try:
            path = self.inside(str(rel), f"the scores file of run {run!r}")
        except FakebenchError as e:
            raise ScoresError(e.message, hint=e.hint) from None
        try:
            with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
                return list(csv.DictReader(f))
        except FileNotFoundError:
            raise ScoresError(f"the scores file {str(path)!r} of run {run!r} does not exist",
                              hint="restore it, or delete the record") from None
        except (OSError, EOFError, UnicodeDecodeError, csv.Error, gzip.BadGzipFile) as e:
            raise ScoresError(f"the scores file {str(path)!r} of run {run!r} is unreadable: {e}",
                              hint="restore it, or delete the record") from None

    def model_path(self, run_id: str) -> Path:
        if not run_id or "/" in run_id or "\\" in run_id or run_id.startswith(".") or "\x00" in run_id:
            raise FakebenchError(f"{run_id!r} is not a run id", hint="see `fakebench results list`")
        return self.models_dir / f"{run_id}.pt"


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in a result record")
