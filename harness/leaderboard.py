"""Leaderboards, rendered from stored result records only.

Runs that differ only in their seed share a ``group_key``; a leaderboard row is one
group, with each metric as mean ± std over its seeds (sample std, n-1) and the number
of runs. Fractions flagged ``percent`` are shown as percentages.

Significance: within each dataset, the best row of every metric is shown in bold, and
a row whose per-seed values differ from the best row's by a two-sided Mann-Whitney U
test at ``alpha`` (default 0.05) carries :data:`MARKER` ("significantly worse than the
best"). The ``p`` column gives that test's p-value on the sort metric. The test needs at
least 4 seeds on each side to reach p < 0.05 (5 vs 5: p >= 0.0079).

This module is the table model only: every table is built as a :class:`Grid` (columns +
rows of text or metric cells) from records. Rendering is :mod:`fakebench.report`
(Markdown, CSV and LaTeX in :mod:`fakebench.report.text`; HTML with plots in
:mod:`fakebench.report.html`). Besides the main table there are pivots
(:func:`pivot_grid`: e.g. rows = pipelines, columns = datasets, one metric) and the
cross-dataset train -> test matrix (:func:`cross_grids`).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from .errors import ConfigError
from .stats import mann_whitney, mean_std, significance_marker

#: The columns shown when no --metric is given (``--metric all`` shows every metric).
DEFAULT_METRICS = ("accuracy", "eer", "f1", "roc_auc")
#: Significance level of the U test against the best row, and the marker it sets.
ALPHA = 0.05
MARKER = "*"
#: Row/column keys of pivots.
PIVOT_KEYS = ("pipeline", "dataset", "train", "embedder", "detector", "protocol", "condition")


def group_records(records: Sequence[dict[str, Any]]) -> "OrderedDict[str, list[dict[str, Any]]]":
    """Records by configuration (``group_key``), one per seed: when a seed was run more
    than once, only its latest record counts, so re-running never inflates n."""
    groups: OrderedDict[str, dict[Any, dict[str, Any]]] = OrderedDict()
    for r in sorted(records, key=lambda r: (r.get("created") or "", r["run_id"])):
        seed_key = (r.get("seed"), r["dataset"]["name"]) if r.get("seed") is not None else r["run_id"]
        groups.setdefault(r.get("group_key") or r["run_id"], {})[seed_key] = r
    order = OrderedDict()
    for r in records:  # keep the caller's group order
        key = r.get("group_key") or r["run_id"]
        if key not in order:
            order[key] = sorted(groups[key].values(), key=lambda r: (r.get("seed") is None, r.get("seed") or 0))
    return order


def summarize(values: Sequence[float]) -> tuple[float, float | None]:
    return mean_std(values)


def metric_columns(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None) -> list[str]:
    """The metric columns: those asked for; every one present for ``all``; otherwise the
    headline set (:data:`DEFAULT_METRICS`) present in the records."""
    present = []
    for r in records:
        for m in r.get("metrics", {}):
            if m not in present:
                present.append(m)
    ordered = [m for m in DEFAULT_METRICS if m in present] + [m for m in present if m not in DEFAULT_METRICS]
    if metrics and list(metrics) != ["all"]:
        return list(metrics)
    if metrics or not any(m in present for m in DEFAULT_METRICS):
        return ordered
    return [m for m in DEFAULT_METRICS if m in present]


# -- record fields --------------------------------------------------------------------------


def train_name(rec: dict[str, Any]) -> str:
    return (rec.get("train_dataset") or {}).get("name") or rec["dataset"]["name"]


def field_of(rec: dict[str, Any], key: str) -> str:
    """A pivot key of a record: pipeline, dataset (the test set), train, embedder..."""
    if key == "pipeline":
        return rec["pipeline"]["name"]
    if key == "dataset":
        return rec["dataset"]["name"]
    if key == "train":
        return train_name(rec)
    if key == "embedder":
        return (rec["pipeline"].get("embedder") or {}).get("name") or "–"
    if key == "detector":
        return rec["pipeline"]["detector"]["name"]
    if key == "protocol":
        return rec["dataset"].get("protocol") or "–"
    if key == "condition":
        return rec.get("condition") or "clean"
    raise ConfigError(f"cannot pivot on {key!r}", hint="use one of: " + ", ".join(PIVOT_KEYS))


def dataset_label(rec: dict[str, Any]) -> str:
    """The test set as a leaderboard shows it: its name, the training set of a cross-dataset
    run, and the robustness condition when it is not clean."""
    train = (rec.get("train_dataset") or {}).get("name")
    cond = rec.get("condition") or "clean"
    return (rec["dataset"]["name"] + (f" (trained on {train})" if train else "")
            + (f" [{cond}]" if cond != "clean" else ""))


def _cell(recs: Sequence[dict[str, Any]], metric: str) -> dict[str, Any] | None:
    vals = []
    info = None
    for r in recs:
        v = (r.get("metrics") or {}).get(metric)
        if v is not None:
            vals.append(v)
        if info is None:
            info = (r.get("metric_info") or {}).get(metric) or None
    info = info or {}
    if not vals:
        return None
    mean, std = mean_std(vals)
    return {"mean": mean, "std": std, "n": len(vals), "values": vals, "percent": bool(info.get("percent")),
            "higher_is_better": info.get("higher_is_better", True), "best": False, "p": None, "sig": False}


def mark_significance(cells: Sequence[dict[str, Any] | None], alpha: float = ALPHA) -> None:
    """Mark the best of ``cells`` (compared with each other) and U-test the others
    against it; sets ``best``, ``p`` and ``sig`` in place. Fewer than two cells: no marks."""
    present = [c for c in cells if c is not None]
    if len(present) < 2:
        return
    sign = 1 if present[0]["higher_is_better"] else -1
    best = max(present, key=lambda c: sign * c["mean"])
    best["best"] = True
    for c in present:
        if c is best:
            continue
        if len(c["values"]) >= 2 and len(best["values"]) >= 2:
            c["p"] = mann_whitney(c["values"], best["values"]).p
            c["sig"] = significance_marker(c["p"], alpha)


def table(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None = None, sort_by: str | None = None,
          alpha: float = ALPHA) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows (dicts of raw numbers) of the leaderboard.

    Rows are sorted by dataset, then best first on ``sort_by`` (default: the first
    metric column). Metric cells hold mean, std, n, the per-seed ``values`` and the
    significance marks of :func:`mark_significance` within the dataset.
    """
    cols = metric_columns(records, metrics)
    labels = pipeline_labels(records)
    rows = []
    for key, recs in group_records(records).items():
        first = recs[0]
        row: dict[str, Any] = {
            "dataset": dataset_label(first),
            "protocol": first["dataset"].get("protocol") or "",
            "pipeline": labels[first["run_id"]],
            "runs": len(recs),
            "group_key": key,
            "train": train_name(first),
            "test": first["dataset"]["name"],
            "embedder": field_of(first, "embedder"),
            "detector": field_of(first, "detector"),
            "seeds": sorted(r.get("seed") for r in recs if r.get("seed") is not None),
            "records": recs,
        }
        for m in cols:
            row[m] = _cell(recs, m)
        rows.append(row)
    primary = sort_by or (cols[0] if cols else None)
    if primary is not None and primary not in cols:
        raise ConfigError(f"cannot sort by {primary!r}: it is not a column", hint="columns: " + ", ".join(cols))
    by_dataset: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_dataset[r["dataset"]].append(r)
    for group in by_dataset.values():
        for m in cols:
            mark_significance([r[m] for r in group], alpha)
    if primary is not None:

        def sort_key(r):
            cell = r.get(primary)
            if cell is None:
                return (r["dataset"], 1, 0.0)
            sign = -1 if cell["higher_is_better"] else 1
            return (r["dataset"], 0, sign * cell["mean"])

        rows.sort(key=sort_key)
    for r in rows:
        cell = r.get(primary) if primary else None
        r["p"] = None if cell is None else ("best" if cell["best"] else cell["p"])
        r["sort_metric"] = primary
    return cols, rows


