"""Result records and the results store.

A run produces one schema-versioned JSON record (:data:`SCHEMA`) and one per-clip scores
file. The store is a folder::

    runs/<run_id>.json        the record (the source of truth)
    scores/<run_id>.csv.gz    id, split, label, score and attributes, one row per clip
    models/<run_id>.pt        the trained detector (optional)
    index.sqlite              an index of the records (WAL), rebuilt from runs/ at will

Records are written atomically (temporary file, then rename) and indexed afterwards, so
a run killed at any point leaves either a whole record or none. Stores from several
machines merge by copying ``runs/`` and ``scores/`` and calling :meth:`ResultStore.rebuild`
(``fakebench results merge``). Leaderboards read only these records.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from .storage import atomic_write_bytes, connect_sqlite
from .errors import FakebenchError

SCHEMA = "fakebench.result/1"
SCORE_COLUMNS = ("id", "split", "label", "score", "class", "system", "speaker", "raw_score")


def default_results_root() -> Path:
    from .paths import results_root

    return results_root()


class ResultStore:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root).expanduser() if root is not None else default_results_root()
        self.runs_dir = self.root / "runs"
        self.scores_dir = self.root / "scores"
        self.models_dir = self.root / "models"
        self.db_path = self.root / "index.sqlite"

    # -- writing ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            con = connect_sqlite(self.db_path)
            con.execute(
                """CREATE TABLE IF NOT EXISTS runs (
                    run_id TEXT PRIMARY KEY, created TEXT, dataset TEXT, train_dataset TEXT,
                    protocol TEXT, pipeline TEXT, embedder TEXT, detector TEXT, seed INTEGER,
                    group_key TEXT, metrics TEXT, path TEXT)"""
            )
        except sqlite3.DatabaseError as e:
            raise FakebenchError(
                f"results index {str(self.db_path)!r} is unreadable: {e}",
                hint="run `fakebench results rebuild` to rebuild it from the JSON records",
            ) from None
        return con

    def add(self, record: dict[str, Any], score_rows: Iterable[dict[str, Any]] | None = None) -> Path:
        """Write the scores file and the record atomically, then index the record."""
        if record.get("schema") != SCHEMA:
            raise FakebenchError(f"record schema {record.get('schema')!r} is not {SCHEMA!r}")
        run_id = record["run_id"]
        if score_rows is not None:
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(SCORE_COLUMNS), extrasaction="ignore")
            w.writeheader()
            for row in score_rows:
                w.writerow(row)
            rel = f"scores/{run_id}.csv.gz"
            atomic_write_bytes(self.root / rel, gzip.compress(buf.getvalue().encode(), mtime=0))
            record["scores_file"] = rel
        path = self.runs_dir / f"{run_id}.json"
        atomic_write_bytes(path, json.dumps(record, indent=2, sort_keys=False, default=_json_default).encode())
        self._index([record])
        return path

    def _index(self, records: Iterable[dict[str, Any]]) -> None:
        rows = [
            (
                r["run_id"], r.get("created"), r["dataset"]["name"],
                (r.get("train_dataset") or {}).get("name") or r["dataset"]["name"],
                r["dataset"].get("protocol"), r["pipeline"]["name"],
                (r["pipeline"].get("embedder") or {}).get("name"), r["pipeline"]["detector"]["name"],
                r.get("seed"), r.get("group_key"), json.dumps(r.get("metrics", {})),
                f"runs/{r['run_id']}.json",
            )
            for r in records
        ]
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            con.execute("COMMIT")
        finally:
            con.close()

    def rebuild(self) -> int:
        """Re-index every record in ``runs/``; returns how many were indexed."""
        records = list(self._read_all())
        if self.db_path.exists():
            for suffix in ("", "-wal", "-shm"):
                p = Path(str(self.db_path) + suffix)
                if p.exists():
                    p.unlink()
        self._index(records)
        return len(records)

    def merge(self, other: str | os.PathLike) -> int:
        """Copy the records and scores of another store into this one; returns the count."""
        other = Path(other)
        if not (other / "runs").is_dir():
            raise FakebenchError(f"{str(other)!r} is not a results store (no runs/ folder)")
        n = 0
        for src in sorted((other / "runs").glob("*.json")):
            rec = json.loads(src.read_text())
            dst = self.runs_dir / src.name
            if not dst.exists():
                self.runs_dir.mkdir(parents=True, exist_ok=True)
                if rec.get("scores_file") and (other / rec["scores_file"]).exists():
                    (self.root / rec["scores_file"]).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(other / rec["scores_file"], self.root / rec["scores_file"])
                atomic_write_bytes(dst, src.read_bytes())
                n += 1
        self.rebuild()
        return n

    # -- reading ------------------------------------------------------------------------

    def _read_all(self) -> Iterator[dict[str, Any]]:
        if not self.runs_dir.is_dir():
            return
        for p in sorted(self.runs_dir.glob("*.json")):
            try:
                rec = json.loads(p.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise FakebenchError(f"result record {str(p)!r} is unreadable: {e}",
                                     hint="delete or restore it, then `fakebench results rebuild`") from None
            if str(rec.get("schema", "")).split("/")[0] == SCHEMA.split("/")[0]:
                yield rec

    def records(self, **filters: Any) -> list[dict[str, Any]]:
        """Records matching ``filters`` (dataset=, pipeline=, embedder=, detector=...)."""
        if not self.root.exists():
            return []
        if not self.db_path.exists() and self.runs_dir.is_dir():
            self.rebuild()
        con = self._connect()
        try:
            where, args = [], []
            for k, v in filters.items():
                if v is None:
                    continue
                if k not in ("dataset", "train_dataset", "protocol", "pipeline", "embedder", "detector", "group_key"):
                    raise FakebenchError(f"cannot filter results by {k!r}")
                values = v if isinstance(v, (list, tuple, set)) else [v]
                where.append(f"{k} IN ({','.join('?' * len(values))})")
                args.extend(values)
            sql = "SELECT path FROM runs" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY created"
            paths = [r[0] for r in con.execute(sql, args)]
        finally:
            con.close()
        out = []
        for rel in paths:
            p = self.root / rel
            if p.exists():
                out.append(json.loads(p.read_text()))
        return out

    def scores(self, record: dict[str, Any]) -> list[dict[str, str]]:
        """The per-clip rows of a record's scores file."""
        rel = record.get("scores_file")
        if not rel:
            return []
        with gzip.open(self.root / rel, "rt", newline="") as f:
            return list(csv.DictReader(f))

    def model_path(self, run_id: str) -> Path:
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
