"""The result record, as pydantic models: what ``fakebench.records.build_record`` and the
runner write, checked when a record is added, indexed and read.

Only what identifies a record is required: ``schema``, ``run_id``, ``dataset.name``,
``pipeline.name``, ``pipeline.detector.name`` and ``metrics``. Every other field is
optional (records written by older code, or built by hand in tests, lack some), but a
field that is present must have its type: a metric is a number or null (never the text
``"0.9"``), a seed a non-negative integer below 2**63 (what the index can hold), a count
an integer... Unknown fields are kept (a newer minor version may add some; the schema
*version* is what says a record cannot be read). Validation is strict: nothing is
coerced, so what passes is exactly what the leaderboards will compute on.

:func:`check_record` is the one entry point: it returns the parsed model or raises
:class:`RecordError` with a one-line reason; :func:`schema_version` tells a newer
record (refused by name, never averaged in) from a foreign or broken one.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .base import MAX_INDEX_INT, SCHEMA, SCHEMA_NAME, SCHEMA_VERSION, RecordError  # noqa: F401 (re-exported)

Number = Union[int, float]
_SAFE_ID = re.compile(r"^[^/\\\x00]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Counts(_Model):
    n: int = Field(ge=0)
    real: int = Field(ge=0)
    fake: int = Field(ge=0)


class DatasetInfo(_Model):
    name: str = Field(min_length=1)
    protocol: Optional[str] = None
    params: Optional[dict[str, Any]] = None
    fingerprint: Optional[str] = None
    counts: Optional[dict[str, Counts]] = None
    part: Optional[str] = None


class TrainDatasetInfo(_Model):
    name: str = Field(min_length=1)
    protocol: Optional[str] = None
    fingerprint: Optional[str] = None
    counts: Optional[dict[str, Counts]] = None


class EmbedderInfo(_Model):
    name: str = Field(min_length=1)
    version: Optional[Union[str, int]] = None
    params: Optional[dict[str, Any]] = None
    weights: Optional[str] = None
    sample_rate: Optional[Number] = None
    dim: Optional[int] = None


class DetectorInfo(_Model):
    name: str = Field(min_length=1)
    version: Optional[Union[str, int]] = None
    params: Optional[dict[str, Any]] = None


class PipelineInfo(_Model):
    name: str = Field(min_length=1)
    embedder: Optional[EmbedderInfo] = None
    detector: DetectorInfo
    length: Optional[str] = None


class MetricInfo(_Model):
    higher_is_better: bool = True
    percent: bool = False


class BreakdownEntry(_Model):
    n: int = Field(ge=0)
    real: Optional[int] = Field(default=None, ge=0)
    fake: Optional[int] = Field(default=None, ge=0)
    accuracy: Optional[Number] = None
    mean_score: Optional[Number] = None
    eer: Optional[Number] = None
    auc: Optional[Number] = None
    bce: Optional[Number] = None


class TrainingInfo(_Model):
    history: Optional[list[Any]] = None
    best_epoch: Optional[int] = None
    reused_fit: Optional[bool] = None


class CalibrationInfo(_Model):
    method: Optional[str] = None
    fitted_on: Optional[str] = None
    scores: Optional[str] = None
    scale: Optional[Number] = None
    offset: Optional[Number] = None
    prior: Optional[Number] = None
    before: Optional[dict[str, Optional[Number]]] = None
    after: Optional[dict[str, Optional[Number]]] = None


class TestGroupInfo(_Model):
    datasets: list[str]
    pooled_eer: Optional[Number] = None
    average_eer: Optional[Number] = None
    eer: Optional[dict[str, Optional[Number]]] = None
    warning: Optional[str] = None


class Record(_Model):
    """One result record (see the module docstring)."""

    schema_: str = Field(alias="schema")
    run_id: str = Field(min_length=1, max_length=255)
    created: Optional[str] = None
    run_group: Optional[str] = None
    group_key: Optional[str] = None
    seed: Optional[int] = Field(default=None, ge=0, le=MAX_INDEX_INT)
    recipe: Optional[str] = None
    condition: Optional[str] = None
    train_condition: Optional[str] = None
    dataset: DatasetInfo
    train_dataset: Optional[TrainDatasetInfo] = None
    pipeline: PipelineInfo
    metrics: dict[str, Optional[Number]]
    metric_info: Optional[dict[str, MetricInfo]] = None
    threshold: Optional[Number] = None
    threshold_source: Optional[str] = None
    scores_are_logits: Optional[bool] = None
    confusion: Optional[list[list[int]]] = None
    breakdowns: Optional[dict[str, dict[str, BreakdownEntry]]] = None
    warnings: Optional[list[str]] = None
    training: Optional[TrainingInfo] = None
    timings: Optional[dict[str, Optional[Number]]] = None
    extraction: Optional[dict[str, dict[str, Any]]] = None
    environment: Optional[dict[str, Any]] = None
    options: Optional[dict[str, Any]] = None
    calibration: Optional[CalibrationInfo] = None
    test_group: Optional[TestGroupInfo] = None
    model_file: Optional[str] = None
    scores_file: Optional[str] = None

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    @field_validator("run_id")
    @classmethod
    def _run_id(cls, v: str) -> str:
        if not _SAFE_ID.match(v) or v.startswith(".") or v != v.strip():
            raise ValueError("must be a file name: no '/', '\\', NUL, leading dot or surrounding blanks")
        return v

    @field_validator("scores_file", "model_file")
    @classmethod
    def _relative(cls, v: Optional[str]) -> Optional[str]:
        if v is None:
            return v
        parts = v.replace("\\", "/").split("/")
        if not v or v.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts or "\x00" in v:
            raise ValueError("must be a path inside the store (relative, without '..')")
        return v

    @field_validator("confusion")
    @classmethod
    def _confusion(cls, v):
        if v is not None and (len(v) != 2 or any(len(row) != 2 or min(row) < 0 for row in v)):
            raise ValueError("must be [[TN, FP], [FN, TP]] of non-negative counts")
        return v


def schema_version(value: Any) -> int | None:
    """The version number of a ``schema`` value of ours (``fakebench.result/3`` -> 3);
    None for anything else."""
    if not isinstance(value, str):
        return None
    name, _, version = value.partition("/")
    if name != SCHEMA_NAME or not version.isdigit():
        return None
    return int(version)


_TYPE_TAGS = {"int", "float", "str", "bool", "list", "dict", "none", "is-instance", "function-after",
              "function-before", "function-plain", "union"}
_KINDS = {"int_type": "an integer", "float_type": "a number", "string_type": "text", "bool_type": "true or false",
          "dict_type": "an object", "list_type": "a list", "model_type": "an object", "int_parsing": "an integer",
          "float_parsing": "a number"}


def _first_error(e: ValidationError) -> str:
    """One line for the first problem: where (``metrics.eer``), what was expected, what
    was found."""
    errors = e.errors()
    err = errors[0]
    loc = [str(p) for p in err.get("loc", ()) if str(p).split("[")[0] not in _TYPE_TAGS]
    where = ".".join(loc) or "record"
    # a union reports one error per member: describe the field once
    same = [x for x in errors if [str(p) for p in x.get("loc", ()) if str(p).split("[")[0] not in _TYPE_TAGS] == loc]
    kinds = [_KINDS[x["type"]] for x in same if x.get("type") in _KINDS]
    typed = len(kinds) == len(same)
    if "a number" in kinds:  # int | float: a number
        kinds = [k for k in kinds if k != "an integer"]
    more = len(errors) - len(same)
    extra = f" ({more} more problem(s))" if more > 0 else ""
    got = err.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if err.get("type") == "missing":
        return f"{where} is missing{extra}"
    if kinds and typed:
        expected = " or ".join(dict.fromkeys(kinds))
        return f"{where} must be {expected}, got {shown}{extra}"
    msg = err.get("msg", "invalid").removeprefix("Value error, ")
    return f"{where}: {msg[:1].lower() + msg[1:]}, got {shown}{extra}"


def check_record(data: Any, *, where: str = "record") -> Record:
    """The parsed record, or :class:`RecordError` saying (in one line) why ``data``
    cannot be used; ``RecordError.newer`` is true for a record of a newer schema."""
    if not isinstance(data, dict):
        raise RecordError(f"{where} is not a JSON object", reason=f"not a JSON object (a {type(data).__name__})")
    version = schema_version(data.get("schema"))
    if version is None:
        reason = f"schema {data.get('schema')!r} is not {SCHEMA!r}"
        raise RecordError(f"{where}: {reason}", reason=reason)
    if version > SCHEMA_VERSION:
        reason = f"written with the newer schema {data['schema']!r}; this fakebench reads {SCHEMA!r}"
        raise RecordError(f"{where}: {reason}", reason=reason, newer=True,
                          hint="upgrade fakebench to read it")
    if version < SCHEMA_VERSION:
        reason = f"written with the old schema {data['schema']!r}, which this fakebench no longer reads"
        raise RecordError(f"{where}: {reason}", reason=reason)
    try:
        return Record.model_validate(data)
    except ValidationError as e:
        reason = _first_error(e)
        raise RecordError(f"{where}: {reason}", reason=reason) from None
