"""``fakebench results``: manage the results store."""

from __future__ import annotations

import click

from .common import results_option


@click.group("results")
def results_cmd():
    """The results store: list runs, merge stores, rebuild the index."""


def _skipped_note(store, what: str) -> None:
    n = store.skipped_count
    if n:
        click.echo(f"warning: {n} result record(s) {what} (named above)", err=True)


@results_cmd.command("rebuild")
@results_option
def rebuild(results_dir):
    """Rebuild the SQLite index from the JSON records.

    Records that cannot be used (truncated, hand-edited, wrong types) are moved to
    quarantine/ beside runs/, each with a .reason.txt; records of a newer schema are
    left in place and skipped. The new index replaces the old one only when complete.
    """
    from ..results import ResultStore

    store = ResultStore(results_dir)
    n = store.rebuild()
    click.echo(f"indexed {n} record(s) in {store.db_path}")
    q = len(getattr(store, "quarantined", []))
    if q:
        click.echo(f"moved {q} unusable record(s) to {store.quarantine_dir} (reasons in *.reason.txt)", err=True)
    if store.skipped_count > q:
        click.echo(f"warning: {store.skipped_count - q} record(s) skipped and left in place (named above)", err=True)


@results_cmd.command("merge")
@click.argument("others", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@results_option
def merge(others, results_dir):
    """Copy the records of other stores (e.g. from other machines) into this one.

    Records that cannot be used, and records naming a file outside their store, are
    skipped with a warning (nothing of theirs is copied).
    """
    from ..results import ResultStore

    store = ResultStore(results_dir)
    for other in others:
        n = store.merge(other)
        click.echo(f"merged {n} new record(s) from {other}")
        _skipped_note(store, f"of {other} skipped")


@results_cmd.command("list")
@click.option("--dataset", "-D", default=None, help="Only runs scored on this dataset.")
@click.option("--pipeline", "-d", default=None, help="Only runs of this pipeline.")
@click.option("--metric", default="eer", show_default=True, help="The metric shown for each run.")
@click.option("--last", type=click.IntRange(min=1), default=None, help="Only the N most recent runs.")
@results_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_runs(dataset, pipeline, metric, last, results_dir, as_json):
    """The stored runs, newest last: run id (what `fakebench score --model` and `serve`
    take), dataset, pipeline, seed, condition, the metric, and whether a model was saved."""
    import json

    from tabulate import tabulate

    from ..results import ResultStore

    store = ResultStore(results_dir)
    records = store.records(dataset=dataset, pipeline=pipeline)
    if last:
        records = records[-last:]
    rows = []
    for r in records:
        value = (r.get("metrics") or {}).get(metric)
        percent = (r.get("metric_info") or {}).get(metric, {}).get("percent")
        rows.append({"run_id": r["run_id"], "dataset": r["dataset"]["name"], "pipeline": r["pipeline"]["name"],
                     "seed": r.get("seed"), "condition": r.get("condition") or "clean",
                     metric: value, "model": bool(r.get("model_file"))})
        if value is not None and not as_json:
            rows[-1][metric] = f"{100 * value:.2f}%" if percent else f"{value:.4g}"
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo(f"No results in {store.root}")
    else:
        click.echo(tabulate(rows, headers="keys", tablefmt="github", disable_numparse=True))
    _skipped_note(store, "skipped")
