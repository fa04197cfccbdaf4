"""``fakebench evaluate``: the official numbers for any system's score file."""

from __future__ import annotations

import json

import click

from .common import data_root_option, json_option, results_option


@click.command("evaluate")
@click.option("--scores", "scores", required=True, type=click.Path(dir_okay=False),
              help="The system's score file (one score per utterance).")
@click.option("--dataset", "-D", required=True, help="The test set whose protocol the file is scored on.")
@data_root_option
@click.option("--protocol", default=None, help="Split protocol of the dataset.")
@click.option("--name", default=None, help="The system's name in the leaderboards [default: the file's stem].")
@click.option("--score-direction", "direction", type=click.Choice(["fake-high", "bonafide-high"]), default=None,
              help="fake-high: higher = more likely fake (fakebench); bonafide-high: higher = bona fide (the ASVspoof "
                   "packages). Detected with a loud warning when not given.")
@click.option("--format", "fmt", type=click.Choice(["auto", "utt-score", "utt-label-score", "asvspoof2019", "table"]),
              default="auto", show_default=True, help="Score-file layout.")
@click.option("--part", type=click.Choice(["eval", "all"]), default=None,
              help="Which clips form the test set [default: the dataset's own test set].")
@click.option("--allow-partial", is_flag=True,
              help="Evaluate the clips that have a score when the file misses some (recorded in the result).")
@click.option("--metric", "metrics", multiple=True, help="Metric to compute (repeatable) [default: all defaults].")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Dataset parameter (repeatable).")
@results_option
@json_option
def evaluate_cmd(scores, dataset, data_root, protocol, name, direction, fmt, part, allow_partial, metrics, sets,
                 results_dir, as_json):
    """Evaluate a score file exactly against DATASET's protocol and store the result.

    Every utterance of the test set must have exactly one score; missing, duplicate and
    unknown ids are refused (named) unless --allow-partial. The result is an ordinary
    record: it appears in `fakebench leaderboard` next to fakebench's own runs.

    \b
    Examples:
      fakebench evaluate --scores scores.txt --dataset asvspoof21-la --score-direction bonafide-high
      fakebench evaluate --scores my.tsv --dataset asvspoof5 --name mysystem
    """
    from ..config import parse_sets
    from ..external import evaluate_score_file

    rec = evaluate_score_file(scores, dataset, name=name, data_root=data_root, protocol=protocol,
                              direction=direction, fmt=fmt, allow_partial=allow_partial, part=part,
                              metrics=list(metrics) or None, results_dir=results_dir,
                              sets={f"dataset.{k}": v for k, v in parse_sets(sets).items()})
    if as_json:
        click.echo(json.dumps(rec, indent=2))
        return
    from ..report.render import render

    click.echo(render([rec], metrics=list(metrics) or None))
    ext = rec["external"]
    click.echo(f"\n{rec['pipeline']['name']}: {ext['join']['scored']} clips of {dataset} ({rec['dataset']['part']}), "
               f"direction {ext['direction']}{' (detected)' if ext['direction_detected'] else ''}; "
               f"record {rec['run_id']}")
    for w in rec.get("warnings", []):
        click.echo(f"warning: {w}", err=True)
