"""Result records and the results store.

A run produces one schema-versioned JSON record (:data:`SCHEMA`) and one per-clip scores
file; the store (:class:`ResultStore`, :mod:`fakebench.results.store`) keeps them with an
SQLite index. The record's shape is :mod:`fakebench.results.schema` (pydantic models):
every record is validated when it is added, indexed and read, so one bad record is
skipped (and quarantined by ``fakebench results rebuild``), never averaged in.
Leaderboards read only these records.
"""

from __future__ import annotations

from ..storage import atomic_write_bytes
from .schema import SCHEMA, Record, RecordError, check_record, schema_version
from .store import SCORE_COLUMNS, ResultStore, ScoresError, default_results_root

__all__ = ["SCHEMA", "SCORE_COLUMNS", "Record", "RecordError", "ResultStore", "ScoresError", "atomic_write_bytes",
           "check_record", "default_results_root", "schema_version"]
