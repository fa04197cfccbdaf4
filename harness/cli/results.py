"""``fakebench results``: manage the results store."""

from __future__ import annotations

import click

from .common import results_option


@click.group("results")
def results_cmd():
    """Manage the results store (merge stores, rebuild the index)."""


@results_cmd.command("rebuild")
@results_option
def rebuild(results_dir):
    """Rebuild the SQLite index from the JSON records."""
    from ..results import ResultStore

    store = ResultStore(results_dir)
    n = store.rebuild()
    click.echo(f"indexed {n} record(s) in {store.db_path}")


@results_cmd.command("merge")
@click.argument("others", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@results_option
def merge(others, results_dir):
    """Copy the records of other stores (e.g. from other machines) into this one."""
    from ..results import ResultStore

    store = ResultStore(results_dir)
    for other in others:
        n = store.merge(other)
        click.echo(f"merged {n} new record(s) from {other}")
