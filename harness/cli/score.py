"""``fakebench score``: verdicts on audio files from a saved detector."""

from __future__ import annotations

import json

import click

from .common import device_option, json_option


@click.command("score")
@click.option("--model", "-m", required=True, type=click.Path(dir_okay=False),
              help="A saved detector (results store models/<run_id>.pt, or a run id).")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@device_option
@json_option
def score_cmd(model, files, device, as_json):
    """Score FILES with a saved detector: a fake/real verdict per file."""
    from pathlib import Path

    from ..results import ResultStore
    from ..inference import score_files

    if not Path(model).exists():
        candidate = ResultStore().model_path(model)
        if candidate.exists():
            model = str(candidate)
    verdicts = score_files(model, files, device=device)
    if as_json:
        click.echo(json.dumps([v.as_dict() for v in verdicts], indent=2))
        return
    for v in verdicts:
        p = f"  p(fake)={v.probability:.3f}" if v.probability is not None else ""
        click.echo(f"{'FAKE' if v.fake else 'real'}  score={v.score:+.4f}{p}  {v.path}")
