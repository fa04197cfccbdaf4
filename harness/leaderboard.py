"""Leaderboards, rendered from stored result records only.

Runs that differ only in their seed share a ``group_key``; a leaderboard row is one
group, with each metric as mean ± std over its seeds (sample std, n-1) and the number
of runs. Fractions flagged ``percent`` are shown as percentages.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import OrderedDict, defaultdict
from typing import Any, Sequence

DEFAULT_METRICS = ("accuracy", "eer", "f1")


def group_records(records: Sequence[dict[str, Any]]) -> "OrderedDict[str, list[dict[str, Any]]]":
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for r in records:
        groups.setdefault(r.get("group_key") or r["run_id"], []).append(r)
    return groups


def summarize(values: Sequence[float]) -> tuple[float, float | None]:
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


def metric_columns(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None) -> list[str]:
    if metrics:
        return list(metrics)
    present = []
    for r in records:
        for m in r.get("metrics", {}):
            if m not in present:
                present.append(m)
    ordered = [m for m in DEFAULT_METRICS if m in present] + [m for m in present if m not in DEFAULT_METRICS]
    return ordered


def table(records: Sequence[dict[str, Any]], metrics: Sequence[str] | None = None
          ) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows (dicts of raw numbers) of the leaderboard."""
    cols = metric_columns(records, metrics)
    rows = []
    for key, recs in group_records(records).items():
        first = recs[0]
        train = (first.get("train_dataset") or {}).get("name")
        row: dict[str, Any] = {
            "dataset": first["dataset"]["name"] + (f" (trained on {train})" if train else ""),
            "protocol": first["dataset"].get("protocol") or "",
            "pipeline": first["pipeline"]["name"],
            "runs": len(recs),
            "group_key": key,
        }
        for m in cols:
            vals = [r["metrics"][m] for r in recs if r.get("metrics", {}).get(m) is not None]
            info = next((r.get("metric_info", {}).get(m) for r in recs if r.get("metric_info", {}).get(m)), {}) or {}
            if vals:
                mean, std = summarize(vals)
                row[m] = {"mean": mean, "std": std, "n": len(vals), "percent": bool(info.get("percent")),
                          "higher_is_better": info.get("higher_is_better", True)}
            else:
                row[m] = None
        rows.append(row)
    if cols:
        first_metric = cols[0]

        def sort_key(r):
            cell = r.get(first_metric)
            if cell is None:
                return (r["dataset"], 1, 0.0)
            sign = -1 if cell["higher_is_better"] else 1
            return (r["dataset"], 0, sign * cell["mean"])

        rows.sort(key=sort_key)
    return cols, rows


def _fmt(cell: dict[str, Any] | None, digits: int = 2, plus_minus: str = " ± ") -> str:
    if cell is None:
        return "–"
    scale = 100.0 if cell["percent"] else 1.0
    text = f"{cell['mean'] * scale:.{digits}f}"
    if cell["std"] is not None:
        text += f"{plus_minus}{cell['std'] * scale:.{digits}f}"
    return text


def render(records: Sequence[dict[str, Any]], fmt: str = "markdown", metrics: Sequence[str] | None = None,
           digits: int = 2) -> str:
    """The leaderboard as ``markdown`` or ``csv`` text."""
    cols, rows = table(records, metrics)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        header = ["dataset", "protocol", "pipeline", "runs"]
        for m in cols:
            header += [f"{m}_mean", f"{m}_std"]
        w.writerow(header)
        for r in rows:
            line = [r["dataset"], r["protocol"], r["pipeline"], r["runs"]]
            for m in cols:
                cell = r[m]
                line += ["", ""] if cell is None else [repr(cell["mean"]), "" if cell["std"] is None else repr(cell["std"])]
            w.writerow(line)
        return buf.getvalue()
    if fmt == "markdown":
        from tabulate import tabulate

        headers = ["dataset", "protocol", "pipeline", "runs"] + [_header(m, rows) for m in cols]
        body = [[r["dataset"], r["protocol"], r["pipeline"], r["runs"]] + [_fmt(r[m], digits) for m in cols]
                for r in rows]
        return tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)
    from .errors import ConfigError

    raise ConfigError(f"unknown leaderboard format {fmt!r}", hint="use markdown or csv")


def _header(metric: str, rows: list[dict[str, Any]]) -> str:
    cell = next((r[metric] for r in rows if r.get(metric)), None)
    if cell is None:
        return metric
    arrow = "↑" if cell["higher_is_better"] else "↓"
    return f"{metric} (%) {arrow}" if cell["percent"] else f"{metric} {arrow}"
