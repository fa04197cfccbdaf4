"""``fakebench results``: manage the results store."""

from __future__ import annotations

import click

from .common import results_option


@click.group("results")
def results_cmd():
    """Manage the results store (merge stores, rebuild the index)."""


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
