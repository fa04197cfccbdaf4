"""``fakebench leaderboard``: tables rendered from the stored result records.

``fakebench leaderboard`` prints the table (Markdown, CSV, LaTeX or HTML);
``fakebench leaderboard publish`` writes the static site and tables into
``leaderboards/``; ``fakebench leaderboard correlate`` correlates per-system BCE with a
per-system quality table (e.g. FAD).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ConfigError, FakebenchError
from ..report.render import FORMATS
from .common import json_option, results_option



def _filters(f):
    for opt in reversed([
        click.option("--dataset", multiple=True, help="Only these test datasets (repeatable)."),
        click.option("--train-dataset", "train_dataset", multiple=True,
                     help="Only runs trained on these datasets (repeatable)."),
        click.option("--pipeline", multiple=True, help="Only these pipelines (repeatable)."),
        click.option("--embedder", multiple=True, help="Only these embedders (repeatable)."),
        click.option("--detector", multiple=True, help="Only these detectors (repeatable)."),
        click.option("--metric", "metrics", multiple=True, help="Metric column (repeatable), or `all` [default: accuracy, eer, f1, roc_auc]."),
        click.option("--sort", "sort_by", default=None,
                     help="Metric to sort by and to test significance on [default: the first column]."),
        click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
                     show_default=True, help="Significance level of the U test against the best row (0 < alpha < 1)."),
        click.option("--digits", type=click.IntRange(0, 10), default=2, show_default=True,
                     help="Decimals shown (0 to 10)."),
    ]):
        f = opt(f)
    return f


#: Record fields no leaderboard, pivot, plot or site reads: left out when records are loaded
UNUSED_FIELDS = ("training", "extraction", "environment", "options", "timings", "resources")


def _records(results_dir, dataset, train_dataset, pipeline, embedder, detector):
    from ..results import ResultStore

    store = ResultStore(results_dir)
    records = store.records(dataset=list(dataset) or None, pipeline=list(pipeline) or None,
                            embedder=list(embedder) or None, detector=list(detector) or None, omit=UNUSED_FIELDS)
    if store.skipped_count:
        click.echo(f"warning: {store.skipped_count} result record(s) in {store.root} skipped as unusable (named "
                   "above); `fakebench results rebuild` moves them to quarantine/", err=True)
    if train_dataset:
        from ..leaderboard import train_name

        records = [r for r in records if train_name(r) in train_dataset]
    return store, records


def check_metric_names(names, records, option: str = "--metric") -> None:
    """Refuse metric names that are neither registered nor in any record, with a
    did-you-mean (as ``run`` does); ``all`` is always fine."""
    names = [n for n in names if n and n != "all"]
    if not names:
        return
    known = set()
    for r in records:
        known.update(r.get("metrics") or {})
    try:
        from ..registry import Registry

        known.update(Registry().table("metrics"))
    except Exception:  # a broken third-party plugin must not hide the records' own metrics
        pass
    for name in names:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, sorted(known), n=3)
            what = f"cannot sort by {name!r}" if option == "--sort" else f"{option} {name!r}"
            raise ConfigError(f"{what}: no such metric",
                              hint=("did you mean " + " or ".join(close) + "?") if close
                              else "metrics: " + ", ".join(sorted(known)) + " (or all)")


#: Options of the group that a subcommand has too: given before the subcommand
#: (``leaderboard --results X publish``), they reach it unless it gives its own.
_SHARED = {"publish": ("dataset", "train_dataset", "pipeline", "embedder", "detector", "metrics", "sort_by", "alpha",
                       "digits", "no_plots", "results_dir"),
           "correlate": ("results_dir",)}


def _inherit(ctx: click.Context, name: str, values: dict) -> dict:
    """``values`` (a subcommand's parameters) with the group's options given before the
    subcommand filled in where the subcommand did not give its own; a group option the
    subcommand does not take is an error naming it."""
    from click.core import ParameterSource

    parent = ctx.parent
    if parent is None:
        return values
    out = dict(values)
    for param in parent.command.params:
        source = parent.get_parameter_source(param.name)
        if source not in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            continue
        if param.name not in _SHARED.get(name, ()):
            if source == ParameterSource.COMMANDLINE:
                flag = max(param.opts, key=len)
                raise ConfigError(f"{flag} does not apply to `fakebench leaderboard {name}`",
                                  hint=f"put the options of {name} after it: fakebench leaderboard {name} --help")
            continue
        if ctx.get_parameter_source(param.name) in (ParameterSource.DEFAULT, None):
            out[param.name] = parent.params[param.name]
    return out


@click.group("leaderboard", invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="markdown", show_default=True)
@_filters
@click.option("--pivot", default=None, metavar="ROWS:COLS",
              help="One metric in a grid, e.g. pipeline:dataset (keys: pipeline, dataset, train, embedder, "
                   "detector, protocol).")
@click.option("--cross", is_flag=True, help="The train -> test matrix of cross-dataset runs, per pipeline.")
@click.option("--no-plots", is_flag=True, help="HTML without plots.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
@results_option
@click.pass_context
def leaderboard_cmd(ctx, fmt, dataset, train_dataset, pipeline, embedder, detector, metrics, sort_by, alpha, digits,
                    pivot, cross, no_plots, out, results_dir):
    """Render the leaderboard of stored results (mean ± std across seeds).

    \b
    Bold = best of its dataset; * = significantly worse than the best (two-sided
    Mann-Whitney U test over seeds, --alpha 0.05).

    \b
    Examples:
      fakebench leaderboard --metric eer --metric accuracy
      fakebench leaderboard --format latex --sort eer --out table.tex
      fakebench leaderboard --pivot pipeline:dataset --metric eer
      fakebench leaderboard --cross --metric eer
      fakebench leaderboard --format html --out board.html
      fakebench leaderboard publish
      fakebench leaderboard correlate --table fad.csv --run RUN_ID
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..report.render import render

    store, records = _records(results_dir, dataset, train_dataset, pipeline, embedder, detector)
    check_metric_names(list(metrics), records)
    check_metric_names([sort_by] if sort_by else [], records, "--sort")
    if not records:
        click.echo(f"No results in {store.root}. Run `fakebench run ...` first.", err=True)
        return
    text = render(records, fmt, list(metrics) or None, digits=digits, sort_by=sort_by, alpha=alpha, pivot=pivot,
                  cross=cross, store=store, plots=not no_plots)
    if out:
        try:
            Path(out).write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
        except OSError as e:
            raise FakebenchError(f"cannot write --out {out!r}: {e.strerror or e}",
                                 hint="give a file in an existing, writable folder") from None
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text)