def _setup(rec: dict[str, Any]) -> dict[str, str]:
    """What distinguishes runs of one pipeline: detector parameters (not the seed),
    the clip-length policy, the threshold policy and the embedder's own settings."""
    import json

    pipe = rec["pipeline"]
    out = {k: json.dumps(v) for k, v in (pipe["detector"].get("params") or {}).items() if k != "random_state"}
    out["length"] = str(pipe.get("length"))
    out["threshold"] = str(rec.get("threshold_source") or "detector")
    for k, v in (pipe.get("embedder") or {}).items():
        if k not in ("name", "description"):
            out[f"embedder.{k}"] = json.dumps(v, sort_keys=True, default=str)
    return out


def pipeline_labels(records: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Run id -> pipeline label. Runs of one pipeline name that differ in set-up get the
    differing settings in their label: ``sfx-mlp (hidden=[64])``."""
    import json

    setups: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    # runs of one group share their set-up (the group key hashes it; the seed is left out
    # of both): one _setup per group, not per record (5,000 records: 0.25 -> 0.05 s)
    by_group: dict[Any, dict[str, str]] = {}

    def setup_of(r: dict[str, Any]) -> dict[str, str]:
        key = (r.get("group_key"), r["pipeline"]["name"]) if r.get("group_key") else ("run", r["run_id"])
        su = by_group.get(key)
        if su is None:
            su = by_group[key] = _setup(r)
        return su

    for r in records:
        su = setup_of(r)
        setups[r["pipeline"]["name"]][json.dumps(su, sort_keys=True)] = su
    labels = {}
    for r in records:
        name = r["pipeline"]["name"]
        variants = list(setups[name].values())
        if len(variants) < 2:
            labels[r["run_id"]] = name
            continue
        mine = setup_of(r)
        keys = sorted({k for v in variants for k in v if len({v.get(k) for v in variants}) > 1})
        labels[r["run_id"]] = f"{name} (" + ", ".join(f"{k}={mine.get(k, '–')}" for k in keys) + ")"
    return labels


# -- grids ----------------------------------------------------------------------------------


@dataclass
class Column:
    key: str      # machine name (CSV header)
    label: str    # display header
    metric: bool = False


@dataclass
class Grid:
    """A table ready to render: text cells, or metric cells (dicts from :func:`table`)."""

    columns: list[Column]
    rows: list[list[Any]]
    title: str = ""
    notes: list[str] = field(default_factory=list)
    breaks: set[int] = field(default_factory=set)   # row indices that start a new section


def metric_header(metric: str, cell: dict[str, Any] | None) -> str:
    if cell is None:
        return metric
    arrow = "↑" if cell["higher_is_better"] else "↓"
    return f"{metric} (%) {arrow}" if cell["percent"] else f"{metric} {arrow}"


def _first_cell(cells: Any) -> dict[str, Any] | None:
    return next((c for c in cells if c), None)


def _notes(alpha: float, primary: str | None, with_p: bool) -> list[str]:
    notes = ["Mean ± sample standard deviation over seeds (runs = number of seeds)."]
    if with_p:
        notes.append(f"Bold: best of its dataset. {MARKER}: significantly worse than the best (two-sided "
                     f"Mann-Whitney U test over seeds, α = {alpha:g})."
                     + (f" p: that test's p-value on {primary}." if primary else ""))
    return notes


def table_grid(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None = None, sort_by: str | None = None,
               alpha: float = ALPHA, title: str = "") -> Grid:
    cols, rows = table(records, metrics, sort_by, alpha)
    with_p = any(r["p"] is not None for r in rows)
    columns = [Column("dataset", "dataset"), Column("protocol", "protocol"), Column("pipeline", "pipeline"),
               Column("runs", "runs")]
    columns += [Column(m, metric_header(m, _first_cell(r[m] for r in rows)), metric=True) for m in cols]
    primary = rows[0]["sort_metric"] if rows else None
    if with_p:
        columns.append(Column(f"{primary}_p_vs_best", f"p ({primary})"))
    body, breaks, last = [], set(), None
    for i, r in enumerate(rows):
        line = [r["dataset"], r["protocol"], r["pipeline"], r["runs"]] + [r[m] for m in cols]
        if with_p:
            line.append(r["p"])
        if r["dataset"] != last and i:
            breaks.add(i)
        last = r["dataset"]
        body.append(line)
    return Grid(columns, body, title=title, notes=_notes(alpha, primary, with_p), breaks=breaks)


def pivot_grid(records: Sequence[dict[str, Any]], metric: str, rows_key: str = "pipeline", cols_key: str = "dataset",
               alpha: float = ALPHA, title: str = "") -> Grid:
    """One metric, rows = ``rows_key`` values, columns = ``cols_key`` values; the best
    row of each column is bold and the others are U-tested against it."""
    if records:  # unknown keys fail here, with the list of valid ones
        field_of(records[0], rows_key), field_of(records[0], cols_key)
    cells: dict[tuple[str, str], list[dict[str, Any]]] = {}
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    row_vals: list[str] = []
    col_vals: list[str] = []
    labels = pipeline_labels(records)
    for rec in records:
        rv, cv = field_of(rec, rows_key), field_of(rec, cols_key)
        rv = labels[rec["run_id"]] if rows_key == "pipeline" else rv
        cv = labels[rec["run_id"]] if cols_key == "pipeline" else cv
        if cols_key == "dataset" and rows_key != "train" and rec.get("train_dataset"):
            cv = dataset_label(rec)
        cells.setdefault((rv, cv), []).append(rec)
        groups[(rv, cv)].add(rec.get("group_key") or rec["run_id"])
        if rv not in row_vals:
            row_vals.append(rv)
        if cv not in col_vals:
            col_vals.append(cv)
    clash = [k for k, g in groups.items() if len(g) > 1]
    if clash:
        rv, cv = clash[0]
        raise ConfigError(f"the pivot {rows_key}:{cols_key} mixes {len(groups[clash[0]])} different set-ups in the "
                          f"cell ({rv}, {cv}) (other protocols, parameters or thresholds)",
                          hint="narrow the records with --dataset/--pipeline/--detector, or pivot on other keys")
    # a re-run seed counts once (its latest record), as in the main table
    grid_cells = {k: _cell([r for recs in group_records(v).values() for r in recs], metric) for k, v in cells.items()}

    def recs_of(rv: str) -> list[dict[str, Any]]:
        return [r for (r_, _), v in cells.items() if r_ == rv for recs in group_records(v).values() for r in recs]

    def row_order(rv: str) -> tuple[int, float]:  # best on average first, rows with gaps last
        present = [c for c in (grid_cells.get((rv, cv)) for cv in col_vals) if c is not None]
        if not present:
            return (len(col_vals), 0.0)
        sign = -1 if present[0]["higher_is_better"] else 1
        return (len(col_vals) - len(present), sum(sign * c["mean"] for c in present) / len(present))

    if rows_key == "train" and cols_key == "dataset":  # a train -> test matrix: same order, diagonal
        row_vals.sort()
        col_vals.sort()
    else:
        row_vals.sort(key=row_order)
    for cv in col_vals:
        mark_significance([grid_cells.get((rv, cv)) for rv in row_vals], alpha)
    head = _first_cell(grid_cells.values())
    columns = [Column(rows_key, f"{rows_key} \\ {cols_key}")]
    if cols_key == "condition" and "clean" in col_vals:  # clean first, then the degradation columns
        col_vals = ["clean"] + [cv for cv in col_vals if cv != "clean"]
    columns += [Column(cv, cv, metric=True) for cv in col_vals]
    body = [[rv] + [grid_cells.get((rv, cv)) for cv in col_vals] for rv in row_vals]
    if cols_key == "dataset" and metric == "eer":  # Speech DF Arena's columns: pooled and average EER
        pooled = {rv: _pooled_cells(recs_of(rv)) for rv in row_vals}
        if any(c is not None for cells_ in pooled.values() for c in cells_):
            columns += [Column("pooled_eer", "pooled EER", metric=True), Column("average_eer", "average EER", metric=True)]
            for line, rv in zip(body, row_vals):
                line += pooled[rv]
            for i in (-2, -1):
                mark_significance([line[i] for line in body], alpha)
    if cols_key == "condition" and "clean" in col_vals and len(col_vals) > 1:
        columns += [Column("delta_mean", "Δ vs clean (mean)", metric=True),
                    Column("delta_worst", "Δ vs clean (worst)", metric=True)]
        for line, rv in zip(body, row_vals):
            line += degradation([grid_cells.get((rv, cv)) for cv in col_vals])
    with_marks = any(c is not None and (c["best"] or c["p"] is not None) for c in grid_cells.values())
    notes = [f"{metric_header(metric, head)}: mean ± std over seeds."] + [
        n.replace("Bold: best of its dataset", "Bold: best of its column") for n in _notes(alpha, None, with_marks)[1:]]
    return Grid(columns, body, title=title or f"{metric} by {rows_key} and {cols_key}", notes=notes)


def _pooled_cells(records: Sequence[dict[str, Any]]) -> list[dict[str, Any] | None]:
    """Pooled and average EER (mean ± std over seeds) of the cross-dataset runs among
    ``records`` (their ``test_group``, one per seed and run)."""
    groups: dict[Any, dict[str, Any]] = {}
    for r in records:
        g = r.get("test_group")
        if g and "pooled_eer" in g:
            groups[(r.get("run_group"), r.get("seed"))] = g
    if not groups:
        return [None, None]
    out = []
    for key in ("pooled_eer", "average_eer"):
        vals = [g[key] for g in groups.values()]
        mean, std = mean_std(vals)
        out.append({"mean": mean, "std": std, "n": len(vals), "values": vals, "percent": True,
                    "higher_is_better": False, "best": False, "p": None, "sig": False})
    return out


def degradation(cells: Sequence[dict[str, Any] | None]) -> list[dict[str, Any] | None]:
    """The change of each condition against clean (``cells[0]``), as two cells: the mean
    change over the conditions and the worst one (in the metric's bad direction)."""
    clean, others = cells[0], [c for c in cells[1:] if c is not None]
    if clean is None or not others:
        return [None, None]
    deltas = [c["mean"] - clean["mean"] for c in others]
    worst = min(deltas) if clean["higher_is_better"] else max(deltas)

    def cell(v: float) -> dict[str, Any]:
        return {"mean": v, "std": None, "n": len(others), "values": [], "percent": clean["percent"],
                "higher_is_better": clean["higher_is_better"], "best": False, "p": None, "sig": False, "delta": True}

    return [cell(sum(deltas) / len(deltas)), cell(worst)]


def cross_grids(records: Sequence[dict[str, Any]], metric: str, alpha: float = ALPHA) -> list[Grid]:
    """The cross-dataset matrix, one per pipeline set-up: rows = training dataset,
    columns = test dataset (the diagonal is in-domain). Only set-ups with at least one
    record of a cross-dataset run (``train_dataset`` set) get a matrix; runs of one
    pipeline that differ in set-up (parameters, threshold policy...) get one each."""
    labels = pipeline_labels(records)
    by_setup: "OrderedDict[str, list[dict[str, Any]]]" = OrderedDict()
    for rec in records:
        by_setup.setdefault(labels[rec["run_id"]], []).append(rec)
    grids = []
    for label, recs in by_setup.items():
        if not any(r.get("train_dataset") for r in recs):
            continue
        g = pivot_grid(recs, metric, "train", "dataset", alpha, title=f"{label}: {metric}, train (rows) → test (columns)")
        g.columns[0].label = "train \\ test"
        g.notes = [n.replace("Bold: best of its column", "Bold: best training set for that test set") for n in g.notes]
        grids.append(g)
    return grids


def build_grids(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None = None, sort_by: str | None = None,
                alpha: float = ALPHA, pivot: str | None = None, cross: bool = False) -> list[Grid]:
    if pivot or cross:
        metric = (list(metrics) or ["eer"])[0] if metrics else (sort_by or "eer")
        if cross:
            grids = cross_grids(records, metric, alpha)
            if not grids:
                raise ConfigError("no cross-dataset results to show",
                                  hint="run with --train-dataset A --dataset A,B first")
            return grids
        rows_key, _, cols_key = pivot.partition(":")
        if not cols_key:
            raise ConfigError(f"--pivot {pivot!r} must be ROWS:COLS", hint="e.g. --pivot pipeline:dataset")
        return [pivot_grid(records, metric, rows_key.strip(), cols_key.strip(), alpha)]
    return [table_grid(records, metrics, sort_by, alpha)]
