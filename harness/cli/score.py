"""``fakebench score``: verdicts on audio files from a saved detector."""

from __future__ import annotations

import json

import click

from .common import device_option, json_option, results_option


@click.command("score")
@click.option("--model", "-m", required=True, help="A saved detector (results store models/<run_id>.pt, or a run id).")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@device_option
@results_option
@json_option
def score_cmd(model, files, device, results_dir, as_json):
    """Score FILES with a saved detector: a fake/real verdict per file."""
    from ..inference import find_model, score_files

    verdicts = score_files(find_model(model, results_dir), files, device=device)
    if as_json:
        click.echo(json.dumps([v.as_dict() for v in verdicts], indent=2))
        return
    for v in verdicts:
        p = f"  p(fake)={v.probability:.3f}" if v.probability is not None else ""
        click.echo(f"{'FAKE' if v.fake else 'real'}  score={v.score:+.4f}{p}  {v.path}")