@leaderboard_cmd.command("publish")
@_filters
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder to write [default: leaderboards/ of the repository].")
@click.option("--no-plots", is_flag=True, help="Dataset pages without plots.")
@results_option
@click.pass_context
def publish_cmd(ctx, dataset, train_dataset, pipeline, embedder, detector, metrics, sort_by, alpha, digits, out,
                no_plots, results_dir):
    """Write a static site (index.html + one page per dataset) and the tables
    (leaderboard.md/.csv/.tex) into leaderboards/.

    Filters and --results may also come before `publish` (`fakebench leaderboard
    --results DIR publish`)."""
    from ..report import publish

    p = _inherit(ctx, "publish", dict(ctx.params))
    store, records = _records(p["results_dir"], p["dataset"], p["train_dataset"], p["pipeline"], p["embedder"],
                              p["detector"])
    check_metric_names(list(p["metrics"]), records)
    check_metric_names([p["sort_by"]] if p["sort_by"] else [], records, "--sort")
    if not records:
        raise FakebenchError(f"no results to publish in {store.root}", hint="run `fakebench run ...` first")
    try:
        paths = publish(records, store, out, metrics=list(p["metrics"]) or None, sort_by=p["sort_by"],
                        alpha=p["alpha"], digits=p["digits"], plots=not p["no_plots"])
    except OSError as e:
        raise FakebenchError(f"cannot write the site to {str(out or 'leaderboards/')!r}: {e.strerror or e}",
                             hint="pass --out DIR, a writable folder") from None
    for p in paths:
        click.echo(f"wrote {p} ({p.stat().st_size:,} bytes)")


@leaderboard_cmd.command("correlate")
@click.option("--table", "table_path", required=True, type=click.Path(dir_okay=False),
              help="CSV with two columns, system,value (e.g. FAD per generator; header optional).")
@click.option("--run", "runs", multiple=True, required=True,
              help="Run id, unique run-id prefix or group key (repeatable; several runs are averaged per system).")
@click.option("--split", default="eval", show_default=True, help="Which stored scores to use.")
@results_option
@json_option
@click.pass_context
def correlate_cmd(ctx, table_path, runs, split, results_dir, as_json):
    """Correlate each system's mean BCE (from logit scores) with a per-system value.

    As in Ouajdi et al. (EUSIPCO 2024), who correlate per-system BCE with the DCASE
    FAD ranking. Prints Spearman and Pearson coefficients with their p-values.
    """
    from tabulate import tabulate

    from ..stats import correlate_runs
    from ..results import ResultStore

    results_dir = _inherit(ctx, "correlate", dict(ctx.params))["results_dir"]
    res = correlate_runs(ResultStore(results_dir), runs, table_path, split)
    if as_json:
        click.echo(json.dumps(res, indent=2))
        return
    rows = [[s["system"], f"{s['bce']:.4f}", f"{s['value']:.4g}"] for s in res["systems"]]
    click.echo(tabulate(rows, headers=["system", "mean BCE", Path(table_path).stem], tablefmt="github",
                        disable_numparse=True))
    click.echo(f"\nSpearman rho = {res['spearman']:.3f} (p = {res['spearman_p']:.3g}); "
               f"Pearson r = {res['pearson']:.3f} (p = {res['pearson_p']:.3g}); n = {res['n']} systems, "
               f"{len(res['runs'])} run(s)")
    if res["only_in_runs"]:
        click.echo(f"not in the table: {', '.join(res['only_in_runs'])}", err=True)
    if res["only_in_table"]:
        click.echo(f"not in the runs: {', '.join(res['only_in_table'])}", err=True)
