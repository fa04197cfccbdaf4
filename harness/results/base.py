"""What the results store needs without pydantic: the schema name and the error of a
record that cannot be used. The pydantic models (:mod:`fakebench.results.schema`) are
imported only when a record is validated: a leaderboard over records validated before
(unchanged files) never imports pydantic."""

from __future__ import annotations

from ..errors import FakebenchError

#: The schema written by this version; records name it in their ``schema`` field.
SCHEMA_NAME = "fakebench.result"
SCHEMA_VERSION = 1
SCHEMA = f"{SCHEMA_NAME}/{SCHEMA_VERSION}"

#: The largest integer the SQLite index holds.
MAX_INDEX_INT = 2**63 - 1


class RecordError(FakebenchError):
    """A result record that cannot be used; ``reason`` is one line."""

    def __init__(self, message: str, *, reason: str = "", newer: bool = False, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.reason = reason or message
        self.newer = newer
