"""``fakebench leaderboard``: tables rendered from the stored result records."""

from __future__ import annotations

import click

from .common import results_option


@click.command("leaderboard")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv"]), default="markdown", show_default=True)
@click.option("--dataset", multiple=True, help="Only these datasets (repeatable).")
@click.option("--pipeline", multiple=True, help="Only these pipelines (repeatable).")
@click.option("--embedder", multiple=True, help="Only these embedders (repeatable).")
@click.option("--detector", multiple=True, help="Only these detectors (repeatable).")
@click.option("--metric", "metrics", multiple=True, help="Metric columns (repeatable) [default: all].")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
@results_option
def leaderboard_cmd(fmt, dataset, pipeline, embedder, detector, metrics, out, results_dir):
    """Render the leaderboard of stored results (mean ± std across seeds)."""
    from ..leaderboard import render
    from ..results import ResultStore

    store = ResultStore(results_dir)
    records = store.records(dataset=list(dataset) or None, pipeline=list(pipeline) or None,
                            embedder=list(embedder) or None, detector=list(detector) or None)
    if not records:
        click.echo(f"No results in {store.root}. Run `fakebench run ...` first.", err=True)
        return
    text = render(records, fmt, list(metrics) or None)
    if out:
        from pathlib import Path

        Path(out).write_text(text + ("\n" if not text.endswith("\n") else ""))
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text)
