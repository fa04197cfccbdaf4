"""``fakebench run``: train and evaluate one pipeline on one dataset."""

from __future__ import annotations

import json

import click

from ..executors.options import address_option, check_address, executor_option
from .common import cache_option, data_root_option, device_option, json_option, results_option


@click.command("run")
@click.option("--detector", "-d", default=None,
              help="Detector or pipeline: clap-mlp = embedder clap + detector mlp; aasist needs no embedder.")
@click.option("--dataset", "-D", default=None, help="Dataset name; comma-separated test sets with --train-dataset.")
@click.option("--embedder", "-e", default=None, help="Embedder, when not part of --detector.")
@click.option("--train-dataset", default=None, help="Fit on this dataset and score every --dataset (cross-dataset).")
@data_root_option
@click.option("--protocol", default=None, help="Split protocol of the dataset (see `fakebench list datasets`).")
@device_option
@click.option("--seed", type=int, default=0, show_default=True, help="First seed.")
@click.option("--runs", type=int, default=1, show_default=True, help="Number of seeds: seed, seed+1, ...")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Plugin parameter, e.g. --set epochs=10 --set embedder.layer=6, or a run key: --set run.runs=3 "
                   "(repeatable).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML config file ([run], [dataset], [embedder], [detector]); the command line wins over it.")
@click.option("--length", default=None, help="Clip length policy: full, crop:N, pad:N, repeat:N, center:N.")
@click.option("--batch-size", type=int, default=None, help="Embedding batch size.")
@click.option("--workers", "num_workers", type=int, default=None, help="Audio decoding workers.")
@click.option("--precision", type=click.Choice(["fp32", "fp16", "bf16"]), default="fp32", show_default=True)
@click.option("--weights", default=None, help="Weights file or folder (embedder, or the detector if none).")
@click.option("--metric", "metrics", multiple=True, help="Metric to compute (repeatable) [default: all defaults].")
@click.option("--threshold", "threshold", type=click.Choice(["detector", "dev-eer"]), default="detector",
              show_default=True, help="Threshold of accuracy/F1/...: the detector's, or the EER point of the val split.")
@click.option("--calibrate", type=click.Choice(["dev"]), default=None,
              help="Fit a logistic-regression calibration (scores -> LLRs) on the val split and apply it; the record "
                   "holds act_dcf and cllr before and after.")
@click.option("--condition", "conditions", default=None, metavar="SPECS",
              help="Score under robustness conditions: clean,mp3:32k,opus:16k,telephone,noise:snr=10,reverb:rt60=0.6 "
                   "(`fakebench list conditions`); one record per condition.")
@click.option("--condition-set", default=None, metavar="NAME",
              help="A named preset of conditions: codecs, telephony, noise, reverb, asvspoof21-like.")
@click.option("--train-condition", default=None, metavar="SPEC", help="Condition of the training audio [default: clean].")
@click.option("--max-memory", default=None, metavar="SIZE",
              help="Memory budget, e.g. 4G or 2500M: the evaluation batch of audio detectors that declare their "
                   "activation memory (aasist) is chosen to stay under it [default: 512M of activations on CPU].")
@click.option("--allow-missing", is_flag=True, help="Skip files listed by the dataset but absent.")
@click.option("--skip-bad", is_flag=True, help="Skip unreadable audio files (counted in the record).")
@click.option("--no-save-model", is_flag=True, help="Do not save the trained detector.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the embedding cache.")
@click.option("--retrain", is_flag=True, help="Fit the detector even when an identical fit is cached.")
@click.option("--check", is_flag=True,
              help="Only check: resolve the datasets, models, device and folders, print the plan (counts, where "
                   "each model comes from, cached embeddings, work left) and exit 0 if nothing is missing, else 2.")
@executor_option
@address_option
@cache_option
@results_option
@json_option
@click.pass_context
def run_cmd(ctx, detector, dataset, embedder, train_dataset, data_root, protocol, device, seed, runs, sets,
            config_file, length, batch_size, num_workers, precision, weights, metrics, threshold, calibrate,
            conditions, condition_set, train_condition, allow_missing, skip_bad, no_save_model, no_cache, retrain,
            check, executor, address, cache_dir, results_dir, as_json, max_memory):
    """Train and evaluate DETECTOR on DATASET; write result records.

    Precedence: command-line options > --set > --config file > defaults.

    \b
    Examples:
      fakebench run --detector sfx-mlp --dataset foley-demo --data-root data/
      fakebench run -d clap-mlp -D dcase23 --runs 10 --set epochs=100
      fakebench run -d aasist -D manifest --data-root speech.csv --set pretrained=AASIST
      fakebench run --config study.toml --runs 3
      fakebench run -d dada -D itw --check      # what the run needs and will do, nothing run
    """
    from ..config import RunSpec
    from ..launch import run_spec, runner_for

    given = {name: value for name, value in ctx.params.items()
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    options = {
        "dataset": given.get("dataset"), "detector": given.get("detector"), "embedder": given.get("embedder"),
        "train_dataset": given.get("train_dataset"), "data_root": given.get("data_root"),
        "protocol": given.get("protocol"), "device": given.get("device"), "length": given.get("length"),
        "batch_size": given.get("batch_size"), "workers": given.get("num_workers"),
        "precision": given.get("precision"), "weights": given.get("weights"),
        "metrics": list(metrics) if metrics else None, "threshold": given.get("threshold"), "calibrate": calibrate,
        "conditions": conditions, "condition_set": condition_set, "train_condition": train_condition,
        "allow_missing": True if allow_missing else None, "skip_bad": True if skip_bad else None,
        "no_save_model": True if no_save_model else None, "no_cache": True if no_cache else None,
        "retrain": True if retrain else None, "cache": given.get("cache_dir"), "results": given.get("results_dir"),
        "executor": given.get("executor"), "address": given.get("address"),
        "max_memory": given.get("max_memory"),
    }
    if "seed" in given:
        options["seed"] = seed
    if "runs" in given:
        options["runs"] = runs
    spec = RunSpec.from_config(config_file, sets=sets, **options)
    check_address(spec.executor, spec.address)
    spec.progress = not as_json
    runner = runner_for(spec)
    if check:
        plan = runner.plan
        click.echo(json.dumps(plan.as_dict(), indent=2) if as_json else plan.render())
        plan.raise_if_missing()  # exit 2, naming everything missing
        return
    records = run_spec(spec, runner)
    if as_json:
        click.echo(json.dumps(records, indent=2))
        return
    from ..report.render import render

    click.echo(render(records, metrics=list(spec.metrics) if spec.metrics else None))
    for rec in records:
        for w in rec.get("warnings", []):
            click.echo(f"warning ({rec['dataset']['name']}, seed {rec['seed']}): {w}", err=True)
    if records:
        from ..results import ResultStore

        click.echo(f"\n{len(records)} record(s) written to {ResultStore(spec.results_dir).root}")
