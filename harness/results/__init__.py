"""Result records and the results store.

A run produces one schema-versioned JSON record (:data:`SCHEMA`) and one per-clip scores
file; the store (:class:`ResultStore`, :mod:`fakebench.results.store`) keeps them with an
SQLite index. The record's shape is :mod:`fakebench.results.schema` (pydantic models):
every record is validated when it is added, indexed and read, so one bad record is
skipped (and quarantined by ``fakebench results rebuild``), never averaged in.
Leaderboards read only these records.
"""

from __future__ import annotations

from typing import Any

from ..storage import atomic_write_bytes
from .base import SCHEMA, RecordError
from .store import SCORE_COLUMNS, ResultStore, ScoresError, default_results_root


def __getattr__(name: str) -> Any:
    """``Record``, ``check_record`` and ``schema_version`` (pydantic) on first use."""
    if name in ("Record", "check_record", "schema_version"):
        from . import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["SCHEMA", "SCORE_COLUMNS", "Record", "RecordError", "ResultStore", "ScoresError", "atomic_write_bytes",
           "check_record", "default_results_root", "schema_version"]
