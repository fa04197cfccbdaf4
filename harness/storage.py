"""Crash-safe files and the SQLite settings every fakebench store uses.

* :func:`atomic_write_bytes`: a temporary file in the same folder, flushed, fsynced and
  renamed into place, so a reader (or a run killed with ``kill -9``) never sees half a
  file;
* :func:`connect_sqlite`: WAL mode with a generous busy timeout, so several processes
  (and machines on a shared filesystem that supports locking) can write one index.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def connect_sqlite(path: Path) -> sqlite3.Connection:
    """A SQLite connection in WAL mode with a generous busy timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con
