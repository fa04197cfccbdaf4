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
        click.option("--alpha", type=float, default=0.05, show_default=True,
                     help="Significance level of the U test against the best row."),
        click.option("--digits", type=int, default=2, show_default=True),
    ]):
        f = opt(f)
    return f


def _records(results_dir, dataset, train_dataset, pipeline, embedder, detector):
    from ..results import ResultStore

    store = ResultStore(results_dir)
    records = store.records(dataset=list(dataset) or None, pipeline=list(pipeline) or None,
                            embedder=list(embedder) or None, detector=list(detector) or None)
    if train_dataset:
        from ..leaderboard import train_name

        records = [r for r in records if train_name(r) in train_dataset]
    return store, records


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
    if not records:
        click.echo(f"No results in {store.root}. Run `fakebench run ...` first.", err=True)
        return
    text = render(records, fmt, list(metrics) or None, digits=digits, sort_by=sort_by, alpha=alpha, pivot=pivot,
                  cross=cross, store=store, plots=not no_plots)
    if out:
        Path(out).write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text)


@leaderboard_cmd.command("publish")
@_filters
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder to write [default: leaderboards/ of the repository].")
@click.option("--no-plots", is_flag=True, help="Dataset pages without plots.")
@results_option
def publish_cmd(dataset, train_dataset, pipeline, embedder, detector, metrics, sort_by, alpha, digits, out, no_plots,
                results_dir):
    """Write a static site (index.html + one page per dataset) and the tables
    (leaderboard.md/.csv/.tex) into leaderboards/."""
    from ..errors import FakebenchError
    from ..report import publish

    store, records = _records(results_dir, dataset, train_dataset, pipeline, embedder, detector)
    if not records:
        raise FakebenchError(f"no results to publish in {store.root}", hint="run `fakebench run ...` first")
    paths = publish(records, store, out, metrics=list(metrics) or None, sort_by=sort_by, alpha=alpha, digits=digits,
                    plots=not no_plots)
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
def correlate_cmd(table_path, runs, split, results_dir, as_json):
    """Correlate each system's mean BCE (from logit scores) with a per-system value.

    As in Ouajdi et al. (EUSIPCO 2024), who correlate per-system BCE with the DCASE
    FAD ranking. Prints Spearman and Pearson coefficients with their p-values.
    """
    from tabulate import tabulate

    from ..stats import correlate_runs
    from ..results import ResultStore

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
