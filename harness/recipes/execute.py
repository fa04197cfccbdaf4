"""Running a recipe's plan and comparing fakebench's results with the published values.

:func:`run_plan` runs every planned run through :func:`fakebench.run` (so the embedding
cache, the fit cache and the results store are the usual ones, and each record carries
the recipe's name and the protocol); :func:`compare` turns the records into one
:class:`Row` per ``[[compare]]``; :mod:`fakebench.recipes.report` writes them out.

Statistics: ``mean`` rows are the mean ± sample standard deviation over the runs
(:func:`fakebench.stats.mean_std`); ``best`` rows take the run with the best
``select_by`` metric (the paper's "best-performing run"). A row is *within the paper's
spread* when ``|fakebench - paper|`` is at most the paper's standard deviation
(``paper_std``) or, for a rounded value, half its last digit (``paper_spread``); a U-test
row is within when fakebench's test reaches the same significance verdict.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import FakebenchError
from . import Comparison, Plan, Recipe, fad_table

log = logging.getLogger("fakebench")

#: metrics where lower is better, for picking the best run
LOWER_IS_BETTER = {"eer", "bce", "min_dcf", "act_dcf", "min_tdcf_2019", "min_tdcf_2021", "rtf"}


@dataclass
class Row:
    id: str
    what: str
    source: str
    run: str
    paper: str
    value: str
    diff: str
    within: str
    note: str = ""
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    plan: Plan
    records: dict[str, list[dict]]
    rows: list[Row]
    seconds: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)


# -- running ------------------------------------------------------------------------------


def run_plan(plan: Plan, *, data_root=None, device: str = "auto", cache_dir=None, results_dir=None,
             progress: bool = False, runner: Callable[..., list[dict]] | None = None) -> dict[str, list[dict]]:
    """Run every planned run (all its seeds) with :func:`fakebench.run`; return the
    records by run id. ``recipe=`` is passed when the installed :class:`RunSpec` has it."""
    from ..config import RunSpec

    if runner is None:
        from ..launch import run as runner
    has_recipe = any(f.name == "recipe" for f in dataclasses.fields(RunSpec))
    out: dict[str, list[dict]] = {}
    for r in plan.runs:
        opts = r.options()
        opts.update(data_root=None if data_root is None else str(data_root), device=device, cache_dir=cache_dir,
                    results_dir=results_dir, progress=progress)
        if has_recipe:
            opts["recipe"] = plan.recipe.name
        log.info("recipe %s: run %s (%s on %s, protocol %s, seeds %s)", plan.recipe.name, r.decl.id, r.pipeline,
                 r.dataset, r.protocol, r.seeds)
        dataset, detector = opts.pop("dataset"), opts.pop("detector")
        out[r.decl.id] = runner(dataset=dataset, detector=detector, **opts)
    return out


# -- comparing ----------------------------------------------------------------------------


def _fmt(x: float | None, decimals: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{decimals}f}"


def _better(metric: str):
    return (lambda v: -v) if metric in LOWER_IS_BETTER else (lambda v: v)


def best_record(records: list[dict], metric: str) -> dict:
    """The record with the best ``metric`` (highest, or lowest for error metrics); the
    first on ties."""
    scored = [r for r in records if (r.get("metrics") or {}).get(metric) is not None]
    if not scored:
        raise FakebenchError(f"no record has the metric {metric!r} to pick the best run by")
    key = _better(metric)
    return max(scored, key=lambda r: (key(r["metrics"][metric]), -records.index(r)))


def _values(c: Comparison, records: list[dict]) -> list[float]:
    scale = float(c.get("scale", 1.0))
    kind = c.kind
    out = []
    for rec in records:
        if kind == "metric":
            v = (rec.get("metrics") or {}).get(c.get("metric"))
            if v is None and c.get("metric") not in (rec.get("metrics") or {}):
                raise FakebenchError(f"the run's records have no metric {c.get('metric')!r}",
                                     hint="name it in the run's metrics, or check the metric name")
        elif kind == "breakdown":
            table = (rec.get("breakdowns") or {}).get(c.get("attribute")) or {}
            entry = table.get(str(c.get("value")))
            if entry is None:
                raise FakebenchError(f"no {c.get('attribute')}={c.get('value')!r} in the run's eval breakdown",
                                     hint="values present: " + ", ".join(sorted(table)) if table else None)
            v = entry.get(c.get("field"))
        elif kind == "history":
            v = None
            for h in (rec.get("training") or {}).get("history") or []:
                if h.get("stage") == c.get("stage") and (c.get("split") is None or h.get("split") == c.get("split")):
                    v = h.get(c.get("field"))
            if v is None:
                raise FakebenchError(f"the training history has no {c.get('stage')} entry with {c.get('field')!r}")
        else:
            raise AssertionError(kind)
        if v is not None:
            out.append(float(v) * scale)
    return out


def _within(c: Comparison, value: float | None) -> tuple[str, str]:
    """(verdict, difference text) of ``value`` against the paper."""
    paper = c.paper
    decimals = int(c.get("decimals", 2))
    if paper is None:
        return "no published value", "n/a"
    if value is None:
        return "n/a", "n/a"
    diff = value - paper
    text = f"{diff:+.{decimals}f}"
    if c.get("paper_std") is not None:
        return ("yes" if abs(diff) <= c.get("paper_std") + 1e-12 else "no") + f" (±{c.get('paper_std'):g} std)", text
    if c.get("paper_spread") is not None:
        kind = c.get("spread_kind", "spread")
        return ("yes" if abs(diff) <= c.get("paper_spread") + 1e-12 else "no") + f" (±{c.get('paper_spread'):g} {kind})", text
    return "n/a (no spread published)", text


def _paper_text(c: Comparison) -> str:
    if c.get("paper_text"):
        return str(c.get("paper_text"))
    if c.paper is None:
        return "no published value"
    decimals = int(c.get("decimals", 2))
    text = f"{c.paper:.{decimals}f}" if c.get("kind") != "confusion" else f"{c.paper:g}"
    if c.get("paper_std") is not None:
        text += f" ± {c.get('paper_std'):g}"
    return text


def compare(plan: Plan, records: dict[str, list[dict]], *, store=None, registry=None, device: str = "cpu",
            data_root=None, fad: str | None = None, measure_rtf: bool = True) -> list[Row]:
    """One :class:`Row` per comparison of the recipe whose runs were run; a comparison
    that cannot be computed says why in its row (never an exception)."""
    recipe = plan.recipe
    rows = []
    for c in recipe.comparisons:
        if c.run not in records or (c.get("against") and c.get("against") not in records):
            continue
        try:
            rows.append(_row(recipe, c, records, plan, store=store, registry=registry, device=device,
                             data_root=data_root, fad=fad, measure_rtf=measure_rtf))
        except FakebenchError as e:
            rows.append(Row(c.id, c.what, c.source, c.run, _paper_text(c), "not computed", "n/a", "n/a",
                            note=e.message + (f" ({e.hint})" if e.hint else "")))
    return rows


def _row(recipe: Recipe, c: Comparison, records, plan: Plan, **kw) -> Row:
    recs = records[c.run]
    decimals = int(c.get("decimals", 2))
    note = str(c.get("note", ""))
    if not recs:
        raise FakebenchError("the run produced no records")
    if c.kind in ("metric", "breakdown", "history"):
        stat = c.get("stat", "mean")
        if stat == "best":
            rec = best_record(recs, recipe.select_by)
            vals = _values(c, [rec])
            value = vals[0] if vals else None
            shown = _fmt(value, decimals) + f" (best of {len(recs)} run{'s' if len(recs) > 1 else ''}, seed {rec['seed']})"
            numbers = {"value": value, "seed": rec["seed"], "n": len(recs)}
        else:
            from ..stats import mean_std

            vals = _values(c, recs)
            if not vals:
                raise FakebenchError("the value is undefined in every run (see the records' warnings)")
            mean, std = mean_std(vals)
            value = mean
            shown = _fmt(mean, decimals) + (f" ± {_fmt(std, decimals)}" if std is not None else "") + f" (n={len(vals)})"
            numbers = {"mean": mean, "std": std, "n": len(vals), "values": vals}
        verdict, diff = _within(c, value)
        return Row(c.id, c.what, c.source, c.run, _paper_text(c), shown, diff, verdict, note, numbers)
    if c.kind == "confusion":
        rec = best_record(recs, recipe.select_by)
        cm = rec["confusion"]  # [[TN, FP], [FN, TP]], rows = truth, fake positive
        total = sum(sum(r) for r in cm)
        i, j = ("real", "fake").index(c.get("truth")), ("real", "fake").index(c.get("predicted"))
        value = 100.0 * cm[i][j] / total
        verdict, diff = _within(c, value)
        return Row(c.id, c.what, c.source, c.run, _paper_text(c), f"{value:.{decimals}f} (seed {rec['seed']})", diff,
                   verdict, note, {"value": value, "cell": cm[i][j], "total": total, "seed": rec["seed"]})
    if c.kind == "utest":
        from ..stats import mann_whitney

        a = _values(Comparison(c.id, c.what, c.source, "metric", c.run, {**c.spec, "kind": "metric"}), recs)
        b = _values(Comparison(c.id, c.what, c.source, "metric", c.get("against"), {**c.spec, "kind": "metric"}),
                    records[c.get("against")])
        if len(a) < 2 or len(b) < 2:
            raise FakebenchError(f"a U test needs at least 2 runs on each side, got {len(a)} and {len(b)}",
                                 hint="use --runs 2 or more")
        test = mann_whitney(a, b)
        alpha = float(c.get("alpha", 0.05))
        significant = test.p < alpha
        verdict = ("yes" if significant else "no") + f" (paper: significant at {alpha:g})"
        return Row(c.id, c.what, c.source, c.run, _paper_text(c), f"p = {test.p:.{decimals}g} (U = {test.u:g}, "
                   f"n = {test.n_a} vs {test.n_b})", "n/a", verdict, note, {"p": test.p, "u": test.u})
    if c.kind == "correlation":
        return _correlation_row(recipe, c, recs, kw.get("fad"))
    if c.kind == "rtf":
        if not kw.get("measure_rtf"):
            raise FakebenchError("not measured (--no-rtf)")
        from .measure import single_clip_rtf

        rec = best_record(recs, recipe.select_by)
        result = single_clip_rtf(rec, repeats=int(c.get("repeats", 100)), store=kw.get("store"),
                                 registry=kw.get("registry"), device=kw.get("device", "cpu"),
                                 data_root=kw.get("data_root"))
        value = result["percent"]
        verdict, diff = _within(c, value)
        return Row(c.id, c.what, c.source, c.run, _paper_text(c),
                   f"{_fmt(value, decimals)} ({result['device']}, clip {result['clip']})", diff, verdict, note, result)
    raise AssertionError(c.kind)


def _correlation_row(recipe: Recipe, c: Comparison, recs: list[dict], fad: str | None) -> Row:
    """Pearson r between each system's summed eval BCE (the authors' per-system "loss":
    the sum of per-clip BCE, not the mean) in the best run and the table's FAD, over the
    systems of ``track`` that have both."""
    from ..stats import correlate

    table_path = fad or str(recipe.resource(c.get("table")))
    table = fad_table(table_path)
    rec = best_record(recs, recipe.select_by)
    systems = (rec.get("breakdowns") or {}).get("system") or {}
    track = str(c.get("track"))
    xs, ys, used = [], [], []
    for name, entry in sorted(systems.items()):
        row = table.get(name)
        if row is None or row.get("fad") is None or entry.get("bce") is None:
            continue
        if row.get("track") and row["track"] != track:
            continue
        if not row.get("track") and not name.upper().startswith(f"T{track}"):
            continue
        xs.append(entry["bce"] * entry["n"])
        ys.append(row["fad"])
        used.append(name)
    if len(xs) < 3:
        have = sum(1 for r in table.values() if r.get("fad") is not None)
        raise FakebenchError(
            f"{len(xs)} system(s) of track {track} have both a BCE and a FAD value; a correlation needs 3",
            hint=(f"the FAD table {table_path} has no values yet: fill its fad column from the official results page, "
                  "or pass --fad-table CSV") if have == 0 else "check the system names of the FAD table")
    corr = correlate(xs, ys)
    verdict, diff = _within(c, corr.pearson)
    return Row(c.id, c.what, c.source, c.run, _paper_text(c),
               f"{corr.pearson:+.2f} (p = {corr.pearson_p:.3g}, {corr.n} systems, seed {rec['seed']})", diff, verdict,
               str(c.get("note", "")), {"r": corr.pearson, "p": corr.pearson_p, "systems": used})


def reproduce(plan: Plan, *, data_root=None, device: str = "auto", cache_dir=None, results_dir=None,
              fad: str | None = None, measure_rtf: bool = True, progress: bool = False) -> Outcome:
    """Run ``plan`` and compare: the whole of ``fakebench reproduce`` but the output."""
    from ..results import ResultStore
    from ..device import resolve_device

    t = time.perf_counter()
    records = run_plan(plan, data_root=data_root, device=device, cache_dir=cache_dir, results_dir=results_dir,
                       progress=progress)
    store = ResultStore(results_dir)
    rows = compare(plan, records, store=store, device=resolve_device(device), data_root=data_root, fad=fad,
                   measure_rtf=measure_rtf)
    return Outcome(plan, records, rows, time.perf_counter() - t)


__all__ = ["Row", "Outcome", "run_plan", "compare", "reproduce", "best_record"]
